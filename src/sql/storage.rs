//! The node's storage boundary: GlueSQL's MemoryStorage holds the rows; this wrapper keeps the
//! PostgreSQL table definitions and unique indexes beside them. Every mutation goes through the
//! few methods below (create/drop/rename/alter definitions, insert, update, delete, truncate),
//! which is where transactions (`txn`) log, lock and hide uncommitted rows.

mod convert;
mod packed;
mod redo;
mod txn;
mod unique;

pub use convert::{from_glue, to_glue};

/// The stored rows of a table in stored order (see `NodeStorage::stored_row_iter`).
#[derive(Clone)]
pub enum StoredRowIter<'a> {
    Packed(packed::PackedIter<'a>),
    /// A table whose rows could not be packed (rows of unequal width).
    Tree(std::collections::btree_map::Values<'a, Key, Vec<GValue>>),
}

impl<'a> Iterator for StoredRowIter<'a> {
    type Item = &'a [GValue];

    #[inline]
    fn next(&mut self) -> Option<&'a [GValue]> {
        match self {
            StoredRowIter::Packed(rows) => rows.next(),
            StoredRowIter::Tree(rows) => rows.next().map(Vec::as_slice),
        }
    }
}
pub use redo::{Redo, TableImage};

/// GlueSQL's schema for one of our tables: schemaless rows (the columns are `TableDef`'s).
pub fn schemaless(name: &str) -> Schema {
    Schema {
        table_name: name.to_string(),
        column_defs: None,
        indexes: Vec::new(),
        engine: None,
        foreign_keys: Vec::new(),
        comment: None,
    }
}
pub use txn::{LockWait, UndoMark, Xid};
pub use unique::{describe_key, FxBuild, IndexKey, UniqueIndex};

use super::schema::{ColumnDef, ConstraintKind, TableDef};
use crate::error::{PgError, PgResult};
use crate::types::Value;
use gluesql::core::data::{Key, Schema, Value as GValue};
use gluesql::core::store::StoreMut;
use gluesql::prelude::MemoryStorage;
use std::collections::{BTreeMap, HashMap, HashSet};

/// A row's identity within its table (GlueSQL's `Key::I64`); increases with insertion order.
pub type RowId = i64;

#[derive(Default)]
pub struct NodeStorage {
    /// Only written through `store_rows`, `remove_rows`, `rows_mut` and the schema methods,
    /// which keep `images` in step.
    glue: MemoryStorage,
    images: packed::Images,
    pub tables: BTreeMap<String, TableDef>,
    /// Per table, one index per PRIMARY KEY / UNIQUE constraint / unique index.
    unique: HashMap<String, Vec<UniqueIndex>>,
    /// Relation OIDs, node-local as in PostgreSQL: the same table has another OID on each node.
    oids: HashMap<String, u32>,
    last_oid: u32,
    /// The transaction statements run in (0: none, nothing logged).
    current: Xid,
    /// Each open or prepared transaction's changes, oldest first.
    txns: BTreeMap<Xid, Vec<txn::Change>>,
    /// Rows owned by open transactions, per table.
    owned: HashMap<String, txn::Ownership, unique::FxBuild>,
}

/// A table as it was before DDL changed it, to put back if the transaction rolls back.
#[derive(Clone)]
pub struct SavedTable {
    def: TableDef,
    item: Option<gluesql::gluesql_memory_storage::Item>,
    unique: Vec<UniqueIndex>,
    oid: Option<u32>,
}

/// PostgreSQL's first OID for user objects (`FirstNormalObjectId`).
const FIRST_USER_OID: u32 = 16384;

/// MemoryStorage's writes never fail. GlueSQL's error text is left out: formatting it would put
/// GlueSQL's SQL printer into the wasm.
fn glue_err(_: gluesql::core::error::Error) -> PgError {
    PgError::internal("storage error")
}

impl NodeStorage {
    pub fn table(&self, name: &str) -> Option<&TableDef> {
        self.tables.get(name)
    }

    /// Every relation with an OID here: tables and the shells of Citus tables.
    pub fn relations_with_oid(&self) -> impl Iterator<Item = &String> {
        self.oids.keys()
    }

    /// The table's OID on this node (`'t'::regclass::oid`).
    pub fn relation_oid(&self, name: &str) -> Option<u32> {
        self.oids.get(name).copied()
    }

    /// Records the shell of a table distributed from the coordinator (Citus creates it on
    /// every node with metadata): the name gets this node's OID; rows stay in the shards.
    pub fn register_shell(&mut self, def: &TableDef) {
        if !self.oids.contains_key(&def.name) {
            self.assign_oid(def);
        }
    }

    /// Marks a table created while the node is set up as part of the system catalog: it takes
    /// no user OID (PostgreSQL numbers catalog objects below 16384).
    pub fn bootstrap_catalog_table(&mut self, name: &str) {
        if self.oids.remove(name).is_some() && self.oids.is_empty() {
            self.last_oid = 0;
        }
    }

    /// Forgets a shell registered by `register_shell` (the table was dropped).
    pub fn forget_shell(&mut self, name: &str) {
        if !self.tables.contains_key(name) {
            self.oids.remove(name);
        }
    }

    /// A table takes its own OID plus its row type's and array type's; each constraint or
    /// index another one, so OIDs advance as on a PostgreSQL node.
    fn assign_oid(&mut self, def: &TableDef) {
        let first = self.last_oid.max(FIRST_USER_OID - 1) + 1;
        let used = 3 + (def.constraints.len() + def.indexes.len()) as u32;
        self.last_oid = first + used - 1;
        self.oids.insert(def.name.clone(), first);
    }

    fn def(&self, table: &str) -> PgResult<&TableDef> {
        self.tables
            .get(table)
            .ok_or_else(|| PgError::undefined_table(table))
    }

    fn rows(&self, table: &str) -> PgResult<&BTreeMap<Key, Vec<GValue>>> {
        self.glue
            .items
            .get(table)
            .map(|item| &item.rows)
            .ok_or_else(|| PgError::undefined_table(table))
    }

    /// The table's rows packed end to end (see `packed`); `None` reads the tree instead.
    fn packed(&self, table: &str) -> PgResult<Option<&packed::PackedRows>> {
        let tree = self.rows(table)?;
        Ok(self.images.get(table, tree))
    }

    /// Puts rows into the tree by key (new ones, or replacing those with the same ids).
    fn store_rows(&mut self, table: &str, batch: Vec<(Key, Vec<GValue>)>) -> PgResult<()> {
        self.images.put(table, &batch);
        self.glue.insert_data(table, batch).map_err(glue_err)
    }

    fn remove_rows(&mut self, table: &str, keys: Vec<Key>) -> PgResult<()> {
        self.images.changed(table);
        self.glue.delete_data(table, keys).map_err(glue_err)
    }

    /// The table's tree, to change its rows in place.
    fn rows_mut(&mut self, table: &str) -> Option<&mut gluesql::gluesql_memory_storage::Item> {
        self.images.changed(table);
        self.glue.items.get_mut(table)
    }

    /// The unique indexes of a table (for key lookups by foreign-key checks).
    pub fn unique_indexes(&self, table: &str) -> &[UniqueIndex] {
        self.unique.get(table).map(Vec::as_slice).unwrap_or(&[])
    }

    /// The unique index on exactly `columns` (in any order), if any.
    pub fn unique_index_on(&self, table: &str, columns: &[String]) -> Option<&UniqueIndex> {
        self.unique_indexes(table).iter().find(|ix| {
            ix.column_names.len() == columns.len()
                && columns.iter().all(|c| ix.column_names.contains(c))
        })
    }

    /// Everything about a table, to put back if DDL on it is rolled back.
    fn save_table(&self, name: &str) -> Option<Box<SavedTable>> {
        let def = self.tables.get(name)?.clone();
        Some(Box::new(SavedTable {
            def,
            item: self.glue.items.get(name).cloned(),
            unique: self.unique.get(name).cloned().unwrap_or_default(),
            oid: self.oids.get(name).copied(),
        }))
    }

    /// Logs DDL on `name` (before it happens) so a rollback restores the table.
    fn log_table(&mut self, name: &str) {
        if self.in_xact() {
            let before = self.save_table(name);
            self.log(|| txn::Change::Table {
                name: name.to_string(),
                before,
            });
        }
    }

    /// Puts a table back as it was (`None`: it did not exist).
    fn restore_table(&mut self, name: &str, saved: Option<Box<SavedTable>>) {
        self.tables.remove(name);
        self.unique.remove(name);
        self.glue.items.remove(name);
        self.images.changed(name);
        if let Some(saved) = saved {
            let SavedTable {
                def,
                item,
                unique,
                oid,
            } = *saved;
            if let Some(item) = item {
                self.glue.items.insert(name.to_string(), item);
            }
            self.unique.insert(name.to_string(), unique);
            if let Some(oid) = oid {
                self.oids.insert(name.to_string(), oid);
            }
            self.tables.insert(name.to_string(), def);
        } else {
            self.oids.remove(name);
        }
    }

    /// Creates a table with no rows. `relation "x" already exists` (42P07) if the name is taken.
    pub fn create_table(&mut self, def: TableDef) -> PgResult<()> {
        if self.tables.contains_key(&def.name) {
            return Err(PgError::new(
                "42P07",
                format!("relation \"{}\" already exists", def.name),
            ));
        }
        let schema = schemaless(&def.name);
        self.log_table(&def.name);
        self.glue.insert_schema(&schema).map_err(glue_err)?;
        self.images.created(&def.name);
        self.unique
            .insert(def.name.clone(), unique::indexes_for(&def));
        self.assign_oid(&def);
        self.tables.insert(def.name.clone(), def);
        Ok(())
    }

    /// Drops a table and its rows, returning its definition.
    pub fn drop_table(&mut self, table: &str) -> PgResult<TableDef> {
        self.def(table)?;
        self.check_all_rows_free(table)?;
        self.log_table(table);
        let def = self
            .tables
            .remove(table)
            .ok_or_else(|| PgError::undefined_table(table))?;
        self.unique.remove(table);
        self.oids.remove(table);
        self.glue.delete_schema(table).map_err(glue_err)?;
        self.images.forget(table);
        Ok(def)
    }

    /// Renames a table, keeping its rows.
    pub fn rename_table(&mut self, from: &str, to: &str) -> PgResult<()> {
        if self.tables.contains_key(to) {
            return Err(PgError::new(
                "42P07",
                format!("relation \"{to}\" already exists"),
            ));
        }
        self.def(from)?;
        self.check_all_rows_free(from)?;
        self.log_table(from);
        self.log_table(to);
        let mut def = self
            .tables
            .remove(from)
            .ok_or_else(|| PgError::undefined_table(from))?;
        def.name = to.to_string();
        if let Some(mut item) = self.glue.items.remove(from) {
            item.schema.table_name = to.to_string();
            self.glue.items.insert(to.to_string(), item);
        }
        self.images.forget(from);
        self.images.changed(to);
        if let Some(ix) = self.unique.remove(from) {
            self.unique.insert(to.to_string(), ix);
        }
        if let Some(oid) = self.oids.remove(from) {
            self.oids.insert(to.to_string(), oid);
        }
        self.tables.insert(to.to_string(), def);
        Ok(())
    }

    /// Replaces a table's definition with the same columns (constraints, indexes, defaults,
    /// NOT NULL changed) and rebuilds its unique indexes from the rows. Fails without changing
    /// anything when existing rows violate a new unique key (`could not create unique index`).
    pub fn set_def(&mut self, def: TableDef) -> PgResult<()> {
        let mut indexes = unique::indexes_for(&def);
        for (id, row) in self.scan_stored(&def.name)? {
            for ix in indexes.iter_mut() {
                if let Some(key) = ix.key_of(&row) {
                    if ix.map.insert(key, id).is_some() {
                        return Err(PgError::new(
                            "23505",
                            format!("could not create unique index \"{}\"", ix.name),
                        )
                        .with_detail(format!("{} is duplicated.", ix.describe_key(&row))));
                    }
                }
            }
        }
        self.log_table(&def.name);
        self.unique.insert(def.name.clone(), indexes);
        self.tables.insert(def.name.clone(), def);
        Ok(())
    }

    /// Appends a column; `values` holds its value for each row in row order (missing: NULL).
    pub fn add_column(&mut self, table: &str, col: ColumnDef, values: Vec<Value>) -> PgResult<()> {
        self.def(table)?;
        self.check_all_rows_free(table)?;
        self.log_table(table);
        if let Some(item) = self.rows_mut(table) {
            let mut values = values.into_iter();
            for row in item.rows.values_mut() {
                row.push(to_glue(values.next().unwrap_or(Value::Null)));
            }
        }
        if let Some(def) = self.tables.get_mut(table) {
            def.columns.push(col);
        }
        Ok(())
    }

    /// Removes a column and any constraint or index using it; the caller checks dependencies.
    pub fn drop_column(&mut self, table: &str, column: &str) -> PgResult<()> {
        let mut def = self.def(table)?.clone();
        let Some(pos) = def.column_index(column) else {
            return Err(PgError::new(
                "42703",
                format!("column \"{column}\" of relation \"{table}\" does not exist"),
            ));
        };
        self.check_all_rows_free(table)?;
        self.log_table(table);
        def.columns.remove(pos);
        let col = column.to_string();
        def.constraints
            .retain(|c| !constraint_columns(&c.kind).contains(&col));
        def.indexes.retain(|i| !i.columns.contains(&col));
        if let Some(item) = self.rows_mut(table) {
            for row in item.rows.values_mut() {
                if pos < row.len() {
                    row.remove(pos);
                }
            }
        }
        // The definition is logged already; rebuilding the indexes need not log it again.
        let saved = std::mem::replace(&mut self.current, 0);
        let result = self.set_def(def);
        self.current = saved;
        result
    }

    /// DDL that rewrites every row waits for transactions holding rows of the table.
    fn check_all_rows_free(&self, table: &str) -> PgResult<()> {
        match self.ownership(table) {
            Some(own) if self.current != 0 && own.foreign(self.current) => {
                let holder = own.owner_other_than(self.current).unwrap_or(self.current);
                Err(PgError::lock_wait(holder, table))
            }
            _ => Ok(()),
        }
    }

    /// Every stored row with its id, whoever wrote it (DDL and index builds).
    fn scan_stored(&self, table: &str) -> PgResult<Vec<(RowId, Vec<Value>)>> {
        Ok(self
            .rows(table)?
            .iter()
            .map(|(key, row)| (key_id(key), row.iter().map(from_glue).collect()))
            .collect())
    }

    /// The rows the current transaction sees, with their ids, in id order: committed rows,
    /// its own changes, and the committed version of rows other open transactions changed.
    fn visible(&self, table: &str) -> PgResult<Vec<(RowId, Vec<Value>)>> {
        let stored = self.rows(table)?;
        let Some(own) = self.ownership(table).filter(|o| o.foreign(self.current)) else {
            return Ok(stored
                .iter()
                .map(|(key, row)| (key_id(key), row.iter().map(from_glue).collect()))
                .collect());
        };
        let mut out: BTreeMap<RowId, Vec<Value>> = BTreeMap::new();
        for (key, row) in stored {
            let id = key_id(key);
            match own.version_for(self.current, id) {
                Some(None) => {
                    out.insert(id, row.iter().map(from_glue).collect());
                }
                Some(Some(committed)) => {
                    out.insert(id, committed.clone());
                }
                None => {}
            }
        }
        // Rows another transaction deleted are still there for everyone else.
        for (id, row, _) in own.foreign_committed(self.current) {
            out.entry(id).or_insert_with(|| row.clone());
        }
        Ok(out.into_iter().collect())
    }

    /// All rows in column order, in insertion order.
    pub fn scan(&self, table: &str) -> PgResult<Vec<Vec<Value>>> {
        if self.foreign_rows(table) {
            return Ok(self.visible(table)?.into_iter().map(|(_, r)| r).collect());
        }
        Ok(self
            .stored_slices(table)?
            .map(|row| row.iter().map(from_glue).collect())
            .collect())
    }

    /// All rows, converting only the columns marked in `needed` (the others read as NULL).
    /// A scan that needs no column (`count(*)`) yields empty rows and converts nothing.
    pub fn scan_columns(&self, table: &str, needed: &[bool]) -> PgResult<Vec<Vec<Value>>> {
        if self.foreign_rows(table) {
            return self.scan(table);
        }
        if !needed.contains(&true) {
            return Ok(vec![Vec::new(); self.rows(table)?.len()]);
        }
        Ok(self
            .stored_slices(table)?
            .map(|row| {
                row.iter()
                    .zip(needed)
                    .map(|(v, &n)| if n { from_glue(v) } else { Value::Null })
                    .collect()
            })
            .collect())
    }

    /// The stored rows as they are, when the current transaction sees exactly them (no other
    /// open transaction changed the table; `None` otherwise): a join hashes its keys and
    /// converts the columns it returns straight from them, without converting whole rows.
    pub fn stored_rows(&self, table: &str) -> PgResult<Option<Vec<&[GValue]>>> {
        if self.foreign_rows(table) {
            return Ok(None);
        }
        Ok(Some(self.stored_slices(table)?.collect()))
    }

    /// `stored_rows` without gathering them first: the rows in stored order, read as they are
    /// walked.
    pub fn stored_row_iter(&self, table: &str) -> PgResult<Option<StoredRowIter<'_>>> {
        if self.foreign_rows(table) {
            return Ok(None);
        }
        Ok(Some(self.stored_slices(table)?))
    }

    /// The stored rows in stored order, whoever wrote them: packed when they can be, else
    /// walked in the tree.
    fn stored_slices(&self, table: &str) -> PgResult<StoredRowIter<'_>> {
        Ok(match self.packed(table)? {
            Some(packed) => StoredRowIter::Packed(packed.rows()),
            None => StoredRowIter::Tree(self.rows(table)?.values()),
        })
    }

    /// All rows with their ids, for UPDATE and DELETE.
    pub fn scan_with_ids(&self, table: &str) -> PgResult<Vec<(RowId, Vec<Value>)>> {
        self.visible(table)
    }

    /// Rows converted one at a time, so a caller filtering them never holds the whole table.
    pub fn scan_iter<'a>(
        &'a self,
        table: &str,
    ) -> PgResult<Box<dyn Iterator<Item = (RowId, Vec<Value>)> + 'a>> {
        if self.foreign_rows(table) {
            return Ok(Box::new(self.visible(table)?.into_iter()));
        }
        if let Some(packed) = self.packed(table)? {
            let ids = packed.ids().iter().copied();
            return Ok(Box::new(
                ids.zip(packed.rows())
                    .map(|(id, row)| (id, row.iter().map(from_glue).collect())),
            ));
        }
        Ok(Box::new(self.rows(table)?.iter().map(|(key, row)| {
            (key_id(key), row.iter().map(from_glue).collect())
        })))
    }

    /// The row whose unique key on `columns` (a PRIMARY KEY, UNIQUE constraint or unique index,
    /// in any column order) equals `values` (given in `columns` order): an O(1) point lookup.
    /// `None` when no such index exists or no row matches; a NULL value matches nothing.
    pub fn lookup_unique(
        &self,
        table: &str,
        columns: &[String],
        values: &[Value],
    ) -> Option<(RowId, Vec<Value>)> {
        let ix = self.unique_index_on(table, columns)?;
        let key = IndexKey::from_values(ix.column_names.iter().map(|name| {
            columns
                .iter()
                .position(|c| c == name)
                .and_then(|i| values.get(i))
        }))?;
        if self.foreign_rows(table) {
            // Another transaction's changes may hide the key's committed row.
            return self
                .visible(table)
                .ok()?
                .into_iter()
                .find(|(_, row)| ix.key_of(row).as_ref() == Some(&key));
        }
        let id = *ix.map.get(&key)?;
        self.get(table, id).map(|row| (id, row))
    }

    /// One row by id, as the current transaction sees it.
    pub fn get(&self, table: &str, id: RowId) -> Option<Vec<Value>> {
        if let Some(own) = self.ownership(table) {
            if own.foreign(self.current) {
                return match own.version_for(self.current, id) {
                    None => None,
                    Some(Some(committed)) => Some(committed.clone()),
                    Some(None) => self.get_stored(table, id),
                };
            }
        }
        self.get_stored(table, id)
    }

    fn get_stored(&self, table: &str, id: RowId) -> Option<Vec<Value>> {
        let row = self.glue.items.get(table)?.rows.get(&Key::I64(id))?;
        Some(row.iter().map(from_glue).collect())
    }

    /// Rows the current transaction sees.
    pub fn row_count(&self, table: &str) -> PgResult<usize> {
        if self.foreign_rows(table) {
            return Ok(self.visible(table)?.len());
        }
        Ok(self.rows(table)?.len())
    }

    /// Whether some row the current transaction sees has `key` in the unique index on
    /// `columns` (foreign-key checks). A committed row another open transaction deleted or
    /// re-keyed cannot be relied on: that is a lock wait.
    pub fn contains_key(&self, table: &str, columns: &[String], key: &IndexKey) -> PgResult<bool> {
        let Some(ix) = self.unique_index_on(table, columns) else {
            return Ok(false);
        };
        let Some(own) = self.ownership(table).filter(|o| o.foreign(self.current)) else {
            return Ok(ix.map.contains_key(key));
        };
        for (_, row, holder) in own.foreign_committed(self.current) {
            if ix.key_of(row).as_ref() == Some(key) {
                return Err(PgError::lock_wait(holder, table));
            }
        }
        Ok(match ix.map.get(key) {
            // A row another transaction inserted is not there yet.
            Some(id) => own.version_for(self.current, *id).is_some(),
            None => false,
        })
    }

    /// Fails as `insert` would on a duplicate key, without storing anything.
    pub fn check_unique(&mut self, table: &str, rows: &[Vec<Value>]) -> PgResult<()> {
        self.check_key_locks(table, rows)?;
        if let Some(indexes) = self.unique.get_mut(table) {
            unique::add_keys(indexes, rows, 0)?;
            for (n, row) in rows.iter().enumerate() {
                for ix in indexes.iter_mut() {
                    ix.remove_row(n as RowId, row);
                }
            }
        }
        Ok(())
    }

    /// Stores full rows (in column order) after checking every unique index; all or nothing.
    pub fn insert(&mut self, table: &str, rows: Vec<Vec<Value>>) -> PgResult<usize> {
        let width = self.def(table)?.columns.len();
        if let Some(bad) = rows.iter().find(|r| r.len() != width) {
            return Err(PgError::internal(format!(
                "row has {} values, table \"{table}\" has {width} columns",
                bad.len()
            )));
        }
        self.check_key_locks(table, &rows)?;
        let first_id = self.glue.id_counter + 1;
        if let Some(indexes) = self.unique.get_mut(table) {
            unique::add_keys(indexes, &rows, first_id)?;
        }
        let count = rows.len();
        let batch: Vec<(Key, Vec<GValue>)> = rows
            .into_iter()
            .enumerate()
            .map(|(n, row)| {
                (
                    Key::I64(first_id + n as RowId),
                    row.into_iter().map(to_glue).collect(),
                )
            })
            .collect();
        self.glue.id_counter += count as i64;
        self.store_rows(table, batch)?;
        let ids = first_id..first_id + count as RowId;
        self.acquire_inserted(table, ids.clone());
        self.log(|| txn::Change::Inserted {
            table: table.to_string(),
            ids,
        });
        Ok(count)
    }

    /// Replaces rows by id, checking unique indexes row by row in the given order as PostgreSQL
    /// does (a row's old key is free once that row is updated); all or nothing.
    pub fn update(&mut self, table: &str, changes: Vec<(RowId, Vec<Value>)>) -> PgResult<usize> {
        let width = self.def(table)?.columns.len();
        if let Some(bad) = changes.iter().find(|(_, r)| r.len() != width) {
            return Err(PgError::internal(format!(
                "row has {} values, table \"{table}\" has {width} columns",
                bad.1.len()
            )));
        }
        let ids: Vec<RowId> = changes.iter().map(|(id, _)| *id).collect();
        self.check_row_locks(table, &ids)?;
        if self.in_xact() && self.foreign_rows(table) {
            let new_rows: Vec<Vec<Value>> = changes.iter().map(|(_, r)| r.clone()).collect();
            self.check_key_locks(table, &new_rows)?;
        }
        let stored = self.rows(table)?;
        let old_rows: Vec<Option<Vec<Value>>> =
            if self.unique_indexes(table).is_empty() && !self.in_xact() {
                Vec::new()
            } else {
                changes
                    .iter()
                    .map(|(id, _)| {
                        stored
                            .get(&Key::I64(*id))
                            .map(|r| r.iter().map(from_glue).collect())
                    })
                    .collect()
            };
        let mut old_keys: Vec<Vec<Option<IndexKey>>> = Vec::new();
        let mut new_keys: Vec<Vec<Option<IndexKey>>> = Vec::new();
        for ix in self.unique_indexes(table) {
            let mut freed: HashSet<RowId> = HashSet::new();
            let mut added: HashSet<&IndexKey> = HashSet::new();
            let mut olds = Vec::with_capacity(changes.len());
            let news: Vec<Option<IndexKey>> =
                changes.iter().map(|(_, row)| ix.key_of(row)).collect();
            for (((id, row), key), old_row) in changes.iter().zip(&news).zip(&old_rows) {
                olds.push(old_row.as_deref().and_then(|r| ix.key_of(r)));
                freed.insert(*id);
                if let Some(key) = key {
                    let taken = ix.map.get(key).is_some_and(|rid| !freed.contains(rid));
                    if taken || !added.insert(key) {
                        return Err(ix.duplicate_error(row));
                    }
                }
            }
            old_keys.push(olds);
            new_keys.push(news);
        }
        if let Some(indexes) = self.unique.get_mut(table) {
            for ((ix, olds), news) in indexes.iter_mut().zip(old_keys).zip(new_keys) {
                for ((id, _), old) in changes.iter().zip(olds) {
                    if let Some(old) = old {
                        if ix.map.get(&old) == Some(id) {
                            ix.map.remove(&old);
                        }
                    }
                }
                for ((id, _), new) in changes.iter().zip(news) {
                    if let Some(new) = new {
                        ix.map.insert(new, *id);
                    }
                }
            }
        }
        let count = changes.len();
        if self.in_xact() {
            let old: Vec<(RowId, Vec<Value>)> = changes
                .iter()
                .zip(old_rows)
                .filter_map(|((id, _), row)| row.map(|r| (*id, r)))
                .collect();
            let acquired = self.acquire_rows(table, &old);
            self.log(|| txn::Change::Updated {
                table: table.to_string(),
                old,
                acquired,
            });
        }
        let batch: Vec<(Key, Vec<GValue>)> = changes
            .into_iter()
            .map(|(id, row)| (Key::I64(id), row.into_iter().map(to_glue).collect()))
            .collect();
        self.store_rows(table, batch)?;
        Ok(count)
    }

    /// Deletes rows by id.
    pub fn delete(&mut self, table: &str, ids: Vec<RowId>) -> PgResult<usize> {
        self.def(table)?;
        self.check_row_locks(table, &ids)?;
        let mut count = 0;
        let mut keys = Vec::with_capacity(ids.len());
        let mut deleted = Vec::new();
        for id in ids {
            let Some(row) = self.get_stored(table, id) else {
                continue;
            };
            if let Some(indexes) = self.unique.get_mut(table) {
                for ix in indexes.iter_mut() {
                    ix.remove_row(id, &row);
                }
            }
            keys.push(Key::I64(id));
            count += 1;
            if self.in_xact() {
                deleted.push((id, row));
            }
        }
        self.remove_rows(table, keys)?;
        if self.in_xact() {
            let acquired = self.acquire_rows(table, &deleted);
            self.log(|| txn::Change::Deleted {
                table: table.to_string(),
                rows: deleted,
                acquired,
            });
        }
        Ok(count)
    }

    /// Removes every row.
    pub fn truncate(&mut self, table: &str) -> PgResult<()> {
        self.def(table)?;
        self.check_all_rows_free(table)?;
        if let Some(item) = self.rows_mut(table) {
            let rows = std::mem::take(&mut item.rows);
            if self.current != 0 {
                let rows: Vec<(RowId, Vec<Value>)> = rows
                    .into_iter()
                    .map(|(k, r)| (key_id(&k), r.iter().map(from_glue).collect()))
                    .collect();
                let acquired = self.acquire_rows(table, &rows);
                self.log(|| txn::Change::Deleted {
                    table: table.to_string(),
                    rows,
                    acquired,
                });
            }
        }
        if let Some(indexes) = self.unique.get_mut(table) {
            for ix in indexes.iter_mut() {
                ix.map.clear();
            }
        }
        Ok(())
    }
}

/// The columns a constraint is defined on (for a CHECK: none tracked).
pub fn constraint_columns(kind: &ConstraintKind) -> Vec<String> {
    match kind {
        ConstraintKind::PrimaryKey(c) | ConstraintKind::Unique(c) => c.clone(),
        ConstraintKind::ForeignKey { columns, .. } => columns.clone(),
        ConstraintKind::Check(_) => Vec::new(),
    }
}

fn key_id(key: &Key) -> RowId {
    match key {
        Key::I64(i) => *i,
        _ => 0,
    }
}
