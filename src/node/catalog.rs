//! What a node adds to the host its statements run with: its own system views
//! (`pg_prepared_xacts`, `pg_stat_replication`, `pg_stat_wal_receiver`) and its replication
//! functions (`pg_is_in_recovery()`, `pg_current_wal_lsn()`, ...), which only the node knows.

use super::recovery::{Recovery, WalSender};
use super::{NodeServer, PreparedXact};
use crate::error::PgError;
use crate::error::PgResult;
use crate::replication::sync_rep::SyncState;
use crate::replication::wal::Lsn;
use crate::sql::{Column, Host, ResultSet};
use crate::types::{SqlType, Value};
use chrono::NaiveDateTime;

pub struct NodeHost<'a> {
    pub inner: &'a dyn Host,
    /// The statement came over a connection Citus opened from another node (or this one),
    /// not from a client.
    pub internal: bool,
    pub prepared: Vec<PreparedXact>,
    pub replication: ReplicationView,
}

/// A node's replication state as its statements see it.
#[derive(Default)]
pub struct ReplicationView {
    pub insert: Lsn,
    pub senders: Vec<WalSender>,
    /// Each sender's `sync_state` and `sync_priority`.
    pub sync: Vec<(SyncState, u32)>,
    pub recovery: Option<Recovery>,
}

impl ReplicationView {
    pub fn of(node: &NodeServer) -> Self {
        ReplicationView {
            insert: node.wal.insert,
            senders: node.senders.clone(),
            sync: node.sync_states(),
            recovery: node.recovery.clone(),
        }
    }
}

/// Functions and views this host answers.
const REPLICATION_VIEWS: [&str; 3] = [
    "pg_prepared_xacts",
    "pg_stat_replication",
    "pg_stat_wal_receiver",
];

fn lsn_value(lsn: Lsn) -> Value {
    Value::Text(lsn.to_string())
}

fn lsn_arg(args: &[Value], i: usize) -> PgResult<Option<Lsn>> {
    match args.get(i) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Text(t)) => Lsn::parse(t).map(Some).ok_or_else(|| {
            PgError::new(
                "22P02",
                format!("invalid input syntax for type pg_lsn: \"{t}\""),
            )
        }),
        Some(_) => Err(PgError::new(
            "22P02",
            "invalid input syntax for type pg_lsn",
        )),
    }
}

impl NodeHost<'_> {
    fn stat_replication(&self) -> ResultSet {
        let now = self.inner.now();
        let insert = self.replication.insert;
        let lag = |s: &WalSender| {
            if s.replayed >= insert {
                Value::Null
            } else {
                Value::Interval(crate::types::Interval {
                    micros: s.delay_us,
                    ..Default::default()
                })
            }
        };
        ResultSet {
            columns: vec![
                Column::new("pid", SqlType::Int4),
                Column::new("usename", SqlType::Text),
                Column::new("application_name", SqlType::Text),
                Column::new("client_addr", SqlType::Text),
                Column::new("backend_start", SqlType::TimestampTz),
                Column::new("state", SqlType::Text),
                Column::new("sent_lsn", SqlType::Text),
                Column::new("write_lsn", SqlType::Text),
                Column::new("flush_lsn", SqlType::Text),
                Column::new("replay_lsn", SqlType::Text),
                Column::new("write_lag", SqlType::Interval),
                Column::new("flush_lag", SqlType::Interval),
                Column::new("replay_lag", SqlType::Interval),
                Column::new("sync_priority", SqlType::Int4),
                Column::new("sync_state", SqlType::Text),
                Column::new("reply_time", SqlType::TimestampTz),
            ],
            rows: self
                .replication
                .senders
                .iter()
                .zip(&self.replication.sync)
                .filter(|(s, _)| s.connected)
                .map(|(s, (state, priority))| {
                    vec![
                        Value::Int4(s.pid),
                        Value::Text("postgres".into()),
                        // Each standby's cluster_name, which its walreceiver reports.
                        Value::Text(s.standby.clone()),
                        Value::Text("127.0.0.1".into()),
                        Value::Timestamp(s.started_at),
                        Value::Text("streaming".into()),
                        // Records on the (delayed) link are sent, not yet written.
                        lsn_value(insert),
                        lsn_value(s.replayed),
                        lsn_value(s.replayed),
                        lsn_value(s.replayed),
                        lag(s),
                        lag(s),
                        lag(s),
                        Value::Int4(*priority as i32),
                        Value::Text(state.as_str().into()),
                        Value::Timestamp(now),
                    ]
                })
                .collect(),
        }
    }

    fn stat_wal_receiver(&self) -> ResultSet {
        ResultSet {
            columns: vec![
                Column::new("pid", SqlType::Int4),
                Column::new("status", SqlType::Text),
                Column::new("receive_start_lsn", SqlType::Text),
                Column::new("receive_start_tli", SqlType::Int4),
                Column::new("written_lsn", SqlType::Text),
                Column::new("flushed_lsn", SqlType::Text),
                Column::new("received_tli", SqlType::Int4),
                Column::new("last_msg_receipt_time", SqlType::TimestampTz),
                Column::new("latest_end_lsn", SqlType::Text),
                Column::new("slot_name", SqlType::Text),
                Column::new("sender_host", SqlType::Text),
                Column::new("sender_port", SqlType::Int4),
            ],
            rows: self
                .replication
                .recovery
                .iter()
                .map(|r| {
                    vec![
                        Value::Int4(r.receiver_pid),
                        Value::Text("streaming".into()),
                        lsn_value(r.receive_start),
                        Value::Int4(1),
                        lsn_value(r.replayed),
                        lsn_value(r.replayed),
                        Value::Int4(1),
                        r.last_receipt.map_or(Value::Null, Value::Timestamp),
                        lsn_value(r.replayed),
                        Value::Null,
                        Value::Text("127.0.0.1".into()),
                        Value::Int4(i32::from(r.sender_port)),
                    ]
                })
                .collect(),
        }
    }

    fn replication_function(&self, name: &str, args: &[Value]) -> Option<PgResult<Value>> {
        let recovery = self.replication.recovery.as_ref();
        let during_recovery = || {
            PgError::new("55000", "recovery is in progress")
                .with_hint("WAL control functions cannot be executed during recovery.")
        };
        Some(match name {
            "pg_is_in_recovery" => Ok(Value::Bool(recovery.is_some())),
            "pg_current_wal_lsn" | "pg_current_wal_insert_lsn" | "pg_current_wal_flush_lsn" => {
                match recovery {
                    Some(_) => Err(during_recovery()),
                    None => Ok(lsn_value(self.replication.insert)),
                }
            }
            "pg_last_wal_replay_lsn" | "pg_last_wal_receive_lsn" => {
                Ok(recovery.map_or(Value::Null, |r| lsn_value(r.replayed)))
            }
            "pg_wal_lsn_diff" => (|| {
                let (Some(a), Some(b)) = (lsn_arg(args, 0)?, lsn_arg(args, 1)?) else {
                    return Ok(Value::Null);
                };
                Ok(Value::Numeric(rust_decimal::Decimal::from_i128_with_scale(
                    a.0 as i128 - b.0 as i128,
                    0,
                )))
            })(),
            _ => return None,
        })
    }

    fn prepared_xacts(&self) -> ResultSet {
        ResultSet {
            columns: vec![
                Column::new("transaction", SqlType::Int8),
                Column::new("gid", SqlType::Text),
                Column::new("prepared", SqlType::Timestamp),
                Column::new("owner", SqlType::Text),
                Column::new("database", SqlType::Text),
            ],
            rows: self
                .prepared
                .iter()
                .map(|p| {
                    vec![
                        Value::Int8(p.xid as i64),
                        Value::Text(p.gid.clone()),
                        Value::Timestamp(p.prepared_at),
                        Value::Text("postgres".into()),
                        Value::Text("postgres".into()),
                    ]
                })
                .collect(),
        }
    }
}

impl Host for NodeHost<'_> {
    fn now(&self) -> NaiveDateTime {
        self.inner.now()
    }

    fn call_scalar(&self, name: &str, args: &[Value]) -> Option<PgResult<Value>> {
        self.replication_function(name, args)
            .or_else(|| self.inner.call_scalar(name, args))
    }

    fn call_table(&self, name: &str, args: &[Value]) -> Option<PgResult<ResultSet>> {
        self.inner.call_table(name, args)
    }

    fn virtual_table(&self, name: &str) -> Option<ResultSet> {
        match name {
            "pg_prepared_xacts" => Some(self.prepared_xacts()),
            "pg_stat_replication" => Some(self.stat_replication()),
            "pg_stat_wal_receiver" => Some(self.stat_wal_receiver()),
            _ => self.inner.virtual_table(name),
        }
    }

    fn relation_exists(&self, name: &str) -> bool {
        REPLICATION_VIEWS.contains(&name) || self.inner.relation_exists(name)
    }

    fn is_citus_table(&self, name: &str) -> bool {
        self.inner.is_citus_table(name)
    }

    fn relation_oid(&self, name: &str) -> Option<u32> {
        self.inner.relation_oid(name)
    }

    fn hides_shard(&self, name: &str) -> bool {
        !self.internal && self.inner.hides_shard(name)
    }
}
