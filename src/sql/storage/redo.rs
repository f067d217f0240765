//! Redo: what a transaction changed, as the write-ahead log carries it to a standby. It is read
//! from the transaction's own change log when the transaction commits or prepares, with each
//! row as the transaction left it, and replayed on the standby under the same row ids, so later
//! records (an update, a delete) find their rows there. Replaying a record twice leaves the
//! same state: a put overwrites, a removal of a missing row does nothing, an image replaces.

use super::{glue_err, to_glue, txn::Change, unique, NodeStorage, RowId, SavedTable};
use crate::error::PgResult;
use crate::sql::schema::TableDef;
use crate::types::Value;
use gluesql::core::data::Key;
use gluesql::core::store::StoreMut;

/// One change to replay.
#[derive(Clone, Debug, PartialEq)]
pub enum Redo {
    /// Rows stored under these ids as the transaction left them (inserted or updated).
    Put {
        table: String,
        rows: Vec<(RowId, Vec<Value>)>,
    },
    /// Rows deleted.
    Remove { table: String, ids: Vec<RowId> },
    /// A table's whole state after DDL; `None`: it no longer exists.
    Image {
        name: String,
        table: Option<Box<TableImage>>,
    },
}

/// A table as a base backup or a DDL record carries it: definition, OID and rows.
#[derive(Clone, Debug, PartialEq)]
pub struct TableImage {
    pub def: TableDef,
    pub oid: Option<u32>,
    pub rows: Vec<(RowId, Vec<Value>)>,
}

impl Redo {
    /// The rows it writes or removes (what the trace and the lost-transaction report count).
    pub fn rows(&self) -> usize {
        match self {
            Redo::Put { rows, .. } => rows.len(),
            Redo::Remove { ids, .. } => ids.len(),
            Redo::Image { table, .. } => table.as_ref().map_or(0, |t| t.rows.len()),
        }
    }

    pub fn table(&self) -> &str {
        match self {
            Redo::Put { table, .. } | Redo::Remove { table, .. } => table,
            Redo::Image { name, .. } => name,
        }
    }
}

impl NodeStorage {
    /// The redo of open or prepared transaction `xid`, in the order it made its changes.
    pub fn redo_of(&mut self, xid: super::Xid) -> Vec<Redo> {
        let Some(log) = self.txns.get(&xid) else {
            return Vec::new();
        };
        enum Step {
            Put(String, Vec<RowId>),
            Remove(String, Vec<RowId>),
            Image(String),
        }
        let steps: Vec<Step> = log
            .iter()
            .map(|c| match c {
                Change::Inserted { table, ids } => Step::Put(table.clone(), ids.clone().collect()),
                Change::Updated { table, old, .. } => {
                    Step::Put(table.clone(), old.iter().map(|(id, _)| *id).collect())
                }
                Change::Deleted { table, rows, .. } => {
                    Step::Remove(table.clone(), rows.iter().map(|(id, _)| *id).collect())
                }
                Change::Table { name, .. } => Step::Image(name.clone()),
            })
            .collect();
        // Rows are read as `xid` sees them: its own versions, others' committed ones.
        let saved = std::mem::replace(&mut self.current, xid);
        let redo = steps
            .into_iter()
            .filter_map(|step| match step {
                Step::Put(table, ids) => {
                    let rows: Vec<(RowId, Vec<Value>)> = ids
                        .into_iter()
                        .filter_map(|id| self.get_stored(&table, id).map(|r| (id, r)))
                        .collect();
                    (!rows.is_empty()).then_some(Redo::Put { table, rows })
                }
                Step::Remove(table, ids) => Some(Redo::Remove { table, ids }),
                Step::Image(name) => Some(Redo::Image {
                    table: self.image(&name).map(Box::new),
                    name,
                }),
            })
            .collect();
        self.current = saved;
        redo
    }

    /// How many rows and tables `xid` changed (the size of its WAL record).
    pub fn xact_extent(&self, xid: super::Xid) -> (usize, usize) {
        let Some(log) = self.txns.get(&xid) else {
            return (0, 0);
        };
        log.iter().fold((0, 0), |(rows, tables), c| match c {
            Change::Inserted { ids, .. } => (rows + ids.clone().count(), tables),
            Change::Updated { old, .. } => (rows + old.len(), tables),
            Change::Deleted { rows: r, .. } => (rows + r.len(), tables),
            Change::Table { .. } => (rows, tables + 1),
        })
    }

    /// The command name of `xid`'s first change (the error a read-only node gives for it).
    pub fn first_write(&self, xid: super::Xid) -> &'static str {
        match self.txns.get(&xid).and_then(|log| log.first()) {
            Some(Change::Inserted { .. }) => "INSERT",
            Some(Change::Updated { .. }) => "UPDATE",
            Some(Change::Deleted { .. }) => "DELETE",
            Some(Change::Table { .. }) | None => "CREATE TABLE",
        }
    }

    /// A table as the current transaction sees it, with row ids.
    fn image(&self, name: &str) -> Option<TableImage> {
        let def = self.tables.get(name)?.clone();
        Some(TableImage {
            rows: self.visible(name).unwrap_or_default(),
            oid: self.oids.get(name).copied(),
            def,
        })
    }

    /// Every table with its committed rows: what a base backup copies.
    pub fn base_images(&mut self) -> Vec<Redo> {
        let saved = std::mem::replace(&mut self.current, 0);
        let names: Vec<String> = self.tables.keys().cloned().collect();
        let out = names
            .into_iter()
            .map(|name| Redo::Image {
                table: self.image(&name).map(Box::new),
                name,
            })
            .collect();
        self.current = saved;
        out
    }

    /// Relation OIDs of Citus shells (they have no table here), for a base backup.
    pub fn shell_oids(&self) -> Vec<(String, u32)> {
        self.oids
            .iter()
            .filter(|(name, _)| !self.tables.contains_key(*name))
            .map(|(name, oid)| (name.clone(), *oid))
            .collect()
    }

    /// Takes over a shell's OID from a base backup.
    pub fn set_shell_oid(&mut self, name: &str, oid: u32) {
        self.oids.insert(name.to_string(), oid);
        self.last_oid = self.last_oid.max(oid + 2);
    }

    /// Replays one change outside any transaction.
    pub fn apply_redo(&mut self, redo: &Redo) -> PgResult<()> {
        let saved = std::mem::replace(&mut self.current, 0);
        let result = match redo {
            Redo::Put { table, rows } => self.put_rows(table, rows),
            Redo::Remove { table, ids } => {
                if self.tables.contains_key(table) {
                    self.delete(table, ids.clone()).map(|_| ())
                } else {
                    Ok(())
                }
            }
            Redo::Image { name, table } => self.apply_image(name, table.as_deref()),
        };
        self.current = saved;
        result
    }

    /// Stores rows under their ids, replacing what was there, with their unique keys.
    fn put_rows(&mut self, table: &str, rows: &[(RowId, Vec<Value>)]) -> PgResult<()> {
        if !self.tables.contains_key(table) {
            return Ok(());
        }
        for (id, _) in rows {
            if let Some(old) = self.get_stored(table, *id) {
                if let Some(indexes) = self.unique.get_mut(table) {
                    for ix in indexes.iter_mut() {
                        ix.remove_row(*id, &old);
                    }
                }
            }
        }
        if let Some(indexes) = self.unique.get_mut(table) {
            for ix in indexes.iter_mut() {
                for (id, row) in rows {
                    if let Some(key) = ix.key_of(row) {
                        ix.map.insert(key, *id);
                    }
                }
            }
        }
        let top = rows.iter().map(|(id, _)| *id).max().unwrap_or(0);
        self.glue.id_counter = self.glue.id_counter.max(top);
        let batch = rows
            .iter()
            .map(|(id, row)| (Key::I64(*id), row.iter().cloned().map(to_glue).collect()))
            .collect();
        self.store_rows(table, batch)
    }

    /// Replaces a table with an image (or drops it).
    fn apply_image(&mut self, name: &str, image: Option<&TableImage>) -> PgResult<()> {
        self.restore_table(name, None);
        let Some(image) = image else {
            return Ok(());
        };
        let schema = super::schemaless(name);
        self.glue.insert_schema(&schema).map_err(glue_err)?;
        let saved = SavedTable {
            def: image.def.clone(),
            item: self.glue.items.get(name).cloned(),
            unique: unique::indexes_for(&image.def),
            oid: image.oid,
        };
        self.restore_table(name, Some(Box::new(saved)));
        if let Some(oid) = image.oid {
            self.last_oid = self.last_oid.max(oid + 2);
        }
        self.put_rows(name, &image.rows)
    }

    /// Replays a prepared transaction's redo as open transaction `xid` (a standby promoted
    /// with prepared transactions keeps them prepared: their rows stay locked and hidden).
    pub fn apply_redo_as(&mut self, xid: super::Xid, redo: &[Redo]) -> PgResult<()> {
        let saved = std::mem::replace(&mut self.current, xid);
        let mut result = Ok(());
        for r in redo {
            let step = match r {
                Redo::Put { table, rows } => {
                    let (existing, fresh): (Vec<_>, Vec<_>) = rows
                        .iter()
                        .cloned()
                        .partition(|(id, _)| self.get_stored(table, *id).is_some());
                    self.update(table, existing).and_then(|_| {
                        self.insert(table, fresh.into_iter().map(|(_, r)| r).collect())
                            .map(|_| ())
                    })
                }
                Redo::Remove { table, ids } => self.delete(table, ids.clone()).map(|_| ()),
                Redo::Image { name, table } => {
                    self.log_table(name);
                    let current = std::mem::replace(&mut self.current, 0);
                    let out = self.apply_image(name, table.as_deref());
                    self.current = current;
                    out
                }
            };
            result = result.and(step);
        }
        self.current = saved;
        result
    }
}
