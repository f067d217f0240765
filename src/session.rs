//! Client sessions: what one psql connection holds. Each is a backend on the node it is
//! connected to, with its settings, its transaction block and, on the coordinator, Citus's
//! distributed transaction and cached connections to the other nodes.

use crate::error::{Notice, PgError, PgResult, Severity};
use crate::node::BackendId;
use crate::sql::ExecOutput;
use crate::transaction::{DistTxn, RemoteConnection};
use std::collections::BTreeMap;

/// A session's number: `\session 2` switches to session 2.
pub type SessionId = u32;

/// psql's transaction status (`%x` in its prompt): nothing, `*` or `!`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum BlockState {
    #[default]
    Idle,
    InBlock,
    Failed,
}

impl BlockState {
    /// The character psql's prompt shows for it.
    pub fn prompt_marker(self) -> &'static str {
        match self {
            BlockState::Idle => "",
            BlockState::InBlock => "*",
            BlockState::Failed => "!",
        }
    }
}

/// A statement that has not finished for the client.
#[derive(Clone, Debug)]
pub struct Waiting {
    /// The statement as the client sent it.
    pub sql: String,
    /// The node it waits on.
    pub node: String,
    pub on: WaitOn,
    /// When the wait began (trace time).
    pub since: u64,
}

/// What a waiting statement waits for.
#[derive(Clone, Debug)]
pub enum WaitOn {
    /// A row lock: transaction `holder` (on the wait's node) holds a row of `relation`;
    /// `resume` carries on once it ends.
    Lock {
        holder: crate::sql::storage::Xid,
        relation: String,
        resume: crate::executor::Resume,
    },
    /// The node's synchronous standbys to confirm its WAL up to `lsn`. The statement has
    /// committed; its reply goes to the client once they do (or the wait is cancelled).
    /// `port` is the server's: if it goes away first, the client never learns the outcome.
    SyncRep {
        lsn: crate::replication::wal::Lsn,
        port: u16,
        reply: Box<Reply>,
    },
}

/// What a session's waiting statement waits for, as the UI and the runner describe it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WaitInfo {
    pub session: SessionId,
    pub sql: String,
    pub node: String,
    pub relation: String,
    /// The session whose transaction holds the lock, when it is one.
    pub holder_session: Option<SessionId>,
    /// The prepared transaction holding the lock, when it is one.
    pub holder_gid: Option<String>,
    /// For a commit waiting for synchronous standbys: the WAL position they must confirm.
    pub sync_lsn: Option<String>,
}

impl WaitInfo {
    /// `-- session 2 waits for session 1 (row lock in accounts_102008 on worker-1)`.
    pub fn describe(&self) -> String {
        if let Some(lsn) = &self.sync_lsn {
            return format!(
                "session {} waits for the synchronous standbys of {} to confirm WAL {lsn}",
                self.session, self.node
            );
        }
        let holder = match (&self.holder_session, &self.holder_gid) {
            (Some(s), _) => format!("session {s}"),
            (None, Some(g)) => format!("prepared transaction '{g}'"),
            (None, None) => "another transaction".to_string(),
        };
        format!(
            "session {} waits for {holder} (row lock in {} on {})",
            self.session, self.relation, self.node
        )
    }

    /// The short form a node's box shows: `session 2 for citus_0_20221_5_6`.
    pub fn brief(&self) -> String {
        if self.sync_lsn.is_some() {
            return format!("session {} for its sync standby", self.session);
        }
        let holder = match (&self.holder_session, &self.holder_gid) {
            (Some(s), _) => format!("session {s}"),
            (None, Some(g)) => g.clone(),
            (None, None) => "another transaction".to_string(),
        };
        format!("session {} for {holder}", self.session)
    }
}

/// What a statement sent to the cluster came to.
#[derive(Clone, Debug)]
pub enum Completion {
    Done(PgResult<ExecOutput>),
    /// The statement waits for a lock; it completes later (see `Cluster::take_completions`).
    Waiting(WaitInfo),
}

/// The server's answer to one statement: messages before the result, the result, and
/// messages sent after it (an abort's `issuing ROLLBACK PREPARED` follows its ERROR).
#[derive(Clone, Debug)]
pub struct Reply {
    pub before: Vec<Notice>,
    pub completion: Completion,
    pub after: Vec<Notice>,
}

impl Reply {
    pub fn done(result: PgResult<ExecOutput>) -> Self {
        Reply {
            before: Vec::new(),
            completion: Completion::Done(result),
            after: Vec::new(),
        }
    }

    /// The result, for callers that only want it (tests, the bench); a waiting statement is
    /// an error here.
    pub fn into_result(self) -> PgResult<ExecOutput> {
        match self.completion {
            Completion::Done(Ok(mut out)) => {
                let mut notices = self.before;
                notices.append(&mut out.notices);
                out.notices = notices;
                Ok(out)
            }
            Completion::Done(Err(e)) => Err(e),
            Completion::Waiting(w) => Err(PgError::new("55P03", w.describe())),
        }
    }
}

/// A statement that finished while its session was not the one being driven (it had been
/// waiting for a lock).
#[derive(Clone, Debug)]
pub struct Finished {
    pub session: SessionId,
    pub sql: String,
    pub reply: Reply,
}

pub struct Session {
    pub id: SessionId,
    /// The node the client is connected to.
    pub node: String,
    /// Its backend there; `None` once the connection is lost (the node went down).
    pub backend: Option<BackendId>,
    pub settings: BTreeMap<String, String>,
    /// On the coordinator: the distributed transaction in progress (a block or one statement).
    pub txn: Option<DistTxn>,
    /// Citus's connections from this session to other nodes, cached across transactions.
    pub connections: Vec<RemoteConnection>,
    /// `connectionId` of the next connection opened (per backend, from 1).
    pub next_connection_id: u64,
    /// The last number of a prepared transaction's gid (per backend, never reset).
    pub prepared_count: u32,
    pub waiting: Option<Waiting>,
    /// Messages for the client gathered while a statement runs.
    pub notices: Vec<Notice>,
    /// The statement running (what a lock wait shows).
    pub current_sql: String,
    /// Its server went away; the client has not been told yet.
    pub lost: bool,
    /// PREPAREd statements by name (they live as long as the session).
    pub prepared_statements: BTreeMap<String, PreparedStatement>,
}

/// A statement PREPAREd in a session.
#[derive(Clone, Debug)]
pub struct PreparedStatement {
    /// The declared parameter types (fewer than the parameters when some are inferred).
    pub param_types: Vec<sqlparser::ast::DataType>,
    /// How many arguments EXECUTE must pass.
    pub param_count: usize,
    pub statement: sqlparser::ast::Statement,
}

impl Session {
    pub fn new(id: SessionId, node: &str, backend: Option<BackendId>) -> Self {
        Session {
            id,
            node: node.to_string(),
            backend,
            settings: BTreeMap::new(),
            txn: None,
            connections: Vec::new(),
            next_connection_id: 1,
            prepared_count: 0,
            waiting: None,
            notices: Vec::new(),
            current_sql: String::new(),
            lost: false,
            prepared_statements: BTreeMap::new(),
        }
    }

    /// Sends a message to the client if `client_min_messages` lets it through.
    pub fn emit(&mut self, notice: Notice) {
        let setting = crate::executor::settings::get(self, "client_min_messages")
            .unwrap_or_else(|| "notice".into());
        if notice.severity >= Severity::threshold(&setting) {
            self.notices.push(notice);
        }
    }

    /// Whether `citus.log_remote_commands` is on.
    pub fn logs_remote_commands(&self) -> bool {
        crate::executor::settings::is_on(self, "citus.log_remote_commands")
    }
}
