//! What the last statement did to the cluster's availability, read from its `ha` messages:
//! a lease expiring, the election, the promotion, the catalog change, lost transactions and
//! commits waiting for synchronous standbys, in order, each with the node it concerns. The
//! map tells it as a list of steps and marks the nodes involved.

use crate::replication::HaStep;
use crate::trace::{MessageKind, TraceEvent};
use std::collections::BTreeMap;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HaEvent {
    pub step: HaStep,
    pub node: String,
    pub text: String,
}

/// The `ha` messages among `events`, in order.
pub fn story(events: &[TraceEvent]) -> Vec<HaEvent> {
    events
        .iter()
        .filter(|e| e.kind == MessageKind::Ha)
        .filter_map(|e| {
            Some(HaEvent {
                step: HaStep::from_phase(e.phase.as_deref()?)?,
                node: e.to.clone(),
                text: e.sql.clone(),
            })
        })
        .collect()
}

/// The mark a step leaves on its node's box (a CSS class), if any.
pub fn node_mark(step: HaStep) -> Option<&'static str> {
    match step {
        HaStep::LeaseExpired => Some("lease-expired"),
        HaStep::Promotion => Some("promoted"),
        HaStep::Loss => Some("lost-writes"),
        HaStep::SyncWait => Some("sync-waiting"),
        _ => None,
    }
}

/// The marks the story leaves on the map's boxes, by the names the boxes have now: once the
/// catalog points a node at the promoted server, that server carries the node's name, so its
/// marks move there (and the old primary's leave).
pub fn node_marks(story: &[HaEvent]) -> BTreeMap<String, Vec<&'static str>> {
    let mut marks: BTreeMap<String, Vec<&'static str>> = BTreeMap::new();
    let mut promoted: Option<String> = None;
    for e in story {
        match e.step {
            HaStep::Promotion => promoted = Some(e.node.clone()),
            HaStep::Catalog => {
                marks.remove(&e.node);
                if let Some(server) = promoted.take() {
                    if let Some(m) = marks.remove(&server) {
                        marks.insert(e.node.clone(), m);
                    }
                }
            }
            _ => {}
        }
        if let Some(mark) = node_mark(e.step) {
            let m = marks.entry(e.node.clone()).or_default();
            if !m.contains(&mark) {
                m.push(mark);
            }
        }
    }
    marks
}

/// The step's name, shown before its text.
pub fn label(step: HaStep) -> &'static str {
    match step {
        HaStep::Manager => "HA manager",
        HaStep::Config => "settings",
        HaStep::Lease => "lease",
        HaStep::LeaseExpired => "lease ran out",
        HaStep::Election => "election",
        HaStep::Promotion => "promotion",
        HaStep::Catalog => "catalog",
        HaStep::Loss => "lost",
        HaStep::SyncWait => "commit waits",
    }
}

/// A lease's state in words: `renewed, 30 s left` or `not renewed: runs out in 12 s`.
pub fn lease_text(lease: &crate::replication::ha::LeaseInfo) -> String {
    let left = crate::replication::ha::seconds(lease.remaining_us);
    if lease.renewed {
        format!("renewed, {left} left")
    } else if lease.remaining_us > 0 {
        format!("not renewed: runs out in {left}")
    } else {
        "ran out".to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::Cluster;
    use crate::replication::SyncMode;

    #[test]
    fn a_failover_by_the_ha_manager_tells_each_step_on_its_node() {
        let mut c = Cluster::new();
        let s = c.session();
        for sql in [
            "CREATE TABLE t (id int PRIMARY KEY)",
            "SELECT create_distributed_table('t', 'id')",
        ] {
            c.execute(s, sql).unwrap_or_else(|e| panic!("{e}"));
        }
        c.add_standby("worker-1", None, SyncMode::Async, 60_000_000)
            .unwrap_or_else(|e| panic!("{e}"));
        c.set_ha(true);
        c.execute(s, "INSERT INTO t SELECT g FROM generate_series(1, 20) g")
            .unwrap_or_else(|e| panic!("{e}"));
        let leases = c.leases();
        assert_eq!(leases.len(), 1);
        assert!(leases[0].renewed);
        assert_eq!(lease_text(&leases[0]), "renewed, 30 s left");
        c.crash("worker-1").unwrap_or_else(|e| panic!("{e}"));
        c.tick(10_000_000);
        assert_eq!(lease_text(&c.leases()[0]), "not renewed: runs out in 20 s");
        let first = c.network.trace.events.len();
        c.tick(25_000_000);
        let told = story(&c.network.trace.events[first..]);
        let steps: Vec<HaStep> = told.iter().map(|e| e.step).collect();
        assert_eq!(
            steps,
            vec![
                HaStep::LeaseExpired,
                HaStep::Election,
                HaStep::Promotion,
                HaStep::Loss,
                HaStep::Catalog,
            ]
        );
        assert_eq!(told[0].node, "worker-1");
        assert_eq!(told[2].node, "worker-1-standby");
        assert!(told[3].text.contains("lost"), "{}", told[3].text);
        assert_eq!(node_mark(told[3].step), Some("lost-writes"));
        // The promoted server now carries worker-1's name, and its marks with it.
        let marks = node_marks(&told);
        assert_eq!(
            marks.get("worker-1").cloned(),
            Some(vec!["promoted", "lost-writes"])
        );
        assert!(!marks.contains_key("worker-1-standby"));
    }
}
