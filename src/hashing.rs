//! PostgreSQL's hash functions (`hash_bytes`, Bob Jenkins' lookup3 as PostgreSQL uses it) and
//! Citus's uniform hash ranges for shards.

use crate::error::{PgError, PgResult};
use crate::types::{SqlType, Value};

#[inline]
fn mix(a: &mut u32, b: &mut u32, c: &mut u32) {
    *a = a.wrapping_sub(*c);
    *a ^= c.rotate_left(4);
    *c = c.wrapping_add(*b);
    *b = b.wrapping_sub(*a);
    *b ^= a.rotate_left(6);
    *a = a.wrapping_add(*c);
    *c = c.wrapping_sub(*b);
    *c ^= b.rotate_left(8);
    *b = b.wrapping_add(*a);
    *a = a.wrapping_sub(*c);
    *a ^= c.rotate_left(16);
    *c = c.wrapping_add(*b);
    *b = b.wrapping_sub(*a);
    *b ^= a.rotate_left(19);
    *a = a.wrapping_add(*c);
    *c = c.wrapping_sub(*b);
    *c ^= b.rotate_left(4);
    *b = b.wrapping_add(*a);
}

#[inline]
fn final_mix(a: &mut u32, b: &mut u32, c: &mut u32) {
    *c ^= *b;
    *c = c.wrapping_sub(b.rotate_left(14));
    *a ^= *c;
    *a = a.wrapping_sub(c.rotate_left(11));
    *b ^= *a;
    *b = b.wrapping_sub(a.rotate_left(25));
    *c ^= *b;
    *c = c.wrapping_sub(b.rotate_left(16));
    *a ^= *c;
    *a = a.wrapping_sub(c.rotate_left(4));
    *b ^= *a;
    *b = b.wrapping_sub(a.rotate_left(14));
    *c ^= *b;
    *c = c.wrapping_sub(b.rotate_left(24));
}

/// Reads up to 4 bytes as a little-endian word (PostgreSQL's result on little-endian servers).
fn le_word(bytes: &[u8]) -> u32 {
    bytes
        .iter()
        .enumerate()
        .fold(0u32, |acc, (i, b)| acc | ((*b as u32) << (8 * i)))
}

/// lookup3's initial state for a key of `len` bytes, with the seed of the `_extended` variants
/// mixed in (a zero seed leaves it as the 32-bit functions start).
fn initial_state(len: u32, seed: u64) -> (u32, u32, u32) {
    let init = 0x9e37_79b9u32.wrapping_add(len).wrapping_add(3_923_095);
    let (mut a, mut b, mut c) = (init, init, init);
    if seed != 0 {
        a = a.wrapping_add((seed >> 32) as u32);
        b = b.wrapping_add(seed as u32);
        mix(&mut a, &mut b, &mut c);
    }
    (a, b, c)
}

/// lookup3 over `key` from the given state: the final (a, b, c).
fn hash_bytes_state(key: &[u8], seed: u64) -> (u32, u32, u32) {
    let (mut a, mut b, mut c) = initial_state(key.len() as u32, seed);
    let mut chunks = key.chunks_exact(12);
    for chunk in &mut chunks {
        a = a.wrapping_add(le_word(&chunk[0..4]));
        b = b.wrapping_add(le_word(&chunk[4..8]));
        c = c.wrapping_add(le_word(&chunk[8..12]));
        mix(&mut a, &mut b, &mut c);
    }
    let rest = chunks.remainder();
    // The low byte of `c` is reserved for the length, so the tail's bytes 8..11 shift up by one.
    let n = rest.len();
    a = a.wrapping_add(le_word(&rest[..n.min(4)]));
    if n > 4 {
        b = b.wrapping_add(le_word(&rest[4..n.min(8)]));
    }
    if n > 8 {
        c = c.wrapping_add(le_word(&rest[8..n]) << 8);
    }
    final_mix(&mut a, &mut b, &mut c);
    (a, b, c)
}

/// PostgreSQL's `hash_bytes`.
pub fn hash_bytes(key: &[u8]) -> u32 {
    hash_bytes_state(key, 0).2
}

/// PostgreSQL's `hash_bytes_extended`: 64 bits, seeded.
pub fn hash_bytes_extended(key: &[u8], seed: u64) -> u64 {
    let (_, b, c) = hash_bytes_state(key, seed);
    ((b as u64) << 32) | c as u64
}

/// PostgreSQL's `hash_bytes_uint32_extended`.
pub fn hash_bytes_uint32_extended(k: u32, seed: u64) -> u64 {
    let (mut a, mut b, mut c) = initial_state(4, seed);
    a = a.wrapping_add(k);
    final_mix(&mut a, &mut b, &mut c);
    ((b as u64) << 32) | c as u64
}

/// PostgreSQL's `hash_bytes_uint32`.
pub fn hash_bytes_uint32(k: u32) -> u32 {
    let init = 0x9e37_79b9u32.wrapping_add(4).wrapping_add(3_923_095);
    let (mut a, mut b, mut c) = (init.wrapping_add(k), init, init);
    final_mix(&mut a, &mut b, &mut c);
    c
}

pub fn hashint4(v: i32) -> i32 {
    hash_bytes_uint32(v as u32) as i32
}

/// int8 folds its high half into the low half so values in the int4 range hash like int4.
pub fn hashint8(v: i64) -> i32 {
    hash_bytes_uint32(fold_int8(v)) as i32
}

/// int8's hash input: the high half folded into the low half, so values in the int4 range hash
/// like int4.
fn fold_int8(v: i64) -> u32 {
    let lo = v as u32;
    let hi = (v >> 32) as u32;
    lo ^ if v >= 0 { hi } else { !hi }
}

/// The seed PostgreSQL's hash partitioning gives every key column's extended hash.
const HASH_PARTITION_SEED: u64 = 0x7A5B_2236_7996_DCFD;

/// PostgreSQL's `hash_combine64`.
fn hash_combine64(a: u64, h: u64) -> u64 {
    a ^ h
        .wrapping_add(0x49a0_f4dd_15e5_a8e3)
        .wrapping_add(a << 54)
        .wrapping_add(a >> 7)
}

/// The hash a row of a hash-partitioned table is placed by (PostgreSQL's
/// `compute_partition_hash_value`): each non-NULL key column's extended hash, combined. The
/// row belongs to the partition whose remainder is this value modulo its modulus.
pub fn partition_hash(key: &[(&Value, &SqlType)]) -> PgResult<u64> {
    let mut row_hash = 0u64;
    for (value, ty) in key {
        if value.is_null() {
            continue;
        }
        let h = extended_hash(value, ty, HASH_PARTITION_SEED)?;
        row_hash = hash_combine64(row_hash, h);
    }
    Ok(row_hash)
}

/// A type's extended hash function (`hashint4extended`, `hashtextextended`, ...).
fn extended_hash(value: &Value, ty: &SqlType, seed: u64) -> PgResult<u64> {
    let unsupported = || {
        PgError::unsupported(format!(
            "hash partitioning on a column of type {} is not supported in ShardScope",
            ty.pg_name()
        ))
    };
    let pg_epoch = chrono::NaiveDate::from_ymd_opt(2000, 1, 1).ok_or_else(unsupported)?;
    match (value, ty) {
        (Value::Bool(b), _) => Ok(hash_bytes_uint32_extended(*b as u32, seed)),
        (_, SqlType::Int2 | SqlType::Int4) => {
            let v = value.as_i64().ok_or_else(unsupported)?;
            Ok(hash_bytes_uint32_extended(v as i32 as u32, seed))
        }
        (_, SqlType::Int8) => {
            let v = value.as_i64().ok_or_else(unsupported)?;
            Ok(hash_bytes_uint32_extended(fold_int8(v), seed))
        }
        (Value::Text(s), SqlType::Char(_)) => Ok(hash_bytes_extended(
            s.trim_end_matches(' ').as_bytes(),
            seed,
        )),
        (Value::Text(s), _) => Ok(hash_bytes_extended(s.as_bytes(), seed)),
        // date is an int4 of days since 2000-01-01; timestamps an int8 of microseconds.
        (Value::Date(d), _) => {
            let days = d.signed_duration_since(pg_epoch).num_days();
            Ok(hash_bytes_uint32_extended(days as i32 as u32, seed))
        }
        (Value::Timestamp(ts), _) => {
            let micros = ts
                .signed_duration_since(pg_epoch.and_time(chrono::NaiveTime::MIN))
                .num_microseconds()
                .ok_or_else(unsupported)?;
            Ok(hash_bytes_uint32_extended(fold_int8(micros), seed))
        }
        _ => Err(unsupported()),
    }
}

pub fn hashtext(s: &str) -> i32 {
    hash_bytes(s.as_bytes()) as i32
}

/// The hash Citus routes a value of the distribution column's type with.
pub fn hash_for_type(value: &Value, ty: &SqlType) -> PgResult<i32> {
    let unsupported = || {
        PgError::internal(format!(
            "could not hash a value of type {} for distribution",
            ty.pg_name()
        ))
    };
    match ty {
        SqlType::Int2 | SqlType::Int4 => {
            let v = value.as_i64().ok_or_else(unsupported)?;
            let v = i32::try_from(v).map_err(|_| PgError::new("22003", "integer out of range"))?;
            Ok(hashint4(v))
        }
        SqlType::Int8 => value.as_i64().map(hashint8).ok_or_else(unsupported),
        SqlType::Char(_) => {
            let s = value.as_str().ok_or_else(unsupported)?;
            Ok(hashtext(s.trim_end_matches(' ')))
        }
        SqlType::Text | SqlType::Varchar(_) | SqlType::Unknown => {
            value.as_str().map(hashtext).ok_or_else(unsupported)
        }
        _ => Err(unsupported()),
    }
}

/// Citus's hash ranges for `count` shards: equal slices of the int4 range, the last one taking
/// the remainder.
pub fn shard_ranges(count: u32) -> Vec<(i32, i32)> {
    if count == 0 {
        return Vec::new();
    }
    let inc = (1i64 << 32) / count as i64;
    (0..count as i64)
        .map(|i| {
            let min = i32::MIN as i64 + i * inc;
            let max = if i == count as i64 - 1 {
                i32::MAX as i64
            } else {
                min + inc - 1
            };
            (min as i32, max as i32)
        })
        .collect()
}

/// The index of the shard whose range holds `hash`.
pub fn shard_index_for_hash(hash: i32, count: u32) -> usize {
    if count == 0 {
        return 0;
    }
    let inc = (1i64 << 32) / count as i64;
    let idx = (hash as i64 - i32::MIN as i64) / inc;
    idx.clamp(0, count as i64 - 1) as usize
}
