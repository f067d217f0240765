//! Result column names as PostgreSQL's FigureColname picks them.

use crate::sql::eval::resolve::ident_name;
use crate::sql::functions::function_name;
use sqlparser::ast::{DataType, Expr, SelectItem, SetExpr, TrimWhereField, Value as AstValue};

/// The name PostgreSQL gives an unaliased select-list expression.
pub fn output_name(e: &Expr) -> String {
    strong_name(e)
        .map(|(n, _)| n)
        .unwrap_or_else(|| "?column?".to_string())
}

/// `(name, strength)`: 2 for column and function names, 1 for type names of casts.
fn strong_name(e: &Expr) -> Option<(String, u8)> {
    match e {
        Expr::Identifier(id) => Some((ident_name(id), 2)),
        Expr::CompoundIdentifier(ids) => ids.last().map(|id| (ident_name(id), 2)),
        Expr::Nested(inner) => strong_name(inner),
        Expr::Function(f) => Some((function_name(f), 2)),
        Expr::Cast {
            expr, data_type, ..
        } => match strong_name(expr) {
            Some((n, 2)) => Some((n, 2)),
            _ => Some((type_colname(data_type), 1)),
        },
        Expr::TypedString { data_type, .. } => Some((type_colname(data_type), 1)),
        Expr::Interval(_) => Some(("interval".into(), 1)),
        Expr::Value(AstValue::Boolean(_)) => Some(("bool".into(), 1)),
        // A CASE is named after its ELSE result when that has a name of its own.
        Expr::Case { else_result, .. } => match else_result.as_deref().and_then(strong_name) {
            Some((name, 2)) => Some((name, 2)),
            _ => Some(("case".into(), 1)),
        },
        Expr::Array(_) => Some(("array".into(), 2)),
        Expr::Tuple(_) => Some(("row".into(), 2)),
        Expr::Exists { .. } => Some(("exists".into(), 2)),
        Expr::Subquery(q) => subquery_name(&q.body).map(|n| (n, 2)),
        Expr::Extract { .. } => Some(("extract".into(), 2)),
        Expr::Ceil { .. } => Some(("ceil".into(), 2)),
        Expr::Floor { .. } => Some(("floor".into(), 2)),
        Expr::Position { .. } => Some(("position".into(), 2)),
        Expr::Substring { .. } => Some(("substring".into(), 2)),
        Expr::Overlay { .. } => Some(("overlay".into(), 2)),
        Expr::Trim { trim_where, .. } => Some((
            match trim_where {
                Some(TrimWhereField::Leading) => "ltrim",
                Some(TrimWhereField::Trailing) => "rtrim",
                _ => "btrim",
            }
            .into(),
            2,
        )),
        Expr::Collate { expr, .. } => strong_name(expr),
        _ => None,
    }
}

fn subquery_name(body: &SetExpr) -> Option<String> {
    match body {
        SetExpr::Select(sel) => match sel.projection.first()? {
            SelectItem::UnnamedExpr(e) => Some(output_name(e)),
            SelectItem::ExprWithAlias { alias, .. } => Some(ident_name(alias)),
            _ => None,
        },
        SetExpr::Query(q) => subquery_name(&q.body),
        SetExpr::SetOperation { left, .. } => subquery_name(left),
        _ => None,
    }
}

/// The catalog name of a cast's target type (`int4`, `varchar`, `bpchar`, `float8`).
fn type_colname(dt: &DataType) -> String {
    use crate::types::SqlType;
    match crate::sql::cast::sqltype_from_ast(dt) {
        Ok(t) => {
            let base = match &t {
                SqlType::Array(inner) => inner.as_ref(),
                other => other,
            };
            match base {
                SqlType::Bool => "bool",
                SqlType::Int2 => "int2",
                SqlType::Int4 => "int4",
                SqlType::Int8 => {
                    if dt.to_string().eq_ignore_ascii_case("oid") {
                        "oid"
                    } else {
                        "int8"
                    }
                }
                SqlType::Numeric { .. } => "numeric",
                SqlType::Float4 => "float4",
                SqlType::Float8 => "float8",
                SqlType::Text => "text",
                SqlType::Varchar(_) => "varchar",
                SqlType::Char(_) => "bpchar",
                SqlType::Date => "date",
                SqlType::Timestamp => "timestamp",
                SqlType::TimestampTz => "timestamptz",
                SqlType::Interval => "interval",
                SqlType::Regclass => "regclass",
                _ => "?column?",
            }
            .to_string()
        }
        Err(_) => "?column?".to_string(),
    }
}
