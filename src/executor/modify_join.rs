//! UPDATE ... FROM and DELETE ... USING on Citus tables: Citus pushes them down shard by shard
//! when every distributed table in FROM / USING is co-located with the target and joined to it
//! on the distribution columns (reference tables join anywhere), or when every distributed table
//! is pinned to the same shard by constants (a router modification). Otherwise it refuses them.

use crate::cluster::Cluster;
use crate::error::{PgError, PgResult};
use crate::metadata::TableKind;
use crate::planner::prune;
use crate::planner::relations::{table_relation, RelationRef};
use sqlparser::ast::{BinaryOperator, Expr, FromTable, Statement, TableFactor, TableWithJoins};

/// The tables an UPDATE / DELETE names in its target and FROM / USING lists (subqueries are
/// planned elsewhere).
pub(crate) fn listed_relations(stmt: &Statement) -> (Option<RelationRef>, Vec<RelationRef>) {
    fn push(factor: &TableFactor, out: &mut Vec<RelationRef>) {
        out.extend(table_relation(factor));
    }
    fn push_all(list: &[TableWithJoins], out: &mut Vec<RelationRef>) {
        for twj in list {
            push(&twj.relation, out);
            for j in &twj.joins {
                push(&j.relation, out);
            }
        }
    }
    let mut target = Vec::new();
    let mut others = Vec::new();
    match stmt {
        Statement::Update { table, from, .. } => {
            push(&table.relation, &mut target);
            push_all(from.as_slice(), &mut others);
        }
        Statement::Delete(d) => {
            let from = match &d.from {
                FromTable::WithFromKeyword(t) | FromTable::WithoutKeyword(t) => t,
            };
            if let Some(first) = from.first() {
                push(&first.relation, &mut target);
            }
            push_all(d.using.as_deref().unwrap_or(&[]), &mut others);
        }
        _ => {}
    }
    (target.into_iter().next(), others)
}

/// The WHERE clause and the JOIN ... ON conditions of the FROM / USING list.
fn join_conditions(stmt: &Statement) -> Vec<&Expr> {
    let (selection, lists): (Option<&Expr>, &[TableWithJoins]) = match stmt {
        Statement::Update {
            selection, from, ..
        } => (selection.as_ref(), from.as_slice()),
        Statement::Delete(d) => (d.selection.as_ref(), d.using.as_deref().unwrap_or(&[])),
        _ => (None, &[]),
    };
    let mut out: Vec<&Expr> = selection.map(prune::conjuncts).unwrap_or_default();
    for twj in lists {
        for j in &twj.joins {
            use sqlparser::ast::{JoinConstraint, JoinOperator};
            if let JoinOperator::Inner(JoinConstraint::On(e)) = &j.join_operator {
                out.extend(prune::conjuncts(e));
            }
        }
    }
    out
}

impl Cluster {
    /// Refuses an UPDATE ... FROM / DELETE ... USING Citus cannot run shard by shard.
    pub(crate) fn check_modify_joins(&self, stmt: &Statement) -> PgResult<()> {
        let (Some(target), others) = listed_relations(stmt) else {
            return Ok(());
        };
        if others.is_empty() {
            return Ok(());
        }
        let Some(target_table) = self.catalog.table(&target.name) else {
            return Ok(());
        };
        let distributed: Vec<&RelationRef> = others
            .iter()
            .filter(|r| {
                self.catalog
                    .table(&r.name)
                    .is_some_and(|t| matches!(t.kind, TableKind::Distributed { .. }))
            })
            .collect();
        if let Some(local) = others
            .iter()
            .find(|r| self.catalog.table(&r.name).is_none())
        {
            return Err(PgError::unsupported(format!(
                "relation \"{}\" is not distributed",
                local.name
            ))
            .with_hint("Use create_distributed_table() or create_reference_table() on it first."));
        }
        if distributed.is_empty() {
            return Ok(());
        }
        if target_table.is_reference() {
            return Err(PgError::unsupported(
                "only reference tables may be queried when targeting a reference table with multi shard UPDATE/DELETE queries with multiple tables ",
            ));
        }
        let mut all = vec![target.clone()];
        all.extend(distributed.iter().map(|r| (*r).clone()));
        let conds = join_conditions(stmt);
        if self.same_single_shard(&all, &conds)? {
            return Ok(());
        }
        let colocated = distributed.iter().all(|r| {
            self.catalog
                .table(&r.name)
                .is_some_and(|t| t.colocation_id == target_table.colocation_id)
        });
        if !colocated || !joined_on_distribution_columns(&all, &conds, self) {
            return Err(crate::planner::recursive::complex_joins_error());
        }
        Ok(())
    }

    /// Whether constants pin every relation to one shard, the same for all (a router query).
    fn same_single_shard(&self, rels: &[RelationRef], conds: &[&Expr]) -> PgResult<bool> {
        let eval_const = |e: &Expr| self.eval_const(e);
        let mut index: Option<usize> = None;
        for rel in rels {
            let pinned =
                prune::prune(conds, std::slice::from_ref(rel), &self.catalog, &eval_const)?;
            let Some(set) = pinned else {
                return Ok(false);
            };
            let [only] = set.into_iter().collect::<Vec<_>>()[..] else {
                return Ok(false);
            };
            if index.is_some_and(|i| i != only) {
                return Ok(false);
            }
            index = Some(only);
        }
        // Co-location still decides whether the shard indexes meet on one node.
        let colocation = crate::sort::collect_set(
            rels.iter()
                .filter_map(|r| self.catalog.table(&r.name).map(|t| t.colocation_id)),
        );
        Ok(colocation.len() == 1)
    }
}

/// Whether equalities between distribution columns connect every relation with the first.
fn joined_on_distribution_columns(
    rels: &[RelationRef],
    conds: &[&Expr],
    cluster: &Cluster,
) -> bool {
    let mut joined = vec![false; rels.len()];
    if let Some(first) = joined.first_mut() {
        *first = true;
    }
    let pairs: Vec<(usize, usize)> = conds
        .iter()
        .filter_map(|c| match c {
            Expr::BinaryOp {
                left,
                op: BinaryOperator::Eq,
                right,
            } => {
                let l = prune::dist_column_relation(left, rels, &cluster.catalog)?;
                let r = prune::dist_column_relation(right, rels, &cluster.catalog)?;
                let li = rels.iter().position(|x| x.reference == l.reference)?;
                let ri = rels.iter().position(|x| x.reference == r.reference)?;
                Some((li, ri))
            }
            _ => None,
        })
        .collect();
    loop {
        let mut changed = false;
        for &(a, b) in &pairs {
            let (ja, jb) = (joined.get(a).copied(), joined.get(b).copied());
            if let (Some(ja), Some(jb)) = (ja, jb) {
                if ja != jb {
                    if let Some(x) = joined.get_mut(a) {
                        *x = true;
                    }
                    if let Some(x) = joined.get_mut(b) {
                        *x = true;
                    }
                    changed = true;
                }
            }
        }
        if !changed {
            break;
        }
    }
    joined.iter().all(|j| *j)
}
