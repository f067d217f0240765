//! FROM: stored tables, CTEs, host relations, subqueries, set-returning functions and joins
//! (see `join`).

use super::join::{join, where_join_condition, Input, JoinKind};
use super::used::UsedNames;
use super::{Executor, Rel};
use crate::error::{PgError, PgResult};
use crate::sql::eval::resolve::{find_column, ident_name};
use crate::sql::eval::{arg_exprs, eval, expr_type, function_args, Scope, ScopeColumn};
use crate::sql::{Column, ResultSet};
use crate::types::{SqlType, Value};
use sqlparser::ast::{
    BinaryOperator, Expr, FunctionArg, Ident, Join, JoinConstraint, JoinOperator, ObjectName,
    TableAlias, TableFactor, TableWithJoins,
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
    crate::sql::namespace::stored(name)
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
    if let Some(rs) = crate::sql::system_relation(exec.db, exec.host, name) {
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

/// A stored table's columns under its alias, without rows; `None` when `name` is a CTE or
/// no stored table.
pub(super) fn stored_shape(
    exec: &Executor,
    name: &str,
    alias: Option<&TableAlias>,
) -> Option<PgResult<Rel>> {
    if exec.cte(name).is_some() {
        return None;
    }
    let def = exec.db.table(name)?;
    let shape = ResultSet {
        columns: def.result_columns(),
        rows: Vec::new(),
    };
    Some(with_alias(shape, name, alias))
}

/// Which of a stored relation's columns the block reads (`None`: all of them, as for a
/// whole-row reference).
pub(super) fn needed_columns(rel: &Rel, name: &str, used: &UsedNames) -> Option<Vec<bool>> {
    let qualifier = rel
        .columns
        .first()
        .and_then(|c| c.qualifier.clone())
        .unwrap_or_else(|| name.to_string());
    let names: Vec<String> = rel.columns.iter().map(|c| c.name.clone()).collect();
    used.needed(&qualifier, &names)
}

/// A stored table read by a block that names only `used` columns: the others stay NULL
/// (unconverted) in its rows.
fn stored_relation(
    exec: &Executor,
    name: &str,
    alias: Option<&TableAlias>,
    used: &UsedNames,
) -> Option<PgResult<Rel>> {
    let mut rel = match stored_shape(exec, name, alias)? {
        Ok(rel) => rel,
        Err(e) => return Some(Err(e)),
    };
    let needed = needed_columns(&rel, name, used);
    if super::partitioned::special(exec.db, name, used.tableoid()) {
        let read =
            super::partitioned::read(exec.db, name, &mut rel, needed.as_deref(), used.tableoid());
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
    build_from_where(exec, from, None, outer, used, &[])
}

/// `build_from` for a block with a WHERE clause, whose equalities between comma-separated
/// items join them by hashing; `merges` (from the planner, one per join in FROM order) says
/// which joins merge instead (`Some(outer is the right input)`).
pub fn build_from_where(
    exec: &Executor,
    from: &[TableWithJoins],
    where_clause: Option<&Expr>,
    outer: Option<&Scope>,
    used: &UsedNames,
    merges: &[Option<bool>],
) -> PgResult<Rel> {
    let mut acc: Option<Rel> = None;
    let mut merges = merges.iter().copied();
    for twj in from {
        if let Some(left) = acc.take_if(|_| super::lateral::is_lateral(&twj.relation)) {
            // A comma before a LATERAL item is a cross join evaluated row by row.
            let rel = super::lateral::lateral_join(
                exec,
                left,
                &twj.relation,
                JoinKind::Inner,
                None,
                outer,
                used,
                used.beyond_on(),
            )?;
            merges.next();
            acc = Some(chain_joins(
                exec,
                Input::from_rel(rel),
                &twj.joins,
                outer,
                used,
                &mut merges,
            )?);
            continue;
        }
        let rel = table_with_joins(exec, twj, outer, used, &mut merges)?;
        acc = Some(match acc {
            None => rel,
            Some(left) => {
                let on = where_clause
                    .and_then(|w| where_join_condition(w, &left.columns, &rel.columns))
                    .map(JoinConstraint::On);
                let (left, right) = (Input::from_rel(left), Input::from_rel(rel));
                let reads = used.beyond_on();
                join(
                    exec,
                    left,
                    right,
                    JoinKind::Inner,
                    on.as_ref(),
                    outer,
                    reads,
                    merges.next().flatten(),
                )?
            }
        });
    }
    Ok(acc.unwrap_or_else(|| Rel::new(Vec::new(), vec![Vec::new()])))
}

fn table_with_joins(
    exec: &Executor,
    twj: &TableWithJoins,
    outer: Option<&Scope>,
    used: &UsedNames,
    merges: &mut impl Iterator<Item = Option<bool>>,
) -> PgResult<Rel> {
    if twj.joins.is_empty() {
        return factor(exec, &twj.relation, outer, used);
    }
    let first = join_input(exec, &twj.relation, outer, used)?;
    chain_joins(exec, first, &twj.joins, outer, used, merges)
}

/// `left` joined with each of `joins` in turn (merged where `merges` says so); a LATERAL item
/// is evaluated for each row of what precedes it.
fn chain_joins(
    exec: &Executor,
    mut left: Input,
    joins: &[Join],
    outer: Option<&Scope>,
    used: &UsedNames,
    merges: &mut impl Iterator<Item = Option<bool>>,
) -> PgResult<Rel> {
    let outputs = used.join_outputs(joins);
    for (j, reads) in joins.iter().zip(&outputs) {
        let (kind, constraint) = join_kind(&j.join_operator)?;
        let merge = merges.next().flatten();
        let rel = if super::lateral::is_lateral(&j.relation) {
            super::lateral::lateral_join(
                exec,
                left.into_rel(),
                &j.relation,
                kind,
                constraint,
                outer,
                used,
                reads.as_ref(),
            )?
        } else {
            let right = join_input(exec, &j.relation, outer, used)?;
            let reads = reads.as_ref();
            join(exec, left, right, kind, constraint, outer, reads, merge)?
        };
        left = Input::from_rel(rel);
    }
    Ok(left.into_rel())
}

fn join_kind(op: &JoinOperator) -> PgResult<(JoinKind, Option<&JoinConstraint>)> {
    Ok(match op {
        JoinOperator::Inner(c) => (JoinKind::Inner, Some(c)),
        JoinOperator::LeftOuter(c) => (JoinKind::Left, Some(c)),
        JoinOperator::RightOuter(c) => (JoinKind::Right, Some(c)),
        JoinOperator::FullOuter(c) => (JoinKind::Full, Some(c)),
        JoinOperator::CrossJoin => (JoinKind::Inner, None),
        _ => return Err(PgError::unsupported("this join type is not supported")),
    })
}

/// One side of a join: a stored table is read in place, anything else as a relation.
fn join_input<'a>(
    exec: &Executor<'a>,
    tf: &TableFactor,
    outer: Option<&Scope>,
    used: &UsedNames,
) -> PgResult<Input<'a>> {
    if let TableFactor::Table {
        name,
        alias,
        args: None,
        ..
    } = tf
    {
        let name = relation_name(name);
        // Partitioned tables and `tableoid` need the rows gathered from each partition.
        let in_place = !super::partitioned::special(exec.db, &name, used.tableoid());
        if let Some(shape) = stored_shape(exec, &name, alias.as_ref()).filter(|_| in_place) {
            if let Some(rows) = exec.db.storage.stored_rows(&name)? {
                return Ok(Input::stored(shape?, rows));
            }
        }
    }
    Ok(Input::from_rel(factor(exec, tf, outer, used)?))
}

pub(super) fn factor(
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
            let mut rel =
                table_with_joins(exec, nested, outer, &used.nested(), &mut std::iter::empty())?;
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
