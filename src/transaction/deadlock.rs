//! Lock waits across the cluster: who waits for whom, waking a waiting statement when its lock
//! is released, and breaking deadlocks. A cycle on one node is PostgreSQL's own `deadlock
//! detected` there; a cycle through several nodes is what Citus's distributed deadlock
//! detector finds, and it cancels the youngest distributed transaction in it.

use crate::cluster::{Cluster, COORDINATOR};
use crate::error::PgError;
use crate::session::{Completion, Reply, SessionId, WaitOn};
use crate::sql::storage::Xid;
use crate::trace::{Envelope, MessageKind};
use std::collections::BTreeMap;

/// One wait: `waiter` waits on `node` for transaction `holder` there.
#[derive(Clone, Debug)]
struct Edge {
    waiter: SessionId,
    node: String,
    holder_xid: Xid,
    holder: Option<SessionId>,
    since: u64,
}

impl Cluster {
    /// The session (or prepared transaction) holding transaction `xid` on `node`.
    pub(crate) fn lock_holder(&self, node: &str, xid: Xid) -> (Option<SessionId>, Option<String>) {
        let Some(server) = self.network.node(node) else {
            return (None, None);
        };
        if let Some(p) = server.prepared_of_xact(xid) {
            return (None, Some(p.gid.clone()));
        }
        let Some((backend, _)) = server.backend_of_xact(xid) else {
            return (None, None);
        };
        for s in self.sessions.values() {
            let own = s.node == node && s.backend == Some(backend);
            let remote = s
                .connections
                .iter()
                .any(|c| c.node == node && c.backend == backend);
            if own || remote {
                return (Some(s.id), None);
            }
        }
        (None, None)
    }

    /// Whether transaction `xid` on `node` still holds its locks.
    fn still_holds(&self, node: &str, xid: Xid) -> bool {
        self.network
            .node(node)
            .is_some_and(|n| n.backend_of_xact(xid).is_some() || n.prepared_of_xact(xid).is_some())
    }

    fn wait_edges(&self) -> Vec<Edge> {
        self.sessions
            .values()
            .filter_map(|s| {
                let w = s.waiting.as_ref()?;
                let WaitOn::Lock { holder, .. } = &w.on else {
                    return None;
                };
                Some(Edge {
                    waiter: s.id,
                    node: w.node.clone(),
                    holder_xid: *holder,
                    holder: self.lock_holder(&w.node, *holder).0,
                    since: w.since,
                })
            })
            .collect()
    }

    /// The waits forming a cycle through `start`, if there is one.
    fn cycle_through(&self, start: SessionId) -> Option<Vec<Edge>> {
        let edges: BTreeMap<SessionId, Edge> =
            crate::sort::collect_map(self.wait_edges().into_iter().map(|e| (e.waiter, e)));
        let mut path = Vec::new();
        let mut at = start;
        while let Some(e) = edges.get(&at) {
            if path.iter().any(|p: &Edge| p.waiter == at) {
                break;
            }
            path.push(e.clone());
            match e.holder {
                Some(h) if h == start => return Some(path),
                Some(h) => at = h,
                None => return None,
            }
        }
        None
    }

    /// Cancels one statement of every deadlock `id`'s wait closes.
    pub(crate) fn break_deadlocks(&mut self, id: SessionId) {
        let Some(cycle) = self.cycle_through(id) else {
            return;
        };
        let local = cycle.iter().all(|e| e.node == cycle[0].node);
        let victim = if local {
            // PostgreSQL's detector runs in the backend that waited last.
            cycle.iter().max_by_key(|e| e.since).map(|e| e.waiter)
        } else {
            // Citus cancels the youngest distributed transaction of the cycle.
            cycle
                .iter()
                .max_by_key(|e| {
                    let s = self.sessions.get(&e.waiter);
                    (
                        s.and_then(|s| s.txn.as_ref()?.id).map(|id| id.timestamp),
                        e.since,
                    )
                })
                .map(|e| e.waiter)
        };
        let Some(victim) = victim else {
            return;
        };
        let error = if local {
            self.local_deadlock_error(&cycle, victim)
        } else {
            PgError::new(
                "40P01",
                "canceling the transaction since it was involved in a distributed deadlock",
            )
        };
        let mut env = Envelope::new("deadlock detector", COORDINATOR, error.message.clone());
        env.session = victim;
        self.network.note(MessageKind::Fault, env);
        self.cancel_waiting(victim, error);
    }

    /// PostgreSQL's report of a deadlock among backends of one node.
    fn local_deadlock_error(&self, cycle: &[Edge], victim: SessionId) -> PgError {
        let node = &cycle[0].node;
        let pid = |xid: Xid| {
            self.network
                .node(node)
                .and_then(|n| n.backend_of_xact(xid).map(|(_, b)| b.pid))
                .unwrap_or(0)
        };
        let own_xid = |sid: SessionId| {
            cycle
                .iter()
                .find(|e| e.holder == Some(sid))
                .map(|e| e.holder_xid)
        };
        let mut lines = Vec::new();
        let start = cycle.iter().position(|e| e.waiter == victim).unwrap_or(0);
        for k in 0..cycle.len() {
            let e = &cycle[(start + k) % cycle.len()];
            let waiter_pid = own_xid(e.waiter).map(pid).unwrap_or(0);
            lines.push(format!(
                "Process {waiter_pid} waits for ShareLock on transaction {}; blocked by process {}.",
                e.holder_xid,
                pid(e.holder_xid)
            ));
        }
        let relation = self
            .sessions
            .get(&victim)
            .and_then(|s| s.waiting.as_ref())
            .and_then(|w| match &w.on {
                WaitOn::Lock { relation, .. } => Some(relation.clone()),
                WaitOn::SyncRep { .. } => None,
            })
            .unwrap_or_default();
        let mut context = format!("while updating tuple (0,1) in relation \"{relation}\"");
        if node != COORDINATOR && self.sessions.get(&victim).is_some_and(|s| s.txn.is_some()) {
            context.push_str(&format!(
                "\nwhile executing command on {}",
                self.node_address(node)
            ));
        }
        PgError::new("40P01", "deadlock detected")
            .with_detail(lines.join("\n"))
            .with_hint("See server log for query details.")
            .with_context(context)
    }

    /// Cancels session `id`'s waiting statement, as psql's Ctrl-C does; `false` when it was
    /// not waiting. Its reply comes back through `take_finished`.
    pub fn cancel(&mut self, id: SessionId) -> bool {
        if self.sessions.get(&id).is_none_or(|s| s.waiting.is_none()) {
            return false;
        }
        if self.cancel_sync_wait(id) {
            self.wake_waiters();
            return true;
        }
        self.cancel_waiting(
            id,
            PgError::new("57014", "canceling statement due to user request"),
        );
        self.wake_waiters();
        true
    }

    /// Fails a waiting statement with `error`: its transaction aborts (a block stays failed).
    fn cancel_waiting(&mut self, id: SessionId, error: PgError) {
        let Some(mut s) = self.sessions.remove(&id) else {
            return;
        };
        let sql = s.waiting.take().map(|w| w.sql).unwrap_or_default();
        let mark = s.notices.len();
        if s.txn.is_some() {
            match s.txn.as_ref() {
                Some(t) if t.explicit => self.fail_txn(&mut s),
                Some(_) => self.abort_txn(&mut s),
                None => {}
            }
        } else if let Some(b) = s.backend {
            // PostgreSQL aborts the victim's transaction (a block stays failed).
            if let Some(n) = self.network.node_mut(&s.node) {
                n.cancel_statement(b);
            }
        }
        let mut before = std::mem::take(&mut s.notices);
        let after = before.split_off(mark.min(before.len()));
        let reply = Reply {
            before,
            completion: Completion::Done(Err(error)),
            after,
        };
        self.push_finished(&s, sql, reply);
        self.sessions.insert(id, s);
    }

    /// Carries on every waiting statement whose lock holder has ended, oldest wait first,
    /// until nothing more moves.
    pub(crate) fn wake_waiters(&mut self) {
        loop {
            let mut ready: Vec<(u64, SessionId)> = self
                .sessions
                .values()
                .filter_map(|s| {
                    let w = s.waiting.as_ref()?;
                    let over = match &w.on {
                        WaitOn::Lock { holder, .. } => !self.still_holds(&w.node, *holder),
                        WaitOn::SyncRep { lsn, port, .. } => {
                            self.sync_wait_over(&w.node, *port, *lsn)
                        }
                    };
                    over.then_some((w.since, s.id))
                })
                .collect();
            if ready.is_empty() {
                return;
            }
            ready.sort_unstable();
            for (_, id) in ready {
                let Some(mut s) = self.sessions.remove(&id) else {
                    continue;
                };
                let sql = s
                    .waiting
                    .as_ref()
                    .map(|w| w.sql.clone())
                    .unwrap_or_default();
                let reply = self.resume(&mut s);
                let waiting = matches!(reply.completion, Completion::Waiting(_));
                self.sessions.insert(id, s);
                if waiting {
                    self.break_deadlocks(id);
                } else {
                    self.push_finished_by_id(id, sql, reply);
                }
            }
        }
    }

    fn push_finished_by_id(&mut self, id: SessionId, sql: String, reply: Reply) {
        if let Some(s) = self.sessions.remove(&id) {
            self.push_finished(&s, sql, reply);
            self.sessions.insert(id, s);
        }
    }
}
