//! Unique indexes kept beside GlueSQL's rows: one hash map per PRIMARY KEY, UNIQUE constraint or
//! unique index, so uniqueness checks and key lookups (foreign keys) are O(1).

use super::RowId;
use crate::error::PgError;
use crate::sql::schema::TableDef;
use crate::types::{GroupKey, Value};
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

pub type IndexKey = Vec<GroupKey>;

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

pub type KeyMap = HashMap<IndexKey, RowId, BuildHasherDefault<FxHasher>>;

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
    pub fn key_of(&self, row: &[Value]) -> Option<IndexKey> {
        let mut key = Vec::with_capacity(self.columns.len());
        for &i in &self.columns {
            match row.get(i) {
                None | Some(Value::Null) => return None,
                Some(v) => key.push(v.group_key()),
            }
        }
        Some(key)
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
