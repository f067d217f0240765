//! Unique indexes kept beside GlueSQL's rows: one hash map per PRIMARY KEY, UNIQUE constraint or
//! unique index, so uniqueness checks and key lookups (foreign keys) are O(1).

use super::RowId;
use crate::error::{PgError, PgResult};
use crate::sql::schema::TableDef;
use crate::types::{GroupKey, Value};
use std::collections::hash_map::Entry;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// A unique-index key. Single-column keys (the common case) are held inline, so building one
/// for every stored row allocates nothing; build keys with `IndexKey::of`/`from_values` so the
/// same values always give the same variant.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum IndexKey {
    One(GroupKey),
    Many(Box<[GroupKey]>),
}

impl IndexKey {
    /// The key of `row` at `positions`, or `None` when a key column is NULL (NULLs never
    /// conflict; MATCH SIMPLE foreign keys pass).
    #[inline]
    pub fn of(row: &[Value], positions: &[usize]) -> Option<IndexKey> {
        Self::from_values(positions.iter().map(|&p| row.get(p)))
    }

    /// The key of values in key-column order; `None` when one is NULL or missing.
    #[inline]
    pub fn from_values<'a>(
        mut values: impl ExactSizeIterator<Item = Option<&'a Value>>,
    ) -> Option<IndexKey> {
        let key = |v: Option<&Value>| v.filter(|v| !v.is_null()).map(Value::group_key);
        if values.len() == 1 {
            return key(values.next()?).map(IndexKey::One);
        }
        values
            .map(key)
            .collect::<Option<Vec<_>>>()
            .map(|k| IndexKey::Many(k.into_boxed_slice()))
    }
}

/// FxHash (as in rustc): much cheaper than SipHash for short keys; keys are our own values, so
/// flooding resistance is not needed, and it is deterministic.
#[derive(Default, Clone, Copy)]
pub struct FxHasher(u64);

impl FxHasher {
    #[inline]
    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

impl Hasher for FxHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let mut w = [0u8; 8];
            w.copy_from_slice(c);
            self.add(u64::from_le_bytes(w));
        }
        for &b in chunks.remainder() {
            self.add(b as u64);
        }
    }
    #[inline]
    fn write_u8(&mut self, i: u8) {
        self.add(i as u64);
    }
    #[inline]
    fn write_u32(&mut self, i: u32) {
        self.add(i as u64);
    }
    #[inline]
    fn write_u64(&mut self, i: u64) {
        self.add(i);
    }
    #[inline]
    fn write_i64(&mut self, i: i64) {
        self.add(i as u64);
    }
    #[inline]
    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }
    #[inline]
    fn finish(&self) -> u64 {
        self.0
    }
}

type Fx = BuildHasherDefault<FxHasher>;

/// A map hasher for short keys (table names).
pub type FxBuild = Fx;

/// An index's keys and the rows holding them. Single integer keys (the usual primary key) live
/// in a map of plain integers: a third of the memory per entry, and on a large load the index's
/// time goes into touching that memory.
#[derive(Clone, Debug, Default)]
pub struct KeyMap {
    ints: HashMap<i64, RowId, Fx>,
    others: HashMap<IndexKey, RowId, Fx>,
}

impl KeyMap {
    #[inline]
    fn int(key: &IndexKey) -> Option<i64> {
        match key {
            IndexKey::One(GroupKey::Int(i)) => Some(*i),
            _ => None,
        }
    }

    pub fn get(&self, key: &IndexKey) -> Option<&RowId> {
        match Self::int(key) {
            Some(i) => self.ints.get(&i),
            None => self.others.get(key),
        }
    }

    pub fn contains_key(&self, key: &IndexKey) -> bool {
        self.get(key).is_some()
    }

    /// Sets `key`'s row, returning the row it had.
    pub fn insert(&mut self, key: IndexKey, id: RowId) -> Option<RowId> {
        match Self::int(&key) {
            Some(i) => self.ints.insert(i, id),
            None => self.others.insert(key, id),
        }
    }

    /// Adds `key` unless it is taken (then nothing changes and the result is false).
    #[inline]
    pub fn insert_new(&mut self, key: IndexKey, id: RowId) -> bool {
        fn vacant<K: std::hash::Hash + Eq>(
            map: &mut HashMap<K, RowId, Fx>,
            k: K,
            id: RowId,
        ) -> bool {
            match map.entry(k) {
                Entry::Vacant(slot) => {
                    slot.insert(id);
                    true
                }
                Entry::Occupied(_) => false,
            }
        }
        match Self::int(&key) {
            Some(i) => vacant(&mut self.ints, i, id),
            None => vacant(&mut self.others, key, id),
        }
    }

    pub fn remove(&mut self, key: &IndexKey) -> Option<RowId> {
        match Self::int(key) {
            Some(i) => self.ints.remove(&i),
            None => self.others.remove(key),
        }
    }

    pub fn clear(&mut self) {
        self.ints.clear();
        self.others.clear();
    }
}

#[derive(Clone, Debug, Default)]
pub struct UniqueIndex {
    /// The constraint (or index) name PostgreSQL reports.
    pub name: String,
    pub column_names: Vec<String>,
    /// Positions of the key columns in the table's rows.
    pub columns: Vec<usize>,
    pub map: KeyMap,
}

impl UniqueIndex {
    /// The key of `row`, or `None` when a key column is NULL (NULLs never conflict).
    #[inline]
    pub fn key_of(&self, row: &[Value]) -> Option<IndexKey> {
        IndexKey::of(row, &self.columns)
    }

    /// Removes `row`'s entry if it is the one this index holds for `id`.
    pub fn remove_row(&mut self, id: RowId, row: &[Value]) {
        if let Some(key) = self.key_of(row) {
            if self.map.get(&key) == Some(&id) {
                self.map.remove(&key);
            }
        }
    }

    /// `Key (a, b)=(1, x)` as PostgreSQL prints it in DETAIL lines.
    pub fn describe_key(&self, row: &[Value]) -> String {
        describe_key(&self.column_names, self.columns.iter().map(|&i| row.get(i)))
    }

    pub fn duplicate_error(&self, row: &[Value]) -> PgError {
        PgError::new(
            "23505",
            format!(
                "duplicate key value violates unique constraint \"{}\"",
                self.name
            ),
        )
        .with_detail(format!("{} already exists.", self.describe_key(row)))
    }
}

/// Adds the keys of `rows` (ids from `first_id`) to `indexes`, row by row and index by index as
/// PostgreSQL inserts them, so the first row (in order) that duplicates a stored row or an
/// earlier row of the batch fails. All or nothing: on failure the added keys are removed.
pub fn add_keys(indexes: &mut [UniqueIndex], rows: &[Vec<Value>], first_id: RowId) -> PgResult<()> {
    for (n, row) in rows.iter().enumerate() {
        let id = first_id + n as RowId;
        for i in 0..indexes.len() {
            let Some(ix) = indexes.get_mut(i) else {
                continue;
            };
            let Some(key) = ix.key_of(row) else {
                continue;
            };
            if !ix.map.insert_new(key, id) {
                let err = ix.duplicate_error(row);
                for (m, earlier) in rows.iter().enumerate().take(n + 1) {
                    // The failing row's keys went only into the indexes before this one.
                    let upto = if m == n { i } else { indexes.len() };
                    for ix in indexes.iter_mut().take(upto) {
                        ix.remove_row(first_id + m as RowId, earlier);
                    }
                }
                return Err(err);
            }
        }
    }
    Ok(())
}

/// `Key (a, b)=(1, x)`; NULL values print as `null`.
pub fn describe_key<'a>(
    names: &[String],
    values: impl Iterator<Item = Option<&'a Value>>,
) -> String {
    let vals: Vec<String> = values
        .map(|v| {
            v.and_then(Value::to_pg_text)
                .unwrap_or_else(|| "null".into())
        })
        .collect();
    format!("Key ({})=({})", names.join(", "), vals.join(", "))
}

/// The unique indexes a definition implies, empty; rows are added by the caller.
pub fn indexes_for(def: &TableDef) -> Vec<UniqueIndex> {
    // A partitioned table's keys are enforced by its partitions' own indexes.
    if def.is_partitioned() {
        return Vec::new();
    }
    let mut out: Vec<UniqueIndex> = def
        .unique_keys()
        .map(|(name, cols)| make(def, name, cols))
        .collect();
    for idx in def.indexes.iter().filter(|i| i.unique) {
        out.push(make(def, &idx.name, &idx.columns));
    }
    out
}

fn make(def: &TableDef, name: &str, cols: &[String]) -> UniqueIndex {
    UniqueIndex {
        name: name.to_string(),
        column_names: cols.to_vec(),
        columns: cols
            .iter()
            .map(|c| def.column_index(c).unwrap_or(usize::MAX))
            .collect(),
        map: KeyMap::default(),
    }
}
