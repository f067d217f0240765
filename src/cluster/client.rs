//! Client sessions and the statements they send: connecting, transaction control, each
//! statement in its (implicit or explicit) transaction, lock waits and what finishes later.

use super::{Cluster, CLIENT, COORDINATOR};
use crate::error::{Notice, PgError, PgResult};
use crate::executor::host::ClusterHost;
use crate::executor::Resume;
use crate::node::Command;
use crate::session::{
    BlockState, Completion, Finished, Reply, Session, SessionId, WaitInfo, WaitOn, Waiting,
};
use crate::sql::dml::literal_insert;
use crate::sql::{analyze, parse_sql, ExecOutput};
use crate::trace::{Envelope, MessageKind};
use crate::transaction::control::{self, TxnControl};
use sqlparser::ast::Statement;
use std::collections::BTreeMap;

/// One statement of a client's input, as the coordinator runs it.
pub enum StatementSource<'a> {
    /// Parsed and analysed (with the input it came from, for error positions).
    Parsed {
        stmt: &'a Statement,
        input: &'a str,
        index: usize,
    },
    /// A literal-only INSERT into a Citus table: the bulk-load path.
    Literal(literal_insert::LiteralInsert),
    Control(TxnControl),
    /// `RESET name` (outside the SQL parser's grammar).
    Reset(&'a str),
    /// `ALTER SYSTEM SET name TO value` / `ALTER SYSTEM RESET name`.
    AlterSystem(String, Option<String>),
}

fn no_session(id: SessionId) -> PgError {
    PgError::new("08003", format!("session {id} does not exist"))
}

fn aborted_block() -> PgError {
    PgError::new(
        "25P02",
        "current transaction is aborted, commands ignored until end of transaction block",
    )
}

/// libpq's message for a connection the server refused.
fn server_refused(host: &str, port: u16) -> PgError {
    PgError::new(
        "08001",
        format!(
            "connection to server at \"{host}\", port {port} failed: Connection refused\n\tIs the server running on that host and accepting TCP/IP connections?"
        ),
    )
}

impl Cluster {
    /// Opens a client session connected to the coordinator; returns its number.
    pub fn session(&mut self) -> SessionId {
        let id = self.sessions.keys().next_back().map_or(1, |k| k + 1);
        self.open_session(id);
        id
    }

    /// Opens session `id` on the coordinator, if it is not open yet.
    pub fn open_session(&mut self, id: SessionId) -> SessionId {
        if !self.sessions.contains_key(&id) {
            let backend = self.network.connect(CLIENT, COORDINATOR).ok();
            self.sessions
                .insert(id, Session::new(id, COORDINATOR, backend));
        }
        id
    }

    pub fn has_session(&self, id: SessionId) -> bool {
        self.sessions.contains_key(&id)
    }

    /// Connects session `id` to `node` by name (`worker-1`); the old connection closes,
    /// rolling back a transaction in progress.
    pub fn connect(&mut self, id: SessionId, node: &str) -> PgResult<()> {
        let port = self.network.node(node).map(|n| n.port).ok_or_else(|| {
            PgError::new("08001", format!("could not connect to node \"{node}\""))
        })?;
        self.reconnect_session(id, node, "127.0.0.1", port)
    }

    /// Connects by host and port, as `\c - - 127.0.0.1 9701` does.
    pub fn connect_host_port(&mut self, id: SessionId, host: &str, port: u16) -> PgResult<()> {
        let local = matches!(host, "127.0.0.1" | "localhost");
        let name = self
            .network
            .server_at_port(port)
            .filter(|_| local)
            .ok_or_else(|| server_refused(host, port))?;
        self.reconnect_session(id, &name, host, port)
    }

    fn reconnect_session(
        &mut self,
        id: SessionId,
        node: &str,
        host: &str,
        port: u16,
    ) -> PgResult<()> {
        if !self.network.node(node).is_some_and(|n| n.is_up()) {
            return Err(server_refused(host, port));
        }
        let mut s = self
            .sessions
            .remove(&id)
            .unwrap_or_else(|| Session::new(id, node, None));
        self.close_session_connection(&mut s);
        s.node = node.to_string();
        s.backend = self.network.connect(CLIENT, node).ok();
        // A new backend: Citus's per-backend counters start again.
        s.next_connection_id = 1;
        s.prepared_count = 0;
        self.sessions.insert(id, s);
        self.wake_waiters();
        Ok(())
    }

    /// The client hangs up: its transaction rolls back everywhere, its connections close.
    fn close_session_connection(&mut self, s: &mut Session) {
        s.waiting = None;
        self.abort_txn(s);
        for c in std::mem::take(&mut s.connections) {
            self.network.disconnect(&c.node, c.backend);
        }
        if let Some(b) = s.backend.take() {
            let node = s.node.clone();
            self.network.disconnect(&node, b);
        }
        s.txn = None;
    }

    /// psql's transaction status for the session.
    pub(crate) fn block_state(&self, s: &Session) -> BlockState {
        // A worker's session has a distributed transaction only while a statement on Citus
        // tables runs (or waits) there.
        if s.node == COORDINATOR || s.txn.is_some() {
            return match &s.txn {
                Some(t) if t.explicit && t.failed => BlockState::Failed,
                Some(t) if t.explicit => BlockState::InBlock,
                _ => BlockState::Idle,
            };
        }
        let state = s
            .backend
            .and_then(|b| self.network.node(&s.node)?.block_state(b));
        match state {
            Some((true, true)) => BlockState::Failed,
            Some((true, false)) => BlockState::InBlock,
            _ => BlockState::Idle,
        }
    }

    /// What a waiting session waits for, with the holder named.
    pub(crate) fn wait_info(&self, s: &Session) -> Option<WaitInfo> {
        let w = s.waiting.as_ref()?;
        let mut info = WaitInfo {
            session: s.id,
            sql: w.sql.clone(),
            node: w.node.clone(),
            relation: String::new(),
            holder_session: None,
            holder_gid: None,
            sync_lsn: None,
        };
        match &w.on {
            WaitOn::Lock {
                holder, relation, ..
            } => {
                (info.holder_session, info.holder_gid) = self.lock_holder(&w.node, *holder);
                info.relation = relation.clone();
            }
            WaitOn::SyncRep { lsn, .. } => info.sync_lsn = Some(lsn.to_string()),
        }
        Some(info)
    }

    /// Runs the statement(s) of `sql` in session `id` and returns the last one's result; a
    /// statement left waiting for a lock is an error here (see `execute_reply`).
    pub fn execute(&mut self, id: SessionId, sql: &str) -> PgResult<ExecOutput> {
        self.execute_reply(id, sql).into_result()
    }

    /// Runs the statement(s) of `sql` in session `id`: what the server sends back, in order.
    pub fn execute_reply(&mut self, id: SessionId, sql: &str) -> Reply {
        let Some(mut s) = self.sessions.remove(&id) else {
            return Reply::done(Err(no_session(id)));
        };
        // Values print with the session's float precision, while it runs and as psql shows them.
        let float_digits =
            |s: &Session| crate::executor::settings::get_i64(s, "extra_float_digits");
        let search_path =
            |s: &Session| crate::executor::settings::get(s, "search_path").unwrap_or_default();
        crate::types::set_extra_float_digits(float_digits(&s));
        crate::sql::namespace::set_search_path(&search_path(&s));
        let synchronous = self.sync_positions();
        let reply = self.client_input(&mut s, sql);
        crate::types::set_extra_float_digits(float_digits(&s));
        crate::sql::namespace::set_search_path(&search_path(&s));
        self.sessions.insert(id, s);
        let reply = self.settle(id, reply);
        self.after_statement();
        self.await_sync_standbys(id, &synchronous, reply)
    }

    /// Every statement of one input, stopping at the first that fails or waits.
    fn client_input(&mut self, s: &mut Session, sql: &str) -> Reply {
        if s.waiting.is_some() {
            return Reply::done(Err(PgError::new(
                "08P01",
                "another command is already in progress",
            )));
        }
        if let Err(e) = self.ensure_connected(s) {
            return Reply::done(Err(e));
        }
        // RESET is outside the parser's grammar; transaction control partly so.
        if let Some(name) = crate::executor::settings::reset_target(sql) {
            return self.client_statement(s, sql.trim(), StatementSource::Reset(name));
        }
        if let Some((name, value)) = crate::executor::settings::alter_system(sql) {
            return self.client_statement(s, sql.trim(), StatementSource::AlterSystem(name, value));
        }
        // ALTER SEQUENCE is outside the parser's grammar.
        if let Some(node) = self.network.node(&s.node) {
            crate::sql::namespace::begin_statement(&node.db);
        }
        if let Some((name, value)) = crate::operations::sequences::parse_restart(sql) {
            return Reply::done(crate::operations::sequences::restart(self, s, &name, value));
        }
        if let Some(c) = control::parse(sql) {
            return match c {
                Ok(c) => self.client_statement(s, sql.trim(), StatementSource::Control(c)),
                Err(e) => Reply::done(Err(e)),
            };
        }
        if s.node == COORDINATOR {
            // The fast path names tables as `public` stores them.
            let plain_path = crate::sql::namespace::default_path();
            if let Some(insert) = literal_insert::parse(sql)
                .filter(|ins| plain_path && self.catalog.table(&ins.table).is_some())
            {
                let text = sql.trim().trim_end_matches(';').to_string();
                let mut reply = self.client_statement(s, &text, StatementSource::Literal(insert));
                if let Completion::Done(Err(e)) = &mut reply.completion {
                    *e = self.placed(sql, e.clone());
                }
                return reply;
            }
        }
        let statements = match parse_sql(sql) {
            Ok(st) => st,
            Err(e) => return Reply::done(Err(e)),
        };
        let mut last = Reply::done(Ok(ExecOutput::command("")));
        for (index, mut stmt) in statements.into_iter().enumerate() {
            // Each statement finds its relations along the search path as it comes to run.
            crate::sql::namespace::set_search_path(
                &crate::executor::settings::get(s, "search_path").unwrap_or_default(),
            );
            if let Some(node) = self.network.node(&s.node) {
                crate::sql::namespace::begin_statement(&node.db);
                crate::sql::namespace::qualify(&node.db, &mut stmt);
            }
            let stmt = &stmt;
            if let Some(step) = self.prepared_step(s, stmt) {
                last = match step {
                    super::prepared::PreparedStep::Done(result) => Reply::done(result),
                    super::prepared::PreparedStep::Run(bound) => {
                        let text = bound.to_string();
                        self.client_statement(
                            s,
                            &text,
                            StatementSource::Parsed {
                                stmt: &bound,
                                input: &text,
                                index: 0,
                            },
                        )
                    }
                };
                if !matches!(last.completion, Completion::Done(Ok(_))) {
                    break;
                }
                continue;
            }
            let text = stmt.to_string();
            last = self.client_statement(
                s,
                &text,
                StatementSource::Parsed {
                    stmt,
                    input: sql,
                    index,
                },
            );
            if !matches!(last.completion, Completion::Done(Ok(_))) {
                break;
            }
        }
        last
    }

    /// A session whose server went away reconnects once it is back (psql's reset).
    fn ensure_connected(&mut self, s: &mut Session) -> PgResult<()> {
        if s.backend.is_some() {
            return Ok(());
        }
        if std::mem::take(&mut s.lost) {
            // The first statement after the crash finds the connection gone.
            return Err(crate::transaction::lost_connection());
        }
        let (host, port) = self
            .network
            .node(&s.node)
            .map(|n| ("127.0.0.1".to_string(), n.port))
            .unwrap_or_else(|| ("127.0.0.1".into(), 5432));
        match self.network.connect(CLIENT, &s.node) {
            Ok(b) => {
                s.backend = Some(b);
                s.txn = None;
                s.connections.clear();
                Ok(())
            }
            Err(_) => Err(server_refused(&host, port)),
        }
    }

    /// `sql` from session `s` as part of the statement running now (a command another node
    /// sends over a connection): its messages belong to that statement, and the logical clock
    /// does not move for it.
    pub(crate) fn inner_statement(&mut self, s: &mut Session, sql: &str) -> Reply {
        let statement = self.network.trace.statement;
        let first = self.network.trace.events.len();
        let statements = self.statements;
        let reply = self.client_input(s, sql);
        self.statements = statements;
        self.network.trace.statement = statement;
        for e in self.network.trace.events.iter_mut().skip(first) {
            e.statement = statement;
        }
        reply
    }

    /// One client statement: its messages in the trace, run in its transaction.
    pub(crate) fn client_statement(
        &mut self,
        s: &mut Session,
        text: &str,
        source: StatementSource,
    ) -> Reply {
        self.network.trace.begin_statement();
        self.statements += 1;
        s.notices.clear();
        // What a wait shows of the statement: a long one is cut (it is only shown).
        s.current_sql = crate::trace::shorten(text);
        let env = Envelope::new(CLIENT, &s.node, text).session(s.id);
        // The statement's work runs against its timeout; undoing it after a failure does not.
        let deadline =
            crate::sql::deadline::arm(crate::executor::settings::statement_timeout_ms(s));
        if let Some(reply) = self.standby_statement(s, &source, &env) {
            drop(deadline);
            return reply;
        }
        if s.node != COORDINATOR {
            if let StatementSource::Parsed { stmt, input, index } = &source {
                if let Some(reply) = self.statement_from_worker(s, stmt, text, input, *index, &env)
                {
                    drop(deadline);
                    return reply;
                }
            }
            return self.node_statement(s, text, source, env);
        }
        // The answer travels back with the same envelope, not the statement's text.
        let head = Envelope::new(CLIENT, &s.node, "").session(s.id);
        self.network.note(MessageKind::ClientQuery, env);
        let result = self.coordinator_statement(s, text, source);
        drop(deadline);
        let reply = self.finish_statement(s, result);
        self.note_client_result(s, &reply, head);
        reply
    }

    /// The answer going back to the client, in the trace.
    pub(super) fn note_client_result(&mut self, s: &Session, reply: &Reply, env: Envelope) {
        let (kind, text, rows) = match &reply.completion {
            Completion::Done(Ok(out)) => (
                MessageKind::ClientResult,
                match &out.outcome {
                    crate::sql::Outcome::Rows(rs) => crate::network::rows_text(rs.rows.len()),
                    crate::sql::Outcome::Command(tag) => tag.clone(),
                },
                out.row_count(),
            ),
            Completion::Done(Err(e)) => (MessageKind::TaskError, e.message.clone(), 0),
            Completion::Waiting(w) => (MessageKind::LockWait, w.describe(), 0),
        };
        let _ = s;
        self.network.note(kind, env.reply(text, rows));
    }

    /// Turns a statement's result into the reply: a failure ends (or fails) the transaction
    /// after the error is sent, a lock wait leaves everything open.
    pub(super) fn finish_statement(
        &mut self,
        s: &mut Session,
        result: PgResult<ExecOutput>,
    ) -> Reply {
        // What the statement reports reaches the client as `client_min_messages` allows.
        let setting = crate::executor::settings::get(s, "client_min_messages")
            .unwrap_or_else(|| "notice".into());
        let threshold = crate::error::Severity::threshold(&setting);
        let result = result.map(|mut out| {
            out.notices.retain(|n| n.severity >= threshold);
            out
        });
        let result = match result {
            Err(e) if e.wait.is_some() => {
                if s.waiting.is_some() {
                    let before = std::mem::take(&mut s.notices);
                    let info = self.wait_info(s);
                    if let Some(info) = info {
                        return Reply {
                            before,
                            completion: Completion::Waiting(info),
                            after: Vec::new(),
                        };
                    }
                }
                // Nothing here can wait and carry on: as if lock_timeout had run out.
                Err(PgError::new(
                    "55P03",
                    "canceling statement due to lock timeout",
                ))
            }
            other => other,
        };
        let before_len = s.notices.len();
        if result.is_err() {
            match s.txn.as_ref() {
                Some(t) if t.explicit => self.fail_txn(s),
                Some(_) => self.abort_txn(s),
                None => {}
            }
        }
        let mut before = std::mem::take(&mut s.notices);
        let after = before.split_off(before_len.min(before.len()));
        Reply {
            before,
            completion: Completion::Done(result),
            after,
        }
    }

    /// A statement on the coordinator: transaction control, or the statement in the
    /// session's transaction (an implicit one when no block is open).
    fn coordinator_statement(
        &mut self,
        s: &mut Session,
        text: &str,
        source: StatementSource,
    ) -> PgResult<ExecOutput> {
        if let StatementSource::Control(c) = &source {
            return self.txn_control(s, c);
        }
        if let StatementSource::AlterSystem(name, value) = &source {
            let in_block = s.txn.as_ref().is_some_and(|t| t.explicit);
            return self.alter_system(COORDINATOR, in_block, name, value.clone());
        }
        if s.txn.as_ref().is_some_and(|t| t.failed) {
            return Err(aborted_block());
        }
        if let StatementSource::Parsed { stmt, input, index } = &source {
            self.analyze(COORDINATOR, stmt)
                .map_err(|f| f.into_error(input, *index, stmt))?;
        }
        let implicit = s.txn.is_none();
        self.begin_txn(s, false)?;
        let result = match source {
            StatementSource::Reset(name) => crate::executor::settings::reset(s, name),
            StatementSource::Literal(insert) => self.execute_literal_insert(s, insert),
            StatementSource::Parsed { stmt, .. } => self.execute_statement(s, stmt, text),
            StatementSource::Control(_) | StatementSource::AlterSystem(..) => {
                Ok(ExecOutput::command(""))
            }
        };
        match result {
            Ok(out) if implicit => {
                let mut commit = self.commit_txn(s)?;
                let mut out = out;
                out.notices.append(&mut commit.notices);
                Ok(out)
            }
            other => other,
        }
    }

    /// BEGIN, COMMIT, ROLLBACK, SAVEPOINT, ... sent to the coordinator.
    fn txn_control(&mut self, s: &mut Session, c: &TxnControl) -> PgResult<ExecOutput> {
        let explicit = s.txn.as_ref().is_some_and(|t| t.explicit);
        let failed = s.txn.as_ref().is_some_and(|t| t.failed);
        let tag = c.tag();
        let warn = |msg: &str| {
            let mut out = ExecOutput::command(tag);
            out.notices.push(Notice::warning(msg));
            Ok(out)
        };
        match c {
            TxnControl::Begin { .. } if explicit => {
                warn("there is already a transaction in progress")
            }
            TxnControl::Begin { .. } => {
                self.begin_txn(s, true)?;
                Ok(ExecOutput::command(tag))
            }
            TxnControl::Commit | TxnControl::Rollback if !explicit => {
                warn("there is no transaction in progress")
            }
            TxnControl::Commit => self.commit_txn(s),
            TxnControl::Rollback => {
                self.abort_txn(s);
                Ok(ExecOutput::command("ROLLBACK"))
            }
            TxnControl::Savepoint(_) | TxnControl::Release(_) | TxnControl::RollbackTo(_)
                if !explicit =>
            {
                let what = match c {
                    TxnControl::Savepoint(_) => "SAVEPOINT",
                    TxnControl::Release(_) => "RELEASE SAVEPOINT",
                    _ => "ROLLBACK TO SAVEPOINT",
                };
                Err(PgError::new(
                    "25P01",
                    format!("{what} can only be used in transaction blocks"),
                ))
            }
            TxnControl::Savepoint(_) | TxnControl::Release(_) if failed => Err(aborted_block()),
            TxnControl::Savepoint(name) => self.savepoint(s, name),
            TxnControl::Release(name) => self.release_savepoint(s, name),
            TxnControl::RollbackTo(name) => self.rollback_to_savepoint(s, name),
            TxnControl::PrepareTransaction(_) if !explicit => {
                let mut out = ExecOutput::command("ROLLBACK");
                out.notices
                    .push(Notice::warning("there is no transaction in progress"));
                Ok(out)
            }
            TxnControl::PrepareTransaction(_) if failed => {
                self.abort_txn(s);
                Ok(ExecOutput::command("ROLLBACK"))
            }
            TxnControl::PrepareTransaction(gid) => self.prepare_on_coordinator(s, gid),
            TxnControl::CommitPrepared(_) | TxnControl::RollbackPrepared(_) if explicit => {
                Err(PgError::new(
                    "25001",
                    format!(
                        "{} cannot run inside a transaction block",
                        if matches!(c, TxnControl::CommitPrepared(_)) {
                            "COMMIT PREPARED"
                        } else {
                            "ROLLBACK PREPARED"
                        }
                    ),
                ))
            }
            TxnControl::CommitPrepared(_) | TxnControl::RollbackPrepared(_) => {
                self.run_on_own_backend(s, &Command::Control(c.clone()))
            }
        }
    }

    /// PREPARE TRANSACTION typed on the coordinator: only a transaction that stayed local
    /// can be prepared by hand.
    fn prepare_on_coordinator(&mut self, s: &mut Session, gid: &str) -> PgResult<ExecOutput> {
        let remote = s
            .connections
            .iter()
            .any(|c| c.txn != crate::connection::RemoteTxnState::Idle);
        if remote {
            self.abort_txn(s);
            return Err(PgError::new(
                "0A000",
                "cannot use 2PC in transactions involving multiple servers",
            ));
        }
        let out = self.run_on_own_backend(
            s,
            &Command::Control(TxnControl::PrepareTransaction(gid.to_string())),
        );
        s.txn = None;
        out
    }

    /// A command on the session's own backend (its node is the one it talks to).
    fn run_on_own_backend(&mut self, s: &mut Session, command: &Command) -> PgResult<ExecOutput> {
        let backend = s
            .backend
            .ok_or_else(|| PgError::new("08003", "connection not open"))?;
        let now = self.now();
        let relations = BTreeMap::new();
        let host = ClusterHost::new(&self.catalog, now, &relations);
        let node = self
            .network
            .node_mut(&s.node)
            .ok_or_else(|| PgError::internal("no such node"))?;
        let out = node.run(backend, command, &host);
        node.stamp_xact(backend, now);
        out
    }

    /// A statement from a client connected straight to a worker: it travels to that node,
    /// which runs it in the client's backend.
    fn node_statement(
        &mut self,
        s: &mut Session,
        text: &str,
        source: StatementSource,
        env: Envelope,
    ) -> Reply {
        let command = match source {
            StatementSource::Control(c) => Command::Control(c),
            StatementSource::Parsed { stmt, input, index } => {
                if let Err(f) = self.analyze(&s.node, stmt) {
                    return Reply::done(Err(f.into_error(input, index, stmt)));
                }
                let setting = match self.system_setting(s, stmt) {
                    Ok(None) => crate::executor::settings::execute(s, stmt).transpose(),
                    other => other.transpose(),
                };
                if let Some(out) = setting {
                    self.network.note(MessageKind::ClientQuery, env);
                    return Reply::done(out);
                }
                Command::Sql(text.to_string())
            }
            StatementSource::Reset(name) => {
                self.network.note(MessageKind::ClientQuery, env);
                return Reply::done(crate::executor::settings::reset(s, name));
            }
            StatementSource::Literal(_) => Command::Sql(text.to_string()),
            StatementSource::AlterSystem(name, value) => {
                self.network.note(MessageKind::ClientQuery, env);
                let in_block = matches!(
                    self.block_state(s),
                    BlockState::InBlock | BlockState::Failed
                );
                return Reply::done(self.alter_system(&s.node, in_block, &name, value));
            }
        };
        let Some(backend) = s.backend else {
            return Reply::done(Err(crate::transaction::lost_connection()));
        };
        let now = self.now();
        let relations = BTreeMap::new();
        let host = ClusterHost::new(&self.catalog, now, &relations);
        let delivery = self
            .network
            .send(MessageKind::ClientQuery, env, backend, &command, &host);
        if let Some(n) = self.network.node_mut(&s.node) {
            n.stamp_xact(backend, now);
        }
        match delivery {
            Err(_) => {
                s.backend = None;
                Reply::done(Err(crate::transaction::lost_connection()))
            }
            Ok(Err(e)) if e.wait.is_some() => {
                let node = s.node.clone();
                self.begin_wait(s, &node, &e, Resume::Statement(text.to_string()));
                match self.wait_info(s) {
                    Some(info) => Reply {
                        before: Vec::new(),
                        completion: Completion::Waiting(info),
                        after: Vec::new(),
                    },
                    None => Reply::done(Err(e)),
                }
            }
            Ok(result) => {
                let mut reply = Reply::done(result);
                if let Completion::Done(Ok(out)) = &mut reply.completion {
                    reply.before = std::mem::take(&mut out.notices);
                }
                reply
            }
        }
    }

    /// Runs one parsed statement on the coordinator.
    pub(super) fn execute_statement(
        &mut self,
        s: &mut Session,
        stmt: &Statement,
        text: &str,
    ) -> PgResult<ExecOutput> {
        let _functions = self.activate_functions(COORDINATOR);
        if let Some(out) = self.system_setting(s, stmt)? {
            return Ok(out);
        }
        if let Some(out) = crate::executor::settings::execute(s, stmt)? {
            return Ok(out);
        }
        crate::executor::coordinator::execute(self, s, stmt, text)
    }

    /// Parse analysis on the node the client is connected to: names are resolved against its
    /// catalog (a coordinator's shell tables for Citus tables) before anything runs.
    pub(crate) fn analyze(&self, node: &str, stmt: &Statement) -> Result<(), analyze::Failure> {
        let db = self
            .node_db(node)
            .map_err(|e| analyze::Failure::new(e, None))?;
        let _functions = db.functions.activate();
        let relations = BTreeMap::new();
        let host = ClusterHost::new(&self.catalog, self.now(), &relations);
        let server = self.network.node(node);
        let host = crate::node::catalog::NodeHost {
            inner: &host,
            internal: false,
            prepared: server.map(|n| n.prepared_view()).unwrap_or_default(),
            replication: match server {
                Some(n) => crate::node::catalog::ReplicationView::of(n),
                None => crate::node::catalog::ReplicationView::default(),
            },
        };
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

    /// The plan EXPLAIN would print for `sql` in session `id` (the statement itself when it is
    /// not an EXPLAIN).
    pub fn plan_sql(
        &self,
        id: SessionId,
        sql: &str,
    ) -> PgResult<crate::planner::explain::PlanNode> {
        let s = self.sessions.get(&id).ok_or_else(|| no_session(id))?;
        crate::planner::explain::plan_sql(self, s, sql)
    }

    /// Carries on with a session's waiting statement now that its lock is free.
    pub(crate) fn resume(&mut self, s: &mut Session) -> Reply {
        let Some(w) = s.waiting.take() else {
            return Reply::done(Ok(ExecOutput::command("")));
        };
        let resume = match w.on {
            WaitOn::Lock { resume, .. } => resume,
            WaitOn::SyncRep { port, reply, .. } => {
                return self.sync_wait_outcome(&w.node, port, *reply)
            }
        };
        match resume {
            Resume::Statement(sql) => self.client_input(s, &sql),
            Resume::Modify(run) => {
                self.network.trace.begin_statement();
                let env = Envelope::new(CLIENT, &s.node, w.sql.clone()).session(s.id);
                let mut note = env.clone();
                note.phase = Some("resumed".into());
                self.network.note(MessageKind::ClientQuery, note);
                let implicit = s.txn.as_ref().is_some_and(|t| !t.explicit);
                let result = self.continue_modify(s, run).and_then(|out| {
                    if implicit {
                        let mut commit = self.commit_txn(s)?;
                        let mut out = out;
                        out.notices.append(&mut commit.notices);
                        Ok(out)
                    } else {
                        Ok(out)
                    }
                });
                let reply = self.finish_statement(s, result);
                self.note_client_result(s, &reply, env);
                reply
            }
        }
    }

    /// After a statement: a waiting statement that now forms a deadlock is cancelled, and
    /// waiting statements whose locks were released carry on. If the caller's own statement
    /// finished that way, its reply is returned instead.
    fn settle(&mut self, id: SessionId, reply: Reply) -> Reply {
        if matches!(reply.completion, Completion::Waiting(_)) {
            self.break_deadlocks(id);
        }
        self.wake_waiters();
        if let Some(pos) = self.finished.iter().position(|f| f.session == id) {
            return self.finished.remove(pos).reply;
        }
        if matches!(reply.completion, Completion::Waiting(_)) {
            // Still waiting: describe it as it stands now.
            if let Some(info) = self.sessions.get(&id).and_then(|s| self.wait_info(s)) {
                return Reply {
                    completion: Completion::Waiting(info),
                    ..reply
                };
            }
        }
        reply
    }

    /// Puts a finished background statement where the client will see it.
    pub(crate) fn push_finished(&mut self, s: &Session, sql: String, reply: Reply) {
        self.finished.push(Finished {
            session: s.id,
            sql,
            reply,
        });
    }

    /// Records the statement as waiting for the row lock in `e`.
    pub(crate) fn begin_wait(&mut self, s: &mut Session, node: &str, e: &PgError, resume: Resume) {
        let Some(w) = &e.wait else {
            return;
        };
        s.waiting = Some(Waiting {
            sql: s.current_sql.clone(),
            node: node.to_string(),
            on: WaitOn::Lock {
                holder: w.holder,
                relation: w.relation.clone(),
                resume,
            },
            since: self.network.trace.clock,
        });
    }
}
