//! The network between the nodes: the one door to every server (as Citus's `connection/`
//! layer is the one door to the workers). It opens connections (a backend on the node),
//! delivers commands and their replies, and records each message in the trace, its tap. A
//! node can be down and a link can be cut; faults armed for a step of the next commit fire
//! here. Everything random in the cluster comes from its one seed.

pub mod faults;
mod rng;

use crate::error::PgError;
use crate::node::{BackendId, Command, NodeReply, NodeServer};
use crate::sql::Host;
use crate::trace::{Envelope, MessageKind, Trace};
pub use faults::{ArmedFault, FaultStep};
pub use rng::SimRng;
use std::collections::BTreeSet;

/// Why a message did not reach its node.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NetError {
    /// Nothing listens at the address: the server is down (a new connection).
    Refused,
    /// The server went away under an open connection.
    Broken,
    /// The link is cut: nothing arrives, and the sender gives up after a timeout.
    TimedOut,
}

/// The result of sending a command: the node's reply, or no reply at all.
pub type Delivery = Result<NodeReply, NetError>;

pub struct Network {
    nodes: Vec<NodeServer>,
    /// Nodes whose link to the rest of the cluster is cut.
    cut: BTreeSet<String>,
    pub trace: Trace,
    rng: SimRng,
    faults: Vec<ArmedFault>,
}

impl Network {
    pub fn new(seed: u64) -> Self {
        Network {
            nodes: Vec::new(),
            cut: BTreeSet::new(),
            trace: Trace::default(),
            rng: SimRng::new(seed),
            faults: Vec::new(),
        }
    }

    /// A new server on the network, with process and transaction ids drawn from the seed.
    pub fn add_node(&mut self, name: &str, port: u16) {
        if self.node(name).is_some() {
            // A server that left the cluster and is added again keeps what it had.
            return;
        }
        let pid = 20_000 + self.rng.below(10_000) as i32;
        let xid = 730 + self.rng.below(40);
        self.nodes.push(NodeServer::new(name, port, pid, xid));
    }

    /// Takes a server off the network for good (`citus_remove_node`).
    pub fn remove_node(&mut self, name: &str) {
        self.nodes.retain(|n| n.name != name);
        self.cut.remove(name);
        self.faults.retain(|f| f.node != name);
    }

    pub fn rng(&mut self) -> &mut SimRng {
        &mut self.rng
    }

    /// A server, to look at (the map, the shard details, tests).
    pub fn node(&self, name: &str) -> Option<&NodeServer> {
        self.nodes.iter().find(|n| n.name == name)
    }

    pub fn nodes(&self) -> &[NodeServer] {
        &self.nodes
    }

    /// A server to act on directly: only its own session's work on the coordinator, and the
    /// lifecycle operations below, come through here.
    pub(crate) fn node_mut(&mut self, name: &str) -> Option<&mut NodeServer> {
        self.nodes.iter_mut().find(|n| n.name == name)
    }

    /// Every server, to act on directly (the same rule as `node_mut`).
    pub(crate) fn nodes_mut(&mut self) -> impl Iterator<Item = &mut NodeServer> {
        self.nodes.iter_mut()
    }

    /// Whether `name` can be reached from `from` (both up, no cut link between them).
    pub fn reachable(&self, from: &str, name: &str) -> Result<(), NetError> {
        let up = self.node(name).is_some_and(|n| n.is_up());
        if from != name && (self.cut.contains(name) || self.cut.contains(from)) {
            return Err(NetError::TimedOut);
        }
        if up {
            Ok(())
        } else {
            Err(NetError::Refused)
        }
    }

    /// The server listening on `port`, if any.
    pub fn server_at_port(&self, port: u16) -> Option<String> {
        self.nodes
            .iter()
            .find(|n| n.port == port)
            .map(|n| n.name.clone())
    }

    /// The lowest port above 9700 no server listens on.
    pub fn free_port(&self) -> u16 {
        (9701..u16::MAX)
            .find(|p| self.server_at_port(*p).is_none())
            .unwrap_or(u16::MAX)
    }

    /// Gives a server another name (a promoted standby takes over its node's name); faults
    /// and cut links follow it.
    pub(crate) fn rename(&mut self, from: &str, to: &str) {
        for n in self.nodes.iter_mut() {
            if n.name == from {
                n.name = to.to_string();
            }
            if let Some(r) = n.recovery.as_mut() {
                if r.primary == from {
                    r.primary = to.to_string();
                }
            }
            for s in n.senders.iter_mut() {
                if s.standby == from {
                    s.standby = to.to_string();
                }
            }
        }
        if self.cut.remove(from) {
            self.cut.insert(to.to_string());
        }
        for f in self.faults.iter_mut() {
            if f.node == from {
                f.node = to.to_string();
            }
        }
    }

    /// Streams WAL records from a primary to its standby, which replays them in order: one
    /// message in the trace. Returns the position the standby has replayed.
    pub fn ship(
        &mut self,
        from: &str,
        to: &str,
        records: &[crate::replication::wal::WalRecord],
        now: chrono::NaiveDateTime,
    ) -> Result<crate::replication::wal::Lsn, NetError> {
        let (Some(first), Some(last)) = (records.first(), records.last()) else {
            return Err(NetError::Refused);
        };
        let what = match records {
            [one] => one.body.describe(one.xid),
            many => format!(
                "{} records: {}",
                many.len(),
                many.iter()
                    .map(|r| r.body.describe(r.xid))
                    .collect::<Vec<_>>()
                    .join("; ")
            ),
        };
        let rows = records.iter().map(|r| r.body.rows()).sum();
        let env = Envelope::new(
            from,
            to,
            format!("WAL {}..{}: {what}", first.start, last.end),
        )
        .rows(rows);
        if let Err(e) = self.reachable(from, to) {
            let mut lost = env;
            lost.sql = "WAL not delivered: the standby cannot be reached".into();
            self.trace.push(MessageKind::Lost, lost);
            return Err(e);
        }
        self.trace.push(MessageKind::Wal, env);
        let node = self.node_mut(to).ok_or(NetError::Refused)?;
        for r in records {
            if let Err(why) = node.replay(r, now) {
                let note = Envelope::new(to, to, format!("replay stopped: {why}"));
                self.trace.push(MessageKind::Fault, note);
                break;
            }
        }
        Ok(self
            .node(to)
            .and_then(|n| n.recovery.as_ref())
            .map_or(last.end, |r| r.replayed))
    }

    pub fn is_cut(&self, name: &str) -> bool {
        self.cut.contains(name)
    }

    /// Opens a connection from `from` to `to`: a new backend there.
    pub fn connect(&mut self, from: &str, to: &str) -> Result<BackendId, NetError> {
        self.reachable(from, to)?;
        self.node_mut(to)
            .map(|n| n.open_backend(from))
            .ok_or(NetError::Refused)
    }

    /// Closes a connection; the node rolls back its open transaction.
    pub fn disconnect(&mut self, to: &str, backend: BackendId) {
        if let Some(n) = self.node_mut(to) {
            n.close_backend(backend);
        }
    }

    /// Whether backend `backend` on `to` still exists (its server did not go away since).
    pub fn alive(&self, to: &str, backend: BackendId) -> bool {
        self.node(to)
            .is_some_and(|n| n.is_up() && n.backend(backend).is_some())
    }

    /// Delivers `command` to backend `backend` of `env.to` and returns its reply; both are
    /// recorded, as `kind` and as the node's answer. A message that cannot arrive is recorded
    /// as lost.
    pub fn send(
        &mut self,
        kind: MessageKind,
        env: Envelope,
        backend: BackendId,
        command: &Command,
        host: &dyn Host,
    ) -> Delivery {
        // The answer's envelope, before the message (and its text) goes into the trace.
        let back = env.reply(String::new(), 0);
        let reach = self.reachable(&env.from, &env.to).and_then(|()| {
            if self.alive(&env.to, backend) {
                Ok(())
            } else {
                Err(NetError::Broken)
            }
        });
        let to = env.to.clone();
        self.trace.push(kind, env);
        if let Err(e) = reach {
            let what = match e {
                NetError::Refused => "connection refused",
                NetError::Broken => "connection lost",
                NetError::TimedOut => "no answer: the link is cut",
            };
            let mut lost = back;
            lost.sql = what.to_string();
            self.trace.push(MessageKind::Lost, lost);
            return Err(e);
        }
        let reply = match self.node_mut(&to) {
            Some(node) => node.run(backend, command, host),
            None => return Err(NetError::Refused),
        };
        self.record_reply(kind, back, &reply);
        Ok(reply)
    }

    /// The answer a node gave, as the trace shows it.
    fn record_reply(&mut self, kind: MessageKind, mut back: Envelope, reply: &NodeReply) {
        let (reply_kind, text, rows) = match reply {
            Ok(out) => {
                let text = match &out.outcome {
                    crate::sql::Outcome::Rows(rs) => rows_text(rs.rows.len()),
                    crate::sql::Outcome::Command(tag) => tag.clone(),
                };
                let rows = out.row_count();
                let k = match kind {
                    MessageKind::Recovery => MessageKind::Recovery,
                    MessageKind::ClientQuery => MessageKind::ClientResult,
                    _ => MessageKind::TaskResult,
                };
                (k, text, rows)
            }
            Err(e) if e.wait.is_some() => (MessageKind::LockWait, lock_wait_text(e), 0),
            Err(e) => (MessageKind::TaskError, e.message.clone(), 0),
        };
        back.sql = text;
        back.rows = rows;
        self.trace.push(reply_kind, back);
    }

    /// Records a step that is not a message on a link (local execution, the decision, a
    /// fault, the combine step).
    pub fn note(&mut self, kind: MessageKind, env: Envelope) -> u64 {
        self.trace.push(kind, env)
    }

    // ---- lifecycle and faults ----

    /// Crashes a server: its connections drop and its open transactions are lost.
    pub fn crash(&mut self, name: &str) -> bool {
        let Some(node) = self.node_mut(name) else {
            return false;
        };
        node.crash();
        true
    }

    pub fn restart(&mut self, name: &str) -> bool {
        let Some(node) = self.node_mut(name) else {
            return false;
        };
        node.restart();
        true
    }

    /// Cuts the link to `name`: the node drops the connections it had over it.
    pub fn cut(&mut self, name: &str) {
        self.cut.insert(name.to_string());
        if let Some(node) = self.node_mut(name) {
            node.drop_connections();
        }
    }

    pub fn restore(&mut self, name: &str) {
        self.cut.remove(name);
    }

    pub fn arm(&mut self, fault: ArmedFault) {
        self.faults.retain(|f| f.node != fault.node);
        self.faults.push(fault);
    }

    pub fn disarm(&mut self, node: &str) -> bool {
        let before = self.faults.len();
        self.faults.retain(|f| f.node != node);
        before != self.faults.len()
    }

    pub fn armed(&self) -> &[ArmedFault] {
        &self.faults
    }

    /// Whether a fault is armed for `node` at `step`; it fires once.
    pub fn take_fault(&mut self, node: &str, step: FaultStep) -> bool {
        match self
            .faults
            .iter()
            .position(|f| f.node == node && f.step == step)
        {
            Some(i) => {
                self.faults.remove(i);
                true
            }
            None => false,
        }
    }
}

/// "1 row", "N rows" as psql counts them.
pub fn rows_text(n: usize) -> String {
    if n == 1 {
        "1 row".to_string()
    } else {
        format!("{n} rows")
    }
}

fn lock_wait_text(e: &PgError) -> String {
    match &e.wait {
        Some(w) => format!(
            "waiting for transaction {} (row lock in {})",
            w.holder, w.relation
        ),
        None => e.message.clone(),
    }
}
