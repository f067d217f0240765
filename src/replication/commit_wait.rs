//! Commits that wait for synchronous standbys. A server whose `synchronous_standby_names`
//! lists standbys does not answer a commit until enough of them confirm its WAL record. The
//! client waits meanwhile: the wait ends when the standbys catch up, the setting is emptied,
//! the server goes away, or the client cancels (PostgreSQL then warns that the transaction
//! has committed locally only).

use super::wal::Lsn;
use crate::cluster::Cluster;
use crate::error::Notice;
use crate::session::{Completion, Reply, SessionId, WaitOn, Waiting};

impl Cluster {
    /// How far the WAL of each server with synchronous standbys goes now.
    pub(crate) fn sync_positions(&self) -> Vec<(String, Lsn)> {
        self.network
            .nodes()
            .iter()
            // A standby copied the setting with its base backup; it commits nothing itself.
            .filter(|n| n.is_up() && !n.in_recovery() && n.sync_standbys().is_some())
            .map(|n| (n.name.clone(), n.wal.insert))
            .collect()
    }

    /// After a statement of session `id`: when it wrote WAL on a server whose commits wait
    /// for synchronous standbys (`before`: positions when it began) and they have not
    /// confirmed it, the reply is held and the client waits.
    pub(crate) fn await_sync_standbys(
        &mut self,
        id: SessionId,
        before: &[(String, Lsn)],
        reply: Reply,
    ) -> Reply {
        if !matches!(reply.completion, Completion::Done(_)) {
            return reply;
        }
        let Some(s) = self.sessions.get(&id) else {
            return reply;
        };
        let unconfirmed = before.iter().find_map(|(server, start)| {
            let n = self.network.node(server).filter(|n| n.is_up())?;
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
            waits.then(|| (server.clone(), n.wal.insert))
        });
        let Some((server, lsn)) = unconfirmed else {
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

    /// Whether a commit at `lsn` on `server` need wait no longer.
    pub(crate) fn sync_wait_over(&self, server: &str, lsn: Lsn) -> bool {
        self.network
            .node(server)
            .is_none_or(|n| !n.is_up() || n.sync_confirmed(lsn))
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
