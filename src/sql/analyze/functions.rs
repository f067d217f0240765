//! Function calls during analysis: a call to a function no one here provides is PostgreSQL's
//! `function f(integer) does not exist`, at the function's name, found before anything runs.

use super::scope::Level;
use super::{Checked, Failure};
use crate::error::PgError;
use crate::planner::relations::normalize_ident;
use crate::sql::cast::sqltype_from_ast;
use crate::sql::catalog;
use crate::sql::eval::literal_type;
use crate::sql::locate::Site;
use crate::types::SqlType;
use sqlparser::ast::{
    Expr, Function, FunctionArg, FunctionArgExpr, FunctionArguments, Value as AstValue,
};

/// `function f(types) does not exist` for a plain call whose argument types are all known
/// here when the catalog has no such function, or no overload those types fit (`stddev(text)`);
/// anything else is left to the engine.
pub fn check_call(e: &Expr, f: &Function, level: &Level) -> Checked {
    let ([name], FunctionArguments::List(list), None) = (f.name.0.as_slice(), &f.args, &f.over)
    else {
        return Ok(());
    };
    let name = normalize_ident(name);
    let named = list
        .args
        .iter()
        .any(|a| !matches!(a, FunctionArg::Unnamed(_)));
    let known = catalog::exists(&name);
    if known && named {
        return check_named_call(e, &name, &list.args, level);
    }
    let mut types = Vec::new();
    for arg in crate::sql::eval::arg_exprs(&list.args) {
        match arg_type(arg, level) {
            Some(t) => types.push(t),
            None => return Ok(()),
        }
    }
    if types.len() != list.args.len() {
        return Ok(());
    }
    let syntax_form = known && catalog::overloads(&name).next().is_none();
    if syntax_form || (known && catalog::resolve(&name, &types).is_some()) {
        return Ok(());
    }
    let shown: Vec<String> = types.iter().map(SqlType::pg_name).collect();
    Err(Failure::new(
        PgError::undefined_function(&format!("{name}({})", shown.join(", "))),
        Some(Site::expr(e)),
    ))
}

/// `function f(unknown, integer, force => boolean) does not exist` for a call in named
/// notation no built-in overload takes (a created function is left to the engine).
fn check_named_call(e: &Expr, name: &str, args: &[FunctionArg], level: &Level) -> Checked {
    if catalog::overloads(name).any(|p| p.user.is_some()) {
        return Ok(());
    }
    let mut positional = Vec::new();
    let mut named = Vec::new();
    for a in args {
        match a {
            FunctionArg::Unnamed(FunctionArgExpr::Expr(x)) => match arg_type(x, level) {
                Some(t) => positional.push(t),
                None => return Ok(()),
            },
            FunctionArg::Named {
                name: n,
                arg: FunctionArgExpr::Expr(x),
                ..
            } => match arg_type(x, level) {
                Some(t) => named.push((normalize_ident(n), t)),
                None => return Ok(()),
            },
            _ => return Ok(()),
        }
    }
    if catalog::overloads(name).next().is_none()
        || catalog::resolve_named(name, &positional, &named).is_some()
    {
        return Ok(());
    }
    let shown: Vec<String> = positional
        .iter()
        .map(SqlType::pg_name)
        .chain(named.iter().map(|(n, t)| format!("{n} => {}", t.pg_name())))
        .collect();
    Err(Failure::new(
        PgError::undefined_function(&format!("{name}({})", shown.join(", "))),
        Some(Site::expr(e)),
    ))
}

/// An argument's type, when it can be told here (an untyped literal is `unknown`).
fn arg_type(e: &Expr, level: &Level) -> Option<SqlType> {
    match e {
        Expr::Value(
            AstValue::SingleQuotedString(_)
            | AstValue::EscapedStringLiteral(_)
            | AstValue::DollarQuotedString(_)
            | AstValue::Null,
        ) => Some(SqlType::Unknown),
        Expr::Value(v @ (AstValue::Number(..) | AstValue::Boolean(_))) => Some(literal_type(v)),
        Expr::Identifier(c) => level.column_type(None, &normalize_ident(c)),
        Expr::CompoundIdentifier(ids) => match ids.as_slice() {
            [t, c] | [_, t, c] => level.column_type(Some(&normalize_ident(t)), &normalize_ident(c)),
            _ => None,
        },
        Expr::Cast { data_type, .. } => sqltype_from_ast(data_type).ok(),
        Expr::Nested(inner) => arg_type(inner, level),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_catalog_lists_the_engines_functions() {
        let engine = crate::executor::run_command::RUN_COMMAND_FUNCTIONS;
        for name in engine {
            assert!(crate::sql::catalog::exists(name), "{name}");
        }
    }
}
