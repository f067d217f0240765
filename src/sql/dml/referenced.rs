//! The referenced side of foreign keys: deleting or re-keying a row that other rows reference
//! fails (NO ACTION / RESTRICT) or cascades (CASCADE, SET NULL, SET DEFAULT).

use super::constraints::check_not_null;
use crate::error::{PgError, PgResult};
use crate::sql::eval::{eval, EvalCtx, Scope};
use crate::sql::schema::{ConstraintKind, ReferentialAction, TableDef};
use crate::sql::storage::{describe_key, IndexKey, RowId};
use crate::sql::{Database, Host};
use crate::types::Value;
use std::collections::{BTreeMap, HashMap, HashSet};

/// Changes a statement causes in other rows through referential actions.
#[derive(Default)]
pub struct Effects {
    /// Rows to delete per table, in the order found (the statement's own rows included).
    pub deletes: BTreeMap<String, Vec<RowId>>,
    /// New versions of rows per table (SET NULL / SET DEFAULT / ON UPDATE CASCADE).
    pub updates: BTreeMap<String, BTreeMap<RowId, Vec<Value>>>,
}

impl Effects {
    /// Applies the planned changes (updates of rows that are also deleted are skipped).
    pub fn apply(self, db: &mut Database) -> PgResult<()> {
        for (table, rows) in self.updates {
            let gone: HashSet<RowId> = self
                .deletes
                .get(&table)
                .map(|d| d.iter().copied().collect())
                .unwrap_or_default();
            let changes: Vec<(RowId, Vec<Value>)> = rows
                .into_iter()
                .filter(|(id, _)| !gone.contains(id))
                .collect();
            db.storage.update(&table, changes)?;
        }
        for (table, ids) in self.deletes {
            db.storage.delete(&table, ids)?;
        }
        Ok(())
    }
}

struct Fk<'a> {
    def: &'a TableDef,
    name: &'a str,
    columns: &'a [String],
    ref_columns: &'a [String],
    on_delete: &'a ReferentialAction,
    on_update: &'a ReferentialAction,
}

/// Foreign keys (of any table, this one included) referencing `table`.
fn fks_to<'a>(db: &'a Database, table: &str) -> Vec<Fk<'a>> {
    let mut out = Vec::new();
    for def in db.storage.tables.values() {
        for c in &def.constraints {
            if let ConstraintKind::ForeignKey {
                columns,
                ref_table,
                ref_columns,
                on_delete,
                on_update,
            } = &c.kind
            {
                if ref_table == table {
                    out.push(Fk {
                        def,
                        name: &c.name,
                        columns,
                        ref_columns,
                        on_delete,
                        on_update,
                    });
                }
            }
        }
    }
    out
}

fn positions(def: &TableDef, cols: &[String]) -> Vec<usize> {
    cols.iter()
        .map(|c| def.column_index(c).unwrap_or(usize::MAX))
        .collect()
}

fn still_referenced(
    table: &str,
    fk: &Fk,
    ref_cols: &[String],
    row: &[Value],
    pos: &[usize],
) -> PgError {
    PgError::new(
        "23503",
        format!(
            "update or delete on table \"{table}\" violates foreign key constraint \"{}\" on table \"{}\"",
            fk.name, fk.def.name
        ),
    )
    .with_detail(format!(
        "{} is still referenced from table \"{}\".",
        describe_key(ref_cols, pos.iter().map(|&p| row.get(p))),
        fk.def.name
    ))
}

/// The row with its foreign-key columns set to NULL or their defaults.
fn cleared(
    db: &Database,
    host: &dyn Host,
    fk: &Fk,
    mut row: Vec<Value>,
    fk_pos: &[usize],
    action: &ReferentialAction,
) -> PgResult<Vec<Value>> {
    for &p in fk_pos {
        let v = match (
            action,
            fk.def.columns.get(p).and_then(|c| c.default.as_ref()),
        ) {
            (ReferentialAction::SetDefault, Some(d)) => {
                let ctx = EvalCtx {
                    host,
                    db,
                    subqueries: None,
                };
                eval(d, &Scope::EMPTY, &ctx)?
            }
            _ => Value::Null,
        };
        if let Some(slot) = row.get_mut(p) {
            *slot = v;
        }
    }
    check_not_null(fk.def, &row)?;
    Ok(row)
}

/// Plans deleting `rows` of `table`: fails if a NO ACTION / RESTRICT key still references one,
/// follows ON DELETE CASCADE transitively, and clears SET NULL / SET DEFAULT references.
pub fn plan_delete(
    db: &Database,
    host: &dyn Host,
    table: &str,
    rows: Vec<(RowId, Vec<Value>)>,
) -> PgResult<Effects> {
    let mut fx = Effects::default();
    let mut deleted: HashMap<String, HashSet<RowId>> = HashMap::new();
    let ids: Vec<RowId> = rows.iter().map(|(id, _)| *id).collect();
    deleted
        .entry(table.to_string())
        .or_default()
        .extend(ids.iter().copied());
    fx.deletes.insert(table.to_string(), ids);
    let mut queue = vec![(table.to_string(), rows)];
    while let Some((t, rows)) = queue.pop() {
        let Some(tdef) = db.table(&t) else { continue };
        for fk in fks_to(db, &t) {
            let ref_pos = positions(tdef, fk.ref_columns);
            let fk_pos = positions(fk.def, fk.columns);
            let keys: HashSet<IndexKey> = rows
                .iter()
                .filter_map(|(_, r)| IndexKey::of(r, &ref_pos))
                .collect();
            if keys.is_empty() {
                continue;
            }
            let mut cascade = Vec::new();
            let mut hit: HashSet<IndexKey> = HashSet::new();
            let gone = deleted.get(&fk.def.name).cloned().unwrap_or_default();
            for (id, row) in db.storage.scan_with_ids(&fk.def.name)? {
                if gone.contains(&id) {
                    continue;
                }
                let row = fx
                    .updates
                    .get(&fk.def.name)
                    .and_then(|u| u.get(&id).cloned())
                    .unwrap_or(row);
                let Some(key) = IndexKey::of(&row, &fk_pos) else {
                    continue;
                };
                if !keys.contains(&key) {
                    continue;
                }
                match fk.on_delete {
                    ReferentialAction::NoAction | ReferentialAction::Restrict => {
                        hit.insert(key);
                    }
                    ReferentialAction::Cascade => cascade.push((id, row)),
                    action => {
                        let new = cleared(db, host, &fk, row, &fk_pos, action)?;
                        fx.updates
                            .entry(fk.def.name.clone())
                            .or_default()
                            .insert(id, new);
                    }
                }
            }
            if !hit.is_empty() {
                // Report the first deleted row (in statement order) that is still referenced.
                if let Some((_, row)) = rows
                    .iter()
                    .find(|(_, r)| IndexKey::of(r, &ref_pos).is_some_and(|k| hit.contains(&k)))
                {
                    return Err(still_referenced(&t, &fk, fk.ref_columns, row, &ref_pos));
                }
            }
            if !cascade.is_empty() {
                let set = deleted.entry(fk.def.name.clone()).or_default();
                let list = fx.deletes.entry(fk.def.name.clone()).or_default();
                let mut fresh = Vec::new();
                for (id, row) in cascade {
                    if set.insert(id) {
                        list.push(id);
                        fresh.push((id, row));
                    }
                }
                queue.push((fk.def.name.clone(), fresh));
            }
        }
    }
    Ok(fx)
}

/// Plans updating rows of `table` from `old` to `new` versions: references to a changed key
/// fail (NO ACTION / RESTRICT) or follow it (CASCADE, SET NULL, SET DEFAULT). One level deep.
pub fn plan_update(
    db: &Database,
    host: &dyn Host,
    table: &str,
    changes: &[(RowId, Vec<Value>, Vec<Value>)],
) -> PgResult<Effects> {
    let mut fx = Effects::default();
    let Some(tdef) = db.table(table) else {
        return Ok(fx);
    };
    for fk in fks_to(db, table) {
        let ref_pos = positions(tdef, fk.ref_columns);
        let fk_pos = positions(fk.def, fk.columns);
        // Old key -> new key, for rows whose referenced key changed.
        let mut moved: HashMap<IndexKey, (&[Value], &[Value])> = HashMap::new();
        for (_, old, new) in changes {
            if let Some(k) = IndexKey::of(old, &ref_pos) {
                if IndexKey::of(new, &ref_pos).as_ref() != Some(&k) {
                    moved.entry(k).or_insert((old, new));
                }
            }
        }
        if moved.is_empty() {
            continue;
        }
        let updated: HashSet<RowId> = if fk.def.name == table {
            changes.iter().map(|(id, _, _)| *id).collect()
        } else {
            HashSet::new()
        };
        for (id, row) in db.storage.scan_with_ids(&fk.def.name)? {
            if updated.contains(&id) {
                continue;
            }
            let Some(key) = IndexKey::of(&row, &fk_pos) else {
                continue;
            };
            let Some((old, new)) = moved.get(&key) else {
                continue;
            };
            let new_row = match fk.on_update {
                ReferentialAction::NoAction | ReferentialAction::Restrict => {
                    return Err(still_referenced(table, &fk, fk.ref_columns, old, &ref_pos));
                }
                ReferentialAction::Cascade => {
                    let mut r = row;
                    for (&p, &rp) in fk_pos.iter().zip(&ref_pos) {
                        if let (Some(slot), Some(v)) = (r.get_mut(p), new.get(rp)) {
                            *slot = v.clone();
                        }
                    }
                    r
                }
                action => cleared(db, host, &fk, row, &fk_pos, action)?,
            };
            fx.updates
                .entry(fk.def.name.clone())
                .or_default()
                .insert(id, new_row);
        }
    }
    Ok(fx)
}
