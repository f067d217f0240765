//! `information_schema.tables` and `information_schema.columns` as PostgreSQL 15 defines them,
//! rendered from the node's own relations: its tables (shards included), partitions and
//! views. Citus hides shards from `pg_class`, and so from these views, for clients; the
//! connections Citus opens between nodes (`run_command_on_workers`) see them.

use super::{Column, Database, Host, ResultSet};
use crate::types::{SqlType, Value};

/// The database every node serves (`current_database()`).
const CATALOG: &str = "postgres";

pub const TABLES: &str = "information_schema.tables";
pub const COLUMNS: &str = "information_schema.columns";

/// The view under its stored name, if it is one of these.
pub fn relation(db: &Database, host: &dyn Host, stored: &str) -> Option<ResultSet> {
    match stored {
        TABLES => Some(tables(db, host)),
        COLUMNS => Some(columns(db, host)),
        _ => None,
    }
}

/// A relation as the views list it.
struct Listed<'a> {
    stored: &'a str,
    kind: Kind<'a>,
}

enum Kind<'a> {
    Table(&'a super::TableDef),
    View(&'a super::ViewDef),
}

/// The relations a client of this node sees in `pg_class` with relkind r, p or v, by name.
fn listed<'a>(db: &'a Database, host: &dyn Host) -> Vec<Listed<'a>> {
    let mut out: Vec<Listed<'a>> = db
        .storage
        .tables
        .iter()
        // The system catalog's own tables take no user OID.
        .filter(|(name, _)| db.storage.relation_oid(name).is_some() && !host.hides_shard(name))
        .map(|(name, def)| Listed {
            stored: name,
            kind: Kind::Table(def),
        })
        .chain(db.views.iter().map(|(name, def)| Listed {
            stored: name,
            kind: Kind::View(def),
        }))
        .collect();
    crate::sort::sort_by_key(&mut out, |l| super::namespace::split(l.stored));
    out
}

fn text(s: impl Into<String>) -> Value {
    Value::Text(s.into())
}

fn yes_no(b: bool) -> Value {
    text(if b { "YES" } else { "NO" })
}

fn int(n: Option<i64>) -> Value {
    n.and_then(|n| i32::try_from(n).ok())
        .map_or(Value::Null, Value::Int4)
}

/// `sql_identifier` and `character_data` columns are text here; `cardinal_number` integer.
fn columns_of(names: &[(&str, bool)]) -> Vec<Column> {
    names
        .iter()
        .map(|(n, number)| {
            Column::new(
                *n,
                if *number {
                    SqlType::Int4
                } else {
                    SqlType::Text
                },
            )
        })
        .collect()
}

fn tables(db: &Database, host: &dyn Host) -> ResultSet {
    let columns = columns_of(&[
        ("table_catalog", false),
        ("table_schema", false),
        ("table_name", false),
        ("table_type", false),
        ("self_referencing_column_name", false),
        ("reference_generation", false),
        ("user_defined_type_catalog", false),
        ("user_defined_type_schema", false),
        ("user_defined_type_name", false),
        ("is_insertable_into", false),
        ("is_typed", false),
        ("commit_action", false),
    ]);
    let rows = listed(db, host)
        .into_iter()
        .map(|l| {
            let (schema, name) = super::namespace::split(l.stored);
            let (kind, insertable) = match l.kind {
                Kind::Table(_) => ("BASE TABLE", true),
                Kind::View(v) => (
                    "VIEW",
                    updatable_columns(&v.query, v.columns.len()).contains(&true),
                ),
            };
            vec![
                text(CATALOG),
                text(schema),
                text(name),
                text(kind),
                Value::Null,
                Value::Null,
                Value::Null,
                Value::Null,
                Value::Null,
                yes_no(insertable),
                yes_no(false),
                Value::Null,
            ]
        })
        .collect();
    ResultSet { columns, rows }
}

fn columns(db: &Database, host: &dyn Host) -> ResultSet {
    let columns = columns_of(&[
        ("table_catalog", false),
        ("table_schema", false),
        ("table_name", false),
        ("column_name", false),
        ("ordinal_position", true),
        ("column_default", false),
        ("is_nullable", false),
        ("data_type", false),
        ("character_maximum_length", true),
        ("character_octet_length", true),
        ("numeric_precision", true),
        ("numeric_precision_radix", true),
        ("numeric_scale", true),
        ("datetime_precision", true),
        ("interval_type", false),
        ("interval_precision", true),
        ("character_set_catalog", false),
        ("character_set_schema", false),
        ("character_set_name", false),
        ("collation_catalog", false),
        ("collation_schema", false),
        ("collation_name", false),
        ("domain_catalog", false),
        ("domain_schema", false),
        ("domain_name", false),
        ("udt_catalog", false),
        ("udt_schema", false),
        ("udt_name", false),
        ("scope_catalog", false),
        ("scope_schema", false),
        ("scope_name", false),
        ("maximum_cardinality", true),
        ("dtd_identifier", false),
        ("is_self_referencing", false),
        ("is_identity", false),
        ("identity_generation", false),
        ("identity_start", false),
        ("identity_increment", false),
        ("identity_maximum", false),
        ("identity_minimum", false),
        ("identity_cycle", false),
        ("is_generated", false),
        ("generation_expression", false),
        ("is_updatable", false),
    ]);
    let mut rows = Vec::new();
    for l in listed(db, host) {
        let (schema, name) = super::namespace::split(l.stored);
        // Each column: name, type, NOT NULL, default, updatable.
        let cols: Vec<(String, SqlType, bool, Option<String>, bool)> = match l.kind {
            Kind::Table(def) => {
                let pk = def.primary_key().unwrap_or(&[]);
                def.columns
                    .iter()
                    .map(|c| {
                        (
                            c.name.clone(),
                            c.ty.clone(),
                            c.not_null || pk.contains(&c.name),
                            c.default_sql(),
                            true,
                        )
                    })
                    .collect()
            }
            Kind::View(v) => {
                let updatable = updatable_columns(&v.query, v.columns.len());
                v.columns
                    .iter()
                    .enumerate()
                    .map(|(i, c)| {
                        let up = updatable.get(i).copied().unwrap_or(false);
                        (c.name.clone(), c.ty.clone(), false, None, up)
                    })
                    .collect()
            }
        };
        for (i, (column, ty, not_null, default, updatable)) in cols.into_iter().enumerate() {
            let attnum = i as i64 + 1;
            let facts = TypeFacts::of(&ty);
            rows.push(vec![
                text(CATALOG),
                text(schema),
                text(name),
                text(column),
                int(Some(attnum)),
                default.map_or(Value::Null, text),
                yes_no(!not_null),
                text(facts.data_type),
                int(facts.char_max),
                int(facts.octet),
                int(facts.precision),
                int(facts.radix),
                int(facts.scale),
                int(facts.datetime),
                Value::Null,
                Value::Null,
                Value::Null,
                Value::Null,
                Value::Null,
                Value::Null,
                Value::Null,
                Value::Null,
                Value::Null,
                Value::Null,
                Value::Null,
                text(CATALOG),
                text("pg_catalog"),
                text(facts.udt),
                Value::Null,
                Value::Null,
                Value::Null,
                Value::Null,
                text(attnum.to_string()),
                yes_no(false),
                yes_no(false),
                Value::Null,
                Value::Null,
                Value::Null,
                Value::Null,
                Value::Null,
                yes_no(false),
                text("NEVER"),
                Value::Null,
                yes_no(updatable),
            ]);
        }
    }
    ResultSet { columns, rows }
}

/// What `information_schema` says of a type (its `_pg_*` helper functions).
#[derive(Default)]
struct TypeFacts {
    data_type: String,
    udt: String,
    char_max: Option<i64>,
    octet: Option<i64>,
    precision: Option<i64>,
    radix: Option<i64>,
    scale: Option<i64>,
    datetime: Option<i64>,
}

/// Bytes a character takes at most in the database's encoding (UTF8).
const MAX_CHAR_BYTES: i64 = 4;
/// `character_octet_length` of text and of unbounded character types: 2^30.
const UNBOUNDED_OCTETS: i64 = 1 << 30;

impl TypeFacts {
    fn of(ty: &SqlType) -> Self {
        let named = |data_type: &str, udt: &str| TypeFacts {
            data_type: data_type.to_string(),
            udt: udt.to_string(),
            ..TypeFacts::default()
        };
        let integer = |data_type: &str, udt: &str, bits: i64| TypeFacts {
            precision: Some(bits),
            radix: Some(2),
            scale: Some(0),
            ..named(data_type, udt)
        };
        let chars = |data_type: &str, udt: &str, max: Option<u32>| TypeFacts {
            char_max: max.map(i64::from),
            octet: Some(max.map_or(UNBOUNDED_OCTETS, |n| i64::from(n) * MAX_CHAR_BYTES)),
            ..named(data_type, udt)
        };
        let datetime = |data_type: &str, udt: &str, precision: i64| TypeFacts {
            datetime: Some(precision),
            ..named(data_type, udt)
        };
        match ty {
            SqlType::Bool => named("boolean", "bool"),
            SqlType::Int2 => integer("smallint", "int2", 16),
            SqlType::Int4 => integer("integer", "int4", 32),
            SqlType::Int8 => integer("bigint", "int8", 64),
            SqlType::Numeric { precision, scale } => TypeFacts {
                precision: precision.map(i64::from),
                radix: Some(10),
                scale: precision.map(|_| i64::from(scale.unwrap_or(0))),
                ..named("numeric", "numeric")
            },
            SqlType::Float4 => TypeFacts {
                precision: Some(24),
                radix: Some(2),
                ..named("real", "float4")
            },
            SqlType::Float8 => TypeFacts {
                precision: Some(53),
                radix: Some(2),
                ..named("double precision", "float8")
            },
            SqlType::Text | SqlType::Unknown => chars("text", "text", None),
            SqlType::Varchar(n) => chars("character varying", "varchar", *n),
            SqlType::Char(n) => chars("character", "bpchar", Some(*n)),
            SqlType::Date => datetime("date", "date", 0),
            SqlType::Timestamp => datetime("timestamp without time zone", "timestamp", 6),
            SqlType::TimestampTz => datetime("timestamp with time zone", "timestamptz", 6),
            SqlType::Interval => datetime("interval", "interval", 6),
            SqlType::Regclass => named("regclass", "regclass"),
            SqlType::Json => named("json", "json"),
            SqlType::Jsonb => named("jsonb", "jsonb"),
            SqlType::Record => named("record", "record"),
            SqlType::Array(inner) => TypeFacts {
                udt: format!("_{}", TypeFacts::of(inner).udt),
                ..named("ARRAY", "")
            },
        }
    }
}

/// Which of a view's columns an INSERT or UPDATE through it could write, as PostgreSQL's
/// automatically updatable views decide: one table in FROM, no aggregation, DISTINCT, set
/// operation, LIMIT or WITH, and the column a plain column of that table. `count` is how many
/// columns the view has.
fn updatable_columns(query: &sqlparser::ast::Query, count: usize) -> Vec<bool> {
    use sqlparser::ast::{Expr, GroupByExpr, SelectItem, SetExpr, TableFactor};
    let SetExpr::Select(select) = query.body.as_ref() else {
        return Vec::new();
    };
    let simple_from = matches!(select.from.as_slice(),
        [t] if t.joins.is_empty() && matches!(t.relation, TableFactor::Table { .. }));
    let grouped = match &select.group_by {
        GroupByExpr::All(_) => true,
        GroupByExpr::Expressions(e, _) => !e.is_empty(),
    };
    let mut aggregates = Vec::new();
    for item in &select.projection {
        if let SelectItem::UnnamedExpr(e) | SelectItem::ExprWithAlias { expr: e, .. } = item {
            super::select::collect_aggregates(e, &mut aggregates);
        }
    }
    let simple = simple_from
        && !grouped
        && aggregates.is_empty()
        && select.distinct.is_none()
        && select.having.is_none()
        && query.with.is_none()
        && query.limit.is_none()
        && query.offset.is_none();
    if !simple {
        return Vec::new();
    }
    let mut out = Vec::new();
    for item in &select.projection {
        match item {
            SelectItem::UnnamedExpr(e) | SelectItem::ExprWithAlias { expr: e, .. } => {
                out.push(matches!(
                    e,
                    Expr::Identifier(_) | Expr::CompoundIdentifier(_)
                ));
            }
            // A star's columns are the table's own, each of them writable.
            SelectItem::Wildcard(_) | SelectItem::QualifiedWildcard(..) => {
                return vec![true; count];
            }
        }
    }
    out
}
