//! The node's undo log: every row change made while a log is open is recorded with what it
//! replaced, so a statement (or, later, a transaction) that fails on another node can be taken
//! back here. Marks make it nest like savepoints.

use super::{glue_err, to_glue, NodeStorage, RowId};
use crate::error::PgResult;
use crate::types::Value;
use gluesql::core::data::Key;
use gluesql::core::store::StoreMut;

pub enum Change {
    /// Inserts take consecutive ids.
    Inserted {
        table: String,
        ids: std::ops::Range<RowId>,
    },
    Updated {
        table: String,
        old: Vec<(RowId, Vec<Value>)>,
    },
    Deleted {
        table: String,
        rows: Vec<(RowId, Vec<Value>)>,
    },
}

/// A position in the undo log to roll back to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UndoMark(usize);

impl NodeStorage {
    /// Opens the undo log (if closed) and returns the current position in it.
    pub fn begin(&mut self) -> UndoMark {
        UndoMark(self.undo.get_or_insert_with(Vec::new).len())
    }

    /// Keeps every change since `mark`; the log closes when the outermost mark is released.
    pub fn release(&mut self, mark: UndoMark) {
        if mark.0 == 0 {
            self.undo = None;
        }
    }

    /// Takes back every row change made since `mark`, newest first.
    pub fn rollback_to(&mut self, mark: UndoMark) -> PgResult<()> {
        let Some(log) = self.undo.as_mut() else {
            return Ok(());
        };
        let changes = log.split_off(mark.0.min(log.len()));
        // Undoing must not log itself.
        let saved = self.undo.take();
        let result = changes
            .into_iter()
            .rev()
            .try_for_each(|change| self.undo_change(change));
        self.undo = saved;
        self.release(mark);
        result
    }

    /// Whether changes are being logged (a statement or transaction is open).
    pub fn in_undo_scope(&self) -> bool {
        self.undo.is_some()
    }

    pub(super) fn log(&mut self, change: impl FnOnce() -> Change) {
        if let Some(log) = self.undo.as_mut() {
            log.push(change());
        }
    }

    fn undo_change(&mut self, change: Change) -> PgResult<()> {
        let table = match &change {
            Change::Inserted { table, .. }
            | Change::Updated { table, .. }
            | Change::Deleted { table, .. } => table,
        };
        // A table dropped later in the same scope took its rows with it.
        if !self.tables.contains_key(table) {
            return Ok(());
        }
        match change {
            Change::Inserted { table, ids } => self.delete(&table, ids.collect()).map(|_| ()),
            Change::Updated { table, old } => self.update(&table, old).map(|_| ()),
            Change::Deleted { table, rows } => self.restore(&table, rows),
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
        self.glue.insert_data(table, batch).map_err(glue_err)
    }
}
