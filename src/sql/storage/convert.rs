//! Lossless conversion between our `Value` and GlueSQL's, which holds the rows.

use crate::types::{Interval, Value};
use gluesql::core::data::Value as GValue;
use std::collections::BTreeMap;

/// Moves a value into GlueSQL's representation (strings are moved, not copied).
pub fn to_glue(v: Value) -> GValue {
    match v {
        Value::Null => GValue::Null,
        Value::Bool(b) => GValue::Bool(b),
        Value::Int2(i) => GValue::I16(i),
        Value::Int4(i) => GValue::I32(i),
        Value::Int8(i) => GValue::I64(i),
        Value::Numeric(d) => GValue::Decimal(d),
        Value::Float8(f) => GValue::F64(f),
        Value::Text(s) => GValue::Str(s),
        Value::Date(d) => GValue::Date(d),
        Value::Timestamp(t) => GValue::Timestamp(t),
        // GlueSQL's interval is months *or* microseconds; PostgreSQL keeps days apart too.
        Value::Interval(iv) => GValue::Map(BTreeMap::from([
            ("months".to_string(), GValue::I32(iv.months)),
            ("days".to_string(), GValue::I32(iv.days)),
            ("micros".to_string(), GValue::I64(iv.micros)),
        ])),
        Value::Array(items) => GValue::List(items.into_iter().map(to_glue).collect()),
        // json and jsonb are kept as their text behind a tag byte (no other value is bytea).
        Value::Json(text) => tagged(JSON_TAG, &text),
        Value::Jsonb(j) => tagged(JSONB_TAG, &j.to_text()),
        // No column has a row type; a row reaching storage keeps its text.
        Value::Record(fields) => {
            GValue::Str(Value::Record(fields).to_pg_text().unwrap_or_default())
        }
    }
}

const JSON_TAG: u8 = b'j';
const JSONB_TAG: u8 = b'b';

fn tagged(tag: u8, text: &str) -> GValue {
    let mut bytes = Vec::with_capacity(text.len() + 1);
    bytes.push(tag);
    bytes.extend_from_slice(text.as_bytes());
    GValue::Bytea(bytes)
}

/// Reads a stored value back.
pub fn from_glue(v: &GValue) -> Value {
    match v {
        GValue::Null => Value::Null,
        GValue::Bool(b) => Value::Bool(*b),
        GValue::I8(i) => Value::Int2(*i as i16),
        GValue::I16(i) => Value::Int2(*i),
        GValue::I32(i) => Value::Int4(*i),
        GValue::I64(i) => Value::Int8(*i),
        GValue::U8(i) => Value::Int2(*i as i16),
        GValue::U16(i) => Value::Int4(*i as i32),
        GValue::U32(i) => Value::Int8(*i as i64),
        GValue::Decimal(d) => Value::Numeric(*d),
        GValue::F32(f) => Value::Float8(*f as f64),
        GValue::F64(f) => Value::Float8(*f),
        GValue::Str(s) => Value::Text(s.clone()),
        GValue::Date(d) => Value::Date(*d),
        GValue::Timestamp(t) => Value::Timestamp(*t),
        GValue::Map(m) => {
            let int = |k: &str| match m.get(k) {
                Some(GValue::I32(i)) => *i as i64,
                Some(GValue::I64(i)) => *i,
                _ => 0,
            };
            Value::Interval(Interval {
                months: int("months") as i32,
                days: int("days") as i32,
                micros: int("micros"),
            })
        }
        GValue::List(items) => Value::Array(items.iter().map(from_glue).collect()),
        GValue::Bytea(bytes) => {
            let text = String::from_utf8_lossy(bytes.get(1..).unwrap_or_default()).into_owned();
            match bytes.first() {
                Some(&JSONB_TAG) => match crate::types::Jsonb::parse(&text) {
                    Ok(j) => Value::Jsonb(j),
                    Err(_) => Value::Text(text),
                },
                _ => Value::Json(text),
            }
        }
        // Never written by us; shown as text rather than failing.
        other => Value::Text(format!("{other:?}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;
    use rust_decimal::Decimal;

    #[test]
    fn every_value_round_trips() {
        let date = NaiveDate::from_ymd_opt(2024, 2, 29).unwrap_or_default();
        let values = vec![
            Value::Null,
            Value::Bool(true),
            Value::Int2(-3),
            Value::Int4(7),
            Value::Int8(1 << 40),
            Value::Numeric(Decimal::new(12345, 2)),
            Value::Float8(1.5),
            Value::Text("héllo".into()),
            Value::Date(date),
            Value::Timestamp(date.and_hms_opt(1, 2, 3).unwrap_or_default()),
            Value::Interval(Interval {
                months: 14,
                days: 3,
                micros: -5,
            }),
            Value::Array(vec![Value::Int4(1), Value::Null]),
            Value::Json("{\"b\":1,  \"a\":2}".into()),
            Value::Jsonb(
                crate::types::Jsonb::parse("{\"b\": [1.50, null], \"a\": \"x\"}")
                    .unwrap_or(crate::types::Jsonb::Null),
            ),
        ];
        for v in values {
            assert_eq!(from_glue(&to_glue(v.clone())), v);
        }
    }
}
