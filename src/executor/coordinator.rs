//! What the coordinator does with each statement a client sends it.

use crate::cluster::{Cluster, Session, COORDINATOR};
use crate::error::{PgError, PgResult};
use crate::planner::relations::object_name;
use crate::sql::ExecOutput;
use sqlparser::ast::{FromTable, ObjectType, Statement};
use std::collections::BTreeMap;

pub fn execute(
    cluster: &mut Cluster,
    session: &mut Session,
    stmt: &Statement,
) -> PgResult<ExecOutput> {
    match stmt {
        Statement::Query(q) => {
            if let Some(out) = crate::operations::utility_call(cluster, session, q)? {
                return Ok(out);
            }
            cluster.execute_select(session, q).map(ExecOutput::rows)
        }
        Statement::Explain {
            statement,
            analyze,
            verbose,
            options,
            ..
        } => crate::planner::explain::execute(
            cluster,
            session,
            statement,
            *analyze,
            *verbose,
            options.as_deref(),
        ),
        Statement::Insert(insert) => {
            let table = object_name(&insert.table_name);
            if cluster.catalog.table(&table).is_some() {
                cluster.execute_insert(session, insert)
            } else {
                local(cluster, stmt)
            }
        }
        Statement::Update {
            table, selection, ..
        } => {
            let name = match &table.relation {
                sqlparser::ast::TableFactor::Table { name, .. } => object_name(name),
                _ => String::new(),
            };
            match cluster.catalog.table(&name).cloned() {
                Some(dist) => {
                    if let Some(col) = dist.distribution_column() {
                        if crate::executor::modify::assigned_columns(stmt)
                            .iter()
                            .any(|c| c == col)
                        {
                            return Err(PgError::new(
                                "0A000",
                                "modifying the partition value of rows is not allowed",
                            ));
                        }
                    }
                    cluster.execute_modify(stmt, &name, selection.as_ref(), "UPDATE")
                }
                None => local(cluster, stmt),
            }
        }
        Statement::Delete(delete) => {
            let from = match &delete.from {
                FromTable::WithFromKeyword(t) | FromTable::WithoutKeyword(t) => t,
            };
            let name = from
                .first()
                .and_then(|t| match &t.relation {
                    sqlparser::ast::TableFactor::Table { name, .. } => Some(object_name(name)),
                    _ => None,
                })
                .unwrap_or_default();
            if cluster.catalog.table(&name).is_some() {
                cluster.execute_modify(stmt, &name, delete.selection.as_ref(), "DELETE")
            } else {
                local(cluster, stmt)
            }
        }
        Statement::Drop {
            object_type: ObjectType::Table,
            names,
            ..
        } => crate::operations::ddl::drop_tables(cluster, stmt, names),
        Statement::AlterTable { name, .. }
            if cluster.catalog.table(&object_name(name)).is_some() =>
        {
            crate::operations::ddl::alter_table(cluster, stmt, &object_name(name))
        }
        Statement::CreateIndex(ci)
            if cluster
                .catalog
                .table(&object_name(&ci.table_name))
                .is_some() =>
        {
            crate::operations::ddl::create_index(cluster, stmt, &object_name(&ci.table_name))
        }
        Statement::Truncate { table_names, .. } => {
            let names: Vec<String> = table_names.iter().map(|t| object_name(&t.name)).collect();
            crate::operations::ddl::truncate(cluster, stmt, &names)
        }
        _ => local(cluster, stmt),
    }
}

/// A statement only the coordinator's own tables are involved in.
pub fn local(cluster: &mut Cluster, stmt: &Statement) -> PgResult<ExecOutput> {
    cluster.run_local(COORDINATOR, stmt, &BTreeMap::new())
}
