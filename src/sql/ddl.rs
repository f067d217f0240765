//! CREATE/DROP/ALTER TABLE, CREATE INDEX, CREATE SEQUENCE on one node, and the DDL text a
//! table definition is sent to workers as.

use super::{Database, ExecOutput, Host};
use crate::error::{PgError, PgResult};
use sqlparser::ast::Statement;

pub fn execute(db: &mut Database, stmt: &Statement, host: &dyn Host) -> PgResult<ExecOutput> {
    let _ = (db, stmt, host);
    Err(PgError::unsupported("DDL is not implemented yet"))
}
