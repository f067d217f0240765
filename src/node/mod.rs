//! A node: one PostgreSQL server of the cluster, with its own storage, its backends (one per
//! connection: a client's, or a connection the coordinator opened to it), their transactions,
//! and its prepared transactions. It only ever acts on a command delivered to one of its
//! backends; the network is the only caller.

pub mod backend;
pub(crate) mod catalog;
pub mod conf;
pub mod recovery;

use crate::error::{Notice, PgError, PgResult};
use crate::sql::storage::{UndoMark, Xid};
use crate::sql::{parse_sql, Database, ExecOutput, Host};
use crate::transaction::control::{self, TxnControl};
use crate::transaction::DistTxnId;
pub use backend::{Backend, BackendId, Xact};
use chrono::NaiveDateTime;
use std::collections::BTreeMap;

/// Whether the server is running.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NodeState {
    Up,
    /// Stopped without a clean shutdown: connections are gone, open transactions lost.
    Crashed,
}

/// A prepared transaction (`pg_prepared_xacts`): its changes and row locks survive until
/// COMMIT PREPARED or ROLLBACK PREPARED, across crashes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PreparedXact {
    pub gid: String,
    pub xid: Xid,
    pub prepared_at: NaiveDateTime,
    /// The distributed transaction the branch belongs to, when a coordinator prepared it.
    pub dist: Option<DistTxnId>,
}

/// What a node sends back for one command.
pub type NodeReply = PgResult<ExecOutput>;

/// A command delivered to a backend.
#[derive(Clone, Debug, PartialEq)]
pub enum Command {
    /// SQL text, parsed and run by the node (what a client typed, DDL, a function call).
    Sql(String),
    /// A statement already parsed: a task's query or modification on its shards.
    Statement(Box<sqlparser::ast::Statement>),
    /// Rows for one table, as a COPY or multi-row INSERT sends them. The node takes them
    /// out once it knows no lock stops the insert, so a statement that has to wait keeps them.
    Insert {
        table: String,
        rows: std::cell::RefCell<Vec<Vec<crate::types::Value>>>,
    },
    /// A transaction-control statement.
    Control(TxnControl),
    /// BEGIN with Citus's distributed transaction id, replaying the savepoints the
    /// coordinator's transaction has open.
    BeginDistributed {
        id: DistTxnId,
        savepoints: Vec<String>,
    },
    /// The gids of prepared transactions whose gid starts with `prefix` (recovery's query).
    PreparedGids { prefix: String },
    /// Metadata sync: a Citus table's shell appears on (or leaves) the node. `text` is the
    /// call Citus makes for it.
    Metadata {
        change: MetadataChange,
        text: String,
    },
}

/// A change to the Citus metadata a node keeps.
#[derive(Clone, Debug, PartialEq)]
pub enum MetadataChange {
    /// The shell of a distributed or reference table (its name gets an OID on the node).
    AddShell(Box<crate::sql::TableDef>),
    RemoveShell(String),
}

pub struct NodeServer {
    pub name: String,
    /// The port it listens on (the host is always 127.0.0.1).
    pub port: u16,
    pub state: NodeState,
    pub db: Database,
    backends: BTreeMap<BackendId, Backend>,
    pub prepared: Vec<PreparedXact>,
    next_backend: BackendId,
    next_xid: Xid,
    next_pid: i32,
    /// Its write-ahead log, its walsenders (as a primary) and its recovery (as a standby).
    pub wal: crate::replication::wal::Wal,
    pub senders: Vec<recovery::WalSender>,
    pub recovery: Option<recovery::Recovery>,
    /// The objects outside tables as the last WAL record carrying them had them.
    objects_logged: Option<crate::replication::wal::Objects>,
    /// The logical clock as the last command saw it (WAL records are stamped with it).
    clock: NaiveDateTime,
    pub conf: conf::ServerConf,
}

fn aborted_block() -> PgError {
    PgError::new(
        "25P02",
        "current transaction is aborted, commands ignored until end of transaction block",
    )
}

fn only_in_block(what: &str) -> PgError {
    PgError::new(
        "25P01",
        format!("{what} can only be used in transaction blocks"),
    )
}

fn no_savepoint(name: &str) -> PgError {
    PgError::new("3B001", format!("savepoint \"{name}\" does not exist"))
}

fn no_prepared(gid: &str) -> PgError {
    PgError::new(
        "42704",
        format!("prepared transaction with identifier \"{gid}\" does not exist"),
    )
}

fn output(tag: &str, notices: Vec<Notice>) -> ExecOutput {
    ExecOutput {
        notices,
        ..ExecOutput::command(tag)
    }
}

impl NodeServer {
    /// A fresh server; `first_pid` seeds its backends' process ids, `first_xid` its
    /// transaction ids.
    pub fn new(name: &str, port: u16, first_pid: i32, first_xid: Xid) -> Self {
        NodeServer {
            name: name.to_string(),
            port,
            state: NodeState::Up,
            db: Database::new(),
            backends: BTreeMap::new(),
            prepared: Vec::new(),
            next_backend: 1,
            next_xid: first_xid,
            next_pid: first_pid,
            wal: Default::default(),
            senders: Vec::new(),
            recovery: None,
            objects_logged: None,
            clock: NaiveDateTime::default(),
            conf: Default::default(),
        }
    }

    /// A new process id for a server process that is not a client backend (a walsender).
    pub fn next_process_id(&mut self) -> i32 {
        let pid = self.next_pid;
        self.next_pid += 2;
        pid
    }

    pub fn is_up(&self) -> bool {
        self.state == NodeState::Up
    }

    /// A new connection from `peer` (`client` or a node): a backend process with its own pid.
    pub fn open_backend(&mut self, peer: &str) -> BackendId {
        let id = self.next_backend;
        self.next_backend += 1;
        let pid = self.next_pid;
        self.next_pid += 1 + (id as i32 % 7);
        self.backends.insert(id, Backend::new(pid, peer));
        id
    }

    /// The link to the other nodes went down: connections they opened here are gone (their
    /// open transactions roll back); clients connected directly stay.
    pub fn drop_connections(&mut self) {
        self.drop_where(|b| b.peer != crate::cluster::CLIENT);
    }

    /// The node `peer` went away: the connections it had opened here close.
    pub fn drop_connections_from(&mut self, peer: &str) {
        self.drop_where(|b| b.peer == peer);
    }

    fn drop_where(&mut self, which: impl Fn(&Backend) -> bool) {
        let ids: Vec<BackendId> = self
            .backends
            .iter()
            .filter(|(_, b)| which(b))
            .map(|(id, _)| *id)
            .collect();
        for id in ids {
            self.close_backend(id);
        }
    }

    /// The statement a backend was waiting in is cancelled: a transaction block fails.
    pub fn cancel_statement(&mut self, id: BackendId) {
        if self
            .backends
            .get(&id)
            .and_then(|b| b.xact.as_ref())
            .is_some_and(|x| x.explicit && !x.failed)
        {
            self.fail_xact(id);
        }
    }

    /// The connection closed: an open transaction is rolled back (a prepared one stays).
    pub fn close_backend(&mut self, id: BackendId) {
        if let Some(b) = self.backends.remove(&id) {
            if let Some(x) = b.xact {
                let _ = self.db.storage.abort_xact(x.xid);
                self.db.abort_sequences(x.xid);
            }
        }
    }

    pub fn backend(&self, id: BackendId) -> Option<&Backend> {
        self.backends.get(&id)
    }

    pub fn backends(&self) -> impl Iterator<Item = (&BackendId, &Backend)> {
        self.backends.iter()
    }

    /// The backend running transaction `xid`, if it is open (not prepared).
    pub fn backend_of_xact(&self, xid: Xid) -> Option<(BackendId, &Backend)> {
        self.backends
            .iter()
            .find(|(_, b)| b.xact.as_ref().is_some_and(|x| x.xid == xid))
            .map(|(id, b)| (*id, b))
    }

    /// The prepared transaction holding `xid`, if it is one.
    pub fn prepared_of_xact(&self, xid: Xid) -> Option<&PreparedXact> {
        self.prepared.iter().find(|p| p.xid == xid)
    }

    /// The server stops abruptly: every connection drops, open transactions are lost,
    /// prepared transactions and committed data stay.
    pub fn crash(&mut self) {
        let ids: Vec<BackendId> = self.backends.keys().copied().collect();
        for id in ids {
            self.close_backend(id);
        }
        self.state = NodeState::Crashed;
    }

    /// The server starts again (crash recovery keeps what was committed or prepared).
    pub fn restart(&mut self) {
        self.state = NodeState::Up;
        self.conf.reload();
    }

    fn new_xact(&mut self, explicit: bool) -> Xact {
        let xid = self.next_xid;
        self.next_xid += 1;
        Xact::new(xid, explicit)
    }

    /// Runs one command on a backend.
    pub fn run(&mut self, id: BackendId, command: &Command, host: &dyn Host) -> NodeReply {
        if !self.backends.contains_key(&id) {
            return Err(PgError::new("08003", "connection not open"));
        }
        self.clock = host.now();
        let replication = catalog::ReplicationView::of(self);
        let internal = self
            .backends
            .get(&id)
            .is_some_and(|b| b.peer != crate::cluster::CLIENT);
        let host = catalog::NodeHost {
            inner: host,
            internal,
            prepared: self.prepared_view(),
            replication,
        };
        let host: &dyn Host = &host;
        match command {
            Command::Sql(sql) => self.run_sql(id, sql, host),
            Command::Statement(stmt) => {
                self.check_writable(stmt)?;
                self.in_statement(id, |db| db.execute(stmt, host))
            }
            Command::Insert { .. } if self.in_recovery() => {
                Err(recovery::read_only_error("INSERT"))
            }
            Command::Insert { table, rows } => self.in_statement(id, |db| {
                crate::sql::dml::insert_lock_check(db, table, &rows.borrow())?;
                let rows = std::mem::take(&mut *rows.borrow_mut());
                crate::sql::dml::insert_rows(db, table, rows)
                    .map(|n| ExecOutput::modified("INSERT 0", n as u64))
            }),
            Command::Control(c) => self.control(id, c, None),
            Command::BeginDistributed {
                id: dist,
                savepoints,
            } => {
                let out = self.control(id, &TxnControl::Begin { start: false }, Some(*dist))?;
                for name in savepoints {
                    self.control(id, &TxnControl::Savepoint(name.clone()), None)?;
                }
                Ok(out)
            }
            Command::Metadata { change, .. } => {
                // A standby gets its shells from its primary's log.
                if self.in_recovery() {
                    return Ok(ExecOutput::command("SELECT 1"));
                }
                self.log_small(0, crate::replication::wal::WalBody::Shell(change.clone()));
                match change {
                    MetadataChange::AddShell(def) => self.db.storage.register_shell(def),
                    MetadataChange::RemoveShell(name) => self.db.storage.forget_shell(name),
                }
                Ok(ExecOutput::rows(crate::sql::ResultSet {
                    columns: vec![crate::sql::Column::new(
                        "result",
                        crate::types::SqlType::Text,
                    )],
                    rows: vec![vec![crate::types::Value::Text(String::new())]],
                }))
            }
            Command::PreparedGids { prefix } => {
                let mut gids: Vec<&PreparedXact> = self
                    .prepared
                    .iter()
                    .filter(|p| p.gid.starts_with(prefix.as_str()))
                    .collect();
                crate::sort::sort_by_key(&mut gids, |p| p.xid);
                Ok(ExecOutput::rows(crate::sql::ResultSet {
                    columns: vec![crate::sql::Column::new("gid", crate::types::SqlType::Text)],
                    rows: gids
                        .into_iter()
                        .map(|p| vec![crate::types::Value::Text(p.gid.clone())])
                        .collect(),
                }))
            }
        }
    }

    /// SQL text: transaction control is handled here, anything else runs in the backend's
    /// transaction (an implicit one when none is open).
    fn run_sql(&mut self, id: BackendId, sql: &str, host: &dyn Host) -> NodeReply {
        if let Some(c) = control::parse(sql) {
            return self.control(id, &c?, None);
        }
        let statements = parse_sql(sql)?;
        let mut last = ExecOutput::command("");
        for mut stmt in statements {
            self.check_writable(&stmt)?;
            crate::sql::namespace::qualify(&self.db, &mut stmt);
            last = self.in_statement(id, |db| db.execute(&stmt, host))?;
        }
        Ok(last)
    }

    /// Runs `f` as one statement of backend `id`'s transaction. A failure undoes the
    /// statement; outside a transaction block the statement is its own transaction. A lock
    /// wait undoes the statement and leaves the transaction as it was, to run it again later.
    pub fn in_statement(
        &mut self,
        id: BackendId,
        f: impl FnOnce(&mut Database) -> NodeReply,
    ) -> NodeReply {
        let Some(backend) = self.backends.get(&id) else {
            return Err(PgError::new("08003", "connection not open"));
        };
        if backend.xact.as_ref().is_some_and(|x| x.failed) {
            return Err(aborted_block());
        }
        let implicit = backend.xact.is_none();
        if implicit {
            let x = self.new_xact(false);
            if let Some(b) = self.backends.get_mut(&id) {
                b.xact = Some(x);
            }
        }
        let xid = self.backends[&id].xact.as_ref().map_or(0, |x| x.xid);
        self.db.storage.set_current(xid);
        let mark = self.db.storage.mark();
        let mut result = f(&mut self.db);
        // A standby's storage takes no writes, whatever the statement was (a function).
        if self.in_recovery() && result.is_ok() && self.db.storage.xact_wrote(xid) {
            let tag = self.db.storage.first_write(xid);
            let _ = self.db.storage.rollback_to(mark);
            result = Err(recovery::read_only_error(tag));
        }
        match &result {
            Ok(_) if implicit => self.end_xact(id, true),
            Ok(_) => {}
            Err(e) if e.wait.is_some() => {
                let _ = self.db.storage.rollback_to(mark);
                if implicit {
                    self.end_xact(id, false);
                }
            }
            Err(_) if implicit => self.end_xact(id, false),
            Err(_) => self.fail_xact(id),
        }
        self.db.storage.set_current(0);
        result
    }

    /// Ends the backend's transaction, keeping or undoing its changes.
    fn end_xact(&mut self, id: BackendId, commit: bool) {
        let Some(x) = self.backends.get_mut(&id).and_then(|b| b.xact.take()) else {
            return;
        };
        if commit {
            self.log_commit(x.xid);
            self.db.storage.commit_xact(x.xid);
            self.db.commit_sequences(x.xid);
        } else {
            let _ = self.db.storage.abort_xact(x.xid);
            self.db.abort_sequences(x.xid);
        }
    }

    /// An error in a transaction block: the work since the innermost savepoint (or all of it)
    /// is undone and its locks released; the block stays failed until ROLLBACK (TO).
    fn fail_xact(&mut self, id: BackendId) {
        let Some(x) = self.backends.get_mut(&id).and_then(|b| b.xact.as_mut()) else {
            return;
        };
        x.failed = true;
        let xid = x.xid;
        match x.savepoints.last().map(|(_, m)| *m) {
            Some(mark) => {
                let _ = self.db.storage.rollback_to(mark);
            }
            None => {
                let _ = self.db.storage.rollback_to(self.db.storage.start_of(xid));
            }
        }
    }

    /// BEGIN, COMMIT, SAVEPOINT, PREPARE TRANSACTION, COMMIT PREPARED, ...
    fn control(&mut self, id: BackendId, c: &TxnControl, dist: Option<DistTxnId>) -> NodeReply {
        let in_block = self
            .backends
            .get(&id)
            .and_then(|b| b.xact.as_ref())
            .is_some_and(|x| x.explicit);
        let failed = self
            .backends
            .get(&id)
            .and_then(|b| b.xact.as_ref())
            .is_some_and(|x| x.failed);
        let tag = c.tag();
        self.check_control(c)?;
        match c {
            TxnControl::Begin { .. } => {
                if in_block {
                    return Ok(output(
                        tag,
                        vec![Notice::warning(
                            "there is already a transaction in progress",
                        )],
                    ));
                }
                let mut x = self.new_xact(true);
                x.dist = dist;
                if let Some(b) = self.backends.get_mut(&id) {
                    b.xact = Some(x);
                }
                Ok(output(tag, Vec::new()))
            }
            TxnControl::Commit | TxnControl::Rollback => {
                if !in_block {
                    return Ok(output(
                        tag,
                        vec![Notice::warning("there is no transaction in progress")],
                    ));
                }
                let commit = matches!(c, TxnControl::Commit) && !failed;
                self.end_xact(id, commit);
                Ok(output(
                    if commit { "COMMIT" } else { "ROLLBACK" },
                    Vec::new(),
                ))
            }
            TxnControl::Savepoint(name) => {
                if !in_block {
                    return Err(only_in_block("SAVEPOINT"));
                }
                if failed {
                    return Err(aborted_block());
                }
                let xid = self.backends[&id].xact.as_ref().map_or(0, |x| x.xid);
                self.db.storage.set_current(xid);
                let mark = self.db.storage.mark();
                self.db.storage.set_current(0);
                if let Some(x) = self.backends.get_mut(&id).and_then(|b| b.xact.as_mut()) {
                    x.savepoints.push((name.clone(), mark));
                }
                Ok(output(tag, Vec::new()))
            }
            TxnControl::Release(name) | TxnControl::RollbackTo(name) => {
                let rollback = matches!(c, TxnControl::RollbackTo(_));
                if !in_block {
                    return Err(only_in_block(if rollback {
                        "ROLLBACK TO SAVEPOINT"
                    } else {
                        "RELEASE SAVEPOINT"
                    }));
                }
                if failed && !rollback {
                    return Err(aborted_block());
                }
                let Some(x) = self.backends.get_mut(&id).and_then(|b| b.xact.as_mut()) else {
                    return Err(no_savepoint(name));
                };
                let Some(pos) = x.savepoints.iter().rposition(|(n, _)| n == name) else {
                    return Err(no_savepoint(name));
                };
                let mark: UndoMark = x.savepoints[pos].1;
                if rollback {
                    x.savepoints.truncate(pos + 1);
                    x.failed = false;
                    let _ = self.db.storage.rollback_to(mark);
                } else {
                    x.savepoints.truncate(pos);
                }
                Ok(output(tag, Vec::new()))
            }
            TxnControl::PrepareTransaction(gid) => {
                if !in_block {
                    return Ok(output(
                        "ROLLBACK",
                        vec![Notice::warning("there is no transaction in progress")],
                    ));
                }
                if failed {
                    self.end_xact(id, false);
                    return Ok(output("ROLLBACK", Vec::new()));
                }
                if self.prepared.iter().any(|p| &p.gid == gid) {
                    self.end_xact(id, false);
                    return Err(PgError::new(
                        "42710",
                        format!("transaction identifier \"{gid}\" is already in use"),
                    ));
                }
                let Some(x) = self.backends.get_mut(&id).and_then(|b| b.xact.take()) else {
                    return Err(PgError::internal("no transaction to prepare"));
                };
                let prepared_at = x.started_at.unwrap_or_default();
                self.log_prepare(x.xid, gid, prepared_at, x.dist);
                self.prepared.push(PreparedXact {
                    gid: gid.clone(),
                    xid: x.xid,
                    prepared_at: x.started_at.unwrap_or_default(),
                    dist: x.dist,
                });
                Ok(output(tag, Vec::new()))
            }
            TxnControl::CommitPrepared(gid) | TxnControl::RollbackPrepared(gid) => {
                let commit = matches!(c, TxnControl::CommitPrepared(_));
                if in_block {
                    return Err(PgError::new(
                        "25001",
                        format!(
                            "{} cannot run inside a transaction block",
                            if commit {
                                "COMMIT PREPARED"
                            } else {
                                "ROLLBACK PREPARED"
                            }
                        ),
                    ));
                }
                let Some(pos) = self.prepared.iter().position(|p| &p.gid == gid) else {
                    return Err(no_prepared(gid));
                };
                let p = self.prepared.remove(pos);
                let body = if commit {
                    crate::replication::wal::WalBody::CommitPrepared { gid: gid.clone() }
                } else {
                    crate::replication::wal::WalBody::RollbackPrepared { gid: gid.clone() }
                };
                self.log_small(p.xid, body);
                if commit {
                    self.db.storage.commit_xact(p.xid);
                    self.db.commit_sequences(p.xid);
                } else {
                    let _ = self.db.storage.abort_xact(p.xid);
                    self.db.abort_sequences(p.xid);
                }
                Ok(output(tag, Vec::new()))
            }
        }
    }

    /// Runs a read `f` as backend `id` sees the data (its own uncommitted writes included);
    /// with no backend, as a fresh transaction would.
    pub fn read_in<R>(&mut self, id: Option<BackendId>, f: impl FnOnce(&Database) -> R) -> R {
        let xid = id
            .and_then(|id| self.backends.get(&id))
            .and_then(|b| b.xact.as_ref())
            .map_or(0, |x| x.xid);
        let before = self.db.storage.current();
        self.db.storage.set_current(xid);
        let out = f(&self.db);
        self.db.storage.set_current(before);
        out
    }

    /// Stamps the time an explicit transaction started (for `pg_prepared_xacts.prepared`).
    pub fn stamp_xact(&mut self, id: BackendId, now: NaiveDateTime) {
        if let Some(x) = self.backends.get_mut(&id).and_then(|b| b.xact.as_mut()) {
            x.started_at.get_or_insert(now);
        }
    }

    /// Whether backend `id` is inside a transaction block, and whether it failed.
    pub fn block_state(&self, id: BackendId) -> Option<(bool, bool)> {
        let x = self.backends.get(&id)?.xact.as_ref()?;
        Some((x.explicit, x.failed))
    }

    /// Transactions on this node holding rows (open or prepared), by xid.
    pub fn lock_holders(&self) -> BTreeMap<Xid, String> {
        let mut out = BTreeMap::new();
        for (id, b) in &self.backends {
            if let Some(x) = &b.xact {
                out.insert(x.xid, format!("backend {id} (pid {})", b.pid));
            }
        }
        for p in &self.prepared {
            out.insert(p.xid, format!("prepared transaction '{}'", p.gid));
        }
        out
    }
}

#[cfg(test)]
mod tests;
