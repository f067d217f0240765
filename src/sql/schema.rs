//! Table definitions as PostgreSQL keeps them: columns with types, defaults and NOT NULL, and
//! named constraints. Shards are created from their table's definition with every constraint
//! name suffixed with the shard id, as Citus does (`users_pkey_102041`).

use crate::types::SqlType;
use serde::{Deserialize, Serialize};
use sqlparser::ast::Expr;

pub use super::partition::{Bound, PartitionKey, PartitionOf, RangeDatum, Strategy};

#[derive(Clone, Debug, PartialEq)]
pub struct ColumnDef {
    pub name: String,
    pub ty: SqlType,
    pub not_null: bool,
    /// The DEFAULT expression (`nextval('t_id_seq'::regclass)` for serial columns).
    pub default: Option<Expr>,
}

impl ColumnDef {
    /// The default as `pg_get_expr` prints it (what `\d` and `information_schema` show):
    /// type names after `::` in lower case, and a quoted literal as the constant of the
    /// column's type it was coerced to (`'x'::text`).
    pub fn default_sql(&self) -> Option<String> {
        let e = self.default.as_ref()?;
        if let Expr::Value(sqlparser::ast::Value::SingleQuotedString(text)) = e {
            return Some(typed_literal(text, &self.ty));
        }
        Some(lower_casts(&e.to_string()))
    }
}

/// A string literal coerced to `ty`, as ruleutils prints the constant: booleans, non-negative
/// integers and decimals bare, anything else quoted with its type.
fn typed_literal(text: &str, ty: &SqlType) -> String {
    let value = match crate::sql::cast::cast(crate::types::Value::Text(text.to_string()), ty) {
        Ok(crate::types::Value::Bool(b)) => Some(b.to_string()),
        Ok(v) => v.to_pg_text(),
        Err(_) => None,
    };
    let shown = value.as_deref().unwrap_or(text);
    let bare = match ty {
        SqlType::Bool => true,
        SqlType::Int4 => !shown.starts_with('-'),
        SqlType::Numeric { .. } => {
            shown.starts_with(|c: char| c.is_ascii_digit()) && shown.contains(['.', 'e', 'E'])
        }
        _ => false,
    };
    if bare {
        return shown.to_string();
    }
    let name = match ty {
        SqlType::Char(_) => "bpchar".to_string(),
        other => other.pg_name(),
    };
    format!("'{}'::{name}", shown.replace('\'', "''"))
}

fn lower_casts(expr: &str) -> String {
    let mut out = String::with_capacity(expr.len());
    let mut in_quote = false;
    let mut after_cast = false;
    let mut prev = '\0';
    for c in expr.chars() {
        if c == '\'' {
            in_quote = !in_quote;
        }
        if !in_quote && prev == ':' && c == ':' {
            after_cast = true;
        } else if after_cast && !(c.is_ascii_alphanumeric() || c == '_') {
            after_cast = false;
        }
        out.push(if after_cast {
            c.to_ascii_lowercase()
        } else {
            c
        });
        prev = c;
    }
    out
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ReferentialAction {
    NoAction,
    Restrict,
    Cascade,
    SetNull,
    SetDefault,
}

#[derive(Clone, Debug, PartialEq)]
// A CHECK expression is large; constraints are few per table, so boxing buys nothing.
#[allow(clippy::large_enum_variant)]
pub enum ConstraintKind {
    PrimaryKey(Vec<String>),
    Unique(Vec<String>),
    Check(Expr),
    ForeignKey {
        columns: Vec<String>,
        ref_table: String,
        ref_columns: Vec<String>,
        on_delete: ReferentialAction,
        on_update: ReferentialAction,
    },
}

#[derive(Clone, Debug, PartialEq)]
pub struct Constraint {
    pub name: String,
    pub kind: ConstraintKind,
}

#[derive(Clone, Debug, PartialEq)]
pub struct IndexDef {
    pub name: String,
    pub columns: Vec<String>,
    pub unique: bool,
}

#[derive(Clone, Debug, PartialEq)]
pub struct TableDef {
    pub name: String,
    pub columns: Vec<ColumnDef>,
    pub constraints: Vec<Constraint>,
    pub indexes: Vec<IndexDef>,
    /// `PARTITION BY ...`: a partitioned table, whose rows live in its partitions.
    pub partition_key: Option<PartitionKey>,
    /// `PARTITION OF parent FOR VALUES ...`: a partition, with its bound.
    pub partition_of: Option<PartitionOf>,
}

impl TableDef {
    /// A table with these columns and nothing else.
    pub fn new(name: impl Into<String>, columns: Vec<ColumnDef>) -> Self {
        TableDef {
            name: name.into(),
            columns,
            constraints: Vec::new(),
            indexes: Vec::new(),
            partition_key: None,
            partition_of: None,
        }
    }

    pub fn is_partitioned(&self) -> bool {
        self.partition_key.is_some()
    }

    /// The types of the partition key's columns (empty when not partitioned).
    pub fn partition_key_types(&self) -> Vec<SqlType> {
        self.partition_key
            .iter()
            .flat_map(|k| k.columns.iter())
            .filter_map(|c| self.column(c).map(|c| c.ty.clone()))
            .collect()
    }

    /// The table's columns as a result's columns (names and types).
    pub fn result_columns(&self) -> Vec<super::Column> {
        self.columns
            .iter()
            .map(|c| super::Column::new(c.name.clone(), c.ty.clone()))
            .collect()
    }

    pub fn column_index(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|c| c.name == name)
    }

    pub fn column(&self, name: &str) -> Option<&ColumnDef> {
        self.columns.iter().find(|c| c.name == name)
    }

    /// Column sets that must be unique: the primary key and every UNIQUE constraint, with names.
    pub fn unique_keys(&self) -> impl Iterator<Item = (&str, &[String])> {
        self.constraints.iter().filter_map(|c| match &c.kind {
            ConstraintKind::PrimaryKey(cols) | ConstraintKind::Unique(cols) => {
                Some((c.name.as_str(), cols.as_slice()))
            }
            _ => None,
        })
    }

    pub fn primary_key(&self) -> Option<&[String]> {
        self.constraints.iter().find_map(|c| match &c.kind {
            ConstraintKind::PrimaryKey(cols) => Some(cols.as_slice()),
            _ => None,
        })
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn defaults_print_casts_in_lower_case() {
        assert_eq!(
            super::lower_casts("nextval('a::B'::REGCLASS)"),
            "nextval('a::B'::regclass)"
        );
    }

    #[test]
    fn quoted_defaults_are_constants_of_the_column_type() {
        use crate::types::SqlType;
        assert_eq!(
            super::typed_literal("it's", &SqlType::Text),
            "'it''s'::text"
        );
        assert_eq!(
            super::typed_literal("x", &SqlType::Varchar(Some(3))),
            "'x'::character varying"
        );
        assert_eq!(
            super::typed_literal("US", &SqlType::Char(2)),
            "'US'::bpchar"
        );
        assert_eq!(super::typed_literal("t", &SqlType::Bool), "true");
        assert_eq!(super::typed_literal("7", &SqlType::Int4), "7");
        assert_eq!(
            super::typed_literal("2024-01-05", &SqlType::Date),
            "'2024-01-05'::date"
        );
    }
}
