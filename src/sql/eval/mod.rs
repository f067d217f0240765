//! Expression evaluation with PostgreSQL semantics: three-valued logic, numeric promotion,
//! implicit coercion of untyped literals, CASE, COALESCE, IN, BETWEEN, LIKE, casts, functions,
//! and subqueries (run through `SubqueryRunner`).

pub mod compiled;
pub mod lane;
mod ops;
pub mod resolve;
mod typing;

pub use ops::{add_interval, arith, compare, is_arithmetic, is_comparison, like, numeric_div};

/// SQL equality of two non-NULL values.
pub fn ops_eq(l: &Value, r: &Value) -> PgResult<bool> {
    if l.is_null() || r.is_null() {
        return Ok(false);
    }
    Ok(compare(l, r)? == Ordering::Equal)
}
pub use resolve::resolve_column;
pub use typing::{expr_type, literal_type};

use super::cast::{cast, parse_interval, parse_text_as, sqltype_from_ast};
use super::functions;
use super::{Database, Host, ResultSet};
use crate::error::{PgError, PgResult};
use crate::types::{SqlType, Value};
use sqlparser::ast::{
    BinaryOperator, CastKind, Expr, FunctionArg, FunctionArgExpr, FunctionArguments, Query,
    UnaryOperator, Value as AstValue,
};
use std::cell::Cell;
use std::cmp::Ordering;

/// A column visible to an expression: `qualifier` is the table name or alias it came from.
#[derive(Clone, Debug, PartialEq)]
pub struct ScopeColumn {
    pub qualifier: Option<String>,
    pub name: String,
    pub ty: SqlType,
}

/// The row an expression is evaluated against, with the enclosing query's row for correlated
/// subqueries.
#[derive(Clone, Copy)]
pub struct Scope<'a> {
    pub columns: &'a [ScopeColumn],
    pub row: &'a [Value],
    pub outer: Option<&'a Scope<'a>>,
}

impl<'a> Scope<'a> {
    pub const EMPTY: Scope<'static> = Scope {
        columns: &[],
        row: &[],
        outer: None,
    };
}

/// Runs a subquery found inside an expression (implemented by the SELECT executor).
pub trait SubqueryRunner {
    fn run_subquery(&self, query: &Query, outer: &Scope) -> PgResult<ResultSet>;
}

pub struct EvalCtx<'a> {
    pub host: &'a dyn Host,
    pub db: &'a Database,
    pub subqueries: Option<&'a dyn SubqueryRunner>,
}

const MAX_DEPTH: u32 = 200;

thread_local! {
    static DEPTH: Cell<u32> = const { Cell::new(0) };
}

/// Counts nesting so pathological expressions fail like PostgreSQL instead of overflowing.
pub(crate) struct DepthGuard;

impl DepthGuard {
    pub(crate) fn enter() -> PgResult<DepthGuard> {
        let d = DEPTH.with(|c| {
            let d = c.get() + 1;
            c.set(d);
            d
        });
        let guard = DepthGuard;
        if d > MAX_DEPTH {
            return Err(PgError::new("54001", "stack depth limit exceeded").with_hint(
                "Increase the configuration parameter \"max_stack_depth\" (currently 2048kB), after ensuring the platform's stack depth limit is adequate.",
            ));
        }
        Ok(guard)
    }
}

impl Drop for DepthGuard {
    fn drop(&mut self) {
        DEPTH.with(|c| c.set(c.get().saturating_sub(1)));
    }
}

/// The text of an untyped string literal (`'abc'`), which takes the other operand's type.
pub fn literal_text(expr: &Expr) -> Option<&str> {
    match expr {
        Expr::Value(
            AstValue::SingleQuotedString(s)
            | AstValue::EscapedStringLiteral(s)
            | AstValue::UnicodeStringLiteral(s),
        ) => Some(s),
        Expr::Value(AstValue::DollarQuotedString(d)) => Some(&d.value),
        Expr::Nested(e) => literal_text(e),
        _ => None,
    }
}

/// Evaluates a literal number: int4 if it fits, else int8, else numeric.
pub fn number_literal(text: &str) -> PgResult<Value> {
    if !text.contains(['.', 'e', 'E']) {
        if let Ok(v) = text.parse::<i64>() {
            return Ok(match i32::try_from(v) {
                Ok(i) => Value::Int4(i),
                Err(_) => Value::Int8(v),
            });
        }
    }
    super::cast::parse_text_as(
        text,
        &SqlType::Numeric {
            precision: None,
            scale: None,
        },
    )
}

/// The field expressions of a row constructor, `(a, b)` or `ROW(a, b)`.
pub fn row_fields(e: &Expr) -> Option<Vec<&Expr>> {
    match e {
        Expr::Tuple(items) => Some(items.iter().collect()),
        Expr::Function(f) if crate::sql::functions::function_name(f) == "row" => {
            Some(function_args(&f.args))
        }
        Expr::Nested(inner) => row_fields(inner),
        _ => None,
    }
}

/// Coerces an untyped literal operand to the type of the other operand's value; two row
/// constructors do so field by field.
fn coerce_pair(l: Value, r: Value, le: &Expr, re: &Expr) -> PgResult<(Value, Value)> {
    let fields = match (&l, &r, row_fields(le), row_fields(re)) {
        (Value::Record(a), Value::Record(b), Some(lf), Some(rf))
            if a.len() == lf.len() && b.len() == rf.len() && a.len() == b.len() =>
        {
            Some((lf, rf))
        }
        _ => None,
    };
    if let (Some((lf, rf)), Value::Record(a), Value::Record(b)) = (fields, &l, &r) {
        let mut left = Vec::with_capacity(a.len());
        let mut right = Vec::with_capacity(b.len());
        for (((x, y), xe), ye) in a.iter().zip(b).zip(lf).zip(rf) {
            let (x, y) = coerce_pair(x.clone(), y.clone(), xe, ye)?;
            left.push(x);
            right.push(y);
        }
        return Ok((Value::Record(left), Value::Record(right)));
    }
    let l_lit = literal_text(le).is_some();
    let r_lit = literal_text(re).is_some();
    match (&l, &r) {
        (Value::Text(s), other) if l_lit && !matches!(other, Value::Text(_) | Value::Null) => {
            let v = parse_text_as(s, &other.natural_type())?;
            Ok((v, r))
        }
        (other, Value::Text(s)) if r_lit && !matches!(other, Value::Text(_) | Value::Null) => {
            let v = parse_text_as(s, &other.natural_type())?;
            Ok((l, v))
        }
        _ => Ok((l, r)),
    }
}

/// Evaluates `expr` for one row.
pub fn eval(expr: &Expr, scope: &Scope, ctx: &EvalCtx) -> PgResult<Value> {
    let _guard = DepthGuard::enter()?;
    match expr {
        Expr::Identifier(id) => resolve_column(std::slice::from_ref(id), scope).map(|(v, _)| v),
        Expr::CompoundIdentifier(ids) => resolve_column(ids, scope).map(|(v, _)| v),
        Expr::Nested(e) => eval(e, scope, ctx),
        Expr::Value(v) => eval_literal(v),
        Expr::TypedString { data_type, value } => {
            parse_text_as(value, &sqltype_from_ast(data_type)?)
        }
        Expr::Interval(iv) => {
            let v = eval(&iv.value, scope, ctx)?;
            match v {
                Value::Null => Ok(Value::Null),
                Value::Interval(i) => Ok(Value::Interval(i)),
                other => {
                    let mut text = other.to_pg_text().unwrap_or_default();
                    if let Some(f) = &iv.leading_field {
                        text = format!("{text} {f}");
                    }
                    parse_interval(&text)
                        .map(Value::Interval)
                        .ok_or_else(|| PgError::invalid_text("interval", &text))
                }
            }
        }
        Expr::BinaryOp { left, op, right } => eval_binary(left, op, right, scope, ctx),
        Expr::UnaryOp { op, expr } => {
            let v = eval(expr, scope, ctx)?;
            match op {
                UnaryOperator::Not => match v {
                    Value::Null => Ok(Value::Null),
                    Value::Bool(b) => Ok(Value::Bool(!b)),
                    other => Err(type_mismatch_bool("NOT", &other)),
                },
                UnaryOperator::Minus => ops::negate(v),
                UnaryOperator::Plus => Ok(v),
                UnaryOperator::PGAbs => {
                    functions::call_builtin("abs", vec![v], ctx).unwrap_or(Ok(Value::Null))
                }
                other => Err(PgError::unsupported(format!(
                    "operator {other} is not supported"
                ))),
            }
        }
        // A row IS NULL when every field is, and IS NOT NULL when none is.
        Expr::IsNull(e) => Ok(Value::Bool(match eval(e, scope, ctx)? {
            Value::Record(fields) => fields.iter().all(Value::is_null),
            v => v.is_null(),
        })),
        Expr::IsNotNull(e) => Ok(Value::Bool(match eval(e, scope, ctx)? {
            Value::Record(fields) => !fields.iter().any(Value::is_null),
            v => !v.is_null(),
        })),
        Expr::IsTrue(e) => Ok(Value::Bool(matches!(
            eval(e, scope, ctx)?,
            Value::Bool(true)
        ))),
        Expr::IsNotTrue(e) => Ok(Value::Bool(!matches!(
            eval(e, scope, ctx)?,
            Value::Bool(true)
        ))),
        Expr::IsFalse(e) => Ok(Value::Bool(matches!(
            eval(e, scope, ctx)?,
            Value::Bool(false)
        ))),
        Expr::IsNotFalse(e) => Ok(Value::Bool(!matches!(
            eval(e, scope, ctx)?,
            Value::Bool(false)
        ))),
        Expr::IsUnknown(e) => Ok(Value::Bool(eval(e, scope, ctx)?.is_null())),
        Expr::IsNotUnknown(e) => Ok(Value::Bool(!eval(e, scope, ctx)?.is_null())),
        Expr::IsDistinctFrom(a, b) | Expr::IsNotDistinctFrom(a, b) => {
            let (l, r) = coerce_pair(eval(a, scope, ctx)?, eval(b, scope, ctx)?, a, b)?;
            let same = match (&l, &r) {
                (Value::Null, Value::Null) => true,
                (Value::Null, _) | (_, Value::Null) => false,
                _ => compare(&l, &r)? == Ordering::Equal,
            };
            Ok(Value::Bool(
                same == matches!(expr, Expr::IsNotDistinctFrom(..)),
            ))
        }
        Expr::InList {
            expr: e,
            list,
            negated,
        } => {
            let v = eval(e, scope, ctx)?;
            let mut items = Vec::with_capacity(list.len());
            for item in list {
                let iv = eval(item, scope, ctx)?;
                let (a, b) = coerce_pair(v.clone(), iv, e, item)?;
                items.push((a, b));
            }
            in_values(items.into_iter(), *negated)
        }
        Expr::InSubquery {
            expr: e,
            subquery,
            negated,
        } => {
            let v = eval(e, scope, ctx)?;
            let rs = run_sub(subquery, scope, ctx)?;
            if rs.columns.len() != 1 {
                return Err(PgError::syntax("subquery has too many columns"));
            }
            let pairs = rs.rows.into_iter().map(|mut r| {
                let x = if r.is_empty() {
                    Value::Null
                } else {
                    r.swap_remove(0)
                };
                (v.clone(), x)
            });
            in_values(pairs, *negated)
        }
        Expr::Exists { subquery, negated } => {
            let rs = run_sub(subquery, scope, ctx)?;
            Ok(Value::Bool(rs.rows.is_empty() == *negated))
        }
        Expr::Subquery(q) => {
            let rs = run_sub(q, scope, ctx)?;
            if rs.columns.len() != 1 {
                return Err(PgError::syntax("subquery must return only one column"));
            }
            match rs.rows.len() {
                0 => Ok(Value::Null),
                1 => Ok(rs
                    .rows
                    .into_iter()
                    .next()
                    .and_then(|r| r.into_iter().next())
                    .unwrap_or(Value::Null)),
                _ => Err(PgError::new(
                    "21000",
                    "more than one row returned by a subquery used as an expression",
                )),
            }
        }
        Expr::AnyOp {
            left,
            compare_op,
            right,
            ..
        }
        | Expr::AllOp {
            left,
            compare_op,
            right,
        } => {
            let is_all = matches!(expr, Expr::AllOp { .. });
            let l = eval(left, scope, ctx)?;
            let items = match right.as_ref() {
                Expr::Subquery(q) => run_sub(q, scope, ctx)?
                    .rows
                    .into_iter()
                    .map(|r| r.into_iter().next().unwrap_or(Value::Null))
                    .collect(),
                other => match eval(other, scope, ctx)? {
                    Value::Null => return Ok(Value::Null),
                    Value::Array(items) => items,
                    Value::Text(s) => {
                        match parse_text_as(&s, &SqlType::Array(Box::new(l.natural_type())))? {
                            Value::Array(items) => items,
                            _ => Vec::new(),
                        }
                    }
                    _ => {
                        return Err(PgError::new(
                            "42809",
                            "op ANY/ALL (array) requires array on right side",
                        ))
                    }
                },
            };
            let mut saw_null = false;
            for item in items {
                match ops::compare_op(&l, compare_op, &item)? {
                    Value::Bool(b) if b != is_all => return Ok(Value::Bool(b)),
                    Value::Null => saw_null = true,
                    _ => {}
                }
            }
            Ok(if saw_null {
                Value::Null
            } else {
                Value::Bool(is_all)
            })
        }
        Expr::Between {
            expr: e,
            negated,
            low,
            high,
        } => {
            let v = eval(e, scope, ctx)?;
            let (a, lo) = coerce_pair(v.clone(), eval(low, scope, ctx)?, e, low)?;
            let (b, hi) = coerce_pair(v, eval(high, scope, ctx)?, e, high)?;
            let ge = ops::compare_op(&a, &BinaryOperator::GtEq, &lo)?;
            let le = ops::compare_op(&b, &BinaryOperator::LtEq, &hi)?;
            let r = ops::and(ge, le);
            Ok(if *negated { ops::not(r) } else { r })
        }
        Expr::Like {
            negated,
            expr: e,
            pattern,
            escape_char,
            ..
        }
        | Expr::ILike {
            negated,
            expr: e,
            pattern,
            escape_char,
            ..
        } => {
            let ci = matches!(expr, Expr::ILike { .. });
            let v = eval(e, scope, ctx)?;
            let p = eval(pattern, scope, ctx)?;
            if v.is_null() || p.is_null() {
                return Ok(Value::Null);
            }
            let esc = match escape_char.as_deref() {
                None => Some('\\'),
                Some(s) => s.chars().next(),
            };
            let text = v.to_pg_text().unwrap_or_default();
            let pat = p.to_pg_text().unwrap_or_default();
            let m = if ci {
                ops::like(&text.to_lowercase(), &pat.to_lowercase(), esc)
            } else {
                ops::like(&text, &pat, esc)
            };
            Ok(Value::Bool(m != *negated))
        }
        Expr::Case {
            operand,
            conditions,
            results,
            else_result,
        } => {
            let base = match operand {
                Some(o) => Some(eval(o, scope, ctx)?),
                None => None,
            };
            for (cond, res) in conditions.iter().zip(results) {
                let hit = match &base {
                    Some(b) => {
                        let (l, r) = coerce_pair(
                            b.clone(),
                            eval(cond, scope, ctx)?,
                            operand.as_deref().unwrap_or(cond),
                            cond,
                        )?;
                        ops::compare_op(&l, &BinaryOperator::Eq, &r)?
                    }
                    None => eval(cond, scope, ctx)?,
                };
                if is_true(&hit) {
                    return case_result(res, expr, scope, ctx);
                }
            }
            match else_result {
                Some(e) => case_result(e, expr, scope, ctx),
                None => Ok(Value::Null),
            }
        }
        Expr::Cast {
            kind,
            expr: e,
            data_type,
            ..
        } => {
            let ty = sqltype_from_ast(data_type)?;
            let v = eval(e, scope, ctx)?;
            // regclass -> oid: the relation's number comes from the node that owns the name.
            if is_oid_type(data_type) && expr_type(e, scope.columns, ctx) == SqlType::Regclass {
                if let Some(text) = v.as_str() {
                    let name = crate::sql::cast::regclass::relation_name(text)?;
                    match relation_oid(&name, ctx) {
                        Some(oid) => return Ok(Value::Int8(oid as i64)),
                        None => check_relation(&v, ctx)?,
                    }
                }
            }
            let r = cast(v, &ty);
            let r = match (kind, r) {
                (CastKind::TryCast | CastKind::SafeCast, Err(_)) => Ok(Value::Null),
                (_, r) => r,
            }?;
            if matches!(ty, SqlType::Regclass) {
                check_relation(&r, ctx)?;
            }
            Ok(r)
        }
        Expr::Array(arr) => arr
            .elem
            .iter()
            .map(|e| eval(e, scope, ctx))
            .collect::<PgResult<Vec<_>>>()
            .map(|items| Value::Array(ops::unify_array(items))),
        Expr::Function(f) => functions::eval_function(f, scope, ctx),
        Expr::Extract { field, expr: e, .. } => {
            let v = eval(e, scope, ctx)?;
            functions::extract(&field.to_string().to_lowercase(), &v)
        }
        Expr::Ceil { expr: e, .. } => {
            let v = eval(e, scope, ctx)?;
            functions::call_builtin("ceil", vec![v], ctx).unwrap_or(Ok(Value::Null))
        }
        Expr::Floor { expr: e, .. } => {
            let v = eval(e, scope, ctx)?;
            functions::call_builtin("floor", vec![v], ctx).unwrap_or(Ok(Value::Null))
        }
        Expr::Position { expr: e, r#in } => {
            let needle = eval(e, scope, ctx)?;
            let hay = eval(r#in, scope, ctx)?;
            functions::call_builtin("strpos", vec![hay, needle], ctx).unwrap_or(Ok(Value::Null))
        }
        Expr::Substring {
            expr: e,
            substring_from,
            substring_for,
            ..
        } => {
            let mut args = vec![eval(e, scope, ctx)?];
            args.push(match substring_from {
                Some(f) => eval(f, scope, ctx)?,
                None => Value::Int4(1),
            });
            if let Some(f) = substring_for {
                args.push(eval(f, scope, ctx)?);
            }
            functions::call_builtin("substr", args, ctx).unwrap_or(Ok(Value::Null))
        }
        Expr::Trim {
            expr: e,
            trim_where,
            trim_what,
            ..
        } => {
            let v = eval(e, scope, ctx)?;
            let chars = match trim_what {
                Some(w) => eval(w, scope, ctx)?,
                None => Value::Text(" ".into()),
            };
            let name = match trim_where {
                Some(sqlparser::ast::TrimWhereField::Leading) => "ltrim",
                Some(sqlparser::ast::TrimWhereField::Trailing) => "rtrim",
                _ => "btrim",
            };
            functions::call_builtin(name, vec![v, chars], ctx).unwrap_or(Ok(Value::Null))
        }
        Expr::Collate { expr: e, .. } => eval(e, scope, ctx),
        Expr::AtTimeZone { timestamp, .. } => eval(timestamp, scope, ctx),
        Expr::Tuple(items) => items
            .iter()
            .map(|e| eval(e, scope, ctx))
            .collect::<PgResult<Vec<_>>>()
            .map(Value::Record),
        Expr::Subscript { expr: e, subscript } => {
            let v = eval(e, scope, ctx)?;
            match subscript.as_ref() {
                sqlparser::ast::Subscript::Index { index } => {
                    let i = eval(index, scope, ctx)?;
                    match (v, i.as_i64()) {
                        (Value::Array(items), Some(i)) if i >= 1 => Ok(items
                            .into_iter()
                            .nth((i - 1) as usize)
                            .unwrap_or(Value::Null)),
                        _ => Ok(Value::Null),
                    }
                }
                _ => Err(PgError::unsupported("array slices are not supported")),
            }
        }
        other => Err(PgError::unsupported(format!(
            "expression is not supported: {other}"
        ))),
    }
}

fn is_oid_type(dt: &sqlparser::ast::DataType) -> bool {
    matches!(dt, sqlparser::ast::DataType::Custom(name, _) if name.to_string().eq_ignore_ascii_case("oid"))
}

/// CASE results: an untyped literal branch takes the type of the other branches.
fn case_result(res: &Expr, case: &Expr, scope: &Scope, ctx: &EvalCtx) -> PgResult<Value> {
    let v = eval(res, scope, ctx)?;
    if let (
        Some(s),
        Expr::Case {
            results,
            else_result,
            ..
        },
    ) = (literal_text(res), case)
    {
        let other = results
            .iter()
            .chain(else_result.as_deref())
            .find(|e| literal_text(e).is_none() && !matches!(e, Expr::Value(AstValue::Null)));
        if let Some(other) = other {
            let ty = expr_type(other, scope.columns, ctx);
            if !ty.is_textual() {
                return parse_text_as(s, &ty);
            }
        }
    }
    Ok(v)
}

/// The OID of a relation on the node evaluating (its own tables first, then the host's).
pub(crate) fn relation_oid(name: &str, ctx: &EvalCtx) -> Option<u32> {
    ctx.db
        .storage
        .relation_oid(name)
        .or_else(|| ctx.host.relation_oid(name))
}

fn check_relation(v: &Value, ctx: &EvalCtx) -> PgResult<()> {
    if let Value::Text(text) = v {
        let name = &crate::sql::cast::regclass::relation_name(text)?;
        let known = ctx.db.table(name).is_some()
            || ctx.db.sequences.borrow().contains_key(name)
            || ctx.host.relation_exists(name);
        if !known {
            return Err(PgError::undefined_table(name));
        }
    }
    Ok(())
}

fn run_sub(q: &Query, scope: &Scope, ctx: &EvalCtx) -> PgResult<ResultSet> {
    match ctx.subqueries {
        Some(runner) => runner.run_subquery(q, scope),
        None => Err(PgError::unsupported("subqueries are not supported here")),
    }
}

/// `x IN (...)`: TRUE on a match, NULL if no match but a NULL was seen, else FALSE.
fn in_values(pairs: impl Iterator<Item = (Value, Value)>, negated: bool) -> PgResult<Value> {
    let mut saw_null = false;
    for (a, b) in pairs {
        match ops::compare_op(&a, &BinaryOperator::Eq, &b)? {
            Value::Bool(true) => return Ok(Value::Bool(!negated)),
            Value::Null => saw_null = true,
            _ => {}
        }
    }
    Ok(if saw_null {
        Value::Null
    } else {
        Value::Bool(negated)
    })
}

fn type_mismatch_bool(op: &str, v: &Value) -> PgError {
    PgError::new(
        "42804",
        format!(
            "argument of {op} must be type boolean, not type {}",
            v.natural_type().pg_name()
        ),
    )
}

fn eval_literal(v: &AstValue) -> PgResult<Value> {
    match v {
        // Integer literals skip formatting the decimal back to text (this runs per row).
        AstValue::Number(n, _) if n.fractional_digit_count() == 0 => {
            match bigdecimal::ToPrimitive::to_i64(n) {
                Some(v) => Ok(i32::try_from(v).map_or(Value::Int8(v), Value::Int4)),
                None => number_literal(&n.to_string()),
            }
        }
        AstValue::Number(n, _) => number_literal(&n.to_string()),
        AstValue::SingleQuotedString(s)
        | AstValue::EscapedStringLiteral(s)
        | AstValue::UnicodeStringLiteral(s)
        | AstValue::NationalStringLiteral(s) => Ok(Value::Text(s.clone())),
        AstValue::DollarQuotedString(d) => Ok(Value::Text(d.value.clone())),
        AstValue::Boolean(b) => Ok(Value::Bool(*b)),
        AstValue::Null => Ok(Value::Null),
        other => Err(PgError::unsupported(format!(
            "literal {other} is not supported"
        ))),
    }
}

fn eval_binary(
    left: &Expr,
    op: &BinaryOperator,
    right: &Expr,
    scope: &Scope,
    ctx: &EvalCtx,
) -> PgResult<Value> {
    match op {
        BinaryOperator::And => {
            let l = eval(left, scope, ctx)?;
            check_bool("AND", &l)?;
            if matches!(l, Value::Bool(false)) {
                return Ok(l);
            }
            let r = eval(right, scope, ctx)?;
            check_bool("AND", &r)?;
            Ok(ops::and(l, r))
        }
        BinaryOperator::Or => {
            let l = eval(left, scope, ctx)?;
            check_bool("OR", &l)?;
            if matches!(l, Value::Bool(true)) {
                return Ok(l);
            }
            let r = eval(right, scope, ctx)?;
            check_bool("OR", &r)?;
            Ok(ops::or(l, r))
        }
        _ => {
            let l = eval(left, scope, ctx)?;
            let r = eval(right, scope, ctx)?;
            apply_binary(l, op, r, left, right)
        }
    }
}

/// A binary operator other than AND/OR applied to its evaluated operands; `left` and `right`
/// are the operand expressions, whose untyped literals take the other side's type.
fn apply_binary(
    l: Value,
    op: &BinaryOperator,
    r: Value,
    left: &Expr,
    right: &Expr,
) -> PgResult<Value> {
    if let Some(v) = json_operator(&l, op, &r, left, right) {
        return v;
    }
    if *op == BinaryOperator::StringConcat {
        return Ok(match (l, r) {
            (Value::Null, _) | (_, Value::Null) => Value::Null,
            (Value::Array(mut a), Value::Array(b)) => {
                a.extend(b);
                Value::Array(a)
            }
            (Value::Array(mut a), v) => {
                a.push(v);
                Value::Array(a)
            }
            (l, r) => Value::Text(format!(
                "{}{}",
                l.to_pg_text().unwrap_or_default(),
                r.to_pg_text().unwrap_or_default()
            )),
        });
    }
    let (l, r) = coerce_pair(l, r, left, right)?;
    // Two untyped literals in arithmetic: PostgreSQL cannot pick an operator either.
    ops::binary(&l, op, &r)
}

/// A json or jsonb operator, when `op` is one for these operands.
fn json_operator(
    l: &Value,
    op: &BinaryOperator,
    r: &Value,
    left: &Expr,
    right: &Expr,
) -> Option<PgResult<Value>> {
    functions::jsonb::operator(
        l,
        op,
        r,
        literal_text(left).is_some(),
        literal_text(right).is_some(),
    )
}

fn check_bool(op: &str, v: &Value) -> PgResult<()> {
    match v {
        Value::Null | Value::Bool(_) => Ok(()),
        other => Err(type_mismatch_bool(op, other)),
    }
}

/// WHERE/HAVING/ON semantics: only TRUE passes; NULL and FALSE do not.
pub fn is_true(v: &Value) -> bool {
    matches!(v, Value::Bool(true))
}

/// The plain expressions of a function call's argument list (`count(*)` gives none).
pub fn function_args(args: &FunctionArguments) -> Vec<&Expr> {
    match args {
        FunctionArguments::List(list) => arg_exprs(&list.args),
        _ => Vec::new(),
    }
}

/// The expressions of positional and named arguments, in order (`f(a, b => c)`: `a`, `c`).
pub fn arg_exprs(args: &[FunctionArg]) -> Vec<&Expr> {
    args.iter()
        .filter_map(|a| match a {
            FunctionArg::Unnamed(FunctionArgExpr::Expr(e))
            | FunctionArg::Named {
                arg: FunctionArgExpr::Expr(e),
                ..
            } => Some(e),
            _ => None,
        })
        .collect()
}
