//! The DDL text a table definition is sent to workers as: parsing and running it recreates the
//! same `TableDef` (the coordinator renames the table and constraints for each shard first).

use crate::sql::schema::{ConstraintKind, ReferentialAction, TableDef};

/// Quotes an identifier when PostgreSQL would need it to keep its spelling.
pub fn quote_ident(name: &str) -> String {
    let plain = name
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c == '_')
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if plain && !is_reserved(name) {
        name.to_string()
    } else {
        format!("\"{}\"", name.replace('"', "\"\""))
    }
}

/// A syntax-tree identifier that prints back as `name` (quoted when it needs quotes), for SQL
/// built from stored names (shard names, columns) that another node parses again.
pub fn ident(name: &str) -> sqlparser::ast::Ident {
    if quote_ident(name).starts_with('"') {
        sqlparser::ast::Ident::with_quote('"', name)
    } else {
        sqlparser::ast::Ident::new(name)
    }
}

fn is_reserved(name: &str) -> bool {
    matches!(
        name,
        "all"
            | "and"
            | "any"
            | "as"
            | "asc"
            | "check"
            | "column"
            | "constraint"
            | "create"
            | "default"
            | "desc"
            | "distinct"
            | "do"
            | "else"
            | "end"
            | "false"
            | "for"
            | "foreign"
            | "from"
            | "group"
            | "having"
            | "in"
            | "into"
            | "is"
            | "key"
            | "limit"
            | "not"
            | "null"
            | "offset"
            | "on"
            | "or"
            | "order"
            | "primary"
            | "references"
            | "select"
            | "table"
            | "then"
            | "to"
            | "true"
            | "union"
            | "unique"
            | "user"
            | "using"
            | "when"
            | "where"
            | "with"
            | "values"
            | "set"
            | "update"
            | "delete"
            | "insert"
            | "join"
            | "left"
            | "right"
            | "inner"
            | "outer"
            | "cross"
            | "natural"
    )
}

fn ident_list(cols: &[String]) -> String {
    cols.iter()
        .map(|c| quote_ident(c))
        .collect::<Vec<_>>()
        .join(", ")
}

fn action_sql(a: &ReferentialAction) -> &'static str {
    match a {
        ReferentialAction::NoAction => "NO ACTION",
        ReferentialAction::Restrict => "RESTRICT",
        ReferentialAction::Cascade => "CASCADE",
        ReferentialAction::SetNull => "SET NULL",
        ReferentialAction::SetDefault => "SET DEFAULT",
    }
}

/// `CREATE TABLE t (col type [DEFAULT e] [NOT NULL], ..., CONSTRAINT n ...)`.
pub fn table_def_to_sql(def: &TableDef) -> String {
    let mut items: Vec<String> = def
        .columns
        .iter()
        .map(|c| {
            let mut s = format!("{} {}", quote_ident(&c.name), c.ty.display_name());
            if let Some(d) = &c.default {
                s.push_str(&format!(" DEFAULT {d}"));
            }
            if c.not_null {
                s.push_str(" NOT NULL");
            }
            s
        })
        .collect();
    for c in &def.constraints {
        let body = match &c.kind {
            ConstraintKind::PrimaryKey(cols) => format!("PRIMARY KEY ({})", ident_list(cols)),
            ConstraintKind::Unique(cols) => format!("UNIQUE ({})", ident_list(cols)),
            ConstraintKind::Check(e) => format!("CHECK ({e})"),
            ConstraintKind::ForeignKey {
                columns,
                ref_table,
                ref_columns,
                on_delete,
                on_update,
            } => {
                let mut s = format!(
                    "FOREIGN KEY ({}) REFERENCES {}({})",
                    ident_list(columns),
                    crate::sql::namespace::relation_sql(ref_table),
                    ident_list(ref_columns)
                );
                if *on_delete != ReferentialAction::NoAction {
                    s.push_str(&format!(" ON DELETE {}", action_sql(on_delete)));
                }
                if *on_update != ReferentialAction::NoAction {
                    s.push_str(&format!(" ON UPDATE {}", action_sql(on_update)));
                }
                s
            }
        };
        items.push(format!("CONSTRAINT {} {body}", quote_ident(&c.name)));
    }
    let partition_by = match &def.partition_key {
        Some(key) => format!(" PARTITION BY {}", crate::sql::partition::key_sql(key)),
        None => String::new(),
    };
    format!(
        "CREATE TABLE {} ({}){partition_by}",
        crate::sql::namespace::relation_sql(&def.name),
        items.join(", ")
    )
}

/// `CREATE [UNIQUE] INDEX` statements for the table's indexes (not those of constraints).
pub fn index_defs_to_sql(def: &TableDef) -> Vec<String> {
    def.indexes
        .iter()
        .map(|i| {
            format!(
                "CREATE {}INDEX {} ON {} ({})",
                if i.unique { "UNIQUE " } else { "" },
                quote_ident(&i.name),
                crate::sql::namespace::relation_sql(&def.name),
                ident_list(&i.columns)
            )
        })
        .collect()
}
