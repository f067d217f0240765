//! PostgreSQL's data types as ShardScope models them: a typed `Value`, its `SqlType`, and the
//! text form psql prints.

use chrono::{NaiveDate, NaiveDateTime};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::cmp::Ordering;

pub mod datetime;
pub mod jsonb;
pub use jsonb::Jsonb;

/// A column's declared type, with the modifiers PostgreSQL keeps (`varchar(20)`, `char(2)`).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum SqlType {
    Bool,
    Int2,
    Int4,
    Int8,
    Numeric {
        precision: Option<u32>,
        scale: Option<u32>,
    },
    Float4,
    Float8,
    Text,
    Varchar(Option<u32>),
    /// `char(n)`: blank-padded; plain `char` is `char(1)`.
    Char(u32),
    Date,
    Timestamp,
    TimestampTz,
    Interval,
    /// A relation name cast with `::regclass`; prints as the name.
    Regclass,
    Array(Box<SqlType>),
    /// `json`: the input text, kept as written.
    Json,
    /// `jsonb`: the parsed, normalised value.
    Jsonb,
    /// An anonymous row, `(a, b)` or `ROW(a, b)`.
    Record,
    /// An untyped literal such as `'abc'` before it is coerced; also a NULL of unknown type.
    Unknown,
}

impl SqlType {
    /// The name PostgreSQL uses in messages (`integer`, `character varying`, ...).
    pub fn pg_name(&self) -> String {
        match self {
            SqlType::Bool => "boolean".into(),
            SqlType::Int2 => "smallint".into(),
            SqlType::Int4 => "integer".into(),
            SqlType::Int8 => "bigint".into(),
            SqlType::Numeric { .. } => "numeric".into(),
            SqlType::Float4 => "real".into(),
            SqlType::Float8 => "double precision".into(),
            SqlType::Text => "text".into(),
            SqlType::Varchar(_) => "character varying".into(),
            SqlType::Char(_) => "character".into(),
            SqlType::Date => "date".into(),
            SqlType::Timestamp => "timestamp without time zone".into(),
            SqlType::TimestampTz => "timestamp with time zone".into(),
            SqlType::Interval => "interval".into(),
            SqlType::Regclass => "regclass".into(),
            SqlType::Array(inner) => format!("{}[]", inner.pg_name()),
            SqlType::Json => "json".into(),
            SqlType::Jsonb => "jsonb".into(),
            SqlType::Record => "record".into(),
            SqlType::Unknown => "unknown".into(),
        }
    }

    /// The name as `\d` shows it, with modifiers (`character varying(20)`, `character(2)`).
    pub fn display_name(&self) -> String {
        match self {
            SqlType::Varchar(Some(n)) => format!("character varying({n})"),
            SqlType::Char(n) => format!("character({n})"),
            SqlType::Numeric {
                precision: Some(p),
                scale,
            } => format!("numeric({p},{})", scale.unwrap_or(0)),
            other => other.pg_name(),
        }
    }

    pub fn is_numeric(&self) -> bool {
        matches!(
            self,
            SqlType::Int2
                | SqlType::Int4
                | SqlType::Int8
                | SqlType::Numeric { .. }
                | SqlType::Float4
                | SqlType::Float8
        )
    }

    pub fn is_textual(&self) -> bool {
        matches!(
            self,
            SqlType::Text | SqlType::Varchar(_) | SqlType::Char(_) | SqlType::Unknown
        )
    }

    /// The OID psql and Citus print for the type (`:vartype 23` in `partkey`).
    pub fn oid(&self) -> u32 {
        match self {
            SqlType::Bool => 16,
            SqlType::Int8 => 20,
            SqlType::Int2 => 21,
            SqlType::Int4 => 23,
            SqlType::Text => 25,
            SqlType::Float4 => 700,
            SqlType::Float8 => 701,
            SqlType::Char(_) => 1042,
            SqlType::Varchar(_) => 1043,
            SqlType::Date => 1082,
            SqlType::Timestamp => 1114,
            SqlType::TimestampTz => 1184,
            SqlType::Interval => 1186,
            SqlType::Numeric { .. } => 1700,
            SqlType::Regclass => 2205,
            SqlType::Array(_) => 2277,
            SqlType::Json => 114,
            SqlType::Jsonb => 3802,
            SqlType::Record => 2249,
            SqlType::Unknown => 705,
        }
    }

    /// psql right-aligns numbers and left-aligns everything else.
    pub fn right_aligned(&self) -> bool {
        self.is_numeric()
    }
}

/// A PostgreSQL interval: months, days and microseconds are kept apart, as PostgreSQL does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
pub struct Interval {
    pub months: i32,
    pub days: i32,
    pub micros: i64,
}

/// One SQL value. Text-like types (`text`, `varchar`, `char`) share `Text`; the column's
/// `SqlType` keeps the distinction.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Value {
    Null,
    Bool(bool),
    Int2(i16),
    Int4(i32),
    Int8(i64),
    Numeric(Decimal),
    Float8(f64),
    Text(String),
    Date(NaiveDate),
    Timestamp(NaiveDateTime),
    Interval(Interval),
    Array(Vec<Value>),
    /// A `json` value: its text as it was given.
    Json(String),
    Jsonb(Jsonb),
    /// An anonymous row value: `(1, 'a')`, `ROW(x, y)`.
    Record(Vec<Value>),
}

impl Value {
    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    /// The type a value has on its own (text literals report `Text`).
    pub fn natural_type(&self) -> SqlType {
        match self {
            Value::Null => SqlType::Unknown,
            Value::Bool(_) => SqlType::Bool,
            Value::Int2(_) => SqlType::Int2,
            Value::Int4(_) => SqlType::Int4,
            Value::Int8(_) => SqlType::Int8,
            Value::Numeric(_) => SqlType::Numeric {
                precision: None,
                scale: None,
            },
            Value::Float8(_) => SqlType::Float8,
            Value::Text(_) => SqlType::Text,
            Value::Date(_) => SqlType::Date,
            Value::Timestamp(_) => SqlType::Timestamp,
            Value::Interval(_) => SqlType::Interval,
            Value::Array(items) => SqlType::Array(Box::new(
                items
                    .iter()
                    .find(|v| !v.is_null())
                    .map(Value::natural_type)
                    .unwrap_or(SqlType::Text),
            )),
            Value::Json(_) => SqlType::Json,
            Value::Jsonb(_) => SqlType::Jsonb,
            Value::Record(_) => SqlType::Record,
        }
    }

    /// The integer value of any integer type.
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Value::Int2(v) => Some(*v as i64),
            Value::Int4(v) => Some(*v as i64),
            Value::Int8(v) => Some(*v),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::Text(s) => Some(s),
            _ => None,
        }
    }

    /// The text psql shows for the value; `None` is SQL NULL (printed as an empty cell).
    pub fn to_pg_text(&self) -> Option<String> {
        Some(match self {
            Value::Null => return None,
            Value::Bool(b) => (if *b { "t" } else { "f" }).to_string(),
            Value::Int2(v) => v.to_string(),
            Value::Int4(v) => v.to_string(),
            Value::Int8(v) => v.to_string(),
            Value::Numeric(d) => d.to_string(),
            Value::Float8(f) => format_float8(*f),
            Value::Text(s) => s.clone(),
            Value::Date(d) => datetime::date_text(*d),
            Value::Timestamp(ts) => format_timestamp(ts),
            Value::Interval(iv) => format_interval(iv),
            Value::Array(items) => format_array(items),
            Value::Json(text) => text.clone(),
            Value::Jsonb(j) => j.to_text(),
            Value::Record(fields) => format_record(fields),
        })
    }

    /// PostgreSQL's ordering for ORDER BY and comparisons: NULL sorts last (as the largest value).
    /// Values of different numeric types compare by value.
    pub fn pg_cmp(&self, other: &Value) -> Ordering {
        use Value::*;
        match (self, other) {
            (Null, Null) => Ordering::Equal,
            (Null, _) => Ordering::Greater,
            (_, Null) => Ordering::Less,
            (Bool(a), Bool(b)) => a.cmp(b),
            (Text(a), Text(b)) => a.cmp(b),
            (Date(a), Date(b)) => a.cmp(b),
            (Timestamp(a), Timestamp(b)) => a.cmp(b),
            (Date(a), Timestamp(b)) => a.and_time(chrono::NaiveTime::MIN).cmp(b),
            (Timestamp(a), Date(b)) => a.cmp(&b.and_time(chrono::NaiveTime::MIN)),
            (Interval(a), Interval(b)) => interval_micros(a).cmp(&interval_micros(b)),
            (Jsonb(a), Jsonb(b)) => a.total_cmp(b),
            (Json(a), Json(b)) => a.cmp(b),
            (Array(a), Array(b)) | (Record(a), Record(b)) => {
                for (x, y) in a.iter().zip(b.iter()) {
                    let c = x.pg_cmp(y);
                    if c != Ordering::Equal {
                        return c;
                    }
                }
                a.len().cmp(&b.len())
            }
            (a, b) => match (a.as_i64(), b.as_i64()) {
                (Some(x), Some(y)) => x.cmp(&y),
                _ => match (a.as_decimal(), b.as_decimal()) {
                    (Some(x), Some(y)) => x.cmp(&y),
                    _ => match (a.as_f64(), b.as_f64()) {
                        (Some(x), Some(y)) => x.partial_cmp(&y).unwrap_or(Ordering::Equal),
                        // Mismatched types only meet here after a failed coercion; order by kind.
                        _ => a.kind_rank().cmp(&b.kind_rank()),
                    },
                },
            },
        }
    }

    pub fn as_decimal(&self) -> Option<Decimal> {
        match self {
            Value::Int2(v) => Some(Decimal::from(*v)),
            Value::Int4(v) => Some(Decimal::from(*v)),
            Value::Int8(v) => Some(Decimal::from(*v)),
            Value::Numeric(d) => Some(*d),
            _ => None,
        }
    }

    pub fn as_f64(&self) -> Option<f64> {
        use rust_decimal::prelude::ToPrimitive;
        match self {
            Value::Int2(v) => Some(*v as f64),
            Value::Int4(v) => Some(*v as f64),
            Value::Int8(v) => Some(*v as f64),
            Value::Numeric(d) => d.to_f64(),
            Value::Float8(f) => Some(*f),
            _ => None,
        }
    }

    fn kind_rank(&self) -> u8 {
        match self {
            Value::Null => 0,
            Value::Bool(_) => 1,
            Value::Int2(_) | Value::Int4(_) | Value::Int8(_) => 2,
            Value::Numeric(_) => 3,
            Value::Float8(_) => 4,
            Value::Text(_) => 5,
            Value::Date(_) => 6,
            Value::Timestamp(_) => 7,
            Value::Interval(_) => 8,
            Value::Array(_) => 9,
            Value::Json(_) => 10,
            Value::Jsonb(_) => 11,
            Value::Record(_) => 12,
        }
    }

    /// A key for hashing and grouping: equal SQL values (including 1 and 1::bigint) give equal keys.
    #[inline]
    pub fn group_key(&self) -> GroupKey {
        match self {
            Value::Null => GroupKey::Null,
            Value::Bool(b) => GroupKey::Bool(*b),
            Value::Int2(_) | Value::Int4(_) | Value::Int8(_) => {
                GroupKey::Int(self.as_i64().unwrap_or_default())
            }
            Value::Numeric(d) => {
                let n = d.normalize();
                if n.scale() == 0 {
                    if let Ok(i) = i64::try_from(n) {
                        return GroupKey::Int(i);
                    }
                }
                GroupKey::Numeric(n.to_string())
            }
            Value::Float8(f) => GroupKey::Float(f.to_bits()),
            Value::Text(s) => GroupKey::Text(s.clone()),
            Value::Date(d) => GroupKey::Text(d.to_string()),
            Value::Timestamp(t) => GroupKey::Text(t.to_string()),
            Value::Interval(i) => GroupKey::Int(interval_micros(i) as i64),
            Value::Array(items) => GroupKey::Array(items.iter().map(Value::group_key).collect()),
            Value::Json(text) => GroupKey::Json(text.clone()),
            Value::Jsonb(j) => GroupKey::Json(j.canonical()),
            Value::Record(fields) => {
                GroupKey::Record(fields.iter().map(Value::group_key).collect())
            }
        }
    }
}

/// Hashable identity of a value for GROUP BY, DISTINCT, hash joins and unique checks.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum GroupKey {
    Null,
    Bool(bool),
    Int(i64),
    Numeric(String),
    Float(u64),
    Text(String),
    Array(Vec<GroupKey>),
    Json(String),
    Record(Vec<GroupKey>),
}

/// A row's text as PostgreSQL's record output writes it: `(1,abc,)`, NULL fields empty, and
/// fields that are empty or hold `"`, `\\`, `(`, `)`, `,` or white space in double quotes.
fn format_record(fields: &[Value]) -> String {
    let mut out = String::from("(");
    for (i, field) in fields.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        let Some(text) = field.to_pg_text() else {
            continue;
        };
        let quote = text.is_empty()
            || text
                .chars()
                .any(|c| matches!(c, '"' | '\\' | '(' | ')' | ',') || c.is_whitespace());
        if !quote {
            out.push_str(&text);
            continue;
        }
        out.push('"');
        for c in text.chars() {
            if matches!(c, '"' | '\\') {
                out.push(c);
            }
            out.push(c);
        }
        out.push('"');
    }
    out.push(')');
    out
}

fn interval_micros(iv: &Interval) -> i128 {
    // PostgreSQL compares intervals with 30-day months.
    (iv.months as i128 * 30 + iv.days as i128) * 86_400_000_000 + iv.micros as i128
}

/// `2026-11-22 23:35:40.510942`; the fraction only when non-zero, trailing zeros dropped.
pub fn format_timestamp(ts: &NaiveDateTime) -> String {
    let base = datetime::datetime_text(ts);
    let micros = ts.and_utc().timestamp_subsec_micros();
    if micros == 0 {
        base
    } else {
        let frac = format!("{micros:06}");
        format!("{base}.{}", frac.trim_end_matches('0'))
    }
}

/// PostgreSQL's default (`postgres` style) interval output: `1 year 2 mons 3 days 04:05:06`.
pub fn format_interval(iv: &Interval) -> String {
    let mut parts = Vec::new();
    let years = iv.months / 12;
    let months = iv.months % 12;
    let unit = |n: i32, one: &str, many: &str| {
        format!("{n} {}", if n == 1 || n == -1 { one } else { many })
    };
    if years != 0 {
        parts.push(unit(years, "year", "years"));
    }
    if months != 0 {
        parts.push(unit(months, "mon", "mons"));
    }
    if iv.days != 0 {
        parts.push(unit(iv.days, "day", "days"));
    }
    if iv.micros != 0 || parts.is_empty() {
        let neg = iv.micros < 0;
        let total = iv.micros.unsigned_abs();
        let secs = total / 1_000_000;
        let frac = total % 1_000_000;
        let mut time = format!(
            "{}{:02}:{:02}:{:02}",
            if neg { "-" } else { "" },
            secs / 3600,
            (secs / 60) % 60,
            secs % 60
        );
        if frac != 0 {
            let f = format!("{frac:06}");
            time.push('.');
            time.push_str(f.trim_end_matches('0'));
        }
        parts.push(time);
    }
    parts.join(" ")
}

thread_local! {
    /// The `extra_float_digits` setting of the session whose statement runs (PostgreSQL's
    /// default 1: shortest exact output).
    static EXTRA_FLOAT_DIGITS: std::cell::Cell<i64> = const { std::cell::Cell::new(1) };
}

/// Sets the float output precision for what runs next on this thread (`None`: the default).
pub fn set_extra_float_digits(digits: Option<i64>) {
    EXTRA_FLOAT_DIGITS.with(|c| c.set(digits.unwrap_or(1)));
}

/// C's `%.{digits}g`: `digits` significant digits, trailing zeros dropped, exponent form when
/// the exponent is below -4 or at least `digits` (PostgreSQL prints two exponent digits).
fn format_significant(f: f64, digits: usize) -> String {
    let sci = format!("{:.*e}", digits - 1, f);
    let Some((mantissa, exp)) = sci.split_once('e') else {
        return sci;
    };
    let exp: i64 = exp.parse().unwrap_or(0);
    let trim = |s: &str| -> String {
        if s.contains('.') {
            s.trim_end_matches('0').trim_end_matches('.').to_string()
        } else {
            s.to_string()
        }
    };
    if exp < -4 || exp >= digits as i64 {
        let sign = if exp < 0 { '-' } else { '+' };
        return format!("{}e{sign}{:02}", trim(mantissa), exp.abs());
    }
    let decimals = (digits as i64 - 1 - exp).max(0) as usize;
    trim(&format!("{f:.decimals$}"))
}

/// PostgreSQL 15's float8 output: shortest round-trip digits, exponent form outside 1e-4..1e15;
/// with `extra_float_digits` 0 or less, `%g` with 15 + extra_float_digits significant digits.
pub fn format_float8(f: f64) -> String {
    let extra = EXTRA_FLOAT_DIGITS.with(|c| c.get());
    if extra <= 0 && f.is_finite() && f != 0.0 {
        return format_significant(f, (15 + extra).max(1) as usize);
    }
    if f.is_nan() {
        return "NaN".into();
    }
    if f.is_infinite() {
        return if f > 0.0 {
            "Infinity".into()
        } else {
            "-Infinity".into()
        };
    }
    if f == 0.0 {
        return if f.is_sign_negative() {
            "-0".into()
        } else {
            "0".into()
        };
    }
    let exp = f.abs().log10().floor() as i32;
    if !(-4..15).contains(&exp) {
        let s = format!("{f:e}");
        // Rust prints `1e16`; PostgreSQL prints `1e+16` and at least two exponent digits.
        if let Some((mantissa, e)) = s.split_once('e') {
            let (sign, digits) = match e.strip_prefix('-') {
                Some(d) => ('-', d),
                None => ('+', e),
            };
            return format!("{mantissa}e{sign}{digits:0>2}");
        }
        s
    } else {
        format!("{f}")
    }
}

fn format_array(items: &[Value]) -> String {
    let inner: Vec<String> = items
        .iter()
        .map(|v| match v.to_pg_text() {
            None => "NULL".to_string(),
            Some(s) => {
                let needs_quotes = s.is_empty()
                    || s.eq_ignore_ascii_case("null")
                    || s.chars()
                        .any(|c| matches!(c, ',' | '{' | '}' | '"' | '\\') || c.is_whitespace());
                if needs_quotes {
                    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
                } else {
                    s
                }
            }
        })
        .collect();
    format!("{{{}}}", inner.join(","))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_drop_trailing_zeros() {
        let ts = NaiveDate::from_ymd_opt(2026, 11, 22)
            .and_then(|d| d.and_hms_micro_opt(23, 35, 40, 510_940))
            .map(|t| format_timestamp(&t));
        assert_eq!(ts.as_deref(), Some("2026-11-22 23:35:40.51094"));
    }

    #[test]
    fn floats_print_like_postgres() {
        assert_eq!(format_float8(1.5), "1.5");
        assert_eq!(format_float8(1e16), "1e+16");
        assert_eq!(format_float8(0.00001), "1e-05");
        assert_eq!(format_float8(100.0), "100");
    }

    #[test]
    fn nulls_sort_last_and_ints_compare_across_widths() {
        assert_eq!(Value::Null.pg_cmp(&Value::Int4(1)), Ordering::Greater);
        assert_eq!(Value::Int8(2).pg_cmp(&Value::Int4(2)), Ordering::Equal);
        assert_eq!(Value::Int4(1).group_key(), Value::Int8(1).group_key());
    }

    #[test]
    fn intervals_print_like_postgres() {
        let iv = Interval {
            months: 14,
            days: 3,
            micros: 3_600_000_000,
        };
        assert_eq!(format_interval(&iv), "1 year 2 mons 3 days 01:00:00");
    }
}
