//! INSERT, UPDATE, DELETE and TRUNCATE on one node, with PostgreSQL's constraint checks.

use super::{Database, ExecOutput, Host};
use crate::error::{PgError, PgResult};
use sqlparser::ast::Statement;

pub fn execute(db: &mut Database, stmt: &Statement, host: &dyn Host) -> PgResult<ExecOutput> {
    let _ = (db, stmt, host);
    Err(PgError::unsupported("DML is not implemented yet"))
}
