//! INSERT, UPDATE, DELETE, MERGE and TRUNCATE on one node, with PostgreSQL's constraint checks. Every
//! statement is atomic: all rows are checked before any is stored.

pub mod constraints;
mod insert;
pub mod literal_insert;
mod merge;
mod modify;
mod partitioned;
pub mod referenced;
pub mod returning;
mod upsert;
pub mod with;

pub use insert::{
    build_insert_rows, build_literal_rows, default_value, insert_lock_check, insert_rows,
    insert_rows_with, is_default_keyword, target_columns,
};

use super::{Database, ExecOutput, Host};
use crate::error::{PgError, PgResult};
use sqlparser::ast::{FromTable, Statement};

pub fn execute(db: &mut Database, stmt: &Statement, host: &dyn Host) -> PgResult<ExecOutput> {
    if let Some(out) = partitioned::execute(db, stmt, host)? {
        return Ok(out);
    }
    match stmt {
        Statement::Insert(ins) => {
            let (n, returned) = insert::execute_insert(db, ins, host)?;
            Ok(ExecOutput::modified_returning(
                "INSERT 0", n as u64, returned,
            ))
        }
        Statement::Update {
            table,
            assignments,
            from,
            selection,
            returning,
        } => modify::execute_update(
            db,
            modify::UpdateParts {
                table,
                assignments,
                from: from.as_ref(),
                selection: selection.as_ref(),
                returning: returning.as_deref(),
                moved: None,
            },
            host,
        ),
        Statement::Delete(del) => {
            let from = match &del.from {
                FromTable::WithFromKeyword(t) | FromTable::WithoutKeyword(t) => t,
            };
            modify::execute_delete(db, from, del, host)
        }
        Statement::Merge {
            table,
            source,
            on,
            clauses,
            ..
        } => merge::execute_merge(
            db,
            merge::MergeParts {
                table,
                source,
                on,
                clauses,
            },
            host,
        ),
        Statement::Truncate {
            table_names,
            identity,
            cascade,
            ..
        } => modify::execute_truncate(db, table_names, identity.as_ref(), cascade.as_ref()),
        _ => Err(PgError::unsupported("not a data-modifying statement")),
    }
}
