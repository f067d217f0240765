//! Node management: `citus_add_node`, `citus_remove_node`, `citus_set_coordinator_host`.

use super::CallArgs;
use crate::cluster::{Cluster, COORDINATOR};
use crate::error::{PgError, PgResult};
use crate::executor::{Task, TaskBody};
use crate::metadata::{DistNode, Placement};
use crate::node::{Command, MetadataChange};
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
    copy_reference_tables(cluster, s, &name, group_id)?;
    Ok(Value::Int4(node_id))
}

/// Gives `node` (of group `group_id`) a placement of every reference table it lacks: the
/// shard table, and the rows of the coordinator's copy.
fn copy_reference_tables(
    cluster: &mut Cluster,
    s: &mut Session,
    node: &str,
    group_id: i32,
) -> PgResult<()> {
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
        let placed = cluster
            .catalog
            .placements
            .iter()
            .any(|p| p.shard_id == shard.shard_id && p.group_id == group_id);
        let Some(def) = cluster.node_db(COORDINATOR)?.table(&table).cloned() else {
            continue;
        };
        if placed {
            continue;
        }
        // A copy the node kept from before it was disabled missed writes: it is rebuilt, as
        // Citus's shard copy drops the table first.
        if cluster.node_db(node)?.table(&shard.name()).is_some() {
            let drop = format!(
                "DROP TABLE IF EXISTS {} CASCADE",
                crate::sql::namespace::relation_sql(&shard.name())
            );
            super::ddl::ddl_task(cluster, s, node.to_string(), shard.shard_id, drop)?;
        }
        let sdef = super::distribute::shard_def(cluster, &def, &shard)?;
        let sql = crate::sql::ddl::table_def_to_sql(&sdef);
        super::ddl::ddl_task(cluster, s, node.to_string(), shard.shard_id, sql)?;
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
            node: node.to_string(),
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
    Ok(())
}

/// The pg_dist_node row at `host:port`, or Citus's error.
fn node_at(cluster: &Cluster, host: &str, port: u16) -> PgResult<DistNode> {
    cluster
        .catalog
        .nodes
        .iter()
        .find(|n| n.host == host && n.port == port)
        .cloned()
        .ok_or_else(|| PgError::new("XX000", format!("node at \"{host}:{port}\" does not exist")))
}

/// Refuses to take away a node that holds a shard's only active placement (Citus's
/// ErrorIfNodeContainsNonRemovablePlacements, shared by remove and disable).
fn ensure_removable(cluster: &Cluster, node: &DistNode) -> PgResult<()> {
    let mut on_node: Vec<&Placement> = cluster
        .catalog
        .placements
        .iter()
        .filter(|p| p.group_id == node.group_id)
        .collect();
    crate::sort::sort_by_key(&mut on_node, |p| p.placement_id);
    let only = on_node.into_iter().find(|p| {
        !cluster
            .catalog
            .active_placements(p.shard_id)
            .iter()
            .any(|(_, n)| n.group_id != node.group_id)
    });
    let Some(p) = only else {
        return Ok(());
    };
    let table = cluster
        .catalog
        .shard(p.shard_id)
        .map(|s| s.table.clone())
        .unwrap_or_default();
    Err(PgError::new(
        "XX000",
        format!(
            "cannot remove or disable the node {}:{} because because it contains the only shard placement for shard {}",
            node.host, node.port, p.shard_id
        ),
    )
    .with_detail(format!(
        "One of the table(s) that prevents the operation complete successfully is {}",
        crate::sql::namespace::qualified_sql(&table)
    ))
    .with_hint("To proceed, either drop the tables or use undistribute_table() function to convert them to local tables"))
}

/// Removes a worker whose placements all have copies elsewhere; its placements of
/// replicated tables go with it.
pub fn remove_node(cluster: &mut Cluster, s: &mut Session, args: &CallArgs) -> PgResult<()> {
    let (host, port) = host_port(args)?;
    let node = node_at(cluster, &host, port)?;
    ensure_removable(cluster, &node)?;
    cluster.catalog_will_change(s);
    cluster
        .catalog
        .placements
        .retain(|p| p.group_id != node.group_id);
    // The server keeps running; it is just no longer part of the cluster.
    cluster.catalog.nodes.retain(|n| n.node_id != node.node_id);
    Ok(())
}

/// Marks a worker inactive: reads and writes skip its placements, new shards avoid it. Only
/// metadata changes (a crashed node can be disabled); its placements stay in pg_dist_placement
/// until `citus_activate_node`.
pub fn disable_node(cluster: &mut Cluster, s: &mut Session, args: &CallArgs) -> PgResult<()> {
    let (host, port) = host_port(args)?;
    let synchronous = matches!(args.get("synchronous", 2), Some(Value::Bool(true)));
    let node = node_at(cluster, &host, port)?;
    if node.is_coordinator() {
        return Err(PgError::new(
            "XX000",
            "cannot change \"isactive\" field of the coordinator node",
        ));
    }
    // Writes to replicated tables lock on the first worker: every node must agree which one
    // that is, so it only changes synchronously.
    let first = cluster.catalog.active_workers().first().map(|n| n.node_id);
    if first == Some(node.node_id) && !synchronous {
        return Err(PgError::new(
            "55000",
            "disabling the first worker node in the metadata is not allowed",
        )
        .with_detail("Citus uses the first worker node in the metadata for certain internal operations when replicated tables are modified. Synchronous mode ensures that all nodes have the same view of the first worker node, which is used for certain locking operations.")
        .with_hint(format!(
            "You can force disabling node, SELECT citus_disable_node('{host}', {port}, synchronous:=true);"
        )));
    }
    ensure_removable(cluster, &node)?;
    cluster.catalog_will_change(s);
    // There is one catalog here: synchronous or not, every node sees the change at once.
    set_active(cluster, node.node_id, false);
    Ok(())
}

fn set_active(cluster: &mut Cluster, node_id: i32, active: bool) {
    if let Some(n) = cluster
        .catalog
        .nodes
        .iter_mut()
        .find(|n| n.node_id == node_id)
    {
        n.is_active = active;
    }
}

/// Activates a node and syncs the metadata to it; returns its node id. A node that was
/// disabled loses its placements of replicated tables (reference tables, replication factor
/// above 1): they missed the writes made meanwhile. `replicate_reference_tables()` copies the
/// reference tables back; the other placements do not come back by themselves.
pub fn activate_node(cluster: &mut Cluster, s: &mut Session, args: &CallArgs) -> PgResult<Value> {
    let (host, port) = host_port(args)?;
    let node = node_at(cluster, &host, port)?;
    cluster.catalog_will_change(s);
    if !node.is_active {
        let replicated: Vec<i64> = cluster
            .catalog
            .shards
            .iter()
            .filter(|sh| {
                cluster
                    .catalog
                    .table(&sh.table)
                    .is_some_and(|t| cluster.catalog.is_replicated(t))
            })
            .map(|sh| sh.shard_id)
            .collect();
        cluster
            .catalog
            .placements
            .retain(|p| p.group_id != node.group_id || !replicated.contains(&p.shard_id));
    }
    set_active(cluster, node.node_id, true);
    if !node.is_coordinator() {
        sync_shells(cluster, s, &node.name)?;
    }
    Ok(Value::Int4(node.node_id))
}

/// Gives `node` the shell of every Citus table, as activation syncs the metadata (tables
/// distributed while it was disabled included).
fn sync_shells(cluster: &mut Cluster, s: &mut Session, node: &str) -> PgResult<()> {
    let tables: Vec<String> = cluster
        .catalog
        .tables
        .iter()
        .map(|t| t.name.clone())
        .collect();
    for table in tables {
        let Some(def) = cluster.node_db(COORDINATOR)?.table(&table).cloned() else {
            continue;
        };
        let text = super::distribute::partition_metadata_sql(cluster, &table);
        let send = crate::connection::Send {
            kind: Some(MessageKind::Ddl),
            phase: Some("metadata sync"),
            ..Default::default()
        };
        let command = Command::Metadata {
            change: MetadataChange::AddShell(Box::new(def)),
            text,
        };
        let i = cluster.essential_connection(s, node)?;
        cluster
            .use_connection(s, i, Access::Write, true)
            .and_then(|()| {
                cluster.send_on(s, i, &command, send, &std::collections::BTreeMap::new())
            })
            .map_err(|e| cluster.essential_failure(s, node, e))?;
    }
    Ok(())
}

/// `citus_update_node(node_id, new_node_name, new_node_port)`: the node keeps its id and
/// group (so its placements) at a new address. Only metadata: when no server listens there,
/// connections to the node are refused from now on.
pub fn update_node(cluster: &mut Cluster, s: &mut Session, args: &CallArgs) -> PgResult<()> {
    let node_id = args.get("node_id", 0).and_then(Value::as_i64);
    let host = args.text("new_node_name", 1);
    let port = args.get("new_node_port", 2).and_then(Value::as_i64);
    // The function is STRICT: a NULL argument returns NULL without doing anything.
    let (Some(node_id), Some(host), Some(port)) = (node_id, host, port) else {
        return Ok(());
    };
    let port = u16::try_from(port)
        .map_err(|_| PgError::new("22003", format!("port {port} is out of range")))?;
    if let Some(other) = cluster
        .catalog
        .nodes
        .iter()
        .find(|n| n.host == host && n.port == port)
    {
        if i64::from(other.node_id) == node_id {
            return Ok(());
        }
        return Err(PgError::new(
            "55000",
            "there is already another node with the specified hostname and port",
        ));
    }
    let node = cluster
        .catalog
        .nodes
        .iter()
        .find(|n| i64::from(n.node_id) == node_id)
        .cloned()
        .ok_or_else(|| PgError::new("P0002", format!("node {node_id} not found")))?;
    let server = cluster.server_at(&host, port);
    cluster.catalog_will_change(s);
    if server.is_none() {
        // Remember where the server still listens, so it becomes reachable again when the
        // node is pointed back there.
        cluster
            .unreachable
            .entry(node.name.clone())
            .or_insert_with(|| (node.host.clone(), node.port));
    }
    if let Some(n) = cluster
        .catalog
        .nodes
        .iter_mut()
        .find(|n| n.node_id == node.node_id)
    {
        n.host = host;
        n.port = port;
    }
    // A server that listens there (a promoted standby) takes over the node's name, so the
    // map, the trace and psql keep calling the node as before.
    if let Some(server) = server.filter(|srv| *srv != node.name) {
        cluster.repoint_node(&node.name, &server)?;
    }
    // Connections cached for the old address must not serve the node any more.
    cluster.drop_connections_to(s, &node.name);
    Ok(())
}

/// `replicate_reference_tables()`: a placement of every reference table on every active node
/// that lacks one (after `citus_activate_node` dropped a disabled node's).
pub fn replicate_reference_tables(cluster: &mut Cluster, s: &mut Session) -> PgResult<()> {
    let nodes: Vec<(String, i32)> = cluster
        .catalog
        .nodes
        .iter()
        .filter(|n| n.is_active)
        .map(|n| (n.name.clone(), n.group_id))
        .collect();
    for (name, group_id) in nodes {
        copy_reference_tables(cluster, s, &name, group_id)?;
    }
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
