//! The trace: every distributed action as a message between nodes, in logical time. EXPLAIN,
//! the visualisation and the tests all read it.

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
    /// Two-phase commit rounds (PREPARE / COMMIT PREPARED / ROLLBACK PREPARED).
    Prepare,
    CommitPrepared,
    RollbackPrepared,
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
            MessageKind::Prepare => "prepare",
            MessageKind::CommitPrepared => "commit prepared",
            MessageKind::RollbackPrepared => "rollback prepared",
        }
    }
}

/// One message. `from`/`to` are node names (`client`, `coordinator`, `worker-1`, ...).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TraceEvent {
    /// Logical time: strictly increasing across the whole trace.
    pub time: u64,
    /// The client statement this message belongs to (1-based, per cluster).
    pub statement: u64,
    pub from: String,
    pub to: String,
    pub kind: MessageKind,
    pub sql: String,
    pub shard: Option<i64>,
    pub rows: usize,
    /// The 2PC phase or executor phase, when there is one.
    pub phase: Option<String>,
}

/// The recorder the executor writes into.
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

    pub fn record(
        &mut self,
        from: &str,
        to: &str,
        kind: MessageKind,
        sql: impl Into<String>,
        shard: Option<i64>,
        rows: usize,
    ) -> u64 {
        self.clock += 1;
        self.events.push(TraceEvent {
            time: self.clock,
            statement: self.statement,
            from: from.to_string(),
            to: to.to_string(),
            kind,
            sql: sql.into(),
            shard,
            rows,
            phase: None,
        });
        self.clock
    }

    /// The messages of one statement.
    pub fn statement_events(&self, statement: u64) -> impl Iterator<Item = &TraceEvent> {
        self.events.iter().filter(move |e| e.statement == statement)
    }
}
