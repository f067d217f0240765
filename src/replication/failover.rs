//! Promotion and failover. `pg_promote()` ends a standby's recovery. A failover promotes the
//! most up-to-date standby of a failed primary and points the node at it, as
//! `citus_update_node(nodeid, host, port)` does: the node keeps its id and group, so its
//! placements follow, and the promoted server takes over the node's name (the old server is
//! kept as `<node>-old`). What the primary had written and the standby had not received is
//! lost: the report names the LSN range and the transactions in it. A switchover first lets
//! the standby catch up, so it loses nothing, and the old primary becomes the new standby.

use super::wal::{Lsn, WalBody};
use super::HaStep;
use crate::cluster::Cluster;
use crate::error::{PgError, PgResult};
use crate::trace::{Envelope, MessageKind};

/// Transactions a promotion lost: written on the old primary, never received by the standby.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Loss {
    pub from: Lsn,
    pub to: Lsn,
    pub transactions: Vec<String>,
    /// Every row the lost records wrote or removed, by table: what may differ between the old
    /// primary and the promoted standby.
    pub rows: std::collections::BTreeSet<(String, i64)>,
}

impl Loss {
    pub fn describe(&self) -> String {
        if self.transactions.is_empty() {
            return "no transaction lost".into();
        }
        format!(
            "{} lost (WAL {}..{}): {}",
            match self.transactions.len() {
                1 => "1 transaction".to_string(),
                n => format!("{n} transactions"),
            },
            self.from,
            self.to,
            self.transactions.join("; ")
        )
    }
}

fn recovery_not_in_progress() -> PgError {
    PgError::new("55000", "recovery is not in progress")
        .with_hint("Recovery control functions can only be executed during recovery.")
}

impl Cluster {
    /// The standbys streaming from server `primary`, most up-to-date first.
    pub(crate) fn standbys_of(&self, primary: &str) -> Vec<(String, Lsn)> {
        let mut out: Vec<(String, Lsn)> = self
            .network
            .nodes()
            .iter()
            .filter_map(|n| {
                let r = n.recovery.as_ref()?;
                (r.primary == primary).then(|| (n.name.clone(), r.replayed))
            })
            .collect();
        crate::sort::sort_by(&mut out, |a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        out
    }

    /// Ends `standby`'s recovery (`pg_promote()`); returns what its primary had written that
    /// it never received.
    pub(crate) fn promote_server(&mut self, standby: &str) -> PgResult<Loss> {
        let Some(server) = self.network.node(standby) else {
            return Err(PgError::new(
                "42704",
                format!("node \"{standby}\" does not exist"),
            ));
        };
        let Some(recovery) = server.recovery.clone() else {
            return Err(recovery_not_in_progress());
        };
        let primary = recovery.primary.clone();
        let lost: Vec<_> = self
            .network
            .node(&primary)
            .map(|p| {
                p.wal
                    .after(recovery.replayed)
                    .filter(|r| r.body.is_transaction())
                    .cloned()
                    .collect()
            })
            .unwrap_or_default();
        let prepared_rows = |gid: &str| {
            let from_standby = recovery
                .pending
                .iter()
                .find(|p| p.gid == gid)
                .map(|p| &p.redo);
            let from_lost = lost.iter().find_map(|r| match &r.body {
                WalBody::Prepare { gid: g, redo, .. } if g == gid => Some(redo),
                _ => None,
            });
            from_standby
                .or(from_lost)
                .map(|redo| super::wal::redo_touched(redo))
                .unwrap_or_default()
        };
        let loss = Loss {
            from: recovery.replayed,
            to: lost.last().map_or(recovery.replayed, |r| r.end),
            transactions: lost
                .iter()
                .filter(|r| !matches!(r.body, WalBody::Shell(_)))
                .map(|r| r.body.describe(r.xid))
                .collect(),
            rows: lost
                .iter()
                .flat_map(|r| match &r.body {
                    // A lost decision on a prepared transaction loses the rows it prepared.
                    WalBody::CommitPrepared { gid } | WalBody::RollbackPrepared { gid } => {
                        prepared_rows(gid)
                    }
                    body => body.touched_rows(),
                })
                .collect(),
        };
        if let Some(s) = self.network.node_mut(standby) {
            s.promote();
        }
        if let Some(p) = self.network.node_mut(&primary) {
            p.senders.retain(|s| s.standby != standby);
        }
        // The old primary's other standbys follow the promoted one (they are behind it).
        let now = self.now();
        let followers: Vec<(String, Lsn)> = self.standbys_of(&primary);
        for (name, replayed) in followers {
            if let Some(p) = self.network.node_mut(&primary) {
                p.senders.retain(|s| s.standby != name);
            }
            if let Some(f) = self.network.node_mut(&name) {
                if let Some(r) = f.recovery.as_mut() {
                    r.primary = standby.to_string();
                }
            }
            if let Some(new) = self.network.node_mut(standby) {
                new.add_sender(&name, 0, replayed, now);
            }
        }
        self.note_ha(
            standby,
            HaStep::Promotion,
            format!(
                "{standby} promoted at {}: recovery ended, it takes writes",
                recovery.replayed
            ),
        );
        if !loss.transactions.is_empty() {
            self.note_ha(standby, HaStep::Loss, loss.describe());
        }
        self.losses.push((primary, loss.clone()));
        Ok(loss)
    }

    /// Whether the node's server makes commits wait for standbys.
    fn synchronous_mode(&self, server: &str) -> bool {
        self.network
            .node(server)
            .is_some_and(|n| n.sync_standbys().is_some())
    }

    /// Patroni's synchronous mode after a change of primary: the new primary's commits wait
    /// for its standbys, or for none when it has none left (so writes go on).
    fn name_sync_standbys(&mut self, server: &str, synchronous: bool) {
        let Some(node) = self.network.node_mut(server) else {
            return;
        };
        let names: Vec<String> = node
            .senders
            .iter()
            .map(|s| super::sync_rep::quote_name(&s.standby))
            .collect();
        let value = if synchronous {
            names.join(", ")
        } else {
            String::new()
        };
        if node.conf.get("synchronous_standby_names") == value {
            return;
        }
        node.conf
            .set_now("synchronous_standby_names", value.clone());
        self.note_ha(
            server,
            HaStep::Config,
            format!("{server}: synchronous_standby_names = '{value}'"),
        );
    }

    pub(crate) fn note_ha(&mut self, node: &str, step: super::HaStep, what: String) {
        let mut env = Envelope::new("ha", node, what);
        env.phase = Some(step.phase().to_string());
        self.network.note(MessageKind::Ha, env);
    }

    /// Points Citus's node `logical` (its pg_dist_node row) at server `server`, as
    /// `citus_update_node` does; the server takes the node's name.
    pub(crate) fn repoint_node(&mut self, logical: &str, server: &str) -> PgResult<()> {
        let Some(port) = self.network.node(server).map(|n| n.port) else {
            return Err(PgError::new(
                "42704",
                format!("node \"{server}\" does not exist"),
            ));
        };
        if logical != server {
            let mut old = format!("{logical}-old");
            let mut n = 2;
            while self.network.node(&old).is_some() {
                old = format!("{logical}-old-{n}");
                n += 1;
            }
            // Clients of the node reconnect to whichever server has its name (as through
            // Patroni's proxy); those of the standby keep their connection.
            self.rename_server(logical, &old, false);
            self.rename_server(server, logical, true);
        }
        let mut node_id = 0;
        let mut group_id = 0;
        if let Some(n) = self.catalog.nodes.iter_mut().find(|n| n.name == logical) {
            n.port = port;
            node_id = n.node_id;
            group_id = n.group_id;
        }
        self.note_ha(
            logical,
            HaStep::Catalog,
            format!(
                "citus_update_node({node_id}, '127.0.0.1', {port}): node {node_id} (group {group_id}) is now {logical} at 127.0.0.1:{port}"
            ),
        );
        Ok(())
    }

    /// Renames a server everywhere the cluster names it: the network, cached connections
    /// (they stay with their server) and, with
    /// `move_sessions`, the client sessions connected to it (otherwise they lose their
    /// backend and reconnect to the name's new server).
    fn rename_server(&mut self, from: &str, to: &str, move_sessions: bool) {
        if self.network.node(from).is_none() {
            return;
        }
        self.network.rename(from, to);
        for s in self.sessions.values_mut() {
            // A connection is to a server: it follows it (and breaks if the server is down).
            for c in s.connections.iter_mut().filter(|c| c.node == from) {
                c.node = to.to_string();
            }
            if s.node == from {
                if move_sessions {
                    s.node = to.to_string();
                } else {
                    s.backend = None;
                    s.txn = None;
                }
            }
        }
        if let Some(ha) = self.ha.as_mut() {
            ha.rename(from, to);
        }
    }

    /// `\failover NODE`: promotes the most up-to-date standby of the node's server and points
    /// the node at it. The primary need not be down (a learner may fail over a live one).
    pub fn failover(&mut self, node: &str) -> PgResult<String> {
        let logical = self.resolve_node(node)?;
        let candidates = self.standbys_of(&logical);
        let Some((standby, replayed)) = candidates
            .iter()
            .find(|(n, _)| self.network.node(n).is_some_and(|s| s.is_up()))
            .cloned()
        else {
            return Err(PgError::new(
                "55000",
                format!("{logical} has no running standby to fail over to"),
            )
            .with_hint(format!("Add one first: \\standby add {logical}")));
        };
        // A primary still running is stopped first, so it cannot take writes any more.
        if self.network.node(&logical).is_some_and(|n| n.is_up()) {
            self.crash_node(&logical);
        }
        self.note_ha(
            &standby,
            HaStep::Election,
            format!("failover of {logical}: {standby} has replayed the most, up to {replayed}"),
        );
        let synchronous = self.synchronous_mode(&logical);
        let loss = self.promote_server(&standby)?;
        self.repoint_node(&logical, &standby)?;
        self.name_sync_standbys(&logical, synchronous);
        let port = self.network.node(&logical).map_or(0, |n| n.port);
        Ok(format!(
            "{standby} promoted; {logical} is now 127.0.0.1:{port}; {}",
            loss.describe()
        ))
    }

    /// `\switchover NODE`: a planned change of primary with nothing lost: writes to the node
    /// stop, the standby catches up, it is promoted and the node points at it, and the old
    /// primary becomes its standby.
    pub fn switchover(&mut self, node: &str) -> PgResult<String> {
        let logical = self.resolve_node(node)?;
        if !self.network.node(&logical).is_some_and(|n| n.is_up()) {
            return Err(PgError::new(
                "55000",
                format!("{logical} is down: a switchover needs a running primary"),
            )
            .with_hint(format!("Use \\failover {logical} instead.")));
        }
        let Some((standby, _)) = self
            .standbys_of(&logical)
            .into_iter()
            .find(|(n, _)| self.network.node(n).is_some_and(|s| s.is_up()))
        else {
            return Err(PgError::new(
                "55000",
                format!("{logical} has no running standby to switch over to"),
            )
            .with_hint(format!("Add one first: \\standby add {logical}")));
        };
        self.note_ha(
            &logical,
            HaStep::Election,
            format!("switchover of {logical}: writes paused"),
        );
        self.ship_wal(true);
        let caught_up = self.standbys_of(&logical);
        let primary_lsn = self.network.node(&logical).map_or(Lsn(0), |n| n.wal.insert);
        let standby_lsn = caught_up
            .iter()
            .find(|(n, _)| *n == standby)
            .map_or(Lsn(0), |(_, l)| *l);
        if standby_lsn < primary_lsn {
            return Err(PgError::new(
                "55000",
                format!("{standby} cannot catch up with {logical} (replayed {standby_lsn} of {primary_lsn})"),
            )
            .with_hint("Check that its link is not cut."));
        }
        self.note_ha(
            &standby,
            HaStep::Election,
            format!("{standby} caught up at {standby_lsn}"),
        );
        // The old primary shuts down cleanly (its sessions end), then rejoins as a standby.
        let synchronous = self.synchronous_mode(&logical);
        self.crash_node(&logical);
        let loss = self.promote_server(&standby)?;
        self.repoint_node(&logical, &standby)?;
        let old = self
            .network
            .nodes()
            .iter()
            .map(|n| n.name.clone())
            .filter(|n| n.starts_with(&format!("{logical}-old")))
            .last()
            .unwrap_or_default();
        let rejoined = self.rejoin_as_standby(&old, &logical);
        self.name_sync_standbys(&logical, synchronous);
        let port = self.network.node(&logical).map_or(0, |n| n.port);
        Ok(format!(
            "{logical} is now 127.0.0.1:{port} (promoted {standby} at {standby_lsn}); {}{}",
            loss.describe(),
            rejoined
                .map(|name| format!("; the old primary follows it as {name}"))
                .unwrap_or_default()
        ))
    }

    /// A stopped old primary comes back as a standby of the node's new primary (Patroni
    /// rewinds it and restarts it in recovery).
    fn rejoin_as_standby(&mut self, old: &str, primary: &str) -> Option<String> {
        self.network.node(old)?;
        let name = format!("{primary}-standby");
        let name = if self.network.node(&name).is_some() {
            return None;
        } else {
            name
        };
        self.rename_server(old, &name, true);
        let now = self.now();
        let primary_port = self.network.node(primary)?.port;
        let backup = self.network.node_mut(primary)?.base_backup();
        let lsn = backup.lsn;
        // The same server process ids go on: a connection cached to the old primary can never
        // reach one of the new standby's backends.
        let server = self.network.node_mut(&name)?;
        server.wipe_for_base_backup();
        server.start_standby(backup, primary, primary_port);
        self.network
            .node_mut(primary)?
            .add_sender(&name, 0, lsn, now);
        self.note_ha(
            &name,
            HaStep::Config,
            format!("{name} rejoined as a standby of {primary} at {lsn}"),
        );
        Some(name)
    }
}
