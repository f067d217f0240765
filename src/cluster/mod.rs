//! The cluster a learner talks to: a coordinator and workers on one seeded network, the Citus
//! metadata, and the client sessions. The rooms: `client` (statements from sessions and their
//! transactions), `lifecycle` (crashes, restarts, cut links, armed faults, the logical clock
//! and the maintenance daemon); the planner, executor, transaction manager, connections,
//! network and nodes live in their own modules.

mod address;
mod client;
mod from_worker;
mod lifecycle;
mod prepared;

use crate::error::{PgError, PgResult};
use crate::executor::host::ShardSizes;
use crate::metadata::{Catalog, DistNode};
use crate::network::Network;
use crate::session::{BlockState, Finished, Session, SessionId, WaitInfo};
use crate::sql::{Database, ResultSet};
use crate::trace::TraceEvent;
use chrono::{NaiveDate, NaiveDateTime};
use std::collections::BTreeMap;

pub use client::StatementSource;

pub const COORDINATOR: &str = "coordinator";
pub const CLIENT: &str = "client";

/// The seed a cluster gets unless told otherwise.
pub const DEFAULT_SEED: u64 = 0x5EED_C17A_5000_0001;

/// A node as the UI and psql see it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NodeInfo {
    /// `coordinator`, `worker-1`, `worker-2`, ...
    pub name: String,
    pub host: String,
    pub port: u16,
    pub node_id: i32,
    pub group_id: i32,
    pub is_coordinator: bool,
    pub is_active: bool,
    /// The server runs (not crashed).
    pub is_up: bool,
    /// Its link to the other nodes is cut.
    pub is_cut: bool,
    /// Prepared transactions it holds (in-doubt branches until committed or rolled back).
    pub prepared: Vec<String>,
    /// The step of the next two-phase commit at which it is armed to crash.
    pub armed: Option<String>,
    /// Statements waiting for a row lock on it, described.
    pub waits: Vec<String>,
}

/// One shard with its placements, as the map shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ShardInfo {
    pub shard_id: i64,
    pub table: String,
    /// `<table>_<shardid>`
    pub shard_name: String,
    /// Hash range; `None` for reference tables.
    pub min_value: Option<i32>,
    pub max_value: Option<i32>,
    pub colocation_id: i32,
    pub is_reference: bool,
    /// Node names holding a placement.
    pub nodes: Vec<String>,
    pub row_count: usize,
}

/// A relation as psql's `\d` lists it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RelationInfo {
    pub name: String,
    /// `table`, `sequence`, `view` or `index`, as `\d` prints it.
    pub kind: String,
}

/// A session as the UI shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SessionView {
    pub id: SessionId,
    /// The node it is connected to.
    pub node: String,
    /// Whether its connection is up.
    pub connected: bool,
    pub block: BlockState,
    pub waiting: Option<WaitInfo>,
}

/// The simulated cluster.
pub struct Cluster {
    pub catalog: Catalog,
    pub network: Network,
    pub(crate) sessions: BTreeMap<SessionId, Session>,
    /// The next distributed transaction number (`assign_distributed_transaction_id`).
    pub(crate) next_txn_number: u64,
    /// The next distributed plan id (subplans are named `<plan>_<n>` after it).
    pub(crate) next_plan_id: u64,
    epoch: NaiveDateTime,
    /// Simulated time added with `\tick`, in microseconds.
    ticked_us: i64,
    /// Statements that finished while their session was not the one driven.
    finished: Vec<Finished>,
    /// Client statements run so far: the logical clock moves a second with each.
    statements: u64,
    /// When the maintenance daemon last ran 2PC recovery (simulated microseconds).
    last_recovery_us: i64,
    /// The HA manager, when it is on (`\ha on`).
    pub(crate) ha: Option<crate::replication::ha::HaManager>,
    /// Every promotion so far: the primary it replaced and what that lost.
    pub losses: Vec<(String, crate::replication::Loss)>,
    /// Servers whose pg_dist_node row `citus_update_node` pointed at an address no server
    /// listens on, with the address they still listen on: connections to them are refused.
    pub(crate) unreachable: BTreeMap<String, (String, u16)>,
}

impl Default for Cluster {
    fn default() -> Self {
        Self::new()
    }
}

/// Settings with their defaults, as `SHOW` prints them.
pub fn default_setting(name: &str) -> Option<&'static str> {
    Some(match name {
        "citus.shard_count" => "32",
        "citus.shard_replication_factor" => "1",
        "citus.next_shard_id" => "0",
        "citus.explain_all_tasks" => "off",
        "citus.enable_repartition_joins" => "off",
        "citus.multi_shard_modify_mode" => "parallel",
        "citus.task_executor_type" => "adaptive",
        "citus.log_remote_commands" => "off",
        "citus.log_local_commands" => "off",
        "citus.sort_returning" => "off",
        "citus.recover_2pc_interval" => "1min",
        "citus.node_connection_timeout" => "30s",
        "citus.distributed_deadlock_detection_factor" => "2",
        "citus.select_opens_transaction_block" => "on",
        "citus.max_cached_conns_per_worker" => "1",
        "client_min_messages" => "notice",
        "extra_float_digits" => "1",
        "application_name" => "psql",
        "enable_hashagg" => "on",
        "enable_hashjoin" => "on",
        "enable_mergejoin" => "on",
        "enable_nestloop" => "on",
        "enable_seqscan" => "on",
        "enable_sort" => "on",
        "citus.enable_ddl_propagation" => "on",
        "citus.enable_metadata_sync" => "on",
        "citus.enable_local_execution" => "on",
        "citus.enable_fast_path_router_planner" => "on",
        "citus.enable_binary_protocol" => "on",
        "citus.enable_single_hash_repartition_joins" => "off",
        "citus.enable_non_colocated_router_query_pushdown" => "off",
        "citus.force_max_query_parallelization" => "off",
        "citus.subquery_pushdown" => "off",
        "citus.log_multi_join_order" => "off",
        "citus.log_intermediate_results" => "off",
        "citus.next_placement_id" => "0",
        "citus.max_adaptive_executor_pool_size" => "16",
        "citus.task_assignment_policy" => "greedy",
        "citus.coordinator_aggregation_strategy" => "row-gather",
        "search_path" => "\"$user\", public",
        "server_version" => "15.18 (Debian 15.18-0+deb12u1)",
        "timezone" | "TimeZone" => "UTC",
        "datestyle" | "DateStyle" => "ISO, MDY",
        "transaction_isolation" => "read committed",
        "default_transaction_isolation" => "read committed",
        "deadlock_timeout" => "1s",
        "statement_timeout" => "0",
        "max_connections" => "100",
        "max_prepared_transactions" => "100",
        "synchronous_standby_names" => "",
        "synchronous_commit" => "on",
        _ => return None,
    })
}

impl Cluster {
    /// A fresh cluster as in the Citus tutorial: a coordinator (127.0.0.1:9700) and two workers
    /// (127.0.0.1:9701, 127.0.0.1:9702).
    pub fn new() -> Self {
        Self::with_workers(2)
    }

    /// A fresh cluster with `workers` workers on ports 9701, 9702, ...
    pub fn with_workers(workers: usize) -> Self {
        Self::with_seed(DEFAULT_SEED, workers)
    }

    /// A fresh cluster whose every random choice comes from `seed`.
    pub fn with_seed(seed: u64, workers: usize) -> Self {
        let epoch = NaiveDate::from_ymd_opt(2026, 1, 23)
            .and_then(|d| d.and_hms_micro_opt(22, 42, 50, 523_619))
            .unwrap_or_default();
        let mut cluster = Cluster {
            catalog: Catalog::default(),
            network: Network::new(seed),
            sessions: BTreeMap::new(),
            next_txn_number: 1,
            next_plan_id: 1,
            epoch,
            ticked_us: 0,
            finished: Vec::new(),
            statements: 0,
            last_recovery_us: 0,
            ha: None,
            losses: Vec::new(),
            unreachable: BTreeMap::new(),
        };
        cluster.add_node_internal(COORDINATOR, "127.0.0.1", 9700, true);
        for i in 0..workers {
            let name = format!("worker-{}", i + 1);
            cluster.add_node_internal(&name, "127.0.0.1", 9701 + i as u16, false);
        }
        cluster
    }

    /// Registers a node in the catalog and starts its server on the network.
    pub(crate) fn add_node_internal(
        &mut self,
        name: &str,
        host: &str,
        port: u16,
        coordinator: bool,
    ) -> i32 {
        let node_id = self.catalog.next_node_id;
        self.catalog.next_node_id += 1;
        let group_id = if coordinator {
            0
        } else {
            let g = self.catalog.next_group_id;
            self.catalog.next_group_id += 1;
            g
        };
        self.catalog.nodes.push(DistNode {
            node_id,
            group_id,
            name: name.to_string(),
            host: host.to_string(),
            port,
            is_active: true,
            should_have_shards: !coordinator,
        });
        self.network.add_node(name, port);
        crate::transaction::recovery::create_records_table(self, name);
        node_id
    }

    /// Simulated microseconds since the cluster started: a second per client statement, plus
    /// whatever `\tick` added.
    pub fn sim_time_us(&self) -> i64 {
        self.statements as i64 * 1_000_137 + self.ticked_us
    }

    /// The logical clock as a timestamp: `now()` advances with every statement.
    pub fn now(&self) -> NaiveDateTime {
        self.epoch + chrono::Duration::microseconds(self.sim_time_us())
    }

    /// A node's database, to look at (planning reads definitions and sizes from it).
    pub fn node_db(&self, name: &str) -> PgResult<&Database> {
        self.network
            .node(name)
            .map(|n| &n.db)
            .ok_or_else(|| PgError::new("08006", format!("node \"{name}\" does not exist")))
    }

    /// Makes a node's created functions part of the catalog until the guard drops (the
    /// coordinator plans with its own).
    pub fn activate_functions(&self, name: &str) -> Option<crate::sql::catalog::user::Active> {
        self.network.node(name).map(|n| n.db.functions.activate())
    }

    /// `host:port` of a node, as Citus names it in error contexts.
    pub fn node_address(&self, name: &str) -> String {
        self.catalog
            .node_by_name(name)
            .map(|n| format!("{}:{}", n.host, n.port))
            .unwrap_or_else(|| name.to_string())
    }

    /// Sizes of every shard placement, as `citus_shards.shard_size` reports them: heap pages of
    /// 8 kB for the rows plus one page for the table's TOAST index.
    pub fn shard_sizes(&self) -> ShardSizes {
        let mut sizes = ShardSizes::new();
        for shard in &self.catalog.shards {
            for (_, node) in self.catalog.shard_placements(shard.shard_id) {
                let rows = self
                    .node_db(&node.name)
                    .ok()
                    .and_then(|db| db.storage.row_count(&shard.name()).ok())
                    .unwrap_or(0);
                let pages = (rows as i64 + 99) / 100;
                sizes.insert((node.name.clone(), shard.shard_id), 8192 * (pages + 1));
            }
        }
        sizes
    }

    /// Every node, coordinator first.
    pub fn nodes(&self) -> Vec<NodeInfo> {
        let mut nodes: Vec<NodeInfo> = self
            .catalog
            .nodes
            .iter()
            .map(|n| {
                let server = self.network.node(&n.name);
                NodeInfo {
                    name: n.name.clone(),
                    host: n.host.clone(),
                    port: n.port,
                    node_id: n.node_id,
                    group_id: n.group_id,
                    is_coordinator: n.is_coordinator(),
                    is_active: n.is_active,
                    is_up: server.is_some_and(|s| s.is_up()),
                    is_cut: self.network.is_cut(&n.name),
                    prepared: server
                        .map(|s| s.prepared.iter().map(|p| p.gid.clone()).collect())
                        .unwrap_or_default(),
                    armed: self
                        .network
                        .armed()
                        .iter()
                        .find(|f| f.node == n.name)
                        .map(|f| f.step.name().to_string()),
                    waits: self
                        .sessions
                        .values()
                        .filter_map(|s| self.wait_info(s))
                        .filter(|w| w.node == n.name)
                        .map(|w| w.brief())
                        .collect(),
                }
            })
            .collect();
        crate::sort::sort_by_key(&mut nodes, |n| (!n.is_coordinator, n.node_id));
        nodes
    }

    /// Every server on the network: the nodes Citus knows (as `nodes()`), then the others
    /// (standbys, an old primary), which have no node id.
    pub fn servers(&self) -> Vec<NodeInfo> {
        let mut out = self.nodes();
        for n in self.network.nodes() {
            if out.iter().any(|o| o.name == n.name) {
                continue;
            }
            out.push(NodeInfo {
                name: n.name.clone(),
                host: "127.0.0.1".into(),
                port: n.port,
                node_id: 0,
                group_id: -1,
                is_coordinator: false,
                is_active: false,
                is_up: n.is_up(),
                is_cut: self.network.is_cut(&n.name),
                prepared: n.prepared_view().iter().map(|p| p.gid.clone()).collect(),
                armed: None,
                waits: Vec::new(),
            });
        }
        out
    }

    /// Every shard, ordered by shard id.
    pub fn shards(&self) -> Vec<ShardInfo> {
        let mut shards: Vec<ShardInfo> = self
            .catalog
            .shards
            .iter()
            .filter_map(|s| {
                let table = self.catalog.table(&s.table)?;
                let nodes: Vec<String> = self
                    .catalog
                    .shard_placements(s.shard_id)
                    .into_iter()
                    .map(|(_, n)| n.name.clone())
                    .collect();
                let row_count = nodes
                    .first()
                    .and_then(|n| self.node_db(n).ok())
                    .and_then(|db| db.storage.row_count(&s.name()).ok())
                    .unwrap_or(0);
                Some(ShardInfo {
                    shard_id: s.shard_id,
                    table: s.table.clone(),
                    shard_name: s.name(),
                    min_value: s.min_value,
                    max_value: s.max_value,
                    colocation_id: table.colocation_id,
                    is_reference: table.is_reference(),
                    nodes,
                    row_count,
                })
            })
            .collect();
        crate::sort::sort_by_key(&mut shards, |s| s.shard_id);
        shards
    }

    /// The relations `\d` lists on the session's node (shards and Citus's catalog stay
    /// hidden, as they are in pg_catalog or hidden by Citus). A worker lists the shell tables
    /// of distributed and reference tables too: it holds the metadata.
    pub fn list_relations(&self, session: SessionId) -> Vec<RelationInfo> {
        let Some(node) = self.sessions.get(&session).map(|s| s.node.clone()) else {
            return Vec::new();
        };
        let Ok(db) = self.node_db(&node) else {
            return Vec::new();
        };
        let shard_names: std::collections::BTreeSet<String> =
            crate::sort::collect_set(self.catalog.shards.iter().map(|s| s.name()));
        let mut out: Vec<RelationInfo> = db
            .storage
            .tables
            .iter()
            .filter(|(t, _)| {
                !shard_names.contains(*t) && !crate::transaction::recovery::is_catalog(t)
            })
            .map(|(t, def)| RelationInfo {
                name: t.clone(),
                kind: if def.is_partitioned() {
                    "partitioned table"
                } else {
                    "table"
                }
                .into(),
            })
            .collect();
        if node != COORDINATOR {
            out.extend(
                self.catalog
                    .tables
                    .iter()
                    .filter(|t| db.table(&t.name).is_none())
                    .map(|t| RelationInfo {
                        name: t.name.clone(),
                        kind: "table".into(),
                    }),
            );
        }
        out.extend(db.sequences.borrow().keys().map(|s| RelationInfo {
            name: s.clone(),
            kind: "sequence".into(),
        }));
        crate::sort::sort_by(&mut out, |a, b| a.name.cmp(&b.name));
        out
    }

    /// A table's definition on the session's node, for `\d TABLE`; `None` if there is none.
    /// A worker describes a Citus table from its shell's definition (the coordinator's).
    pub fn describe_table(
        &self,
        session: SessionId,
        name: &str,
    ) -> PgResult<Option<crate::sql::TableDef>> {
        let node = self
            .sessions
            .get(&session)
            .map(|s| s.node.clone())
            .unwrap_or_else(|| COORDINATOR.to_string());
        let own = self.node_db(&node)?.table(name).cloned();
        if own.is_none() && self.catalog.table(name).is_some() {
            return Ok(self.node_db(COORDINATOR)?.table(name).cloned());
        }
        Ok(own)
    }

    /// The whole trace.
    pub fn trace_events(&self) -> &[TraceEvent] {
        &self.network.trace.events
    }

    /// The messages of the most recent client statement.
    pub fn last_statement_events(&self) -> Vec<TraceEvent> {
        let t = &self.network.trace;
        t.statement_events(t.statement).cloned().collect()
    }

    /// The rows of a shard (or any table) read straight from one node's engine, committed
    /// rows only.
    pub fn node_table_rows(&self, node: &str, table: &str) -> PgResult<ResultSet> {
        let db = self.node_db(node)?;
        let def = db
            .table(table)
            .ok_or_else(|| PgError::undefined_table(table))?;
        Ok(ResultSet {
            columns: def.result_columns(),
            rows: db.storage.scan(table)?,
        })
    }

    /// Forgets the shells a Citus table's name holds on every node (it was dropped, or its
    /// distribution rolled back).
    pub(crate) fn forget_shells(&mut self, table: &str) {
        for n in self.network.nodes_mut() {
            n.db.storage.forget_shell(table);
        }
    }

    /// Every session, in number order.
    pub fn sessions(&self) -> Vec<SessionView> {
        self.sessions.values().map(|s| self.view(s)).collect()
    }

    pub fn session_view(&self, id: SessionId) -> Option<SessionView> {
        self.sessions.get(&id).map(|s| self.view(s))
    }

    fn view(&self, s: &Session) -> SessionView {
        SessionView {
            id: s.id,
            node: s.node.clone(),
            connected: s.backend.is_some(),
            block: self.block_state(s),
            waiting: self.wait_info(s),
        }
    }

    /// The node a session is connected to.
    pub fn session_node(&self, id: SessionId) -> Option<String> {
        self.sessions.get(&id).map(|s| s.node.clone())
    }

    /// Statements that finished in other sessions since the last call (they had waited for a
    /// lock that has now been released).
    pub fn take_finished(&mut self) -> Vec<Finished> {
        std::mem::take(&mut self.finished)
    }
}
