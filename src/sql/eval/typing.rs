//! Static result types of expressions: result headers, psql alignment and remote_scan types.

use super::resolve::{find_column, split_ident};
use super::{EvalCtx, ScopeColumn};
use crate::sql::cast::sqltype_from_ast;
use crate::sql::functions::function_name;
use crate::types::SqlType;
use sqlparser::ast::{BinaryOperator, Expr, UnaryOperator, Value as AstValue};

const NUMERIC: SqlType = SqlType::Numeric {
    precision: None,
    scale: None,
};

/// The type of a literal: numbers by size, strings untyped.
pub fn literal_type(v: &AstValue) -> SqlType {
    match v {
        AstValue::Number(n, _) => match super::number_literal(&n.to_string()) {
            Ok(v) => v.natural_type(),
            Err(_) => NUMERIC,
        },
        AstValue::Boolean(_) => SqlType::Bool,
        AstValue::Null => SqlType::Unknown,
        _ => SqlType::Text,
    }
}

fn rank(t: &SqlType) -> u8 {
    match t {
        SqlType::Int2 => 1,
        SqlType::Int4 => 2,
        SqlType::Int8 => 3,
        SqlType::Numeric { .. } => 4,
        SqlType::Float4 | SqlType::Float8 => 5,
        _ => 0,
    }
}

/// The common type of numeric operands.
fn promote(l: SqlType, r: SqlType) -> SqlType {
    match (rank(&l), rank(&r)) {
        (0, _) => r,
        (_, 0) => l,
        (a, b) => match a.max(b) {
            1 => SqlType::Int2,
            2 => SqlType::Int4,
            3 => SqlType::Int8,
            4 => NUMERIC,
            _ => SqlType::Float8,
        },
    }
}

fn arith_type(l: SqlType, op: &BinaryOperator, r: SqlType) -> SqlType {
    use SqlType::*;
    let l = if matches!(l, Unknown | Text) && rank(&r) > 0 {
        r.clone()
    } else {
        l
    };
    let r = if matches!(r, Unknown | Text) && rank(&l) > 0 {
        l.clone()
    } else {
        r
    };
    match (&l, op, &r) {
        (Timestamp | TimestampTz, BinaryOperator::Minus, Timestamp | TimestampTz) => Interval,
        (Date, BinaryOperator::Minus, Date) => Int4,
        (Date, _, Interval) | (Interval, _, Date) => Timestamp,
        (Timestamp | TimestampTz, _, _) => l.clone(),
        (_, _, Timestamp | TimestampTz) => r.clone(),
        (Date, _, _) => Date,
        (_, _, Date) => Date,
        (Interval, _, _) | (_, _, Interval) => Interval,
        (Float4, _, Float4) => Float4,
        (Float4, _, _) | (_, _, Float4) => Float8,
        _ => promote(l, r),
    }
}

fn float_or_numeric(arg: SqlType) -> SqlType {
    match arg {
        SqlType::Numeric { .. } => NUMERIC,
        _ => SqlType::Float8,
    }
}

/// The type `expr` has over rows with `columns` (for result headers, alignment and coercion).
pub fn expr_type(expr: &Expr, columns: &[ScopeColumn], ctx: &EvalCtx) -> SqlType {
    let ty = |e: &Expr| expr_type(e, columns, ctx);
    match expr {
        Expr::Tuple(_) => SqlType::Record,
        Expr::Identifier(_) | Expr::CompoundIdentifier(_) => {
            let ids = match expr {
                Expr::Identifier(id) => vec![id.clone()],
                Expr::CompoundIdentifier(ids) => ids.clone(),
                _ => Vec::new(),
            };
            split_ident(&ids)
                .ok()
                .and_then(|(q, n)| {
                    find_column(columns, q.as_deref(), &n)
                        .ok()
                        .flatten()
                        .and_then(|i| columns.get(i))
                })
                .map(|c| c.ty.clone())
                .unwrap_or(match expr {
                    Expr::Identifier(id) if id.quote_style.is_none() => {
                        match id.value.to_lowercase().as_str() {
                            "current_date" => SqlType::Date,
                            "current_timestamp" | "now" => SqlType::TimestampTz,
                            "localtimestamp" => SqlType::Timestamp,
                            "current_user" | "session_user" | "user" => SqlType::Text,
                            _ => SqlType::Unknown,
                        }
                    }
                    _ => SqlType::Unknown,
                })
        }
        Expr::Value(v) => literal_type(v),
        Expr::Nested(e) | Expr::Collate { expr: e, .. } => ty(e),
        Expr::TypedString { data_type, .. } | Expr::Cast { data_type, .. } => {
            sqltype_from_ast(data_type).unwrap_or(SqlType::Unknown)
        }
        Expr::Interval(_) => SqlType::Interval,
        Expr::BinaryOp { left, op, right } => match op {
            _ if json_operator_type(left, op, right, &ty).is_some() => {
                json_operator_type(left, op, right, &ty).unwrap_or(SqlType::Unknown)
            }
            BinaryOperator::Plus
            | BinaryOperator::Minus
            | BinaryOperator::Multiply
            | BinaryOperator::Divide
            | BinaryOperator::Modulo => arith_type(ty(left), op, ty(right)),
            BinaryOperator::StringConcat => match (ty(left), ty(right)) {
                (a @ SqlType::Array(_), _) | (_, a @ SqlType::Array(_)) => a,
                _ => SqlType::Text,
            },
            _ => SqlType::Bool,
        },
        Expr::UnaryOp { op, expr } => match op {
            UnaryOperator::Not => SqlType::Bool,
            _ => ty(expr),
        },
        Expr::Case {
            results,
            else_result,
            ..
        } => results
            .iter()
            .chain(else_result.as_deref())
            .map(ty)
            .find(|t| !matches!(t, SqlType::Unknown | SqlType::Text))
            .or_else(|| {
                results
                    .iter()
                    .chain(else_result.as_deref())
                    .map(ty)
                    .find(|t| !matches!(t, SqlType::Unknown))
            })
            .unwrap_or(SqlType::Text),
        Expr::Subquery(q) => crate::sql::select::query_column_types(q, columns, ctx)
            .ok()
            .and_then(|cols| cols.into_iter().next())
            .unwrap_or(SqlType::Unknown),
        Expr::Array(arr) => SqlType::Array(Box::new(
            arr.elem
                .iter()
                .map(ty)
                .reduce(promote)
                .map(|t| {
                    if matches!(t, SqlType::Unknown) {
                        SqlType::Text
                    } else {
                        t
                    }
                })
                .unwrap_or(SqlType::Text),
        )),
        Expr::Extract { .. } => NUMERIC,
        Expr::Ceil { expr, .. } | Expr::Floor { expr, .. } => float_or_numeric(ty(expr)),
        Expr::Position { .. } => SqlType::Int4,
        Expr::Substring { .. } | Expr::Trim { .. } | Expr::Overlay { .. } => SqlType::Text,
        Expr::AtTimeZone { .. } => SqlType::Timestamp,
        Expr::Subscript { expr, .. } => match ty(expr) {
            SqlType::Array(inner) => *inner,
            _ => SqlType::Unknown,
        },
        Expr::Function(f) => function_type(f, columns, ctx),
        _ => SqlType::Bool,
    }
}

/// The type of a json operator's result (an untyped literal operand counts as `unknown`).
fn json_operator_type(
    left: &Expr,
    op: &BinaryOperator,
    right: &Expr,
    ty: &dyn Fn(&Expr) -> SqlType,
) -> Option<SqlType> {
    let operand = |e: &Expr| match super::literal_text(e) {
        Some(_) => SqlType::Unknown,
        None => ty(e),
    };
    crate::sql::functions::jsonb::operator_type(&operand(left), op, &operand(right))
}

fn function_type(f: &sqlparser::ast::Function, columns: &[ScopeColumn], ctx: &EvalCtx) -> SqlType {
    let name = function_name(f);
    let args = super::function_args(&f.args);
    let arg = |i: usize| {
        args.get(i)
            .map(|e| expr_type(e, columns, ctx))
            .unwrap_or(SqlType::Unknown)
    };
    // The catalog's signature decides where it resolves the call.
    let arg_types: Vec<SqlType> = (0..args.len()).map(arg).collect();
    if let Some(t) = crate::sql::catalog::result_type(&name, &arg_types) {
        return t;
    }
    match name.as_str() {
        "min" | "max" | "abs" => match arg(0) {
            SqlType::Unknown => SqlType::Text,
            t => t,
        },
        "starts_with" => SqlType::Bool,
        "lower" | "upper" | "substr" | "substring" | "btrim" | "ltrim" | "rtrim" | "replace"
        | "concat" | "concat_ws" | "left" | "right" | "lpad" | "rpad" | "repeat" | "reverse"
        | "initcap" | "split_part" | "version" | "chr" | "md5" | "quote_ident"
        | "quote_literal" | "pg_typeof" | "current_schema" => SqlType::Text,
        "length" | "char_length" | "character_length" | "octet_length" | "strpos" | "ascii"
        | "hashint4" | "hashint8" | "hashtext" => SqlType::Int4,
        "nextval" | "currval" | "setval" => SqlType::Int8,
        "round" | "trunc" if args.len() == 2 => NUMERIC,
        "round" | "trunc" | "ceil" | "ceiling" | "floor" | "sign" => float_or_numeric(arg(0)),
        "sqrt" | "exp" | "ln" | "log" | "power" | "pow" => float_or_numeric(
            if args
                .iter()
                .any(|e| matches!(expr_type(e, columns, ctx), SqlType::Numeric { .. }))
            {
                NUMERIC
            } else {
                SqlType::Float8
            },
        ),
        "pi" | "random" | "date_part" => SqlType::Float8,
        "mod" | "div" => promote(arg(0), arg(1)),
        "extract" => NUMERIC,
        "date_trunc" => match arg(1) {
            SqlType::TimestampTz => SqlType::TimestampTz,
            _ => SqlType::Timestamp,
        },
        "now"
        | "current_timestamp"
        | "transaction_timestamp"
        | "statement_timestamp"
        | "clock_timestamp" => SqlType::TimestampTz,
        "current_date" => SqlType::Date,
        "coalesce" | "greatest" | "least" | "nullif" => args
            .iter()
            .map(|e| expr_type(e, columns, ctx))
            .find(|t| !matches!(t, SqlType::Unknown | SqlType::Text))
            .or_else(|| args.first().map(|e| expr_type(e, columns, ctx)))
            .map(|t| {
                if matches!(t, SqlType::Unknown) {
                    SqlType::Text
                } else {
                    t
                }
            })
            .unwrap_or(SqlType::Text),
        "generate_series" => match arg(0) {
            SqlType::Int8 => SqlType::Int8,
            SqlType::Numeric { .. } => NUMERIC,
            SqlType::Timestamp | SqlType::Text | SqlType::TimestampTz => SqlType::Timestamp,
            _ => SqlType::Int4,
        },
        "unnest" => match arg(0) {
            SqlType::Array(inner) => *inner,
            _ => SqlType::Unknown,
        },
        // Host functions: the type of the value they return for NULL-free arguments is unknown
        // statically; Citus functions mostly return bigint or text.
        "get_shard_id_for_distribution_column" => SqlType::Int8,
        "column_to_column_name" | "shard_name" => SqlType::Text,
        _ => SqlType::Unknown,
    }
}
