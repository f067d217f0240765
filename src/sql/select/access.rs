//! Access paths: a query over one stored table whose WHERE fixes every column of a primary key
//! or unique index to a constant reads that one row through the index (what a router query's
//! `WHERE id = 3` does on a worker) instead of scanning the shard.

use super::from::{column_index, conjuncts, relation_name, with_alias};
use super::{Executor, Rel};
use crate::error::PgResult;
use crate::sql::eval::{eval, Scope, ScopeColumn};
use crate::sql::ResultSet;
use crate::types::{SqlType, Value};
use sqlparser::ast::{BinaryOperator, Expr, ObjectName, Select, TableAlias, TableFactor};

/// The one plain table a SELECT reads, when its FROM is exactly that (no joins, no functions).
pub fn single_table(sel: &Select) -> Option<(&ObjectName, Option<&TableAlias>)> {
    let [twj] = sel.from.as_slice() else {
        return None;
    };
    if !twj.joins.is_empty() {
        return None;
    }
    match &twj.relation {
        TableFactor::Table {
            name,
            alias,
            args: None,
            ..
        } => Some((name, alias.as_ref())),
        _ => None,
    }
}

/// The candidate rows of `sel` through a unique index, or `None` when no index applies (the
/// caller scans). WHERE is still applied to the rows returned.
pub fn index_lookup(exec: &Executor, sel: &Select) -> Option<PgResult<Rel>> {
    let (name, alias) = single_table(sel)?;
    let table = relation_name(name);
    if exec.cte(&table).is_some() {
        return None;
    }
    let def = exec.db.table(&table)?;
    let where_clause = sel.selection.as_ref()?;
    let columns = ResultSet {
        columns: def.result_columns(),
        rows: Vec::new(),
    };
    let mut rel = match with_alias(columns, &table, alias) {
        Ok(rel) => rel,
        Err(e) => return Some(Err(e)),
    };
    let found = unique_row(exec, &table, &rel.columns, where_clause)?;
    rel.rows = found.map(|(_, row)| vec![row]).unwrap_or_default();
    Some(Ok(rel))
}

/// The one row of `table` a WHERE that fixes every column of a unique key picks, read
/// through that index, with its id. `None` when no unique key is fixed (the caller scans);
/// `Some(None)` when no row has the key. WHERE still has to be applied to the row.
pub fn unique_row(
    exec: &Executor,
    table: &str,
    columns: &[ScopeColumn],
    where_clause: &Expr,
) -> Option<Option<(crate::sql::storage::RowId, Vec<Value>)>> {
    let mut parts = Vec::new();
    conjuncts(where_clause, &mut parts);
    let fixed: Vec<(usize, Value)> = parts
        .into_iter()
        .filter_map(|p| fixed_column(exec, p, columns))
        .collect();
    for ix in exec.db.storage.unique_indexes(table) {
        let values: Option<Vec<Value>> = ix
            .columns
            .iter()
            .map(|&c| fixed.iter().find(|(i, _)| *i == c).map(|(_, v)| v.clone()))
            .collect();
        if let Some(values) = values {
            return Some(
                exec.db
                    .storage
                    .lookup_unique(table, &ix.column_names, &values),
            );
        }
    }
    None
}

/// `column = constant` (either way round) where comparing through the index key means what
/// PostgreSQL's `=` means: integer columns against numbers, text columns against text.
fn fixed_column(exec: &Executor, e: &Expr, columns: &[ScopeColumn]) -> Option<(usize, Value)> {
    let Expr::BinaryOp {
        left,
        op: BinaryOperator::Eq,
        right,
    } = e
    else {
        return None;
    };
    let (col, constant) = match (column_index(left, columns), column_index(right, columns)) {
        (Some(c), None) => (c, right),
        (None, Some(c)) => (c, left),
        _ => return None,
    };
    if !is_constant(constant) {
        return None;
    }
    let value = eval(constant, &Scope::EMPTY, &exec.ctx()).ok()?;
    let comparable = match (&columns[col].ty, &value) {
        (SqlType::Int2 | SqlType::Int4 | SqlType::Int8, v) => {
            matches!(
                v,
                Value::Int2(_) | Value::Int4(_) | Value::Int8(_) | Value::Numeric(_)
            )
        }
        (SqlType::Text | SqlType::Varchar(_), Value::Text(_)) => true,
        _ => false,
    };
    comparable.then_some((col, value))
}

/// Literals, possibly signed, cast or parenthesised: nothing that reads a row or has effects.
fn is_constant(e: &Expr) -> bool {
    match e {
        Expr::Value(_) | Expr::TypedString { .. } => true,
        Expr::Nested(inner) | Expr::UnaryOp { expr: inner, .. } => is_constant(inner),
        Expr::Cast { expr, .. } => is_constant(expr),
        _ => false,
    }
}
