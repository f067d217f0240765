//! Calls of created functions: a SQL function runs its body's query with the arguments as
//! the parameters' scope; an aggregate folds its rows through its transition function.

use super::super::catalog::user::Body;
use super::super::catalog::{self, Proc, UserDef};
use super::super::eval::{eval, expr_type, EvalCtx, Scope};
use crate::error::{PgError, PgResult};
use crate::sql::ddl::function::{in_function, param_columns};
use crate::types::{SqlType, Value};
use sqlparser::ast::{Function, FunctionArg, FunctionArgExpr, FunctionArguments};

/// The created function a call names, when it names one (built-ins keep their own calls).
pub fn target(f: &Function, name: &str, scope: &Scope, ctx: &EvalCtx) -> Option<&'static Proc> {
    let user: Vec<&'static Proc> = catalog::overloads(name)
        .filter(|p| p.user.is_some())
        .collect();
    if user.is_empty() {
        return None;
    }
    let FunctionArguments::List(list) = &f.args else {
        return user.into_iter().find(|p| {
            p.user
                .is_some_and(|u| u.defaults.iter().all(Option::is_some))
        });
    };
    let named: Vec<String> = list
        .args
        .iter()
        .filter_map(|a| match a {
            FunctionArg::Named { name, .. } => {
                Some(crate::planner::relations::normalize_ident(name))
            }
            _ => None,
        })
        .collect();
    if !named.is_empty() {
        return user.into_iter().find(|p| {
            p.user.is_some_and(|u| {
                list.args.len() <= u.arg_types.len()
                    && named
                        .iter()
                        .all(|n| u.arg_names.iter().any(|a| a.as_deref() == Some(n)))
            })
        });
    }
    let types: Vec<SqlType> = super::super::eval::function_args(&f.args)
        .iter()
        .map(|e| match super::super::eval::literal_text(e) {
            Some(_) => SqlType::Unknown,
            None => expr_type(e, scope.columns, ctx),
        })
        .collect();
    catalog::resolve(name, &types).filter(|p| p.user.is_some())
}

/// The call's arguments in parameter order, defaults filled in.
fn arguments(
    def: &UserDef,
    name: &str,
    f: &Function,
    scope: &Scope,
    ctx: &EvalCtx,
) -> PgResult<Vec<Value>> {
    let mut values: Vec<Option<Value>> = vec![None; def.arg_types.len()];
    if let FunctionArguments::List(list) = &f.args {
        for (i, a) in list.args.iter().enumerate() {
            let (slot, e) = match a {
                FunctionArg::Unnamed(FunctionArgExpr::Expr(e)) => (i, e),
                FunctionArg::Named {
                    name: n,
                    arg: FunctionArgExpr::Expr(e),
                    ..
                } => {
                    let n = crate::planner::relations::normalize_ident(n);
                    let slot = def
                        .arg_names
                        .iter()
                        .position(|a| a.as_deref() == Some(n.as_str()))
                        .unwrap_or(usize::MAX);
                    (slot, e)
                }
                _ => return Err(PgError::unsupported("this argument form is not supported")),
            };
            let v = eval(e, scope, ctx)?;
            match values.get_mut(slot) {
                Some(s) => *s = Some(v),
                None => return Err(PgError::undefined_function(&format!("{name}(...)"))),
            }
        }
    }
    let mut out = Vec::with_capacity(values.len());
    for (i, v) in values.into_iter().enumerate() {
        let v = match v {
            Some(v) => v,
            None => match def.defaults.get(i).and_then(Option::as_ref) {
                Some(d) => eval(d, &Scope::EMPTY, ctx)?,
                None => {
                    let shown: Vec<String> = def.arg_types.iter().map(SqlType::pg_name).collect();
                    return Err(PgError::undefined_function(&format!(
                        "{name}({})",
                        shown.join(", ")
                    )));
                }
            },
        };
        let ty = def.arg_types.get(i).cloned().unwrap_or(SqlType::Unknown);
        out.push(crate::sql::cast::cast(v, &ty)?);
    }
    Ok(out)
}

/// `f(args)` for a created function.
pub fn call(proc: &Proc, f: &Function, scope: &Scope, ctx: &EvalCtx) -> PgResult<Value> {
    let Some(def) = proc.user else {
        return Err(PgError::undefined_function(proc.name));
    };
    let args = arguments(def, proc.name, f, scope, ctx)?;
    call_values(proc, args, ctx)
}

/// Runs a created SQL function on argument values.
pub fn call_values(proc: &Proc, args: Vec<Value>, ctx: &EvalCtx) -> PgResult<Value> {
    let Some(def) = proc.user else {
        return Err(PgError::undefined_function(proc.name));
    };
    let Body::Sql(query) = &def.body else {
        return Err(PgError::new(
            "42809",
            format!("{} is an aggregate function", proc.name),
        ));
    };
    if def.strict && args.iter().any(Value::is_null) {
        return Ok(Value::Null);
    }
    // A body's query runs in the node's engine: a Citus table's rows are in its shards, which
    // only a distributed plan reads, so such a body is refused rather than answered wrongly.
    let mut citus_table = None;
    let _ = crate::sql::visit::relations(query, |r| {
        let name = crate::sql::ddl::names::object_name(r);
        if ctx.host.is_citus_table(&name) {
            citus_table = Some(name);
            return std::ops::ControlFlow::Break(());
        }
        std::ops::ControlFlow::Continue(())
    });
    if let Some(t) = citus_table {
        return Err(in_function(
            PgError::unsupported(format!(
                "reading the Citus table \"{t}\" from a SQL function body is not supported"
            )),
            proc.name,
        ));
    }
    let columns = param_columns(proc.name, &def.arg_names, &def.arg_types);
    // Each parameter is `$n`, and also its name when it has one.
    let mut row = args.clone();
    for (name, v) in def.arg_names.iter().zip(&args) {
        if name.is_some() {
            row.push(v.clone());
        }
    }
    let outer = Scope {
        columns: &columns,
        row: &row,
        outer: None,
    };
    let rs = crate::sql::select::run_query_with_outer(ctx.db, query, ctx.host, Some(&outer))
        .map_err(|e| in_function(e, proc.name))?;
    let v = rs
        .rows
        .into_iter()
        .next()
        .and_then(|r| r.into_iter().next())
        .unwrap_or(Value::Null);
    crate::sql::cast::cast(v, &def.result)
}

/// A function called by name on values (an aggregate's transition or final function).
fn call_named(name: &str, args: Vec<Value>, types: &[SqlType], ctx: &EvalCtx) -> PgResult<Value> {
    if let Some(p) = catalog::resolve(name, types).filter(|p| p.user.is_some()) {
        return call_values(p, args, ctx);
    }
    // Built-in transition functions are strict.
    if args.iter().any(Value::is_null) {
        return Ok(Value::Null);
    }
    if let Some(r) = super::call_builtin(name, args.clone(), ctx) {
        return r;
    }
    if let Some(r) = ctx.host.call_scalar(name, &args) {
        return r;
    }
    let shown: Vec<String> = types.iter().map(SqlType::pg_name).collect();
    Err(PgError::undefined_function(&format!(
        "{name}({})",
        shown.join(", ")
    )))
}

fn is_strict(name: &str, types: &[SqlType]) -> bool {
    match catalog::resolve(name, types).and_then(|p| p.user) {
        Some(u) => u.strict,
        None => true,
    }
}

/// A created aggregate over the rows of one group (each row its argument values).
pub fn aggregate(proc: &Proc, rows: Vec<Vec<Value>>, ctx: &EvalCtx) -> PgResult<Value> {
    let Some(Body::Aggregate {
        sfunc,
        stype,
        finalfunc,
        initcond,
        ..
    }) = proc.user.map(|u| &u.body)
    else {
        return Err(PgError::undefined_function(proc.name));
    };
    let arg_types = proc.user.map(|u| u.arg_types.clone()).unwrap_or_default();
    let mut step_types = vec![stype.clone()];
    step_types.extend(arg_types);
    let strict = is_strict(sfunc, &step_types);
    let mut state = match initcond {
        Some(text) => crate::sql::cast::parse_text_as(text, stype)?,
        None => Value::Null,
    };
    for row in rows {
        crate::sql::deadline::check()?;
        if strict && row.iter().any(Value::is_null) {
            continue;
        }
        if strict && state.is_null() && initcond.is_none() {
            // A strict transition function starts from the first input.
            state = match row.into_iter().next() {
                Some(v) => crate::sql::cast::cast(v, stype)?,
                None => Value::Null,
            };
            continue;
        }
        let mut args = Vec::with_capacity(row.len() + 1);
        args.push(state);
        args.extend(row);
        state = call_named(sfunc, args, &step_types, ctx)?;
    }
    match finalfunc {
        Some(f) => {
            let types = [stype.clone()];
            if state.is_null() && is_strict(f, &types) {
                return Ok(Value::Null);
            }
            call_named(f, vec![state], &types, ctx)
        }
        None => Ok(state),
    }
}
