//! The SELECT executor: FROM (tables, joins, subqueries, set-returning functions, host relations),
//! WHERE, GROUP BY with aggregates, HAVING, DISTINCT, ORDER BY, LIMIT/OFFSET, set operations.

use super::eval::Scope;
use super::{Database, Host, ResultSet};
use crate::error::{PgError, PgResult};
use sqlparser::ast::Query;

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
    let _ = (db, q, host, outer);
    Err(PgError::unsupported("SELECT is not implemented yet"))
}
