//! What the coordinator does with each statement a client sends it.

use crate::cluster::Cluster;
use crate::error::{PgError, PgResult};
use crate::executor::host::ClusterHost;
use crate::executor::Resume;
use crate::planner::relations::object_name;
use crate::session::Session;
use crate::sql::ExecOutput;
use sqlparser::ast::{FromTable, ObjectType, Statement};
use std::collections::BTreeMap;

pub fn execute(
    cluster: &mut Cluster,
    s: &mut Session,
    stmt: &Statement,
    text: &str,
) -> PgResult<ExecOutput> {
    match stmt {
        Statement::Query(q) if crate::sql::dml::with::is_modifying(q) => {
            cluster.execute_modifying_with(s, q, stmt, text)
        }
        Statement::Query(q) => {
            if let Some(out) = crate::operations::utility_call(cluster, s, q)? {
                return Ok(out);
            }
            if let Some(rs) = cluster.run_command_in_select_list(s, q)? {
                return Ok(ExecOutput::rows(rs));
            }
            cluster.execute_select(s, q).map(ExecOutput::rows)
        }
        Statement::Explain {
            statement,
            analyze,
            verbose,
            options,
            ..
        } => crate::planner::explain::execute(
            cluster,
            s,
            statement,
            *analyze,
            *verbose,
            options.as_deref(),
        ),
        Statement::Insert(insert) => {
            let table = object_name(&insert.table_name);
            if cluster.catalog.table(&table).is_some() {
                cluster.execute_insert(s, insert)
            } else {
                local(cluster, s, stmt, text)
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
                        if crate::executor::modify::changes_column(stmt, col) {
                            return Err(PgError::new(
                                "0A000",
                                "modifying the partition value of rows is not allowed",
                            ));
                        }
                    }
                    cluster.execute_modify(s, stmt, &name, selection.as_ref(), "UPDATE")
                }
                None => local(cluster, s, stmt, text),
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
                cluster.execute_modify(s, stmt, &name, delete.selection.as_ref(), "DELETE")
            } else {
                local(cluster, s, stmt, text)
            }
        }
        Statement::Merge { .. } => match cluster.execute_merge(s, stmt)? {
            Some(out) => Ok(out),
            None => local(cluster, s, stmt, text),
        },
        Statement::CreateFunction { .. } | Statement::DropFunction { .. } => {
            crate::operations::functions::execute(cluster, s, stmt, text)
        }
        Statement::Drop {
            object_type: ObjectType::Table,
            names,
            ..
        } => crate::operations::ddl::drop_tables(cluster, s, stmt, text, names),
        Statement::CreateSchema { schema_name, .. } => crate::operations::schemas::create_schema(
            cluster,
            s,
            stmt,
            text,
            &crate::sql::ddl::schemas::schema_name(schema_name),
        ),
        Statement::Drop {
            object_type: ObjectType::Schema,
            names,
            ..
        } => crate::operations::schemas::drop_schemas(cluster, s, stmt, text, names),
        Statement::AlterTable { name, .. }
            if crate::operations::partitioning::is_partition_alter(stmt) =>
        {
            crate::operations::partitioning::alter_partition(
                cluster,
                s,
                stmt,
                text,
                &object_name(name),
            )
        }
        Statement::Call(f)
            if crate::planner::relations::object_name(&f.name) == "drop_old_time_partitions" =>
        {
            crate::operations::partitioning::drop_old_time_partitions(cluster, s, f)
        }
        Statement::CreateTable(ct) if ct.partition_by.is_some() => {
            let mut out = local(cluster, s, stmt, text)?;
            let name = object_name(&ct.name);
            let notices = crate::operations::partitioning::after_create(cluster, s, &name)?;
            out.notices.extend(notices);
            Ok(out)
        }
        Statement::AlterTable { name, .. }
            if cluster.catalog.table(&object_name(name)).is_some() =>
        {
            crate::operations::ddl::alter_table(cluster, s, stmt, text, &object_name(name))
        }
        Statement::CreateIndex(ci)
            if cluster
                .catalog
                .table(&object_name(&ci.table_name))
                .is_some() =>
        {
            crate::operations::ddl::create_index(
                cluster,
                s,
                stmt,
                text,
                &object_name(&ci.table_name),
            )
        }
        Statement::Truncate { table_names, .. } => {
            let names: Vec<String> = table_names.iter().map(|t| object_name(&t.name)).collect();
            crate::operations::ddl::truncate(cluster, s, stmt, text, &names)
        }
        _ => local(cluster, s, stmt, text),
    }
}

/// A statement only the coordinator's own tables are involved in: it runs in the session's
/// backend there. Blocked by a row lock, it waits and runs again once the lock is free.
pub fn local(
    cluster: &mut Cluster,
    s: &mut Session,
    stmt: &Statement,
    text: &str,
) -> PgResult<ExecOutput> {
    let result = cluster.run_local_statement(s, stmt);
    if let Err(e) = &result {
        if e.wait.is_some() {
            let node = s.node.clone();
            cluster.begin_wait(s, &node, e, Resume::Statement(text.to_string()));
        }
    }
    result
}

impl Cluster {
    /// Runs a statement on the coordinator's engine in the session's transaction.
    pub(crate) fn run_local_statement(
        &mut self,
        s: &Session,
        stmt: &Statement,
    ) -> PgResult<ExecOutput> {
        let backend = s
            .backend
            .ok_or_else(|| PgError::new("08003", "connection not open"))?;
        let sizes = self.shard_sizes();
        let now = self.now();
        let relations = BTreeMap::new();
        let host = ClusterHost {
            catalog: &self.catalog,
            now,
            relations: &relations,
            sizes: Some(&sizes),
            methods: super::settings::plan_methods(s),
        };
        let node = self
            .network
            .node_mut(&s.node)
            .ok_or_else(|| PgError::internal("no such node"))?;
        node.in_statement(backend, |db| db.execute(stmt, &host))
    }
}
