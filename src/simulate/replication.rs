//! Streaming replication in the fault simulator. A seed runs without standbys, with a
//! synchronous standby for every node (the coordinator included), with asynchronous standbys
//! behind delayed links, or with synchronous standbys and the HA manager on. Random steps fail
//! nodes over, switch them over, add standbys and crash standbys. What it checks:
//! - with synchronous replication no promotion loses a transaction (any single failure);
//! - every promotion reports exactly what it lost: a row that differs between the old primary
//!   and the promoted standby is one the reported records wrote;
//! - once healed, every standby holds what its primary holds (contents compared by checksum).

use super::Run;
use std::collections::BTreeMap;

/// How a seed replicates.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Replication {
    None,
    Sync,
    Async,
    SyncWithHa,
}

impl Replication {
    pub(super) fn for_seed(seed: u64) -> Self {
        match (seed / 2) % 4 {
            0 => Replication::None,
            1 => Replication::Sync,
            2 => Replication::Async,
            _ => Replication::SyncWithHa,
        }
    }

    fn sync(self) -> bool {
        matches!(self, Replication::Sync | Replication::SyncWithHa)
    }
}

type Contents = BTreeMap<String, Vec<(i64, Vec<crate::types::Value>)>>;

/// Rows that differ between two servers' contents: (table, row id), -1 for a whole table.
fn differences(a: &Contents, b: &Contents) -> Vec<(String, i64)> {
    let mut out = Vec::new();
    for table in a.keys().chain(b.keys()) {
        match (a.get(table), b.get(table)) {
            (Some(x), Some(y)) => {
                let x: BTreeMap<i64, _> = x.iter().map(|(id, r)| (*id, r)).collect();
                let y: BTreeMap<i64, _> = y.iter().map(|(id, r)| (*id, r)).collect();
                for id in x.keys().chain(y.keys()) {
                    if x.get(id) != y.get(id) {
                        out.push((table.clone(), *id));
                    }
                }
            }
            _ => out.push((table.clone(), -1)),
        }
    }
    out.sort();
    out.dedup();
    out
}

impl Run {
    /// Standbys for every node the mode replicates, and the HA manager.
    pub(super) fn add_standbys(&mut self) -> Result<(), String> {
        let mode = self.replication;
        if mode == Replication::None {
            return Ok(());
        }
        let mut nodes = self.workers.clone();
        if mode.sync() {
            nodes.push(crate::cluster::COORDINATOR.to_string());
        }
        for node in nodes {
            self.add_standby(&node)?;
        }
        if mode == Replication::SyncWithHa {
            self.cluster.set_ha(true);
        }
        Ok(())
    }

    fn add_standby(&mut self, node: &str) -> Result<(), String> {
        let (sync, delay) = match self.replication {
            Replication::Async => (
                crate::replication::SyncMode::Async,
                (2 + self.rng.below(10)) as i64 * 1_000_000,
            ),
            _ => (crate::replication::SyncMode::Sync, 0),
        };
        let said = self
            .cluster
            .add_standby(node, None, sync, delay)
            .map_err(|e| format!("\\standby add {node}: {e}"))?;
        self.log.push(format!("op: {said}"));
        Ok(())
    }

    /// Nodes that have a running standby.
    fn with_standby(&self) -> Vec<String> {
        self.cluster
            .standbys()
            .into_iter()
            .filter(|s| s.is_up)
            .map(|s| s.primary)
            .filter(|p| self.cluster.catalog.node_by_name(p).is_some())
            .collect()
    }

    /// One random replication step.
    pub(super) fn replication_step(&mut self) {
        let candidates = self.with_standby();
        match self.rng.below(4) {
            0 | 1 if !candidates.is_empty() => {
                let node = self.pick(&candidates).clone();
                let switchover = self.rng.below(2) == 0;
                self.failover_checked(&node, switchover);
            }
            2 => {
                let bare: Vec<String> = self
                    .workers
                    .iter()
                    .filter(|w| !candidates.contains(w))
                    .filter(|w| self.cluster.network.node(w).is_some_and(|n| n.is_up()))
                    .cloned()
                    .collect();
                if !bare.is_empty() {
                    let node = self.pick(&bare).clone();
                    if let Err(e) = self.add_standby(&node) {
                        self.log.push(format!("op failed: {e}"));
                    }
                }
            }
            // A standby fails. A synchronous one holds its primary's commits until it is
            // back (the random restarts bring it back), so none is acknowledged unreplicated.
            _ if self.replication != Replication::None => {
                let standbys: Vec<String> = self
                    .cluster
                    .standbys()
                    .into_iter()
                    .map(|s| s.name)
                    .collect();
                if !standbys.is_empty() {
                    let s = self.pick(&standbys).clone();
                    self.op(move |c| c.crash(&s).map(|_| ()));
                }
            }
            _ => {}
        }
        self.note_losses();
    }

    /// A failover (or switchover) of `node`, checking that its report accounts for every row
    /// the promoted standby lacks.
    fn failover_checked(&mut self, node: &str, switchover: bool) {
        let before_losses = self.cluster.losses.len();
        let old = self.cluster.server_contents(node);
        let result = if switchover {
            self.cluster.switchover(node)
        } else {
            self.cluster.failover(node)
        };
        match result {
            Ok(said) => self.log.push(format!("op: {said}")),
            Err(e) => {
                self.log.push(format!("op refused: {e}"));
                return;
            }
        }
        self.collect_finished();
        let new = self.cluster.server_contents(node);
        let reported: Vec<(String, i64)> = self.cluster.losses[before_losses..]
            .iter()
            .flat_map(|(_, l)| l.rows.iter().cloned())
            .collect();
        for (table, id) in differences(&old, &new) {
            let explained = reported
                .iter()
                .any(|(t, r)| *t == table && (*r == id || *r == -1));
            if !explained {
                self.failures.push(format!(
                    "failover of {node} lost row {id} of {table} without reporting it"
                ));
            }
        }
        if switchover {
            if let Some((_, l)) = self.cluster.losses[before_losses..]
                .iter()
                .find(|(_, l)| !l.transactions.is_empty())
            {
                self.failures
                    .push(format!("switchover of {node} lost: {}", l.describe()));
            }
        }
    }

    /// Promotions since the last look: under synchronous replication, a loss is a violation
    /// unless a commit on that node was still waiting for its standbys (unacknowledged); any
    /// loss relaxes the transfer checks (a failover may split a transfer).
    pub(super) fn note_losses(&mut self) {
        let new = &self.cluster.losses[self.losses_seen..];
        for (primary, loss) in new {
            if loss.transactions.is_empty() {
                continue;
            }
            self.lossy = true;
            let unacknowledged = self.sync_waits.contains(primary) || self.unconfirmed_commit;
            if self.replication.sync() && !unacknowledged {
                self.failures.push(format!(
                    "synchronous failover of {primary} lost {}",
                    loss.describe()
                ));
            }
        }
        self.losses_seen = self.cluster.losses.len();
    }

    /// Every standby holds what its primary holds, once the WAL has been delivered.
    pub(super) fn check_convergence(&mut self) -> Result<(), String> {
        self.cluster.ship_wal(true);
        for s in self.cluster.standbys() {
            if !s.is_up
                || !self
                    .cluster
                    .network
                    .node(&s.primary)
                    .is_some_and(|p| p.is_up())
            {
                continue;
            }
            let standby = self.cluster.content_checksum(&s.name);
            let primary = self.cluster.content_checksum(&s.primary);
            if standby != primary {
                let diff = differences(
                    &self.cluster.server_contents(&s.primary),
                    &self.cluster.server_contents(&s.name),
                );
                return Err(format!(
                    "{} has not converged to {} (checksums {standby:x} and {primary:x}; rows {diff:?})",
                    s.name, s.primary
                ));
            }
        }
        Ok(())
    }
}
