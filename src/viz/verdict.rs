//! The one-line summary of what a statement did, derived only from its trace events (never from
//! the planner), so the verdict shows exactly what the timeline shows.

use crate::trace::{MessageKind, TraceEvent};
use std::collections::BTreeSet;

/// What the trace of one statement says about how it ran.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    pub tasks: usize,
    /// Nodes that received a task, sorted.
    pub task_nodes: Vec<String>,
    /// Shards a task ran on, sorted.
    pub task_shards: Vec<i64>,
    /// Tasks that failed on a worker.
    pub task_errors: usize,
    /// The statement's error went back to the client.
    pub failed: bool,
    pub combined: bool,
    pub ddl_messages: usize,
    pub copy_messages: usize,
    pub prepares: usize,
    /// The node the client talked to.
    pub entry_node: Option<String>,
}

impl Summary {
    pub fn from_events(events: &[TraceEvent]) -> Self {
        let mut nodes = BTreeSet::new();
        let mut shards = BTreeSet::new();
        let mut s = Summary::default();
        for e in events {
            match e.kind {
                MessageKind::Task => {
                    s.tasks += 1;
                    nodes.insert(e.to.clone());
                    if let Some(id) = e.shard {
                        shards.insert(id);
                    }
                }
                MessageKind::TaskError if e.to == "client" => s.failed = true,
                MessageKind::TaskError => s.task_errors += 1,
                MessageKind::Combine => s.combined = true,
                MessageKind::Ddl => s.ddl_messages += 1,
                MessageKind::Copy => s.copy_messages += 1,
                MessageKind::Prepare => s.prepares += 1,
                MessageKind::ClientQuery if s.entry_node.is_none() => {
                    s.entry_node = Some(e.to.clone());
                }
                _ => {}
            }
        }
        s.task_nodes = nodes.into_iter().collect();
        s.task_shards = shards.into_iter().collect();
        s
    }
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// "router query: 1 task on worker-2 (shard 102023)",
/// "multi-shard: 32 tasks on 2 workers, combined on the coordinator", ...
pub fn verdict(events: &[TraceEvent]) -> String {
    if events.is_empty() {
        return "no statement traced yet".to_string();
    }
    let s = Summary::from_events(events);
    let entry = s.entry_node.as_deref().unwrap_or("coordinator");
    let mut text = match s.tasks {
        0 if s.ddl_messages + s.copy_messages == 0 => {
            format!("local: ran on {entry} only, no tasks")
        }
        0 => {
            let mut parts = Vec::new();
            if s.ddl_messages > 0 {
                parts.push(plural(s.ddl_messages, "DDL message", "DDL messages"));
            }
            if s.copy_messages > 0 {
                parts.push(plural(s.copy_messages, "copy", "copies"));
            }
            format!("metadata/DDL: {}", parts.join(", "))
        }
        1 => {
            let node = s.task_nodes.first().map(String::as_str).unwrap_or("?");
            match s.task_shards.first() {
                Some(shard) => format!("router query: 1 task on {node} (shard {shard})"),
                None => format!("router query: 1 task on {node}"),
            }
        }
        n => {
            let mut t = format!(
                "multi-shard: {n} tasks on {}",
                plural(s.task_nodes.len(), "worker", "workers")
            );
            if s.combined {
                t.push_str(&format!(", combined on the {entry}"));
            }
            t
        }
    };
    if s.task_errors > 0 {
        text.push_str(&format!(
            "; {} failed",
            plural(s.task_errors, "task", "tasks")
        ));
    }
    if s.failed {
        text.push_str("; the statement failed");
    }
    if s.prepares > 0 {
        text.push_str(&format!(
            "; two-phase commit over {}",
            plural(s.prepares, "node", "nodes")
        ));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(time: u64, from: &str, to: &str, kind: MessageKind, shard: Option<i64>) -> TraceEvent {
        TraceEvent {
            time,
            statement: 1,
            from: from.into(),
            to: to.into(),
            kind,
            sql: String::new(),
            shard,
            shards: shard.into_iter().collect(),
            rows: 0,
            phase: None,
            session: 1,
            gid: None,
            connection: None,
        }
    }

    #[test]
    fn empty_trace() {
        assert_eq!(verdict(&[]), "no statement traced yet");
    }

    #[test]
    fn router_query() {
        let events = vec![
            ev(1, "client", "coordinator", MessageKind::ClientQuery, None),
            ev(
                2,
                "coordinator",
                "worker-2",
                MessageKind::Task,
                Some(102023),
            ),
            ev(
                3,
                "worker-2",
                "coordinator",
                MessageKind::TaskResult,
                Some(102023),
            ),
            ev(4, "coordinator", "client", MessageKind::ClientResult, None),
        ];
        assert_eq!(
            verdict(&events),
            "router query: 1 task on worker-2 (shard 102023)"
        );
    }

    #[test]
    fn multi_shard_query() {
        let mut events = vec![ev(
            1,
            "client",
            "coordinator",
            MessageKind::ClientQuery,
            None,
        )];
        for i in 0..32 {
            let node = if i % 2 == 0 { "worker-1" } else { "worker-2" };
            events.push(ev(
                2 + i,
                "coordinator",
                node,
                MessageKind::Task,
                Some(102008 + i as i64),
            ));
        }
        events.push(ev(
            40,
            "coordinator",
            "coordinator",
            MessageKind::Combine,
            None,
        ));
        assert_eq!(
            verdict(&events),
            "multi-shard: 32 tasks on 2 workers, combined on the coordinator"
        );
        let s = Summary::from_events(&events);
        assert_eq!(s.task_shards.len(), 32);
        assert_eq!(s.task_nodes, vec!["worker-1", "worker-2"]);
    }

    #[test]
    fn local_and_ddl() {
        let local = vec![ev(1, "client", "worker-1", MessageKind::ClientQuery, None)];
        assert_eq!(verdict(&local), "local: ran on worker-1 only, no tasks");
        let ddl = vec![
            ev(1, "client", "coordinator", MessageKind::ClientQuery, None),
            ev(2, "coordinator", "worker-1", MessageKind::Ddl, None),
            ev(3, "coordinator", "worker-2", MessageKind::Ddl, None),
        ];
        assert_eq!(verdict(&ddl), "metadata/DDL: 2 DDL messages");
    }

    #[test]
    fn statement_error_is_not_a_task_error() {
        let events = vec![
            ev(1, "client", "coordinator", MessageKind::ClientQuery, None),
            ev(2, "coordinator", "client", MessageKind::TaskError, None),
        ];
        assert_eq!(
            verdict(&events),
            "local: ran on coordinator only, no tasks; the statement failed"
        );
    }

    #[test]
    fn errors_and_two_phase_commit() {
        let events = vec![
            ev(1, "client", "coordinator", MessageKind::ClientQuery, None),
            ev(2, "coordinator", "worker-1", MessageKind::Task, Some(1)),
            ev(3, "coordinator", "worker-2", MessageKind::Task, Some(2)),
            ev(
                4,
                "worker-2",
                "coordinator",
                MessageKind::TaskError,
                Some(2),
            ),
            ev(5, "coordinator", "worker-1", MessageKind::Prepare, None),
            ev(6, "coordinator", "worker-2", MessageKind::Prepare, None),
        ];
        assert_eq!(
            verdict(&events),
            "multi-shard: 2 tasks on 2 workers; 1 task failed; two-phase commit over 2 nodes"
        );
    }
}
