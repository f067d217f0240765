//! Schemas on Citus: CREATE SCHEMA and DROP SCHEMA run on the coordinator and reach every
//! worker, as Citus propagates them, so shards of a schema's tables have their schema there.

use super::ddl::ddl_on_workers;
use crate::cluster::Cluster;
use crate::error::PgResult;
use crate::executor::coordinator::local;
use crate::session::Session;
use crate::sql::namespace::split;
use crate::sql::ExecOutput;
use sqlparser::ast::{ObjectName, Statement};

/// The command that creates a schema on a worker that may already have it.
fn create_sql(name: &str) -> String {
    format!(
        "CREATE SCHEMA IF NOT EXISTS {} AUTHORIZATION postgres",
        crate::sql::ddl::quote_ident(name)
    )
}

pub fn create_schema(
    cluster: &mut Cluster,
    s: &mut Session,
    stmt: &Statement,
    text: &str,
    name: &str,
) -> PgResult<ExecOutput> {
    let out = local(cluster, s, stmt, text)?;
    if out.notices.is_empty() {
        ddl_on_workers(cluster, s, &create_sql(name))?;
    }
    Ok(out)
}

/// DROP SCHEMA: the coordinator drops the schema and its tables, then the shards of its
/// Citus tables and the schema go from the workers.
pub fn drop_schemas(
    cluster: &mut Cluster,
    s: &mut Session,
    stmt: &Statement,
    text: &str,
    names: &[ObjectName],
) -> PgResult<ExecOutput> {
    let schemas: Vec<String> = names
        .iter()
        .map(|n| {
            n.0.last()
                .map(crate::sql::ddl::names::ident)
                .unwrap_or_default()
        })
        .collect();
    let citus_tables: Vec<String> = cluster
        .catalog
        .tables
        .iter()
        .filter(|t| schemas.iter().any(|s| s == split(&t.name).0))
        .map(|t| t.name.clone())
        .collect();
    let out = local(cluster, s, stmt, text)?;
    for table in citus_tables {
        if cluster.catalog.table(&table).is_some() {
            super::ddl::drop_shards(cluster, s, &table)?;
        }
    }
    for schema in &schemas {
        let sql = format!(
            "DROP SCHEMA IF EXISTS {} CASCADE",
            crate::sql::ddl::quote_ident(schema)
        );
        ddl_on_workers(cluster, s, &sql)?;
    }
    Ok(out)
}

/// The schemas a node joining the cluster needs before shards of their tables reach it.
pub fn create_on_node(cluster: &mut Cluster, s: &mut Session, node: &str) -> PgResult<()> {
    let schemas: Vec<String> = cluster
        .node_db(crate::cluster::COORDINATOR)?
        .schemas
        .iter()
        .cloned()
        .collect();
    for schema in schemas {
        super::ddl::ddl_on_node(cluster, s, node, &create_sql(&schema))?;
    }
    Ok(())
}
