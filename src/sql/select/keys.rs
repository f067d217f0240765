//! Hashing key tuples the way GROUP BY, DISTINCT and hash joins compare them (`GroupKey`
//! equality) without building a `GroupKey` per row: integers and text hash and compare in
//! place; only rarer types go through `group_key`.

use crate::sql::storage::FxBuild;
use crate::types::{GroupKey, Value};
use std::collections::HashMap;
use std::hash::{BuildHasher, Hash, Hasher};

fn hash_value(v: &Value, h: &mut impl Hasher) {
    match v {
        Value::Int2(i) => hash_int(*i as i64, h),
        Value::Int4(i) => hash_int(*i as i64, h),
        Value::Int8(i) => hash_int(*i, h),
        Value::Text(s) => hash_text(s, h),
        other => match other.group_key() {
            GroupKey::Int(i) => hash_int(i, h),
            GroupKey::Text(s) => hash_text(&s, h),
            key => {
                2u8.hash(h);
                key.hash(h);
            }
        },
    }
}

fn hash_int(i: i64, h: &mut impl Hasher) {
    0u8.hash(h);
    i.hash(h);
}

fn hash_text(s: &str, h: &mut impl Hasher) {
    1u8.hash(h);
    s.hash(h);
}

/// Whether two values fall in the same group (`a.group_key() == b.group_key()`).
pub fn same_group(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Text(x), Value::Text(y)) => x == y,
        (
            Value::Int2(_) | Value::Int4(_) | Value::Int8(_),
            Value::Int2(_) | Value::Int4(_) | Value::Int8(_),
        ) => a.as_i64() == b.as_i64(),
        (Value::Null, Value::Null) => true,
        _ => a.group_key() == b.group_key(),
    }
}

/// The hash of the key made of `values`.
pub fn hash_key<'v>(values: impl IntoIterator<Item = &'v Value>) -> u64 {
    let mut h = FxBuild::default().build_hasher();
    for v in values {
        hash_value(v, &mut h);
    }
    h.finish()
}

/// A hash index from key hashes to entries (numbered by the caller), each hash's entries
/// chained through `next` as in PostgreSQL's hash join buckets: no allocation per entry
/// beyond the two vectors, and the caller compares the actual keys of the candidates.
#[derive(Default)]
pub struct KeyIndex {
    heads: HashMap<u64, usize, FxBuild>,
    /// For each entry, the previous entry with the same hash (`usize::MAX`: none).
    next: Vec<usize>,
}

const END: usize = usize::MAX;

impl KeyIndex {
    pub fn with_capacity(n: usize) -> Self {
        KeyIndex {
            heads: HashMap::with_capacity_and_hasher(n, FxBuild::default()),
            next: Vec::with_capacity(n),
        }
    }

    /// Adds `entry` under `hash`; entries must be added numbered 0, 1, 2, ...
    pub fn insert(&mut self, hash: u64, entry: usize) {
        if self.next.len() <= entry {
            self.next.resize(entry + 1, END);
        }
        let prev = self.heads.insert(hash, entry).unwrap_or(END);
        self.next[entry] = prev;
    }

    /// The entries added under `hash`, most recent first.
    pub fn candidates(&self, hash: u64) -> impl Iterator<Item = usize> + '_ {
        let mut cur = self.heads.get(&hash).copied().unwrap_or(END);
        std::iter::from_fn(move || {
            if cur == END {
                return None;
            }
            let e = cur;
            cur = self.next.get(e).copied().unwrap_or(END);
            Some(e)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal::Decimal;

    #[test]
    fn equal_group_keys_hash_and_compare_equal() {
        let pairs = [
            (Value::Int4(5), Value::Int8(5)),
            (Value::Int2(5), Value::Numeric(Decimal::new(50, 1))),
            (Value::Text("a".into()), Value::Text("a".into())),
            (Value::Null, Value::Null),
        ];
        for (a, b) in &pairs {
            assert!(same_group(a, b), "{a:?} {b:?}");
            assert_eq!(hash_key([a]), hash_key([b]), "{a:?} {b:?}");
        }
        assert!(!same_group(&Value::Int4(1), &Value::Text("1".into())));
        assert!(!same_group(&Value::Int4(1), &Value::Float8(1.0)));
    }

    #[test]
    fn chains_keep_every_entry_of_a_hash() {
        let mut ix = KeyIndex::default();
        ix.insert(7, 0);
        ix.insert(9, 1);
        ix.insert(7, 2);
        assert_eq!(ix.candidates(7).collect::<Vec<_>>(), vec![2, 0]);
        assert_eq!(ix.candidates(9).collect::<Vec<_>>(), vec![1]);
        assert_eq!(ix.candidates(8).count(), 0);
    }
}
