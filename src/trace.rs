//! The trace: every distributed action as a message between nodes, in logical time. It is the
//! network's tap (`network::Network` records every message it carries); EXPLAIN, the
//! visualisation and the tests all read it.

use serde::{Deserialize, Serialize};

/// What a message does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum MessageKind {
    /// A statement arrives from the client at the node the session is connected to.
    ClientQuery,
    /// Coordinator → worker: a task (SQL on one shard, or DDL creating a shard).
    Task,
    /// Worker → coordinator: a task's rows or command tag.
    TaskResult,
    /// Worker → coordinator: a task failed.
    TaskError,
    /// Coordinator: the combine step over `remote_scan`.
    Combine,
    /// Coordinator → worker: metadata or DDL propagation (not a shard task).
    Ddl,
    /// Coordinator → worker: rows copied into a shard (distributing a table, COPY-like inserts).
    Copy,
    /// Coordinator → client: the final result.
    ClientResult,
    /// Coordinator → worker: `BEGIN ...; SELECT assign_distributed_transaction_id(...)`.
    Begin,
    /// Coordinator → worker: one-phase `COMMIT`.
    Commit,
    /// Coordinator → worker: `ROLLBACK`.
    Rollback,
    /// Two-phase commit rounds (PREPARE / COMMIT PREPARED / ROLLBACK PREPARED).
    Prepare,
    CommitPrepared,
    RollbackPrepared,
    /// Coordinator → worker: `SAVEPOINT`, `ROLLBACK TO SAVEPOINT`, `RELEASE SAVEPOINT`.
    Savepoint,
    /// The coordinator's own commit: the 2PC decision, with its `pg_dist_transaction` records.
    Decision,
    /// A node answers that the statement waits for another transaction's row lock.
    LockWait,
    /// A message that never arrived: the node is down or the link is cut.
    Lost,
    /// Two-phase commit recovery and the maintenance daemon's other work.
    Recovery,
    /// Something done to the cluster from outside: a crash, a restart, a cut link, an armed
    /// fault firing, a distributed deadlock being broken.
    Fault,
    /// Primary → standby: WAL records streamed (or the base backup a standby starts from).
    Wal,
    /// The HA manager: leader leases, an election, a promotion, the catalog change.
    Ha,
}

impl MessageKind {
    pub fn label(self) -> &'static str {
        match self {
            MessageKind::ClientQuery => "query",
            MessageKind::Task => "task",
            MessageKind::TaskResult => "result",
            MessageKind::TaskError => "error",
            MessageKind::Combine => "combine",
            MessageKind::Ddl => "ddl",
            MessageKind::Copy => "copy",
            MessageKind::ClientResult => "client result",
            MessageKind::Begin => "begin",
            MessageKind::Commit => "commit",
            MessageKind::Rollback => "rollback",
            MessageKind::Prepare => "prepare",
            MessageKind::CommitPrepared => "commit prepared",
            MessageKind::RollbackPrepared => "rollback prepared",
            MessageKind::Savepoint => "savepoint",
            MessageKind::Decision => "commit decision",
            MessageKind::LockWait => "lock wait",
            MessageKind::Lost => "lost",
            MessageKind::Recovery => "recovery",
            MessageKind::Fault => "fault",
            MessageKind::Wal => "wal",
            MessageKind::Ha => "ha",
        }
    }

    /// Messages of the transaction protocol (begin, 2PC rounds, the decision).
    pub fn is_transaction(self) -> bool {
        matches!(
            self,
            MessageKind::Begin
                | MessageKind::Commit
                | MessageKind::Rollback
                | MessageKind::Prepare
                | MessageKind::CommitPrepared
                | MessageKind::RollbackPrepared
                | MessageKind::Savepoint
                | MessageKind::Decision
        )
    }
}

/// One message. `from`/`to` are node names (`client`, `coordinator`, `worker-1`, ...).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TraceEvent {
    /// Logical time: strictly increasing across the whole trace.
    pub time: u64,
    /// The client statement this message belongs to (1-based, per cluster).
    pub statement: u64,
    /// The client session the message works for (0: the maintenance daemon or the operator).
    pub session: u32,
    pub from: String,
    pub to: String,
    pub kind: MessageKind,
    pub sql: String,
    /// The shard the task is anchored on.
    pub shard: Option<i64>,
    /// Every shard the task reads or writes (a co-located join names several).
    pub shards: Vec<i64>,
    pub rows: usize,
    /// The 2PC or executor phase, when there is one (`prepare`, `decision`, ...).
    pub phase: Option<String>,
    /// The prepared transaction's gid, for 2PC messages.
    pub gid: Option<String>,
    /// Citus's connection id (`connectionId` in `citus.log_remote_commands` output).
    pub connection: Option<u64>,
}

/// A message about to be recorded: everything but its time and statement.
#[derive(Clone, Debug, Default)]
pub struct Envelope {
    pub session: u32,
    pub from: String,
    pub to: String,
    pub sql: String,
    pub shard: Option<i64>,
    pub shards: Vec<i64>,
    pub rows: usize,
    pub phase: Option<String>,
    pub gid: Option<String>,
    pub connection: Option<u64>,
}

impl Envelope {
    pub fn new(from: &str, to: &str, sql: impl Into<String>) -> Self {
        Envelope {
            from: from.to_string(),
            to: to.to_string(),
            sql: sql.into(),
            ..Envelope::default()
        }
    }

    pub fn shard(mut self, shard: Option<i64>) -> Self {
        self.shard = shard;
        if let Some(s) = shard {
            if !self.shards.contains(&s) {
                self.shards.push(s);
            }
        }
        self
    }

    pub fn rows(mut self, rows: usize) -> Self {
        self.rows = rows;
        self
    }

    pub fn session(mut self, session: u32) -> Self {
        self.session = session;
        self
    }

    /// The reply's envelope: the same message, the other way.
    pub fn reply(&self, sql: impl Into<String>, rows: usize) -> Envelope {
        Envelope {
            session: self.session,
            from: self.to.clone(),
            to: self.from.clone(),
            sql: sql.into(),
            shard: self.shard,
            shards: self.shards.clone(),
            rows,
            phase: self.phase.clone(),
            gid: self.gid.clone(),
            connection: self.connection,
        }
    }
}

/// A statement shortened for showing: its first 400 characters, then how long it was.
pub fn shorten(text: &str) -> String {
    const KEEP: usize = 400;
    match text.char_indices().nth(KEEP) {
        None => text.to_string(),
        Some((cut, _)) => format!("{}... ({} bytes in all)", &text[..cut], text.len()),
    }
}

/// The recorder the network writes into.
#[derive(Clone, Debug, Default)]
pub struct Trace {
    pub events: Vec<TraceEvent>,
    pub clock: u64,
    pub statement: u64,
}

impl Trace {
    /// Starts the next client statement; returns its number.
    pub fn begin_statement(&mut self) -> u64 {
        self.statement += 1;
        self.statement
    }

    /// Records a message.
    pub fn push(&mut self, kind: MessageKind, e: Envelope) -> u64 {
        self.clock += 1;
        self.events.push(TraceEvent {
            time: self.clock,
            statement: self.statement,
            session: e.session,
            from: e.from,
            to: e.to,
            kind,
            sql: e.sql,
            shard: e.shard,
            shards: e.shards,
            rows: e.rows,
            phase: e.phase,
            gid: e.gid,
            connection: e.connection,
        });
        self.clock
    }

    /// Records a message with nothing but its endpoints, text, shard and row count.
    pub fn record(
        &mut self,
        from: &str,
        to: &str,
        kind: MessageKind,
        sql: impl Into<String>,
        shard: Option<i64>,
        rows: usize,
    ) -> u64 {
        self.push(kind, Envelope::new(from, to, sql).shard(shard).rows(rows))
    }

    /// The messages of one statement. Events are recorded in statement order (a statement's
    /// number only grows), so they are found by binary search, not by reading the whole trace.
    pub fn statement_events(&self, statement: u64) -> impl Iterator<Item = &TraceEvent> {
        let start = self.events.partition_point(|e| e.statement < statement);
        self.events
            .get(start..)
            .unwrap_or_default()
            .iter()
            .take_while(move |e| e.statement == statement)
    }
}
