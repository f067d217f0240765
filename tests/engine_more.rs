mod common;
use common::*;
use shardscope::types::SqlType;

#[test]
fn null_ordering_and_distinct() {
    let db = demo_db();
    assert_eq!(
        rows(
            &db,
            "SELECT x FROM (VALUES (2), (NULL), (1)) v(x) ORDER BY x"
        ),
        vec!["1", "2", ""]
    );
    assert_eq!(
        rows(
            &db,
            "SELECT x FROM (VALUES (2), (NULL), (1)) v(x) ORDER BY x DESC"
        ),
        vec!["", "2", "1"]
    );
    assert_eq!(
        rows(
            &db,
            "SELECT x FROM (VALUES (2), (NULL), (1)) v(x) ORDER BY x NULLS FIRST"
        ),
        vec!["", "1", "2"]
    );
    assert_eq!(
        rows(&db, "SELECT DISTINCT age / 10 FROM citus_demo ORDER BY 1"),
        vec!["2", "3"]
    );
    assert_eq!(
        rows(&db, "SELECT DISTINCT ON (age / 10) age / 10, user_name FROM citus_demo ORDER BY age / 10, age DESC"),
        vec!["2|Frank", "3|David"]
    );
    assert_eq!(
        one(
            &db,
            "SELECT string_agg(user_name, ',' ORDER BY age DESC) FROM citus_demo WHERE age > 30"
        ),
        "David,Jack,Henry"
    );
    assert_eq!(
        one(
            &db,
            "SELECT array_agg(id ORDER BY id DESC) FROM citus_demo WHERE id < 4"
        ),
        "{3,2,1}"
    );
}

#[test]
fn outer_joins() {
    let db = demo_db();
    let sql = "SELECT a.x, b.y FROM (VALUES (1), (2)) a(x) FULL JOIN (VALUES (2), (3)) b(y) ON a.x = b.y ORDER BY a.x, b.y";
    assert_eq!(rows(&db, sql), vec!["1|", "2|2", "|3"]);
    let sql = "SELECT a.x, b.y FROM (VALUES (1), (2)) a(x) RIGHT JOIN (VALUES (2), (3)) b(y) ON a.x < b.y ORDER BY 2, 1";
    assert_eq!(rows(&db, sql), vec!["1|2", "1|3", "2|3"]);
    let sql = "SELECT count(*) FROM citus_demo a CROSS JOIN citus_demo b";
    assert_eq!(one(&db, sql), "100");
}

#[test]
fn casts_and_types() {
    let db = demo_db();
    assert_eq!(
        one(&db, "SELECT '2026-01-23 22:42:50.523619'::timestamp, '2026-01-23'::date, '1 day'::interval, interval '2 hours'"),
        "2026-01-23 22:42:50.523619|2026-01-23|1 day|02:00:00"
    );
    assert_eq!(
        types(
            &db,
            "SELECT id::text, age::bigint, 1.5, now() FROM citus_demo LIMIT 1"
        ),
        vec![
            SqlType::Text,
            SqlType::Int8,
            SqlType::Numeric {
                precision: None,
                scale: None
            },
            SqlType::TimestampTz
        ]
    );
    assert_eq!(one(&db, "SELECT 'citus_demo'::regclass"), "citus_demo");
    assert_eq!(
        err(&db, "SELECT 'nope'::regclass"),
        "relation \"nope\" does not exist"
    );
    assert_eq!(err(&db, "SELECT 70000::smallint"), "smallint out of range");
    assert_eq!(
        one(
            &db,
            "SELECT 3000000000::bigint::int8, 't'::boolean, 'yes'::bool"
        ),
        "3000000000|t|t"
    );
    assert_eq!(
        one(&db, "SELECT -2147483648::bigint + 3 * (4294967296 / 4)"),
        "1073741824"
    );
    assert_eq!(one(&db, "SELECT 1 WHERE NOT (NULL::bool IS NOT NULL)"), "1");
}

#[test]
fn guards() {
    let db = demo_db();
    let deep = format!("SELECT {}1{}", "(".repeat(300), ")".repeat(300));
    // Either the parser or the evaluator refuses; nothing panics.
    assert!(query(&db, &deep).is_err());
    assert_eq!(err(&db, "SELECT 1 LIMIT -1"), "LIMIT must not be negative");
    assert_eq!(
        err(&db, "SELECT * FROM (SELECT 1)"),
        "subquery in FROM must have an alias"
    );
}

#[test]
fn regclass_to_oid_asks_the_host() {
    use shardscope::sql::Host;
    struct OidHost;
    impl Host for OidHost {
        fn now(&self) -> chrono::NaiveDateTime {
            host().now
        }
        fn relation_oid(&self, name: &str) -> Option<u32> {
            (name == "citus_demo").then_some(17306)
        }
    }
    let db = demo_db();
    let stmts = shardscope::sql::parse_sql("SELECT 'citus_demo'::regclass::oid AS coordinator_oid")
        .unwrap();
    let sqlparser::ast::Statement::Query(q) = &stmts[0] else {
        panic!()
    };
    let rs = db.query(q, &OidHost).unwrap();
    assert_eq!(rs.columns[0].name, "coordinator_oid");
    assert_eq!(rs.rows[0][0].to_pg_text().as_deref(), Some("17306"));
}
