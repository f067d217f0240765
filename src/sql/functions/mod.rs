//! Built-in scalar functions (string, math, date/time, hash functions, sequences).

pub mod aggregates;
mod datetime;
pub mod jsonb;
mod math;
mod text;
pub mod user;

pub use datetime::extract;

use super::eval::{eval, expr_type, function_args, literal_text, EvalCtx, Scope};
use crate::error::{PgError, PgResult};
use crate::hashing;
use crate::types::{SqlType, Value};
use sqlparser::ast::{Expr, Function, FunctionArguments};
use std::cell::Cell;

/// The lower-case unqualified name of a function (`pg_catalog.lower` → `lower`).
pub fn function_name(f: &Function) -> String {
    f.name
        .0
        .last()
        .map(super::eval::resolve::ident_name)
        .unwrap_or_default()
}

/// Whether a call is an aggregate the SELECT executor must compute.
pub fn is_aggregate(f: &Function) -> bool {
    f.over.is_none() && super::catalog::is_aggregate(&function_name(f))
}

/// Evaluates a function call expression.
pub fn eval_function(f: &Function, scope: &Scope, ctx: &EvalCtx) -> PgResult<Value> {
    let name = function_name(f);
    if f.over.is_some() {
        return Err(PgError::unsupported("window functions are not supported"));
    }
    if super::catalog::is_aggregate(&name) {
        return Err(PgError::new(
            "42803",
            "aggregate functions are not allowed in WHERE",
        ));
    }
    if let Some(p) = user::target(f, &name, scope, ctx) {
        return user::call(p, f, scope, ctx);
    }
    if matches!(f.args, FunctionArguments::None) {
        return niladic(&name, ctx);
    }
    let arg_exprs = function_args(&f.args);
    match name.as_str() {
        "current_schema" if arg_exprs.is_empty() => return niladic(&name, ctx),
        "coalesce" => {
            for e in &arg_exprs {
                let v = eval(e, scope, ctx)?;
                if !v.is_null() {
                    return coerce_literal_result(v, e, &arg_exprs, scope, ctx);
                }
            }
            return Ok(Value::Null);
        }
        "nullif" => {
            let [a, b] = arg_exprs.as_slice() else {
                return Err(wrong_args(&name, &arg_exprs, scope, ctx));
            };
            let l = eval(a, scope, ctx)?;
            let r = eval(b, scope, ctx)?;
            let (l2, r2) =
                if literal_text(b).is_some() && !matches!(l, Value::Text(_) | Value::Null) {
                    (
                        l.clone(),
                        super::cast::parse_text_as(r.as_str().unwrap_or(""), &l.natural_type())?,
                    )
                } else {
                    (l.clone(), r)
                };
            let eq = super::eval::ops_eq(&l2, &r2)?;
            return Ok(if eq { Value::Null } else { l });
        }
        "greatest" | "least" => {
            let mut best: Option<Value> = None;
            for e in &arg_exprs {
                let v = eval(e, scope, ctx)?;
                let v = coerce_literal_result(v, e, &arg_exprs, scope, ctx)?;
                if v.is_null() {
                    continue;
                }
                best = Some(match best {
                    None => v,
                    Some(b) => {
                        let c = super::eval::compare(&v, &b)?;
                        let take = if name == "greatest" {
                            c.is_gt()
                        } else {
                            c.is_lt()
                        };
                        if take {
                            v
                        } else {
                            b
                        }
                    }
                });
            }
            return Ok(best.unwrap_or(Value::Null));
        }
        "pg_typeof" => {
            let e = arg_exprs
                .first()
                .ok_or_else(|| wrong_args(&name, &arg_exprs, scope, ctx))?;
            let ty = expr_type(e, scope.columns, ctx);
            return Ok(Value::Text(ty.pg_name()));
        }
        _ => {}
    }
    let mut args = Vec::with_capacity(arg_exprs.len());
    for e in &arg_exprs {
        args.push(eval(e, scope, ctx)?);
    }
    if let Some(r) = call_builtin(&name, args.clone(), ctx) {
        return r;
    }
    if let Some(r) = ctx.host.call_scalar(&name, &args) {
        return r;
    }
    Err(wrong_args(&name, &arg_exprs, scope, ctx))
}

/// An untyped literal among typed COALESCE/GREATEST arguments takes their type.
fn coerce_literal_result(
    v: Value,
    e: &Expr,
    all: &[&Expr],
    scope: &Scope,
    ctx: &EvalCtx,
) -> PgResult<Value> {
    let Some(s) = literal_text(e) else {
        return Ok(v);
    };
    let typed = all
        .iter()
        .map(|x| expr_type(x, scope.columns, ctx))
        .find(|t| !matches!(t, SqlType::Unknown));
    match typed {
        Some(t) if !t.is_textual() => super::cast::parse_text_as(s, &t),
        _ => Ok(v),
    }
}

/// `function foo(integer, unknown) does not exist`.
fn wrong_args(name: &str, args: &[&Expr], scope: &Scope, ctx: &EvalCtx) -> PgError {
    let types: Vec<String> = args
        .iter()
        .map(|e| match literal_text(e) {
            Some(_) => "unknown".to_string(),
            None => expr_type(e, scope.columns, ctx).pg_name(),
        })
        .collect();
    PgError::undefined_function(&format!("{name}({})", types.join(", ")))
}

fn niladic(name: &str, ctx: &EvalCtx) -> PgResult<Value> {
    match name {
        "current_timestamp" | "localtimestamp" | "now" | "transaction_timestamp" => {
            Ok(Value::Timestamp(ctx.host.now()))
        }
        "current_date" => Ok(Value::Date(ctx.host.now().date())),
        "current_user" | "session_user" | "user" | "current_role" => {
            Ok(Value::Text("postgres".into()))
        }
        "current_schema" => {
            Ok(crate::sql::namespace::current_schema().map_or(Value::Null, Value::Text))
        }
        "current_catalog" => Ok(Value::Text("postgres".into())),
        other => Err(PgError::undefined_column(other)),
    }
}

thread_local! {
    static RANDOM_STATE: Cell<u64> = const { Cell::new(0x2545_F491_4F6C_DD1D) };
}

/// `random()`: a fixed-seed generator so runs are reproducible.
fn next_random() -> f64 {
    RANDOM_STATE.with(|s| {
        let x = s
            .get()
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        s.set(x);
        (x >> 11) as f64 / (1u64 << 53) as f64
    })
}

fn text_arg(v: &Value) -> Option<String> {
    v.to_pg_text()
}

/// Calls a built-in scalar function by lower-case name; `None` when there is no such built-in.
pub fn call_builtin(name: &str, args: Vec<Value>, ctx: &EvalCtx) -> Option<PgResult<Value>> {
    if let Some(r) = text::call(name, &args) {
        return Some(r);
    }
    if let Some(r) = math::call(name, &args) {
        return Some(r);
    }
    if let Some(r) = datetime::call(name, &args, ctx) {
        return Some(r);
    }
    if let Some(r) = jsonb::call(name, &args) {
        return Some(r);
    }
    if name == "row" {
        return Some(Ok(Value::Record(args)));
    }
    let strict_null = args.iter().any(Value::is_null);
    Some(match (name, args.as_slice()) {
        ("now" | "transaction_timestamp" | "statement_timestamp" | "clock_timestamp", []) => {
            Ok(Value::Timestamp(ctx.host.now()))
        }
        ("random", []) => Ok(Value::Float8(next_random())),
        ("version", []) => Ok(Value::Text(
            "PostgreSQL 15.18 (Debian 15.18-0+deb12u1) on x86_64-pc-linux-gnu, compiled by gcc (Debian 12.2.0-14+deb12u1) 12.2.0, 64-bit".into(),
        )),
        ("hashint4" | "hashint8" | "hashtext", [_]) if strict_null => Ok(Value::Null),
        ("hashint4", [v]) => match v.as_i64().map(i32::try_from) {
            Some(Ok(i)) => Ok(Value::Int4(hashing::hashint4(i))),
            Some(Err(_)) => Err(crate::sql::cast::out_of_range(&SqlType::Int4)),
            None => return None,
        },
        ("hashint8", [v]) => match v.as_i64() {
            Some(i) => Ok(Value::Int4(hashing::hashint8(i))),
            None => return None,
        },
        ("hashtext", [v]) => match v.as_str() {
            Some(s) => Ok(Value::Int4(hashing::hashtext(s))),
            None => return None,
        },
        ("nextval" | "currval", [Value::Text(seq)]) => sequence_call(name, seq, None, ctx),
        ("setval", [Value::Text(seq), v]) => sequence_call(name, seq, Some((v, true)), ctx),
        ("setval", [Value::Text(seq), v, Value::Bool(called)]) => {
            sequence_call(name, seq, Some((v, *called)), ctx)
        }
        _ => return None,
    })
}

fn sequence_call(
    name: &str,
    seq: &str,
    set: Option<(&Value, bool)>,
    ctx: &EvalCtx,
) -> PgResult<Value> {
    // Read as regclass text is: along the search path, `public.` optional.
    let seq_name = crate::sql::cast::regclass::relation_name(seq)
        .unwrap_or_else(|_| seq.strip_prefix("public.").unwrap_or(seq).to_string());
    let mut seqs = ctx.db.sequences.borrow_mut();
    let s = seqs
        .get_mut(&seq_name)
        .ok_or_else(|| PgError::undefined_table(&seq_name))?;
    match name {
        "nextval" => {
            if s.is_called {
                s.last_value = s.last_value.checked_add(s.increment).ok_or_else(|| {
                    PgError::new(
                        "2200H",
                        format!(
                            "nextval: reached maximum value of sequence \"{seq_name}\" ({})",
                            i64::MAX
                        ),
                    )
                })?;
            } else {
                s.is_called = true;
            }
            Ok(Value::Int8(s.last_value))
        }
        "currval" => {
            if s.is_called {
                Ok(Value::Int8(s.last_value))
            } else {
                Err(PgError::new(
                    "55000",
                    format!(
                        "currval of sequence \"{seq_name}\" is not yet defined in this session"
                    ),
                ))
            }
        }
        _ => {
            let (v, called) = set.unwrap_or((&Value::Null, true));
            let n = v
                .as_i64()
                .ok_or_else(|| PgError::invalid_text("bigint", &text_arg(v).unwrap_or_default()))?;
            s.last_value = n;
            s.is_called = called;
            Ok(Value::Int8(n))
        }
    }
}
