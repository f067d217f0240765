//! Node management: `citus_add_node`, `citus_remove_node`, `citus_set_coordinator_host`.

use super::CallArgs;
use crate::cluster::{Cluster, COORDINATOR};
use crate::error::{PgError, PgResult};
use crate::executor::{Task, TaskBody};
use crate::metadata::Placement;
use crate::session::Session;
use crate::trace::MessageKind;
use crate::transaction::Access;
use crate::types::Value;

fn host_port(args: &CallArgs) -> PgResult<(String, u16)> {
    let host = args
        .text("nodename", 0)
        .ok_or_else(|| PgError::new("22004", "node name cannot be NULL"))?;
    let port = args
        .get("nodeport", 1)
        .and_then(|v| v.as_i64())
        .unwrap_or(5432);
    let port = u16::try_from(port)
        .map_err(|_| PgError::new("22003", format!("port {port} is out of range")))?;
    Ok((host, port))
}

/// Adds a worker (an existing one returns its node id, as Citus does) and copies reference
/// tables to it.
pub fn add_node(cluster: &mut Cluster, s: &mut Session, args: &CallArgs) -> PgResult<Value> {
    let (host, port) = host_port(args)?;
    if let Some(n) = cluster
        .catalog
        .nodes
        .iter()
        .find(|n| n.host == host && n.port == port)
    {
        return Ok(Value::Int4(n.node_id));
    }
    let workers = cluster
        .catalog
        .nodes
        .iter()
        .filter(|n| !n.is_coordinator())
        .count();
    let name = format!("worker-{}", workers + 1);
    cluster.catalog_will_change(s);
    let node_id = cluster.add_node_internal(&name, &host, port, false);
    let group_id = cluster
        .catalog
        .node_by_name(&name)
        .map(|n| n.group_id)
        .unwrap_or_default();
    super::schemas::create_on_node(cluster, s, &name)?;
    // Reference tables get a placement on every node.
    let reference: Vec<String> = cluster
        .catalog
        .tables
        .iter()
        .filter(|t| t.is_reference())
        .map(|t| t.name.clone())
        .collect();
    for table in reference {
        let Some(shard) = cluster
            .catalog
            .table_shards(&table)
            .first()
            .map(|s| (*s).clone())
        else {
            continue;
        };
        let Some(def) = cluster.node_db(COORDINATOR)?.table(&table).cloned() else {
            continue;
        };
        let sdef = super::distribute::shard_def(cluster, &def, &shard)?;
        let sql = crate::sql::ddl::table_def_to_sql(&sdef);
        super::ddl::ddl_task(cluster, s, name.clone(), shard.shard_id, sql)?;
        // The new placement gets the rows of the coordinator's copy.
        let rows = match cluster.network.node_mut(COORDINATOR) {
            Some(n) => n.read_in(s.backend, |db| db.storage.scan(&shard.name()))?,
            None => Vec::new(),
        };
        let preview = crate::executor::modify::insert_text(
            cluster,
            &shard.name(),
            &rows,
            crate::executor::modify::TRACE_ROWS,
        );
        let mut copy = Task {
            node: name.clone(),
            shard_id: Some(shard.shard_id),
            shards: vec![shard.shard_id],
            body: TaskBody::Rows {
                table: shard.name(),
                rows,
                preview,
            },
            kind: MessageKind::Copy,
            access: Access::Write,
            counted: false,
        };
        cluster.run_task(s, &mut copy, true, &std::collections::BTreeMap::new())?;
        let placement_id = cluster.catalog.next_placement_id;
        cluster.catalog.next_placement_id += 1;
        cluster.catalog.placements.push(Placement {
            placement_id,
            shard_id: shard.shard_id,
            group_id,
        });
    }
    Ok(Value::Int4(node_id))
}

/// Removes a worker that holds no shard placements.
pub fn remove_node(cluster: &mut Cluster, s: &mut Session, args: &CallArgs) -> PgResult<()> {
    let (host, port) = host_port(args)?;
    let node = cluster
        .catalog
        .nodes
        .iter()
        .find(|n| n.host == host && n.port == port)
        .cloned()
        .ok_or_else(|| {
            PgError::new("XX000", format!("node at \"{host}:{port}\" does not exist"))
        })?;
    // Reference placements go with the node; placements of distributed shards keep it.
    let blocking = cluster.catalog.placements.iter().find(|p| {
        p.group_id == node.group_id
            && cluster
                .catalog
                .shard(p.shard_id)
                .and_then(|s| cluster.catalog.table(&s.table))
                .is_some_and(|t| !t.is_reference())
    });
    if let Some(p) = blocking {
        let table = cluster
            .catalog
            .shard(p.shard_id)
            .map(|s| s.table.clone())
            .unwrap_or_default();
        return Err(PgError::new(
            "XX000",
            format!(
                "cannot remove or disable the node {host}:{port} because because it contains the only shard placement for shard {}",
                p.shard_id
            ),
        )
        .with_detail(format!(
            "One of the table(s) that prevents the operation complete successfully is {}",
            crate::sql::namespace::qualified_sql(&table)
        ))
        .with_hint("To proceed, either drop the tables or use undistribute_table() function to convert them to local tables"));
    }
    cluster.catalog_will_change(s);
    cluster
        .catalog
        .placements
        .retain(|p| p.group_id != node.group_id);
    // The server keeps running; it is just no longer part of the cluster.
    cluster.catalog.nodes.retain(|n| n.node_id != node.node_id);
    Ok(())
}

pub fn set_coordinator_host(
    cluster: &mut Cluster,
    s: &mut Session,
    args: &CallArgs,
) -> PgResult<()> {
    cluster.catalog_will_change(s);
    let host = args
        .text("host", 0)
        .ok_or_else(|| PgError::new("22004", "host cannot be NULL"))?;
    let port = args.get("port", 1).and_then(|v| v.as_i64()).unwrap_or(5432);
    let port = u16::try_from(port)
        .map_err(|_| PgError::new("22003", format!("port {port} is out of range")))?;
    if let Some(c) = cluster
        .catalog
        .nodes
        .iter_mut()
        .find(|n| n.is_coordinator())
    {
        c.host = host;
        c.port = port;
    }
    Ok(())
}
