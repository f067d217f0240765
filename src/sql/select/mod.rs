//! The SELECT executor: FROM (tables, joins, subqueries, set-returning functions, host relations),
//! WHERE, GROUP BY with aggregates, HAVING, DISTINCT, ORDER BY, LIMIT/OFFSET, set operations.

pub(crate) mod access;
mod aggregate;
mod from;
mod join;
mod keys;
mod lateral;
mod names;
mod order;
mod partitioned;
mod project;
mod scan;
mod setops;
pub(crate) mod used;
mod walk;
pub(crate) mod window;

pub use aggregate::{collect_aggregates, has_aggregates};
pub use from::build_from;
pub use names::output_name;
pub use walk::children;

use super::eval::{eval, EvalCtx, Scope, ScopeColumn, SubqueryRunner};
use super::{Column, Database, Host, ResultSet};
use crate::error::{PgError, PgResult};
use crate::types::{SqlType, Value};
use sqlparser::ast::{Expr, Query, SetExpr};
use std::cell::RefCell;
use std::rc::Rc;

/// Rows with the columns expressions can refer to; `hidden` columns are skipped by `*`
/// (the right-hand copies of USING columns).
#[derive(Clone, Debug, Default)]
pub struct Rel {
    pub columns: Vec<ScopeColumn>,
    pub rows: Vec<Vec<Value>>,
    pub hidden: Vec<bool>,
}

impl Rel {
    pub fn new(columns: Vec<ScopeColumn>, rows: Vec<Vec<Value>>) -> Self {
        let hidden = vec![false; columns.len()];
        Rel {
            columns,
            rows,
            hidden,
        }
    }

    /// A result set seen as a relation named `qualifier`.
    pub fn from_result(rs: ResultSet, qualifier: Option<&str>) -> Self {
        let columns = rs
            .columns
            .into_iter()
            .map(|c| ScopeColumn {
                qualifier: qualifier.map(str::to_string),
                name: c.name,
                ty: c.ty,
            })
            .collect();
        Rel::new(columns, rs.rows)
    }
}

/// Runs queries for one node; holds the CTEs in scope.
pub struct Executor<'a> {
    pub db: &'a Database,
    pub host: &'a dyn Host,
    ctes: RefCell<Vec<(String, Rc<ResultSet>)>>,
}

impl SubqueryRunner for Executor<'_> {
    fn run_subquery(&self, query: &Query, outer: &Scope) -> PgResult<ResultSet> {
        self.query(query, Some(outer))
    }
}

impl<'a> Executor<'a> {
    pub fn new(db: &'a Database, host: &'a dyn Host) -> Self {
        Executor {
            db,
            host,
            ctes: RefCell::new(Vec::new()),
        }
    }

    pub fn ctx(&self) -> EvalCtx<'_> {
        EvalCtx {
            host: self.host,
            db: self.db,
            subqueries: Some(self),
        }
    }

    fn cte(&self, name: &str) -> Option<Rc<ResultSet>> {
        self.ctes
            .borrow()
            .iter()
            .rev()
            .find(|(n, _)| n == name)
            .map(|(_, rs)| rs.clone())
    }

    /// Runs a query, with the enclosing row for correlated subqueries.
    pub fn query(&self, q: &Query, outer: Option<&Scope>) -> PgResult<ResultSet> {
        let _guard = super::eval::DepthGuard::enter()?;
        let pushed = self.push_ctes(q, outer);
        let result = pushed.and_then(|_| self.query_body(q, outer));
        if let Some(w) = &q.with {
            let mut ctes = self.ctes.borrow_mut();
            let keep = ctes.len().saturating_sub(w.cte_tables.len());
            ctes.truncate(keep);
        }
        result
    }

    fn push_ctes(&self, q: &Query, outer: Option<&Scope>) -> PgResult<()> {
        let Some(with) = &q.with else { return Ok(()) };
        if with.recursive {
            // Still push placeholders so the caller's truncate stays balanced.
            for cte in &with.cte_tables {
                self.ctes.borrow_mut().push((
                    super::eval::resolve::ident_name(&cte.alias.name),
                    Rc::new(ResultSet::default()),
                ));
            }
            return Err(PgError::unsupported("WITH RECURSIVE is not supported"));
        }
        for (i, cte) in with.cte_tables.iter().enumerate() {
            let name = super::eval::resolve::ident_name(&cte.alias.name);
            let rs = match self.query(&cte.query, outer) {
                Ok(rs) => rs,
                Err(e) => {
                    // Keep the stack balanced for the caller's truncate.
                    for c in &with.cte_tables[i..] {
                        let n = super::eval::resolve::ident_name(&c.alias.name);
                        self.ctes
                            .borrow_mut()
                            .push((n, Rc::new(ResultSet::default())));
                    }
                    return Err(e);
                }
            };
            let rs = from::apply_column_aliases(rs, &cte.alias.columns)?;
            self.ctes.borrow_mut().push((name, Rc::new(rs)));
        }
        Ok(())
    }

    fn query_body(&self, q: &Query, outer: Option<&Scope>) -> PgResult<ResultSet> {
        let order = q
            .order_by
            .as_ref()
            .map(|o| o.exprs.as_slice())
            .unwrap_or(&[]);
        let (mut rs, keys) = match q.body.as_ref() {
            SetExpr::Select(sel) => {
                project::run_select(self, sel, order, constant_bound(q), outer)?
            }
            other => {
                let rs = self.set_expr(other, outer)?;
                let keys = order::keys_over_output(self, &rs, order, outer)?;
                (rs, keys)
            }
        };
        if let Some(keys) = keys {
            rs.rows = order::sort_rows(rs.rows, keys, order);
        }
        self.limit_offset(q, &mut rs, outer)?;
        Ok(rs)
    }

    fn limit_offset(&self, q: &Query, rs: &mut ResultSet, outer: Option<&Scope>) -> PgResult<()> {
        let ctx = self.ctx();
        let scope = outer.copied().unwrap_or(Scope::EMPTY);
        let count = |e: &Expr, what: &str| -> PgResult<Option<usize>> {
            match eval(e, &scope, &ctx)? {
                Value::Null => Ok(None),
                v => {
                    let n = v.as_i64().ok_or_else(|| {
                        PgError::new(
                            "42804",
                            format!(
                                "argument of {what} must be type bigint, not type {}",
                                v.natural_type().pg_name()
                            ),
                        )
                    })?;
                    if n < 0 {
                        return Err(PgError::new(
                            "2201W",
                            format!("{what} must not be negative"),
                        ));
                    }
                    Ok(Some(n as usize))
                }
            }
        };
        if let Some(off) = &q.offset {
            if let Some(n) = count(&off.value, "OFFSET")? {
                let n = n.min(rs.rows.len());
                rs.rows.drain(..n);
            }
        }
        let limit = match (&q.limit, &q.fetch) {
            (Some(l), _) => count(l, "LIMIT")?,
            (None, Some(f)) => match &f.quantity {
                Some(e) => count(e, "LIMIT")?,
                None => Some(1),
            },
            _ => None,
        };
        if let Some(n) = limit {
            rs.rows.truncate(n);
        }
        Ok(())
    }

    /// A set expression without the query's ORDER BY.
    pub fn set_expr(&self, body: &SetExpr, outer: Option<&Scope>) -> PgResult<ResultSet> {
        match body {
            SetExpr::Select(sel) => {
                project::run_select(self, sel, &[], None, outer).map(|(rs, _)| rs)
            }
            SetExpr::Query(q) => self.query(q, outer),
            SetExpr::Values(values) => self.values(values, outer),
            SetExpr::SetOperation {
                op,
                set_quantifier,
                left,
                right,
            } => {
                let l = self.set_expr(left, outer)?;
                let r = self.set_expr(right, outer)?;
                setops::combine(op, set_quantifier, l, r)
            }
            SetExpr::Table(t) => {
                let name = t.table_name.clone().unwrap_or_default();
                let rel = from::named_relation(self, &name, None)?;
                Ok(ResultSet {
                    columns: rel
                        .columns
                        .into_iter()
                        .map(|c| Column::new(c.name, c.ty))
                        .collect(),
                    rows: rel.rows,
                })
            }
            _ => Err(PgError::unsupported("this query form is not supported")),
        }
    }

    fn values(
        &self,
        values: &sqlparser::ast::Values,
        outer: Option<&Scope>,
    ) -> PgResult<ResultSet> {
        let ctx = self.ctx();
        let scope = outer.copied().unwrap_or(Scope::EMPTY);
        let width = values.rows.first().map(Vec::len).unwrap_or(0);
        let mut rows = Vec::with_capacity(values.rows.len());
        for r in &values.rows {
            if r.len() != width {
                return Err(PgError::syntax("VALUES lists must all be the same length"));
            }
            rows.push(
                r.iter()
                    .map(|e| eval(e, &scope, &ctx))
                    .collect::<PgResult<Vec<_>>>()?,
            );
        }
        let columns = (0..width)
            .map(|i| {
                let ty = values
                    .rows
                    .iter()
                    .filter_map(|r| r.get(i))
                    .map(|e| super::eval::expr_type(e, scope.columns, &ctx))
                    .find(|t| !matches!(t, SqlType::Unknown | SqlType::Text))
                    .unwrap_or(SqlType::Text);
                Column::new(format!("column{}", i + 1), ty)
            })
            .collect::<Vec<_>>();
        // Untyped literals in a column of another type take that type.
        for row in rows.iter_mut() {
            for (v, c) in row.iter_mut().zip(&columns) {
                if let Value::Text(s) = v {
                    if !c.ty.is_textual() {
                        *v = super::cast::parse_text_as(s, &c.ty)?;
                    }
                }
            }
        }
        Ok(ResultSet { columns, rows })
    }
}

/// `LIMIT n [OFFSET m]` written as literal numbers: at most `n + m` sorted rows are needed.
fn constant_bound(q: &Query) -> Option<usize> {
    let number = |e: &Expr| match e {
        Expr::Value(sqlparser::ast::Value::Number(n, _)) => n.to_string().parse::<usize>().ok(),
        _ => None,
    };
    if q.fetch.is_some() {
        return None;
    }
    let limit = number(q.limit.as_ref()?)?;
    let offset = match &q.offset {
        Some(o) => number(&o.value)?,
        None => 0,
    };
    limit.checked_add(offset)
}

/// Runs a query.
pub fn run_query(db: &Database, q: &Query, host: &dyn Host) -> PgResult<ResultSet> {
    run_query_with_outer(db, q, host, None)
}

/// Runs a query that may refer to an enclosing query's row (correlated subquery).
pub fn run_query_with_outer(
    db: &Database,
    q: &Query,
    host: &dyn Host,
    outer: Option<&Scope>,
) -> PgResult<ResultSet> {
    Executor::new(db, host).query(q, outer)
}

/// The column types a query returns (used for the type of scalar subqueries).
pub fn query_column_types(
    q: &Query,
    outer_columns: &[ScopeColumn],
    ctx: &EvalCtx,
) -> PgResult<Vec<SqlType>> {
    let nulls = vec![Value::Null; outer_columns.len()];
    let outer = Scope {
        columns: outer_columns,
        row: &nulls,
        outer: None,
    };
    let rs = run_query_with_outer(ctx.db, q, ctx.host, Some(&outer))?;
    Ok(rs.columns.into_iter().map(|c| c.ty).collect())
}
