//! Declarative partitioning as PostgreSQL does it. A partitioned table (`PARTITION BY RANGE |
//! LIST | HASH (columns)`) stores no rows: each row lives in the one partition whose bound
//! holds its key, a DEFAULT partition catching rows no other bound holds. Reading the parent
//! reads its partitions in bound order (an Append); writing it routes every row.

mod bound;
pub mod ddl;
pub mod syntax;
pub mod time;

pub use bound::{bound_sql, key_sql};

use crate::error::{PgError, PgResult};
use crate::sql::eval::compare;
use crate::sql::schema::TableDef;
use crate::sql::Database;
use crate::types::{SqlType, Value};
use std::cmp::Ordering;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Strategy {
    Range,
    List,
    Hash,
}

impl Strategy {
    pub fn keyword(self) -> &'static str {
        match self {
            Strategy::Range => "RANGE",
            Strategy::List => "LIST",
            Strategy::Hash => "HASH",
        }
    }

    /// `pg_partitioned_table.partstrat`.
    pub fn code(self) -> &'static str {
        match self {
            Strategy::Range => "r",
            Strategy::List => "l",
            Strategy::Hash => "h",
        }
    }
}

/// `PARTITION BY strategy (columns)`.
#[derive(Clone, Debug, PartialEq)]
pub struct PartitionKey {
    pub strategy: Strategy,
    pub columns: Vec<String>,
}

/// One value of a range bound: a key value, or below / above every value.
#[derive(Clone, Debug, PartialEq)]
pub enum RangeDatum {
    MinValue,
    MaxValue,
    Value(Value),
}

/// `FOR VALUES ...` or `DEFAULT`.
#[derive(Clone, Debug, PartialEq)]
pub enum Bound {
    /// `FROM (lower) TO (upper)`: lower inclusive, upper exclusive.
    Range {
        from: Vec<RangeDatum>,
        to: Vec<RangeDatum>,
    },
    /// `IN (values)`; NULL may be one of them.
    List(Vec<Value>),
    Hash {
        modulus: u64,
        remainder: u64,
    },
    Default,
}

/// A partition's parent and bound.
#[derive(Clone, Debug, PartialEq)]
pub struct PartitionOf {
    pub parent: String,
    pub bound: Bound,
}

/// The partitions of `parent` in PostgreSQL's bound order (the order an Append reads them):
/// ranges by lower bound, lists by their least value, hashes by modulus and remainder, the
/// DEFAULT partition last.
pub fn partitions<'a>(db: &'a Database, parent: &str) -> Vec<&'a TableDef> {
    let mut parts: Vec<&TableDef> = db
        .storage
        .tables
        .values()
        .filter(|t| t.partition_of.as_ref().is_some_and(|p| p.parent == parent))
        .collect();
    crate::sort::sort_by(&mut parts, |a, b| {
        match (&a.partition_of, &b.partition_of) {
            (Some(a), Some(b)) => bound_order(&a.bound, &b.bound),
            _ => Ordering::Equal,
        }
    });
    parts
}

fn bound_order(a: &Bound, b: &Bound) -> Ordering {
    match (a, b) {
        (Bound::Default, Bound::Default) => Ordering::Equal,
        (Bound::Default, _) => Ordering::Greater,
        (_, Bound::Default) => Ordering::Less,
        (Bound::Range { from: fa, .. }, Bound::Range { from: fb, .. }) => range_cmp(fa, fb),
        (Bound::List(va), Bound::List(vb)) => least(va).cmp_values(least(vb)),
        (
            Bound::Hash {
                modulus: ma,
                remainder: ra,
            },
            Bound::Hash {
                modulus: mb,
                remainder: rb,
            },
        ) => (ma, ra).cmp(&(mb, rb)),
        _ => Ordering::Equal,
    }
}

/// The least non-NULL value of a list bound (a NULL-only list sorts last).
fn least(values: &[Value]) -> Option<&Value> {
    values
        .iter()
        .filter(|v| !v.is_null())
        .min_by(|a, b| compare(a, b).unwrap_or(Ordering::Equal))
}

trait CmpValues {
    fn cmp_values(self, other: Self) -> Ordering;
}

impl CmpValues for Option<&Value> {
    fn cmp_values(self, other: Self) -> Ordering {
        match (self, other) {
            (Some(a), Some(b)) => compare(a, b).unwrap_or(Ordering::Equal),
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (None, None) => Ordering::Equal,
        }
    }
}

/// Compares two range bounds datum by datum (MINVALUE below and MAXVALUE above everything).
fn range_cmp(a: &[RangeDatum], b: &[RangeDatum]) -> Ordering {
    for (x, y) in a.iter().zip(b) {
        let o = match (x, y) {
            (RangeDatum::MinValue, RangeDatum::MinValue)
            | (RangeDatum::MaxValue, RangeDatum::MaxValue) => Ordering::Equal,
            (RangeDatum::MinValue, _) | (_, RangeDatum::MaxValue) => Ordering::Less,
            (RangeDatum::MaxValue, _) | (_, RangeDatum::MinValue) => Ordering::Greater,
            (RangeDatum::Value(x), RangeDatum::Value(y)) => {
                compare(x, y).unwrap_or(Ordering::Equal)
            }
        };
        if o != Ordering::Equal {
            return o;
        }
    }
    Ordering::Equal
}

/// Compares a row's key with a range bound.
fn key_vs_bound(key: &[Value], bound: &[RangeDatum]) -> Ordering {
    for (k, b) in key.iter().zip(bound) {
        let o = match b {
            RangeDatum::MinValue => Ordering::Greater,
            RangeDatum::MaxValue => Ordering::Less,
            RangeDatum::Value(v) => compare(k, v).unwrap_or(Ordering::Equal),
        };
        if o != Ordering::Equal {
            return o;
        }
    }
    Ordering::Equal
}

/// The key of a row of `def` (a table with the parent's columns).
pub fn row_key(def: &TableDef, key: &PartitionKey, row: &[Value]) -> Vec<(Value, SqlType)> {
    key.columns
        .iter()
        .map(|c| match def.column_index(c) {
            Some(i) => (
                row.get(i).cloned().unwrap_or(Value::Null),
                def.columns[i].ty.clone(),
            ),
            None => (Value::Null, SqlType::Unknown),
        })
        .collect()
}

/// Whether a non-DEFAULT bound holds the key.
pub fn holds(bound: &Bound, key: &[(Value, SqlType)]) -> PgResult<bool> {
    Ok(match bound {
        Bound::Default => false,
        Bound::Range { from, to } => {
            if key.iter().any(|(v, _)| v.is_null()) {
                return Ok(false);
            }
            let values: Vec<Value> = key.iter().map(|(v, _)| v.clone()).collect();
            key_vs_bound(&values, from) != Ordering::Less
                && key_vs_bound(&values, to) == Ordering::Less
        }
        Bound::List(values) => {
            let Some((k, _)) = key.first() else {
                return Ok(false);
            };
            values.iter().any(|v| match (v.is_null(), k.is_null()) {
                (true, true) => true,
                (false, false) => compare(k, v) == Ok(Ordering::Equal),
                _ => false,
            })
        }
        Bound::Hash { modulus, remainder } => {
            let refs: Vec<(&Value, &SqlType)> = key.iter().map(|(v, t)| (v, t)).collect();
            let hash = crate::hashing::partition_hash(&refs)?;
            *modulus != 0 && hash % modulus == *remainder
        }
    })
}

/// The partition of `parent` a row goes to (following sub-partitioned partitions down to a
/// table that stores rows), or PostgreSQL's error when no partition holds it.
pub fn route(db: &Database, parent: &TableDef, row: &[Value]) -> PgResult<String> {
    let Some(key) = &parent.partition_key else {
        return Ok(parent.name.clone());
    };
    let values = row_key(parent, key, row);
    let parts = partitions(db, &parent.name);
    let mut chosen = None;
    for p in &parts {
        if let Some(of) = &p.partition_of {
            if holds(&of.bound, &values)? {
                chosen = Some(*p);
                break;
            }
        }
    }
    let chosen = chosen.or_else(|| {
        parts
            .iter()
            .find(|p| {
                matches!(
                    p.partition_of,
                    Some(PartitionOf {
                        bound: Bound::Default,
                        ..
                    })
                )
            })
            .copied()
    });
    match chosen {
        Some(p) if p.is_partitioned() => route(db, p, row),
        Some(p) => Ok(p.name.clone()),
        None => Err(no_partition(&parent.name, key, &values)),
    }
}

fn no_partition(parent: &str, key: &PartitionKey, values: &[(Value, SqlType)]) -> PgError {
    PgError::new(
        "23514",
        format!("no partition of relation \"{parent}\" found for row"),
    )
    .with_detail(format!(
        "Partition key of the failing row contains ({}) = ({}).",
        key.columns.join(", "),
        values
            .iter()
            .map(|(v, t)| bound::value_text(v, t))
            .collect::<Vec<_>>()
            .join(", ")
    ))
}

/// A row stored straight into a partition must satisfy its bound (the partition constraint);
/// a DEFAULT partition takes only rows no sibling holds.
pub fn check_partition_constraint(db: &Database, def: &TableDef, row: &[Value]) -> PgResult<()> {
    let Some(of) = &def.partition_of else {
        return Ok(());
    };
    let Some(parent) = db.table(&of.parent) else {
        return Ok(());
    };
    let Some(key) = &parent.partition_key else {
        return Ok(());
    };
    let values = row_key(def, key, row);
    let fits = match &of.bound {
        Bound::Default => {
            let mut taken = false;
            for p in partitions(db, &parent.name) {
                if let Some(o) = &p.partition_of {
                    taken |= holds(&o.bound, &values)?;
                }
            }
            !taken
        }
        b => holds(b, &values)?,
    };
    if fits {
        return Ok(());
    }
    Err(PgError::new(
        "23514",
        format!(
            "new row for relation \"{}\" violates partition constraint",
            def.name
        ),
    )
    .with_detail(format!(
        "Failing row contains ({}).",
        row.iter()
            .zip(&def.columns)
            .map(|(v, c)| bound::row_value_text(v, &c.ty))
            .collect::<Vec<_>>()
            .join(", ")
    )))
}

/// The tables that store the rows of `name`: itself, or all its partitions' leaves in order.
pub fn leaves(db: &Database, name: &str) -> Vec<String> {
    match db.table(name) {
        Some(def) if def.is_partitioned() => partitions(db, name)
            .into_iter()
            .flat_map(|p| leaves(db, &p.name))
            .collect(),
        _ => vec![name.to_string()],
    }
}

/// `column op value` from a WHERE clause: `Equal` (=), `Less` (< or, inclusive, <=) or
/// `Greater` (> or, inclusive, >=).
type KeyCondition = (String, Ordering, bool, Value);

/// The partitions that may hold rows whose key satisfies `fixed` (column, operator, value)
/// conditions taken from a WHERE clause; every partition when nothing prunes.
pub fn prune<'a>(db: &'a Database, parent: &TableDef, fixed: &[KeyCondition]) -> Vec<&'a TableDef> {
    let parts = partitions(db, &parent.name);
    let Some(key) = &parent.partition_key else {
        return parts;
    };
    let [column] = key.columns.as_slice() else {
        return parts;
    };
    let conds: Vec<&KeyCondition> = fixed.iter().filter(|(c, ..)| c == column).collect();
    if conds.is_empty() {
        return parts;
    }
    let ty = parent
        .column(column)
        .map(|c| c.ty.clone())
        .unwrap_or(SqlType::Unknown);
    let mut kept: Vec<&TableDef> = parts
        .iter()
        .copied()
        .filter(|p| match &p.partition_of {
            Some(of) => may_hold(&of.bound, &conds, &ty),
            None => true,
        })
        .collect();
    // The DEFAULT partition is pruned only when the conditions pin the key inside the other
    // partitions' bounds, which this does not try to prove: it stays unless an equality
    // lands in a listed partition.
    let equal_in_sibling = conds.iter().any(|(_, o, inclusive, v)| {
        *o == Ordering::Equal
            && *inclusive
            && parts.iter().any(|p| {
                p.partition_of.as_ref().is_some_and(|of| {
                    !matches!(of.bound, Bound::Default)
                        && holds(&of.bound, &[(v.clone(), ty.clone())]).unwrap_or(false)
                })
            })
    });
    if equal_in_sibling || range_covered(&parts, &conds) {
        kept.retain(|p| {
            !matches!(
                p.partition_of,
                Some(PartitionOf {
                    bound: Bound::Default,
                    ..
                })
            )
        });
    }
    kept
}

/// Whether a partition's bound may hold a key meeting every condition: `Equal` (=),
/// `Less` (< or <= when inclusive), `Greater` (> or >=).
fn may_hold(bound: &Bound, conds: &[&KeyCondition], ty: &SqlType) -> bool {
    match bound {
        Bound::Default => true,
        Bound::Hash { .. } => conds.iter().all(|(_, o, inclusive, v)| {
            *o != Ordering::Equal
                || !*inclusive
                || holds(bound, &[(v.clone(), ty.clone())]).unwrap_or(true)
        }),
        Bound::List(values) => values.iter().any(|lv| {
            !lv.is_null()
                && conds
                    .iter()
                    .all(|(_, o, inclusive, v)| satisfies(lv, *o, *inclusive, v))
        }),
        Bound::Range { from, to } => {
            let (Some(lo), Some(hi)) = (from.first(), to.first()) else {
                return true;
            };
            conds.iter().all(|(_, o, inclusive, v)| {
                let above_lo = match lo {
                    RangeDatum::MinValue => true,
                    RangeDatum::MaxValue => false,
                    RangeDatum::Value(l) => compare(v, l) != Ok(Ordering::Less),
                };
                let below_hi = match hi {
                    RangeDatum::MaxValue => true,
                    RangeDatum::MinValue => false,
                    RangeDatum::Value(h) => compare(v, h).map_or(true, |c| c == Ordering::Less),
                };
                match o {
                    Ordering::Equal => above_lo && below_hi,
                    // key < v (or <= v): the partition needs some key below v.
                    Ordering::Less => match lo {
                        RangeDatum::MinValue => true,
                        RangeDatum::MaxValue => false,
                        RangeDatum::Value(l) => compare(l, v).map_or(true, |c| {
                            c == Ordering::Less || (*inclusive && c == Ordering::Equal)
                        }),
                    },
                    // key > v (or >= v): the partition needs some key above v.
                    Ordering::Greater => match hi {
                        RangeDatum::MaxValue => true,
                        RangeDatum::MinValue => false,
                        RangeDatum::Value(h) => {
                            compare(h, v).map_or(true, |c| c == Ordering::Greater)
                        }
                    },
                }
            })
        }
    }
}

fn satisfies(key: &Value, op: Ordering, inclusive: bool, v: &Value) -> bool {
    match compare(key, v) {
        Ok(c) => c == op || (inclusive && c == Ordering::Equal && op != Ordering::Equal),
        Err(_) => true,
    }
}

/// The partitions of `parent` a scan with these filters must read, PostgreSQL's partition
/// pruning for `key op constant` conditions (`reference` is the name the query gives the
/// table; `BETWEEN` arrives as its two comparisons).
pub fn prune_by_quals<'a>(
    db: &'a Database,
    parent: &TableDef,
    reference: &str,
    quals: &[sqlparser::ast::Expr],
) -> Vec<&'a TableDef> {
    let fixed: Vec<KeyCondition> = quals
        .iter()
        .filter_map(|q| comparison(db, parent, reference, q))
        .collect();
    prune(db, parent, &fixed)
}

/// `column op constant` (either way round) on a column of `parent`.
fn comparison(
    db: &Database,
    parent: &TableDef,
    reference: &str,
    q: &sqlparser::ast::Expr,
) -> Option<KeyCondition> {
    use sqlparser::ast::{BinaryOperator as Op, Expr};
    let Expr::BinaryOp { left, op, right } = q else {
        return None;
    };
    let column_of = |e: &Expr| -> Option<String> {
        match e {
            Expr::Identifier(id) => Some(crate::sql::eval::resolve::ident_name(id)),
            Expr::CompoundIdentifier(ids) => match ids.as_slice() {
                [q, c] if crate::sql::eval::resolve::ident_name(q) == reference => {
                    Some(crate::sql::eval::resolve::ident_name(c))
                }
                _ => None,
            },
            Expr::Nested(inner) => match inner.as_ref() {
                Expr::Identifier(id) => Some(crate::sql::eval::resolve::ident_name(id)),
                _ => None,
            },
            _ => None,
        }
    };
    let (column, constant, flipped) = match (column_of(left), column_of(right)) {
        (Some(c), None) => (c, right.as_ref(), false),
        (None, Some(c)) => (c, left.as_ref(), true),
        _ => return None,
    };
    let ty = parent.column(&column)?.ty.clone();
    let (ord, inclusive) = match (op, flipped) {
        (Op::Eq, _) => (Ordering::Equal, true),
        (Op::Lt, false) | (Op::Gt, true) => (Ordering::Less, false),
        (Op::LtEq, false) | (Op::GtEq, true) => (Ordering::Less, true),
        (Op::Gt, false) | (Op::Lt, true) => (Ordering::Greater, false),
        (Op::GtEq, false) | (Op::LtEq, true) => (Ordering::Greater, true),
        _ => return None,
    };
    let host = crate::sql::PlainHost {
        now: chrono::NaiveDateTime::default(),
    };
    let ctx = crate::sql::eval::EvalCtx {
        host: &host,
        db,
        subqueries: None,
    };
    let value = crate::sql::eval::eval(constant, &crate::sql::eval::Scope::EMPTY, &ctx).ok()?;
    let value = crate::sql::cast::cast(value, &ty).ok()?;
    if value.is_null() {
        return None;
    }
    Some((column, ord, inclusive, value))
}

/// Whether the key range the conditions allow lies wholly inside the (non-DEFAULT) range
/// partitions, so that the DEFAULT partition can hold none of the rows.
fn range_covered(parts: &[&TableDef], conds: &[&KeyCondition]) -> bool {
    let mut lo: Option<&Value> = None;
    let mut hi: Option<(&Value, bool)> = None;
    for (_, o, inclusive, v) in conds {
        let (lower, upper) = match o {
            Ordering::Equal => (Some(v), Some((v, true))),
            Ordering::Greater => (Some(v), None),
            Ordering::Less => (None, Some((v, *inclusive))),
        };
        if let Some(l) = lower {
            if lo.is_none_or(|cur| compare(l, cur) == Ok(Ordering::Greater)) {
                lo = Some(l);
            }
        }
        if let Some((h, inc)) = upper {
            if hi.is_none_or(|(cur, _)| compare(h, cur) == Ok(Ordering::Less)) {
                hi = Some((h, inc));
            }
        }
    }
    let (Some(lo), Some((hi, hi_inclusive))) = (lo, hi) else {
        return false;
    };
    let ranges: Vec<(&RangeDatum, &RangeDatum)> = parts
        .iter()
        .filter_map(|p| match &p.partition_of {
            Some(PartitionOf {
                bound: Bound::Range { from, to },
                ..
            }) => Some((from.first()?, to.first()?)),
            _ => None,
        })
        .collect();
    let mut cur = RangeDatum::Value(lo.clone());
    for _ in 0..=ranges.len() {
        let done = match &cur {
            RangeDatum::MaxValue => true,
            RangeDatum::MinValue => false,
            RangeDatum::Value(c) => match compare(c, hi) {
                Ok(Ordering::Greater) => true,
                Ok(Ordering::Equal) => !hi_inclusive,
                _ => false,
            },
        };
        if done {
            return true;
        }
        let next = ranges.iter().find(|(from, to)| {
            range_cmp(std::slice::from_ref(*from), std::slice::from_ref(&cur)) != Ordering::Greater
                && range_cmp(std::slice::from_ref(&cur), std::slice::from_ref(*to))
                    == Ordering::Less
        });
        match next {
            Some((_, to)) => cur = (*to).clone(),
            None => return false,
        }
    }
    false
}

#[cfg(test)]
mod tests;
