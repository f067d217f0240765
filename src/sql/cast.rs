//! Casts between PostgreSQL types (`::int`, `CAST(x AS text)`, `'t'::regclass`) and the
//! assignment coercion applied when a value is stored in a column (`value too long for type
//! character varying(5)`, `integer out of range`, char(n) padding).

use crate::error::{PgError, PgResult};
use crate::types::{SqlType, Value};

/// An explicit cast.
pub fn cast(value: Value, to: &SqlType) -> PgResult<Value> {
    let _ = (value, to);
    Err(PgError::unsupported("casts are not implemented yet"))
}

/// Coerces a value for storage in a column of type `ty`.
pub fn coerce_for_column(value: Value, ty: &SqlType) -> PgResult<Value> {
    let _ = ty;
    Ok(value)
}

/// Maps a parsed SQL type name to a `SqlType` (`serial` maps to `integer`; the caller creates the
/// sequence).
pub fn sqltype_from_ast(dt: &sqlparser::ast::DataType) -> PgResult<SqlType> {
    Err(PgError::unsupported(format!("type {dt} is not supported")))
}
