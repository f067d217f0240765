//! Time partitioning as Citus offers it on any node: the `time_partitions` view, the
//! `pg_inherits` catalog, and the ranges `create_time_partitions` would add
//! (`get_missing_time_partition_ranges`): partitions of one interval each, aligned on the
//! first existing partition, or on the start truncated to the interval's unit, and named
//! `<table>_p<start>` in pg_partman's style.

use super::{partitions, Bound, RangeDatum, Strategy};
use crate::error::{PgError, PgResult};
use crate::sql::cast::cast;
use crate::sql::eval::add_interval;
use crate::sql::{Column, Database, ResultSet};
use crate::types::{Interval, SqlType, Value};
use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime, Timelike};

/// `pg_inherits`: each partition and its parent.
pub fn pg_inherits(db: &Database) -> ResultSet {
    let mut rows = Vec::new();
    for t in db.storage.tables.values() {
        if let Some(of) = &t.partition_of {
            rows.push(vec![
                Value::Text(crate::sql::cast::regclass::regclass_text(&t.name)),
                Value::Text(crate::sql::cast::regclass::regclass_text(&of.parent)),
                Value::Int4(1),
                Value::Bool(false),
            ]);
        }
    }
    ResultSet {
        columns: vec![
            Column::new("inhrelid", SqlType::Regclass),
            Column::new("inhparent", SqlType::Regclass),
            Column::new("inhseqno", SqlType::Int4),
            Column::new("inhdetachpending", SqlType::Bool),
        ],
        rows,
    }
}

fn bound_text(d: &RangeDatum, ty: &SqlType) -> String {
    match d {
        RangeDatum::Value(v) => super::bound::value_text(v, ty),
        RangeDatum::MinValue => "MINVALUE".into(),
        RangeDatum::MaxValue => "MAXVALUE".into(),
    }
}

/// The range partitions of every table partitioned by one column: (parent, column, partition,
/// from, to); a DEFAULT partition has empty bounds.
fn range_partitions(db: &Database) -> Vec<(String, String, String, String, String)> {
    let mut out = Vec::new();
    for parent in db.storage.tables.values() {
        let Some(key) = &parent.partition_key else {
            continue;
        };
        let ([column], Strategy::Range) = (key.columns.as_slice(), key.strategy) else {
            continue;
        };
        let ty = parent
            .column(column)
            .map_or(SqlType::Unknown, |c| c.ty.clone());
        for p in partitions(db, &parent.name) {
            let (from, to) = match p.partition_of.as_ref().map(|o| &o.bound) {
                Some(Bound::Range { from, to }) => match (from.first(), to.first()) {
                    (Some(f), Some(t)) => (bound_text(f, &ty), bound_text(t, &ty)),
                    _ => continue,
                },
                Some(Bound::Default) => (String::new(), String::new()),
                _ => continue,
            };
            out.push((
                parent.name.clone(),
                column.clone(),
                p.name.clone(),
                from,
                to,
            ));
        }
    }
    out
}

/// Citus's `time_partitions` view.
pub fn time_partitions(db: &Database) -> ResultSet {
    let reg = |n: &str| Value::Text(crate::sql::cast::regclass::regclass_text(n));
    ResultSet {
        columns: vec![
            Column::new("parent_table", SqlType::Regclass),
            Column::new("partition_column", SqlType::Text),
            Column::new("partition", SqlType::Regclass),
            Column::new("from_value", SqlType::Text),
            Column::new("to_value", SqlType::Text),
            Column::new("access_method", SqlType::Text),
        ],
        rows: range_partitions(db)
            .into_iter()
            .map(|(parent, column, part, from, to)| {
                vec![
                    reg(&parent),
                    Value::Text(column),
                    reg(&part),
                    Value::Text(from),
                    Value::Text(to),
                    Value::Text("heap".into()),
                ]
            })
            .collect(),
    }
}

/// An interval's length as PostgreSQL compares intervals (a month is 30 days).
fn span(iv: &Interval) -> i128 {
    const DAY: i128 = 86_400_000_000;
    iv.months as i128 * 30 * DAY + iv.days as i128 * DAY + iv.micros as i128
}

fn interval(months: i32, days: i32, micros: i64) -> Interval {
    Interval {
        months,
        days,
        micros,
    }
}

/// `date_trunc(unit, ts)` for the units the alignment uses.
fn truncate(ts: NaiveDateTime, unit: &str) -> NaiveDateTime {
    let day = ts.date();
    let midnight = |d: NaiveDate| d.and_hms_opt(0, 0, 0).unwrap_or(ts);
    let first_of = |y: i32, m: u32| NaiveDate::from_ymd_opt(y, m, 1).map_or(ts, midnight);
    match unit {
        "minute" => ts
            .with_second(0)
            .and_then(|t| t.with_nanosecond(0))
            .unwrap_or(ts),
        "hour" => day.and_hms_opt(ts.hour(), 0, 0).unwrap_or(ts),
        "day" => midnight(day),
        "week" => midnight(day - Duration::days(day.weekday().num_days_from_monday() as i64)),
        "quarter" => first_of(day.year(), (day.month0() / 3) * 3 + 1),
        "month" => first_of(day.year(), day.month()),
        _ => first_of(day.year(), 1),
    }
}

/// A timestamp argument (text or timestamp).
pub fn timestamp_arg(v: &Value, what: &str) -> PgResult<NaiveDateTime> {
    match cast(v.clone(), &SqlType::TimestampTz)? {
        Value::Timestamp(ts) => Ok(ts),
        Value::Date(d) => Ok(d.and_hms_opt(0, 0, 0).unwrap_or_default()),
        _ => Err(PgError::new("22004", format!("{what} cannot be NULL"))),
    }
}

/// An interval argument (text or interval).
pub fn interval_arg(v: &Value) -> PgResult<Interval> {
    match cast(v.clone(), &SqlType::Interval)? {
        Value::Interval(iv) => Ok(iv),
        _ => Err(PgError::new("22004", "partition_interval cannot be NULL")),
    }
}

/// A boundary as the partition column's type prints it.
fn boundary_text(ts: NaiveDateTime, ty: &SqlType) -> String {
    match ty {
        SqlType::Date => crate::types::datetime::date_text(ts.date()),
        SqlType::TimestampTz => format!(
            "{}+00",
            Value::Timestamp(ts).to_pg_text().unwrap_or_default()
        ),
        _ => Value::Timestamp(ts).to_pg_text().unwrap_or_default(),
    }
}

/// pg_partman's partition name suffix for a range starting at `ts`.
fn name_suffix(ts: NaiveDateTime, iv: &Interval) -> String {
    let s = span(iv);
    if *iv == interval(3, 0, 0) {
        return format!("{}q{}", ts.year(), ts.month0() / 3 + 1);
    }
    if *iv == interval(0, 7, 0) {
        let w = ts.iso_week();
        return format!("{}w{:02}", w.year(), w.week());
    }
    let mut out = format!("{}", ts.year());
    if s < span(&interval(12, 0, 0)) {
        out.push_str(&format!("_{:02}", ts.month()));
    }
    if s < span(&interval(1, 0, 0)) {
        out.push_str(&format!("_{:02}", ts.day()));
    }
    if s < span(&interval(0, 1, 0)) {
        out.push_str(&format!("_{:02}{:02}", ts.hour(), ts.minute()));
    }
    if s < span(&interval(0, 0, 60_000_000)) {
        out.push_str(&format!("{:02}", ts.second()));
    }
    out
}

/// The partitions `create_time_partitions` would create for `table` between `from` and `to`:
/// (name, range from, range to), each as text in the partition column's type.
pub fn missing_ranges(
    db: &Database,
    table: &str,
    iv: &Interval,
    to: NaiveDateTime,
    from: NaiveDateTime,
) -> PgResult<Vec<(String, String, String)>> {
    let def = db
        .table(table)
        .ok_or_else(|| PgError::undefined_table(table))?;
    let Some(key) = &def.partition_key else {
        return Err(PgError::new("P0001", format!("{table} is not partitioned")));
    };
    let [column] = key.columns.as_slice() else {
        return Err(PgError::new(
            "P0001",
            "partitioned tables with multiple partition columns are not supported",
        ));
    };
    let ty = def
        .column(column)
        .map_or(SqlType::Unknown, |c| c.ty.clone());
    if !matches!(
        ty,
        SqlType::Date | SqlType::Timestamp | SqlType::TimestampTz
    ) {
        return Err(PgError::new(
            "P0001",
            format!("type of the partition column of the table {table} must be date, timestamp or timestamptz"),
        ));
    }
    if span(iv) <= 0 {
        return Err(PgError::new("P0001", "partition interval must be positive"));
    }
    if ty == SqlType::Date && (iv.micros != 0) {
        return Err(PgError::new(
            "P0001",
            "partition interval of date partitioned table must be day or multiple days",
        ));
    }
    let existing: Vec<(String, NaiveDateTime, NaiveDateTime)> = range_partitions(db)
        .into_iter()
        .filter(|(parent, ..)| parent == table)
        .filter_map(|(_, _, part, f, t)| {
            let f = timestamp_arg(&Value::Text(f), "from_value").ok()?;
            let t = timestamp_arg(&Value::Text(t), "to_value").ok()?;
            Some((part, f, t))
        })
        .collect();
    let mut start = match existing.iter().map(|(_, f, _)| *f).min() {
        None => {
            let unit = if span(iv) < span(&interval(0, 0, 3_600_000_000)) {
                "minute"
            } else if span(iv) < span(&interval(0, 1, 0)) {
                "hour"
            } else if span(iv) < span(&interval(0, 7, 0)) {
                "day"
            } else if span(iv) < span(&interval(1, 0, 0)) {
                "week"
            } else if *iv == interval(3, 0, 0) {
                "quarter"
            } else if span(iv) < span(&interval(12, 0, 0)) {
                "month"
            } else {
                "year"
            };
            truncate(from, unit)
        }
        Some(mut pivot) => {
            // Step from the first partition towards `from`, a whole interval at a time.
            let mut guard = 0;
            while pivot < from && guard < 100_000 {
                pivot = add_interval(pivot, iv, 1)?;
                guard += 1;
            }
            while pivot > from && guard < 100_000 {
                pivot = add_interval(pivot, iv, -1)?;
                guard += 1;
            }
            pivot
        }
    };
    let mut out = Vec::new();
    while start < to {
        let end = add_interval(start, iv, 1)?;
        if out.len() > 10_000 {
            return Err(PgError::new("54000", "too many partitions to create"));
        }
        let exists = existing.iter().any(|(_, f, t)| *f == start && *t == end);
        if !exists {
            if let Some((part, f, t)) = existing
                .iter()
                .find(|(_, f, t)| (start >= *f && start < *t) || (end > *f && end < *t))
            {
                return Err(PgError::new(
                    "P0001",
                    format!(
                        "partition {part} with the range from {} to {} does not align with the initial partition given the partition interval",
                        boundary_text(*f, &ty),
                        boundary_text(*t, &ty)
                    ),
                )
                .with_hint("Only use partitions of the same size, without gaps between partitions."));
            }
            out.push((
                format!("{table}_p{}", name_suffix(start, iv)),
                boundary_text(start, &ty),
                boundary_text(end, &ty),
            ));
        }
        start = end;
    }
    Ok(out)
}

/// The range partitions of `table` that end at or before `older_than`: (name, from, to).
pub fn partitions_older_than(
    db: &Database,
    table: &str,
    older_than: NaiveDateTime,
) -> Vec<(String, String, String)> {
    range_partitions(db)
        .into_iter()
        .filter(|(parent, ..)| parent == table)
        .filter(|(.., t)| {
            timestamp_arg(&Value::Text(t.clone()), "to_value").is_ok_and(|t| t <= older_than)
        })
        .map(|(_, _, part, f, t)| (part, f, t))
        .collect()
}

/// `get_missing_time_partition_ranges(...)` as a set-returning function.
pub fn missing_ranges_result(
    db: &Database,
    args: &[Value],
    now: NaiveDateTime,
) -> PgResult<ResultSet> {
    let table = crate::sql::cast::regclass::relation_name(
        &args
            .first()
            .and_then(Value::to_pg_text)
            .ok_or_else(|| PgError::new("22004", "table_name cannot be NULL"))?,
    )?;
    let iv = interval_arg(args.get(1).unwrap_or(&Value::Null))?;
    let to = timestamp_arg(args.get(2).unwrap_or(&Value::Null), "to_value")?;
    let from = match args.get(3) {
        Some(v) => timestamp_arg(v, "from_value")?,
        None => now,
    };
    let rows = missing_ranges(db, &table, &iv, to, from)?
        .into_iter()
        .map(|(n, f, t)| vec![Value::Text(n), Value::Text(f), Value::Text(t)])
        .collect();
    Ok(ResultSet {
        columns: vec![
            Column::new("partition_name", SqlType::Text),
            Column::new("range_from_value", SqlType::Text),
            Column::new("range_to_value", SqlType::Text),
        ],
        rows,
    })
}

/// A node-level system relation for partitioning, if `name` is one.
pub fn system_relation(db: &Database, name: &str) -> Option<ResultSet> {
    match name {
        "pg_inherits" => Some(pg_inherits(db)),
        "time_partitions" => Some(time_partitions(db)),
        _ => None,
    }
}
