//! Stable sorts of short lists (nodes, shards, catalog rows, psql listings) through one compiled
//! copy of the standard library's sort.
//!
//! `slice::sort_by` is generic over the element and the comparison, so each call site gets its
//! own copy of the sort: about 4 KB of wasm each. These functions sort the positions `0..len`
//! with a `dyn` comparison instead, then move the elements into place, so every caller shares
//! one copy. They give the same order as the slice methods of the same name (all are stable).
//! For short lists only: the row sorts of ORDER BY, GROUP BY and window functions keep the
//! slice methods, whose inlined comparisons are faster on many rows.
//!
//! `collect()` into a `BTreeSet` or `BTreeMap` sorts its items first, with a copy of the sort
//! per item type; `collect_set` and `collect_map` insert them one by one instead.

use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet};

/// `v.sort()`, stable.
pub fn sort<T: Ord>(v: &mut [T]) {
    sort_by(v, T::cmp);
}

/// `v.sort_by(compare)`, stable.
pub fn sort_by<T>(v: &mut [T], mut compare: impl FnMut(&T, &T) -> Ordering) {
    let mut order = sorted_positions(v.len(), &mut |a, b| compare(&v[a], &v[b]));
    permute(&mut order, &mut |a, b| v.swap(a, b));
}

/// `v.sort_by_key(key)`, stable.
pub fn sort_by_key<T, K: Ord>(v: &mut [T], mut key: impl FnMut(&T) -> K) {
    sort_by(v, |a, b| key(a).cmp(&key(b)));
}

/// `v.sort_by_cached_key(key)`: `key` is called once per element.
pub fn sort_by_cached_key<T, K: Ord>(v: &mut [T], key: impl FnMut(&T) -> K) {
    let keys: Vec<K> = v.iter().map(key).collect();
    let mut order = sorted_positions(v.len(), &mut |a, b| keys[a].cmp(&keys[b]));
    permute(&mut order, &mut |a, b| v.swap(a, b));
}

/// `items.into_iter().collect::<BTreeSet<_>>()`, for a few items.
pub fn collect_set<T: Ord>(items: impl IntoIterator<Item = T>) -> BTreeSet<T> {
    let mut set = BTreeSet::new();
    set.extend(items);
    set
}

/// `pairs.into_iter().collect::<BTreeMap<_, _>>()`, for a few pairs: a later value for a key
/// replaces an earlier one, as with `collect`.
pub fn collect_map<K: Ord, V>(pairs: impl IntoIterator<Item = (K, V)>) -> BTreeMap<K, V> {
    let mut map = BTreeMap::new();
    map.extend(pairs);
    map
}

/// The positions `0..len` in the stable order `compare` gives them.
fn sorted_positions(len: usize, compare: &mut dyn FnMut(usize, usize) -> Ordering) -> Vec<usize> {
    let mut order: Vec<usize> = (0..len).collect();
    order.sort_by(|&a, &b| compare(a, b));
    order
}

/// Moves the element at `order[i]` to `i` for every `i`, one cycle of the permutation at a time;
/// `order` is used up.
fn permute(order: &mut [usize], swap: &mut dyn FnMut(usize, usize)) {
    for start in 0..order.len() {
        let mut at = start;
        while order[at] != at {
            let from = order[at];
            order[at] = at;
            if from == start {
                break;
            }
            swap(at, from);
            at = from;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every order of up to 6 elements, with ties, sorts as the slice methods sort it.
    #[test]
    fn same_order_as_the_slice_methods() {
        fn orders(n: usize) -> Vec<Vec<(u8, usize)>> {
            // Keys 0..3 (so there are ties), tagged with their first position to check stability.
            let mut out = Vec::new();
            let total = 3usize.pow(n as u32);
            for code in 0..total {
                let mut c = code;
                let mut v = Vec::new();
                for i in 0..n {
                    v.push(((c % 3) as u8, i));
                    c /= 3;
                }
                out.push(v);
            }
            out
        }
        for n in 0..=6 {
            for v in orders(n) {
                let mut expected = v.clone();
                expected.sort_by_key(|e| e.0);
                let mut a = v.clone();
                sort_by_key(&mut a, |e| e.0);
                assert_eq!(a, expected, "sort_by_key of {v:?}");
                let mut b = v.clone();
                sort_by(&mut b, |x, y| x.0.cmp(&y.0));
                assert_eq!(b, expected, "sort_by of {v:?}");
                let mut c = v.clone();
                sort_by_cached_key(&mut c, |e| e.0);
                assert_eq!(c, expected, "sort_by_cached_key of {v:?}");
                let mut d = v.clone();
                let mut plain = v.clone();
                plain.sort();
                sort(&mut d);
                assert_eq!(d, plain, "sort of {v:?}");
            }
        }
    }

    #[test]
    fn collected_as_collect_does() {
        let pairs = [(3, "c"), (1, "a"), (3, "C"), (2, "b")];
        assert_eq!(
            collect_map(pairs),
            pairs.into_iter().collect::<BTreeMap<_, _>>()
        );
        let items = [5, 1, 5, 3, 1];
        assert_eq!(
            collect_set(items),
            items.into_iter().collect::<BTreeSet<_>>()
        );
    }

    #[test]
    fn reversed_and_rotated() {
        let mut v: Vec<u32> = (0..100).rev().collect();
        sort(&mut v);
        assert_eq!(v, (0..100).collect::<Vec<_>>());
        let mut w: Vec<u32> = (0..100).map(|i| (i + 37) % 100).collect();
        sort(&mut w);
        assert_eq!(w, (0..100).collect::<Vec<_>>());
    }
}
