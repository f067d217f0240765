//! FROM: stored tables, CTEs, host relations, subqueries, set-returning functions and joins
//! (hash join for equality conditions, nested loop otherwise).

use super::keys::{hash_key, same_group, KeyIndex};
use super::used::UsedNames;
use super::{Executor, Rel};
use crate::error::{PgError, PgResult};
use crate::sql::eval::resolve::{find_column, ident_name};
use crate::sql::eval::{arg_exprs, eval, expr_type, function_args, is_true, Scope, ScopeColumn};
use crate::sql::{Column, ResultSet};
use crate::types::{SqlType, Value};
use sqlparser::ast::{
    BinaryOperator, Expr, FunctionArg, Ident, JoinConstraint, JoinOperator, ObjectName, TableAlias,
    TableFactor, TableWithJoins,
};

/// Renames the first columns of a result (`AS d(id)`, `WITH x(a, b) AS ...`).
pub fn apply_column_aliases(mut rs: ResultSet, names: &[Ident]) -> PgResult<ResultSet> {
    if names.len() > rs.columns.len() {
        return Err(PgError::new(
            "42P10",
            format!(
                "table has {} columns available but {} columns specified",
                rs.columns.len(),
                names.len()
            ),
        ));
    }
    for (c, n) in rs.columns.iter_mut().zip(names) {
        c.name = ident_name(n);
    }
    Ok(rs)
}

pub(super) fn relation_name(name: &ObjectName) -> String {
    name.0.last().map(ident_name).unwrap_or_default()
}

pub(super) fn with_alias(
    rs: ResultSet,
    default_name: &str,
    alias: Option<&TableAlias>,
) -> PgResult<Rel> {
    match alias {
        Some(a) => {
            let rs = apply_column_aliases(rs, &a.columns)?;
            Ok(Rel::from_result(rs, Some(&ident_name(&a.name))))
        }
        None => Ok(Rel::from_result(rs, Some(default_name))),
    }
}

/// A relation by name: a CTE, a stored table, or one the host provides.
pub fn named_relation(exec: &Executor, name: &str, alias: Option<&TableAlias>) -> PgResult<Rel> {
    if let Some(rs) = exec.cte(name) {
        return with_alias((*rs).clone(), name, alias);
    }
    if let Some(def) = exec.db.table(name) {
        if def.is_partitioned() {
            let shape = ResultSet {
                columns: def.result_columns(),
                rows: Vec::new(),
            };
            let mut rel = with_alias(shape, name, alias)?;
            super::partitioned::read(exec.db, name, &mut rel, None, false)?;
            return Ok(rel);
        }
        let rows = exec.db.storage.scan(name)?;
        let rs = ResultSet {
            columns: def.result_columns(),
            rows,
        };
        return with_alias(rs, name, alias);
    }
    if let Some(rs) = crate::sql::partition::time::system_relation(exec.db, name) {
        return with_alias(rs, name, alias);
    }
    if let Some(rs) = exec.host.virtual_table(name) {
        return with_alias(rs, name, alias);
    }
    if let Some(view) = exec.db.views.get(name) {
        let mut rs = Executor::new(exec.db, exec.host).query(&view.query, None)?;
        rs.columns = view.columns.clone();
        return with_alias(rs, name, alias);
    }
    Err(PgError::undefined_table(name))
}

/// A stored table read by a block that names only `used` columns: the others stay NULL
/// (unconverted) in its rows.
fn stored_relation(
    exec: &Executor,
    name: &str,
    alias: Option<&TableAlias>,
    used: &UsedNames,
) -> Option<PgResult<Rel>> {
    if exec.cte(name).is_some() {
        return None;
    }
    let def = exec.db.table(name)?;
    let shape = ResultSet {
        columns: def.result_columns(),
        rows: Vec::new(),
    };
    let mut rel = match with_alias(shape, name, alias) {
        Ok(rel) => rel,
        Err(e) => return Some(Err(e)),
    };
    let qualifier = rel
        .columns
        .first()
        .and_then(|c| c.qualifier.clone())
        .unwrap_or_else(|| name.to_string());
    let names: Vec<String> = rel.columns.iter().map(|c| c.name.clone()).collect();
    let needed = used.needed(&qualifier, &names);
    if super::partitioned::special(exec.db, name, used.tableoid()) {
        let read = super::partitioned::read(
            exec.db,
            name,
            &mut rel,
            needed.as_deref(),
            used.tableoid(),
        );
        return Some(read.map(|_| rel));
    }
    let rows = match needed {
        Some(needed) => exec.db.storage.scan_columns(name, &needed),
        None => exec.db.storage.scan(name),
    };
    Some(rows.map(|rows| {
        rel.rows = rows;
        rel
    }))
}

/// Builds the relation for a whole FROM list (comma items are cross joined); stored tables
/// convert only the columns in `used`.
pub fn build_from(
    exec: &Executor,
    from: &[TableWithJoins],
    outer: Option<&Scope>,
    used: &UsedNames,
) -> PgResult<Rel> {
    let mut acc: Option<Rel> = None;
    for twj in from {
        let rel = table_with_joins(exec, twj, outer, used)?;
        acc = Some(match acc {
            None => rel,
            Some(left) => join(exec, left, rel, JoinKind::Inner, None, outer)?,
        });
    }
    Ok(acc.unwrap_or_else(|| Rel::new(Vec::new(), vec![Vec::new()])))
}

fn table_with_joins(
    exec: &Executor,
    twj: &TableWithJoins,
    outer: Option<&Scope>,
    used: &UsedNames,
) -> PgResult<Rel> {
    let mut left = factor(exec, &twj.relation, outer, used)?;
    for j in &twj.joins {
        let right = factor(exec, &j.relation, outer, used)?;
        let (kind, constraint) = match &j.join_operator {
            JoinOperator::Inner(c) => (JoinKind::Inner, Some(c)),
            JoinOperator::LeftOuter(c) => (JoinKind::Left, Some(c)),
            JoinOperator::RightOuter(c) => (JoinKind::Right, Some(c)),
            JoinOperator::FullOuter(c) => (JoinKind::Full, Some(c)),
            JoinOperator::CrossJoin => (JoinKind::Inner, None),
            _ => return Err(PgError::unsupported("this join type is not supported")),
        };
        left = join(exec, left, right, kind, constraint, outer)?;
    }
    Ok(left)
}

fn factor(
    exec: &Executor,
    tf: &TableFactor,
    outer: Option<&Scope>,
    used: &UsedNames,
) -> PgResult<Rel> {
    match tf {
        TableFactor::Table {
            name, alias, args, ..
        } => match args {
            Some(fargs) => table_function(exec, name, &fargs.args, alias.as_ref(), outer),
            None => {
                let name = relation_name(name);
                match stored_relation(exec, &name, alias.as_ref(), used) {
                    Some(rel) => rel,
                    None => named_relation(exec, &name, alias.as_ref()),
                }
            }
        },
        TableFactor::Function {
            name, args, alias, ..
        } => table_function(exec, name, args, alias.as_ref(), outer),
        TableFactor::Derived {
            subquery, alias, ..
        } => {
            let Some(alias) = alias else {
                return Err(PgError::syntax("subquery in FROM must have an alias")
                    .with_hint("For example, FROM (SELECT ...) [AS] foo."));
            };
            let rs = exec.query(subquery, outer)?;
            with_alias(rs, "", Some(alias))
        }
        TableFactor::UNNEST {
            alias, array_exprs, ..
        } => {
            let rs = srf(
                exec,
                "unnest",
                &array_exprs.iter().collect::<Vec<_>>(),
                outer,
            )?;
            srf_alias(rs, "unnest", alias.as_ref())
        }
        TableFactor::NestedJoin {
            table_with_joins: nested,
            alias,
        } => {
            let mut rel = table_with_joins(exec, nested, outer, used)?;
            if let Some(a) = alias {
                let q = ident_name(&a.name);
                for (c, n) in rel
                    .columns
                    .iter_mut()
                    .zip(a.columns.iter().map(Some).chain(std::iter::repeat(None)))
                {
                    c.qualifier = Some(q.clone());
                    if let Some(n) = n {
                        c.name = ident_name(n);
                    }
                }
            }
            Ok(rel)
        }
        _ => Err(PgError::unsupported("this FROM item is not supported")),
    }
}

/// A function's single output column is named after the alias when no column list is given.
fn srf_alias(rs: ResultSet, fname: &str, alias: Option<&TableAlias>) -> PgResult<Rel> {
    match alias {
        Some(a) if a.columns.is_empty() && rs.columns.len() == 1 => {
            let q = ident_name(&a.name);
            let rs = ResultSet {
                columns: vec![Column::new(q.clone(), rs.columns[0].ty.clone())],
                rows: rs.rows,
            };
            Ok(Rel::from_result(rs, Some(&q)))
        }
        other => with_alias(rs, fname, other),
    }
}

fn table_function(
    exec: &Executor,
    name: &ObjectName,
    args: &[FunctionArg],
    alias: Option<&TableAlias>,
    outer: Option<&Scope>,
) -> PgResult<Rel> {
    let fname = relation_name(name);
    let exprs = arg_exprs(args);
    let rs = srf(exec, &fname, &exprs, outer)?;
    srf_alias(rs, &fname, alias)
}

/// Evaluates a set-returning function: generate_series, unnest, or one the host provides.
pub fn srf(
    exec: &Executor,
    fname: &str,
    exprs: &[&Expr],
    outer: Option<&Scope>,
) -> PgResult<ResultSet> {
    let ctx = exec.ctx();
    let scope = outer.copied().unwrap_or(Scope::EMPTY);
    let mut args = Vec::with_capacity(exprs.len());
    for e in exprs {
        args.push(eval(e, &scope, &ctx)?);
    }
    let arg_types: Vec<SqlType> = exprs
        .iter()
        .map(|e| expr_type(e, scope.columns, &ctx))
        .collect();
    match fname {
        "generate_series" => {
            let values = generate_series(&args)?;
            let ty = values
                .first()
                .map(Value::natural_type)
                .unwrap_or_else(|| arg_types.first().cloned().unwrap_or(SqlType::Int4));
            Ok(ResultSet {
                columns: vec![Column::new(fname, ty)],
                rows: values.into_iter().map(|v| vec![v]).collect(),
            })
        }
        "unnest" => {
            let ty = match arg_types.first() {
                Some(SqlType::Array(inner)) => (**inner).clone(),
                _ => SqlType::Text,
            };
            let values = match args.into_iter().next() {
                Some(Value::Array(items)) => items,
                Some(Value::Null) | None => Vec::new(),
                Some(other) => {
                    return Err(PgError::undefined_function(&format!(
                        "unnest({})",
                        other.natural_type().pg_name()
                    )))
                }
            };
            Ok(ResultSet {
                columns: vec![Column::new(fname, ty)],
                rows: values.into_iter().map(|v| vec![v]).collect(),
            })
        }
        "get_missing_time_partition_ranges" => {
            crate::sql::partition::time::missing_ranges_result(exec.db, &args, exec.host.now())
        }
        _ if crate::sql::functions::jsonb::is_set_returning(fname) => {
            let (columns, rows) = crate::sql::functions::jsonb::set_returning(fname, &args)
                .unwrap_or_else(|| Ok((Vec::new(), Vec::new())))?;
            Ok(ResultSet {
                columns: columns
                    .into_iter()
                    .map(|(n, t)| Column::new(n, t))
                    .collect(),
                rows,
            })
        }
        _ => match exec.host.call_table(fname, &args) {
            Some(r) => r,
            None => {
                let types: Vec<String> = arg_types.iter().map(SqlType::pg_name).collect();
                Err(PgError::undefined_function(&format!(
                    "{fname}({})",
                    types.join(", ")
                )))
            }
        },
    }
}

const MAX_SERIES: usize = 10_000_000;

/// generate_series over integers, numerics or timestamps.
pub fn generate_series(args: &[Value]) -> PgResult<Vec<Value>> {
    if args.iter().any(Value::is_null) {
        return Ok(Vec::new());
    }
    let too_big = || PgError::new("54000", "generate_series would return too many rows");
    match args {
        [a, b] | [a, b, _] if a.as_i64().is_some() && b.as_i64().is_some() => {
            let step = match args.get(2) {
                Some(s) => s.as_i64().ok_or_else(|| {
                    PgError::unsupported("generate_series step must be an integer")
                })?,
                None => 1,
            };
            if step == 0 {
                return Err(PgError::new("22023", "step size cannot equal zero"));
            }
            let (start, stop) = (a.as_i64().unwrap_or(0), b.as_i64().unwrap_or(0));
            let is_big = matches!(a, Value::Int8(_)) || matches!(b, Value::Int8(_));
            let mut out = Vec::new();
            let mut cur = start;
            while (step > 0 && cur <= stop) || (step < 0 && cur >= stop) {
                if out.len() >= MAX_SERIES {
                    return Err(too_big());
                }
                crate::sql::deadline::check()?;
                out.push(if is_big {
                    Value::Int8(cur)
                } else {
                    Value::Int4(cur as i32)
                });
                match cur.checked_add(step) {
                    Some(n) => cur = n,
                    None => break,
                }
            }
            Ok(out)
        }
        [a, b, step] => {
            let to_ts = |v: &Value| -> PgResult<chrono::NaiveDateTime> {
                match crate::sql::cast::cast(v.clone(), &SqlType::Timestamp)? {
                    Value::Timestamp(t) => Ok(t),
                    _ => Err(PgError::unsupported("generate_series arguments")),
                }
            };
            let step = match step {
                Value::Interval(i) => Value::Interval(*i),
                Value::Text(s) => crate::sql::cast::parse_text_as(s, &SqlType::Interval)?,
                other => other.clone(),
            };
            if let (Some(x), Some(y)) = (a.as_decimal(), b.as_decimal()) {
                let s = step
                    .as_decimal()
                    .ok_or_else(|| PgError::unsupported("generate_series step"))?;
                if s.is_zero() {
                    return Err(PgError::new("22023", "step size cannot equal zero"));
                }
                let mut out = Vec::new();
                let mut cur = x;
                while (s > rust_decimal::Decimal::ZERO && cur <= y)
                    || (s < rust_decimal::Decimal::ZERO && cur >= y)
                {
                    if out.len() >= MAX_SERIES {
                        return Err(too_big());
                    }
                    crate::sql::deadline::check()?;
                    out.push(Value::Numeric(cur));
                    cur += s;
                }
                return Ok(out);
            }
            let (start, stop) = (to_ts(a)?, to_ts(b)?);
            let zero = Value::Interval(Default::default());
            if step == zero {
                return Err(PgError::new("22023", "step size cannot equal zero"));
            }
            let forward =
                crate::sql::eval::arith(&Value::Timestamp(start), &BinaryOperator::Plus, &step)?
                    .pg_cmp(&Value::Timestamp(start))
                    .is_gt();
            let mut out = Vec::new();
            let mut cur = Value::Timestamp(start);
            let stop = Value::Timestamp(stop);
            while (forward && cur.pg_cmp(&stop).is_le()) || (!forward && cur.pg_cmp(&stop).is_ge())
            {
                if out.len() >= MAX_SERIES {
                    return Err(too_big());
                }
                crate::sql::deadline::check()?;
                let next = crate::sql::eval::arith(&cur, &BinaryOperator::Plus, &step)?;
                out.push(cur);
                cur = next;
            }
            Ok(out)
        }
        [a, b] if a.as_decimal().is_some() && b.as_decimal().is_some() => {
            generate_series(&[a.clone(), b.clone(), Value::Int4(1)])
        }
        _ => Err(PgError::undefined_function(&format!(
            "generate_series({})",
            args.iter()
                .map(|v| v.natural_type().pg_name())
                .collect::<Vec<_>>()
                .join(", ")
        ))),
    }
}

#[derive(Clone, Copy, PartialEq)]
pub enum JoinKind {
    Inner,
    Left,
    Right,
    Full,
}

/// Splits an ON condition into AND-ed parts.
pub(super) fn conjuncts<'e>(e: &'e Expr, out: &mut Vec<&'e Expr>) {
    match e {
        Expr::BinaryOp {
            left,
            op: BinaryOperator::And,
            right,
        } => {
            conjuncts(left, out);
            conjuncts(right, out);
        }
        Expr::Nested(inner) => conjuncts(inner, out),
        other => out.push(other),
    }
}

/// The column index a plain column reference names in `cols`, if exactly one.
pub(super) fn column_index(e: &Expr, cols: &[ScopeColumn]) -> Option<usize> {
    let ids: Vec<Ident> = match e {
        Expr::Identifier(id) => vec![id.clone()],
        Expr::CompoundIdentifier(ids) => ids.clone(),
        Expr::Nested(inner) => return column_index(inner, cols),
        _ => return None,
    };
    let (q, n) = crate::sql::eval::resolve::split_ident(&ids).ok()?;
    find_column(cols, q.as_deref(), &n).ok().flatten()
}

/// Equality pairs `(left column, right column)` a hash join can use, and whether other
/// conditions remain to be checked per pair.
fn equi_keys(
    on: &Expr,
    left: &[ScopeColumn],
    right: &[ScopeColumn],
) -> (Vec<(usize, usize)>, bool) {
    let mut parts = Vec::new();
    conjuncts(on, &mut parts);
    let mut keys = Vec::new();
    let mut residual = false;
    for p in parts {
        if let Expr::BinaryOp {
            left: a,
            op: BinaryOperator::Eq,
            right: b,
        } = p
        {
            // Each side must name a column of exactly one input (not both, not the outer query).
            let (al, ar) = (column_index(a, left), column_index(a, right));
            let (bl, br) = (column_index(b, left), column_index(b, right));
            match (al, ar, bl, br) {
                (Some(l), None, None, Some(r)) | (None, Some(r), Some(l), None) => {
                    // Keys of different kinds (int = text) must still raise the operator error.
                    let same_kind = left[l].ty.is_numeric() == right[r].ty.is_numeric();
                    keys.push((l, r));
                    residual |= !same_kind;
                }
                _ => residual = true,
            }
        } else {
            residual = true;
        }
    }
    (keys, residual)
}

fn join(
    exec: &Executor,
    left: Rel,
    right: Rel,
    kind: JoinKind,
    constraint: Option<&JoinConstraint>,
    outer: Option<&Scope>,
) -> PgResult<Rel> {
    let mut using: Vec<(usize, usize)> = Vec::new();
    let mut on: Option<&Expr> = None;
    match constraint {
        Some(JoinConstraint::On(e)) => on = Some(e),
        Some(JoinConstraint::Using(cols)) => {
            for c in cols {
                let n = ident_name(c);
                let l = find_column(&left.columns, None, &n)?;
                let r = find_column(&right.columns, None, &n)?;
                match (l, r) {
                    (Some(l), Some(r)) => using.push((l, r)),
                    (None, _) => {
                        return Err(PgError::new(
                            "42703",
                            format!("column \"{n}\" specified in USING clause does not exist in left table"),
                        ))
                    }
                    (_, None) => {
                        return Err(PgError::new(
                            "42703",
                            format!("column \"{n}\" specified in USING clause does not exist in right table"),
                        ))
                    }
                }
            }
        }
        Some(JoinConstraint::Natural) => {
            for (l, c) in left.columns.iter().enumerate() {
                if let Some(r) = right.columns.iter().position(|rc| rc.name == c.name) {
                    using.push((l, r));
                }
            }
        }
        Some(JoinConstraint::None) | None => {}
    }
    let lw = left.columns.len();
    let rw = right.columns.len();
    let mut columns: Vec<ScopeColumn> = left.columns.clone();
    columns.extend(right.columns.iter().cloned());
    let ctx = exec.ctx();

    let (keys, residual) = if !using.is_empty() {
        (using.clone(), false)
    } else if let Some(e) = on {
        equi_keys(e, &left.columns, &right.columns)
    } else {
        (Vec::new(), false)
    };

    let mut out_rows: Vec<Vec<Value>> = Vec::new();
    let mut right_matched = vec![false; right.rows.len()];
    // Rows of a scan that reads no column are empty: pad each side to its width.
    let combine = |l: &[Value], r: &[Value]| -> Vec<Value> {
        let mut row = Vec::with_capacity(lw + rw);
        row.extend_from_slice(l);
        row.resize(lw, Value::Null);
        row.extend_from_slice(r);
        row.resize(lw + rw, Value::Null);
        row
    };
    let matches = |row: &[Value]| -> PgResult<bool> {
        match on {
            None => Ok(true),
            Some(e) => {
                let scope = Scope {
                    columns: &columns,
                    row,
                    outer,
                };
                Ok(is_true(&eval(e, &scope, &ctx)?))
            }
        }
    };
    if !keys.is_empty() {
        // Build on the right input, probe with the left (NULL keys never match).
        let key_hash = |row: &[Value], side: fn(&(usize, usize)) -> usize| -> Option<u64> {
            let null = keys
                .iter()
                .any(|k| row.get(side(k)).is_none_or(Value::is_null));
            (!null).then(|| hash_key(keys.iter().filter_map(|k| row.get(side(k)))))
        };
        let same_keys = |l: &[Value], r: &[Value]| {
            keys.iter().all(|&(li, ri)| match (l.get(li), r.get(ri)) {
                (Some(a), Some(b)) => same_group(a, b),
                _ => false,
            })
        };
        let mut table = KeyIndex::with_capacity(right.rows.len());
        for (ri, r) in right.rows.iter().enumerate() {
            if let Some(h) = key_hash(r, |k| k.1) {
                table.insert(h, ri);
            }
        }
        let mut cands: Vec<usize> = Vec::new();
        for l in &left.rows {
            crate::sql::deadline::check()?;
            let mut matched = false;
            if let Some(h) = key_hash(l, |k| k.0) {
                // The chain runs newest first; right rows pair in their own order.
                cands.clear();
                cands.extend(table.candidates(h));
                for &ri in cands.iter().rev() {
                    let r = &right.rows[ri];
                    if !same_keys(l, r) {
                        continue;
                    }
                    let row = combine(l, r);
                    if !residual || matches(&row)? {
                        matched = true;
                        right_matched[ri] = true;
                        out_rows.push(row);
                    }
                }
            }
            if !matched && matches!(kind, JoinKind::Left | JoinKind::Full) {
                out_rows.push(combine(l, &vec![Value::Null; rw]));
            }
        }
    } else {
        for l in &left.rows {
            let mut matched = false;
            for (ri, r) in right.rows.iter().enumerate() {
                crate::sql::deadline::check()?;
                let row = combine(l, r);
                if matches(&row)? {
                    matched = true;
                    right_matched[ri] = true;
                    out_rows.push(row);
                }
            }
            if !matched && matches!(kind, JoinKind::Left | JoinKind::Full) {
                out_rows.push(combine(l, &vec![Value::Null; rw]));
            }
        }
    }
    if matches!(kind, JoinKind::Right | JoinKind::Full) {
        for (ri, r) in right.rows.iter().enumerate() {
            if !right_matched[ri] {
                out_rows.push(combine(&vec![Value::Null; lw], r));
            }
        }
    }

    let mut hidden = left.hidden.clone();
    hidden.extend(right.hidden.iter().copied());
    if using.is_empty() {
        return Ok(Rel {
            columns,
            rows: out_rows,
            hidden,
        });
    }
    // USING: the merged columns come first, unqualified, as COALESCE(left, right); the
    // per-side copies stay reachable by qualified name but are hidden from `*`.
    let mut merged_cols: Vec<ScopeColumn> = using
        .iter()
        .map(|(l, _)| ScopeColumn {
            qualifier: None,
            name: left.columns[*l].name.clone(),
            ty: left.columns[*l].ty.clone(),
        })
        .collect();
    let mut merged_hidden = vec![false; using.len()];
    for (l, r) in &using {
        hidden[*l] = true;
        hidden[lw + *r] = true;
    }
    merged_cols.extend(columns);
    merged_hidden.extend(hidden);
    let rows = out_rows
        .into_iter()
        .map(|row| {
            let mut out: Vec<Value> = using
                .iter()
                .map(|(l, r)| match &row[*l] {
                    Value::Null => row[lw + *r].clone(),
                    v => v.clone(),
                })
                .collect();
            out.extend(row);
            out
        })
        .collect();
    Ok(Rel {
        columns: merged_cols,
        rows,
        hidden: merged_hidden,
    })
}

/// Function names that return sets when used in the select list.
pub fn is_srf_call(e: &Expr) -> Option<(String, Vec<&Expr>)> {
    match e {
        Expr::Function(f) => {
            let name = crate::sql::functions::function_name(f);
            matches!(
                name.as_str(),
                "generate_series"
                    | "unnest"
                    | "jsonb_object_keys"
                    | "jsonb_array_elements"
                    | "jsonb_array_elements_text"
            )
            .then(|| (name, function_args(&f.args)))
        }
        _ => None,
    }
}
