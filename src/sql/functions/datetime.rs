//! Date/time functions: EXTRACT, date_part, date_trunc.

use crate::error::{PgError, PgResult};
use crate::sql::eval::EvalCtx;
use crate::types::{Interval, Value};
use chrono::{Datelike, NaiveDate, NaiveDateTime, NaiveTime, Timelike};
use rust_decimal::Decimal;

fn as_timestamp(v: &Value) -> Option<NaiveDateTime> {
    match v {
        Value::Timestamp(t) => Some(*t),
        Value::Date(d) => Some(d.and_time(NaiveTime::MIN)),
        Value::Text(s) => {
            match crate::sql::cast::parse_text_as(s, &crate::types::SqlType::Timestamp) {
                Ok(Value::Timestamp(t)) => Some(t),
                _ => None,
            }
        }
        _ => None,
    }
}

fn unit_error(field: &str, ty: &str) -> PgError {
    PgError::new(
        "0A000",
        format!("unit \"{field}\" not supported for type {ty}"),
    )
}

/// The field as numeric with the scale PostgreSQL 15's EXTRACT gives it.
fn field_of_timestamp(field: &str, t: &NaiveDateTime, is_date: bool) -> PgResult<Decimal> {
    let micros = t.and_utc().timestamp_subsec_micros() as i64;
    let whole = |n: i64| Ok(Decimal::from(n));
    match field {
        "year" | "years" => whole(t.year() as i64),
        "month" | "months" | "mon" => whole(t.month() as i64),
        "day" | "days" => whole(t.day() as i64),
        "hour" | "hours" if !is_date => whole(t.hour() as i64),
        "minute" | "minutes" if !is_date => whole(t.minute() as i64),
        "second" | "seconds" if !is_date => {
            Ok(Decimal::new(t.second() as i64 * 1_000_000 + micros, 6))
        }
        "millisecond" | "milliseconds" if !is_date => {
            Ok(Decimal::new(t.second() as i64 * 1_000_000 + micros, 3))
        }
        "microsecond" | "microseconds" if !is_date => whole(t.second() as i64 * 1_000_000 + micros),
        "dow" => whole(t.weekday().num_days_from_sunday() as i64),
        "isodow" => whole(t.weekday().number_from_monday() as i64),
        "doy" => whole(t.ordinal() as i64),
        "week" => whole(t.iso_week().week() as i64),
        "quarter" => whole((t.month() as i64 - 1) / 3 + 1),
        "decade" => whole(t.year().div_euclid(10) as i64),
        "century" => whole(if t.year() > 0 {
            (t.year() as i64 + 99) / 100
        } else {
            -((99 - t.year() as i64) / 100)
        }),
        "millennium" => whole(if t.year() > 0 {
            (t.year() as i64 + 999) / 1000
        } else {
            -((999 - t.year() as i64) / 1000)
        }),
        "isoyear" => whole(t.iso_week().year() as i64),
        "epoch" => {
            let secs = t.and_utc().timestamp();
            if is_date {
                whole(secs)
            } else {
                Ok(Decimal::new(secs * 1_000_000 + micros, 6))
            }
        }
        _ => Err(unit_error(
            field,
            if is_date {
                "date"
            } else {
                "timestamp without time zone"
            },
        )),
    }
}

fn field_of_interval(field: &str, i: &Interval) -> PgResult<Decimal> {
    let whole = |n: i64| Ok(Decimal::from(n));
    let time = i.micros;
    match field {
        "year" | "years" => whole(i.months as i64 / 12),
        "month" | "months" | "mon" => whole(i.months as i64 % 12),
        "day" | "days" => whole(i.days as i64),
        "hour" | "hours" => whole(time / 3_600_000_000),
        "minute" | "minutes" => whole((time / 60_000_000) % 60),
        "second" | "seconds" => Ok(Decimal::new(time % 60_000_000, 6)),
        "epoch" => {
            let days = i.months as i64 / 12 * 365 * 86_400 * 4 / 4
                + (i.months as i64 % 12) * 30 * 86_400
                + i.days as i64 * 86_400;
            // PostgreSQL counts a year as 365.25 days here.
            let years_extra = (i.months as i64 / 12) * 21_600;
            Ok(Decimal::new((days + years_extra) * 1_000_000 + time, 6))
        }
        _ => Err(unit_error(field, "interval")),
    }
}

/// `EXTRACT(field FROM v)`: numeric in PostgreSQL 14 and later.
pub fn extract(field: &str, v: &Value) -> PgResult<Value> {
    let field = field.to_lowercase();
    match v {
        Value::Null => Ok(Value::Null),
        Value::Timestamp(t) => field_of_timestamp(&field, t, false).map(Value::Numeric),
        Value::Date(d) => {
            field_of_timestamp(&field, &d.and_time(NaiveTime::MIN), true).map(Value::Numeric)
        }
        Value::Interval(i) => field_of_interval(&field, i).map(Value::Numeric),
        other => match as_timestamp(other) {
            Some(t) => field_of_timestamp(&field, &t, false).map(Value::Numeric),
            None => Err(PgError::undefined_function(&format!(
                "extract(unknown, {})",
                other.natural_type().pg_name()
            ))),
        },
    }
}

fn trunc(unit: &str, t: &NaiveDateTime) -> PgResult<NaiveDateTime> {
    let date = t.date();
    let mk = |d: Option<NaiveDate>| d.map(|d| d.and_time(NaiveTime::MIN));
    let r = match unit {
        "microseconds" | "microsecond" => Some(*t),
        "milliseconds" | "millisecond" => t.with_nanosecond(t.nanosecond() / 1_000_000 * 1_000_000),
        "second" | "seconds" => t.with_nanosecond(0),
        "minute" | "minutes" => t.with_nanosecond(0).and_then(|x| x.with_second(0)),
        "hour" | "hours" => t
            .with_nanosecond(0)
            .and_then(|x| x.with_second(0))
            .and_then(|x| x.with_minute(0)),
        "day" | "days" => mk(Some(date)),
        "week" | "weeks" => mk(date.checked_sub_days(chrono::Days::new(
            date.weekday().num_days_from_monday() as u64,
        ))),
        "month" | "months" => mk(date.with_day(1)),
        "quarter" => mk(NaiveDate::from_ymd_opt(
            date.year(),
            (date.month() - 1) / 3 * 3 + 1,
            1,
        )),
        "year" | "years" => mk(NaiveDate::from_ymd_opt(date.year(), 1, 1)),
        "decade" => mk(NaiveDate::from_ymd_opt(
            date.year().div_euclid(10) * 10,
            1,
            1,
        )),
        "century" => mk(NaiveDate::from_ymd_opt(
            (date.year() - 1).div_euclid(100) * 100 + 1,
            1,
            1,
        )),
        "millennium" => mk(NaiveDate::from_ymd_opt(
            (date.year() - 1).div_euclid(1000) * 1000 + 1,
            1,
            1,
        )),
        _ => {
            return Err(PgError::new(
                "22023",
                format!("unit \"{unit}\" not recognized for type timestamp without time zone"),
            ))
        }
    };
    r.ok_or_else(|| PgError::new("22008", "timestamp out of range"))
}

pub fn call(name: &str, args: &[Value], ctx: &EvalCtx) -> Option<PgResult<Value>> {
    let _ = ctx;
    if !matches!(name, "date_part" | "date_trunc" | "extract") {
        return None;
    }
    if args.iter().any(Value::is_null) {
        return Some(Ok(Value::Null));
    }
    Some(match (name, args) {
        ("date_part", [Value::Text(f), v]) | ("extract", [Value::Text(f), v]) => {
            extract(f, v).map(|r| match (name, r) {
                // date_part keeps the older double precision result.
                ("date_part", Value::Numeric(d)) => {
                    Value::Float8(rust_decimal::prelude::ToPrimitive::to_f64(&d).unwrap_or(0.0))
                }
                (_, r) => r,
            })
        }
        ("date_trunc", [Value::Text(unit), v]) => match as_timestamp(v) {
            Some(t) => trunc(&unit.to_lowercase(), &t).map(Value::Timestamp),
            None => return None,
        },
        _ => return None,
    })
}
