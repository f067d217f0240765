//! Shard pruning: which shard indexes a query can touch, from `column = constant` and
//! `column IN (...)` conditions on distribution columns.

use super::relations::{normalize_ident, RelationRef};
use crate::error::PgResult;
use crate::hashing;
use crate::metadata::{Catalog, TableKind};
use crate::sql::cast;
use crate::types::Value;
use sqlparser::ast::{BinaryOperator, Expr};
use std::collections::BTreeSet;

/// The top-level AND-ed conditions of a WHERE or ON clause.
pub fn conjuncts(expr: &Expr) -> Vec<&Expr> {
    match expr {
        Expr::BinaryOp {
            left,
            op: BinaryOperator::And,
            right,
        } => {
            let mut out = conjuncts(left);
            out.extend(conjuncts(right));
            out
        }
        Expr::Nested(inner) => conjuncts(inner),
        other => vec![other],
    }
}

/// The relation a column reference belongs to when it names a distribution column.
pub fn dist_column_relation<'r>(
    expr: &Expr,
    relations: &'r [RelationRef],
    catalog: &Catalog,
) -> Option<&'r RelationRef> {
    let (qualifier, column) = match expr {
        Expr::Identifier(id) => (None, normalize_ident(id)),
        Expr::CompoundIdentifier(parts) if parts.len() >= 2 => (
            parts.get(parts.len() - 2).map(normalize_ident),
            parts.last().map(normalize_ident)?,
        ),
        Expr::Nested(inner) => return dist_column_relation(inner, relations, catalog),
        _ => return None,
    };
    let mut matches = relations.iter().filter(|r| {
        qualifier.as_ref().is_none_or(|q| *q == r.reference)
            && catalog
                .table(&r.name)
                .and_then(|t| t.distribution_column())
                .is_some_and(|c| c == column)
    });
    let first = matches.next()?;
    // An unqualified name that is the distribution column of two relations is ambiguous.
    if qualifier.is_none() && matches.next().is_some() {
        return None;
    }
    Some(first)
}

/// Shard indexes allowed by the conditions, or `None` when they do not restrict the shards.
/// `eval_const` evaluates expressions without column references (`None` otherwise).
pub fn prune(
    conditions: &[&Expr],
    relations: &[RelationRef],
    catalog: &Catalog,
    eval_const: &dyn Fn(&Expr) -> Option<Value>,
) -> PgResult<Option<BTreeSet<usize>>> {
    let mut allowed: Option<BTreeSet<usize>> = None;
    for cond in conditions {
        let (column, values) = match cond {
            Expr::BinaryOp {
                left,
                op: BinaryOperator::Eq,
                right,
            } => {
                if let (Some(rel), Some(v)) = (
                    dist_column_relation(left, relations, catalog),
                    eval_const(right),
                ) {
                    (rel, vec![v])
                } else if let (Some(rel), Some(v)) = (
                    dist_column_relation(right, relations, catalog),
                    eval_const(left),
                ) {
                    (rel, vec![v])
                } else {
                    continue;
                }
            }
            Expr::InList {
                expr,
                list,
                negated: false,
            } => {
                let Some(rel) = dist_column_relation(expr, relations, catalog) else {
                    continue;
                };
                let values: Option<Vec<Value>> = list.iter().map(eval_const).collect();
                match values {
                    Some(v) => (rel, v),
                    None => continue,
                }
            }
            _ => continue,
        };
        let Some(table) = catalog.table(&column.name) else {
            continue;
        };
        let TableKind::Distributed { ty, .. } = &table.kind else {
            continue;
        };
        let shard_count = catalog.table_shards(&table.name).len() as u32;
        let mut indexes = BTreeSet::new();
        for value in values {
            if value.is_null() {
                continue; // `col = NULL` matches nothing
            }
            let typed = cast::cast(value, ty)?;
            let hash = hashing::hash_for_type(&typed, ty)?;
            indexes.insert(hashing::shard_index_for_hash(hash, shard_count));
        }
        allowed = Some(match allowed {
            None => indexes,
            Some(prev) => crate::sort::collect_set(prev.intersection(&indexes).copied()),
        });
    }
    Ok(allowed)
}
