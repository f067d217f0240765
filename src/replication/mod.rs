//! Streaming replication between the cluster's servers: standbys made from a base backup of
//! their primary and fed by its WAL over the network (`standby`), promotion and the catalog
//! change that makes Citus use the promoted node (`failover`), and an HA manager in the spirit
//! of Patroni that does both when a primary stops renewing its leader lease (`ha`).

mod failover;
pub mod ha;
mod standby;
pub mod wal;

pub use failover::Loss;
pub use standby::StandbyInfo;

/// `sync` or `async`, as `\standby add` takes it and `pg_stat_replication.sync_state` shows it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SyncMode {
    Sync,
    Async,
}

/// `\standby`'s answer: one line per standby.
pub fn describe_standbys(standbys: &[StandbyInfo]) -> String {
    if standbys.is_empty() {
        return "No standbys. Add one with \\standby add NODE.".into();
    }
    standbys
        .iter()
        .map(|s| {
            format!(
                "{} (127.0.0.1:{}): {} standby of {}{}, replayed {} of {} ({} bytes behind){}",
                s.name,
                s.port,
                if s.sync {
                    "synchronous"
                } else {
                    "asynchronous"
                },
                s.primary,
                if s.delay_us > 0 {
                    format!(" with a {} delay", ha::seconds(s.delay_us))
                } else {
                    String::new()
                },
                s.replayed,
                s.primary_lsn,
                s.lag_bytes,
                if s.is_up { "" } else { ", down" }
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}
