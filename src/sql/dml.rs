//! INSERT, UPDATE, DELETE and TRUNCATE on one node, with PostgreSQL's constraint checks. Every
//! statement is atomic: all rows are checked before any is stored.

pub mod constraints;
mod insert;
pub mod literal_insert;
mod modify;
pub mod referenced;
mod upsert;

pub use insert::{
    build_insert_rows, build_literal_rows, default_value, insert_lock_check, insert_rows,
    insert_rows_with, is_default_keyword, target_columns,
};

use super::{Database, ExecOutput, Host};
use crate::error::{PgError, PgResult};
use sqlparser::ast::{FromTable, Statement};

pub fn execute(db: &mut Database, stmt: &Statement, host: &dyn Host) -> PgResult<ExecOutput> {
    match stmt {
        Statement::Insert(ins) => {
            if ins.returning.is_some() {
                return Err(PgError::unsupported("RETURNING is not supported"));
            }
            let n = insert::execute_insert(db, ins, host)?;
            Ok(ExecOutput::modified("INSERT 0", n as u64))
        }
        Statement::Update {
            table,
            assignments,
            from,
            selection,
            returning,
        } => {
            if returning.is_some() {
                return Err(PgError::unsupported("RETURNING is not supported"));
            }
            modify::execute_update(
                db,
                table,
                assignments,
                from.as_ref(),
                selection.as_ref(),
                host,
            )
        }
        Statement::Delete(del) => {
            if del.returning.is_some() {
                return Err(PgError::unsupported("RETURNING is not supported"));
            }
            let from = match &del.from {
                FromTable::WithFromKeyword(t) | FromTable::WithoutKeyword(t) => t,
            };
            modify::execute_delete(db, from, del.using.is_some(), del.selection.as_ref(), host)
        }
        Statement::Truncate {
            table_names,
            identity,
            cascade,
            ..
        } => modify::execute_truncate(db, table_names, identity.as_ref(), cascade.as_ref()),
        _ => Err(PgError::unsupported("not a data-modifying statement")),
    }
}
