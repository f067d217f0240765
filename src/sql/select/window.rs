//! Window functions, as PostgreSQL's WindowAgg computes them: after grouping and HAVING, each
//! distinct window call is evaluated over its partition (rows sorted by PARTITION BY, then the
//! window's ORDER BY) and its frame, and becomes a column of the relation that the select list
//! and ORDER BY are rewritten to read.

use super::aggregate::{feed_copy, finish, new_acc, Acc};
use super::order::cmp_keys;
use super::walk::walk;
use super::{Executor, Rel};
use crate::error::{PgError, PgResult};
use crate::sql::eval::resolve::ident_name;
use crate::sql::eval::{
    arith, compare, eval, expr_type, function_args, is_true, Scope, ScopeColumn,
};
use crate::sql::functions::function_name;
use crate::types::{SqlType, Value};
use sqlparser::ast::{
    BinaryOperator, DuplicateTreatment, Expr, Function, FunctionArg, FunctionArgExpr,
    FunctionArguments, Ident, NamedWindowExpr, OrderByExpr, Select, WindowFrame, WindowFrameBound,
    WindowFrameUnits, WindowSpec, WindowType,
};
use std::cell::RefCell;
use std::cmp::Ordering;

const WIN_PREFIX: &str = "\u{1}win";

/// Functions that only exist as window functions.
const WINDOW_ONLY: &[&str] = &[
    "row_number",
    "rank",
    "dense_rank",
    "percent_rank",
    "cume_dist",
    "ntile",
    "lag",
    "lead",
    "first_value",
    "last_value",
    "nth_value",
];

fn is_window_call(e: &Expr) -> bool {
    matches!(e, Expr::Function(f) if f.over.is_some())
}

/// The window calls in `e`, outermost only.
fn collect_windows<'e>(e: &'e Expr, out: &mut Vec<&'e Expr>) {
    walk(e, &mut |x| {
        if is_window_call(x) {
            if !out.contains(&x) {
                out.push(x);
            }
            return false;
        }
        true
    });
}

pub fn has_windows(e: &Expr) -> bool {
    let mut v = Vec::new();
    collect_windows(e, &mut v);
    !v.is_empty()
}

/// PostgreSQL's errors for window calls where none is allowed.
pub fn check_clauses(sel: &Select) -> PgResult<()> {
    let not_allowed = |e: &Expr, clause: &str| -> PgResult<()> {
        if has_windows(e) {
            return Err(PgError::new(
                "42P20",
                format!("window functions are not allowed in {clause}"),
            ));
        }
        Ok(())
    };
    if let Some(w) = &sel.selection {
        not_allowed(w, "WHERE")?;
    }
    if let sqlparser::ast::GroupByExpr::Expressions(exprs, _) = &sel.group_by {
        for g in exprs {
            not_allowed(g, "GROUP BY")?;
        }
    }
    if let Some(h) = &sel.having {
        not_allowed(h, "HAVING")?;
    }
    Ok(())
}

/// Rewrites the window calls of `e` so that every OVER clause is a complete inline spec:
/// `OVER w` and `OVER (w ORDER BY ...)` take their definition from the WINDOW clause.
pub fn inline_named(sel: &Select, e: &Expr) -> PgResult<Expr> {
    if sel.named_window.is_empty() && !has_named_reference(e) {
        return Ok(e.clone());
    }
    let failure: RefCell<Option<PgError>> = RefCell::new(None);
    let out = super::walk::rewrite(e, &|x| {
        let Expr::Function(f) = x else { return None };
        let over = f.over.as_ref()?;
        match resolve_over(sel, over, 0) {
            Ok(spec) => {
                let mut f = f.clone();
                f.over = Some(WindowType::WindowSpec(spec));
                Some(Expr::Function(f))
            }
            Err(err) => {
                failure.borrow_mut().get_or_insert(err);
                None
            }
        }
    });
    match failure.into_inner() {
        Some(err) => Err(err),
        None => Ok(out),
    }
}

fn has_named_reference(e: &Expr) -> bool {
    let mut found = false;
    walk(e, &mut |x| {
        if let Expr::Function(f) = x {
            match &f.over {
                Some(WindowType::NamedWindow(_)) => found = true,
                Some(WindowType::WindowSpec(s)) if s.window_name.is_some() => found = true,
                _ => {}
            }
        }
        true
    });
    found
}

fn named_definition(sel: &Select, name: &Ident, depth: usize) -> PgResult<WindowSpec> {
    let wanted = ident_name(name);
    let def = sel
        .named_window
        .iter()
        .find(|d| ident_name(&d.0) == wanted)
        .ok_or_else(|| PgError::new("42704", format!("window \"{wanted}\" does not exist")))?;
    if depth > sel.named_window.len() {
        return Err(PgError::new(
            "42704",
            format!("window \"{wanted}\" does not exist"),
        ));
    }
    match &def.1 {
        NamedWindowExpr::NamedWindow(other) => named_definition(sel, other, depth + 1),
        NamedWindowExpr::WindowSpec(spec) => {
            resolve_over(sel, &WindowType::WindowSpec(spec.clone()), depth + 1)
        }
    }
}

/// A window spec with its base window (if any) merged in, following PostgreSQL's rules for
/// copying a named window.
fn resolve_over(sel: &Select, over: &WindowType, depth: usize) -> PgResult<WindowSpec> {
    match over {
        WindowType::NamedWindow(name) => named_definition(sel, name, depth),
        WindowType::WindowSpec(spec) => {
            let Some(base_name) = &spec.window_name else {
                return Ok(spec.clone());
            };
            let base = named_definition(sel, base_name, depth)?;
            let name = ident_name(base_name);
            if !spec.partition_by.is_empty() {
                return Err(PgError::new(
                    "42P20",
                    format!("cannot override PARTITION BY clause of window \"{name}\""),
                ));
            }
            if !spec.order_by.is_empty() && !base.order_by.is_empty() {
                return Err(PgError::new(
                    "42P20",
                    format!("cannot override ORDER BY clause of window \"{name}\""),
                ));
            }
            if base.window_frame.is_some() {
                return Err(PgError::new(
                    "42P20",
                    format!("cannot copy window \"{name}\" because it has a frame clause"),
                ));
            }
            Ok(WindowSpec {
                window_name: None,
                partition_by: base.partition_by,
                order_by: if spec.order_by.is_empty() {
                    base.order_by
                } else {
                    spec.order_by.clone()
                },
                window_frame: spec.window_frame.clone(),
            })
        }
    }
}

/// Computes every window call in `exprs` over `rel`, adds their results as columns and
/// rewrites `exprs` to read them. Without a query ORDER BY, rows keep the order of the last
/// window's sort, as PostgreSQL returns them.
pub fn apply(
    exec: &Executor,
    rel: &mut Rel,
    exprs: &mut [&mut Expr],
    outer: Option<&Scope>,
) -> PgResult<()> {
    let mut calls: Vec<Expr> = Vec::new();
    for e in exprs.iter() {
        let mut found = Vec::new();
        collect_windows(e, &mut found);
        for c in found {
            if !calls.contains(c) {
                calls.push(c.clone());
            }
        }
    }
    if calls.is_empty() {
        return Ok(());
    }
    let mut results: Vec<(Vec<Value>, SqlType, Vec<usize>)> = Vec::with_capacity(calls.len());
    for call in &calls {
        let Expr::Function(f) = call else { continue };
        results.push(compute(exec, rel, f, outer)?);
    }
    let mut last_order: Option<Vec<usize>> = None;
    let mut last_len = usize::MAX;
    for (i, (values, ty, order)) in results.into_iter().enumerate() {
        rel.columns.push(ScopeColumn {
            qualifier: None,
            name: format!("{WIN_PREFIX}{i}"),
            ty,
        });
        rel.hidden.push(true);
        for (row, v) in rel.rows.iter_mut().zip(values) {
            row.push(v);
        }
        // PostgreSQL runs windows with longer sort keys first; the last sort decides the order.
        let key_len = window_key_len(calls.get(i));
        if key_len <= last_len {
            last_len = key_len;
            last_order = Some(order);
        }
    }
    if let Some(order) = last_order {
        let mut slots: Vec<Option<Vec<Value>>> = std::mem::take(&mut rel.rows)
            .into_iter()
            .map(Some)
            .collect();
        rel.rows = order
            .into_iter()
            .filter_map(|i| slots.get_mut(i).and_then(Option::take))
            .collect();
    }
    for e in exprs.iter_mut() {
        **e = super::walk::rewrite(e, &|x| {
            calls
                .iter()
                .position(|c| c == x)
                .map(|i| Expr::Identifier(Ident::with_quote('"', format!("{WIN_PREFIX}{i}"))))
        });
    }
    Ok(())
}

fn window_key_len(call: Option<&Expr>) -> usize {
    match call {
        Some(Expr::Function(Function {
            over: Some(WindowType::WindowSpec(s)),
            ..
        })) => s.partition_by.len() + s.order_by.len(),
        _ => 0,
    }
}

fn ascending(e: &Expr) -> OrderByExpr {
    OrderByExpr {
        expr: e.clone(),
        asc: None,
        nulls_first: None,
        with_fill: None,
    }
}

/// One window call's value for every row of `rel`, its type, and the sorted row order.
fn compute(
    exec: &Executor,
    rel: &Rel,
    f: &Function,
    outer: Option<&Scope>,
) -> PgResult<(Vec<Value>, SqlType, Vec<usize>)> {
    let ctx = exec.ctx();
    let name = function_name(f);
    let Some(WindowType::WindowSpec(spec)) = &f.over else {
        let w = match &f.over {
            Some(WindowType::NamedWindow(n)) => ident_name(n),
            _ => String::new(),
        };
        return Err(PgError::new(
            "42704",
            format!("window \"{w}\" does not exist"),
        ));
    };
    let args: Vec<&Expr> = function_args(&f.args);
    for a in args.iter().copied().chain(spec.partition_by.iter()) {
        if has_windows(a) {
            return Err(PgError::new(
                "42P20",
                "window function calls cannot be nested",
            ));
        }
    }
    for o in &spec.order_by {
        if has_windows(&o.expr) {
            return Err(PgError::new(
                "42P20",
                "window function calls cannot be nested",
            ));
        }
    }
    let star = matches!(&f.args, FunctionArguments::List(l)
        if l.args.iter().any(|a| matches!(a, FunctionArg::Unnamed(FunctionArgExpr::Wildcard))));
    let is_agg = crate::sql::catalog::is_aggregate(&name);
    if !is_agg && !WINDOW_ONLY.contains(&name.as_str()) {
        return Err(PgError::new(
            "42809",
            format!(
                "OVER specified, but {name} is not a window function nor an aggregate function"
            ),
        ));
    }
    if let FunctionArguments::List(l) = &f.args {
        if matches!(l.duplicate_treatment, Some(DuplicateTreatment::Distinct)) {
            return Err(PgError::new(
                "0A000",
                "DISTINCT is not implemented for window functions",
            ));
        }
    }
    if f.filter.is_some() && !is_agg {
        return Err(PgError::new(
            "0A000",
            "FILTER is not implemented for non-aggregate window functions",
        ));
    }
    check_arity(&name, &args, star, rel, &ctx)?;
    let ty = result_type(&name, f, &args, rel, &ctx);

    // Per-row sort keys (PARTITION BY then ORDER BY), arguments and FILTER.
    let mut sort_spec: Vec<OrderByExpr> = spec.partition_by.iter().map(ascending).collect();
    sort_spec.extend(spec.order_by.iter().cloned());
    let parts = spec.partition_by.len();
    let n = rel.rows.len();
    let mut keys: Vec<Vec<Value>> = Vec::with_capacity(n);
    let mut arg_values: Vec<Vec<Value>> = Vec::with_capacity(n);
    let mut included: Vec<bool> = Vec::with_capacity(n);
    for row in &rel.rows {
        let scope = Scope {
            columns: &rel.columns,
            row,
            outer,
        };
        let mut k = Vec::with_capacity(sort_spec.len());
        for o in &sort_spec {
            k.push(eval(&o.expr, &scope, &ctx)?);
        }
        keys.push(k);
        let mut a = Vec::with_capacity(args.len());
        for e in &args {
            a.push(eval(e, &scope, &ctx)?);
        }
        arg_values.push(a);
        included.push(match &f.filter {
            Some(cond) => is_true(&eval(cond, &scope, &ctx)?),
            None => true,
        });
    }
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|a, b| cmp_keys(&keys[*a], &keys[*b], &sort_spec));

    let frame = Frame::new(spec, outer, exec)?;
    let mut out = vec![Value::Null; n];
    let mut start = 0;
    while start < n {
        let first_keys = &keys[order[start]][..parts];
        let mut end = start + 1;
        while end < n
            && cmp_keys(first_keys, &keys[order[end]][..parts], &sort_spec) == Ordering::Equal
        {
            end += 1;
        }
        let rows: Vec<usize> = order[start..end].to_vec();
        let part = Partition {
            rows: &rows,
            keys: &keys,
            order_spec: &sort_spec[parts..],
            parts,
        };
        let values = partition_values(&name, star, &part, &arg_values, &included, &frame)?;
        for (r, v) in rows.iter().zip(values) {
            if let Some(slot) = out.get_mut(*r) {
                *slot = v;
            }
        }
        start = end;
    }
    Ok((out, ty, order))
}

fn check_arity(
    name: &str,
    args: &[&Expr],
    star: bool,
    rel: &Rel,
    ctx: &crate::sql::eval::EvalCtx,
) -> PgResult<()> {
    let (min, max) = match name {
        "row_number" | "rank" | "dense_rank" | "percent_rank" | "cume_dist" => (0, 0),
        "ntile" | "first_value" | "last_value" => (1, 1),
        "nth_value" => (2, 2),
        "lag" | "lead" => (1, 3),
        _ => return Ok(()),
    };
    if star || args.len() < min || args.len() > max {
        let types: Vec<String> = args
            .iter()
            .map(|e| match expr_type(e, &rel.columns, ctx) {
                SqlType::Unknown => "unknown".to_string(),
                t => t.pg_name(),
            })
            .collect();
        return Err(PgError::undefined_function(&format!(
            "{name}({})",
            types.join(", ")
        )));
    }
    Ok(())
}

fn result_type(
    name: &str,
    f: &Function,
    args: &[&Expr],
    rel: &Rel,
    ctx: &crate::sql::eval::EvalCtx,
) -> SqlType {
    match name {
        "row_number" | "rank" | "dense_rank" => SqlType::Int8,
        "ntile" => SqlType::Int4,
        "percent_rank" | "cume_dist" => SqlType::Float8,
        "lag" | "lead" | "first_value" | "last_value" | "nth_value" => args
            .first()
            .map(|a| expr_type(a, &rel.columns, ctx))
            .unwrap_or(SqlType::Unknown),
        _ => {
            let mut plain = f.clone();
            plain.over = None;
            expr_type(&Expr::Function(plain), &rel.columns, ctx)
        }
    }
}

/// One partition: its rows in window order and their sort keys.
struct Partition<'a> {
    rows: &'a [usize],
    keys: &'a [Vec<Value>],
    order_spec: &'a [OrderByExpr],
    parts: usize,
}

impl Partition<'_> {
    fn order_keys(&self, pos: usize) -> &[Value] {
        self.rows
            .get(pos)
            .and_then(|r| self.keys.get(*r))
            .map(|k| k.get(self.parts..).unwrap_or(&[]))
            .unwrap_or(&[])
    }

    fn peers(&self, a: usize, b: usize) -> bool {
        cmp_keys(self.order_keys(a), self.order_keys(b), self.order_spec) == Ordering::Equal
    }

    /// For each position, the index of its peer group and the group's [start, end).
    fn peer_groups(&self) -> (Vec<usize>, Vec<(usize, usize)>) {
        let mut group_of = Vec::with_capacity(self.rows.len());
        let mut groups: Vec<(usize, usize)> = Vec::new();
        for pos in 0..self.rows.len() {
            match groups.last_mut() {
                Some((s, e)) if self.peers(*s, pos) => *e = pos + 1,
                _ => groups.push((pos, pos + 1)),
            }
            group_of.push(groups.len() - 1);
        }
        (group_of, groups)
    }
}

#[derive(Clone, Copy)]
enum Bound {
    Unbounded,
    Current,
    Preceding(usize),
    Following(usize),
    /// A RANGE offset: the value distance from the current row's key.
    RangePreceding(usize),
    RangeFollowing(usize),
}

struct Frame {
    units: WindowFrameUnits,
    start: Bound,
    end: Bound,
    /// RANGE offsets, evaluated once.
    range_offsets: Vec<Value>,
    /// No frame clause and no ORDER BY: the whole partition.
    whole: bool,
}

impl Frame {
    fn new(spec: &WindowSpec, outer: Option<&Scope>, exec: &Executor) -> PgResult<Self> {
        let Some(WindowFrame {
            units,
            start_bound,
            end_bound,
        }) = &spec.window_frame
        else {
            return Ok(Frame {
                units: WindowFrameUnits::Range,
                start: Bound::Unbounded,
                end: Bound::Current,
                range_offsets: Vec::new(),
                whole: spec.order_by.is_empty(),
            });
        };
        let end_bound = end_bound.clone().unwrap_or(WindowFrameBound::CurrentRow);
        match (start_bound, &end_bound) {
            (WindowFrameBound::Following(None), _) => {
                return Err(PgError::new(
                    "42P20",
                    "frame start cannot be UNBOUNDED FOLLOWING",
                ))
            }
            (_, WindowFrameBound::Preceding(None)) => {
                return Err(PgError::new(
                    "42P20",
                    "frame end cannot be UNBOUNDED PRECEDING",
                ))
            }
            (WindowFrameBound::CurrentRow, WindowFrameBound::Preceding(Some(_))) => {
                return Err(PgError::new(
                    "42P20",
                    "frame starting from current row cannot have preceding rows",
                ))
            }
            (
                WindowFrameBound::Following(Some(_)),
                WindowFrameBound::Preceding(Some(_)) | WindowFrameBound::CurrentRow,
            ) => {
                return Err(PgError::new(
                    "42P20",
                    "frame starting from following row cannot have preceding rows",
                ))
            }
            _ => {}
        }
        let mut frame = Frame {
            units: *units,
            start: Bound::Unbounded,
            end: Bound::Unbounded,
            range_offsets: Vec::new(),
            whole: false,
        };
        frame.start = frame.bound(start_bound, "starting", spec, outer, exec)?;
        frame.end = frame.bound(&end_bound, "ending", spec, outer, exec)?;
        Ok(frame)
    }

    fn bound(
        &mut self,
        b: &WindowFrameBound,
        which: &str,
        spec: &WindowSpec,
        outer: Option<&Scope>,
        exec: &Executor,
    ) -> PgResult<Bound> {
        let (offset, preceding) = match b {
            WindowFrameBound::CurrentRow => return Ok(Bound::Current),
            WindowFrameBound::Preceding(None) | WindowFrameBound::Following(None) => {
                return Ok(Bound::Unbounded)
            }
            WindowFrameBound::Preceding(Some(e)) => (e, true),
            WindowFrameBound::Following(Some(e)) => (e, false),
        };
        let ctx = exec.ctx();
        let scope = outer.copied().unwrap_or(Scope::EMPTY);
        let v = eval(offset, &scope, &ctx)?;
        if v.is_null() {
            return Err(PgError::new(
                "22013",
                format!("frame {which} offset must not be null"),
            ));
        }
        if matches!(self.units, WindowFrameUnits::Range) {
            if spec.order_by.len() != 1 {
                return Err(PgError::new(
                    "42P20",
                    "RANGE with offset PRECEDING/FOLLOWING requires exactly one ORDER BY column",
                ));
            }
            if compare(&v, &Value::Int4(0))? == Ordering::Less {
                return Err(PgError::new(
                    "22013",
                    "invalid preceding or following size in window function",
                ));
            }
            self.range_offsets.push(v);
            let i = self.range_offsets.len() - 1;
            return Ok(if preceding {
                Bound::RangePreceding(i)
            } else {
                Bound::RangeFollowing(i)
            });
        }
        let n = v.as_i64().ok_or_else(|| {
            PgError::new(
                "42804",
                format!(
                    "argument of {} must be type bigint, not type {}",
                    if matches!(self.units, WindowFrameUnits::Rows) {
                        "ROWS"
                    } else {
                        "GROUPS"
                    },
                    v.natural_type().pg_name()
                ),
            )
        })?;
        if n < 0 {
            return Err(PgError::new(
                "22013",
                format!("frame {which} offset must not be negative"),
            ));
        }
        let n = usize::try_from(n).unwrap_or(usize::MAX);
        Ok(if preceding {
            Bound::Preceding(n)
        } else {
            Bound::Following(n)
        })
    }

    /// The frame [start, end) of the row at `pos` (positions within the partition).
    fn rows_of(
        &self,
        pos: usize,
        part: &Partition,
        group_of: &[usize],
        groups: &[(usize, usize)],
    ) -> PgResult<(usize, usize)> {
        let len = part.rows.len();
        if self.whole {
            return Ok((0, len));
        }
        let g = group_of.get(pos).copied().unwrap_or(0);
        let group = |i: usize| groups.get(i).copied().unwrap_or((len, len));
        let start = match self.start {
            Bound::Unbounded => 0,
            Bound::Current => match self.units {
                WindowFrameUnits::Rows => pos,
                _ => group(g).0,
            },
            Bound::Preceding(n) => match self.units {
                WindowFrameUnits::Groups => group(g.saturating_sub(n)).0,
                _ => pos.saturating_sub(n),
            },
            Bound::Following(n) => match self.units {
                WindowFrameUnits::Groups => group(g.saturating_add(n)).0,
                _ => pos.saturating_add(n).min(len),
            },
            Bound::RangePreceding(i) => self.range_edge(pos, part, i, true, true)?,
            Bound::RangeFollowing(i) => self.range_edge(pos, part, i, false, true)?,
        };
        let end = match self.end {
            Bound::Unbounded => len,
            Bound::Current => match self.units {
                WindowFrameUnits::Rows => pos + 1,
                _ => group(g).1,
            },
            Bound::Preceding(n) => match self.units {
                WindowFrameUnits::Groups => match g.checked_sub(n) {
                    Some(gi) => group(gi).1,
                    None => 0,
                },
                _ => (pos + 1).saturating_sub(n),
            },
            Bound::Following(n) => match self.units {
                WindowFrameUnits::Groups => group(g.saturating_add(n).min(groups.len() - 1)).1,
                _ => pos.saturating_add(n).saturating_add(1).min(len),
            },
            Bound::RangePreceding(i) => self.range_edge(pos, part, i, true, false)?,
            Bound::RangeFollowing(i) => self.range_edge(pos, part, i, false, false)?,
        };
        Ok((start, end.max(start)))
    }

    /// A RANGE offset bound: the first row (for a start) or one past the last row (for an
    /// end) whose key lies within the offset of the current row's key.
    fn range_edge(
        &self,
        pos: usize,
        part: &Partition,
        offset: usize,
        preceding: bool,
        is_start: bool,
    ) -> PgResult<usize> {
        let len = part.rows.len();
        let key = |p: usize| part.order_keys(p).first().cloned().unwrap_or(Value::Null);
        let cur = key(pos);
        let desc = part.order_spec.first().and_then(|o| o.asc) == Some(false);
        if cur.is_null() {
            // NULL keys: the frame is the NULL peers.
            let peers: Vec<usize> = (0..len).filter(|p| key(*p).is_null()).collect();
            return Ok(if is_start {
                peers.first().copied().unwrap_or(pos)
            } else {
                peers.last().map(|p| p + 1).unwrap_or(pos + 1)
            });
        }
        let delta = self
            .range_offsets
            .get(offset)
            .cloned()
            .unwrap_or(Value::Null);
        // Moving "back" in sort order subtracts for ASC and adds for DESC.
        let op = if preceding != desc {
            BinaryOperator::Minus
        } else {
            BinaryOperator::Plus
        };
        let limit = arith(&cur, &op, &delta)?;
        let before = |v: &Value| -> PgResult<bool> {
            if v.is_null() {
                return Ok(false);
            }
            let c = compare(v, &limit)?;
            Ok(if desc {
                c == Ordering::Greater
            } else {
                c == Ordering::Less
            })
        };
        let after = |v: &Value| -> PgResult<bool> {
            if v.is_null() {
                return Ok(false);
            }
            let c = compare(v, &limit)?;
            Ok(if desc {
                c == Ordering::Less
            } else {
                c == Ordering::Greater
            })
        };
        if is_start {
            for p in 0..len {
                let v = key(p);
                if !v.is_null() && !before(&v)? {
                    return Ok(p);
                }
            }
            Ok(len)
        } else {
            let mut end = 0;
            for p in 0..len {
                let v = key(p);
                if !v.is_null() && !after(&v)? {
                    end = p + 1;
                }
            }
            Ok(end)
        }
    }
}

/// The values of one window function for the rows of one partition, in partition order.
fn partition_values(
    name: &str,
    star: bool,
    part: &Partition,
    args: &[Vec<Value>],
    included: &[bool],
    frame: &Frame,
) -> PgResult<Vec<Value>> {
    let len = part.rows.len();
    let arg = |pos: usize, k: usize| -> Value {
        part.rows
            .get(pos)
            .and_then(|r| args.get(*r))
            .and_then(|a| a.get(k))
            .cloned()
            .unwrap_or(Value::Null)
    };
    let (group_of, groups) = part.peer_groups();
    let mut out = Vec::with_capacity(len);
    match name {
        "row_number" => out.extend((1..=len).map(|i| Value::Int8(i as i64))),
        "rank" => {
            for g in &group_of {
                let start = groups.get(*g).map(|x| x.0).unwrap_or(0);
                out.push(Value::Int8(start as i64 + 1));
            }
        }
        "dense_rank" => out.extend(group_of.iter().map(|g| Value::Int8(*g as i64 + 1))),
        "percent_rank" => {
            for g in &group_of {
                let start = groups.get(*g).map(|x| x.0).unwrap_or(0);
                out.push(Value::Float8(if len > 1 {
                    start as f64 / (len - 1) as f64
                } else {
                    0.0
                }));
            }
        }
        "cume_dist" => {
            for g in &group_of {
                let end = groups.get(*g).map(|x| x.1).unwrap_or(len);
                out.push(Value::Float8(end as f64 / len as f64));
            }
        }
        "ntile" => {
            let buckets = match arg(0, 0) {
                Value::Null => None,
                v => Some(v.as_i64().unwrap_or(0)),
            };
            match buckets {
                None => out.extend((0..len).map(|_| Value::Null)),
                Some(b) if b <= 0 => {
                    return Err(PgError::new(
                        "22014",
                        "argument of ntile must be greater than zero",
                    ))
                }
                Some(b) => {
                    let b = (b as usize).min(len.max(1));
                    let (size, extra) = (len / b, len % b);
                    for bucket in 0..b {
                        let count = size + usize::from(bucket < extra);
                        out.extend((0..count).map(|_| Value::Int4(bucket as i32 + 1)));
                    }
                }
            }
        }
        "lag" | "lead" => {
            for pos in 0..len {
                let offset = match args.len() {
                    _ if part.rows.is_empty() => 1,
                    _ => match arg(pos, 1) {
                        Value::Null if has_arg(args, part, 1) => {
                            out.push(Value::Null);
                            continue;
                        }
                        Value::Null => 1,
                        v => v.as_i64().unwrap_or(1),
                    },
                };
                let target = if name == "lag" {
                    pos as i64 - offset
                } else {
                    pos as i64 + offset
                };
                let v = if target >= 0 && (target as usize) < len {
                    arg(target as usize, 0)
                } else {
                    arg(pos, 2)
                };
                out.push(v);
            }
        }
        "first_value" | "last_value" | "nth_value" => {
            for pos in 0..len {
                let (s, e) = frame.rows_of(pos, part, &group_of, &groups)?;
                let v = match name {
                    "first_value" => (s < e).then(|| arg(s, 0)),
                    "last_value" => (s < e).then(|| arg(e - 1, 0)),
                    _ => {
                        let nth = arg(pos, 1).as_i64();
                        match nth {
                            Some(n) if n <= 0 => {
                                return Err(PgError::new(
                                    "22016",
                                    "argument of nth_value must be greater than zero",
                                ))
                            }
                            Some(n) => {
                                let at = s + n as usize - 1;
                                (at < e).then(|| arg(at, 0))
                            }
                            None => None,
                        }
                    }
                };
                out.push(v.unwrap_or(Value::Null));
            }
        }
        _ => aggregate_values(
            name, star, part, args, included, frame, &group_of, &groups, &mut out,
        )?,
    }
    Ok(out)
}

/// Whether the call passed an argument at position `k` (lag's offset may be NULL on purpose).
fn has_arg(args: &[Vec<Value>], part: &Partition, k: usize) -> bool {
    part.rows
        .first()
        .and_then(|r| args.get(*r))
        .is_some_and(|a| a.len() > k)
}

/// An aggregate over each row's frame; frames that start at the partition's first row are
/// accumulated incrementally.
#[allow(clippy::too_many_arguments)]
fn aggregate_values(
    name: &str,
    star: bool,
    part: &Partition,
    args: &[Vec<Value>],
    included: &[bool],
    frame: &Frame,
    group_of: &[usize],
    groups: &[(usize, usize)],
    out: &mut Vec<Value>,
) -> PgResult<()> {
    let row_args = |pos: usize| -> Option<&Vec<Value>> {
        let r = *part.rows.get(pos)?;
        if !included.get(r).copied().unwrap_or(true) {
            return None;
        }
        args.get(r)
    };
    let mut running: Option<(Acc, usize)> = None;
    for pos in 0..part.rows.len() {
        let (s, e) = frame.rows_of(pos, part, group_of, groups)?;
        let acc = if s == 0 && running.as_ref().is_none_or(|(_, fed)| *fed <= e) {
            let (mut acc, fed) = running.take().unwrap_or_else(|| (new_acc(name), 0));
            for p in fed..e {
                if let Some(a) = row_args(p) {
                    feed_copy(&mut acc, star, a)?;
                }
            }
            running = Some((acc.clone(), e.max(fed)));
            acc
        } else {
            let mut acc = new_acc(name);
            for p in s..e {
                if let Some(a) = row_args(p) {
                    feed_copy(&mut acc, star, a)?;
                }
            }
            acc
        };
        out.push(finish(acc)?);
    }
    Ok(())
}
