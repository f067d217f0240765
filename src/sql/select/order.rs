//! ORDER BY: sort keys by output name, position or expression; PostgreSQL's NULL placement
//! (NULLS LAST for ASC, NULLS FIRST for DESC).

use super::Executor;
use crate::error::{PgError, PgResult};
use crate::sql::cast::regclass::relation_name;
use crate::sql::eval::resolve::ident_name;
use crate::sql::eval::{compare, eval, expr_type, relation_oid, EvalCtx, Scope, ScopeColumn};
use crate::sql::{Column, ResultSet};
use crate::types::{SqlType, Value};
use sqlparser::ast::{Expr, OrderByExpr, Value as AstValue};
use std::cmp::Ordering;

fn cmp_value(a: &Value, b: &Value, o: &OrderByExpr) -> Ordering {
    let desc = o.asc == Some(false);
    let nulls_first = o.nulls_first.unwrap_or(desc);
    match (a.is_null(), b.is_null()) {
        (true, true) => Ordering::Equal,
        (true, false) => {
            if nulls_first {
                Ordering::Less
            } else {
                Ordering::Greater
            }
        }
        (false, true) => {
            if nulls_first {
                Ordering::Greater
            } else {
                Ordering::Less
            }
        }
        _ => {
            let c = compare(a, b).unwrap_or_else(|_| a.pg_cmp(b));
            if desc {
                c.reverse()
            } else {
                c
            }
        }
    }
}

pub fn cmp_keys(a: &[Value], b: &[Value], order: &[OrderByExpr]) -> Ordering {
    for ((x, y), o) in a.iter().zip(b).zip(order) {
        let c = cmp_value(x, y, o);
        if c != Ordering::Equal {
            return c;
        }
    }
    Ordering::Equal
}

/// Stable sort of rows by precomputed keys.
pub fn sort_rows(
    rows: Vec<Vec<Value>>,
    keys: Vec<Vec<Value>>,
    order: &[OrderByExpr],
) -> Vec<Vec<Value>> {
    let mut paired: Vec<(Vec<Value>, Vec<Value>)> = keys.into_iter().zip(rows).collect();
    paired.sort_by(|a, b| cmp_keys(&a.0, &b.0, order));
    paired.into_iter().map(|(_, r)| r).collect()
}

/// How an ORDER BY item finds its value.
pub enum KeySource {
    Output(usize),
    Expr(Box<Expr>),
}

/// Resolves ORDER BY items against output names and positions first, as PostgreSQL does.
pub fn key_sources(order: &[OrderByExpr], output_names: &[String]) -> PgResult<Vec<KeySource>> {
    order
        .iter()
        .map(|o| match &o.expr {
            Expr::Value(AstValue::Number(n, _)) => {
                let pos: usize = n.to_string().parse().unwrap_or(0);
                if pos == 0 || pos > output_names.len() {
                    Err(PgError::new(
                        "42P10",
                        format!("ORDER BY position {n} is not in select list"),
                    ))
                } else {
                    Ok(KeySource::Output(pos - 1))
                }
            }
            Expr::Identifier(id) => {
                let name = ident_name(id);
                let hits: Vec<usize> = output_names
                    .iter()
                    .enumerate()
                    .filter(|(_, n)| **n == name)
                    .map(|(i, _)| i)
                    .collect();
                match hits.as_slice() {
                    [i] => Ok(KeySource::Output(*i)),
                    [] => Ok(KeySource::Expr(Box::new(o.expr.clone()))),
                    _ => Err(PgError::new(
                        "42702",
                        format!("ORDER BY \"{name}\" is ambiguous"),
                    )),
                }
            }
            other => Ok(KeySource::Expr(Box::new(other.clone()))),
        })
        .collect()
}

/// Sort keys for a set operation's output: only output columns can be named.
pub fn keys_over_output(
    exec: &Executor,
    rs: &ResultSet,
    order: &[OrderByExpr],
    outer: Option<&Scope>,
) -> PgResult<Option<Vec<Vec<Value>>>> {
    if order.is_empty() {
        return Ok(None);
    }
    let names: Vec<String> = rs.columns.iter().map(|c| c.name.clone()).collect();
    let sources = key_sources(order, &names)?;
    let columns: Vec<ScopeColumn> = rs
        .columns
        .iter()
        .map(|c| ScopeColumn {
            qualifier: None,
            name: c.name.clone(),
            ty: c.ty.clone(),
        })
        .collect();
    let ctx = exec.ctx();
    let mut keys = Vec::with_capacity(rs.rows.len());
    for row in &rs.rows {
        let scope = Scope {
            columns: &columns,
            row,
            outer,
        };
        let mut k = Vec::with_capacity(sources.len());
        for s in &sources {
            k.push(match s {
                KeySource::Output(i) => row.get(*i).cloned().unwrap_or(Value::Null),
                KeySource::Expr(e) => eval(e, &scope, &ctx)?,
            });
        }
        keys.push(k);
    }
    regclass_keys_by_oid(&mut keys, &sources, &rs.columns, &columns, &ctx);
    Ok(Some(keys))
}

/// PostgreSQL orders `regclass` values by OID, which user relations take in creation order,
/// not by name: such sort keys become the relation's OID on this node.
pub fn regclass_keys_by_oid(
    keys: &mut [Vec<Value>],
    sources: &[KeySource],
    output: &[Column],
    input: &[ScopeColumn],
    ctx: &EvalCtx,
) {
    for (j, source) in sources.iter().enumerate() {
        let ty = match source {
            KeySource::Output(i) => output.get(*i).map(|c| c.ty.clone()),
            KeySource::Expr(e) => Some(expr_type(e, input, ctx)),
        };
        if ty != Some(SqlType::Regclass) {
            continue;
        }
        for key in keys.iter_mut() {
            if let Some(v) = key.get_mut(j) {
                if let Value::Text(text) = v {
                    let oid = relation_name(text)
                        .ok()
                        .and_then(|name| relation_oid(&name, ctx));
                    *v = Value::Int8(oid.map_or(i64::MAX, i64::from));
                }
            }
        }
    }
}
