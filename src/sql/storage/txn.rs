//! Transactions in the node's storage. Every change a transaction makes is applied in place and
//! logged with what it replaced, so it can be undone (ROLLBACK, a failed statement, a crash) or
//! kept (COMMIT). A row an open transaction changed is owned by it until it ends: other
//! transactions read the row's committed version (read committed), and a write to it reports a
//! lock wait on the owner. Prepared transactions keep their log and their rows.

use super::{to_glue, NodeStorage, RowId, SavedTable, UniqueIndex};
use crate::error::{PgError, PgResult};
use crate::types::Value;
use gluesql::core::data::Key;
use std::collections::{BTreeMap, HashMap};
use std::ops::Range;

/// A node-local transaction id (PostgreSQL's xid). 0 is no transaction: nothing is logged.
pub type Xid = u64;

/// A write that must wait until another transaction ends.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LockWait {
    /// The transaction holding the row.
    pub holder: Xid,
    pub relation: String,
}

impl PgError {
    /// The statement must wait for `holder`'s transaction to end (never shown to a client).
    pub fn lock_wait(holder: Xid, relation: &str) -> PgError {
        let mut e = PgError::new(
            "55P03",
            format!("could not obtain lock on row in relation \"{relation}\""),
        );
        e.wait = Some(Box::new(LockWait {
            holder,
            relation: relation.to_string(),
        }));
        e
    }
}

pub enum Change {
    /// Inserts take consecutive ids.
    Inserted { table: String, ids: Range<RowId> },
    Updated {
        table: String,
        old: Vec<(RowId, Vec<Value>)>,
        /// Rows this change made the transaction own.
        acquired: Vec<RowId>,
    },
    Deleted {
        table: String,
        rows: Vec<(RowId, Vec<Value>)>,
        acquired: Vec<RowId>,
    },
    /// A table created, dropped or redefined: what it was before (`None`: it did not exist).
    Table {
        name: String,
        before: Option<Box<SavedTable>>,
    },
}

/// A position in the current transaction's log to roll back to (a savepoint).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UndoMark {
    xid: Xid,
    position: usize,
}

/// Which open transactions own rows of one table.
#[derive(Default)]
pub(super) struct Ownership {
    /// Rows an open transaction updated or deleted, with their committed version.
    rows: HashMap<RowId, (Xid, Vec<Value>)>,
    /// Rows an open transaction inserted (invisible to every other transaction).
    inserted: Vec<(Xid, Range<RowId>)>,
    /// How many rows and ranges each transaction holds here.
    counts: BTreeMap<Xid, usize>,
}

impl Ownership {
    pub(super) fn owner(&self, id: RowId) -> Option<Xid> {
        if let Some((xid, _)) = self.rows.get(&id) {
            return Some(*xid);
        }
        self.inserted
            .iter()
            .find(|(_, r)| r.contains(&id))
            .map(|(x, _)| *x)
    }

    /// Whether a transaction other than `viewer` holds anything here.
    pub(super) fn foreign(&self, viewer: Xid) -> bool {
        self.counts.keys().any(|x| *x != viewer)
    }

    /// Some transaction other than `xid` holding rows here.
    pub(super) fn owner_other_than(&self, xid: Xid) -> Option<Xid> {
        self.counts.keys().copied().find(|x| *x != xid)
    }

    fn add(&mut self, xid: Xid) {
        *self.counts.entry(xid).or_default() += 1;
    }

    fn remove(&mut self, xid: Xid) {
        if let Some(n) = self.counts.get_mut(&xid) {
            *n -= 1;
            if *n == 0 {
                self.counts.remove(&xid);
            }
        }
    }

    /// The committed versions of rows other transactions changed: (id, row, owner).
    pub(super) fn foreign_committed(
        &self,
        viewer: Xid,
    ) -> impl Iterator<Item = (RowId, &Vec<Value>, Xid)> {
        self.rows
            .iter()
            .filter(move |(_, (x, _))| *x != viewer)
            .map(|(id, (x, row))| (*id, row, *x))
    }

    /// What `viewer` sees of stored row `id`: `Some(None)` the stored version, `Some(Some(row))`
    /// an older committed version, `None` nothing (another transaction inserted it).
    pub(super) fn version_for(&self, viewer: Xid, id: RowId) -> Option<Option<&Vec<Value>>> {
        if let Some((xid, row)) = self.rows.get(&id) {
            return Some((*xid != viewer).then_some(row));
        }
        match self.inserted.iter().find(|(_, r)| r.contains(&id)) {
            Some((xid, _)) if *xid != viewer => None,
            _ => Some(None),
        }
    }
}

impl NodeStorage {
    /// The transaction statements run in from now on (0: none).
    pub fn set_current(&mut self, xid: Xid) {
        self.current = xid;
    }

    pub fn current(&self) -> Xid {
        self.current
    }

    /// Whether `xid` is open or prepared here.
    pub fn has_xact(&self, xid: Xid) -> bool {
        self.txns.contains_key(&xid)
    }

    /// Whether `xid` changed anything here.
    pub fn xact_wrote(&self, xid: Xid) -> bool {
        self.txns.get(&xid).is_some_and(|log| !log.is_empty())
    }

    /// Open and prepared transactions, oldest first.
    pub fn xacts(&self) -> Vec<Xid> {
        let mut x: Vec<Xid> = self.txns.keys().copied().collect();
        x.sort_unstable();
        x
    }

    /// Rows (and insert ranges) open or prepared transactions hold, over every table.
    pub fn owned_rows(&self) -> usize {
        self.owned
            .values()
            .map(|o| o.counts.values().sum::<usize>())
            .sum()
    }

    /// The current position in the current transaction's log.
    pub fn mark(&self) -> UndoMark {
        UndoMark {
            xid: self.current,
            position: self.txns.get(&self.current).map_or(0, Vec::len),
        }
    }

    /// The start of `xid`'s log: rolling back to it undoes all of the transaction.
    pub fn start_of(&self, xid: Xid) -> UndoMark {
        UndoMark { xid, position: 0 }
    }

    /// Keeps every change of `xid`: its rows become the committed versions.
    pub fn commit_xact(&mut self, xid: Xid) {
        let Some(log) = self.txns.remove(&xid) else {
            return;
        };
        for change in &log {
            self.release(xid, change);
        }
        if self.current == xid {
            self.current = 0;
        }
    }

    /// Takes back every change of `xid`, newest first, and ends it.
    pub fn abort_xact(&mut self, xid: Xid) -> PgResult<()> {
        let result = self.rollback_to(UndoMark { xid, position: 0 });
        self.txns.remove(&xid);
        if self.current == xid {
            self.current = 0;
        }
        result
    }

    /// Takes back the changes made since `mark` (ROLLBACK TO SAVEPOINT, a failed statement).
    pub fn rollback_to(&mut self, mark: UndoMark) -> PgResult<()> {
        let Some(log) = self.txns.get_mut(&mark.xid) else {
            return Ok(());
        };
        let changes = log.split_off(mark.position.min(log.len()));
        // Undoing must not log or lock-check itself.
        let saved = std::mem::replace(&mut self.current, 0);
        let mut result = Ok(());
        for change in changes.into_iter().rev() {
            self.release(mark.xid, &change);
            if let Err(e) = self.undo_change(change) {
                result = result.and(Err(e));
            }
        }
        self.current = saved;
        result
    }

    /// Appends to the current transaction's log.
    pub(super) fn log(&mut self, change: impl FnOnce() -> Change) {
        if self.current != 0 {
            let c = change();
            self.txns.entry(self.current).or_default().push(c);
        }
    }

    /// Whether changes are being logged.
    pub fn in_xact(&self) -> bool {
        self.current != 0
    }

    pub(super) fn ownership(&self, table: &str) -> Option<&Ownership> {
        self.owned.get(table)
    }

    /// Whether a transaction other than the current one owns rows of `table`.
    pub(super) fn foreign_rows(&self, table: &str) -> bool {
        self.owned
            .get(table)
            .is_some_and(|o| o.foreign(self.current))
    }

    /// Fails with a lock wait if another transaction owns one of `ids`.
    pub(super) fn check_row_locks(&self, table: &str, ids: &[RowId]) -> PgResult<()> {
        if self.current == 0 || !self.foreign_rows(table) {
            return Ok(());
        }
        let own = &self.owned[table];
        for id in ids {
            match own.owner(*id) {
                Some(holder) if holder != self.current => {
                    return Err(PgError::lock_wait(holder, table))
                }
                _ => {}
            }
        }
        Ok(())
    }

    /// Marks rows the current transaction changes as its own; returns those newly acquired.
    pub(super) fn acquire_rows(&mut self, table: &str, old: &[(RowId, Vec<Value>)]) -> Vec<RowId> {
        let xid = self.current;
        if xid == 0 {
            return Vec::new();
        }
        let own = self.owned.entry(table.to_string()).or_default();
        let mut acquired = Vec::new();
        for (id, row) in old {
            if own.owner(*id).is_none() {
                own.rows.insert(*id, (xid, row.clone()));
                own.add(xid);
                acquired.push(*id);
            }
        }
        acquired
    }

    /// Marks freshly inserted rows as the current transaction's.
    pub(super) fn acquire_inserted(&mut self, table: &str, ids: Range<RowId>) {
        let xid = self.current;
        if xid == 0 || ids.is_empty() {
            return;
        }
        let own = self.owned.entry(table.to_string()).or_default();
        own.inserted.push((xid, ids));
        own.add(xid);
    }

    /// Gives up what `change` made `xid` own.
    fn release(&mut self, xid: Xid, change: &Change) {
        let (table, ids, range) = match change {
            Change::Inserted { table, ids } => (table, &[][..], Some(ids)),
            Change::Updated {
                table, acquired, ..
            }
            | Change::Deleted {
                table, acquired, ..
            } => (table, acquired.as_slice(), None),
            Change::Table { .. } => return,
        };
        let Some(own) = self.owned.get_mut(table) else {
            return;
        };
        for id in ids {
            if own.rows.get(id).is_some_and(|(x, _)| *x == xid) {
                own.rows.remove(id);
                own.remove(xid);
            }
        }
        if let Some(range) = range {
            if let Some(pos) = own
                .inserted
                .iter()
                .position(|(x, r)| *x == xid && r == range)
            {
                own.inserted.remove(pos);
                own.remove(xid);
            }
        }
        if own.counts.is_empty() {
            self.owned.remove(table);
        }
    }

    fn undo_change(&mut self, change: Change) -> PgResult<()> {
        let table = match &change {
            Change::Inserted { table, .. }
            | Change::Updated { table, .. }
            | Change::Deleted { table, .. } => table,
            Change::Table { name, before } => {
                self.restore_table(name, before.clone());
                return Ok(());
            }
        };
        // A table dropped later in the same transaction took its rows with it.
        if !self.tables.contains_key(table) {
            return Ok(());
        }
        match change {
            Change::Inserted { table, ids } => self.delete(&table, ids.collect()).map(|_| ()),
            Change::Updated { table, old, .. } => self.update(&table, old).map(|_| ()),
            Change::Deleted { table, rows, .. } => self.restore(&table, rows),
            Change::Table { .. } => Ok(()),
        }
    }

    /// Puts deleted rows back under their old ids, with their unique-index entries.
    fn restore(&mut self, table: &str, rows: Vec<(RowId, Vec<Value>)>) -> PgResult<()> {
        if let Some(indexes) = self.unique.get_mut(table) {
            for ix in indexes.iter_mut() {
                for (id, row) in &rows {
                    if let Some(key) = ix.key_of(row) {
                        ix.map.insert(key, *id);
                    }
                }
            }
        }
        let batch = rows
            .into_iter()
            .map(|(id, row)| (Key::I64(id), row.into_iter().map(to_glue).collect()))
            .collect();
        self.store_rows(table, batch)
    }

    /// Fails with a lock wait if a key of `rows` is held by another open transaction: a row it
    /// inserted or changed to that key, or one whose committed version (deleted or changed by
    /// it) has the key.
    pub fn check_key_locks(&self, table: &str, rows: &[Vec<Value>]) -> PgResult<()> {
        if self.current == 0 || !self.foreign_rows(table) {
            return Ok(());
        }
        let own = &self.owned[table];
        let indexes: &[UniqueIndex] = self.unique_indexes(table);
        for ix in indexes {
            let mut held = HashMap::new();
            for (_, row, holder) in own.foreign_committed(self.current) {
                if let Some(key) = ix.key_of(row) {
                    held.insert(key, holder);
                }
            }
            for row in rows {
                let Some(key) = ix.key_of(row) else {
                    continue;
                };
                if let Some(holder) = held.get(&key) {
                    return Err(PgError::lock_wait(*holder, table));
                }
                if let Some(id) = ix.map.get(&key) {
                    if let Some(holder) = own.owner(*id).filter(|h| *h != self.current) {
                        return Err(PgError::lock_wait(holder, table));
                    }
                }
            }
        }
        Ok(())
    }
}
