//! Operators: arithmetic with PostgreSQL's type promotion and overflow errors, comparisons,
//! three-valued AND/OR, LIKE, and date/time arithmetic.

use crate::error::{PgError, PgResult};
use crate::sql::cast::out_of_range;
use crate::types::{Interval, SqlType, Value};
use chrono::{Duration, Months, NaiveDateTime, NaiveTime};
use rust_decimal::{Decimal, RoundingStrategy};
use sqlparser::ast::BinaryOperator;
use std::cmp::Ordering;

pub fn and(l: Value, r: Value) -> Value {
    match (l, r) {
        (Value::Bool(false), _) | (_, Value::Bool(false)) => Value::Bool(false),
        (Value::Bool(true), Value::Bool(true)) => Value::Bool(true),
        _ => Value::Null,
    }
}

pub fn or(l: Value, r: Value) -> Value {
    match (l, r) {
        (Value::Bool(true), _) | (_, Value::Bool(true)) => Value::Bool(true),
        (Value::Bool(false), Value::Bool(false)) => Value::Bool(false),
        _ => Value::Null,
    }
}

pub fn not(v: Value) -> Value {
    match v {
        Value::Bool(b) => Value::Bool(!b),
        other => other,
    }
}

fn division_by_zero() -> PgError {
    PgError::new("22012", "division by zero")
}

pub fn negate(v: Value) -> PgResult<Value> {
    Ok(match v {
        Value::Null => Value::Null,
        Value::Int2(i) => Value::Int2(
            i.checked_neg()
                .ok_or_else(|| out_of_range(&SqlType::Int2))?,
        ),
        Value::Int4(i) => Value::Int4(
            i.checked_neg()
                .ok_or_else(|| out_of_range(&SqlType::Int4))?,
        ),
        Value::Int8(i) => Value::Int8(
            i.checked_neg()
                .ok_or_else(|| out_of_range(&SqlType::Int8))?,
        ),
        Value::Numeric(d) => Value::Numeric(-d),
        Value::Float8(f) => Value::Float8(-f),
        Value::Interval(i) => Value::Interval(Interval {
            months: -i.months,
            days: -i.days,
            micros: -i.micros,
        }),
        other => return Err(no_operator("-", None, &other.natural_type())),
    })
}

fn no_operator(op: &str, l: Option<&SqlType>, r: &SqlType) -> PgError {
    let sig = match l {
        Some(l) => format!("{} {op} {}", l.pg_name(), r.pg_name()),
        None => format!("{op} {}", r.pg_name()),
    };
    PgError::new("42883", format!("operator does not exist: {sig}")).with_hint(
        "No operator matches the given name and argument types. You might need to add explicit type casts.",
    )
}

/// Compares two non-NULL values of compatible types.
pub fn compare(l: &Value, r: &Value) -> PgResult<Ordering> {
    let compatible = matches!(
        (l, r),
        (Value::Bool(_), Value::Bool(_))
            | (Value::Text(_), Value::Text(_))
            | (Value::Interval(_), Value::Interval(_))
            | (Value::Array(_), Value::Array(_))
            | (Value::Record(_), Value::Record(_))
            | (Value::Jsonb(_), Value::Jsonb(_))
            | (
                Value::Date(_) | Value::Timestamp(_),
                Value::Date(_) | Value::Timestamp(_)
            )
    ) || (l.as_f64().is_some() && r.as_f64().is_some());
    if !compatible {
        return Err(no_operator("=", Some(&l.natural_type()), &r.natural_type()));
    }
    Ok(match (l, r) {
        (Value::Float8(_), _) | (_, Value::Float8(_)) => {
            let (a, b) = (l.as_f64().unwrap_or(0.0), r.as_f64().unwrap_or(0.0));
            // PostgreSQL orders NaN above every other float.
            match (a.is_nan(), b.is_nan()) {
                (true, true) => Ordering::Equal,
                (true, false) => Ordering::Greater,
                (false, true) => Ordering::Less,
                _ => a.partial_cmp(&b).unwrap_or(Ordering::Equal),
            }
        }
        _ => l.pg_cmp(r),
    })
}

/// A comparison operator with NULL propagation.
pub fn compare_op(l: &Value, op: &BinaryOperator, r: &Value) -> PgResult<Value> {
    if let (Value::Record(a), Value::Record(b)) = (l, r) {
        return compare_rows(a, op, b);
    }
    if l.is_null() || r.is_null() {
        return Ok(Value::Null);
    }
    let c = compare(l, r)
        .map_err(|_| no_operator(&op.to_string(), Some(&l.natural_type()), &r.natural_type()))?;
    Ok(Value::Bool(match op {
        BinaryOperator::Eq => c == Ordering::Equal,
        BinaryOperator::NotEq => c != Ordering::Equal,
        BinaryOperator::Lt => c == Ordering::Less,
        BinaryOperator::LtEq => c != Ordering::Greater,
        BinaryOperator::Gt => c == Ordering::Greater,
        BinaryOperator::GtEq => c != Ordering::Less,
        other => {
            return Err(PgError::unsupported(format!(
                "operator {other} is not supported"
            )))
        }
    }))
}

/// Row comparison, field by field as PostgreSQL does it: `=` is false once a pair differs and
/// NULL if a pair is unknown; an ordering is decided by the first pair that differs, and is
/// NULL when a NULL comes first.
fn compare_rows(a: &[Value], op: &BinaryOperator, b: &[Value]) -> PgResult<Value> {
    if a.len() != b.len() {
        return Err(PgError::new(
            "42601",
            "unequal number of entries in row expressions",
        ));
    }
    let equality = matches!(op, BinaryOperator::Eq | BinaryOperator::NotEq);
    let mut saw_null = false;
    for (x, y) in a.iter().zip(b) {
        if x.is_null() || y.is_null() {
            if !equality {
                return Ok(Value::Null);
            }
            saw_null = true;
            continue;
        }
        let c = compare(x, y).map_err(|_| {
            no_operator(&op.to_string(), Some(&x.natural_type()), &y.natural_type())
        })?;
        if c != Ordering::Equal {
            return Ok(Value::Bool(match op {
                BinaryOperator::Eq => false,
                BinaryOperator::NotEq => true,
                BinaryOperator::Lt | BinaryOperator::LtEq => c == Ordering::Less,
                _ => c == Ordering::Greater,
            }));
        }
    }
    Ok(match op {
        _ if saw_null => Value::Null,
        BinaryOperator::Eq | BinaryOperator::LtEq | BinaryOperator::GtEq => Value::Bool(true),
        _ => Value::Bool(false),
    })
}

/// `= <> < <= > >=`.
pub fn is_comparison(op: &BinaryOperator) -> bool {
    matches!(
        op,
        BinaryOperator::Eq
            | BinaryOperator::NotEq
            | BinaryOperator::Lt
            | BinaryOperator::LtEq
            | BinaryOperator::Gt
            | BinaryOperator::GtEq
    )
}

/// `+ - * / %`.
pub fn is_arithmetic(op: &BinaryOperator) -> bool {
    matches!(
        op,
        BinaryOperator::Plus
            | BinaryOperator::Minus
            | BinaryOperator::Multiply
            | BinaryOperator::Divide
            | BinaryOperator::Modulo
    )
}

/// Any binary operator except AND/OR/||.
pub fn binary(l: &Value, op: &BinaryOperator, r: &Value) -> PgResult<Value> {
    match op {
        BinaryOperator::Eq
        | BinaryOperator::NotEq
        | BinaryOperator::Lt
        | BinaryOperator::LtEq
        | BinaryOperator::Gt
        | BinaryOperator::GtEq => compare_op(l, op, r),
        BinaryOperator::Plus
        | BinaryOperator::Minus
        | BinaryOperator::Multiply
        | BinaryOperator::Divide
        | BinaryOperator::Modulo => arith(l, op, r),
        BinaryOperator::PGRegexMatch
        | BinaryOperator::PGRegexIMatch
        | BinaryOperator::PGRegexNotMatch
        | BinaryOperator::PGRegexNotIMatch => Err(PgError::unsupported(
            "regular expression operators are not supported",
        )),
        other => Err(PgError::unsupported(format!(
            "operator {other} is not supported"
        ))),
    }
}

fn int_rank(v: &Value) -> Option<u8> {
    match v {
        Value::Int2(_) => Some(2),
        Value::Int4(_) => Some(4),
        Value::Int8(_) => Some(8),
        _ => None,
    }
}

fn op_symbol(op: &BinaryOperator) -> &'static str {
    match op {
        BinaryOperator::Plus => "+",
        BinaryOperator::Minus => "-",
        BinaryOperator::Multiply => "*",
        BinaryOperator::Divide => "/",
        _ => "%",
    }
}

/// `+ - * / %` over numbers, dates, timestamps and intervals.
pub fn arith(l: &Value, op: &BinaryOperator, r: &Value) -> PgResult<Value> {
    if l.is_null() || r.is_null() {
        return Ok(Value::Null);
    }
    if let (Some(a), Some(b)) = (int_rank(l), int_rank(r)) {
        let ty = match a.max(b) {
            2 => SqlType::Int2,
            4 => SqlType::Int4,
            _ => SqlType::Int8,
        };
        let (x, y) = (l.as_i64().unwrap_or(0), r.as_i64().unwrap_or(0));
        let res = match op {
            BinaryOperator::Plus => x.checked_add(y),
            BinaryOperator::Minus => x.checked_sub(y),
            BinaryOperator::Multiply => x.checked_mul(y),
            BinaryOperator::Divide => {
                if y == 0 {
                    return Err(division_by_zero());
                }
                x.checked_div(y)
            }
            _ => {
                if y == 0 {
                    return Err(division_by_zero());
                }
                Some(x.checked_rem(y).unwrap_or(0))
            }
        };
        let res = res.ok_or_else(|| out_of_range(&ty))?;
        return match ty {
            SqlType::Int2 => i16::try_from(res)
                .map(Value::Int2)
                .map_err(|_| out_of_range(&ty)),
            SqlType::Int4 => i32::try_from(res)
                .map(Value::Int4)
                .map_err(|_| out_of_range(&ty)),
            _ => Ok(Value::Int8(res)),
        };
    }
    if matches!(l, Value::Float8(_)) || matches!(r, Value::Float8(_)) {
        if let (Some(x), Some(y)) = (l.as_f64(), r.as_f64()) {
            let res = match op {
                BinaryOperator::Plus => x + y,
                BinaryOperator::Minus => x - y,
                BinaryOperator::Multiply => x * y,
                BinaryOperator::Divide => {
                    if y == 0.0 {
                        return Err(division_by_zero());
                    }
                    x / y
                }
                _ => return Err(no_operator("%", Some(&SqlType::Float8), &SqlType::Float8)),
            };
            return Ok(Value::Float8(res));
        }
    }
    if let (Some(x), Some(y)) = (l.as_decimal(), r.as_decimal()) {
        let overflow = || PgError::new("22003", "value overflows numeric format");
        let res = match op {
            BinaryOperator::Plus => x.checked_add(y).ok_or_else(overflow)?,
            BinaryOperator::Minus => x.checked_sub(y).ok_or_else(overflow)?,
            BinaryOperator::Multiply => x.checked_mul(y).ok_or_else(overflow)?,
            BinaryOperator::Divide => numeric_div(x, y)?,
            _ => {
                if y.is_zero() {
                    return Err(division_by_zero());
                }
                x.checked_rem(y).ok_or_else(overflow)?
            }
        };
        return Ok(Value::Numeric(res));
    }
    datetime_arith(l, op, r)
}

/// Splits a decimal's magnitude into PostgreSQL's base-10000 weight and first digit group.
fn nbase_weight(d: Decimal) -> (i64, i64) {
    let d = d.abs().normalize();
    if d.is_zero() {
        return (0, 0);
    }
    let s = d.to_string();
    let (int_part, frac_part) = s.split_once('.').unwrap_or((&s, ""));
    let int_part = int_part.trim_start_matches('0');
    if !int_part.is_empty() {
        let n = int_part.len() as i64;
        let weight = (n - 1) / 4;
        let lead = (n - 1) % 4 + 1;
        let first = int_part[..lead as usize].parse().unwrap_or(0);
        return (weight, first);
    }
    let zeros = frac_part.len() - frac_part.trim_start_matches('0').len();
    let group = zeros / 4;
    let mut digits: String = frac_part.chars().skip(group * 4).take(4).collect();
    while digits.len() < 4 {
        digits.push('0');
    }
    (-(group as i64) - 1, digits.parse().unwrap_or(0))
}

/// Numeric division with PostgreSQL's result scale (`select_div_scale`): at least 16
/// significant digits, never fewer decimals than either input.
pub fn numeric_div(x: Decimal, y: Decimal) -> PgResult<Decimal> {
    if y.is_zero() {
        return Err(division_by_zero());
    }
    let (w1, f1) = nbase_weight(x);
    let (w2, f2) = nbase_weight(y);
    let mut qweight = w1 - w2;
    if f1 < f2 {
        qweight -= 1;
    }
    let rscale = (16 - qweight * 4)
        .max(x.scale() as i64)
        .max(y.scale() as i64)
        .clamp(0, 28) as u32;
    let q = x
        .checked_div(y)
        .ok_or_else(|| PgError::new("22003", "value overflows numeric format"))?;
    let mut q = q.round_dp_with_strategy(rscale, RoundingStrategy::MidpointAwayFromZero);
    q.rescale(rscale);
    Ok(q)
}

pub fn add_interval(ts: NaiveDateTime, iv: &Interval, sign: i64) -> PgResult<NaiveDateTime> {
    let overflow = || PgError::new("22008", "timestamp out of range");
    let months = iv.months as i64 * sign;
    let ts = if months >= 0 {
        ts.checked_add_months(Months::new(months as u32))
    } else {
        ts.checked_sub_months(Months::new((-months) as u32))
    }
    .ok_or_else(overflow)?;
    let ts = ts
        .checked_add_signed(Duration::days(iv.days as i64 * sign))
        .ok_or_else(overflow)?;
    ts.checked_add_signed(Duration::microseconds(iv.micros.saturating_mul(sign)))
        .ok_or_else(overflow)
}

/// Splits whole days out of the hours, as `timestamp - timestamp` does.
fn justify_hours(micros: i64) -> Interval {
    const DAY: i64 = 86_400_000_000;
    Interval {
        months: 0,
        days: (micros / DAY) as i32,
        micros: micros % DAY,
    }
}

fn scale_interval(iv: &Interval, f: f64) -> Interval {
    let months = iv.months as f64 * f;
    let whole_months = months.trunc();
    let days = iv.days as f64 * f + (months - whole_months) * 30.0;
    let whole_days = days.trunc();
    let micros = iv.micros as f64 * f + (days - whole_days) * 86_400_000_000.0;
    Interval {
        months: whole_months as i32,
        days: whole_days as i32,
        micros: micros.round() as i64,
    }
}

fn datetime_arith(l: &Value, op: &BinaryOperator, r: &Value) -> PgResult<Value> {
    use BinaryOperator::*;
    let midnight = |d: &chrono::NaiveDate| d.and_time(NaiveTime::MIN);
    Ok(match (l, op, r) {
        (Value::Timestamp(t), Plus, Value::Interval(i))
        | (Value::Interval(i), Plus, Value::Timestamp(t)) => {
            Value::Timestamp(add_interval(*t, i, 1)?)
        }
        (Value::Timestamp(t), Minus, Value::Interval(i)) => {
            Value::Timestamp(add_interval(*t, i, -1)?)
        }
        (Value::Date(d), Plus, Value::Interval(i)) | (Value::Interval(i), Plus, Value::Date(d)) => {
            Value::Timestamp(add_interval(midnight(d), i, 1)?)
        }
        (Value::Date(d), Minus, Value::Interval(i)) => {
            Value::Timestamp(add_interval(midnight(d), i, -1)?)
        }
        (Value::Timestamp(a), Minus, Value::Timestamp(b)) => {
            let us = (*a - *b).num_microseconds().unwrap_or(i64::MAX);
            Value::Interval(justify_hours(us))
        }
        (Value::Date(a), Minus, Value::Date(b)) => Value::Int4((*a - *b).num_days() as i32),
        (Value::Date(d), Plus | Minus, n) | (n, Plus, Value::Date(d)) if n.as_i64().is_some() => {
            let days = n.as_i64().unwrap_or(0) * if matches!(op, Minus) { -1 } else { 1 };
            Value::Date(
                d.checked_add_signed(Duration::days(days))
                    .ok_or_else(|| PgError::new("22008", "date out of range"))?,
            )
        }
        (Value::Interval(a), Plus | Minus, Value::Interval(b)) => {
            let s = if matches!(op, Minus) { -1 } else { 1 };
            Value::Interval(Interval {
                months: a.months + s * b.months,
                days: a.days + s * b.days,
                micros: a.micros + s as i64 * b.micros,
            })
        }
        (Value::Interval(i), Multiply, n) | (n, Multiply, Value::Interval(i))
            if n.as_f64().is_some() =>
        {
            Value::Interval(scale_interval(i, n.as_f64().unwrap_or(1.0)))
        }
        (Value::Interval(i), Divide, n) if n.as_f64().is_some() => {
            let f = n.as_f64().unwrap_or(1.0);
            if f == 0.0 {
                return Err(division_by_zero());
            }
            Value::Interval(scale_interval(i, 1.0 / f))
        }
        _ => {
            return Err(no_operator(
                op_symbol(op),
                Some(&l.natural_type()),
                &r.natural_type(),
            ))
        }
    })
}

/// SQL LIKE: `%` any run, `_` one character, `esc` quotes the next character.
pub fn like(text: &str, pattern: &str, esc: Option<char>) -> bool {
    let t: Vec<char> = text.chars().collect();
    let mut p: Vec<(char, bool)> = Vec::new();
    let mut it = pattern.chars();
    while let Some(c) = it.next() {
        if Some(c) == esc {
            if let Some(n) = it.next() {
                p.push((n, true));
            }
        } else {
            p.push((c, false));
        }
    }
    // Iterative matching with backtracking to the last `%`.
    let (mut ti, mut pi) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        match p.get(pi) {
            Some(('%', false)) => {
                star = Some((pi, ti));
                pi += 1;
            }
            Some(('_', false)) => {
                ti += 1;
                pi += 1;
            }
            Some((c, _)) if *c == t[ti] => {
                ti += 1;
                pi += 1;
            }
            _ => match star {
                Some((sp, st)) => {
                    pi = sp + 1;
                    ti = st + 1;
                    star = Some((sp, st + 1));
                }
                None => return false,
            },
        }
    }
    p[pi.min(p.len())..].iter().all(|x| *x == ('%', false))
}

/// ARRAY[1, 2.5] promotes elements to a common type.
pub fn unify_array(items: Vec<Value>) -> Vec<Value> {
    let has = |f: fn(&Value) -> bool| items.iter().any(f);
    if has(|v| matches!(v, Value::Float8(_))) {
        items
            .into_iter()
            .map(|v| v.as_f64().map(Value::Float8).unwrap_or(v))
            .collect()
    } else if has(|v| matches!(v, Value::Numeric(_))) {
        items
            .into_iter()
            .map(|v| v.as_decimal().map(Value::Numeric).unwrap_or(v))
            .collect()
    } else if has(|v| matches!(v, Value::Int8(_))) {
        items
            .into_iter()
            .map(|v| v.as_i64().map(Value::Int8).unwrap_or(v))
            .collect()
    } else {
        items
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_patterns() {
        assert!(like("hello", "h%o", Some('\\')));
        assert!(like("hello", "_ello", Some('\\')));
        assert!(!like("hello", "h%x", Some('\\')));
        assert!(like("50%", "50\\%", Some('\\')));
        assert!(like("", "%", Some('\\')));
    }

    #[test]
    fn division_scale_like_postgres() {
        let q = numeric_div(Decimal::from(275), Decimal::from(10)).unwrap();
        assert_eq!(q.to_string(), "27.5000000000000000");
        let q = numeric_div(Decimal::from(1), Decimal::from(3)).unwrap();
        assert_eq!(q.to_string(), "0.33333333333333333333");
        let q = numeric_div(Decimal::from(10), Decimal::from(4)).unwrap();
        assert_eq!(q.to_string(), "2.5000000000000000");
    }
}
