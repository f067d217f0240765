//! UPDATE, DELETE and TRUNCATE on one node.

use super::constraints::{check_foreign_keys, check_rows, scope_columns};
use super::insert::{default_value, is_default_keyword};
use super::referenced::{plan_delete, plan_update};
use super::returning;
use crate::error::{Notice, PgError, PgResult};
use crate::sql::cast::coerce_for_column;
use crate::sql::ddl::names::{ident, object_name};
use crate::sql::eval::{eval, is_true, Scope, ScopeColumn};
use crate::sql::schema::{ConstraintKind, TableDef};
use crate::sql::select::{build_from, Executor};
use crate::sql::storage::RowId;
use crate::sql::{Database, ExecOutput, Host};
use crate::types::Value;
use sqlparser::ast::{
    Assignment, AssignmentTarget, Delete, Expr, SelectItem, TableFactor, TableWithJoins,
    TruncateCascadeOption, TruncateIdentityOption, TruncateTableTarget,
};

/// The table a single-table UPDATE/DELETE names, and the qualifier its columns are visible as.
fn target(twj: &TableWithJoins) -> PgResult<(String, String)> {
    if !twj.joins.is_empty() {
        return Err(PgError::syntax("syntax error at or near \"JOIN\""));
    }
    named_target(&twj.relation, "modify")
}

/// The table a plain FROM item names and the qualifier its columns are visible as; `verb`
/// words the error for anything else (`cannot modify ...`, `cannot MERGE into ...`).
pub(super) fn named_target(factor: &TableFactor, verb: &str) -> PgResult<(String, String)> {
    match factor {
        TableFactor::Table {
            name, alias, args, ..
        } if args.is_none() => {
            let table = object_name(name);
            let qual = alias.as_ref().map_or(table.clone(), |a| ident(&a.name));
            Ok((table, qual))
        }
        other => Err(PgError::unsupported(format!("cannot {verb} {other}"))),
    }
}

/// The definition of the table a statement writes.
pub(super) fn target_def(db: &Database, name: &str) -> PgResult<TableDef> {
    db.table(name)
        .cloned()
        .ok_or_else(|| PgError::undefined_table(name))
}

/// Rows of `table` for which `selection` is true, with their ids.
fn matching_rows(
    db: &Database,
    def: &TableDef,
    qual: &str,
    selection: Option<&Expr>,
    host: &dyn Host,
) -> PgResult<Vec<(RowId, Vec<Value>)>> {
    let Some(pred) = selection else {
        return db.storage.scan_with_ids(&def.name);
    };
    let cols = scope_columns(def, qual);
    // Subqueries in expressions run through the SELECT executor.
    let executor = Executor::new(db, host);
    let ctx = executor.ctx();
    // A WHERE that fixes a unique key reads its one row through the index.
    let rows = match crate::sql::select::access::unique_row(&executor, &def.name, &cols, pred) {
        Some(found) => found.into_iter().collect(),
        None => db.storage.scan_with_ids(&def.name)?,
    };
    let mut out = Vec::new();
    for (id, row) in rows {
        let scope = Scope {
            columns: &cols,
            row: &row,
            outer: None,
        };
        if is_true(&eval(pred, &scope, &ctx)?) {
            out.push((id, row));
        }
    }
    Ok(out)
}

/// The parts of an UPDATE statement.
pub struct UpdateParts<'a> {
    pub table: &'a TableWithJoins,
    pub assignments: &'a [Assignment],
    pub from: Option<&'a TableWithJoins>,
    pub selection: Option<&'a Expr>,
    pub returning: Option<&'a [SelectItem]>,
    /// Updating a partition through its partitioned ancestor: rows whose new key belongs
    /// elsewhere leave the partition and are collected here, to be routed again.
    pub moved: Option<&'a std::cell::RefCell<Vec<Vec<Value>>>>,
}

/// The rows of the target a statement with FROM / USING changes: each matching target row
/// once, with the first joined row that matched (PostgreSQL uses an arbitrary one).
fn joined_rows(
    executor: &Executor,
    def: &TableDef,
    qual: &str,
    from: &[TableWithJoins],
    selection: Option<&Expr>,
) -> PgResult<(Vec<ScopeColumn>, Vec<MatchedRow>)> {
    let joined = build_from(
        executor,
        from,
        None,
        &crate::sql::select::used::UsedNames::ALL,
    )?;
    let mut cols = scope_columns(def, qual);
    cols.extend(joined.columns.iter().cloned());
    let ctx = executor.ctx();
    let mut out = Vec::new();
    let mut both: Vec<Value> = Vec::with_capacity(cols.len());
    for (id, row) in executor.db.storage.scan_with_ids(&def.name)? {
        for other in &joined.rows {
            both.clear();
            both.extend(row.iter().cloned());
            both.extend(other.iter().cloned());
            let hit = match selection {
                Some(pred) => {
                    let scope = Scope {
                        columns: &cols,
                        row: &both,
                        outer: None,
                    };
                    is_true(&eval(pred, &scope, &ctx)?)
                }
                None => true,
            };
            if hit {
                out.push((id, row, other.clone()));
                break;
            }
        }
    }
    Ok((cols, out))
}

/// A target row a statement changes: its id, its values and the joined FROM / USING row.
type MatchedRow = (RowId, Vec<Value>, Vec<Value>);

/// The target rows an UPDATE or DELETE changes, with the columns its expressions see.
fn target_rows(
    db: &Database,
    def: &TableDef,
    qual: &str,
    from: &[TableWithJoins],
    selection: Option<&Expr>,
    host: &dyn Host,
) -> PgResult<(Vec<ScopeColumn>, Vec<MatchedRow>)> {
    if from.is_empty() {
        let rows = matching_rows(db, def, qual, selection, host)?;
        let rows = rows
            .into_iter()
            .map(|(id, r)| (id, r, Vec::new()))
            .collect();
        return Ok((scope_columns(def, qual), rows));
    }
    let executor = Executor::new(db, host);
    joined_rows(&executor, def, qual, from, selection)
}

pub fn execute_update(
    db: &mut Database,
    parts: UpdateParts,
    host: &dyn Host,
) -> PgResult<ExecOutput> {
    let (name, qual) = target(parts.table)?;
    let def = target_def(db, &name)?;
    // Resolve SET targets first: unknown columns fail even when no row matches.
    let sets = resolve_assignments(&def, parts.assignments)?;
    let from = parts.from.map(std::slice::from_ref).unwrap_or(&[]);
    let (cols, rows) = target_rows(db, &def, &qual, from, parts.selection, host)?;
    // Subqueries in expressions run through the SELECT executor.
    let executor = Executor::new(db, host);
    let ctx = executor.ctx();
    let mut changes: Vec<(RowId, Vec<Value>, Vec<Value>)> = Vec::with_capacity(rows.len());
    let mut joined_parts: Vec<Vec<Value>> = Vec::new();
    let mut both: Vec<Value> = Vec::with_capacity(cols.len());
    for (id, old, other) in rows {
        both.clear();
        both.extend(old.iter().cloned());
        both.extend(other.iter().cloned());
        let scope = Scope {
            columns: &cols,
            row: &both,
            outer: None,
        };
        let new = assign(&def, &sets, &old, &scope, &ctx)?;
        changes.push((id, old, new));
        if parts.returning.is_some() {
            joined_parts.push(other);
        }
    }
    // RETURNING sees the new values (and the joined FROM row).
    let returned = match parts.returning {
        Some(items) => {
            let rows: Vec<Vec<Value>> = changes
                .iter()
                .map(|(_, _, n)| n.clone())
                .zip(joined_parts)
                .map(|(mut n, other)| {
                    n.extend(other);
                    n
                })
                .collect();
            Some(returning::project(&executor, items, &cols, &rows)?)
        }
        None => None,
    };
    let count = changes.len();
    store_updates(db, &def, changes, parts.moved, host)?;
    Ok(ExecOutput::modified_returning(
        "UPDATE",
        count as u64,
        returned,
    ))
}

/// A row an UPDATE changes: its id, its old values and its new ones.
pub(super) type Change = (RowId, Vec<Value>, Vec<Value>);

/// Checks the new values of `changes` (NOT NULL, CHECK, unique keys, foreign keys, the
/// partition's bounds) and stores them with their effects on referencing tables. Rows of a
/// partition whose new key belongs elsewhere go to `moved` when given.
pub(super) fn store_updates(
    db: &mut Database,
    def: &TableDef,
    mut changes: Vec<Change>,
    moved: Option<&std::cell::RefCell<Vec<Vec<Value>>>>,
    host: &dyn Host,
) -> PgResult<()> {
    let name = def.name.clone();
    let new_rows: Vec<Vec<Value>> = changes.iter().map(|(_, _, n)| n.clone()).collect();
    check_rows(db, def, &new_rows, host).map_err(|(_, e)| e)?;
    // Foreign keys are checked only for rows whose referencing columns changed.
    let fk_cols: Vec<usize> = def
        .constraints
        .iter()
        .filter_map(|c| match &c.kind {
            ConstraintKind::ForeignKey { columns, .. } => Some(columns),
            _ => None,
        })
        .flatten()
        .filter_map(|c| def.column_index(c))
        .collect();
    let changed: Vec<bool> = changes
        .iter()
        .map(|(_, o, n)| fk_cols.iter().any(|&p| o.get(p) != n.get(p)))
        .collect();
    check_foreign_keys(db, def, &new_rows, Some(&changed))?;
    if def.partition_of.is_some() {
        let mut leaving = Vec::new();
        let mut staying = Vec::with_capacity(changes.len());
        for change in changes {
            let fits = crate::sql::partition::check_partition_constraint(db, def, &change.2);
            match (fits, moved) {
                (Ok(()), _) => staying.push(change),
                (Err(_), Some(_)) => leaving.push(change),
                (Err(e), None) => return Err(e),
            }
        }
        changes = staying;
        if let Some(moved) = moved {
            if !leaving.is_empty() {
                let rows = leaving.iter().map(|(id, r, _)| (*id, r.clone())).collect();
                plan_delete(db, host, &name, rows)?.apply(db)?;
                moved
                    .borrow_mut()
                    .extend(leaving.into_iter().map(|(_, _, n)| n));
            }
        }
    }
    let effects = plan_update(db, host, &name, &changes)?;
    db.storage.update(
        &name,
        changes.into_iter().map(|(id, _, n)| (id, n)).collect(),
    )?;
    effects.apply(db)?;
    Ok(())
}

/// The columns an UPDATE's SET list assigns, with their expressions; unknown columns and
/// columns assigned twice fail.
pub(super) fn resolve_assignments<'a>(
    def: &TableDef,
    assignments: &'a [Assignment],
) -> PgResult<Vec<(usize, &'a Expr)>> {
    let mut sets: Vec<(usize, &Expr)> = Vec::with_capacity(assignments.len());
    for a in assignments {
        let AssignmentTarget::ColumnName(col) = &a.target else {
            return Err(PgError::unsupported(
                "multiple-column UPDATE assignments are not supported",
            ));
        };
        let col = col.0.last().map(ident).unwrap_or_default();
        let Some(pos) = def.column_index(&col) else {
            return Err(PgError::new(
                "42703",
                format!(
                    "column \"{col}\" of relation \"{}\" does not exist",
                    def.name
                ),
            ));
        };
        if sets.iter().any(|(p, _)| *p == pos) {
            return Err(PgError::syntax(format!(
                "multiple assignments to same column \"{col}\""
            )));
        }
        sets.push((pos, &a.value));
    }
    Ok(sets)
}

/// The new values of row `old` after `sets`, evaluated in `scope` and coerced to the column
/// types (`DEFAULT` takes the column's default).
pub(super) fn assign(
    def: &TableDef,
    sets: &[(usize, &Expr)],
    old: &[Value],
    scope: &Scope,
    ctx: &crate::sql::eval::EvalCtx,
) -> PgResult<Vec<Value>> {
    let mut new = old.to_vec();
    for (pos, e) in sets {
        let v = if is_default_keyword(e) {
            default_value(def, *pos, ctx)?
        } else {
            let v = eval(e, scope, ctx)?;
            match def.columns.get(*pos) {
                Some(col) => coerce_for_column(v, &col.ty)?,
                None => v,
            }
        };
        if let Some(slot) = new.get_mut(*pos) {
            *slot = v;
        }
    }
    Ok(new)
}

pub fn execute_delete(
    db: &mut Database,
    from: &[TableWithJoins],
    delete: &Delete,
    host: &dyn Host,
) -> PgResult<ExecOutput> {
    let [table] = from else {
        return Err(PgError::syntax("DELETE needs exactly one table"));
    };
    let (name, qual) = target(table)?;
    let def = db
        .table(&name)
        .cloned()
        .ok_or_else(|| PgError::undefined_table(&name))?;
    let using = delete.using.as_deref().unwrap_or(&[]);
    let (cols, rows) = target_rows(db, &def, &qual, using, delete.selection.as_ref(), host)?;
    // RETURNING sees the deleted values (and the joined USING row).
    let returned = match delete.returning.as_deref() {
        Some(items) => {
            let joined: Vec<Vec<Value>> = rows
                .iter()
                .map(|(_, r, other)| r.iter().chain(other).cloned().collect())
                .collect();
            let executor = Executor::new(db, host);
            Some(returning::project(&executor, items, &cols, &joined)?)
        }
        None => None,
    };
    let count = rows.len();
    let rows = rows.into_iter().map(|(id, r, _)| (id, r)).collect();
    let effects = plan_delete(db, host, &name, rows)?;
    effects.apply(db)?;
    Ok(ExecOutput::modified_returning(
        "DELETE",
        count as u64,
        returned,
    ))
}

pub fn execute_truncate(
    db: &mut Database,
    targets: &[TruncateTableTarget],
    identity: Option<&TruncateIdentityOption>,
    cascade: Option<&TruncateCascadeOption>,
) -> PgResult<ExecOutput> {
    let mut out = ExecOutput::command("TRUNCATE TABLE");
    let mut names: Vec<String> = Vec::new();
    for t in targets {
        let name = object_name(&t.name);
        if db.table(&name).is_none() {
            return Err(PgError::undefined_table(&name));
        }
        if !names.contains(&name) {
            names.push(name);
        }
    }
    // Tables referencing a truncated table must be truncated too (CASCADE adds them).
    let mut i = 0;
    while let Some(t) = names.get(i).cloned() {
        i += 1;
        let referencing: Vec<String> = db
            .storage
            .tables
            .values()
            .filter(|o| !names.contains(&o.name))
            .filter(|o| {
                o.constraints.iter().any(|c| {
                    matches!(&c.kind, ConstraintKind::ForeignKey { ref_table, .. } if *ref_table == t)
                })
            })
            .map(|o| o.name.clone())
            .collect();
        for other in referencing {
            if !matches!(cascade, Some(TruncateCascadeOption::Cascade)) {
                return Err(PgError::unsupported(
                    "cannot truncate a table referenced in a foreign key constraint",
                )
                .with_detail(format!("Table \"{other}\" references \"{t}\"."))
                .with_hint(format!(
                    "Truncate table \"{other}\" at the same time, or use TRUNCATE ... CASCADE."
                )));
            }
            out.notices.push(Notice::new(format!(
                "truncate cascades to table \"{other}\""
            )));
            names.push(other);
        }
    }
    let restart = matches!(identity, Some(TruncateIdentityOption::Restart));
    // A partitioned table is emptied by emptying its partitions.
    let names: Vec<String> = names
        .iter()
        .flat_map(|n| {
            let mut all = vec![n.clone()];
            all.extend(
                crate::sql::partition::leaves(db, n)
                    .into_iter()
                    .filter(|l| l != n),
            );
            all
        })
        .collect();
    for name in &names {
        db.storage.truncate(name)?;
        if restart {
            reset_owned_sequences(db, name);
        }
    }
    Ok(out)
}

fn reset_owned_sequences(db: &Database, table: &str) {
    let Some(def) = db.table(table) else { return };
    let mut seqs = db.sequences.borrow_mut();
    for col in &def.columns {
        if let Some(seq) = col
            .default
            .as_ref()
            .and_then(crate::sql::ddl::nextval_sequence)
        {
            if let Some(s) = seqs.get_mut(&seq) {
                s.last_value = if s.increment < 0 { -1 } else { 1 };
                s.is_called = false;
            }
        }
    }
}
