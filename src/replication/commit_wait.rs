//! Commits that wait for synchronous standbys. A server whose `synchronous_standby_names`
//! lists standbys does not answer a commit until enough of them confirm its WAL record. The
//! client waits meanwhile: the wait ends when the standbys catch up, the setting is emptied,
//! the server goes away, or the client cancels (PostgreSQL then warns that the transaction
//! has committed locally only).

use super::wal::Lsn;
use crate::cluster::Cluster;
use crate::error::Notice;
use crate::session::{Completion, Reply, SessionId, WaitOn, Waiting};

/// `statement_completion_unknown`.
pub const COMPLETION_UNKNOWN: &str = "40003";

impl Cluster {
    /// How far the WAL of each server with synchronous standbys goes now (by name and port).
    pub(crate) fn sync_positions(&self) -> Vec<(String, u16, Lsn)> {
        self.network
            .nodes()
            .iter()
            // A standby copied the setting with its base backup; it commits nothing itself.
            .filter(|n| n.is_up() && !n.in_recovery() && n.sync_standbys().is_some())
            .map(|n| (n.name.clone(), n.port, n.wal.insert))
            .collect()
    }

    /// After a statement of session `id`: when it wrote WAL on a server whose commits wait
    /// for synchronous standbys (`before`: positions when it began) and they have not
    /// confirmed it, the reply is held and the client waits.
    pub(crate) fn await_sync_standbys(
        &mut self,
        id: SessionId,
        before: &[(String, u16, Lsn)],
        reply: Reply,
    ) -> Reply {
        if !matches!(reply.completion, Completion::Done(_)) {
            return reply;
        }
        let Some(s) = self.sessions.get(&id) else {
            return reply;
        };
        // A server that wrote for the statement and went down before its standbys had it:
        // PostgreSQL would still have been waiting when it went, so the client cannot know.
        let went_away = before.iter().find(|(server, port, start)| {
            self.network.node(server).is_some_and(|n| {
                n.port == *port
                    && !n.is_up()
                    && n.wal.insert > *start
                    && !n.sync_confirmed(n.wal.insert)
            })
        });
        if let (Some((server, port, _)), Completion::Done(Ok(_))) = (went_away, &reply.completion) {
            return self.sync_wait_outcome(server, *port, reply);
        }
        let unconfirmed = before.iter().find_map(|(server, port, start)| {
            let n = self
                .network
                .node(server)
                .filter(|n| n.is_up() && n.port == *port)?;
            // The client's own server commits under its session setting; other servers
            // commit for Citus's connections, under their own configuration.
            let level = if *server == s.node {
                crate::executor::settings::get(s, "synchronous_commit").unwrap_or_default()
            } else {
                n.conf.get("synchronous_commit").to_string()
            };
            let waits = n.wal.insert > *start
                && super::sync_rep::commit_waits(&level)
                && !n.sync_confirmed(n.wal.insert);
            waits.then(|| (server.clone(), *port, n.wal.insert))
        });
        let Some((server, port, lsn)) = unconfirmed else {
            return reply;
        };
        let since = self.network.trace.clock;
        let Some(s) = self.sessions.get_mut(&id) else {
            return reply;
        };
        s.waiting = Some(Waiting {
            sql: s.current_sql.trim_end().trim_end_matches(';').to_string(),
            node: server.clone(),
            on: WaitOn::SyncRep {
                lsn,
                port,
                reply: Box::new(reply),
            },
            since,
        });
        let info = self.sessions.get(&id).and_then(|s| self.wait_info(s));
        self.note_ha(
            &server,
            super::HaStep::SyncWait,
            format!("commit at {lsn} waits for the synchronous standbys of {server}"),
        );
        match info {
            Some(info) => Reply {
                before: Vec::new(),
                completion: Completion::Waiting(info),
                after: Vec::new(),
            },
            None => Reply::done(Err(crate::transaction::lost_connection())),
        }
    }

    /// Whether a commit at `lsn` on the server `server` (listening on `port`) need wait no
    /// longer: its standbys confirmed it, or the server went away.
    pub(crate) fn sync_wait_over(&self, server: &str, port: u16, lsn: Lsn) -> bool {
        self.network
            .node(server)
            .is_none_or(|n| !n.is_up() || n.port != port || n.sync_confirmed(lsn))
    }

    /// What the client of a finished wait gets: the statement's reply, or, when the server
    /// went away before its standbys confirmed, the broken connection with PostgreSQL's
    /// "statement completion unknown" code: the client cannot know whether its transaction
    /// survived (a failover may have lost it, since the wait comes after every step of the
    /// commit here, where PostgreSQL also holds PREPARE TRANSACTION for the standbys).
    pub(crate) fn sync_wait_outcome(&self, server: &str, port: u16, reply: Reply) -> Reply {
        if self
            .network
            .node(server)
            .is_some_and(|n| n.is_up() && n.port == port)
        {
            return reply;
        }
        Reply::done(Err(crate::error::PgError::new(
            COMPLETION_UNKNOWN,
            format!(
                "connection to the remote node postgres@127.0.0.1:{port} failed with the following error: {}",
                crate::connection::EOF
            ),
        )))
    }

    /// Cancels session `id`'s wait for synchronous standbys, as PostgreSQL does on Ctrl-C:
    /// the commit stands, with a warning. `false` when it waits for something else.
    pub(crate) fn cancel_sync_wait(&mut self, id: SessionId) -> bool {
        let Some(s) = self.sessions.get_mut(&id) else {
            return false;
        };
        if !matches!(
            s.waiting.as_ref().map(|w| &w.on),
            Some(WaitOn::SyncRep { .. })
        ) {
            return false;
        }
        let Some(w) = s.waiting.take() else {
            return false;
        };
        let WaitOn::SyncRep { reply, .. } = w.on else {
            return false;
        };
        let mut reply = *reply;
        reply.before.insert(
            0,
            Notice::warning("canceling wait for synchronous replication due to user request")
                .with_detail(
                    "The transaction has already committed locally, but might not have been replicated to the standby.",
                ),
        );
        self.note_ha(
            &w.node,
            super::HaStep::SyncWait,
            format!(
                "session {id} stopped waiting for the synchronous standbys of {}",
                w.node
            ),
        );
        if let Some(s) = self.sessions.remove(&id) {
            self.push_finished(&s, w.sql, reply);
            self.sessions.insert(id, s);
        }
        true
    }
}
