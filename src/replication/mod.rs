//! Streaming replication between the cluster's servers: standbys made from a base backup of
//! their primary and fed by its WAL over the network (`standby`), promotion and the catalog
//! change that makes Citus use the promoted node (`failover`), and an HA manager in the spirit
//! of Patroni that does both when a primary stops renewing its leader lease (`ha`).

pub mod commit_wait;
mod failover;
pub mod ha;
mod standby;
pub mod sync_rep;
pub mod wal;

pub use failover::Loss;
pub use standby::StandbyInfo;

/// `sync` or `async`, as `\standby add` takes it and `pg_stat_replication.sync_state` shows it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SyncMode {
    Sync,
    Async,
}

/// A step of a failover or of the HA manager's work, as its `ha` message's phase names it: the
/// map draws each kind its own way.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HaStep {
    /// The HA manager was turned on or off.
    Manager,
    /// A primary took its leader lease.
    Lease,
    /// A primary's lease ran out.
    LeaseExpired,
    /// A failover or switchover began (a standby was chosen).
    Election,
    /// A standby was promoted.
    Promotion,
    /// Citus's catalog points the node at its new server.
    Catalog,
    /// Transactions the promoted standby never received.
    Loss,
    /// A commit waits for synchronous standbys (or stopped waiting).
    SyncWait,
    /// A server's replication settings changed, or a server rejoined as a standby.
    Config,
}

impl HaStep {
    pub const ALL: [HaStep; 9] = [
        HaStep::Manager,
        HaStep::Lease,
        HaStep::LeaseExpired,
        HaStep::Election,
        HaStep::Promotion,
        HaStep::Catalog,
        HaStep::Loss,
        HaStep::SyncWait,
        HaStep::Config,
    ];

    pub fn phase(self) -> &'static str {
        match self {
            HaStep::Manager => "manager",
            HaStep::Lease => "lease",
            HaStep::LeaseExpired => "lease expired",
            HaStep::Election => "election",
            HaStep::Promotion => "promotion",
            HaStep::Catalog => "catalog",
            HaStep::Loss => "loss",
            HaStep::SyncWait => "sync wait",
            HaStep::Config => "config",
        }
    }

    /// The step an `ha` message's phase names.
    pub fn from_phase(phase: &str) -> Option<HaStep> {
        HaStep::ALL.into_iter().find(|s| s.phase() == phase)
    }
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
