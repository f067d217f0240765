//! Expression evaluation with PostgreSQL semantics: three-valued logic, numeric promotion,
//! implicit coercion of untyped literals, CASE, COALESCE, IN, BETWEEN, LIKE, casts, functions,
//! and subqueries (run through `SubqueryRunner`).

use super::{Database, Host, ResultSet};
use crate::error::{PgError, PgResult};
use crate::types::{SqlType, Value};
use sqlparser::ast::{Expr, Query};

/// A column visible to an expression: `qualifier` is the table name or alias it came from.
#[derive(Clone, Debug, PartialEq)]
pub struct ScopeColumn {
    pub qualifier: Option<String>,
    pub name: String,
    pub ty: SqlType,
}

/// The row an expression is evaluated against, with the enclosing query's row for correlated
/// subqueries.
#[derive(Clone, Copy)]
pub struct Scope<'a> {
    pub columns: &'a [ScopeColumn],
    pub row: &'a [Value],
    pub outer: Option<&'a Scope<'a>>,
}

impl<'a> Scope<'a> {
    pub const EMPTY: Scope<'static> = Scope {
        columns: &[],
        row: &[],
        outer: None,
    };
}

/// Runs a subquery found inside an expression (implemented by the SELECT executor).
pub trait SubqueryRunner {
    fn run_subquery(&self, query: &Query, outer: &Scope) -> PgResult<ResultSet>;
}

pub struct EvalCtx<'a> {
    pub host: &'a dyn Host,
    pub db: &'a Database,
    pub subqueries: Option<&'a dyn SubqueryRunner>,
}

/// Evaluates `expr` for one row.
pub fn eval(expr: &Expr, scope: &Scope, ctx: &EvalCtx) -> PgResult<Value> {
    let _ = (expr, scope, ctx);
    Err(PgError::unsupported(
        "expression evaluation is not implemented yet",
    ))
}

/// The type `expr` has over rows with `columns` (for result headers, alignment and coercion).
pub fn expr_type(expr: &Expr, columns: &[ScopeColumn], ctx: &EvalCtx) -> SqlType {
    let _ = (expr, columns, ctx);
    SqlType::Unknown
}

/// WHERE/HAVING/ON semantics: only TRUE passes; NULL and FALSE do not.
pub fn is_true(v: &Value) -> bool {
    matches!(v, Value::Bool(true))
}
