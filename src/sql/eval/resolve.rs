//! Column references: `a`, `t.a`, searched in the current row and then in enclosing queries.

use super::{Scope, ScopeColumn};
use crate::error::{PgError, PgResult};
use crate::types::{SqlType, Value};
use sqlparser::ast::Ident;

/// Unquoted identifiers fold to lower case, as PostgreSQL does.
pub fn ident_name(id: &Ident) -> String {
    if id.quote_style.is_some() {
        id.value.clone()
    } else {
        id.value.to_lowercase()
    }
}

/// Finds the position of a column in one scope level; `Err` on ambiguity.
pub fn find_column(
    columns: &[ScopeColumn],
    qualifier: Option<&str>,
    name: &str,
) -> PgResult<Option<usize>> {
    let mut found = None;
    let mut merged = None;
    let mut ambiguous = false;
    for (i, c) in columns.iter().enumerate() {
        if c.name != name {
            continue;
        }
        if let Some(q) = qualifier {
            if c.qualifier.as_deref() != Some(q) {
                continue;
            }
        } else if c.qualifier.is_none() {
            // A USING/NATURAL join's merged column wins over the per-side copies.
            merged = merged.or(Some(i));
        }
        if found.is_some() {
            ambiguous = true;
        }
        found = found.or(Some(i));
    }
    if let Some(m) = merged {
        return Ok(Some(m));
    }
    if ambiguous {
        let shown = match qualifier {
            Some(q) => format!("{q}.{name}"),
            None => name.to_string(),
        };
        return Err(PgError::new(
            "42702",
            format!("column reference \"{shown}\" is ambiguous"),
        ));
    }
    Ok(found)
}

/// Splits `[schema.]table.column` identifiers into qualifier and name.
pub fn split_ident(ids: &[Ident]) -> PgResult<(Option<String>, String)> {
    match ids {
        [c] => Ok((None, ident_name(c))),
        [t, c] => Ok((Some(ident_name(t)), ident_name(c))),
        [_, t, c] => Ok((Some(ident_name(t)), ident_name(c))),
        _ => Err(PgError::syntax(
            "improper qualified name (too many dotted names)",
        )),
    }
}

/// The value and type of a column reference.
pub fn resolve_column(ids: &[Ident], scope: &Scope) -> PgResult<(Value, SqlType)> {
    let (qualifier, name) = split_ident(ids)?;
    let mut level = Some(scope);
    let mut qualifier_seen = false;
    while let Some(s) = level {
        if let Some(i) = find_column(s.columns, qualifier.as_deref(), &name)? {
            let v = s.row.get(i).cloned().unwrap_or(Value::Null);
            let ty = s
                .columns
                .get(i)
                .map(|c| c.ty.clone())
                .unwrap_or(SqlType::Unknown);
            return Ok((v, ty));
        }
        if let Some(q) = &qualifier {
            qualifier_seen |= s.columns.iter().any(|c| c.qualifier.as_deref() == Some(q));
        }
        level = s.outer;
    }
    Err(missing_column(qualifier.as_deref(), &name, qualifier_seen))
}

pub fn missing_column(qualifier: Option<&str>, name: &str, qualifier_seen: bool) -> PgError {
    match qualifier {
        None => PgError::undefined_column(name),
        Some(q) if qualifier_seen => {
            PgError::new("42703", format!("column {q}.{name} does not exist"))
        }
        Some(q) => PgError::new(
            "42P01",
            format!("missing FROM-clause entry for table \"{q}\""),
        ),
    }
}
