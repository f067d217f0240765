//! GROUP BY and aggregates. Rows are grouped by hash of their key values; each aggregate call
//! becomes a column of the grouped relation, and the select list, HAVING and ORDER BY are
//! rewritten to refer to those columns.

use super::keys::{hash_key, same_group, KeyIndex};
use super::scan::{ScanRow, StoredScan};
use super::walk::{rewrite, walk};
use super::{Executor, Rel};
use crate::error::{PgError, PgResult};
use crate::sql::eval::compiled::Compiled;
use crate::sql::eval::resolve::{find_column, split_ident};
use crate::sql::eval::{
    compare, eval, expr_type, function_args, is_true, numeric_div, Scope, ScopeColumn,
};
use crate::sql::functions::{aggregates, function_name, is_aggregate};
use crate::types::Value;
use rust_decimal::Decimal;
use sqlparser::ast::{
    DuplicateTreatment, Expr, Function, FunctionArg, FunctionArgExpr, FunctionArgumentClause,
    FunctionArguments, Ident, OrderByExpr,
};
use std::cmp::Ordering;

mod lane;

const AGG_PREFIX: &str = "\u{1}agg";
const GRP_PREFIX: &str = "\u{1}grp";

fn placeholder(prefix: &str, i: usize) -> Expr {
    Expr::Identifier(Ident::with_quote('"', format!("{prefix}{i}")))
}

struct AggSpec {
    name: String,
    args: Vec<Expr>,
    star: bool,
    distinct: bool,
    filter: Option<Expr>,
    order: Vec<OrderByExpr>,
    call: Expr,
}

impl AggSpec {
    fn from_call(e: &Expr, f: &Function) -> Self {
        let (distinct, order, star) = match &f.args {
            FunctionArguments::List(list) => (
                matches!(list.duplicate_treatment, Some(DuplicateTreatment::Distinct)),
                list.clauses
                    .iter()
                    .find_map(|c| match c {
                        FunctionArgumentClause::OrderBy(o) => Some(o.clone()),
                        _ => None,
                    })
                    .unwrap_or_default(),
                list.args
                    .iter()
                    .any(|a| matches!(a, FunctionArg::Unnamed(FunctionArgExpr::Wildcard))),
            ),
            _ => (false, Vec::new(), false),
        };
        AggSpec {
            name: function_name(f),
            args: function_args(&f.args).into_iter().cloned().collect(),
            star,
            distinct,
            filter: f.filter.as_deref().cloned(),
            order,
            call: e.clone(),
        }
    }
}

/// Collects the aggregate calls in `e` (not inside other aggregates or subqueries).
pub fn collect_aggregates<'e>(e: &'e Expr, out: &mut Vec<&'e Expr>) {
    walk(e, &mut |x| match x {
        Expr::Function(f) if is_aggregate(f) => {
            if !out.contains(&x) {
                out.push(x);
            }
            false
        }
        _ => true,
    });
}

pub fn has_aggregates(e: &Expr) -> bool {
    let mut v = Vec::new();
    collect_aggregates(e, &mut v);
    !v.is_empty()
}

/// Running state of one aggregate in one group.
#[derive(Clone)]
pub(super) enum Acc {
    Count(i64),
    Sum {
        int: i128,
        dec: Decimal,
        float: f64,
        kind: u8, // 0 none seen, 1 small ints, 2 int8/numeric, 3 float
        interval: Option<crate::types::Interval>,
    },
    Avg {
        dec: Decimal,
        float: f64,
        n: i64,
        is_float: bool,
    },
    MinMax(Value, bool),
    Bool(Option<bool>, bool),
    StringAgg(Option<String>),
    ArrayAgg(Vec<Value>),
    More(aggregates::State),
    /// bit_and / bit_or: the running value (of the input's integer type) and whether it is AND.
    Bits(Option<Value>, bool),
    /// A created aggregate: its input rows, folded when the group is done.
    User(&'static crate::sql::catalog::Proc, Vec<Vec<Value>>),
}

pub(super) fn new_acc(name: &str) -> Acc {
    match name {
        "count" => Acc::Count(0),
        "sum" => Acc::Sum {
            int: 0,
            dec: Decimal::ZERO,
            float: 0.0,
            kind: 0,
            interval: None,
        },
        "avg" => Acc::Avg {
            dec: Decimal::ZERO,
            float: 0.0,
            n: 0,
            is_float: false,
        },
        "min" => Acc::MinMax(Value::Null, false),
        "max" => Acc::MinMax(Value::Null, true),
        "bool_and" | "every" => Acc::Bool(None, true),
        "bool_or" => Acc::Bool(None, false),
        "string_agg" => Acc::StringAgg(None),
        "bit_and" => Acc::Bits(None, true),
        "bit_or" => Acc::Bits(None, false),
        _ => match aggregates::State::new(name) {
            Some(state) => Acc::More(state),
            None => match crate::sql::catalog::overloads(name).find(|p| p.user.is_some()) {
                Some(p) => Acc::User(p, Vec::new()),
                None => Acc::ArrayAgg(Vec::new()),
            },
        },
    }
}

fn overflow() -> PgError {
    PgError::new("22003", "value overflows numeric format")
}

/// Adds arguments that stay with their row (a window frame feeds a row more than once).
pub(super) fn feed_copy(acc: &mut Acc, star: bool, args: &[Value]) -> PgResult<()> {
    let mut owned = args.to_vec();
    feed(acc, star, &mut owned)
}

/// Adds one input row's arguments to `acc`; the first argument is moved out, not copied.
fn feed(acc: &mut Acc, star: bool, args: &mut [Value]) -> PgResult<()> {
    if let Acc::More(state) = acc {
        return state.feed(args);
    }
    if let Acc::User(_, rows) = acc {
        rows.push(args.to_vec());
        return Ok(());
    }
    let first = args
        .first_mut()
        .map(|v| std::mem::replace(v, Value::Null))
        .unwrap_or(Value::Null);
    match acc {
        Acc::Count(n) => {
            if star || !first.is_null() {
                *n += 1;
            }
        }
        Acc::ArrayAgg(items) => items.push(first),
        Acc::More(_) | Acc::User(..) => {}
        _ if first.is_null() => {}
        Acc::Bits(cur, is_and) => {
            let Some(x) = first.as_i64() else {
                let name = if *is_and { "bit_and" } else { "bit_or" };
                return Err(PgError::undefined_function(&format!(
                    "{name}({})",
                    first.natural_type().pg_name()
                )));
            };
            let merged = match cur.as_ref().and_then(Value::as_i64) {
                None => x,
                Some(c) if *is_and => c & x,
                Some(c) => c | x,
            };
            // The result keeps the input's type.
            *cur = Some(match first {
                Value::Int2(_) => Value::Int2(merged as i16),
                Value::Int4(_) => Value::Int4(merged as i32),
                _ => Value::Int8(merged),
            });
        }
        Acc::Sum {
            int,
            dec,
            float,
            kind,
            interval,
        } => match &first {
            Value::Int2(_) | Value::Int4(_) => {
                *int += first.as_i64().unwrap_or(0) as i128;
                *kind = (*kind).max(1);
            }
            Value::Int8(_) | Value::Numeric(_) => {
                *dec = dec
                    .checked_add(first.as_decimal().unwrap_or_default())
                    .ok_or_else(overflow)?;
                *kind = (*kind).max(2);
            }
            Value::Float8(f) => {
                *float += f;
                *kind = 3;
            }
            Value::Interval(i) => {
                let cur = interval.unwrap_or_default();
                *interval = Some(crate::types::Interval {
                    months: cur.months + i.months,
                    days: cur.days + i.days,
                    micros: cur.micros + i.micros,
                });
            }
            other => {
                return Err(PgError::undefined_function(&format!(
                    "sum({})",
                    other.natural_type().pg_name()
                )))
            }
        },
        Acc::Avg {
            dec,
            float,
            n,
            is_float,
        } => {
            match &first {
                Value::Float8(f) => {
                    *float += f;
                    *is_float = true;
                }
                v => {
                    let d = v.as_decimal().ok_or_else(|| {
                        PgError::undefined_function(&format!("avg({})", v.natural_type().pg_name()))
                    })?;
                    *dec = dec.checked_add(d).ok_or_else(overflow)?;
                }
            }
            *n += 1;
        }
        Acc::MinMax(cur, is_max) => {
            if cur.is_null() {
                *cur = first;
            } else {
                let c = compare(&first, cur)?;
                if (*is_max && c == Ordering::Greater) || (!*is_max && c == Ordering::Less) {
                    *cur = first;
                }
            }
        }
        Acc::Bool(cur, is_and) => {
            let b = matches!(first, Value::Bool(true));
            *cur = Some(match cur {
                None => b,
                Some(c) => {
                    if *is_and {
                        *c && b
                    } else {
                        *c || b
                    }
                }
            });
        }
        Acc::StringAgg(cur) => {
            let s = first.to_pg_text().unwrap_or_default();
            let delim = args.get(1).and_then(Value::to_pg_text).unwrap_or_default();
            match cur {
                None => *cur = Some(s),
                Some(c) => {
                    c.push_str(&delim);
                    c.push_str(&s);
                }
            }
        }
    }
    Ok(())
}

pub(super) fn finish(acc: Acc) -> PgResult<Value> {
    Ok(match acc {
        Acc::Count(n) => Value::Int8(n),
        Acc::Sum {
            int,
            dec,
            float,
            kind,
            interval,
        } => match (kind, interval) {
            (_, Some(i)) => Value::Interval(i),
            (0, _) => Value::Null,
            (1, _) => Value::Int8(
                i64::try_from(int).map_err(|_| PgError::new("22003", "bigint out of range"))?,
            ),
            (2, _) => Value::Numeric(
                dec.checked_add(Decimal::from_i128_with_scale(int, 0))
                    .ok_or_else(overflow)?,
            ),
            _ => Value::Float8(
                float
                    + int as f64
                    + rust_decimal::prelude::ToPrimitive::to_f64(&dec).unwrap_or(0.0),
            ),
        },
        Acc::Avg {
            dec,
            float,
            n,
            is_float,
        } => {
            if n == 0 {
                Value::Null
            } else if is_float {
                Value::Float8(
                    (float + rust_decimal::prelude::ToPrimitive::to_f64(&dec).unwrap_or(0.0))
                        / n as f64,
                )
            } else {
                Value::Numeric(numeric_div(dec, Decimal::from(n))?)
            }
        }
        Acc::MinMax(v, _) => v,
        Acc::Bool(v, _) => v.map(Value::Bool).unwrap_or(Value::Null),
        Acc::StringAgg(s) => s.map(Value::Text).unwrap_or(Value::Null),
        Acc::More(state) => state.finish()?,
        Acc::Bits(v, _) => v.unwrap_or(Value::Null),
        Acc::User(p, _) => {
            return Err(PgError::unsupported(format!(
                "aggregate {} is not supported as a window function",
                p.name
            )))
        }
        Acc::ArrayAgg(items) => {
            if items.is_empty() {
                Value::Null
            } else {
                Value::Array(items)
            }
        }
    })
}

/// The groups found so far, in order of first appearance, and their index by key hash.
#[derive(Default)]
struct Groups {
    states: Vec<GroupState>,
    index: KeyIndex,
}

impl Groups {
    /// Adds a new group under its key's hash; its position.
    fn add(&mut self, hash: u64, state: GroupState) -> usize {
        self.states.push(state);
        let at = self.states.len() - 1;
        self.index.insert(hash, at);
        at
    }
}

struct GroupState {
    key_values: Vec<Value>,
    accs: Vec<Acc>,
    /// Inputs kept for DISTINCT or ORDER BY aggregates: (args, sort keys).
    buffers: Vec<Vec<(Vec<Value>, Vec<Value>)>>,
}

/// The grouped relation and the expressions rewritten to read it.
pub struct Grouped {
    pub rel: Rel,
    pub rewrite: Box<dyn Fn(&Expr) -> Expr>,
}

/// Groups `input` by `group_exprs` and computes every aggregate in `exprs`.
/// `scan`, when given, supplies the rows (read from storage as they are folded), and
/// `input.rows` is empty.
pub(super) fn group(
    exec: &Executor,
    input: &Rel,
    scan: Option<&StoredScan>,
    group_exprs: &[Expr],
    exprs: &[&Expr],
    outer: Option<&Scope>,
) -> PgResult<Grouped> {
    let ctx = exec.ctx();
    let mut calls: Vec<&Expr> = Vec::new();
    for e in exprs {
        collect_aggregates(e, &mut calls);
    }
    let specs: Vec<AggSpec> = calls
        .iter()
        .filter_map(|e| match e {
            Expr::Function(f) => Some(AggSpec::from_call(e, f)),
            _ => None,
        })
        .collect();
    for s in &specs {
        for a in s.args.iter().chain(s.filter.iter()) {
            if has_aggregates(a) {
                return Err(PgError::new(
                    "42803",
                    "aggregate function calls cannot be nested",
                ));
            }
        }
        if s.args.is_empty() && !s.star {
            return Err(PgError::undefined_function(&format!("{}()", s.name)));
        }
    }
    for g in group_exprs {
        if has_aggregates(g) {
            return Err(PgError::new(
                "42803",
                "aggregate functions are not allowed in GROUP BY",
            ));
        }
    }

    let mut groups = Groups::default();
    let new_state = |key_values: Vec<Value>| GroupState {
        key_values,
        accs: specs.iter().map(|s| new_acc(&s.name)).collect(),
        buffers: specs.iter().map(|_| Vec::new()).collect(),
    };
    if group_exprs.is_empty() {
        groups.states.push(new_state(Vec::new()));
    }
    // Per-row buffers, reused: a row's key is kept only when it starts a new group.
    let mut kv: Vec<Value> = Vec::with_capacity(group_exprs.len());
    let mut args: Vec<Value> = Vec::new();
    let columns = &input.columns;
    let key_exprs: Vec<Compiled> = group_exprs
        .iter()
        .map(|g| Compiled::new(g, columns))
        .collect();
    let compiled: Vec<(Option<Compiled>, Vec<Compiled>)> = specs
        .iter()
        .map(|s| {
            let filter = s.filter.as_ref().map(|f| Compiled::new(f, columns));
            let args = s.args.iter().map(|a| Compiled::new(a, columns)).collect();
            (filter, args)
        })
        .collect();
    let mut fold = |groups: &mut Groups, row: &[Value]| -> PgResult<()> {
        let scope = Scope {
            columns,
            row,
            outer,
        };
        let gi = if key_exprs.is_empty() {
            0
        } else {
            kv.clear();
            for g in &key_exprs {
                kv.push(g.eval(&scope, &ctx)?);
            }
            let hash = hash_key(&kv);
            let found = groups.index.candidates(hash).find(|&i| {
                groups.states[i]
                    .key_values
                    .iter()
                    .zip(&kv)
                    .all(|(a, b)| same_group(a, b))
            });
            match found {
                Some(i) => i,
                None => {
                    let key = std::mem::replace(&mut kv, Vec::with_capacity(key_exprs.len()));
                    groups.add(hash, new_state(key))
                }
            }
        };
        let state = &mut groups.states[gi];
        for (ai, (spec, (filter, arg_exprs))) in specs.iter().zip(&compiled).enumerate() {
            if let Some(f) = filter {
                if !is_true(&f.eval(&scope, &ctx)?) {
                    continue;
                }
            }
            args.clear();
            for a in arg_exprs {
                args.push(a.eval(&scope, &ctx)?);
            }
            if spec.distinct || !spec.order.is_empty() {
                let mut keys = Vec::with_capacity(spec.order.len());
                for o in &spec.order {
                    keys.push(eval(&o.expr, &scope, &ctx)?);
                }
                state.buffers[ai].push((std::mem::take(&mut args), keys));
            } else {
                feed(&mut state.accs[ai], spec.star, &mut args)?;
            }
        }
        Ok(())
    };
    let only_counts = key_exprs.is_empty()
        && specs.iter().all(|s| {
            s.name == "count" && s.star && s.filter.is_none() && !s.distinct && s.order.is_empty()
        });
    match scan {
        Some(scan) if only_counts && scan.bare_count().is_some() => {
            let n = scan.bare_count().unwrap_or_default() as i64;
            if let Some(group) = groups.states.first_mut() {
                group.accs.fill(Acc::Count(n));
            }
        }
        Some(scan) => match lane::LaneGroup::new(&key_exprs, &specs, &compiled, columns) {
            // Rows the lane declines are converted and folded the general way, into the
            // same groups.
            Some(mut lane) => scan.for_each_stored(columns, outer, &ctx, |row| {
                match row {
                    ScanRow::Stored(stored) => {
                        if !lane.fold(stored, &mut groups, &new_state)? {
                            fold(&mut groups, &scan.convert(stored))?;
                        }
                    }
                    // WHERE was tested the general way; the row may still fold in the lane.
                    ScanRow::Converted(row, stored) => {
                        if stored.is_empty() || !lane.fold(stored, &mut groups, &new_state)? {
                            fold(&mut groups, row)?;
                        }
                    }
                }
                Ok(true)
            })?,
            None => scan.for_each(columns, outer, &ctx, |row| {
                fold(&mut groups, row).map(|_| true)
            })?,
        },
        None => {
            for row in &input.rows {
                crate::sql::deadline::check()?;
                fold(&mut groups, row)?;
            }
        }
    }
    let groups = groups.states;

    // Grouped columns: plain column references keep their name so outer references and
    // correlated subqueries still resolve; other expressions get placeholders.
    let mut columns: Vec<ScopeColumn> = Vec::new();
    let mut replaced: Vec<(Expr, Expr)> = Vec::new();
    for (i, g) in group_exprs.iter().enumerate() {
        let ty = expr_type(g, &input.columns, &ctx);
        let as_column = column_of(g, &input.columns);
        match as_column {
            Some(c) => columns.push(ScopeColumn { ty, ..c }),
            None => {
                columns.push(ScopeColumn {
                    qualifier: None,
                    name: format!("{GRP_PREFIX}{i}"),
                    ty,
                });
                replaced.push((g.clone(), placeholder(GRP_PREFIX, i)));
            }
        }
    }
    for (i, s) in specs.iter().enumerate() {
        columns.push(ScopeColumn {
            qualifier: None,
            name: format!("{AGG_PREFIX}{i}"),
            ty: expr_type(&s.call, &input.columns, &ctx),
        });
        replaced.push((s.call.clone(), placeholder(AGG_PREFIX, i)));
    }

    let mut rows = Vec::with_capacity(groups.len());
    for g in groups {
        let mut row = g.key_values;
        for (ai, (mut acc, mut buf)) in g.accs.into_iter().zip(g.buffers).enumerate() {
            let spec = &specs[ai];
            if spec.distinct || !spec.order.is_empty() {
                if spec.distinct {
                    // PostgreSQL sorts DISTINCT aggregate input, so string_agg comes out ordered.
                    if spec.order.is_empty() {
                        buf.sort_by(|a, b| cmp_rows(&a.0, &b.0));
                    }
                    let mut seen = std::collections::HashSet::new();
                    buf.retain(|(args, _)| seen.insert(args.first().map(Value::group_key)));
                }
                if !spec.order.is_empty() {
                    buf.sort_by(|a, b| super::order::cmp_keys(&a.1, &b.1, &spec.order));
                }
                for (mut args, _) in buf {
                    feed(&mut acc, spec.star, &mut args)?;
                }
            }
            row.push(match acc {
                Acc::User(p, rows) => crate::sql::functions::user::aggregate(p, rows, &ctx)?,
                acc => finish(acc)?,
            });
        }
        rows.push(row);
    }

    let input_columns = input.columns.clone();
    let grouped_columns = columns.clone();
    let rewrite_fn = move |e: &Expr| -> Expr {
        rewrite(e, &|x| {
            replaced
                .iter()
                .find(|(from, _)| from == x)
                .map(|(_, to)| to.clone())
        })
    };
    let _ = (&input_columns, &grouped_columns);
    Ok(Grouped {
        rel: Rel::new(columns, rows),
        rewrite: Box::new(rewrite_fn),
    })
}

fn cmp_rows(a: &[Value], b: &[Value]) -> Ordering {
    for (x, y) in a.iter().zip(b) {
        let c = x.pg_cmp(y);
        if c != Ordering::Equal {
            return c;
        }
    }
    Ordering::Equal
}

/// The input column a plain column reference names.
fn column_of(e: &Expr, columns: &[ScopeColumn]) -> Option<ScopeColumn> {
    let ids: Vec<Ident> = match e {
        Expr::Identifier(id) => vec![id.clone()],
        Expr::CompoundIdentifier(ids) => ids.clone(),
        Expr::Nested(inner) => return column_of(inner, columns),
        _ => return None,
    };
    let (q, n) = split_ident(&ids).ok()?;
    let i = find_column(columns, q.as_deref(), &n).ok().flatten()?;
    columns.get(i).cloned()
}

/// Rejects references to input columns that are neither grouped nor aggregated.
pub fn check_grouped(e: &Expr, grouped: &[ScopeColumn], input: &[ScopeColumn]) -> PgResult<()> {
    let mut err = None;
    walk(e, &mut |x| {
        if err.is_some() {
            return false;
        }
        let ids: Vec<Ident> = match x {
            Expr::Identifier(id) => vec![id.clone()],
            Expr::CompoundIdentifier(ids) => ids.clone(),
            _ => return true,
        };
        if let Ok((q, n)) = split_ident(&ids) {
            let in_grouped = find_column(grouped, q.as_deref(), &n)
                .ok()
                .flatten()
                .is_some();
            if !in_grouped {
                if let Ok(Some(i)) = find_column(input, q.as_deref(), &n) {
                    let c = &input[i];
                    let shown = match &c.qualifier {
                        Some(q) => format!("{q}.{}", c.name),
                        None => c.name.clone(),
                    };
                    err = Some(PgError::new(
                        "42803",
                        format!("column \"{shown}\" must appear in the GROUP BY clause or be used in an aggregate function"),
                    ));
                }
            }
        }
        false
    });
    match err {
        Some(e) => Err(e),
        None => Ok(()),
    }
}
