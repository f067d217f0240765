//! An HA manager in the spirit of Patroni: for every node with a standby, a leader key in a
//! small consensus store holds the primary's lease, which the primary's agent renews while
//! its health check passes. When a primary stops renewing (down, or cut off) and its lease
//! has run out (the TTL, on the logical clock), the standbys hold an election: the one that
//! has replayed the most WAL wins, is promoted, and Citus is pointed at it.

use super::HaStep;
use crate::cluster::Cluster;
use std::collections::BTreeMap;

/// Patroni's default `ttl`.
pub const DEFAULT_TTL_US: i64 = 30_000_000;

/// A leader key: who holds it, and until when (simulated microseconds).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Lease {
    pub holder: String,
    pub expires_us: i64,
}

/// The consensus store's leader keys, one per node (by its name in the cluster).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HaManager {
    pub ttl_us: i64,
    pub leases: BTreeMap<String, Lease>,
}

impl Default for HaManager {
    fn default() -> Self {
        HaManager {
            ttl_us: DEFAULT_TTL_US,
            leases: BTreeMap::new(),
        }
    }
}

impl HaManager {
    pub(crate) fn rename(&mut self, from: &str, to: &str) {
        if let Some(lease) = self.leases.remove(from) {
            self.leases.insert(to.to_string(), lease);
        }
        for lease in self.leases.values_mut() {
            if lease.holder == from {
                lease.holder = to.to_string();
            }
        }
    }
}

/// A leader lease as the map shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LeaseInfo {
    pub node: String,
    pub ttl_us: i64,
    /// Time left before it runs out (0 once it has).
    pub remaining_us: i64,
    /// The holder's health check passes, so the lease is being renewed.
    pub renewed: bool,
}

/// `30 s`, `1.5 s`, `250 ms`.
pub fn seconds(us: i64) -> String {
    if us % 1_000_000 == 0 {
        format!("{} s", us / 1_000_000)
    } else if us < 1_000_000 {
        format!("{} ms", us / 1000)
    } else {
        format!("{:.1} s", us as f64 / 1e6)
    }
}

impl Cluster {
    pub fn ha_on(&self) -> bool {
        self.ha.is_some()
    }

    /// The HA manager's leader leases, by node.
    pub fn leases(&self) -> Vec<LeaseInfo> {
        let Some(ha) = &self.ha else {
            return Vec::new();
        };
        let now = self.sim_time_us();
        ha.leases
            .iter()
            .map(|(node, lease)| LeaseInfo {
                node: node.clone(),
                ttl_us: ha.ttl_us,
                remaining_us: (lease.expires_us - now).clamp(0, ha.ttl_us),
                renewed: self.network.node(node).is_some_and(|n| n.is_up())
                    && !self.network.is_cut(node),
            })
            .collect()
    }

    /// `\ha on|off`.
    pub fn set_ha(&mut self, on: bool) -> String {
        match (on, self.ha.is_some()) {
            (true, true) => "the HA manager is already on".into(),
            (false, false) => "the HA manager is already off".into(),
            (true, false) => {
                let ha = HaManager::default();
                let ttl = ha.ttl_us;
                self.ha = Some(ha);
                self.note_ha(
                    "ha",
                    HaStep::Manager,
                    format!("HA manager on: leader leases last {}", seconds(ttl)),
                );
                self.run_ha();
                format!(
                    "HA manager on: a primary that stops renewing its {} leader lease is replaced by its most up-to-date standby",
                    seconds(ttl)
                )
            }
            (false, true) => {
                self.ha = None;
                self.note_ha("ha", HaStep::Manager, "HA manager off".into());
                "HA manager off: failover is by hand (pg_promote() and citus_update_node)".into()
            }
        }
    }

    /// One round of the HA manager: renew the leases of healthy primaries, fail over a node
    /// whose lease has run out. Returns what it reported.
    pub(crate) fn run_ha(&mut self) -> Vec<String> {
        let Some(ha) = self.ha.clone() else {
            return Vec::new();
        };
        let now = self.sim_time_us();
        let nodes: Vec<String> = self.catalog.nodes.iter().map(|n| n.name.clone()).collect();
        let mut reports = Vec::new();
        let mut leases = ha.leases.clone();
        for node in nodes {
            if self.standbys_of(&node).is_empty() {
                continue;
            }
            let healthy =
                self.network.node(&node).is_some_and(|n| n.is_up()) && !self.network.is_cut(&node);
            if healthy {
                if !leases.contains_key(&node) {
                    self.note_ha(
                        &node,
                        HaStep::Lease,
                        format!("{node} holds the leader lease ({} TTL)", seconds(ha.ttl_us)),
                    );
                }
                leases.insert(
                    node.clone(),
                    Lease {
                        holder: node.clone(),
                        expires_us: now + ha.ttl_us,
                    },
                );
                continue;
            }
            let Some(lease) = leases.get(&node) else {
                continue;
            };
            if now < lease.expires_us {
                continue;
            }
            self.note_ha(
                &node,
                HaStep::LeaseExpired,
                format!(
                    "the leader lease of {node} expired: its health check has failed for {}",
                    seconds(ha.ttl_us)
                ),
            );
            leases.remove(&node);
            match self.failover(&node) {
                Ok(done) => reports.push(done),
                Err(e) => reports.push(e.message.clone()),
            }
        }
        if let Some(h) = self.ha.as_mut() {
            h.leases = leases;
        }
        reports
    }
}
