//! UPDATE and DELETE on a partitioned table: the statement runs on each partition that stores
//! rows, under the parent's name (so `parent.column` still resolves). An UPDATE that moves a
//! row's key out of its partition deletes it there and routes it again through the parent,
//! once every partition is done, as PostgreSQL moves rows between partitions.

use super::modify::{self, UpdateParts};
use crate::error::PgResult;
use crate::sql::ddl::names::object_name;
use crate::sql::{partition, Database, ExecOutput, Host, ResultSet};
use sqlparser::ast::{FromTable, Ident, Statement, TableAlias, TableFactor, TableWithJoins};
use std::cell::RefCell;

/// The partitioned table a single-table target names.
fn partitioned_target(db: &Database, twj: &TableWithJoins) -> Option<String> {
    let TableFactor::Table { name, .. } = &twj.relation else {
        return None;
    };
    let name = object_name(name);
    db.table(&name)
        .is_some_and(|d| d.is_partitioned())
        .then_some(name)
}

/// The target re-pointed at one partition, keeping the name the statement refers to it by.
fn retarget(twj: &TableWithJoins, leaf: &str, parent: &str) -> TableWithJoins {
    let mut out = twj.clone();
    if let TableFactor::Table { name, alias, .. } = &mut out.relation {
        *name = crate::sql::namespace::object_name(leaf);
        if alias.is_none() {
            *alias = Some(TableAlias {
                name: Ident::new(parent),
                columns: Vec::new(),
            });
        }
    }
    out
}

fn merge(acc: &mut Option<ResultSet>, more: Option<ResultSet>) {
    match (acc.as_mut(), more) {
        (Some(a), Some(m)) => a.rows.extend(m.rows),
        (None, m) => *acc = m,
        _ => {}
    }
}

/// Runs an UPDATE or DELETE whose target is partitioned; `None` for any other statement.
pub fn execute(
    db: &mut Database,
    stmt: &Statement,
    host: &dyn Host,
) -> PgResult<Option<ExecOutput>> {
    match stmt {
        Statement::Update {
            table,
            assignments,
            from,
            selection,
            returning,
        } => {
            let Some(parent) = partitioned_target(db, table) else {
                return Ok(None);
            };
            let moved = RefCell::new(Vec::new());
            let (mut count, mut returned) = (0, None);
            for leaf in partition::leaves(db, &parent) {
                let target = retarget(table, &leaf, &parent);
                let out = modify::execute_update(
                    db,
                    UpdateParts {
                        table: &target,
                        assignments,
                        from: from.as_ref(),
                        selection: selection.as_ref(),
                        returning: returning.as_deref(),
                        moved: Some(&moved),
                    },
                    host,
                )?;
                count += out.affected.unwrap_or(0);
                merge(&mut returned, out.returned);
            }
            let rows = moved.into_inner();
            if !rows.is_empty() {
                super::insert_rows_with(db, &parent, rows, host)?;
            }
            Ok(Some(ExecOutput::modified_returning(
                "UPDATE", count, returned,
            )))
        }
        Statement::Delete(del) => {
            let (FromTable::WithFromKeyword(from) | FromTable::WithoutKeyword(from)) = &del.from;
            let [table] = from.as_slice() else {
                return Ok(None);
            };
            let Some(parent) = partitioned_target(db, table) else {
                return Ok(None);
            };
            let (mut count, mut returned) = (0, None);
            for leaf in partition::leaves(db, &parent) {
                let target = [retarget(table, &leaf, &parent)];
                let out = modify::execute_delete(db, &target, del, host)?;
                count += out.affected.unwrap_or(0);
                merge(&mut returned, out.returned);
            }
            Ok(Some(ExecOutput::modified_returning(
                "DELETE", count, returned,
            )))
        }
        _ => Ok(None),
    }
}
