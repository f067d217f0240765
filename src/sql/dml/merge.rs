//! MERGE on one node, as PostgreSQL 15 runs it: the source is joined to the target on the ON
//! condition (every source row kept); each joined row takes the first WHEN clause of its kind
//! (MATCHED, NOT MATCHED) whose condition holds. The join sees the table as it was before the
//! statement; a target row changed twice is an error. All changes are checked, then stored:
//! deletions, updates (through UPDATE's checks), insertions (through INSERT's).

use super::insert::{default_row, insert_rows_with, row_from_exprs};
use super::modify::{assign, resolve_assignments, store_updates, Change};
use super::referenced::plan_delete;
use crate::error::{PgError, PgResult};
use crate::sql::eval::{eval, is_true, EvalCtx, Scope, ScopeColumn};
use crate::sql::merge_syntax::MergeAction;
use crate::sql::schema::TableDef;
use crate::sql::select::{build_from, Executor};
use crate::sql::storage::RowId;
use crate::sql::{partition, Database, ExecOutput, Host};
use crate::types::Value;
use sqlparser::ast::{Expr, MergeClause, MergeClauseKind, TableFactor, TableWithJoins};
use std::cell::RefCell;
use std::collections::BTreeSet;

/// The parts of a MERGE statement.
pub struct MergeParts<'a> {
    pub table: &'a TableFactor,
    pub source: &'a TableFactor,
    pub on: &'a Expr,
    pub clauses: &'a [MergeClause],
}

/// What the statement does, computed on the table as it was.
#[derive(Default)]
struct Plan {
    /// Per leaf table (the target, or a partition of it): rows to delete and to update.
    deletes: Vec<Vec<(RowId, Vec<Value>)>>,
    updates: Vec<Vec<Change>>,
    inserts: Vec<Vec<Value>>,
}

/// A WHEN clause with its SET targets resolved.
struct Clause<'a> {
    matched: bool,
    predicate: Option<&'a Expr>,
    action: MergeAction<'a>,
    sets: Vec<(usize, &'a Expr)>,
}

fn clauses<'a>(def: &TableDef, parsed: &'a [MergeClause]) -> PgResult<Vec<Clause<'a>>> {
    parsed
        .iter()
        .map(|c| {
            let action = MergeAction::of(c);
            let sets = match action {
                MergeAction::Update(assignments) => resolve_assignments(def, assignments)?,
                MergeAction::Insert { columns, values } => {
                    // Unknown or repeated columns fail even when nothing is inserted.
                    super::insert::check_insert_shape(def, columns, values.len())?;
                    Vec::new()
                }
                _ => Vec::new(),
            };
            let matched = match c.clause_kind {
                MergeClauseKind::Matched => true,
                MergeClauseKind::NotMatched | MergeClauseKind::NotMatchedByTarget => false,
                MergeClauseKind::NotMatchedBySource => {
                    return Err(PgError::syntax("syntax error at or near \"BY\""))
                }
            };
            Ok(Clause {
                matched,
                predicate: c.predicate.as_ref(),
                action,
                sets,
            })
        })
        .collect()
}

fn holds(pred: Option<&Expr>, scope: &Scope, ctx: &EvalCtx) -> PgResult<bool> {
    match pred {
        Some(p) => Ok(is_true(&eval(p, scope, ctx)?)),
        None => Ok(true),
    }
}

fn second_time() -> PgError {
    PgError::new("21000", "MERGE command cannot affect row a second time")
        .with_hint("Ensure that not more than one source row matches any one target row.")
}

pub fn execute_merge(
    db: &mut Database,
    parts: MergeParts,
    host: &dyn Host,
) -> PgResult<ExecOutput> {
    let (name, qual) = super::modify::named_target(parts.table, "MERGE into")?;
    let def = super::modify::target_def(db, &name)?;
    let clauses = clauses(&def, parts.clauses)?;
    let leaves = partition::leaves(db, &name);
    let leaf_defs: Vec<TableDef> = leaves
        .iter()
        .map(|l| {
            db.table(l)
                .cloned()
                .ok_or_else(|| PgError::undefined_table(l))
        })
        .collect::<PgResult<_>>()?;
    let plan = plan(db, &def, &qual, &leaves, &clauses, &parts, host)?;
    let count = plan.deletes.iter().map(Vec::len).sum::<usize>()
        + plan.updates.iter().map(Vec::len).sum::<usize>()
        + plan.inserts.len();
    let moved = RefCell::new(Vec::new());
    for ((leaf, leaf_def), (deletes, updates)) in leaves
        .iter()
        .zip(&leaf_defs)
        .zip(plan.deletes.into_iter().zip(plan.updates))
    {
        if !deletes.is_empty() {
            plan_delete(db, host, leaf, deletes)?.apply(db)?;
        }
        if !updates.is_empty() {
            let routed = (leaf != &name).then_some(&moved);
            store_updates(db, leaf_def, updates, routed, host)?;
        }
    }
    let mut inserts = plan.inserts;
    inserts.extend(moved.into_inner());
    if !inserts.is_empty() {
        insert_rows_with(db, &name, inserts, host)?;
    }
    Ok(ExecOutput::modified("MERGE", count as u64))
}

/// Joins source and target and picks each joined row's action.
fn plan(
    db: &Database,
    def: &TableDef,
    qual: &str,
    leaves: &[String],
    clauses: &[Clause],
    parts: &MergeParts,
    host: &dyn Host,
) -> PgResult<Plan> {
    let executor = Executor::new(db, host);
    let ctx = executor.ctx();
    let source = build_from(
        &executor,
        &[TableWithJoins {
            relation: parts.source.clone(),
            joins: Vec::new(),
        }],
        None,
        &crate::sql::select::used::UsedNames::ALL,
    )?;
    let mut cols: Vec<ScopeColumn> = super::constraints::scope_columns(def, qual);
    let target_width = cols.len();
    cols.extend(source.columns.iter().cloned());
    let mut targets: Vec<(usize, RowId, Vec<Value>)> = Vec::new();
    for (leaf, name) in leaves.iter().enumerate() {
        for (id, row) in db.storage.scan_with_ids(name)? {
            targets.push((leaf, id, row));
        }
    }
    let mut out = Plan {
        deletes: vec![Vec::new(); leaves.len()],
        updates: vec![Vec::new(); leaves.len()],
        inserts: Vec::new(),
    };
    let mut touched: BTreeSet<(usize, RowId)> = BTreeSet::new();
    let mut both: Vec<Value> = Vec::with_capacity(cols.len());
    let nulls = vec![Value::Null; target_width];
    for src in &source.rows {
        let mut matched_any = false;
        for (leaf, id, row) in &targets {
            both.clear();
            both.extend(row.iter().cloned());
            both.extend(src.iter().cloned());
            let scope = Scope {
                columns: &cols,
                row: &both,
                outer: None,
            };
            if !is_true(&eval(parts.on, &scope, &ctx)?) {
                continue;
            }
            matched_any = true;
            for clause in clauses.iter().filter(|c| c.matched) {
                if !holds(clause.predicate, &scope, &ctx)? {
                    continue;
                }
                let changes = !matches!(clause.action, MergeAction::Nothing);
                if changes && !touched.insert((*leaf, *id)) {
                    return Err(second_time());
                }
                match clause.action {
                    MergeAction::Update(_) => {
                        let new = assign(def, &clause.sets, row, &scope, &ctx)?;
                        if let Some(list) = out.updates.get_mut(*leaf) {
                            list.push((*id, row.clone(), new));
                        }
                    }
                    MergeAction::Delete => {
                        if let Some(list) = out.deletes.get_mut(*leaf) {
                            list.push((*id, row.clone()));
                        }
                    }
                    _ => {}
                }
                break;
            }
        }
        if matched_any {
            continue;
        }
        // An unmatched source row sees the target's columns as NULL.
        both.clear();
        both.extend(nulls.iter().cloned());
        both.extend(src.iter().cloned());
        let scope = Scope {
            columns: &cols,
            row: &both,
            outer: None,
        };
        for clause in clauses.iter().filter(|c| !c.matched) {
            if !holds(clause.predicate, &scope, &ctx)? {
                continue;
            }
            match clause.action {
                MergeAction::Insert { columns, values } => {
                    out.inserts
                        .push(row_from_exprs(def, columns, values, &scope, &ctx)?);
                }
                MergeAction::InsertDefaults => out.inserts.push(default_row(def, &ctx)?),
                _ => {}
            }
            break;
        }
    }
    Ok(out)
}
