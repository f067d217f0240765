//! Citus's connections from a coordinator session to the other nodes: opened on first use,
//! cached across transactions, and the only way a command reaches another node. Network
//! failures become the errors Citus reports; `citus.log_remote_commands` shows each command.

use crate::cluster::Cluster;
use crate::error::{Notice, PgError, PgResult};
use crate::executor::host::ClusterHost;
use crate::network::NetError;
use crate::node::{BackendId, Command};
use crate::session::Session;
use crate::sql::{ExecOutput, ResultSet};
use crate::trace::{Envelope, MessageKind};
use std::collections::BTreeMap;

/// Where a connection's remote transaction is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RemoteTxnState {
    /// No transaction block open on the node (commands autocommit there).
    Idle,
    /// BEGIN was sent.
    Started,
    /// PREPARE TRANSACTION was sent and succeeded.
    Prepared(String),
}

/// One cached connection of a session.
#[derive(Clone, Debug)]
pub struct RemoteConnection {
    pub node: String,
    /// `connectionId`, as `citus.log_remote_commands` prints it.
    pub id: u64,
    pub backend: BackendId,
    pub txn: RemoteTxnState,
    /// It wrote (DML, DDL) in the current transaction: it takes part in 2PC.
    pub modified: bool,
    /// When its remote transaction began (the commit protocol goes in that order).
    pub begun: u64,
    /// A command on it found its server gone, or its server was found gone and it could not
    /// be replaced: it is closed when the transaction ends. An unused cached connection to a
    /// server that went away stays cached, as the client side cannot tell.
    pub closed: bool,
}

/// What a command over a connection is, for the trace.
#[derive(Clone, Debug, Default)]
pub struct Send {
    pub kind: Option<MessageKind>,
    pub shard: Option<i64>,
    pub shards: Vec<i64>,
    pub rows: usize,
    pub phase: Option<&'static str>,
    pub gid: Option<String>,
    /// The command's text when it differs from what the node runs (a long INSERT is shown
    /// with its first rows only).
    pub display: Option<String>,
}

/// `host:port` of a node, as Citus writes it in errors.
pub fn address(cluster: &Cluster, node: &str) -> String {
    cluster.node_address(node)
}

/// `connection to the remote node postgres@H:P failed with the following error: ...`.
pub fn connection_failed(cluster: &Cluster, node: &str, reason: &str) -> PgError {
    PgError::new(
        "08006",
        format!(
            "connection to the remote node postgres@{} failed with the following error: {reason}",
            address(cluster, node)
        ),
    )
}

pub const REFUSED: &str =
    "Connection refused\n\tIs the server running on that host and accepting TCP/IP connections?";

/// What libpq reports when the server side of an open connection went away.
pub const EOF: &str = "SSL SYSCALL error: EOF detected\ninvalid socket";

/// What libpq reports when an open connection's link went silent until keepalives gave up.
pub const TIMED_OUT: &str = "SSL SYSCALL error: Connection timed out";

/// Citus's `citus.node_connection_timeout` (30 s).
pub const CONNECTION_TIMEOUT_MS: u32 = 30_000;

/// The error for a connection that could not be opened.
pub fn open_error(cluster: &Cluster, node: &str, e: NetError) -> PgError {
    match e {
        NetError::TimedOut => PgError::new(
            "08006",
            format!(
                "could not establish any connections to the node {} after {CONNECTION_TIMEOUT_MS} ms",
                address(cluster, node)
            ),
        ),
        NetError::Refused | NetError::Broken => connection_failed(cluster, node, REFUSED),
    }
}

/// The error for a command an open connection could not carry.
pub fn lost_error(cluster: &Cluster, node: &str, e: NetError) -> PgError {
    let text = match e {
        NetError::TimedOut => TIMED_OUT,
        NetError::Refused | NetError::Broken => EOF,
    };
    PgError::new("08006", text).with_context(format!(
        "while executing command on {}",
        address(cluster, node)
    ))
}

impl Cluster {
    /// The session's connection to `node` (an index into `session.connections`), opened if
    /// none is cached. A cached connection whose server went away is noticed and replaced, as
    /// Citus's executor checks a cached socket before reusing it, unless a transaction runs on
    /// it: that transaction is lost with it.
    /// Indexes stay valid while a statement runs: a dead connection is replaced in place.
    pub(crate) fn connection(&mut self, s: &mut Session, node: &str) -> PgResult<usize> {
        let cached = s
            .connections
            .iter()
            .position(|c| c.node == node && !c.closed);
        if let Some(i) = cached {
            let c = &s.connections[i];
            if self.network.alive(node, c.backend) && !self.network.is_cut(node) {
                return Ok(i);
            }
            if c.txn != RemoteTxnState::Idle {
                // The transaction on it is gone; the caller's command fails on it.
                return Ok(i);
            }
        }
        let backend = match self.connect_node(&s.node, node) {
            Ok(b) => b,
            Err(e) => {
                if let Some(i) = cached {
                    s.connections[i].closed = true;
                }
                return Err(open_error(self, node, e));
            }
        };
        let id = s.next_connection_id;
        s.next_connection_id += 1;
        let fresh = RemoteConnection {
            node: node.to_string(),
            id,
            backend,
            txn: RemoteTxnState::Idle,
            modified: false,
            begun: 0,
            closed: false,
        };
        match cached {
            Some(i) => {
                s.connections[i] = fresh;
                Ok(i)
            }
            None => {
                s.connections.push(fresh);
                Ok(s.connections.len() - 1)
            }
        }
    }

    /// The session's connection to `node` for a transaction Citus marks essential (the
    /// metadata sync of `citus_activate_node`): taken from the cache without the executor's
    /// check for a closed socket, so one cached from before its server restarted fails on
    /// first use (see `essential_failure`).
    pub(crate) fn essential_connection(&mut self, s: &mut Session, node: &str) -> PgResult<usize> {
        match s
            .connections
            .iter()
            .position(|c| c.node == node && !c.closed)
        {
            Some(i) => Ok(i),
            None => self.connection(s, node),
        }
    }

    /// A command on an essential connection failed: a lost connection is libpq's message as a
    /// WARNING and Citus's error for the transaction.
    pub(crate) fn essential_failure(&self, s: &mut Session, node: &str, e: PgError) -> PgError {
        if e.sqlstate != "08006" || e.context.is_none() {
            return e;
        }
        s.emit(Notice::warning(e.message.clone()));
        PgError::new(
            "XX000",
            format!(
                "failure on connection marked as essential: {}",
                address(self, node)
            ),
        )
    }

    /// Sends `command` over connection `i` and returns the node's answer. The message and its
    /// answer are in the trace; with `citus.log_remote_commands` the client sees
    /// `issuing ...`. A node error comes back with Citus's `while executing command on`
    /// context; a lock wait comes back as it is.
    pub(crate) fn send_on(
        &mut self,
        s: &mut Session,
        i: usize,
        command: &Command,
        send: Send,
        relations: &BTreeMap<String, ResultSet>,
    ) -> PgResult<ExecOutput> {
        let Some(conn) = s.connections.get(i).cloned() else {
            return Err(PgError::internal("no such connection"));
        };
        if s.logs_remote_commands() {
            let logged = self
                .citus_text(&conn.node, command)
                .unwrap_or_else(|| self.command_text(command));
            s.emit(
                Notice::new(format!("issuing {logged}")).with_detail(format!(
                    "on server postgres@{} connectionId: {}",
                    address(self, &conn.node),
                    conn.id
                )),
            );
        }
        // A long command is shown shortened; the full text is only built when logged.
        let text = match send.display {
            Some(d) => d,
            None => self.command_text(command),
        };
        let mut env = Envelope::new(&s.node, &conn.node, text)
            .session(s.id)
            .shard(send.shard)
            .rows(send.rows);
        for sh in send.shards {
            if !env.shards.contains(&sh) {
                env.shards.push(sh);
            }
        }
        env.phase = send.phase.map(str::to_string);
        env.gid = send.gid;
        env.connection = Some(conn.id);
        let kind = send.kind.unwrap_or(MessageKind::Task);
        let now = self.now();
        let host = ClusterHost::new(&self.catalog, now, relations);
        let delivery = self.network.send(kind, env, conn.backend, command, &host);
        match delivery {
            Err(e) => {
                if let Some(c) = s.connections.get_mut(i) {
                    c.closed = true;
                }
                Err(lost_error(self, &conn.node, e))
            }
            Ok(Ok(out)) => Ok(out),
            Ok(Err(mut e)) => {
                if e.wait.is_none() {
                    // Citus passes a worker's message on, not its position in the task's text
                    e.position = None;
                    // A statement timeout is the coordinator's own cancellation.
                    if e.context.is_none() && !crate::sql::deadline::is_timeout(&e) {
                        e = e.with_context(format!(
                            "while executing command on {}",
                            address(self, &conn.node)
                        ));
                    }
                }
                Err(e)
            }
        }
    }

    /// A command's SQL as the node receives it (and `citus.log_remote_commands` prints it).
    pub(crate) fn command_text(&self, command: &Command) -> String {
        match command {
            Command::Sql(sql) => sql.clone(),
            Command::Statement(stmt) => crate::sql::merge_syntax::unmark(&stmt.to_string()),
            Command::Insert { table, rows } => {
                crate::executor::modify::insert_text(self, table, &rows.borrow(), usize::MAX)
            }
            Command::Control(c) => c.sql(),
            Command::BeginDistributed { id, savepoints } => {
                crate::transaction::begin_text(id, savepoints)
            }
            Command::Metadata { text, .. } => text.clone(),
            Command::PreparedGids { prefix } => format!(
                "SELECT gid FROM pg_prepared_xacts WHERE gid COLLATE pg_catalog.default LIKE '{}%' COLLATE pg_catalog.default AND database = current_database()",
                prefix.replace('_', "\\_")
            ),
        }
    }

    /// A statement task's text as Citus deparses it for a worker (what
    /// `citus.log_remote_commands` prints): operators qualified, shards schema-qualified.
    pub(crate) fn citus_text(&self, node: &str, command: &Command) -> Option<String> {
        self.citus_text_with(node, command, &BTreeMap::new())
    }

    /// `citus_text` for a statement reading the intermediate results in `relations`.
    pub(crate) fn citus_text_with(
        &self,
        node: &str,
        command: &Command,
        relations: &BTreeMap<String, ResultSet>,
    ) -> Option<String> {
        let Command::Statement(stmt) = command else {
            return None;
        };
        let db = self.node_db(node).ok()?;
        let host = ClusterHost::new(&self.catalog, self.now(), relations);
        let ctx = crate::sql::eval::EvalCtx {
            host: &host,
            db,
            subqueries: None,
        };
        let planner = crate::planner::node_plan::NodePlanner::new(&ctx);
        match stmt.as_ref() {
            sqlparser::ast::Statement::Query(q) => Some(crate::planner::worker_sql::task_query(
                &planner, q, None, false,
            )),
            other => crate::planner::worker_sql::modify_text(&planner, other),
        }
    }

    /// Closes every session's cached connections to `server` (`s` is the session at work,
    /// out of the session map while its statement runs): pg_dist_node no longer sends it there.
    pub(crate) fn drop_connections_to(&mut self, s: &mut Session, server: &str) {
        let mut closed = Vec::new();
        for session in std::iter::once(&mut *s).chain(self.sessions.values_mut()) {
            session.connections.retain(|c| {
                let keep = c.node != server;
                if !keep {
                    closed.push(c.backend);
                }
                keep
            });
        }
        for backend in closed {
            self.network.disconnect(server, backend);
        }
    }

    /// Drops the session's closed connections (at the end of a transaction).
    pub(crate) fn forget_closed_connections(&mut self, s: &mut Session) {
        for c in s.connections.iter().filter(|c| c.closed) {
            self.network.disconnect(&c.node, c.backend);
        }
        s.connections.retain(|c| !c.closed);
    }
}
