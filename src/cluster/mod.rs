//! The cluster a learner talks to: a coordinator and workers, each a node with its own SQL
//! engine over GlueSQL storage, plus the Citus metadata, planner and executor between them.

use crate::error::{PgError, PgResult};
use crate::executor::host::{ClusterHost, ShardSizes};
use crate::metadata::{Catalog, DistNode};
use crate::sql::dml::literal_insert::{self, LiteralInsert};
use crate::sql::{analyze, parse_sql, Database, ExecOutput, ResultSet};
use crate::trace::{MessageKind, Trace, TraceEvent};
use chrono::{NaiveDate, NaiveDateTime};
use sqlparser::ast::Statement;
use std::collections::BTreeMap;

pub const COORDINATOR: &str = "coordinator";
pub const CLIENT: &str = "client";

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

/// A client connection: which node it talks to, and its session settings (`SET citus.…`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Session {
    pub node: String,
    pub settings: BTreeMap<String, String>,
}

/// A node of the cluster: its name and its database.
pub struct Node {
    pub name: String,
    pub db: Database,
}

/// The simulated cluster.
pub struct Cluster {
    pub catalog: Catalog,
    pub nodes: Vec<Node>,
    pub trace: Trace,
    /// Cluster-wide settings changed with `SET` persist per session; these are the defaults.
    epoch: NaiveDateTime,
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
        "client_min_messages" => "notice",
        "search_path" => "\"$user\", public",
        "server_version" => "15.18 (Debian 15.18-0+deb12u1)",
        "timezone" | "TimeZone" => "UTC",
        "datestyle" | "DateStyle" => "ISO, MDY",
        "transaction_isolation" => "read committed",
        "max_connections" => "100",
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
        let epoch = NaiveDate::from_ymd_opt(2026, 1, 23)
            .and_then(|d| d.and_hms_micro_opt(22, 42, 50, 523_619))
            .unwrap_or_default();
        let mut cluster = Cluster {
            catalog: Catalog::default(),
            nodes: Vec::new(),
            trace: Trace::default(),
            epoch,
        };
        cluster.add_node_internal(COORDINATOR, "127.0.0.1", 9700, true);
        for i in 0..workers {
            let name = format!("worker-{}", i + 1);
            cluster.add_node_internal(&name, "127.0.0.1", 9701 + i as u16, false);
        }
        cluster
    }

    /// Registers a node in the catalog and gives it an empty database.
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
        self.nodes.push(Node {
            name: name.to_string(),
            db: Database::new(),
        });
        node_id
    }

    /// The logical clock as a timestamp: `now()` advances with every statement.
    pub fn now(&self) -> NaiveDateTime {
        self.epoch + chrono::Duration::microseconds(self.trace.statement as i64 * 1_000_137)
    }

    /// A session connected to the coordinator.
    pub fn session(&self) -> Session {
        Session {
            node: COORDINATOR.into(),
            settings: BTreeMap::new(),
        }
    }

    /// Connects a session to a node by name (`worker-1`).
    pub fn connect(&self, node: &str) -> PgResult<Session> {
        self.catalog
            .node_by_name(node)
            .map(|n| Session {
                node: n.name.clone(),
                settings: BTreeMap::new(),
            })
            .ok_or_else(|| PgError::new("08001", format!("could not connect to node \"{node}\"")))
    }

    /// Connects by host and port, as `\c - - 127.0.0.1 9701` does.
    pub fn connect_host_port(&self, host: &str, port: u16) -> PgResult<Session> {
        self.catalog
            .nodes
            .iter()
            .find(|n| n.port == port && (n.host == host || host == "localhost"))
            .map(|n| Session {
                node: n.name.clone(),
                settings: BTreeMap::new(),
            })
            .ok_or_else(|| {
                PgError::new(
                    "08001",
                    format!("connection to server at \"{host}\", port {port} failed: Connection refused"),
                )
            })
    }

    pub(crate) fn node_index(&self, name: &str) -> PgResult<usize> {
        self.nodes
            .iter()
            .position(|n| n.name == name)
            .ok_or_else(|| PgError::new("08006", format!("node \"{name}\" does not exist")))
    }

    pub fn node_db(&self, name: &str) -> PgResult<&Database> {
        Ok(&self.nodes[self.node_index(name)?].db)
    }

    /// `host:port` of a node, as Citus names it in error contexts.
    pub fn node_address(&self, name: &str) -> String {
        self.catalog
            .node_by_name(name)
            .map(|n| format!("{}:{}", n.host, n.port))
            .unwrap_or_else(|| name.to_string())
    }

    /// Runs the statement(s) of `sql` in `session` and returns the last one's output.
    pub fn execute(&mut self, session: &mut Session, sql: &str) -> PgResult<ExecOutput> {
        if let Some(out) = crate::executor::settings::reset(session, sql) {
            self.trace.begin_statement();
            return out;
        }
        if let Some(insert) = self.bulk_insert(session, sql) {
            let text = sql.trim().trim_end_matches(';').to_string();
            return self
                .client_statement(session, text, |c, _| c.execute_literal_insert(insert))
                .map_err(|e| self.placed(sql, e));
        }
        let statements = parse_sql(sql)?;
        let mut last = ExecOutput::command("");
        for (index, stmt) in statements.iter().enumerate() {
            last = self.client_statement(session, stmt.to_string(), |c, s| {
                c.analyze(&s.node, stmt)
                    .map_err(|f| f.into_error(sql, index, stmt))?;
                c.execute_statement(s, stmt)
            })?;
        }
        Ok(last)
    }

    /// Parse analysis on the node the client is connected to: names are resolved against its
    /// catalog (a coordinator's shell tables for Citus tables) before anything runs.
    fn analyze(&self, node: &str, stmt: &Statement) -> Result<(), analyze::Failure> {
        let db = self
            .node_db(node)
            .map_err(|e| analyze::Failure::new(e, None))?;
        let relations = BTreeMap::new();
        let host = ClusterHost::new(&self.catalog, self.now(), &relations);
        analyze::statement(stmt, db, &host)
    }

    /// An error of the bulk-load path with the position parse analysis finds for it (that path
    /// reads the statement without a syntax tree).
    fn placed(&self, sql: &str, e: PgError) -> PgError {
        let Ok(statements) = parse_sql(sql) else {
            return e;
        };
        let [stmt] = statements.as_slice() else {
            return e;
        };
        match self.analyze(COORDINATOR, stmt) {
            Err(f) if f.error.message == e.message => f.into_error(sql, 0, stmt),
            _ => e,
        }
    }

    /// A literal-only INSERT into a Citus table sent to the coordinator: the bulk-load path.
    fn bulk_insert(&self, session: &Session, sql: &str) -> Option<LiteralInsert> {
        if session.node != COORDINATOR {
            return None;
        }
        literal_insert::parse(sql).filter(|ins| self.catalog.table(&ins.table).is_some())
    }

    /// One client statement: its messages in the trace, run atomically across the nodes.
    fn client_statement(
        &mut self,
        session: &mut Session,
        text: String,
        run: impl FnOnce(&mut Cluster, &mut Session) -> PgResult<ExecOutput>,
    ) -> PgResult<ExecOutput> {
        self.trace.begin_statement();
        self.trace.record(
            CLIENT,
            &session.node,
            MessageKind::ClientQuery,
            text,
            None,
            0,
        );
        let result = self.atomically(session, run);
        let rows = match &result {
            Ok(ExecOutput {
                outcome: crate::sql::Outcome::Rows(rs),
                ..
            }) => rs.rows.len(),
            _ => 0,
        };
        let kind = if result.is_ok() {
            MessageKind::ClientResult
        } else {
            MessageKind::TaskError
        };
        let text = match &result {
            Ok(out) => match &out.outcome {
                crate::sql::Outcome::Rows(_) => format!("{rows} rows"),
                crate::sql::Outcome::Command(tag) => tag.clone(),
            },
            Err(e) => e.message.clone(),
        };
        self.trace
            .record(&session.node, CLIENT, kind, text, None, rows);
        result
    }

    /// Runs one statement so that it takes effect on every node or on none: a multi-shard
    /// INSERT, UPDATE or DELETE that fails on one shard leaves no rows behind on the others.
    fn atomically(
        &mut self,
        session: &mut Session,
        run: impl FnOnce(&mut Cluster, &mut Session) -> PgResult<ExecOutput>,
    ) -> PgResult<ExecOutput> {
        let marks: Vec<_> = self
            .nodes
            .iter_mut()
            .map(|n| n.db.storage.begin())
            .collect();
        let result = run(self, session);
        let mut undo_failure = None;
        for (node, mark) in self.nodes.iter_mut().zip(marks) {
            if result.is_ok() {
                node.db.storage.release(mark);
            } else if let Err(e) = node.db.storage.rollback_to(mark) {
                undo_failure.get_or_insert(e);
            }
        }
        match undo_failure {
            Some(e) => Err(e),
            None => result,
        }
    }

    fn execute_statement(
        &mut self,
        session: &mut Session,
        stmt: &Statement,
    ) -> PgResult<ExecOutput> {
        if let Some(out) = crate::executor::settings::execute(session, stmt)? {
            return Ok(out);
        }
        if session.node == COORDINATOR {
            crate::executor::coordinator::execute(self, session, stmt)
        } else {
            let node = session.node.clone();
            self.run_local(&node, stmt, &BTreeMap::new())
        }
    }

    /// Runs a statement on one node's engine as that node's own client would.
    pub(crate) fn run_local(
        &mut self,
        node: &str,
        stmt: &Statement,
        relations: &BTreeMap<String, ResultSet>,
    ) -> PgResult<ExecOutput> {
        let idx = self.node_index(node)?;
        let sizes = if node == COORDINATOR {
            Some(self.shard_sizes())
        } else {
            None
        };
        let host = ClusterHost {
            catalog: &self.catalog,
            now: self.now(),
            relations,
            sizes: sizes.as_ref(),
        };
        self.nodes[idx].db.execute(stmt, &host)
    }

    /// Sizes of every shard placement, as `citus_shards.shard_size` reports them: heap pages of
    /// 8 kB for the rows plus one page for the table's TOAST index.
    pub fn shard_sizes(&self) -> ShardSizes {
        let mut sizes = ShardSizes::new();
        for shard in &self.catalog.shards {
            for (_, node) in self.catalog.shard_placements(shard.shard_id) {
                let rows = self
                    .node_index(&node.name)
                    .ok()
                    .and_then(|i| self.nodes[i].db.storage.row_count(&shard.name()).ok())
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
            .map(|n| NodeInfo {
                name: n.name.clone(),
                host: n.host.clone(),
                port: n.port,
                node_id: n.node_id,
                group_id: n.group_id,
                is_coordinator: n.is_coordinator(),
                is_active: n.is_active,
            })
            .collect();
        nodes.sort_by_key(|n| (!n.is_coordinator, n.node_id));
        nodes
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
        shards.sort_by_key(|s| s.shard_id);
        shards
    }

    /// The relations `\d` lists on the session's node (shards stay hidden, as Citus hides them).
    pub fn list_relations(&self, session: &Session) -> Vec<RelationInfo> {
        let Ok(db) = self.node_db(&session.node) else {
            return Vec::new();
        };
        let shard_names: std::collections::BTreeSet<String> =
            self.catalog.shards.iter().map(|s| s.name()).collect();
        let mut out: Vec<RelationInfo> = db
            .storage
            .tables
            .keys()
            .filter(|t| !shard_names.contains(*t))
            .map(|t| RelationInfo {
                name: t.clone(),
                kind: "table".into(),
            })
            .collect();
        out.extend(db.sequences.borrow().keys().map(|s| RelationInfo {
            name: s.clone(),
            kind: "sequence".into(),
        }));
        out.sort_by(|a, b| a.name.cmp(&b.name));
        out
    }

    /// A table's definition on the session's node, for `\d TABLE`; `None` if there is none.
    pub fn describe_table(
        &self,
        session: &Session,
        name: &str,
    ) -> PgResult<Option<crate::sql::TableDef>> {
        Ok(self.node_db(&session.node)?.table(name).cloned())
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
    pub fn node_table_rows(&self, node: &str, table: &str) -> PgResult<ResultSet> {
        let db = self.node_db(node)?;
        let def = db
            .table(table)
            .ok_or_else(|| PgError::undefined_table(table))?;
        Ok(ResultSet {
            columns: def
                .columns
                .iter()
                .map(|c| crate::sql::Column::new(c.name.clone(), c.ty.clone()))
                .collect(),
            rows: db.storage.scan(table)?,
        })
    }
}
