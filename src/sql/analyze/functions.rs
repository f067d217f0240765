//! Function calls during analysis: a call to a function no one here provides is PostgreSQL's
//! `function f(integer) does not exist`, at the function's name, found before anything runs.

use super::scope::Level;
use super::{Checked, Failure};
use crate::error::PgError;
use crate::planner::relations::normalize_ident;
use crate::sql::cast::sqltype_from_ast;
use crate::sql::eval::literal_type;
use crate::sql::locate::Site;
use sqlparser::ast::{Expr, Function, FunctionArguments, Value as AstValue};

/// Every function a statement can call here: the engine's built-ins and aggregates, the set
/// returning functions, and the Citus functions of the host and the coordinator's utility
/// calls. A name missing here is reported as not existing, so the list errs on the long side.
const KNOWN: &[&str] = &[
    "abs",
    "array_agg",
    "ascii",
    "avg",
    "bool_and",
    "bool_or",
    "btrim",
    "ceil",
    "ceiling",
    "char_length",
    "character_length",
    "chr",
    "citus_add_node",
    "citus_get_active_worker_nodes",
    "citus_remove_node",
    "citus_set_coordinator_host",
    "citus_version",
    "clock_timestamp",
    "coalesce",
    "concat",
    "concat_ws",
    "count",
    "create_distributed_table",
    "create_reference_table",
    "current_catalog",
    "current_date",
    "current_role",
    "current_schema",
    "current_timestamp",
    "current_user",
    "currval",
    "date_part",
    "date_trunc",
    "div",
    "every",
    "exp",
    "extract",
    "floor",
    "generate_series",
    "get_shard_id_for_distribution_column",
    "greatest",
    "hashint4",
    "hashint8",
    "hashtext",
    "initcap",
    "json_agg",
    "least",
    "left",
    "length",
    "ln",
    "localtimestamp",
    "lock_shard_resources",
    "log",
    "lower",
    "lpad",
    "ltrim",
    "master_add_node",
    "master_get_active_worker_nodes",
    "master_remove_node",
    "max",
    "md5",
    "min",
    "mod",
    "nextval",
    "now",
    "nullif",
    "octet_length",
    "overlay",
    "pg_reload_conf",
    "pg_typeof",
    "pi",
    "position",
    "pow",
    "power",
    "quote_ident",
    "quote_literal",
    "random",
    "recover_prepared_transactions",
    "repeat",
    "replace",
    "reverse",
    "right",
    "round",
    "rpad",
    "rtrim",
    "run_command_on_all_nodes",
    "run_command_on_coordinator",
    "run_command_on_workers",
    "session_user",
    "setval",
    "sign",
    "split_part",
    "sqrt",
    "starts_with",
    "statement_timestamp",
    "stddev",
    "string_agg",
    "strpos",
    "substr",
    "substring",
    "sum",
    "transaction_timestamp",
    "trunc",
    "truncate_local_data_after_distributing_table",
    "undistribute_table",
    "unnest",
    "upper",
    "user",
    "variance",
    "version",
];

/// `function f(types) does not exist` for a plain call to an unknown function whose argument
/// types are all known here; anything else is left to the engine.
pub fn check_call(e: &Expr, f: &Function, level: &Level) -> Checked {
    let ([name], FunctionArguments::List(list), None) = (f.name.0.as_slice(), &f.args, &f.over)
    else {
        return Ok(());
    };
    let name = normalize_ident(name);
    if KNOWN.contains(&name.as_str()) {
        return Ok(());
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
    Err(Failure::new(
        PgError::undefined_function(&format!("{name}({})", types.join(", "))),
        Some(Site::expr(e)),
    ))
}

/// An argument's type as PostgreSQL names it in signatures, when it can be told here.
fn arg_type(e: &Expr, level: &Level) -> Option<String> {
    let ty = match e {
        Expr::Value(
            AstValue::SingleQuotedString(_)
            | AstValue::EscapedStringLiteral(_)
            | AstValue::DollarQuotedString(_)
            | AstValue::Null,
        ) => return Some("unknown".into()),
        Expr::Value(v @ (AstValue::Number(..) | AstValue::Boolean(_))) => literal_type(v),
        Expr::Identifier(c) => level.column_type(None, &normalize_ident(c))?,
        Expr::CompoundIdentifier(ids) => match ids.as_slice() {
            [t, c] | [_, t, c] => {
                level.column_type(Some(&normalize_ident(t)), &normalize_ident(c))?
            }
            _ => return None,
        },
        Expr::Cast { data_type, .. } => sqltype_from_ast(data_type).ok()?,
        Expr::Nested(inner) => return arg_type(inner, level),
        _ => return None,
    };
    Some(ty.pg_name())
}

#[cfg(test)]
mod tests {
    use super::KNOWN;

    #[test]
    fn known_functions_include_the_engines_lists() {
        let engine = crate::sql::eval::AGGREGATES
            .iter()
            .chain(crate::executor::run_command::RUN_COMMAND_FUNCTIONS);
        for name in engine {
            assert!(KNOWN.contains(name), "{name}");
        }
        assert!(KNOWN.windows(2).all(|w| w[0] < w[1]), "kept sorted");
    }
}
