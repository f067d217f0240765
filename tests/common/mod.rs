//! Test helpers: a node database with tables loaded straight into storage.
#![allow(dead_code)]

use chrono::NaiveDate;
use shardscope::error::PgError;
use shardscope::sql::{parse_sql, ColumnDef, Database, PlainHost, ResultSet, TableDef};
use shardscope::types::{SqlType, Value};
use sqlparser::ast::Statement;

pub fn host() -> PlainHost {
    PlainHost {
        now: NaiveDate::from_ymd_opt(2026, 1, 23)
            .and_then(|d| d.and_hms_micro_opt(22, 42, 50, 523_619))
            .unwrap(),
    }
}

pub fn add_table(db: &mut Database, name: &str, cols: &[(&str, SqlType)], rows: Vec<Vec<Value>>) {
    let def = TableDef {
        name: name.to_string(),
        columns: cols
            .iter()
            .map(|(n, t)| ColumnDef {
                name: n.to_string(),
                ty: t.clone(),
                not_null: false,
                default: None,
            })
            .collect(),
        constraints: Vec::new(),
        indexes: Vec::new(),
        partition_key: None,
        partition_of: None,
    };
    db.storage.create_table(def).expect("a new table");
    // No OID of its own: relation OIDs come from the host, as for the coordinator's tables.
    db.storage.bootstrap_catalog_table(name);
    db.storage
        .insert(name, rows)
        .expect("rows of the table's width");
}

pub fn t(s: &str) -> Value {
    Value::Text(s.to_string())
}

/// The tutorial's citus_demo table.
pub fn demo_db() -> Database {
    let mut db = Database::new();
    let people = [
        ("Alice", "New York", 25),
        ("Bob", "Chicago", 30),
        ("Charlie", "Seattle", 27),
        ("David", "Boston", 35),
        ("Emma", "Denver", 22),
        ("Frank", "Portland", 29),
        ("Grace", "Miami", 28),
        ("Henry", "Atlanta", 31),
        ("Iris", "Phoenix", 26),
        ("Jack", "Dallas", 33),
    ];
    let ts = host().now;
    let rows = people
        .iter()
        .enumerate()
        .map(|(i, (n, c, a))| {
            vec![
                Value::Int4(i as i32 + 1),
                t(n),
                t(c),
                Value::Int4(*a),
                Value::Timestamp(ts),
            ]
        })
        .collect();
    add_table(
        &mut db,
        "citus_demo",
        &[
            ("id", SqlType::Int4),
            ("user_name", SqlType::Text),
            ("city", SqlType::Text),
            ("age", SqlType::Int4),
            ("created_at", SqlType::Timestamp),
        ],
        rows,
    );
    db
}

pub fn query(db: &Database, sql: &str) -> Result<ResultSet, PgError> {
    let stmts = parse_sql(sql)?;
    match stmts.first() {
        Some(Statement::Query(q)) => db.query(q, &host()),
        _ => panic!("not a query: {sql}"),
    }
}

/// Rows as psql text cells (NULL as empty), joined by `|`.
pub fn rows(db: &Database, sql: &str) -> Vec<String> {
    match query(db, sql) {
        Ok(rs) => rs
            .rows
            .iter()
            .map(|r| {
                r.iter()
                    .map(|v| v.to_pg_text().unwrap_or_default())
                    .collect::<Vec<_>>()
                    .join("|")
            })
            .collect(),
        Err(e) => panic!("{sql}: {e}"),
    }
}

pub fn one(db: &Database, sql: &str) -> String {
    let r = rows(db, sql);
    assert_eq!(r.len(), 1, "{sql}: {r:?}");
    r[0].clone()
}

pub fn err(db: &Database, sql: &str) -> String {
    match query(db, sql) {
        Ok(rs) => panic!("{sql}: expected an error, got {:?}", rs.rows),
        Err(e) => e.message.clone(),
    }
}

pub fn names(db: &Database, sql: &str) -> Vec<String> {
    query(db, sql)
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
        .columns
        .iter()
        .map(|c| c.name.clone())
        .collect()
}

pub fn types(db: &Database, sql: &str) -> Vec<SqlType> {
    query(db, sql)
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
        .columns
        .iter()
        .map(|c| c.ty.clone())
        .collect()
}
