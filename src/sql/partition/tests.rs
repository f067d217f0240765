use super::*;
use crate::sql::{Database, PlainHost};

fn db_with(sql: &str) -> Database {
    let mut db = Database::new();
    let host = PlainHost {
        now: chrono::NaiveDateTime::default(),
    };
    db.execute_sql(sql, &host).expect("setup runs");
    db
}

#[test]
fn hash_partitions_place_int4_keys_as_postgres_15() {
    // Where PostgreSQL 15 puts 1..12 in three hash partitions (MODULUS 3).
    let expected: [(u64, &[i32]); 3] = [
        (0, &[2, 4, 6, 8]),
        (1, &[3, 7, 10]),
        (2, &[1, 5, 9, 11, 12]),
    ];
    for (remainder, ids) in expected {
        for id in ids {
            let key = [(Value::Int4(*id), SqlType::Int4)];
            let bound = Bound::Hash {
                modulus: 3,
                remainder,
            };
            assert!(
                holds(&bound, &key).unwrap(),
                "{id} belongs to remainder {remainder}"
            );
        }
    }
}

#[test]
fn rows_route_to_their_partition_and_the_default_takes_the_rest() {
    let db = db_with(
        "CREATE TABLE m (id int, d date) PARTITION BY RANGE (d);
         CREATE TABLE m_a PARTITION OF m FOR VALUES FROM (MINVALUE) TO ('2024-01-01');
         CREATE TABLE m_b PARTITION OF m FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');",
    );
    let parent = db.table("m").unwrap().clone();
    let date = |s: &str| Value::Date(chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap());
    assert_eq!(
        route(&db, &parent, &[Value::Int4(1), date("1999-05-05")]).unwrap(),
        "m_a"
    );
    assert_eq!(
        route(&db, &parent, &[Value::Int4(1), date("2024-01-01")]).unwrap(),
        "m_b"
    );
    let err = route(&db, &parent, &[Value::Int4(1), date("2025-01-01")]).unwrap_err();
    assert_eq!(err.message, "no partition of relation \"m\" found for row");
    // NULL keys fit no range.
    assert!(route(&db, &parent, &[Value::Int4(1), Value::Null]).is_err());
    let db = db_with(
        "CREATE TABLE m (id int, d date) PARTITION BY RANGE (d);
         CREATE TABLE m_b PARTITION OF m FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
         CREATE TABLE m_rest PARTITION OF m DEFAULT;",
    );
    let parent = db.table("m").unwrap().clone();
    assert_eq!(
        route(&db, &parent, &[Value::Int4(1), Value::Null]).unwrap(),
        "m_rest"
    );
    assert_eq!(
        partitions(&db, "m")
            .iter()
            .map(|p| p.name.as_str())
            .collect::<Vec<_>>(),
        ["m_b", "m_rest"]
    );
}

#[test]
fn pruning_keeps_only_partitions_a_filter_can_reach() {
    let db = db_with(
        "CREATE TABLE m (id int, d date) PARTITION BY RANGE (d);
         CREATE TABLE m_2023 PARTITION OF m FOR VALUES FROM ('2023-01-01') TO ('2024-01-01');
         CREATE TABLE m_2024 PARTITION OF m FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
         CREATE TABLE m_rest PARTITION OF m DEFAULT;",
    );
    let parent = db.table("m").unwrap().clone();
    let kept = |sql: &str| -> Vec<String> {
        let quals: Vec<sqlparser::ast::Expr> = sql
            .split(" AND ")
            .map(|q| crate::sql::ddl::parse_expr(q).unwrap())
            .collect();
        prune_by_quals(&db, &parent, "m", &quals)
            .into_iter()
            .map(|p| p.name.clone())
            .collect()
    };
    assert_eq!(kept("d = '2024-03-01'"), ["m_2024"]);
    assert_eq!(kept("d >= '2024-01-01'"), ["m_2024", "m_rest"]);
    assert_eq!(
        kept("d >= '2023-02-01' AND d < '2024-06-01'"),
        ["m_2023", "m_2024"]
    );
    assert_eq!(kept("d < '2023-01-01'"), ["m_rest"]);
    assert_eq!(kept("id = 4"), ["m_2023", "m_2024", "m_rest"]);
}

#[test]
fn partition_syntax_is_rewritten_and_rejected_where_postgres_rejects_it() {
    let db = db_with("CREATE TABLE l (r text) PARTITION BY LIST (r);");
    let def = db.table("l").unwrap();
    assert_eq!(
        def.partition_key,
        Some(PartitionKey {
            strategy: Strategy::List,
            columns: vec!["r".into()]
        })
    );
    let mut db = db;
    let host = PlainHost {
        now: chrono::NaiveDateTime::default(),
    };
    db.execute_sql(
        "CREATE TABLE l_n PARTITION OF l FOR VALUES IN ('n', NULL)",
        &host,
    )
    .unwrap();
    let of = db.table("l_n").unwrap().partition_of.clone().unwrap();
    assert_eq!(of.parent, "l");
    assert_eq!(
        bound_sql(&of.bound, &[SqlType::Text]),
        "FOR VALUES IN ('n', NULL)"
    );
    let err = db
        .execute_sql("CREATE TABLE l_x PARTITION OF l FOR VALUES IN ('n')", &host)
        .unwrap_err();
    assert_eq!(
        err.message,
        "partition \"l_x\" would overlap partition \"l_n\""
    );
    let err = db
        .execute_sql(
            "CREATE TABLE l_y PARTITION OF l FOR VALUES FROM ('a') TO ('b')",
            &host,
        )
        .unwrap_err();
    assert_eq!(
        err.message,
        "invalid bound specification for a list partition"
    );
}
