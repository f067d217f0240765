//! What a learner does to the cluster from outside: crash and restart servers, cut and
//! restore links, arm a fault for a step of the next commit, move the logical clock (the
//! maintenance daemon runs 2PC recovery on it). Also `ALTER SYSTEM` and `pg_reload_conf()`.

use super::{Cluster, COORDINATOR};
use crate::error::{PgError, PgResult};
use crate::network::{ArmedFault, FaultStep};
use crate::session::Reply;
use crate::sql::ExecOutput;
use crate::trace::{Envelope, MessageKind};
use sqlparser::ast::Statement;

fn no_node(name: &str) -> PgError {
    PgError::new("42704", format!("node \"{name}\" does not exist")).with_hint(
        "Name a node as the map does (coordinator, worker-1, ...) or by its port (9701).",
    )
}

impl Cluster {
    /// A node's name from what a learner typed: `worker-1`, `coordinator`, a port, or
    /// `host:port`.
    pub fn resolve_node(&self, text: &str) -> PgResult<String> {
        let text = text.trim();
        let port_of = |t: &str| t.rsplit(':').next().and_then(|p| p.parse::<u16>().ok());
        // Servers Citus does not know (standbys, an old primary) are named as well.
        self.network
            .nodes()
            .iter()
            .find(|n| n.name == text || Some(n.port) == port_of(text))
            .map(|n| n.name.clone())
            .ok_or_else(|| no_node(text))
    }

    fn operator_note(&mut self, node: &str, what: String) {
        self.network
            .note(MessageKind::Fault, Envelope::new("learner", node, what));
    }

    /// `\crash NODE`: the server stops abruptly. Its open transactions are lost, prepared ones
    /// stay; clients connected to it lose their connection, and so do the connections it had
    /// opened to other nodes.
    pub fn crash(&mut self, node: &str) -> PgResult<String> {
        let node = self.resolve_node(node)?;
        if !self.network.node(&node).is_some_and(|n| n.is_up()) {
            return Ok(format!("{node} is already down"));
        }
        let open = self
            .network
            .node(&node)
            .map(|n| n.backends().filter(|(_, b)| b.xact.is_some()).count())
            .unwrap_or(0);
        self.crash_node(&node);
        let prepared = self.network.node(&node).map_or(0, |n| n.prepared.len());
        self.wake_waiters();
        Ok(format!(
            "{node} crashed: {open} open transaction{} lost, {prepared} prepared transaction{} kept",
            if open == 1 { "" } else { "s" },
            if prepared == 1 { "" } else { "s" }
        ))
    }

    /// The crash itself, also used by armed faults.
    pub(crate) fn crash_node(&mut self, node: &str) {
        // A synchronous standby has every commit the primary acknowledged.
        self.ship_wal(false);
        self.network.crash(node);
        self.operator_note(node, format!("{node} crashed"));
        // Sessions connected to it are cut off; what they ran there is gone.
        let ids: Vec<_> = self.sessions.keys().copied().collect();
        for id in ids {
            let Some(mut s) = self.sessions.remove(&id) else {
                continue;
            };
            if s.node == node {
                // A session that has not yet learnt of an earlier crash still has to.
                s.lost = s.lost || (s.backend.is_some() && s.waiting.is_none());
                s.backend = None;
                s.txn = None;
                let dropped: Vec<_> = std::mem::take(&mut s.connections);
                for c in dropped {
                    self.network.disconnect(&c.node, c.backend);
                }
                if let Some(w) = s.waiting.take() {
                    let reply = Reply::done(Err(crate::transaction::lost_connection()));
                    self.push_finished(&s, w.sql, reply);
                }
            }
            self.sessions.insert(id, s);
        }
        // Its connections die with it (the coordinator's, or a worker's that ran distributed
        // statements): the other nodes roll back what they had open for it (prepared branches
        // stay).
        for n in self.network.nodes_mut() {
            n.drop_connections_from(node);
        }
    }

    /// `\restart NODE`: the server starts again with what was committed or prepared.
    pub fn restart(&mut self, node: &str) -> PgResult<String> {
        let node = self.resolve_node(node)?;
        if self.network.node(&node).is_some_and(|n| n.is_up()) {
            return Ok(format!("{node} is already running"));
        }
        self.network.restart(&node);
        self.operator_note(&node, format!("{node} restarted"));
        // A standby back up catches up, which may end commits waiting for it.
        self.ship_wal(false);
        self.wake_waiters();
        let prepared = self.network.node(&node).map_or(0, |n| n.prepared.len());
        Ok(format!(
            "{node} restarted with {prepared} prepared transaction{}",
            if prepared == 1 { "" } else { "s" }
        ))
    }

    /// `\disconnect NODE`: cuts the link between the node and the rest of the cluster.
    pub fn disconnect(&mut self, node: &str) -> PgResult<String> {
        let node = self.resolve_node(node)?;
        if node == COORDINATOR {
            return Err(PgError::new(
                "22023",
                "the coordinator's links are cut by disconnecting the workers",
            )
            .with_hint("Use \\disconnect worker-1 (or another worker)."));
        }
        // What the node committed reached its synchronous standby before the link went.
        self.ship_wal(false);
        self.network.cut(&node);
        self.operator_note(&node, format!("link to {node} cut"));
        self.wake_waiters();
        Ok(format!("link between the coordinator and {node} cut"))
    }

    /// `\reconnect NODE`: restores the link.
    pub fn reconnect(&mut self, node: &str) -> PgResult<String> {
        let node = self.resolve_node(node)?;
        self.network.restore(&node);
        self.operator_note(&node, format!("link to {node} restored"));
        Ok(format!("link between the coordinator and {node} restored"))
    }

    /// `\fail NODE at STEP`: the node crashes at that step of the next two-phase commit that
    /// reaches it. `\fail NODE off` disarms it.
    pub fn arm_fault(&mut self, node: &str, step: Option<&str>) -> PgResult<String> {
        let node = self.resolve_node(node)?;
        let Some(step) = step else {
            return Ok(if self.network.disarm(&node) {
                format!("fault on {node} disarmed")
            } else {
                format!("no fault armed on {node}")
            });
        };
        let step = FaultStep::parse(step)?;
        self.network.arm(ArmedFault {
            node: node.clone(),
            step,
        });
        self.operator_note(
            &node,
            format!("fault armed: {node} crashes {}", step.name()),
        );
        let coordinator = node == COORDINATOR;
        let when = match (step, coordinator) {
            (FaultStep::BeforePrepare, false) => "before it is asked to prepare",
            (FaultStep::BeforePrepare, true) => "before it sends PREPARE TRANSACTION",
            (FaultStep::AfterPrepare, false) => "right after it prepares, before it answers",
            (FaultStep::AfterPrepare, true) => {
                "once every participant prepared, before its decision"
            }
            (FaultStep::AfterCommitRecord, false) => {
                "after the commit decision, before COMMIT PREPARED reaches it"
            }
            (FaultStep::AfterCommitRecord, true) => "right after its commit decision is recorded",
            (FaultStep::DuringCommitPrepared, false) => {
                "after committing its branch, before it answers"
            }
            (FaultStep::DuringCommitPrepared, true) => "after sending the first COMMIT PREPARED",
        };
        Ok(format!(
            "{node} will crash in the next two-phase commit, {when}"
        ))
    }

    /// `\tick N`: moves the logical clock `us` microseconds on; the maintenance daemon runs
    /// what falls due.
    pub fn tick(&mut self, us: i64) -> String {
        self.ticked_us += us.max(0);
        let recovered = self.run_maintenance();
        self.ship_wal(false);
        self.wake_waiters();
        let failovers = self.run_ha();
        let mut said = match recovered {
            Some(n) => format!("maintenance daemon recovered {n} distributed transactions"),
            None => "clock moved on".to_string(),
        };
        for f in failovers {
            said.push_str(&format!("\nHA manager: {f}"));
        }
        said
    }

    /// Work after each client statement: the maintenance daemon and waiting statements.
    pub(crate) fn after_statement(&mut self) {
        self.run_maintenance();
        // Every commit so far reaches the synchronous standbys before anything else happens;
        // what they confirm ends commits waiting for them.
        self.ship_wal(false);
        self.wake_waiters();
        self.ship_wal(false);
        self.run_ha();
    }

    /// The 2PC recovery interval in microseconds; `None` when recovery is off.
    fn recovery_interval_us(&self) -> Option<i64> {
        let ms = crate::executor::settings::parse_ms(
            self.network
                .node(COORDINATOR)?
                .conf
                .get("citus.recover_2pc_interval"),
        )?;
        (ms > 0).then_some(ms * 1000)
    }

    /// Runs the maintenance daemon's 2PC recovery when its interval has passed; returns how
    /// many transactions it recovered when it ran.
    fn run_maintenance(&mut self) -> Option<i64> {
        let interval = self.recovery_interval_us()?;
        let now = self.sim_time_us();
        if now - self.last_recovery_us < interval {
            return None;
        }
        self.last_recovery_us = now;
        if !self.network.node(COORDINATOR).is_some_and(|n| n.is_up()) {
            return None;
        }
        let n = crate::transaction::recovery::daemon_recover(self);
        self.wake_waiters();
        Some(n)
    }

    /// `ALTER SYSTEM SET name TO value` / `ALTER SYSTEM RESET name`: written now, in effect
    /// after `pg_reload_conf()`.
    pub(crate) fn alter_system(
        &mut self,
        server: &str,
        in_block: bool,
        name: &str,
        value: Option<String>,
    ) -> PgResult<ExecOutput> {
        if in_block {
            return Err(PgError::new(
                "25001",
                "ALTER SYSTEM cannot run inside a transaction block",
            ));
        }
        if crate::cluster::default_setting(name).is_none() {
            return Err(PgError::new(
                "42704",
                format!("unrecognized configuration parameter \"{name}\""),
            ));
        }
        let value = value
            .map(|v| crate::executor::settings::normalize(name, &v))
            .transpose()?;
        let Some(conf) = self.network.node_mut(server).map(|n| &mut n.conf) else {
            return Err(crate::transaction::lost_connection());
        };
        match value {
            Some(v) => conf.written.insert(name.to_string(), v),
            None => conf.written.remove(name),
        };
        Ok(ExecOutput::command("ALTER SYSTEM"))
    }

    /// `pg_reload_conf()` on `server`: what `ALTER SYSTEM` wrote takes effect; commits
    /// waiting for standbys no longer listed go on.
    pub(crate) fn reload_conf(&mut self, server: &str) {
        if let Some(n) = self.network.node_mut(server) {
            n.conf.reload();
        }
        self.wake_waiters();
    }

    /// `SHOW` of a setting changed with ALTER SYSTEM (and not in the session).
    pub(crate) fn system_setting(
        &self,
        s: &crate::session::Session,
        stmt: &Statement,
    ) -> PgResult<Option<ExecOutput>> {
        let Statement::ShowVariable { variable } = stmt else {
            return Ok(None);
        };
        let name = variable
            .iter()
            .map(|i| i.value.to_lowercase())
            .collect::<Vec<_>>()
            .join(".");
        if s.settings.contains_key(&name) {
            return Ok(None);
        }
        let active = self
            .network
            .node(&s.node)
            .and_then(|n| n.conf.active.get(&name));
        Ok(active.map(|v| {
            let shown = crate::executor::settings::display(&name, v);
            ExecOutput::rows(crate::sql::ResultSet {
                columns: vec![crate::sql::Column::new(name, crate::types::SqlType::Text)],
                rows: vec![vec![crate::types::Value::Text(shown)]],
            })
        }))
    }
}
