//! Hashing key tuples the way GROUP BY, DISTINCT and hash joins compare them (`GroupKey`
//! equality) without building a `GroupKey` per row: integers and text hash and compare in
//! place; only rarer types go through `group_key`.

use crate::sql::storage::FxBuild;
use crate::types::{GroupKey, Value};
use std::borrow::Cow;
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

/// `hash_key` of the integers (or NULLs) `parts`, without making values of them.
pub fn hash_int_key(parts: &[Option<i64>]) -> u64 {
    let mut h = FxBuild::default().build_hasher();
    for part in parts {
        match part {
            Some(i) => hash_int(*i, &mut h),
            None => hash_value(&Value::Null, &mut h),
        }
    }
    h.finish()
}

/// One value of a join key, read without copying: integers and text as themselves, other
/// types converted. Hashes and compares exactly as `hash_key` and `same_group` do on the
/// value it stands for.
pub enum KeyPart<'a> {
    Null,
    Int(i64),
    Text(&'a str),
    Other(Cow<'a, Value>),
}

impl<'a> KeyPart<'a> {
    pub fn of_value(v: &'a Value) -> Self {
        match v {
            Value::Null => KeyPart::Null,
            Value::Int2(i) => KeyPart::Int(*i as i64),
            Value::Int4(i) => KeyPart::Int(*i as i64),
            Value::Int8(i) => KeyPart::Int(*i),
            Value::Text(s) => KeyPart::Text(s),
            other => KeyPart::Other(Cow::Borrowed(other)),
        }
    }

    pub fn is_null(&self) -> bool {
        matches!(self, KeyPart::Null)
    }

    fn hash(&self, h: &mut impl Hasher) {
        match self {
            KeyPart::Null => 3u8.hash(h),
            KeyPart::Int(i) => hash_int(*i, h),
            KeyPart::Text(s) => hash_text(s, h),
            KeyPart::Other(v) => hash_value(v, h),
        }
    }

    fn to_value(&self) -> Cow<'_, Value> {
        match self {
            KeyPart::Null => Cow::Owned(Value::Null),
            KeyPart::Int(i) => Cow::Owned(Value::Int8(*i)),
            KeyPart::Text(s) => Cow::Owned(Value::Text(s.to_string())),
            KeyPart::Other(v) => Cow::Borrowed(v.as_ref()),
        }
    }

    /// Ascending order of two non-NULL key values, as ORDER BY sorts them.
    pub fn cmp_value(&self, other: &KeyPart) -> std::cmp::Ordering {
        match (self, other) {
            (KeyPart::Int(a), KeyPart::Int(b)) => a.cmp(b),
            (KeyPart::Text(a), KeyPart::Text(b)) => a.cmp(b),
            _ => {
                let (a, b) = (self.to_value(), other.to_value());
                crate::sql::eval::compare(&a, &b).unwrap_or_else(|_| a.pg_cmp(&b))
            }
        }
    }

    /// Whether two key values are equal as join keys (`same_group`); NULL equals nothing.
    pub fn same(&self, other: &KeyPart) -> bool {
        match (self, other) {
            (KeyPart::Null, _) | (_, KeyPart::Null) => false,
            (KeyPart::Int(a), KeyPart::Int(b)) => a == b,
            (KeyPart::Text(a), KeyPart::Text(b)) => a == b,
            (KeyPart::Int(_), KeyPart::Text(_)) | (KeyPart::Text(_), KeyPart::Int(_)) => false,
            _ => same_group(&self.to_value(), &other.to_value()),
        }
    }
}

/// The hash of the key made of `parts` (equal to `hash_key` of the values they stand for);
/// `None` when a part is NULL: such a key matches nothing.
pub fn hash_parts<'p, 'v: 'p>(parts: impl IntoIterator<Item = &'p KeyPart<'v>>) -> Option<u64> {
    let mut h = FxBuild::default().build_hasher();
    for p in parts {
        if p.is_null() {
            return None;
        }
        p.hash(&mut h);
    }
    Some(h.finish())
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
    fn key_parts_hash_and_compare_as_their_values() {
        let values = [
            Value::Int2(5),
            Value::Int4(5),
            Value::Int8(5),
            Value::Numeric(Decimal::new(50, 1)),
            Value::Numeric(Decimal::new(51, 1)),
            Value::Text("5".into()),
            Value::Bool(true),
        ];
        for a in &values {
            for b in &values {
                let (pa, pb) = (KeyPart::of_value(a), KeyPart::of_value(b));
                assert_eq!(pa.same(&pb), same_group(a, b), "{a:?} {b:?}");
                if pa.same(&pb) {
                    assert_eq!(hash_parts([&pa]), hash_parts([&pb]), "{a:?} {b:?}");
                }
            }
            assert_eq!(hash_parts([&KeyPart::of_value(a)]), Some(hash_key([a])));
        }
        let null = Value::Null;
        assert!(!KeyPart::of_value(&null).same(&KeyPart::of_value(&null)));
        let one = Value::Int4(1);
        let with_null = [KeyPart::of_value(&one), KeyPart::of_value(&null)];
        assert_eq!(hash_parts(&with_null), None);
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
