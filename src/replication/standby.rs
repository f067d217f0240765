//! Standbys: `\standby add` takes a base backup of a primary into a new server, and from then
//! on the primary's walsender ships its WAL records over the network. Records wait on the
//! link for its delay (on the logical clock); a synchronous standby gets each record as soon
//! as it is written, since the commit waits for it. Lag is what has not arrived yet.

use super::sync_rep::SyncState;
use super::wal::Lsn;
use super::SyncMode;
use crate::cluster::Cluster;
use crate::error::{PgError, PgResult};
use crate::trace::{Envelope, MessageKind};

/// A standby as the map and the details pane show it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StandbyInfo {
    pub name: String,
    pub port: u16,
    /// The server it streams from.
    pub primary: String,
    /// Commits wait for it (`sync`, `potential` or `quorum`).
    pub sync: bool,
    pub sync_state: &'static str,
    pub delay_us: i64,
    pub is_up: bool,
    pub replayed: String,
    pub primary_lsn: String,
    /// Bytes of WAL the primary wrote that the standby has not replayed.
    pub lag_bytes: u64,
    /// How long the oldest record it has not replayed has been waiting, in microseconds.
    pub lag_us: i64,
}

pub(crate) fn bad_argument(msg: impl Into<String>) -> PgError {
    PgError::new("22023", msg)
}

impl Cluster {
    /// `\standby add NODE [PORT] [sync|async] [delay D]`: a hot standby of `node`, listening on
    /// `port` (the next free one by default).
    pub fn add_standby(
        &mut self,
        node: &str,
        port: Option<u16>,
        mode: SyncMode,
        delay_us: i64,
    ) -> PgResult<String> {
        let primary = self.resolve_node(node)?;
        let Some(server) = self.network.node(&primary) else {
            return Err(bad_argument(format!("node \"{primary}\" does not exist")));
        };
        if server.in_recovery() {
            return Err(bad_argument(format!(
                "{primary} is a standby itself; add standbys to its primary"
            )));
        }
        if !server.is_up() {
            return Err(bad_argument(format!(
                "{primary} is down: a base backup needs a running primary"
            )));
        }
        let primary_port = server.port;
        let port = match port {
            Some(p) if self.network.server_at_port(p).is_some() => {
                return Err(bad_argument(format!(
                    "port {p} is taken by {}",
                    self.network.server_at_port(p).unwrap_or_default()
                )))
            }
            Some(p) => p,
            None => self.network.free_port(),
        };
        let name = self.standby_name(&primary);
        self.network.add_node(&name, port);
        let now = self.now();
        let backup = match self.network.node_mut(&primary) {
            Some(p) => p.base_backup(),
            None => return Err(bad_argument(format!("node \"{primary}\" does not exist"))),
        };
        let lsn = backup.lsn;
        let tables = backup.tables.len();
        if let Some(s) = self.network.node_mut(&name) {
            s.start_standby(backup, &primary, primary_port);
        }
        let mut setting = String::new();
        if let Some(p) = self.network.node_mut(&primary) {
            p.add_sender(&name, delay_us, lsn, now);
            if mode == SyncMode::Sync
                && !p
                    .sync_states()
                    .last()
                    .is_some_and(|(s, _)| *s != SyncState::Async)
            {
                // As an operator would: ALTER SYSTEM SET synchronous_standby_names, reload.
                setting = match p.sync_standbys() {
                    Some(config) => config.with(&name),
                    None => super::sync_rep::quote_name(&name),
                };
                p.conf.set_now("synchronous_standby_names", setting.clone());
            }
        }
        self.network.note(
            MessageKind::Wal,
            Envelope::new(
                &primary,
                &name,
                format!("base backup at {lsn}: {tables} tables, then WAL streaming"),
            ),
        );
        let delay = if delay_us > 0 {
            format!(
                ", records arrive {} later",
                crate::replication::ha::seconds(delay_us)
            )
        } else {
            String::new()
        };
        let mode = match mode {
            SyncMode::Sync => "synchronous",
            SyncMode::Async => "asynchronous",
        };
        let mut said = format!(
            "{name} (127.0.0.1:{port}) streams from {primary}: base backup at {lsn}, {mode} replication{delay}"
        );
        if !setting.is_empty() {
            said.push_str(&format!(
                "\n{primary}: synchronous_standby_names = '{}'",
                setting.replace('\'', "''")
            ));
        }
        Ok(said)
    }

    /// `worker-1-standby`, then `worker-1-standby-2`, ...
    fn standby_name(&self, primary: &str) -> String {
        let base = format!("{primary}-standby");
        let mut name = base.clone();
        let mut n = 2;
        while self.network.node(&name).is_some() {
            name = format!("{base}-{n}");
            n += 1;
        }
        name
    }

    /// Ships the records each standby is due: all of them to a synchronous standby, those
    /// older than the link's delay to the others (`all`: every record, whatever the delay).
    pub fn ship_wal(&mut self, all: bool) {
        let now = self.now();
        let primaries: Vec<String> = self
            .network
            .nodes()
            .iter()
            .filter(|n| !n.senders.is_empty())
            .map(|n| n.name.clone())
            .collect();
        for primary in primaries {
            self.ship_from(&primary, all, now);
        }
    }

    fn ship_from(&mut self, primary: &str, all: bool, now: chrono::NaiveDateTime) {
        let Some(server) = self.network.node(primary) else {
            return;
        };
        if !server.is_up() {
            return;
        }
        let reachable: Vec<bool> = server
            .senders
            .iter()
            .map(|s| self.network.reachable(primary, &s.standby).is_ok())
            .collect();
        // Which standbys are synchronous depends on which are connected now.
        let Some(server) = self.network.node_mut(primary) else {
            return;
        };
        for (s, r) in server.senders.iter_mut().zip(&reachable) {
            s.connected = *r;
        }
        let Some(server) = self.network.node(primary) else {
            return;
        };
        let states = server.sync_states();
        let mut updates = Vec::new();
        let links = server.senders.iter().zip(&reachable).zip(&states);
        for ((sender, _), (state, _)) in links.filter(|((_, r), _)| **r) {
            // A commit waits for a synchronous (or potential) standby: it gets every record.
            let sync = *state != SyncState::Async;
            let due: Vec<_> = server
                .wal
                .after(sender.sent)
                .take_while(|r| {
                    all || sync
                        || r.written_at + chrono::Duration::microseconds(sender.delay_us) <= now
                })
                .cloned()
                .collect();
            if !due.is_empty() {
                updates.push((sender.standby.clone(), due));
            }
        }
        for (standby, records) in updates {
            if let Ok(replayed) = self.network.ship(primary, &standby, &records, now) {
                if let Some(p) = self.network.node_mut(primary) {
                    if let Some(s) = p.senders.iter_mut().find(|s| s.standby == standby) {
                        s.sent = s.sent.max(replayed);
                        s.replayed = s.replayed.max(replayed);
                    }
                }
            }
        }
        if let Some(p) = self.network.node_mut(primary) {
            let oldest = p.senders.iter().map(|s| s.sent).min().unwrap_or(Lsn(0));
            p.wal.recycle(oldest);
        }
    }

    /// A server's committed rows, table by table with row ids: what a standby must converge to.
    pub fn server_contents(
        &mut self,
        server: &str,
    ) -> std::collections::BTreeMap<String, Vec<(i64, Vec<crate::types::Value>)>> {
        let mut out = std::collections::BTreeMap::new();
        let Some(node) = self.network.node_mut(server) else {
            return out;
        };
        node.read_in(None, |db| {
            for table in db.storage.tables.keys() {
                if let Ok(rows) = db.storage.scan_with_ids(table) {
                    out.insert(table.clone(), rows);
                }
            }
        });
        out
    }

    /// An xxHash64 of `server_contents`: equal on a standby that has caught up and its primary.
    pub fn content_checksum(&mut self, server: &str) -> u64 {
        use std::hash::Hasher;
        let contents = self.server_contents(server);
        let mut h = twox_hash::XxHash64::with_seed(0);
        h.write(format!("{contents:?}").as_bytes());
        h.finish()
    }

    /// Every standby, in name order.
    pub fn standbys(&self) -> Vec<StandbyInfo> {
        let now = self.now();
        let mut out: Vec<StandbyInfo> = self
            .network
            .nodes()
            .iter()
            .filter_map(|n| {
                let r = n.recovery.as_ref()?;
                let primary = self.network.node(&r.primary);
                let position =
                    primary.and_then(|p| p.senders.iter().position(|s| s.standby == n.name));
                let sender = primary.zip(position).map(|(p, i)| &p.senders[i]);
                let state = primary
                    .zip(position)
                    .and_then(|(p, i)| p.sync_states().get(i).map(|s| s.0))
                    .unwrap_or(SyncState::Async);
                let insert = primary.map_or(r.replayed, |p| p.wal.insert);
                let oldest_waiting = primary.and_then(|p| p.wal.after(r.replayed).next());
                Some(StandbyInfo {
                    name: n.name.clone(),
                    port: n.port,
                    primary: r.primary.clone(),
                    sync: state != SyncState::Async,
                    sync_state: state.as_str(),
                    delay_us: sender.map_or(0, |s| s.delay_us),
                    is_up: n.is_up(),
                    replayed: r.replayed.to_string(),
                    primary_lsn: insert.to_string(),
                    lag_bytes: insert.0.saturating_sub(r.replayed.0),
                    lag_us: oldest_waiting
                        .map_or(0, |w| (now - w.written_at).num_microseconds().unwrap_or(0)),
                })
            })
            .collect();
        crate::sort::sort_by(&mut out, |a, b| a.name.cmp(&b.name));
        out
    }
}

/// Whether `stmt` is `SELECT function(...)` with nothing else.
fn is_call(stmt: &sqlparser::ast::Statement, function: &str) -> bool {
    let text = stmt.to_string().to_lowercase();
    text.starts_with(&format!("select {function}(")) && !text.contains(" from ")
}

fn boolean_result(column: &str, result: crate::error::PgResult<()>) -> crate::session::Reply {
    crate::session::Reply::done(result.map(|_| {
        crate::sql::ExecOutput::rows(crate::sql::ResultSet {
            columns: vec![crate::sql::Column::new(column, crate::types::SqlType::Bool)],
            rows: vec![vec![crate::types::Value::Bool(true)]],
        })
    }))
}

impl Cluster {
    /// What a server decides before a statement runs, when it is a standby or the statement
    /// is `pg_promote()` or `pg_reload_conf()`: a write is refused, a promotion ends
    /// recovery, a reload puts `ALTER SYSTEM`'s settings in effect.
    pub(crate) fn standby_statement(
        &mut self,
        s: &mut crate::session::Session,
        source: &crate::cluster::StatementSource,
        env: &Envelope,
    ) -> Option<crate::session::Reply> {
        use crate::session::Reply;
        let crate::cluster::StatementSource::Parsed { stmt, .. } = source else {
            return None;
        };
        let in_recovery = self.network.node(&s.node)?.in_recovery();
        let node = s.node.clone();
        if is_call(stmt, "pg_promote") {
            self.network.note(MessageKind::ClientQuery, env.clone());
            let result = self.promote_server(&node).map(|_| ());
            return Some(boolean_result("pg_promote", result));
        }
        // The coordinator runs it as a utility (it may be called per row there).
        if node != crate::cluster::COORDINATOR && is_call(stmt, "pg_reload_conf") {
            self.network.note(MessageKind::ClientQuery, env.clone());
            self.reload_conf(&node);
            return Some(boolean_result("pg_reload_conf", Ok(())));
        }
        let tag = crate::node::recovery::write_tag(stmt).filter(|_| in_recovery)?;
        self.network.note(MessageKind::ClientQuery, env.clone());
        Some(Reply::done(Err(crate::node::recovery::read_only_error(
            &tag,
        ))))
    }
}
