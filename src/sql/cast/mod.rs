//! Casts between PostgreSQL types (`::int`, `CAST(x AS text)`, `'t'::regclass`) and the
//! assignment coercion applied when a value is stored in a column (`value too long for type
//! character varying(5)`, `integer out of range`, char(n) padding).

mod parse;
pub mod regclass;

pub use parse::{parse_interval, parse_text_as};

use crate::error::{PgError, PgResult};
use crate::types::{Jsonb, SqlType, Value};
use rust_decimal::prelude::{FromPrimitive, ToPrimitive};
use rust_decimal::{Decimal, RoundingStrategy};
use sqlparser::ast::{ArrayElemTypeDef, CharacterLength, DataType, ExactNumberInfo, TimezoneInfo};

pub(crate) fn out_of_range(ty: &SqlType) -> PgError {
    let what = match ty {
        SqlType::Int2 => "smallint",
        SqlType::Int8 => "bigint",
        _ => "integer",
    };
    PgError::new("22003", format!("{what} out of range"))
}

fn int_from_i64(v: i64, to: &SqlType) -> PgResult<Value> {
    match to {
        SqlType::Int2 => i16::try_from(v)
            .map(Value::Int2)
            .map_err(|_| out_of_range(to)),
        SqlType::Int4 => i32::try_from(v)
            .map(Value::Int4)
            .map_err(|_| out_of_range(to)),
        _ => Ok(Value::Int8(v)),
    }
}

fn cannot_cast(from: &Value, to: &SqlType) -> PgError {
    PgError::new(
        "42846",
        format!(
            "cannot cast type {} to {}",
            from.natural_type().pg_name(),
            to.pg_name()
        ),
    )
}

/// An explicit cast.
pub fn cast(value: Value, to: &SqlType) -> PgResult<Value> {
    cast_impl(value, to, true)
}

fn cast_impl(value: Value, to: &SqlType, explicit: bool) -> PgResult<Value> {
    if value.is_null() {
        return Ok(Value::Null);
    }
    if let Value::Text(s) = &value {
        if !to.is_textual() && !matches!(to, SqlType::Regclass) {
            return parse_text_as(s, to);
        }
    }
    if let Value::Jsonb(j) = &value {
        if to.is_numeric() || matches!(to, SqlType::Bool) {
            return jsonb_scalar_cast(j, to);
        }
    }
    match to {
        SqlType::Unknown => Ok(value),
        SqlType::Record => match value {
            Value::Record(fields) => Ok(Value::Record(fields)),
            other => Err(cannot_cast(&other, to)),
        },
        SqlType::Json => match value {
            Value::Json(text) => Ok(Value::Json(text)),
            Value::Jsonb(j) => Ok(Value::Json(j.to_text())),
            other => Err(cannot_cast(&other, to)),
        },
        SqlType::Jsonb => match value {
            Value::Jsonb(j) => Ok(Value::Jsonb(j)),
            Value::Json(text) => Jsonb::parse(&text).map(Value::Jsonb),
            other => Err(cannot_cast(&other, to)),
        },
        SqlType::Text => Ok(Value::Text(value.to_pg_text().unwrap_or_default())),
        SqlType::Regclass => match value {
            Value::Text(s) => regclass::normalize(&s).map(Value::Text),
            other => Err(cannot_cast(&other, to)),
        },
        SqlType::Varchar(n) => {
            let s = value.to_pg_text().unwrap_or_default();
            limit_length(s, *n, to, explicit).map(Value::Text)
        }
        SqlType::Char(n) => {
            let s = value.to_pg_text().unwrap_or_default();
            let s = limit_length(s, Some(*n), to, explicit)?;
            Ok(Value::Text(pad_char(s, *n)))
        }
        SqlType::Int2 | SqlType::Int4 | SqlType::Int8 => match &value {
            Value::Int2(_) | Value::Int4(_) | Value::Int8(_) => {
                int_from_i64(value.as_i64().unwrap_or_default(), to)
            }
            Value::Numeric(d) => {
                let r = d.round_dp_with_strategy(0, RoundingStrategy::MidpointAwayFromZero);
                let v = r.to_i64().ok_or_else(|| out_of_range(to))?;
                int_from_i64(v, to)
            }
            Value::Float8(f) => {
                let r = f.round_ties_even();
                if !r.is_finite() || r < i64::MIN as f64 || r >= i64::MAX as f64 {
                    return Err(out_of_range(to));
                }
                int_from_i64(r as i64, to)
            }
            Value::Bool(b) if matches!(to, SqlType::Int4) => Ok(Value::Int4(*b as i32)),
            _ => Err(cannot_cast(&value, to)),
        },
        SqlType::Numeric { precision, scale } => {
            let d = match &value {
                Value::Numeric(d) => *d,
                Value::Float8(f) => {
                    if !f.is_finite() {
                        return Err(PgError::new("0A000", "cannot convert infinity to numeric"));
                    }
                    // PostgreSQL converts through the float's 15-significant-digit text form.
                    let text = format!("{:.*e}", 14, f);
                    Decimal::from_scientific(&text)
                        .or_else(|_| Decimal::from_f64(*f).ok_or(()))
                        .map_err(|_| PgError::new("22003", "numeric field overflow"))?
                        .normalize()
                }
                other => other.as_decimal().ok_or_else(|| cannot_cast(other, to))?,
            };
            apply_numeric_typmod(d, *precision, *scale).map(Value::Numeric)
        }
        SqlType::Float4 | SqlType::Float8 => match &value {
            Value::Float8(f) if matches!(to, SqlType::Float4) => {
                Ok(Value::Float8(*f as f32 as f64))
            }
            other => other
                .as_f64()
                .map(|f| {
                    if matches!(to, SqlType::Float4) {
                        f as f32 as f64
                    } else {
                        f
                    }
                })
                .map(Value::Float8)
                .ok_or_else(|| cannot_cast(other, to)),
        },
        SqlType::Bool => match value {
            Value::Bool(b) => Ok(Value::Bool(b)),
            Value::Int4(i) => Ok(Value::Bool(i != 0)),
            other => Err(cannot_cast(&other, to)),
        },
        SqlType::Date => match value {
            Value::Date(d) => Ok(Value::Date(d)),
            Value::Timestamp(t) => Ok(Value::Date(t.date())),
            other => Err(cannot_cast(&other, to)),
        },
        SqlType::Timestamp | SqlType::TimestampTz => match value {
            Value::Timestamp(t) => Ok(Value::Timestamp(t)),
            Value::Date(d) => Ok(Value::Timestamp(d.and_time(chrono::NaiveTime::MIN))),
            other => Err(cannot_cast(&other, to)),
        },
        SqlType::Interval => match value {
            Value::Interval(i) => Ok(Value::Interval(i)),
            other => Err(cannot_cast(&other, to)),
        },
        SqlType::Array(inner) => match value {
            Value::Array(items) => items
                .into_iter()
                .map(|v| cast_impl(v, inner, explicit))
                .collect::<PgResult<Vec<_>>>()
                .map(Value::Array),
            other => Err(cannot_cast(&other, to)),
        },
    }
}

/// `jsonb::integer` and friends: a jsonb number or boolean to the SQL type, as PostgreSQL 15
/// allows (`cannot cast jsonb string to type integer` otherwise).
fn jsonb_scalar_cast(j: &Jsonb, to: &SqlType) -> PgResult<Value> {
    let wrong = || {
        let kind = match j {
            Jsonb::Null => "null",
            Jsonb::Bool(_) => "boolean",
            Jsonb::Number(_) => "numeric",
            Jsonb::String(_) => "string",
            Jsonb::Array(_) => "array",
            Jsonb::Object(_) => "object",
        };
        PgError::new(
            "22023",
            format!("cannot cast jsonb {kind} to type {}", to.pg_name()),
        )
    };
    match (j, to) {
        (Jsonb::Bool(b), SqlType::Bool) => Ok(Value::Bool(*b)),
        (Jsonb::Number(n), t) if t.is_numeric() => {
            let numeric = parse_text_as(
                n,
                &SqlType::Numeric {
                    precision: None,
                    scale: None,
                },
            )?;
            cast_impl(numeric, to, true)
        }
        _ => Err(wrong()),
    }
}

/// Explicit casts truncate silently; assignment errors unless only blanks are cut.
fn limit_length(s: String, n: Option<u32>, ty: &SqlType, explicit: bool) -> PgResult<String> {
    let Some(n) = n else { return Ok(s) };
    let n = n as usize;
    if s.chars().count() <= n {
        return Ok(s);
    }
    let cut: String = s.chars().take(n).collect();
    let rest: String = s.chars().skip(n).collect();
    if explicit || rest.chars().all(|c| c == ' ') {
        Ok(cut)
    } else {
        Err(PgError::new(
            "22001",
            format!("value too long for type {}", ty.display_name()),
        ))
    }
}

fn pad_char(s: String, n: u32) -> String {
    let len = s.chars().count();
    if len >= n as usize {
        s
    } else {
        let mut s = s;
        s.extend(std::iter::repeat_n(' ', n as usize - len));
        s
    }
}

/// Rounds to the scale and checks the precision, as `numeric(p,s)` does.
pub fn apply_numeric_typmod(d: Decimal, p: Option<u32>, s: Option<u32>) -> PgResult<Decimal> {
    let Some(p) = p else { return Ok(d) };
    let s = s.unwrap_or(0);
    let mut r = d.round_dp_with_strategy(s, RoundingStrategy::MidpointAwayFromZero);
    r.rescale(s);
    let int_digits = p.saturating_sub(s);
    let limit = Decimal::from_i128_with_scale(10i128.pow(int_digits.min(28)), 0);
    if int_digits < 28 && r.abs() >= limit {
        return Err(
            PgError::new("22003", "numeric field overflow").with_detail(format!(
            "A field with precision {p}, scale {s} must round to an absolute value less than {}.",
            if int_digits == 0 {
                "1".to_string()
            } else {
                format!("10^{int_digits}")
            }
        )),
        );
    }
    Ok(r)
}

/// Coerces a value for storage in a column of type `ty` (PostgreSQL's assignment cast).
pub fn coerce_for_column(value: Value, ty: &SqlType) -> PgResult<Value> {
    if value.is_null() {
        return Ok(Value::Null);
    }
    match (&value, ty) {
        // Already of the column's type (rows a coordinator built and routed): nothing to check.
        (Value::Text(_), SqlType::Text | SqlType::Regclass)
        | (Value::Bool(_), SqlType::Bool)
        | (Value::Int2(_), SqlType::Int2)
        | (Value::Int4(_), SqlType::Int4)
        | (Value::Int8(_), SqlType::Int8)
        | (Value::Float8(_), SqlType::Float8)
        | (Value::Date(_), SqlType::Date)
        | (Value::Timestamp(_), SqlType::Timestamp)
        | (Value::Interval(_), SqlType::Interval)
        | (Value::Json(_), SqlType::Json)
        | (Value::Jsonb(_), SqlType::Jsonb) => Ok(value),
        // Numbers, dates and booleans are not assignable to text columns' siblings implicitly in
        // PostgreSQL, but their text form is what an INSERT of a literal would store.
        _ => cast_impl(value, ty, false),
    }
}

fn char_len(l: &Option<CharacterLength>) -> Option<u32> {
    match l {
        Some(CharacterLength::IntegerLength { length, .. }) => Some(*length as u32),
        _ => None,
    }
}

fn numeric_info(info: &ExactNumberInfo) -> SqlType {
    match info {
        ExactNumberInfo::None => SqlType::Numeric {
            precision: None,
            scale: None,
        },
        ExactNumberInfo::Precision(p) => SqlType::Numeric {
            precision: Some(*p as u32),
            scale: Some(0),
        },
        ExactNumberInfo::PrecisionAndScale(p, s) => SqlType::Numeric {
            precision: Some(*p as u32),
            scale: Some(*s as u32),
        },
    }
}

/// Maps a parsed SQL type name to a `SqlType` (`serial` maps to `integer`; the caller creates the
/// sequence).
pub fn sqltype_from_ast(dt: &DataType) -> PgResult<SqlType> {
    Ok(match dt {
        DataType::Int(_) | DataType::Integer(_) | DataType::Int4(_) => SqlType::Int4,
        DataType::SmallInt(_) | DataType::Int2(_) => SqlType::Int2,
        DataType::BigInt(_) | DataType::Int8(_) => SqlType::Int8,
        DataType::Numeric(i) | DataType::Decimal(i) | DataType::Dec(i) => numeric_info(i),
        DataType::Real | DataType::Float4 => SqlType::Float4,
        DataType::Double | DataType::DoublePrecision | DataType::Float8 => SqlType::Float8,
        DataType::Float(p) => match p {
            Some(p) if *p <= 24 => SqlType::Float4,
            _ => SqlType::Float8,
        },
        DataType::Text | DataType::String(None) => SqlType::Text,
        DataType::Varchar(l) | DataType::CharacterVarying(l) | DataType::CharVarying(l) => {
            SqlType::Varchar(char_len(l))
        }
        DataType::Char(l) | DataType::Character(l) => SqlType::Char(char_len(l).unwrap_or(1)),
        DataType::Bool | DataType::Boolean => SqlType::Bool,
        DataType::Date => SqlType::Date,
        DataType::Timestamp(_, TimezoneInfo::WithTimeZone | TimezoneInfo::Tz) => {
            SqlType::TimestampTz
        }
        DataType::Timestamp(_, _) => SqlType::Timestamp,
        DataType::Interval => SqlType::Interval,
        DataType::Regclass => SqlType::Regclass,
        DataType::JSON => SqlType::Json,
        DataType::JSONB => SqlType::Jsonb,
        DataType::Array(ArrayElemTypeDef::SquareBracket(inner, _))
        | DataType::Array(ArrayElemTypeDef::AngleBracket(inner))
        | DataType::Array(ArrayElemTypeDef::Parenthesis(inner)) => {
            SqlType::Array(Box::new(sqltype_from_ast(inner)?))
        }
        DataType::Custom(name, mods) => {
            let n = name.to_string().to_lowercase();
            let n = n.trim_start_matches("pg_catalog.");
            match n {
                "serial" | "serial4" => SqlType::Int4,
                "bigserial" | "serial8" => SqlType::Int8,
                "smallserial" | "serial2" => SqlType::Int2,
                "int" | "int4" | "integer" => SqlType::Int4,
                "int2" | "smallint" => SqlType::Int2,
                "int8" | "bigint" => SqlType::Int8,
                "float4" => SqlType::Float4,
                "float8" => SqlType::Float8,
                "bool" => SqlType::Bool,
                "timestamptz" => SqlType::TimestampTz,
                "oid" => SqlType::Int8,
                "bpchar" => SqlType::Char(mods.first().and_then(|m| m.parse().ok()).unwrap_or(1)),
                "name" => SqlType::Text,
                "json" => SqlType::Json,
                "jsonb" => SqlType::Jsonb,
                _ => return Err(undefined_type(n)),
            }
        }
        other => return Err(undefined_type(&other.to_string().to_lowercase())),
    })
}

fn undefined_type(name: &str) -> PgError {
    PgError::new("42704", format!("type \"{name}\" does not exist"))
}

#[cfg(test)]
mod tests;
