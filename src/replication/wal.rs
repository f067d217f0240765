//! The write-ahead log a node keeps of what it committed, prepared and changed in its catalog:
//! records with log sequence numbers (LSNs) and an xxHash64 checksum, which its walsenders ship
//! to standbys in order. A record is written only while the node has a standby; the LSN moves
//! on by the record's size either way, so `pg_current_wal_lsn()` always counts the writes.

use crate::node::MetadataChange;
use crate::sql::storage::{Redo, Xid};
use crate::sql::{Sequence, ViewDef};
use chrono::NaiveDateTime;
use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::fmt;
use std::hash::Hasher;

/// The (table, row id) pairs a transaction's changes write or remove; a DDL image stands for
/// the whole table (row id -1).
pub fn redo_touched(redo: &[Redo]) -> Vec<(String, i64)> {
    redo.iter()
        .flat_map(|r| match r {
            Redo::Put { table, rows } => rows.iter().map(|(id, _)| (table.clone(), *id)).collect(),
            Redo::Remove { table, ids } => ids.iter().map(|id| (table.clone(), *id)).collect(),
            Redo::Image { name, .. } => vec![(name.clone(), -1)],
        })
        .collect()
}

/// A position in the log, printed as PostgreSQL prints `pg_lsn` (`0/3000148`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Lsn(pub u64);

impl fmt::Display for Lsn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:X}/{:X}", self.0 >> 32, self.0 & 0xFFFF_FFFF)
    }
}

impl Lsn {
    /// Parses `0/3000148`.
    pub fn parse(text: &str) -> Option<Lsn> {
        let (hi, lo) = text.trim().split_once('/')?;
        let hi = u64::from_str_radix(hi, 16).ok()?;
        let lo = u64::from_str_radix(lo, 16).ok()?;
        (hi <= u32::MAX as u64 && lo <= u32::MAX as u64).then_some(Lsn((hi << 32) | lo))
    }
}

/// Where a fresh node's log starts (after initdb and the Citus extension).
pub const FIRST_LSN: Lsn = Lsn(0x0300_0028);

/// The node's objects outside its tables: sequences, views, schemas, functions.
#[derive(Clone, Debug, Default)]
pub struct Objects {
    pub sequences: BTreeMap<String, Sequence>,
    pub views: BTreeMap<String, ViewDef>,
    pub schemas: BTreeSet<String>,
    pub functions: Vec<&'static crate::sql::catalog::Proc>,
}

impl PartialEq for Objects {
    fn eq(&self, other: &Self) -> bool {
        self.sequences == other.sequences
            && self.views.len() == other.views.len()
            // Views compare by their text: the AST's own equality would weigh on the wasm.
            && self.views.iter().zip(&other.views).all(|((a, x), (b, y))| {
                a == b && x.query.to_string() == y.query.to_string()
            })
            && self.schemas == other.schemas
            && self.functions.len() == other.functions.len()
            && self
                .functions
                .iter()
                .zip(&other.functions)
                .all(|(a, b)| std::ptr::eq(*a, *b))
    }
}

/// What a record says.
#[derive(Clone, Debug, PartialEq)]
pub enum WalBody {
    /// A transaction committed: its changes, and the node's objects when they changed.
    Commit {
        redo: Vec<Redo>,
        objects: Option<Box<Objects>>,
    },
    /// A transaction was prepared for two-phase commit; it stays pending until one of the
    /// two records below.
    Prepare {
        gid: String,
        prepared_at: NaiveDateTime,
        dist: Option<crate::transaction::DistTxnId>,
        redo: Vec<Redo>,
    },
    CommitPrepared {
        gid: String,
    },
    RollbackPrepared {
        gid: String,
    },
    /// Citus metadata sync added or removed a table's shell.
    Shell(MetadataChange),
}

impl WalBody {
    /// What the trace and the lost-transaction report say of it.
    pub fn describe(&self, xid: Xid) -> String {
        let changes = |redo: &[Redo]| {
            let rows: usize = redo.iter().map(Redo::rows).sum();
            let mut tables: Vec<&str> = redo.iter().map(Redo::table).collect();
            tables.dedup();
            let ddl = redo.iter().any(|r| matches!(r, Redo::Image { .. }));
            let what = if ddl { "DDL, " } else { "" };
            let rows = crate::network::rows_text(rows);
            match tables.as_slice() {
                [] => "no rows".to_string(),
                [one] => format!("{what}{rows} in {one}"),
                _ => format!("{what}{rows} in {} tables", tables.len()),
            }
        };
        match self {
            WalBody::Commit { redo, .. } => format!("COMMIT xid {xid} ({})", changes(redo)),
            WalBody::Prepare { gid, redo, .. } => {
                format!("PREPARE '{gid}' xid {xid} ({})", changes(redo))
            }
            WalBody::CommitPrepared { gid } => format!("COMMIT PREPARED '{gid}'"),
            WalBody::RollbackPrepared { gid } => format!("ROLLBACK PREPARED '{gid}'"),
            WalBody::Shell(MetadataChange::AddShell(def)) => {
                format!("metadata: shell of {}", def.name)
            }
            WalBody::Shell(MetadataChange::RemoveShell(name)) => {
                format!("metadata: shell of {name} removed")
            }
        }
    }

    /// Whether it ends a transaction a client was told about (what a failover can lose).
    pub fn is_transaction(&self) -> bool {
        !matches!(self, WalBody::Shell(_))
    }

    /// The (table, row id) pairs it writes or removes; a DDL image stands for the whole table
    /// (row id -1).
    pub fn touched_rows(&self) -> Vec<(String, i64)> {
        match self {
            WalBody::Commit { redo, .. } | WalBody::Prepare { redo, .. } => redo_touched(redo),
            _ => Vec::new(),
        }
    }
    pub fn rows(&self) -> usize {
        match self {
            WalBody::Commit { redo, .. } | WalBody::Prepare { redo, .. } => {
                redo.iter().map(Redo::rows).sum()
            }
            _ => 0,
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct WalRecord {
    /// Where the record starts and where the next one starts.
    pub start: Lsn,
    pub end: Lsn,
    pub xid: Xid,
    /// When the primary wrote it (the logical clock).
    pub written_at: NaiveDateTime,
    pub body: WalBody,
    /// xxHash64 of the record's contents; a standby refuses a record that does not match.
    pub checksum: u64,
}

fn hash_str(h: &mut impl Hasher, s: &str) {
    h.write_usize(s.len());
    h.write(s.as_bytes());
}

fn hash_rows(h: &mut impl Hasher, rows: &[(i64, Vec<crate::types::Value>)]) {
    h.write_usize(rows.len());
    for (id, row) in rows {
        h.write_i64(*id);
        for v in row {
            // The group key hashes a value as GROUP BY compares it: equal values, equal hash.
            std::hash::Hash::hash(&v.group_key(), h);
        }
    }
}

fn hash_redo(h: &mut impl Hasher, redo: &[Redo]) {
    for r in redo {
        match r {
            Redo::Put { table, rows } => {
                h.write_u8(1);
                hash_str(h, table);
                hash_rows(h, rows);
            }
            Redo::Remove { table, ids } => {
                h.write_u8(2);
                hash_str(h, table);
                for id in ids {
                    h.write_i64(*id);
                }
            }
            Redo::Image { name, table } => {
                h.write_u8(3);
                hash_str(h, name);
                if let Some(t) = table {
                    for c in &t.def.columns {
                        hash_str(h, &c.name);
                    }
                    h.write_u32(t.oid.unwrap_or(0));
                    hash_rows(h, &t.rows);
                }
            }
        }
    }
}

impl WalRecord {
    /// xxHash64 over the record's position, transaction and contents (row values, table
    /// names and columns, gids).
    pub fn compute_checksum(&self) -> u64 {
        let mut h = twox_hash::XxHash64::with_seed(0);
        h.write_u64(self.start.0);
        h.write_u64(self.end.0);
        h.write_u64(self.xid);
        match &self.body {
            WalBody::Commit { redo, objects } => {
                h.write_u8(1);
                hash_redo(&mut h, redo);
                if let Some(o) = objects {
                    for (name, seq) in &o.sequences {
                        hash_str(&mut h, name);
                        h.write_i64(seq.last_value);
                    }
                    for name in o.views.keys().chain(o.schemas.iter()) {
                        hash_str(&mut h, name);
                    }
                    for f in &o.functions {
                        hash_str(&mut h, f.name);
                    }
                }
            }
            WalBody::Prepare { gid, redo, .. } => {
                h.write_u8(2);
                hash_str(&mut h, gid);
                hash_redo(&mut h, redo);
            }
            WalBody::CommitPrepared { gid } => {
                h.write_u8(3);
                hash_str(&mut h, gid);
            }
            WalBody::RollbackPrepared { gid } => {
                h.write_u8(4);
                hash_str(&mut h, gid);
            }
            WalBody::Shell(change) => {
                h.write_u8(5);
                match change {
                    MetadataChange::AddShell(def) => hash_str(&mut h, &def.name),
                    MetadataChange::RemoveShell(name) => hash_str(&mut h, name),
                }
            }
        }
        h.finish()
    }

    pub fn is_intact(&self) -> bool {
        self.compute_checksum() == self.checksum
    }
}

/// The size a record takes in the log, in bytes.
pub fn record_size(rows: usize, tables: usize) -> u64 {
    40 + 64 * rows as u64 + 512 * tables as u64
}

/// A node's log: the insert position and the records its standbys still need.
#[derive(Clone, Debug)]
pub struct Wal {
    /// Where the next record goes (`pg_current_wal_lsn()`).
    pub insert: Lsn,
    pub records: VecDeque<WalRecord>,
}

impl Default for Wal {
    fn default() -> Self {
        Wal {
            insert: FIRST_LSN,
            records: VecDeque::new(),
        }
    }
}

impl Wal {
    /// Moves the insert position on by a record of `size` bytes without keeping it (nobody
    /// streams from this node).
    pub fn advance(&mut self, size: u64) -> (Lsn, Lsn) {
        let start = self.insert;
        self.insert = Lsn(start.0 + size);
        (start, self.insert)
    }

    /// Writes a record for the standbys.
    pub fn append(&mut self, size: u64, xid: Xid, written_at: NaiveDateTime, body: WalBody) {
        let (start, end) = self.advance(size);
        let mut record = WalRecord {
            start,
            end,
            xid,
            written_at,
            body,
            checksum: 0,
        };
        record.checksum = record.compute_checksum();
        self.records.push_back(record);
    }

    /// Records after `lsn`, oldest first.
    pub fn after(&self, lsn: Lsn) -> impl Iterator<Item = &WalRecord> {
        self.records.iter().filter(move |r| r.end > lsn)
    }

    /// Forgets records every standby has (`upto`: the oldest position still needed).
    pub fn recycle(&mut self, upto: Lsn) {
        while self.records.front().is_some_and(|r| r.end <= upto) {
            self.records.pop_front();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lsns_print_and_parse_as_postgresql_does() {
        assert_eq!(Lsn(0x0300_0148).to_string(), "0/3000148");
        assert_eq!(Lsn((1 << 32) | 0x28).to_string(), "1/28");
        assert_eq!(Lsn::parse("0/3000148"), Some(Lsn(0x0300_0148)));
        assert_eq!(Lsn::parse("nonsense"), None);
    }

    #[test]
    fn a_damaged_record_fails_its_checksum() {
        let mut wal = Wal::default();
        wal.append(
            record_size(0, 0),
            7,
            NaiveDateTime::default(),
            WalBody::CommitPrepared { gid: "g".into() },
        );
        let mut r = wal.records[0].clone();
        assert!(r.is_intact());
        r.body = WalBody::RollbackPrepared { gid: "g".into() };
        assert!(!r.is_intact());
    }
}
