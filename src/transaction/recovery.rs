//! Two-phase commit recovery (`recover_prepared_transactions()`, and the maintenance daemon
//! every `citus.recover_2pc_interval`), as Citus's `transaction_recovery.c` does it: on each
//! node, a prepared transaction of ours with a commit record is committed, one without is
//! rolled back, and the records of finished transactions are deleted.

use crate::cluster::{Cluster, COORDINATOR};
use crate::connection::Send;
use crate::error::{Notice, PgResult};
use crate::node::Command;
use crate::session::Session;
use crate::sql::{ExecOutput, Outcome};
use crate::trace::MessageKind;
use crate::transaction::control::TxnControl;
use crate::types::Value;
use std::collections::{BTreeMap, BTreeSet};

/// The coordinator's table of commit records.
pub const RECORDS: &str = "pg_dist_transaction";

/// Tables of Citus's own catalog that live as stored tables on the coordinator.
pub fn is_catalog(name: &str) -> bool {
    name == RECORDS
}

/// Creates `pg_dist_transaction` on a fresh node: every node records the two-phase commits
/// it initiates (a worker does when a client connected to it writes to several nodes).
pub fn create_records_table(cluster: &mut Cluster, node_name: &str) {
    let sql = "CREATE TABLE pg_dist_transaction (groupid integer NOT NULL, gid text NOT NULL, outer_xid bigint)";
    let now = cluster.now();
    if let (Ok(statements), Some(node)) = (
        crate::sql::parse_sql(sql),
        cluster.network.node_mut(node_name),
    ) {
        let host = crate::sql::PlainHost { now };
        for stmt in &statements {
            let _ = node.db.execute(stmt, &host);
        }
        node.db.storage.bootstrap_catalog_table(RECORDS);
    }
}

/// A record's transaction number (the gid's fourth part), if it is a Citus gid.
fn gid_number(gid: &str) -> Option<u64> {
    gid.split('_').nth(3)?.parse().ok()
}

/// The gids a `SELECT gid FROM pg_prepared_xacts ...` answer lists.
fn gids(out: &ExecOutput) -> Vec<String> {
    match &out.outcome {
        Outcome::Rows(rs) => rs
            .rows
            .iter()
            .filter_map(|r| r.first().and_then(Value::to_pg_text))
            .collect(),
        Outcome::Command(_) => Vec::new(),
    }
}

impl Cluster {
    /// Distributed transactions in progress that this coordinator started (their records
    /// must not be touched yet).
    fn active_txn_numbers(&self) -> BTreeSet<u64> {
        crate::sort::collect_set(
            self.sessions
                .values()
                .filter_map(|s| s.txn.as_ref()?.id.map(|id| id.number)),
        )
    }

    /// The commit records for `group`, as the session's transaction sees them.
    fn records_for(&mut self, s: &Session, group: i32) -> Vec<String> {
        let node = self.network.node_mut(&s.node);
        let Some(node) = node else {
            return Vec::new();
        };
        node.read_in(s.backend, |db| {
            db.storage
                .scan(RECORDS)
                .unwrap_or_default()
                .into_iter()
                .filter(|r| r.first().and_then(Value::as_i64) == Some(group as i64))
                .filter_map(|r| r.get(1).and_then(Value::to_pg_text))
                .collect()
        })
    }

    /// Deletes the records of `gids` in the session's transaction (one scan for them all).
    fn delete_records(&mut self, s: &Session, gids: &BTreeSet<String>) {
        if gids.is_empty() {
            return;
        }
        let (Some(backend), Some(node)) = (s.backend, self.network.node_mut(&s.node)) else {
            return;
        };
        let _ = node.in_statement(backend, |db| {
            let ids: Vec<_> = db
                .storage
                .scan_with_ids(RECORDS)?
                .into_iter()
                .filter(|(_, r)| {
                    r.get(1)
                        .and_then(Value::to_pg_text)
                        .is_some_and(|g| gids.contains(&g))
                })
                .map(|(id, _)| id)
                .collect();
            let n = db.storage.delete(RECORDS, ids)?;
            Ok(ExecOutput::modified("DELETE", n as u64))
        });
    }

    /// One recovery command on a node's connection; `false` when it failed.
    fn recovery_command(
        &mut self,
        s: &mut Session,
        i: usize,
        command: Command,
        kind: MessageKind,
    ) -> PgResult<ExecOutput> {
        let send = Send {
            kind: Some(kind),
            phase: Some("recovery"),
            gid: match &command {
                Command::Control(
                    TxnControl::CommitPrepared(g) | TxnControl::RollbackPrepared(g),
                ) => Some(g.clone()),
                _ => None,
            },
            ..Send::default()
        };
        self.send_on(s, i, &command, send, &BTreeMap::new())
    }

    /// `recover_prepared_transactions()` in session `s`: returns how many prepared
    /// transactions it committed or rolled back.
    pub(crate) fn recover_prepared_transactions(&mut self, s: &mut Session) -> i64 {
        // Each node recovers the transactions it initiated (gids named after its group).
        let prefix = format!("citus_{}_", self.local_group(s));
        // The other nodes, workers in address order, then the node itself (over a connection
        // too).
        let mut nodes: Vec<(String, i32)> = self
            .catalog
            .nodes
            .iter()
            .filter(|n| n.is_active && n.name != s.node)
            .map(|n| (n.name.clone(), n.group_id))
            .collect();
        crate::sort::sort_by_key(&mut nodes, |(name, _)| {
            self.catalog
                .node_by_name(name)
                .map(|n| (n.is_coordinator(), n.host.clone(), n.port))
        });
        if let Some(own) = self.catalog.node_by_name(&s.node) {
            nodes.push((own.name.clone(), own.group_id));
        }
        // Connections are opened first, outside any transaction.
        let mut conns = Vec::new();
        for (node, group) in nodes {
            let conn = self.recovery_connection(s, &node);
            if conn.is_none() {
                s.emit(Notice::warning(format!(
                    "transaction recovery cannot connect to {}",
                    self.node_address(&node)
                )));
            }
            conns.push((node, group, conn));
        }
        let mut recovered = 0;
        for (node, group, conn) in conns {
            let Some(i) = conn else {
                continue;
            };
            recovered += self.recover_node(s, i, &node, group, &prefix);
        }
        recovered
    }

    /// A connection for recovery: the session's cached one when it is idle, else a new one.
    fn recovery_connection(&mut self, s: &mut Session, node: &str) -> Option<usize> {
        let i = self.connection(s, node).ok()?;
        let c = &s.connections[i];
        if c.txn != crate::connection::RemoteTxnState::Idle {
            return None;
        }
        self.network.alive(node, c.backend).then_some(i)
    }

    fn recover_node(
        &mut self,
        s: &mut Session,
        i: usize,
        node: &str,
        group: i32,
        prefix: &str,
    ) -> i64 {
        let query = || Command::PreparedGids {
            prefix: prefix.to_string(),
        };
        let Ok(first) = self.recovery_command(s, i, query(), MessageKind::Recovery) else {
            return 0;
        };
        let mut pending: BTreeSet<String> = crate::sort::collect_set(gids(&first));
        let active = self.active_txn_numbers();
        let records = self.records_for(s, group);
        let Ok(second) = self.recovery_command(s, i, query(), MessageKind::Recovery) else {
            return 0;
        };
        let again: BTreeSet<String> = crate::sort::collect_set(gids(&second));
        let address = self.node_address(node);
        let mut count = 0;
        let mut done = BTreeSet::new();
        for gid in records {
            if gid_number(&gid).is_some_and(|n| active.contains(&n)) {
                continue;
            }
            let was_prepared = pending.remove(&gid);
            if was_prepared && again.contains(&gid) {
                let command = Command::Control(TxnControl::CommitPrepared(gid.clone()));
                if self
                    .recovery_command(s, i, command, MessageKind::CommitPrepared)
                    .is_err()
                {
                    self.delete_records(s, &done);
                    return count;
                }
                s.emit(
                    Notice::log(format!("recovered a prepared transaction on {address}"))
                        .with_context(format!("COMMIT PREPARED '{gid}'")),
                );
                count += 1;
                done.insert(gid);
            } else if again.contains(&gid) {
                // Prepared after the first look: left for the next round.
                continue;
            } else {
                done.insert(gid);
            }
        }
        self.delete_records(s, &done);
        for gid in pending {
            if gid_number(&gid).is_some_and(|n| active.contains(&n)) {
                continue;
            }
            let command = Command::Control(TxnControl::RollbackPrepared(gid.clone()));
            if self
                .recovery_command(s, i, command, MessageKind::RollbackPrepared)
                .is_err()
            {
                break;
            }
            s.emit(
                Notice::log(format!("recovered a prepared transaction on {address}"))
                    .with_context(format!("ROLLBACK PREPARED '{gid}'")),
            );
            count += 1;
        }
        count
    }
}

/// The maintenance daemon's recovery: its own session on the coordinator, messages to no one;
/// then the daemons of the workers that initiated two-phase commits (they keep records).
pub fn daemon_recover(cluster: &mut Cluster) -> i64 {
    cluster.network.trace.begin_statement();
    let mut n = daemon_recover_on(cluster, COORDINATOR);
    let initiators: Vec<String> = cluster
        .catalog
        .nodes
        .iter()
        .filter(|node| !node.is_coordinator())
        .map(|node| node.name.clone())
        .filter(|name| {
            cluster.network.node(name).is_some_and(|server| {
                server.is_up()
                    && server
                        .db
                        .storage
                        .row_count(RECORDS)
                        .is_ok_and(|rows| rows > 0)
            })
        })
        .collect();
    for node in initiators {
        n += daemon_recover_on(cluster, &node);
    }
    n
}

fn daemon_recover_on(cluster: &mut Cluster, node: &str) -> i64 {
    let backend = cluster.network.connect(crate::cluster::CLIENT, node).ok();
    let mut s = Session::new(0, node, backend);
    let n = cluster.recover_prepared_transactions(&mut s);
    for c in std::mem::take(&mut s.connections) {
        cluster.network.disconnect(&c.node, c.backend);
    }
    if let Some(b) = backend {
        cluster.network.disconnect(node, b);
    }
    n
}
