//! A backend: the server process behind one connection, and its transaction.

use crate::sql::storage::{UndoMark, Xid};
use crate::transaction::DistTxnId;
use chrono::NaiveDateTime;

/// A backend's id within its node.
pub type BackendId = u64;

/// A local transaction: implicit (one statement) or a transaction block.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Xact {
    pub xid: Xid,
    /// Opened by BEGIN (a transaction block).
    pub explicit: bool,
    /// An error aborted the block; only ROLLBACK (TO SAVEPOINT) is accepted.
    pub failed: bool,
    pub savepoints: Vec<(String, UndoMark)>,
    /// Set by `assign_distributed_transaction_id` when a coordinator opened the block.
    pub dist: Option<DistTxnId>,
    pub started_at: Option<NaiveDateTime>,
}

impl Xact {
    pub fn new(xid: Xid, explicit: bool) -> Self {
        Xact {
            xid,
            explicit,
            failed: false,
            savepoints: Vec::new(),
            dist: None,
            started_at: None,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Backend {
    pub pid: i32,
    pub xact: Option<Xact>,
    /// Where the connection comes from: `client`, or the node that opened it.
    pub peer: String,
}

impl Backend {
    pub fn new(pid: i32, peer: &str) -> Self {
        Backend {
            pid,
            xact: None,
            peer: peer.to_string(),
        }
    }
}
