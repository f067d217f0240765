//! Text input for each type: what `'...'::type` and untyped literals compared with typed
//! columns go through.

use super::{apply_numeric_typmod, cast};
use crate::error::{PgError, PgResult};
use crate::types::{datetime, Interval, SqlType, Value};
use chrono::{NaiveDate, NaiveDateTime};
use rust_decimal::Decimal;
use std::str::FromStr;

/// Parses the text form of a value of type `ty`.
pub fn parse_text_as(s: &str, ty: &SqlType) -> PgResult<Value> {
    let bad = || PgError::invalid_text(&ty.pg_name(), s);
    let t = s.trim();
    match ty {
        SqlType::Int2 | SqlType::Int4 | SqlType::Int8 => {
            let digits = t.strip_prefix('+').unwrap_or(t);
            let body = digits.strip_prefix('-').unwrap_or(digits);
            if body.is_empty() || !body.bytes().all(|b| b.is_ascii_digit()) {
                return Err(bad());
            }
            let range = || {
                PgError::new(
                    "22003",
                    format!("value \"{s}\" is out of range for type {}", ty.pg_name()),
                )
            };
            let v: i64 = digits.parse().map_err(|_| range())?;
            super::int_from_i64(v, ty).map_err(|_| range())
        }
        SqlType::Numeric { precision, scale } => {
            let d = parse_decimal(t).ok_or_else(bad)?;
            apply_numeric_typmod(d, *precision, *scale).map(Value::Numeric)
        }
        SqlType::Float4 | SqlType::Float8 => {
            let f = match t.to_ascii_lowercase().as_str() {
                "nan" => f64::NAN,
                "infinity" | "inf" | "+infinity" | "+inf" => f64::INFINITY,
                "-infinity" | "-inf" => f64::NEG_INFINITY,
                other => other.parse::<f64>().map_err(|_| bad())?,
            };
            Ok(Value::Float8(if matches!(ty, SqlType::Float4) {
                f as f32 as f64
            } else {
                f
            }))
        }
        SqlType::Bool => parse_bool(t).map(Value::Bool).ok_or_else(bad),
        SqlType::Date => parse_date(t).map(Value::Date).ok_or_else(bad),
        SqlType::Timestamp | SqlType::TimestampTz => {
            parse_timestamp(t).map(Value::Timestamp).ok_or_else(bad)
        }
        SqlType::Interval => parse_interval(t).map(Value::Interval).ok_or_else(bad),
        SqlType::Json => crate::types::jsonb::validate_json(s).map(|_| Value::Json(s.to_string())),
        SqlType::Jsonb => crate::types::Jsonb::parse(s).map(Value::Jsonb),
        SqlType::Array(inner) => parse_array(t, inner)
            .ok_or_else(|| PgError::new("22P02", format!("malformed array literal: \"{s}\"")))?,
        _ => cast(Value::Text(s.to_string()), ty),
    }
}

pub(crate) fn parse_decimal(t: &str) -> Option<Decimal> {
    if t.is_empty() {
        return None;
    }
    let ok = t
        .bytes()
        .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'-' | b'+' | b'e' | b'E'));
    if !ok {
        return None;
    }
    if t.contains(['e', 'E']) {
        Decimal::from_scientific(t).ok()
    } else {
        Decimal::from_str(t.strip_prefix('+').unwrap_or(t)).ok()
    }
}

fn parse_bool(t: &str) -> Option<bool> {
    let l = t.to_ascii_lowercase();
    if l.is_empty() {
        return None;
    }
    let prefix_of = |word: &str| word.starts_with(l.as_str());
    match l.as_str() {
        "1" => Some(true),
        "0" => Some(false),
        "o" => None,
        _ if prefix_of("true") || prefix_of("yes") => Some(true),
        _ if prefix_of("false") || prefix_of("no") => Some(false),
        "on" => Some(true),
        "of" | "off" => Some(false),
        _ => None,
    }
}

fn parse_date(t: &str) -> Option<NaiveDate> {
    datetime::parse_date(t).or_else(|| parse_timestamp(t).map(|ts| ts.date()))
}

fn parse_timestamp(t: &str) -> Option<NaiveDateTime> {
    let mut t = t.trim();
    // A UTC offset or zone suffix (timestamptz input); the simulation runs in UTC.
    for suffix in ["+00:00", "+00", "Z", " UTC", "z"] {
        if let Some(rest) = t.strip_suffix(suffix) {
            t = rest.trim_end();
            break;
        }
    }
    datetime::parse_datetime(t)
        .or_else(|| datetime::parse_date(t).map(|d| d.and_time(chrono::NaiveTime::MIN)))
}

const MICROS_PER_DAY: f64 = 86_400_000_000.0;

/// PostgreSQL's interval input: `2 hours`, `1 day 03:00:00`, `1 year 2 mons`, `@ 3 days ago`.
pub fn parse_interval(t: &str) -> Option<Interval> {
    let mut months = 0f64;
    let mut days = 0f64;
    let mut micros = 0f64;
    let lower = t.trim().to_ascii_lowercase();
    let lower = lower.strip_prefix('@').unwrap_or(&lower).trim();
    let (body, ago) = match lower.strip_suffix("ago") {
        Some(b) => (b.trim(), true),
        None => (lower, false),
    };
    let tokens: Vec<&str> = body.split_whitespace().collect();
    if tokens.is_empty() {
        return None;
    }
    let mut i = 0;
    while i < tokens.len() {
        let tok = tokens[i];
        if tok.contains(':') {
            micros += parse_clock(tok)?;
            i += 1;
            continue;
        }
        // A number followed by a unit, or glued to it (`2h`, `10min`).
        let split = tok
            .find(|c: char| c.is_ascii_alphabetic())
            .unwrap_or(tok.len());
        let (num, mut unit) = tok.split_at(split);
        let n: f64 = num.parse().ok()?;
        if unit.is_empty() {
            match tokens.get(i + 1) {
                Some(u) if u.chars().all(|c| c.is_ascii_alphabetic()) => {
                    unit = u;
                    i += 1;
                }
                // A bare number means seconds.
                _ => unit = "second",
            }
        }
        let unit = match unit {
            "ms" | "us" | "s" => unit,
            _ => unit.strip_suffix('s').unwrap_or(unit),
        };
        match unit {
            "microsecond" | "us" | "usec" => micros += n,
            "millisecond" | "ms" | "msec" => micros += n * 1_000.0,
            "m" | "min" | "minute" | "mi" => micros += n * 60_000_000.0,
            "s" | "second" | "sec" => micros += n * 1_000_000.0,
            "h" | "hour" | "hr" => micros += n * 3_600_000_000.0,
            "d" | "day" => days += n,
            "w" | "week" => days += n * 7.0,
            "mon" | "month" => months += n,
            "y" | "year" | "yr" => months += n * 12.0,
            "decade" => months += n * 120.0,
            "century" | "centurie" => months += n * 1200.0,
            _ => return None,
        }
        i += 1;
    }
    // Fractions cascade down as PostgreSQL does: months to 30-day days, days to time.
    let whole_months = months.trunc();
    days += (months - whole_months) * 30.0;
    let whole_days = days.trunc();
    micros += (days - whole_days) * MICROS_PER_DAY;
    let sign = if ago { -1.0 } else { 1.0 };
    Some(Interval {
        months: (sign * whole_months) as i32,
        days: (sign * whole_days) as i32,
        micros: (sign * micros).round() as i64,
    })
}

fn parse_clock(tok: &str) -> Option<f64> {
    let (neg, tok) = match tok.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, tok),
    };
    let parts: Vec<&str> = tok.split(':').collect();
    let h: f64 = parts.first()?.parse().ok()?;
    let m: f64 = parts.get(1)?.parse().ok()?;
    let s: f64 = match parts.get(2) {
        Some(s) => s.parse().ok()?,
        None => 0.0,
    };
    if parts.len() > 3 {
        return None;
    }
    let v = (h * 3600.0 + m * 60.0 + s) * 1_000_000.0;
    Some(if neg { -v } else { v })
}

/// `{1,2,"a b",NULL}`: one dimension.
fn parse_array(t: &str, inner: &SqlType) -> Option<PgResult<Value>> {
    let body = t.strip_prefix('{')?.strip_suffix('}')?;
    let mut items = Vec::new();
    if body.trim().is_empty() {
        return Some(Ok(Value::Array(items)));
    }
    let mut chars = body.chars().peekable();
    loop {
        while chars.peek().is_some_and(|c| c.is_whitespace()) {
            chars.next();
        }
        let mut field = String::new();
        let quoted = chars.peek() == Some(&'"');
        if quoted {
            chars.next();
            loop {
                match chars.next()? {
                    '\\' => field.push(chars.next()?),
                    '"' => break,
                    c => field.push(c),
                }
            }
            while chars.peek().is_some_and(|c| c.is_whitespace()) {
                chars.next();
            }
        } else {
            while let Some(&c) = chars.peek() {
                if c == ',' {
                    break;
                }
                if c == '{' || c == '}' || c == '"' {
                    return None;
                }
                field.push(c);
                chars.next();
            }
            field = field.trim().to_string();
            if field.is_empty() {
                return None;
            }
        }
        let v = if !quoted && field.eq_ignore_ascii_case("null") {
            Ok(Value::Null)
        } else {
            parse_text_as(&field, inner)
        };
        match v {
            Ok(v) => items.push(v),
            Err(e) => return Some(Err(e)),
        }
        match chars.next() {
            None => break,
            Some(',') => continue,
            Some(_) => return None,
        }
    }
    Some(Ok(Value::Array(items)))
}
