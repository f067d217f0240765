//! The cluster a learner talks to: a coordinator and workers, each a node with its own SQL
//! engine over GlueSQL storage, plus the Citus metadata, planner and executor between them.

use crate::error::{PgError, PgResult};
use crate::sql::ExecOutput;
use crate::trace::{Trace, TraceEvent};
use std::collections::BTreeMap;

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
}

/// One shard placement with what the map shows.
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

/// A client connection: which node it talks to, and its session settings (`SET citus.…`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Session {
    pub node: String,
    pub settings: BTreeMap<String, String>,
}

/// The simulated cluster.
pub struct Cluster {
    pub trace: Trace,
}

impl Default for Cluster {
    fn default() -> Self {
        Self::new()
    }
}

impl Cluster {
    /// A fresh cluster as in the Citus tutorial: a coordinator (127.0.0.1:9700) and two workers
    /// (127.0.0.1:9701, 127.0.0.1:9702).
    pub fn new() -> Self {
        Cluster {
            trace: Trace::default(),
        }
    }

    /// A session connected to the coordinator.
    pub fn session(&self) -> Session {
        Session {
            node: "coordinator".into(),
            settings: BTreeMap::new(),
        }
    }

    /// Connects a session to a node by name (`worker-1`) or by `host`/`port`.
    pub fn connect(&self, node: &str) -> PgResult<Session> {
        self.find_node(node)
            .map(|n| Session {
                node: n.name,
                settings: BTreeMap::new(),
            })
            .ok_or_else(|| PgError::new("08001", format!("could not connect to node \"{node}\"")))
    }

    pub fn connect_host_port(&self, host: &str, port: u16) -> PgResult<Session> {
        self.nodes()
            .into_iter()
            .find(|n| n.port == port && (n.host == host || host == "localhost"))
            .map(|n| Session {
                node: n.name,
                settings: BTreeMap::new(),
            })
            .ok_or_else(|| {
                PgError::new(
                    "08001",
                    format!("connection to server at \"{host}\", port {port} failed: Connection refused"),
                )
            })
    }

    fn find_node(&self, name: &str) -> Option<NodeInfo> {
        self.nodes().into_iter().find(|n| n.name == name)
    }

    /// Runs ONE SQL statement (the text of a single statement, as psql sends it) in `session`.
    pub fn execute(&mut self, session: &mut Session, sql: &str) -> PgResult<ExecOutput> {
        let _ = (session, sql);
        Err(PgError::unsupported("the cluster is not implemented yet"))
    }

    /// Every node, coordinator first.
    pub fn nodes(&self) -> Vec<NodeInfo> {
        Vec::new()
    }

    /// Every shard placement group, ordered by shard id.
    pub fn shards(&self) -> Vec<ShardInfo> {
        Vec::new()
    }

    /// The relations `\d` lists on the session's node (shards stay hidden, as Citus hides them).
    pub fn list_relations(&self, session: &Session) -> Vec<RelationInfo> {
        let _ = session;
        Vec::new()
    }

    /// A table's definition on the session's node, for `\d TABLE`; `None` if there is none.
    pub fn describe_table(
        &self,
        session: &Session,
        name: &str,
    ) -> PgResult<Option<crate::sql::TableDef>> {
        let _ = (session, name);
        Ok(None)
    }

    /// The whole trace.
    pub fn trace_events(&self) -> &[TraceEvent] {
        &self.trace.events
    }

    /// The messages of the most recent client statement.
    pub fn last_statement_events(&self) -> Vec<TraceEvent> {
        self.trace
            .statement_events(self.trace.statement)
            .cloned()
            .collect()
    }

    /// The rows of a shard (or any table) read straight from one node's engine.
    pub fn node_table_rows(&self, node: &str, table: &str) -> PgResult<crate::sql::ResultSet> {
        let _ = (node, table);
        Err(PgError::undefined_table(table))
    }
}
