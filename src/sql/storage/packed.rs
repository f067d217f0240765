//! Each table's rows packed end to end, in stored order. GlueSQL's tree keeps every row in an
//! allocation of its own, scattered over the heap as shards' inserts interleave, so a scan
//! spends its time waiting on memory; the packed copy is read as one contiguous run. It is
//! built by the first scan after a change, kept up to date by appends at the end, and dropped
//! by any other change (`NodeStorage` funnels every write to the tree through here).

use super::{key_id, RowId};
use gluesql::core::data::{Key, Value as GValue};
use std::collections::{BTreeMap, HashMap};
use std::sync::OnceLock;

/// One table's rows, `width` values each, with their ids.
pub struct PackedRows {
    width: usize,
    ids: Vec<RowId>,
    values: Vec<GValue>,
}

impl PackedRows {
    /// `None` when the rows are not all of one width (the tree is read instead).
    fn build(tree: &BTreeMap<Key, Vec<GValue>>) -> Option<PackedRows> {
        let width = tree.values().next().map_or(0, Vec::len);
        let mut packed = PackedRows {
            width,
            ids: Vec::with_capacity(tree.len()),
            values: Vec::with_capacity(tree.len() * width),
        };
        for (key, row) in tree {
            if !packed.push(key, row) {
                return None;
            }
        }
        Some(packed)
    }

    /// Appends one row; `false` when its width differs.
    fn push(&mut self, key: &Key, row: &[GValue]) -> bool {
        if row.len() != self.width {
            return false;
        }
        self.ids.push(key_id(key));
        self.values.extend_from_slice(row);
        true
    }

    /// Appends a row past the last one or replaces the row with its id; `false` when it can
    /// do neither (the image no longer matches the tree).
    fn put(&mut self, key: &Key, row: &[GValue]) -> bool {
        if self.ids.is_empty() {
            self.width = row.len();
        }
        let id = key_id(key);
        if self.ids.last().is_none_or(|&last| id > last) {
            return self.push(key, row);
        }
        let Ok(at) = self.ids.binary_search(&id) else {
            return false;
        };
        match self.values.get_mut(at * self.width..(at + 1) * self.width) {
            Some(slot) if row.len() == self.width => {
                slot.clone_from_slice(row);
                true
            }
            _ => false,
        }
    }

    pub fn rows(&self) -> PackedIter<'_> {
        PackedIter {
            values: &self.values,
            width: self.width,
            left: self.ids.len(),
        }
    }

    pub fn ids(&self) -> &[RowId] {
        &self.ids
    }
}

/// The rows of a `PackedRows`, as slices of its values.
#[derive(Clone)]
pub struct PackedIter<'a> {
    values: &'a [GValue],
    width: usize,
    left: usize,
}

impl<'a> Iterator for PackedIter<'a> {
    type Item = &'a [GValue];

    #[inline]
    fn next(&mut self) -> Option<&'a [GValue]> {
        self.left = self.left.checked_sub(1)?;
        let (row, rest) = self.values.split_at_checked(self.width)?;
        self.values = rest;
        Some(row)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.left, Some(self.left))
    }
}

/// Every table's packed image. A table made here starts with an empty one that inserts and
/// updates keep current; after a change the image cannot follow (a delete, a column added,
/// rows put back), it is built again by the next scan. A table with no entry is read from
/// the tree.
#[derive(Default)]
pub struct Images {
    tables: HashMap<String, OnceLock<Option<PackedRows>>, super::FxBuild>,
}

impl Images {
    /// The packed rows of `table`, built from `tree` if they are not yet.
    pub fn get<'a>(
        &'a self,
        table: &str,
        tree: &BTreeMap<Key, Vec<GValue>>,
    ) -> Option<&'a PackedRows> {
        self.tables
            .get(table)?
            .get_or_init(|| PackedRows::build(tree))
            .as_ref()
    }

    /// A new table, with no rows.
    pub fn created(&mut self, table: &str) {
        let empty = PackedRows {
            width: 0,
            ids: Vec::new(),
            values: Vec::new(),
        };
        self.tables
            .insert(table.to_string(), OnceLock::from(Some(empty)));
    }

    /// The table's rows changed in a way the image does not follow, or the table was replaced:
    /// the next scan builds it again.
    pub fn changed(&mut self, table: &str) {
        self.tables.insert(table.to_string(), OnceLock::new());
    }

    /// `rows` were put into the tree by key: rows after the image's last are appended, rows it
    /// has are replaced in place; any other row (one put back under an old id) drops it.
    pub fn put(&mut self, table: &str, rows: &[(Key, Vec<GValue>)]) {
        let Some(Some(packed)) = self.tables.get_mut(table).and_then(OnceLock::get_mut) else {
            return;
        };
        if !rows.iter().all(|(key, row)| packed.put(key, row)) {
            self.changed(table);
        }
    }

    /// The table is gone.
    pub fn forget(&mut self, table: &str) {
        self.tables.remove(table);
    }
}

#[cfg(test)]
mod tests {
    use super::super::{ColumnDef, NodeStorage, TableDef};
    use crate::network::SimRng;
    use crate::types::{SqlType, Value};

    fn column(name: &str, ty: SqlType) -> ColumnDef {
        ColumnDef {
            name: name.to_string(),
            ty,
            not_null: false,
            default: None,
        }
    }

    /// What the tree holds, in its order: the truth the packed rows must match.
    fn tree_rows(s: &NodeStorage, table: &str) -> Vec<(i64, Vec<Value>)> {
        s.scan_stored(table).unwrap_or_default()
    }

    fn packed_rows(s: &NodeStorage, table: &str) -> Vec<(i64, Vec<Value>)> {
        s.scan_iter(table)
            .map(|rows| rows.collect())
            .unwrap_or_default()
    }

    /// Inserts, updates, deletes, truncates, columns added and dropped, and transactions
    /// rolled back (rows put back under their old ids) in a seeded mix: after every step a
    /// scan reads exactly the tree's rows in the tree's order.
    #[test]
    fn packed_rows_follow_every_change_to_the_tree() {
        for seed in 0..40 {
            let mut rng = SimRng::new(seed);
            let mut s = NodeStorage::default();
            let def = TableDef::new(
                "t",
                vec![column("a", SqlType::Int4), column("b", SqlType::Text)],
            );
            assert!(s.create_table(def).is_ok());
            let mut width = 2;
            let mut next = 0i64;
            for step in 0..60 {
                let xid = if rng.below(4) == 0 { 1000 + step } else { 0 };
                s.set_current(xid);
                let mark = s.start_of(xid);
                let ids: Vec<i64> = tree_rows(&s, "t").iter().map(|(id, _)| *id).collect();
                let pick = |rng: &mut SimRng| ids.get(rng.below(ids.len() as u64) as usize);
                let row = |n: i64, width: usize| {
                    let mut r = vec![Value::Int4(n as i32), Value::Text(format!("r{n}"))];
                    r.resize(width, Value::Int4(7));
                    r.truncate(width);
                    r
                };
                let outcome = match rng.below(9) {
                    0..=2 => {
                        let n = 1 + rng.below(5) as i64;
                        let rows = (0..n).map(|i| row(next + i, width)).collect();
                        next += n;
                        s.insert("t", rows).map(|_| ())
                    }
                    3 | 4 => match pick(&mut rng) {
                        Some(&id) => s.update("t", vec![(id, row(-id, width))]).map(|_| ()),
                        None => Ok(()),
                    },
                    5 => match pick(&mut rng) {
                        Some(&id) => s.delete("t", vec![id]).map(|_| ()),
                        None => Ok(()),
                    },
                    6 if rng.below(4) == 0 => s.truncate("t"),
                    7 if xid == 0 => {
                        width += 1;
                        let values = vec![Value::Int4(9); ids.len()];
                        s.add_column("t", column(&format!("c{step}"), SqlType::Int4), values)
                    }
                    8 if xid == 0 && width > 2 => {
                        width -= 1;
                        let last = s.table("t").and_then(|d| d.columns.last()).cloned();
                        s.drop_column("t", &last.map(|c| c.name).unwrap_or_default())
                    }
                    _ => Ok(()),
                };
                assert!(outcome.is_ok(), "seed {seed} step {step}: {outcome:?}");
                if xid != 0 {
                    if rng.below(2) == 0 {
                        assert!(s.rollback_to(mark).is_ok());
                    }
                    s.commit_xact(xid);
                }
                s.set_current(0);
                assert_eq!(
                    packed_rows(&s, "t"),
                    tree_rows(&s, "t"),
                    "seed {seed} step {step}"
                );
            }
        }
    }
}
