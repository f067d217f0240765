//! The coordinator's transaction manager, as Citus's `transaction/` does it: a session's
//! distributed transaction opens remote transaction blocks where it needs them, and commits
//! with one phase when it wrote through one connection, or with two-phase commit (records in
//! `pg_dist_transaction`, PREPARE TRANSACTION everywhere, the coordinator's own commit as the
//! decision, then COMMIT PREPARED) when it wrote on more than one node. Faults armed for a step
//! of the commit fire here; recovery (`recovery`) finishes what a fault left prepared.

pub mod control;
pub mod deadlock;
pub mod recovery;

use crate::cluster::Cluster;
pub use crate::connection::RemoteConnection;
use crate::connection::{self, RemoteTxnState, Send};
use crate::error::{Notice, PgError, PgResult};
use crate::metadata::Catalog;
use crate::network::FaultStep;
use crate::node::Command;
use crate::session::Session;
use crate::sql::ExecOutput;
use crate::trace::{Envelope, MessageKind};
use chrono::NaiveDateTime;
use control::TxnControl;
use std::collections::BTreeMap;

/// Citus's distributed transaction id: the initiating node's group, a number from the
/// coordinator's counter, and when it was assigned.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DistTxnId {
    pub initiator: i32,
    pub number: u64,
    pub timestamp: NaiveDateTime,
}

/// `2026-11-22 23:35:49.987994+00`, as `timestamptz_to_str` writes it.
pub fn timestamptz(t: &NaiveDateTime) -> String {
    format!("{}+00", crate::types::format_timestamp(t))
}

/// The BEGIN Citus sends to open a remote transaction block.
pub fn begin_text(id: &DistTxnId, savepoints: &[String]) -> String {
    let mut out = "BEGIN TRANSACTION ISOLATION LEVEL READ COMMITTED;".to_string();
    for s in savepoints {
        out.push_str(&format!("SAVEPOINT {s};"));
    }
    out.push_str(&format!(
        "SELECT assign_distributed_transaction_id({}, {}, '{}');",
        id.initiator,
        id.number,
        timestamptz(&id.timestamp)
    ));
    out
}

/// A savepoint of a distributed transaction: the user's name and Citus's `savepoint_<id>`.
#[derive(Clone, Debug)]
pub struct DistSavepoint {
    pub name: String,
    pub sub_id: u32,
    /// The metadata when the savepoint was set, for ROLLBACK TO.
    pub catalog: Box<Catalog>,
}

impl DistSavepoint {
    pub fn remote_name(&self) -> String {
        format!("savepoint_{}", self.sub_id)
    }
}

/// A session's distributed transaction: a transaction block, or the implicit transaction of
/// one statement.
#[derive(Clone, Debug)]
pub struct DistTxn {
    /// Assigned when the first remote transaction block opens.
    pub id: Option<DistTxnId>,
    pub explicit: bool,
    /// Commit with two phases.
    pub use_2pc: bool,
    /// Something was written (remotely, or on the coordinator's own placements).
    pub modified: bool,
    /// An error aborted it; only ROLLBACK (TO SAVEPOINT) is accepted.
    pub failed: bool,
    pub savepoints: Vec<DistSavepoint>,
    next_sub_id: u32,
    /// The metadata before the transaction first changed it.
    pub catalog_before: Option<Box<Catalog>>,
}

impl DistTxn {
    pub fn new(explicit: bool) -> Self {
        DistTxn {
            id: None,
            explicit,
            use_2pc: false,
            modified: false,
            failed: false,
            savepoints: Vec::new(),
            next_sub_id: 2,
            catalog_before: None,
        }
    }
}

/// How a write reaches a node, for the 2PC decision.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    Read,
    Write,
}

impl Cluster {
    /// Opens the session's distributed transaction (and its local transaction block on the
    /// coordinator) if none is open.
    pub(crate) fn begin_txn(&mut self, s: &mut Session, explicit: bool) -> PgResult<()> {
        if s.txn.is_some() {
            return Ok(());
        }
        self.local_control(s, &TxnControl::Begin { start: false })?;
        s.txn = Some(DistTxn::new(explicit));
        Ok(())
    }

    /// A transaction-control statement on the coordinator's own backend for the session.
    fn local_control(&mut self, s: &mut Session, c: &TxnControl) -> PgResult<ExecOutput> {
        let Some(backend) = s.backend else {
            return Err(PgError::new("08003", "connection not open"));
        };
        let now = self.now();
        let relations = BTreeMap::new();
        let host = crate::executor::host::ClusterHost::new(&self.catalog, now, &relations);
        let node = self
            .network
            .node_mut(&s.node)
            .ok_or_else(|| PgError::internal("no such node"))?;
        let out = node.run(backend, &Command::Control(c.clone()), &host);
        node.stamp_xact(backend, now);
        out
    }

    /// Gets the session a connection to `node` for a task, opening the remote transaction
    /// block when the task needs one (`blocks`), and noting a write for the commit protocol.
    pub(crate) fn task_connection(
        &mut self,
        s: &mut Session,
        node: &str,
        access: Access,
        blocks: bool,
    ) -> PgResult<usize> {
        let i = self.connection(s, node)?;
        self.use_connection(s, i, access, blocks)?;
        Ok(i)
    }

    /// Readies connection `i` for a task: its remote transaction block opened when the task
    /// needs one (`blocks`), a write noted for the commit protocol.
    pub(crate) fn use_connection(
        &mut self,
        s: &mut Session,
        i: usize,
        access: Access,
        blocks: bool,
    ) -> PgResult<()> {
        if blocks && s.connections[i].txn == RemoteTxnState::Idle {
            self.remote_begin(s, i)?;
        }
        if access == Access::Write {
            let conn_wrote = s.connections[i].modified;
            if let Some(txn) = s.txn.as_mut() {
                // A writing transaction that reaches another node needs two phases.
                if txn.modified && !conn_wrote && s.connections[i].txn != RemoteTxnState::Idle {
                    txn.use_2pc = true;
                }
                if s.connections[i].txn != RemoteTxnState::Idle {
                    txn.modified = true;
                }
            }
            if s.connections[i].txn != RemoteTxnState::Idle {
                s.connections[i].modified = true;
            }
        }
        Ok(())
    }

    /// BEGIN on connection `i` with the transaction's distributed id.
    fn remote_begin(&mut self, s: &mut Session, i: usize) -> PgResult<()> {
        let now = self.now();
        let initiator = self.local_group(s);
        let number = &mut self.next_txn_number;
        let Some(txn) = s.txn.as_mut() else {
            return Ok(());
        };
        let id = *txn.id.get_or_insert_with(|| {
            let id = DistTxnId {
                initiator,
                number: *number,
                timestamp: now,
            };
            *number += 1;
            id
        });
        let savepoints = txn.savepoints.iter().map(|p| p.remote_name()).collect();
        let command = Command::BeginDistributed { id, savepoints };
        let send = Send {
            kind: Some(MessageKind::Begin),
            phase: Some("begin"),
            ..Send::default()
        };
        self.send_on(s, i, &command, send, &BTreeMap::new())?;
        s.connections[i].txn = RemoteTxnState::Started;
        s.connections[i].begun = self.network.trace.clock;
        Ok(())
    }

    /// Remembers the metadata before the transaction changes it, so a rollback restores it.
    pub(crate) fn catalog_will_change(&mut self, s: &mut Session) {
        if let Some(txn) = s.txn.as_mut() {
            if txn.catalog_before.is_none() {
                txn.catalog_before = Some(Box::new(self.catalog.clone()));
            }
            txn.modified = true;
            // Metadata and DDL reach the workers with two phases.
            txn.use_2pc = true;
        }
    }

    /// Connections with a remote transaction block open, in the order they began.
    fn started(s: &Session) -> Vec<usize> {
        let mut started: Vec<usize> = (0..s.connections.len())
            .filter(|&i| s.connections[i].txn != RemoteTxnState::Idle)
            .collect();
        crate::sort::sort_by_key(&mut started, |&i| s.connections[i].begun);
        started
    }

    /// COMMIT of the session's distributed transaction. Returns the tag (`ROLLBACK` when the
    /// transaction had failed). When the commit fails the transaction is left for the caller
    /// to abort once the error has reached the client (it is marked as no longer a block, so
    /// the abort ends it rather than leaving a failed block).
    pub(crate) fn commit_txn(&mut self, s: &mut Session) -> PgResult<ExecOutput> {
        let Some(txn) = s.txn.clone() else {
            return Ok(ExecOutput::command("COMMIT"));
        };
        if txn.failed {
            self.abort_txn(s);
            return Ok(ExecOutput::command("ROLLBACK"));
        }
        let started = Self::started(s);
        let writers: Vec<usize> = started
            .iter()
            .copied()
            .filter(|&i| s.connections[i].modified)
            .collect();
        let result = if txn.use_2pc && !writers.is_empty() {
            self.commit_two_phase(s, &started, &writers)
        } else {
            self.commit_one_phase(s, &started)
        };
        match result {
            Ok(()) => {
                self.finish_txn(s);
                Ok(ExecOutput::command("COMMIT"))
            }
            Err(e) => {
                if let Some(t) = s.txn.as_mut() {
                    t.explicit = false;
                }
                Err(e)
            }
        }
    }

    /// One phase: COMMIT on every remote block, then the local commit.
    fn commit_one_phase(&mut self, s: &mut Session, started: &[usize]) -> PgResult<()> {
        for &i in started {
            let send = Send {
                kind: Some(MessageKind::Commit),
                phase: Some("commit"),
                ..Send::default()
            };
            let modified = s.connections[i].modified;
            if let Err(e) = self.send_on(
                s,
                i,
                &Command::Control(TxnControl::Commit),
                send,
                &BTreeMap::new(),
            ) {
                if modified {
                    let node = s.connections[i].node.clone();
                    s.emit(warning_from(&e));
                    s.emit(Notice::warning(format!(
                        "failed to commit transaction on {}",
                        self.node_address(&node)
                    )));
                    let shard = self.first_shard_on(&node).unwrap_or(0);
                    return Err(PgError::new(
                        "XX000",
                        format!(
                            "could not commit transaction for shard {shard} on at least one active node"
                        ),
                    ));
                }
            }
            s.connections[i].txn = RemoteTxnState::Idle;
        }
        self.local_control(s, &TxnControl::Commit)?;
        if !started.is_empty() {
            self.note_decision(s, "COMMIT", None);
        }
        Ok(())
    }

    /// Two phases: a record and PREPARE TRANSACTION for each writer, the local commit (the
    /// decision), then COMMIT PREPARED (and COMMIT on read-only blocks).
    fn commit_two_phase(
        &mut self,
        s: &mut Session,
        started: &[usize],
        writers: &[usize],
    ) -> PgResult<()> {
        if self.fault(&s.node.clone(), FaultStep::BeforePrepare) {
            return Err(self.coordinator_crashed_under(s));
        }
        let pid = self.session_pid(s);
        let group = self.local_group(s);
        let number = s.txn.as_ref().and_then(|t| t.id).map_or(0, |id| id.number);
        // Every PREPARE is sent before any answer is read, as Citus does.
        let mut failure: Option<PgError> = None;
        for &i in writers {
            let gid = format!("citus_{group}_{pid}_{number}_{}", s.prepared_count);
            s.prepared_count += 1;
            let node = s.connections[i].node.clone();
            if let Some(group) = self.catalog.node_by_name(&node).map(|n| n.group_id) {
                self.log_transaction_record(s, group, &gid)?;
            }
            if self.fault(&node, FaultStep::BeforePrepare) {
                self.crash_node(&node);
            }
            let send = Send {
                kind: Some(MessageKind::Prepare),
                phase: Some("prepare"),
                gid: Some(gid.clone()),
                ..Send::default()
            };
            let command = Command::Control(TxnControl::PrepareTransaction(gid.clone()));
            let mut result = self.send_on(s, i, &command, send, &BTreeMap::new());
            if result.is_ok() && self.fault(&node, FaultStep::AfterPrepare) {
                // The branch is prepared, but its node crashes before it can say so.
                self.crash_node(&node);
                result = Err(connection::lost_error(
                    self,
                    &node,
                    crate::network::NetError::Broken,
                ));
            }
            match result {
                Ok(_) => s.connections[i].txn = RemoteTxnState::Prepared(gid),
                Err(e) => {
                    failure.get_or_insert(e);
                }
            }
        }
        if let Some(e) = failure {
            // The abort runs after the error reaches the client, as in PostgreSQL.
            return Err(e);
        }
        if self.fault(&s.node.clone(), FaultStep::AfterPrepare) {
            return Err(self.coordinator_crashed_under(s));
        }
        // The decision: the local commit makes the records durable.
        self.local_control(s, &TxnControl::Commit)?;
        let gids: Vec<String> = writers
            .iter()
            .filter_map(|&i| match &s.connections[i].txn {
                RemoteTxnState::Prepared(g) => Some(g.clone()),
                _ => None,
            })
            .collect();
        self.note_decision(s, "COMMIT", Some(gids.join(", ")));
        if self.fault(&s.node.clone(), FaultStep::AfterCommitRecord) {
            return Err(self.coordinator_crashed_under(s));
        }
        let mut sent = 0;
        for &i in started {
            let (command, kind, phase, gid) = match s.connections[i].txn.clone() {
                RemoteTxnState::Prepared(gid) => (
                    Command::Control(TxnControl::CommitPrepared(gid.clone())),
                    MessageKind::CommitPrepared,
                    "commit prepared",
                    Some(gid),
                ),
                _ => (
                    Command::Control(TxnControl::Commit),
                    MessageKind::Commit,
                    "commit",
                    None,
                ),
            };
            let node = s.connections[i].node.clone();
            let prepared = gid.is_some();
            if prepared && self.fault(&node, FaultStep::AfterCommitRecord) {
                self.crash_node(&node);
            }
            let during = prepared && self.fault(&node, FaultStep::DuringCommitPrepared);
            let send = Send {
                kind: Some(kind),
                phase: Some(phase),
                gid,
                ..Send::default()
            };
            let mut result = self.send_on(s, i, &command, send, &BTreeMap::new());
            if during {
                // It committed the branch, then crashed before answering.
                self.crash_node(&node);
                result = Err(connection::lost_error(
                    self,
                    &node,
                    crate::network::NetError::Broken,
                ));
            }
            if let Err(e) = result {
                if prepared {
                    s.emit(warning_from(&e));
                    s.emit(Notice::warning(format!(
                        "failed to commit transaction on {}",
                        self.node_address(&node)
                    )));
                }
            }
            s.connections[i].txn = RemoteTxnState::Idle;
            sent += 1;
            if sent == 1 && prepared && self.fault(&s.node.clone(), FaultStep::DuringCommitPrepared)
            {
                return Err(self.coordinator_crashed_under(s));
            }
        }
        Ok(())
    }

    /// Undoes the session's distributed transaction everywhere: ROLLBACK PREPARED on prepared
    /// branches, ROLLBACK on open blocks, the local rollback; the metadata as it was.
    pub(crate) fn abort_txn(&mut self, s: &mut Session) {
        if s.txn.is_none() {
            return;
        }
        let started = Self::started(s);
        for &i in &started {
            let (command, kind, phase, gid) = match s.connections[i].txn.clone() {
                RemoteTxnState::Prepared(gid) => (
                    Command::Control(TxnControl::RollbackPrepared(gid.clone())),
                    MessageKind::RollbackPrepared,
                    "rollback prepared",
                    Some(gid),
                ),
                _ => (
                    Command::Control(TxnControl::Rollback),
                    MessageKind::Rollback,
                    "rollback",
                    None,
                ),
            };
            let alive = {
                let c = &s.connections[i];
                self.network.alive(&c.node, c.backend) && !self.network.is_cut(&c.node)
            };
            if alive {
                let send = Send {
                    kind: Some(kind),
                    phase: Some(phase),
                    gid,
                    ..Send::default()
                };
                let _ = self.send_on(s, i, &command, send, &BTreeMap::new());
            }
            s.connections[i].txn = RemoteTxnState::Idle;
        }
        if s.backend.is_some() {
            let _ = self.local_control(s, &TxnControl::Rollback);
            if !started.is_empty() {
                self.note_decision(s, "ROLLBACK", None);
            }
        }
        if let Some(before) = s.txn.as_mut().and_then(|t| t.catalog_before.take()) {
            self.restore_catalog(*before);
        }
        self.finish_txn(s);
    }

    /// The transaction is over: connections are idle again, closed ones are dropped.
    fn finish_txn(&mut self, s: &mut Session) {
        s.txn = None;
        for c in &mut s.connections {
            c.txn = RemoteTxnState::Idle;
            c.modified = false;
        }
        self.forget_closed_connections(s);
    }

    /// An error inside a transaction block: the transaction (or, under a savepoint, the work
    /// since it) is undone right away, releasing its locks; the block stays failed.
    pub(crate) fn fail_txn(&mut self, s: &mut Session) {
        let Some(txn) = s.txn.as_ref() else {
            return;
        };
        if !txn.explicit {
            self.abort_txn(s);
            return;
        }
        match txn.savepoints.last().cloned() {
            Some(sp) => {
                self.rollback_remote_to(s, &sp);
                // The coordinator's own backend undid its part when the statement failed.
                self.catalog_restore_to(&sp);
            }
            None => {
                // Everything goes now; the client still has to say ROLLBACK.
                let catalog = s.txn.as_mut().and_then(|t| t.catalog_before.take());
                for i in Self::started(s) {
                    let alive = {
                        let c = &s.connections[i];
                        self.network.alive(&c.node, c.backend) && !self.network.is_cut(&c.node)
                    };
                    if alive {
                        let send = Send {
                            kind: Some(MessageKind::Rollback),
                            phase: Some("rollback"),
                            ..Send::default()
                        };
                        let _ = self.send_on(
                            s,
                            i,
                            &Command::Control(TxnControl::Rollback),
                            send,
                            &BTreeMap::new(),
                        );
                    }
                    s.connections[i].txn = RemoteTxnState::Idle;
                    s.connections[i].modified = false;
                }
                if let Some(c) = catalog {
                    self.restore_catalog(*c);
                }
            }
        }
        if let Some(t) = s.txn.as_mut() {
            t.failed = true;
        }
    }

    // ---- savepoints ----

    pub(crate) fn savepoint(&mut self, s: &mut Session, name: &str) -> PgResult<ExecOutput> {
        self.local_control(s, &TxnControl::Savepoint(name.to_string()))?;
        let catalog = Box::new(self.catalog.clone());
        let Some(txn) = s.txn.as_mut() else {
            return Ok(ExecOutput::command("SAVEPOINT"));
        };
        let sp = DistSavepoint {
            name: name.to_string(),
            sub_id: txn.next_sub_id,
            catalog,
        };
        txn.next_sub_id += 1;
        txn.savepoints.push(sp.clone());
        self.remote_savepoint_command(s, TxnControl::Savepoint, &sp)?;
        Ok(ExecOutput::command("SAVEPOINT"))
    }

    pub(crate) fn release_savepoint(
        &mut self,
        s: &mut Session,
        name: &str,
    ) -> PgResult<ExecOutput> {
        self.local_control(s, &TxnControl::Release(name.to_string()))?;
        let Some(txn) = s.txn.as_mut() else {
            return Ok(ExecOutput::command("RELEASE"));
        };
        let Some(pos) = txn.savepoints.iter().rposition(|p| p.name == name) else {
            return Ok(ExecOutput::command("RELEASE"));
        };
        let sp = txn.savepoints[pos].clone();
        txn.savepoints.truncate(pos);
        self.remote_savepoint_command(s, TxnControl::Release, &sp)?;
        Ok(ExecOutput::command("RELEASE"))
    }

    pub(crate) fn rollback_to_savepoint(
        &mut self,
        s: &mut Session,
        name: &str,
    ) -> PgResult<ExecOutput> {
        self.local_control(s, &TxnControl::RollbackTo(name.to_string()))?;
        let Some(txn) = s.txn.as_mut() else {
            return Ok(ExecOutput::command("ROLLBACK"));
        };
        let Some(pos) = txn.savepoints.iter().rposition(|p| p.name == name) else {
            return Ok(ExecOutput::command("ROLLBACK"));
        };
        let was_failed = txn.failed;
        let sp = txn.savepoints[pos].clone();
        txn.savepoints.truncate(pos);
        txn.failed = false;
        if !was_failed {
            self.rollback_remote_to(s, &sp);
            self.catalog_restore_to(&sp);
        }
        // PostgreSQL starts a new subtransaction under the same name.
        let catalog = Box::new(self.catalog.clone());
        let Some(txn) = s.txn.as_mut() else {
            return Ok(ExecOutput::command("ROLLBACK"));
        };
        let fresh = DistSavepoint {
            name: name.to_string(),
            sub_id: txn.next_sub_id,
            catalog,
        };
        txn.next_sub_id += 1;
        txn.savepoints.push(fresh.clone());
        self.remote_savepoint_command(s, TxnControl::Savepoint, &fresh)?;
        Ok(ExecOutput::command("ROLLBACK"))
    }

    /// ROLLBACK TO SAVEPOINT on every open remote block.
    fn rollback_remote_to(&mut self, s: &mut Session, sp: &DistSavepoint) {
        let _ = self.remote_savepoint_command(s, TxnControl::RollbackTo, sp);
    }

    fn catalog_restore_to(&mut self, sp: &DistSavepoint) {
        if *sp.catalog != self.catalog {
            self.restore_catalog((*sp.catalog).clone());
        }
    }

    /// Sends a savepoint command (built from Citus's `savepoint_<id>` name) to every
    /// connection with an open block.
    fn remote_savepoint_command(
        &mut self,
        s: &mut Session,
        make: impl Fn(String) -> TxnControl,
        sp: &DistSavepoint,
    ) -> PgResult<()> {
        for i in Self::started(s) {
            let send = Send {
                kind: Some(MessageKind::Savepoint),
                phase: Some("savepoint"),
                ..Send::default()
            };
            let command = Command::Control(make(sp.remote_name()));
            self.send_on(s, i, &command, send, &BTreeMap::new())?;
        }
        Ok(())
    }

    // ---- helpers ----

    /// The metadata as it was, keeping the id counters (sequences are not transactional).
    pub(crate) fn restore_catalog(&mut self, before: Catalog) {
        let counters = (
            self.catalog.next_shard_id,
            self.catalog.next_placement_id,
            self.catalog.next_colocation_id,
            self.catalog.next_node_id,
            self.catalog.next_group_id,
        );
        let gone: Vec<String> = self
            .catalog
            .tables
            .iter()
            .filter(|t| before.table(&t.name).is_none())
            .map(|t| t.name.clone())
            .collect();
        self.catalog = before;
        (
            self.catalog.next_shard_id,
            self.catalog.next_placement_id,
            self.catalog.next_colocation_id,
            self.catalog.next_node_id,
            self.catalog.next_group_id,
        ) = counters;
        for table in gone {
            self.forget_shells(&table);
        }
    }

    /// Inserts a `pg_dist_transaction` row in the session's local transaction.
    fn log_transaction_record(&mut self, s: &mut Session, group: i32, gid: &str) -> PgResult<()> {
        let Some(backend) = s.backend else {
            return Err(PgError::new("08003", "connection not open"));
        };
        let row = vec![
            crate::types::Value::Int4(group),
            crate::types::Value::Text(gid.to_string()),
            crate::types::Value::Int8(0),
        ];
        let node = self
            .network
            .node_mut(&s.node)
            .ok_or_else(|| PgError::internal("no such node"))?;
        node.in_statement(backend, |db| {
            crate::sql::dml::insert_rows(db, recovery::RECORDS, vec![row])
                .map(|n| ExecOutput::modified("INSERT 0", n as u64))
        })
        .map(|_| ())
    }

    /// The coordinator's own commit or rollback, as a step in the trace.
    fn note_decision(&mut self, s: &Session, what: &str, gids: Option<String>) {
        let mut env = Envelope::new(&s.node, &s.node, what).session(s.id);
        env.phase = Some("decision".into());
        env.gid = gids;
        self.network.note(MessageKind::Decision, env);
    }

    /// Whether an armed fault fires for `node` at `step`; it is noted in the trace.
    fn fault(&mut self, node: &str, step: FaultStep) -> bool {
        if !self.network.take_fault(node, step) {
            return false;
        }
        let env = Envelope::new(
            "learner",
            node,
            format!("armed fault: {node} crashes {}", step.name()),
        );
        self.network.note(MessageKind::Fault, env);
        true
    }

    /// The session's node (the coordinator, or a worker running a distributed statement)
    /// crashed while this session committed: the client loses its connection.
    fn coordinator_crashed_under(&mut self, s: &mut Session) -> PgError {
        self.crash_node(&s.node.clone());
        s.backend = None;
        s.txn = None;
        s.connections.clear();
        lost_connection()
    }

    /// The group of the node the session is connected to: Citus's local group id, which names
    /// the transactions it initiates (0 on the coordinator).
    pub(crate) fn local_group(&self, s: &Session) -> i32 {
        self.catalog.node_by_name(&s.node).map_or(0, |n| n.group_id)
    }

    /// The process id of the session's backend on the node it is connected to (the gid's second number).
    fn session_pid(&self, s: &Session) -> i32 {
        s.backend
            .and_then(|b| self.network.node(&s.node)?.backend(b).map(|b| b.pid))
            .unwrap_or(0)
    }

    /// A shard placed on `node` (for Citus's 1PC commit failure message).
    fn first_shard_on(&self, node: &str) -> Option<i64> {
        let group = self.catalog.node_by_name(node)?.group_id;
        self.catalog
            .placements
            .iter()
            .find(|p| p.group_id == group)
            .map(|p| p.shard_id)
    }
}

/// The state of an error that is psql's own report of a lost connection, not a server ERROR.
pub const LOST_SQLSTATE: &str = "57P01";

/// What psql prints when the server it is connected to goes away mid-statement.
pub fn lost_connection() -> PgError {
    PgError::new(
        LOST_SQLSTATE,
        "server closed the connection unexpectedly\n\tThis probably means the server terminated abnormally\n\tbefore or while processing the request.",
    )
}

/// A failed command's error as the WARNING Citus turns it into after the decision.
fn warning_from(e: &PgError) -> Notice {
    let mut n = Notice::warning(e.message.clone());
    n.detail = e.detail.clone();
    n.context = e.context.as_deref().map(str::to_string);
    n
}
