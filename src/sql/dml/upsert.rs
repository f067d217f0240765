//! INSERT ... ON CONFLICT DO NOTHING / DO UPDATE.

use super::constraints::{check_foreign_keys, check_rows, scope_columns};
use super::insert::{default_value, is_default_keyword};
use super::referenced::plan_update;
use crate::error::{PgError, PgResult};
use crate::sql::cast::coerce_for_column;
use crate::sql::ddl::names::{ident, object_name};
use crate::sql::eval::{eval, is_true, Scope};
use crate::sql::schema::TableDef;
use crate::sql::select::Executor;
use crate::sql::storage::{IndexKey, RowId, UniqueIndex};
use crate::sql::{Database, Host};
use crate::types::Value;
use sqlparser::ast::{AssignmentTarget, ConflictTarget, Ident, OnConflict, OnConflictAction};
use std::collections::HashSet;

/// Positions (in the table's unique indexes) of the indexes the conflict target names; all of
/// them when there is no target.
fn arbiters(
    db: &Database,
    def: &TableDef,
    target: Option<&ConflictTarget>,
) -> PgResult<Vec<usize>> {
    let indexes = db.storage.unique_indexes(&def.name);
    let found: Vec<usize> = match target {
        None => return Ok((0..indexes.len()).collect()),
        Some(ConflictTarget::Columns(cols)) => {
            let cols: Vec<String> = cols.iter().map(ident).collect();
            if let Some(c) = cols.iter().find(|c| def.column(c).is_none()) {
                return Err(PgError::undefined_column(c));
            }
            indexes
                .iter()
                .enumerate()
                .filter(|(_, ix)| {
                    ix.column_names.len() == cols.len()
                        && cols.iter().all(|c| ix.column_names.contains(c))
                })
                .map(|(i, _)| i)
                .collect()
        }
        Some(ConflictTarget::OnConstraint(name)) => {
            let name = object_name(name);
            let found: Vec<usize> = indexes
                .iter()
                .enumerate()
                .filter(|(_, ix)| ix.name == name)
                .map(|(i, _)| i)
                .collect();
            if found.is_empty() {
                return Err(PgError::new(
                    "42704",
                    format!(
                        "constraint \"{name}\" for table \"{}\" does not exist",
                        def.name
                    ),
                ));
            }
            found
        }
    };
    if found.is_empty() {
        return Err(PgError::new(
            "42P10",
            "there is no unique or exclusion constraint matching the ON CONFLICT specification",
        ));
    }
    Ok(found)
}

/// Runs the upsert for rows built by `build_insert_rows`; returns the rows it inserted or
/// updated (their new values), in the order they were proposed: the INSERT count is their
/// number. `alias` is the table's alias in the statement, if any.
pub fn upsert(
    db: &mut Database,
    def: &TableDef,
    alias: Option<&Ident>,
    oc: &OnConflict,
    rows: Vec<Vec<Value>>,
    host: &dyn Host,
) -> PgResult<Vec<Vec<Value>>> {
    // A key another open transaction holds decides nothing until it ends.
    db.storage.check_key_locks(&def.name, &rows)?;
    let arb = arbiters(db, def, oc.conflict_target.as_ref())?;
    let indexes: Vec<&UniqueIndex> = arb
        .iter()
        .filter_map(|&i| db.storage.unique_indexes(&def.name).get(i))
        .collect();
    // Keys proposed earlier in this statement, per arbiter index.
    let mut proposed: Vec<HashSet<IndexKey>> = vec![HashSet::new(); indexes.len()];
    let mut inserts = Vec::new();
    let mut conflicts: Vec<(RowId, Vec<Value>)> = Vec::new();
    // Per proposed row: inserted (`Ok`, its index in `inserts`) or conflicting (`Err`).
    let mut order: Vec<Result<usize, RowId>> = Vec::new();
    let mut touched: HashSet<RowId> = HashSet::new();
    for row in rows {
        let keys: Vec<Option<IndexKey>> = indexes.iter().map(|ix| ix.key_of(&row)).collect();
        let stored = indexes
            .iter()
            .zip(&keys)
            .find_map(|(ix, k)| k.as_ref().and_then(|k| ix.map.get(k).copied()));
        let again = proposed
            .iter()
            .zip(&keys)
            .any(|(set, k)| k.as_ref().is_some_and(|k| set.contains(k)));
        match (&oc.action, stored) {
            (OnConflictAction::DoNothing, _) if stored.is_some() || again => continue,
            (OnConflictAction::DoUpdate(_), Some(id)) => {
                if !touched.insert(id) {
                    return Err(twice());
                }
                order.push(Err(id));
                conflicts.push((id, row));
            }
            (OnConflictAction::DoUpdate(_), None) if again => return Err(twice()),
            _ => {
                for (set, k) in proposed.iter_mut().zip(keys) {
                    set.extend(k);
                }
                order.push(Ok(inserts.len()));
                inserts.push(row);
            }
        }
    }
    let mut updated: Vec<(RowId, Vec<Value>)> = Vec::new();
    if let OnConflictAction::DoUpdate(du) = &oc.action {
        updated = update_conflicting(db, def, alias, du, conflicts, host)?;
    }
    if !inserts.is_empty() {
        if let Err((_, e)) = check_rows(db, def, &inserts, host) {
            return Err(e);
        }
        check_foreign_keys(db, def, &inserts, None)?;
        db.storage.insert(&def.name, inserts.clone())?;
    }
    let mut updated: std::collections::HashMap<RowId, Vec<Value>> = updated.into_iter().collect();
    let mut inserts: Vec<Option<Vec<Value>>> = inserts.into_iter().map(Some).collect();
    Ok(order
        .into_iter()
        .filter_map(|o| match o {
            Ok(i) => inserts.get_mut(i).and_then(Option::take),
            Err(id) => updated.remove(&id),
        })
        .collect())
}

fn twice() -> PgError {
    PgError::new(
        "21000",
        "ON CONFLICT DO UPDATE command cannot affect row a second time",
    )
    .with_hint(
        "Ensure that no rows proposed for insertion within the same command have duplicate constrained values.",
    )
}

/// DO UPDATE SET ... [WHERE ...] over the existing rows, with `excluded` as the proposed row.
fn update_conflicting(
    db: &mut Database,
    def: &TableDef,
    alias: Option<&Ident>,
    du: &sqlparser::ast::DoUpdate,
    conflicts: Vec<(RowId, Vec<Value>)>,
    host: &dyn Host,
) -> PgResult<Vec<(RowId, Vec<Value>)>> {
    let qual = alias.map_or(def.name.clone(), ident);
    let mut cols = scope_columns(def, &qual);
    cols.extend(scope_columns(def, "excluded"));
    let mut sets = Vec::with_capacity(du.assignments.len());
    for a in &du.assignments {
        let AssignmentTarget::ColumnName(c) = &a.target else {
            return Err(PgError::unsupported(
                "multiple-column assignments are not supported",
            ));
        };
        let name = c.0.last().map(ident).unwrap_or_default();
        let Some(pos) = def.column_index(&name) else {
            return Err(PgError::new(
                "42703",
                format!(
                    "column \"{name}\" of relation \"{}\" does not exist",
                    def.name
                ),
            ));
        };
        sets.push((pos, &a.value));
    }
    // Subqueries in expressions run through the SELECT executor.
    let executor = Executor::new(db, host);
    let ctx = executor.ctx();
    let mut changes = Vec::with_capacity(conflicts.len());
    for (id, proposed) in conflicts {
        let Some(old) = db.storage.get(&def.name, id) else {
            continue;
        };
        let mut both = old.clone();
        both.extend(proposed);
        let scope = Scope {
            columns: &cols,
            row: &both,
            outer: None,
        };
        if let Some(pred) = &du.selection {
            if !is_true(&eval(pred, &scope, &ctx)?) {
                continue;
            }
        }
        let mut new = old.clone();
        for (pos, e) in &sets {
            let v = if is_default_keyword(e) {
                default_value(def, *pos, &ctx)?
            } else {
                let v = eval(e, &scope, &ctx)?;
                match def.columns.get(*pos) {
                    Some(c) => coerce_for_column(v, &c.ty)?,
                    None => v,
                }
            };
            if let Some(slot) = new.get_mut(*pos) {
                *slot = v;
            }
        }
        changes.push((id, old, new));
    }
    let new_rows: Vec<Vec<Value>> = changes.iter().map(|(_, _, n)| n.clone()).collect();
    check_rows(db, def, &new_rows, host).map_err(|(_, e)| e)?;
    check_foreign_keys(db, def, &new_rows, None)?;
    let effects = plan_update(db, host, &def.name, &changes)?;
    let changed: Vec<(RowId, Vec<Value>)> = changes.into_iter().map(|(id, _, n)| (id, n)).collect();
    db.storage.update(&def.name, changed.clone())?;
    effects.apply(db)?;
    Ok(changed)
}
