//! RETURNING: the select list evaluated over each row a modification produced (new rows for
//! INSERT and UPDATE, old rows for DELETE), with the columns of FROM / USING tables in scope.

use crate::error::{PgError, PgResult};
use crate::sql::eval::resolve::ident_name;
use crate::sql::eval::{eval, expr_type, Scope, ScopeColumn};
use crate::sql::select::{has_aggregates, output_name, Executor};
use crate::sql::{Column, ResultSet};
use crate::types::{SqlType, Value};
use sqlparser::ast::{Expr, Ident, SelectItem};

/// One output column: the expression it evaluates, or the input column `*` expanded to.
enum Source<'a> {
    Expr(&'a Expr),
    Column(usize),
}

fn expand<'a>(
    items: &'a [SelectItem],
    columns: &[ScopeColumn],
) -> PgResult<Vec<(Source<'a>, String)>> {
    let mut out = Vec::new();
    for item in items {
        match item {
            SelectItem::UnnamedExpr(e) => out.push((Source::Expr(e), output_name(e))),
            SelectItem::ExprWithAlias { expr, alias } => {
                out.push((Source::Expr(expr), ident_name(alias)))
            }
            SelectItem::Wildcard(_) => out.extend(
                columns
                    .iter()
                    .enumerate()
                    .map(|(i, c)| (Source::Column(i), c.name.clone())),
            ),
            SelectItem::QualifiedWildcard(name, _) => {
                let q = name.0.last().map(ident_name).unwrap_or_default();
                let before = out.len();
                out.extend(
                    columns
                        .iter()
                        .enumerate()
                        .filter(|(_, c)| c.qualifier.as_deref() == Some(q.as_str()))
                        .map(|(i, c)| (Source::Column(i), c.name.clone())),
                );
                if out.len() == before {
                    return Err(PgError::new(
                        "42P01",
                        format!("missing FROM-clause entry for table \"{q}\""),
                    ));
                }
            }
        }
    }
    Ok(out)
}

/// The RETURNING list `items` over `rows` (each laid out as `columns`).
pub fn project(
    exec: &Executor,
    items: &[SelectItem],
    columns: &[ScopeColumn],
    rows: &[Vec<Value>],
) -> PgResult<ResultSet> {
    let expanded = expand(items, columns)?;
    if expanded
        .iter()
        .any(|(s, _)| matches!(s, Source::Expr(e) if has_aggregates(e)))
    {
        return Err(PgError::new(
            "42803",
            "aggregate functions are not allowed in RETURNING",
        ));
    }
    let ctx = exec.ctx();
    let mut out_rows = Vec::with_capacity(rows.len());
    for row in rows {
        let scope = Scope {
            columns,
            row,
            outer: None,
        };
        let mut values = Vec::with_capacity(expanded.len());
        for (source, _) in &expanded {
            values.push(match source {
                Source::Column(i) => row.get(*i).cloned().unwrap_or(Value::Null),
                Source::Expr(e) => eval(e, &scope, &ctx)?,
            });
        }
        out_rows.push(values);
    }
    let result_columns = expanded
        .iter()
        .enumerate()
        .map(|(i, (source, name))| {
            let mut ty = match source {
                Source::Column(c) => columns.get(*c).map_or(SqlType::Unknown, |c| c.ty.clone()),
                Source::Expr(e) => expr_type(e, columns, &ctx),
            };
            if matches!(ty, SqlType::Unknown) {
                ty = out_rows
                    .iter()
                    .filter_map(|r: &Vec<Value>| r.get(i))
                    .find(|v| !v.is_null())
                    .map(Value::natural_type)
                    .unwrap_or(SqlType::Text);
            }
            Column::new(name.clone(), ty)
        })
        .collect();
    Ok(ResultSet {
        columns: result_columns,
        rows: out_rows,
    })
}

/// The qualifier a modification's target columns are visible as: its alias or its name.
pub fn qualifier(table: &str, alias: Option<&Ident>) -> String {
    alias.map_or(table.to_string(), ident_name)
}
