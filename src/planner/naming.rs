//! The names PostgreSQL gives result columns (`count`, `?column?`, the column name, the alias),
//! which the combine query must keep when it rewrites the select list.

use super::relations::normalize_ident;
use sqlparser::ast::{DataType, Expr, SelectItem, SetExpr};

/// The output name of a select-list item.
pub fn item_name(item: &SelectItem) -> String {
    match item {
        SelectItem::ExprWithAlias { alias, .. } => normalize_ident(alias),
        SelectItem::UnnamedExpr(expr) => expr_name(expr),
        _ => "?column?".into(),
    }
}

/// PostgreSQL's FigureColname: column references and functions give their name, casts of them
/// the inner name, casts of constants the type name.
pub fn expr_name(expr: &Expr) -> String {
    match expr {
        Expr::Identifier(ident) => normalize_ident(ident),
        Expr::CompoundIdentifier(parts) => parts
            .last()
            .map(normalize_ident)
            .unwrap_or_else(|| "?column?".into()),
        Expr::Function(f) => f
            .name
            .0
            .last()
            .map(normalize_ident)
            .unwrap_or_else(|| "?column?".into()),
        Expr::Nested(inner) => expr_name(inner),
        Expr::Cast {
            expr, data_type, ..
        } => match expr_name(expr).as_str() {
            "?column?" => type_column_name(data_type),
            name => name.to_string(),
        },
        // Named after its ELSE result when that is named by a column, function or row.
        Expr::Case {
            else_result: Some(e),
            ..
        } if matches!(
            e.as_ref(),
            Expr::Identifier(_) | Expr::CompoundIdentifier(_) | Expr::Function(_) | Expr::Tuple(_)
        ) =>
        {
            expr_name(e)
        }
        Expr::Case { .. } => "case".into(),
        Expr::Exists { .. } => "exists".into(),
        Expr::Array(_) => "array".into(),
        Expr::Tuple(_) => "row".into(),
        Expr::Subquery(q) => match q.body.as_ref() {
            SetExpr::Select(s) => s
                .projection
                .first()
                .map(item_name)
                .unwrap_or_else(|| "?column?".into()),
            _ => "?column?".into(),
        },
        Expr::Extract { .. } => "extract".into(),
        Expr::Substring { .. } => "substring".into(),
        Expr::Trim { .. } => "btrim".into(),
        Expr::Position { .. } => "position".into(),
        Expr::Ceil { .. } => "ceil".into(),
        Expr::Floor { .. } => "floor".into(),
        _ => "?column?".into(),
    }
}

/// The internal type name PostgreSQL uses for a cast's column name (`'1'::int` → `int4`).
fn type_column_name(dt: &DataType) -> String {
    let s = dt.to_string().to_lowercase();
    let base = s.split('(').next().unwrap_or("").trim();
    match base {
        "int" | "integer" | "int4" | "serial" => "int4".into(),
        "bigint" | "int8" => "int8".into(),
        "smallint" | "int2" => "int2".into(),
        "text" => "text".into(),
        "varchar" | "character varying" => "varchar".into(),
        "char" | "character" => "bpchar".into(),
        "boolean" | "bool" => "bool".into(),
        "numeric" | "decimal" => "numeric".into(),
        "double precision" | "float8" | "float" => "float8".into(),
        "real" | "float4" => "float4".into(),
        "timestamp" => "timestamp".into(),
        "timestamptz" => "timestamptz".into(),
        "date" => "date".into(),
        "interval" => "interval".into(),
        "regclass" => "regclass".into(),
        other => other.to_string(),
    }
}
