//! Partition bounds: read from the parsed `FOR VALUES ...` (see `syntax`), checked against the
//! parent's key, and printed back as PostgreSQL prints them (`pg_get_expr(relpartbound)`).

use super::{Bound, PartitionKey, RangeDatum, Strategy};
use crate::error::{PgError, PgResult};
use crate::sql::cast::cast;
use crate::sql::eval::resolve::ident_name;
use crate::sql::eval::{eval, EvalCtx, Scope};
use crate::sql::schema::TableDef;
use crate::sql::{Database, PlainHost};
use crate::types::{SqlType, Value};
use sqlparser::ast::{Expr, FunctionArg, FunctionArgExpr, FunctionArguments};

pub const RANGE_MARKER: &str = "\u{1}range";
pub const LIST_MARKER: &str = "\u{1}list";
pub const HASH_MARKER: &str = "\u{1}hash";
pub const DEFAULT_MARKER: &str = "\u{1}default";

fn bound_error(strategy: Strategy) -> PgError {
    PgError::new(
        "42P16",
        format!(
            "invalid bound specification for a {} partition",
            strategy.keyword().to_lowercase()
        ),
    )
}

/// The marker call a bound was parsed into, if `e` is one: (marker, arguments).
pub fn marker(e: &Expr) -> Option<(&str, &[FunctionArg])> {
    let Expr::Function(f) = e else { return None };
    let [name] = f.name.0.as_slice() else {
        return None;
    };
    let m = [RANGE_MARKER, LIST_MARKER, HASH_MARKER, DEFAULT_MARKER]
        .into_iter()
        .find(|m| name.value == *m)?;
    match &f.args {
        FunctionArguments::List(list) => Some((m, list.args.as_slice())),
        _ => Some((m, &[])),
    }
}

fn arg_expr(a: &FunctionArg) -> Option<&Expr> {
    match a {
        FunctionArg::Unnamed(FunctionArgExpr::Expr(e))
        | FunctionArg::Named {
            arg: FunctionArgExpr::Expr(e),
            ..
        } => Some(e),
        _ => None,
    }
}

/// Evaluates a bound value and casts it to the key column's type.
fn bound_value(db: &Database, e: &Expr, ty: &SqlType) -> PgResult<Value> {
    let host = PlainHost {
        now: chrono::NaiveDateTime::default(),
    };
    let ctx = EvalCtx {
        host: &host,
        db,
        subqueries: None,
    };
    let v = eval(e, &Scope::EMPTY, &ctx)?;
    cast(v, ty)
}

/// The values of a parenthesised bound row: `(a)` or `(a, b)`.
fn tuple(e: &Expr) -> Vec<&Expr> {
    match e {
        Expr::Tuple(items) => items.iter().collect(),
        Expr::Nested(inner) => vec![inner.as_ref()],
        other => vec![other],
    }
}

fn range_datums(
    db: &Database,
    e: &Expr,
    types: &[SqlType],
    which: &str,
) -> PgResult<Vec<RangeDatum>> {
    let items = tuple(e);
    if items.len() != types.len() {
        return Err(PgError::new(
            "42P16",
            format!("{which} must specify exactly one value per partitioning column"),
        ));
    }
    items
        .into_iter()
        .zip(types)
        .map(|(item, ty)| match item {
            Expr::Identifier(id) if id.quote_style.is_none() => match ident_name(id).as_str() {
                "minvalue" => Ok(RangeDatum::MinValue),
                "maxvalue" => Ok(RangeDatum::MaxValue),
                _ => bound_value(db, item, ty).map(RangeDatum::Value),
            },
            _ => bound_value(db, item, ty).map(RangeDatum::Value),
        })
        .collect()
}

/// Reads a bound marker against the parent's partition key.
pub fn parse_bound(db: &Database, parent: &TableDef, e: &Expr) -> PgResult<Bound> {
    let key = parent.partition_key.as_ref().ok_or_else(|| {
        PgError::new(
            "42809",
            format!("table \"{}\" is not partitioned", parent.name),
        )
    })?;
    let (m, args) = marker(e).ok_or_else(|| bound_error(key.strategy))?;
    let types: Vec<SqlType> = key
        .columns
        .iter()
        .map(|c| parent.column(c).map_or(SqlType::Unknown, |c| c.ty.clone()))
        .collect();
    let exprs: Vec<&Expr> = args.iter().filter_map(arg_expr).collect();
    match m {
        DEFAULT_MARKER => {
            if key.strategy == Strategy::Hash {
                return Err(PgError::new(
                    "42P16",
                    "a hash-partitioned table may not have a default partition",
                ));
            }
            Ok(Bound::Default)
        }
        RANGE_MARKER if key.strategy == Strategy::Range => {
            let [from, to] = exprs.as_slice() else {
                return Err(bound_error(key.strategy));
            };
            let from = range_datums(db, from, &types, "FROM")?;
            let to = range_datums(db, to, &types, "TO")?;
            Ok(Bound::Range { from, to })
        }
        LIST_MARKER if key.strategy == Strategy::List => {
            let ty = types.first().cloned().unwrap_or(SqlType::Unknown);
            let mut values = Vec::new();
            for e in exprs {
                let v = bound_value(db, e, &ty)?;
                if !values.contains(&v) {
                    values.push(v);
                }
            }
            Ok(Bound::List(values))
        }
        HASH_MARKER if key.strategy == Strategy::Hash => {
            let mut modulus = None;
            let mut remainder = None;
            for a in args {
                let FunctionArg::Named {
                    name,
                    arg: FunctionArgExpr::Expr(e),
                    ..
                } = a
                else {
                    return Err(bound_error(key.strategy));
                };
                let n = bound_value(db, e, &SqlType::Int8)?.as_i64().unwrap_or(-1);
                match ident_name(name).as_str() {
                    "modulus" => modulus = Some(n),
                    "remainder" => remainder = Some(n),
                    other => {
                        return Err(PgError::syntax(format!(
                            "unrecognized hash partition bound specification \"{other}\""
                        )))
                    }
                }
            }
            let modulus = modulus
                .ok_or_else(|| PgError::syntax("modulus for hash partition must be specified"))?;
            let remainder = remainder
                .ok_or_else(|| PgError::syntax("remainder for hash partition must be specified"))?;
            if modulus <= 0 {
                return Err(PgError::new(
                    "22023",
                    "modulus for hash partition must be an integer value greater than zero",
                ));
            }
            if remainder < 0 {
                return Err(PgError::new(
                    "22023",
                    "remainder for hash partition must be an integer value greater than or equal to zero",
                ));
            }
            if remainder >= modulus {
                return Err(PgError::new(
                    "22023",
                    "remainder for hash partition must be less than modulus",
                ));
            }
            Ok(Bound::Hash {
                modulus: modulus as u64,
                remainder: remainder as u64,
            })
        }
        _ => Err(bound_error(key.strategy)),
    }
}

/// A key value as PostgreSQL prints it in messages (`2021-06-01`, `2026-04-02 00:00:00+00`).
pub fn value_text(v: &Value, ty: &SqlType) -> String {
    match v.to_pg_text() {
        None => "null".into(),
        Some(s) if matches!(ty, SqlType::TimestampTz) => format!("{s}+00"),
        Some(s) => s,
    }
}

/// A column value in a `Failing row contains (...)` detail.
pub fn row_value_text(v: &Value, ty: &SqlType) -> String {
    match v {
        Value::Null => "null".into(),
        _ => value_text(v, ty),
    }
}

fn literal(v: &Value, ty: &SqlType) -> String {
    match v {
        Value::Null => "NULL".into(),
        Value::Int2(_) | Value::Int4(_) | Value::Int8(_) | Value::Numeric(_) | Value::Float8(_) => {
            value_text(v, ty)
        }
        _ => format!("'{}'", value_text(v, ty).replace('\'', "''")),
    }
}

fn datum(d: &RangeDatum, ty: &SqlType) -> String {
    match d {
        RangeDatum::MinValue => "MINVALUE".into(),
        RangeDatum::MaxValue => "MAXVALUE".into(),
        RangeDatum::Value(v) => literal(v, ty),
    }
}

/// `FOR VALUES ...` / `DEFAULT`, as `pg_get_expr(relpartbound, oid)` prints it.
pub fn bound_sql(bound: &Bound, types: &[SqlType]) -> String {
    let ty = |i: usize| types.get(i).cloned().unwrap_or(SqlType::Unknown);
    match bound {
        Bound::Default => "DEFAULT".into(),
        Bound::Range { from, to } => {
            let row = |ds: &[RangeDatum]| {
                ds.iter()
                    .enumerate()
                    .map(|(i, d)| datum(d, &ty(i)))
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            format!("FOR VALUES FROM ({}) TO ({})", row(from), row(to))
        }
        Bound::List(values) => format!(
            "FOR VALUES IN ({})",
            values
                .iter()
                .map(|v| literal(v, &ty(0)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Bound::Hash { modulus, remainder } => {
            format!("FOR VALUES WITH (modulus {modulus}, remainder {remainder})")
        }
    }
}

/// `RANGE (logdate)`, as `pg_get_partkeydef` prints it.
pub fn key_sql(key: &PartitionKey) -> String {
    format!(
        "{} ({})",
        key.strategy.keyword(),
        key.columns
            .iter()
            .map(|c| crate::sql::ddl::quote_ident(c))
            .collect::<Vec<_>>()
            .join(", ")
    )
}
