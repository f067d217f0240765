mod common;
use common::*;
use shardscope::types::SqlType;

#[test]
fn literals_and_arithmetic() {
    let db = demo_db();
    assert_eq!(
        one(&db, "SELECT 1 + 2, 7 / 2, 7 % 3, 2.5 * 2, -3"),
        "3|3|1|5.0|-3"
    );
    assert_eq!(one(&db, "SELECT 275::numeric / 10"), "27.5000000000000000");
    assert_eq!(err(&db, "SELECT 1 / 0"), "division by zero");
    assert_eq!(err(&db, "SELECT 2147483647 + 1"), "integer out of range");
    assert_eq!(one(&db, "SELECT 2147483648"), "2147483648");
    assert_eq!(
        one(&db, "SELECT 'a' || 1 || NULL IS NULL, 'a' || 1"),
        "t|a1"
    );
    assert_eq!(
        names(&db, "SELECT 1, 'a'::text, true, 1::bigint"),
        vec!["?column?", "text", "bool", "int8"]
    );
}

#[test]
fn where_order_limit() {
    let db = demo_db();
    assert_eq!(
        rows(
            &db,
            "SELECT id, user_name FROM citus_demo WHERE age > 30 ORDER BY age DESC LIMIT 2"
        ),
        vec!["4|David", "10|Jack"]
    );
    assert_eq!(
        rows(
            &db,
            "SELECT user_name FROM citus_demo WHERE id IN (1, 3) OR city LIKE 'B%' ORDER BY 1"
        ),
        vec!["Alice", "Charlie", "David"]
    );
    assert_eq!(
        one(&db, "SELECT count(*) FROM citus_demo WHERE id = '3'"),
        "1"
    );
    assert_eq!(
        one(
            &db,
            "SELECT count(*) FROM citus_demo WHERE created_at > '2026-01-01'"
        ),
        "10"
    );
    assert_eq!(
        rows(&db, "SELECT id FROM citus_demo ORDER BY id OFFSET 8"),
        vec!["9", "10"]
    );
    assert_eq!(
        err(&db, "SELECT nope FROM citus_demo"),
        "column \"nope\" does not exist"
    );
    assert_eq!(
        err(&db, "SELECT x.id FROM citus_demo"),
        "missing FROM-clause entry for table \"x\""
    );
    assert_eq!(
        err(&db, "SELECT citus_demo.nope FROM citus_demo"),
        "column citus_demo.nope does not exist"
    );
    assert_eq!(
        err(&db, "SELECT * FROM nope"),
        "relation \"nope\" does not exist"
    );
}

#[test]
fn aggregates() {
    let db = demo_db();
    assert_eq!(
        one(
            &db,
            "SELECT count(*), sum(age), avg(age), min(user_name), max(age) FROM citus_demo"
        ),
        "10|286|28.6000000000000000|Alice|35"
    );
    assert_eq!(
        types(&db, "SELECT count(*), sum(age), avg(age) FROM citus_demo"),
        vec![
            SqlType::Int8,
            SqlType::Int8,
            SqlType::Numeric {
                precision: None,
                scale: None
            }
        ]
    );
    assert_eq!(
        one(&db, "SELECT count(*), sum(age) FROM citus_demo WHERE false"),
        "0|"
    );
    assert_eq!(
        rows(
            &db,
            "SELECT age > 28 AS old, count(*) FROM citus_demo GROUP BY 1 ORDER BY 1"
        ),
        vec!["f|5", "t|5"]
    );
    assert_eq!(
        rows(&db, "SELECT age / 10 AS decade, count(*) c FROM citus_demo GROUP BY decade HAVING count(*) > 1 ORDER BY c DESC, decade"),
        vec!["2|6", "3|4"]
    );
    assert_eq!(
        err(&db, "SELECT user_name, count(*) FROM citus_demo"),
        "column \"citus_demo.user_name\" must appear in the GROUP BY clause or be used in an aggregate function"
    );
    assert_eq!(
        one(&db, "SELECT string_agg(DISTINCT (id % 2)::text, ','), bool_and(age > 20), count(DISTINCT age / 10) FROM citus_demo"),
        "0,1|t|2"
    );
    assert_eq!(
        err(&db, "SELECT 1 FROM citus_demo WHERE count(*) > 1"),
        "aggregate functions are not allowed in WHERE"
    );
}

#[test]
fn joins_and_srfs() {
    let db = demo_db();
    assert_eq!(
        rows(&db, "SELECT d.id, c.user_name FROM generate_series(1,3) AS d(id) JOIN citus_demo c ON c.id = d.id ORDER BY d.id DESC"),
        vec!["3|Charlie", "2|Bob", "1|Alice"]
    );
    assert_eq!(
        rows(&db, "SELECT g, c.id FROM generate_series(10, 12) g LEFT JOIN citus_demo c ON c.id = g - 2 ORDER BY g"),
        vec!["10|8", "11|9", "12|10"]
    );
    assert_eq!(
        rows(&db, "SELECT * FROM (VALUES (1, 'a'), (2, 'b')) v(id, x) JOIN (VALUES (2, 'z')) w(id, y) USING (id)"),
        vec!["2|b|z"]
    );
    assert_eq!(
        names(
            &db,
            "SELECT * FROM (VALUES (1, 'a')) v(id, x) JOIN (VALUES (1, 'z')) w(id, y) USING (id)"
        ),
        vec!["id", "x", "y"]
    );
    assert_eq!(
        rows(&db, "SELECT generate_series(1,3)"),
        vec!["1", "2", "3"]
    );
    assert_eq!(
        rows(
            &db,
            "SELECT k, hashtext(k) AS hash FROM unnest(ARRAY['Alice', 'Bob']) k"
        ),
        vec!["Alice|1071472576", "Bob|1343599979"]
    );
    assert_eq!(
        names(&db, "SELECT k, hashtext(k) FROM unnest(ARRAY['Alice']) k"),
        vec!["k", "hashtext"]
    );
    assert_eq!(
        err(&db, "SELECT id FROM citus_demo a, citus_demo b"),
        "column reference \"id\" is ambiguous"
    );
}

#[test]
fn subqueries_ctes_setops() {
    let db = demo_db();
    assert_eq!(
        one(
            &db,
            "SELECT (SELECT max(age) FROM citus_demo) - (SELECT min(age) FROM citus_demo)"
        ),
        "13"
    );
    assert_eq!(
        rows(&db, "SELECT user_name FROM citus_demo c WHERE age = (SELECT max(age) FROM citus_demo d WHERE d.city = c.city) AND id < 3 ORDER BY id"),
        vec!["Alice", "Bob"]
    );
    assert_eq!(
        rows(&db, "WITH old AS (SELECT * FROM citus_demo WHERE age >= 33) SELECT user_name FROM old ORDER BY user_name"),
        vec!["David", "Jack"]
    );
    assert_eq!(
        rows(
            &db,
            "SELECT 1 UNION SELECT 2 UNION SELECT 1 ORDER BY 1 DESC"
        ),
        vec!["2", "1"]
    );
    assert_eq!(
        rows(&db, "SELECT 1 INTERSECT SELECT 1 EXCEPT SELECT 2"),
        vec!["1"]
    );
    assert_eq!(
        err(&db, "SELECT (SELECT id FROM citus_demo)"),
        "more than one row returned by a subquery used as an expression"
    );
    assert_eq!(
        one(&db, "SELECT EXISTS (SELECT 1 FROM citus_demo WHERE age > 34), 3 IN (SELECT id FROM citus_demo)"),
        "t|t"
    );
    assert_eq!(
        names(&db, "SELECT (SELECT min(id) FROM citus_demo)"),
        vec!["min"]
    );
}

#[test]
fn expressions_and_functions() {
    let db = demo_db();
    assert_eq!(
        one(&db, "SELECT CASE WHEN 1 > 2 THEN 'a' ELSE 'b' END, coalesce(NULL, 2), nullif(1, 1), greatest(1, 5, 3)"),
        "b|2||5"
    );
    assert_eq!(
        names(&db, "SELECT CASE WHEN true THEN 1 END, coalesce(1, 2), id::text, upper('x') FROM citus_demo LIMIT 1"),
        vec!["case", "coalesce", "id", "upper"]
    );
    assert_eq!(
        one(&db, "SELECT lower('AbC'), length('héllo'), substr('hello', 2, 3), replace('aXbX', 'X', '-'), lpad('7', 3, '0'), split_part('a,b,c', ',', 2), initcap('hello world')"),
        "abc|5|ell|a-b-|007|b|Hello World"
    );
    assert_eq!(
        one(&db, "SELECT round(2.345, 2), abs(-3), ceil(1.2), floor(-1.5), mod(7, 3), power(2, 10), sqrt(16)"),
        "2.35|3|2|-2|1|1024|4"
    );
    assert_eq!(
        one(&db, "SELECT now(), now() - interval '1 day', date_trunc('hour', now()), extract(year from now())"),
        "2026-01-23 22:42:50.523619|2026-01-22 22:42:50.523619|2026-01-23 22:00:00|2026"
    );
    assert_eq!(
        one(&db, "SELECT '2026-01-23'::date + 7, '2026-01-02 03:00'::timestamp - '2026-01-01'::timestamp"),
        "2026-01-30|1 day 03:00:00"
    );
    assert_eq!(
        one(&db, "SELECT hashint4(1), hashint8(4294967296) = hashint8(1), 1 BETWEEN 0 AND 2, NULL IS DISTINCT FROM 1"),
        "-1905060026|t|t|t"
    );
    assert_eq!(
        one(
            &db,
            "SELECT pg_typeof(1), pg_typeof(1.5), pg_typeof('a'::varchar(3))"
        ),
        "integer|numeric|character varying"
    );
    assert_eq!(
        one(&db, "SELECT 2 = ANY(ARRAY[1,2]), '{1,2}'::int[]"),
        "t|{1,2}"
    );
    assert!(
        err(&db, "SELECT foo(1, 'a')").starts_with("function foo(integer, unknown) does not exist")
    );
    assert_eq!(
        err(&db, "SELECT 'abc'::int"),
        "invalid input syntax for type integer: \"abc\""
    );
}

#[test]
fn sequences() {
    let db = demo_db();
    db.sequences
        .borrow_mut()
        .insert("t_id_seq".into(), Default::default());
    assert_eq!(
        err(&db, "SELECT currval('t_id_seq')"),
        "currval of sequence \"t_id_seq\" is not yet defined in this session"
    );
    assert_eq!(one(&db, "SELECT nextval('t_id_seq'::regclass)"), "1");
    assert_eq!(one(&db, "SELECT nextval('t_id_seq')"), "2");
    assert_eq!(one(&db, "SELECT currval('t_id_seq')"), "2");
    assert_eq!(
        err(&db, "SELECT nextval('nope')"),
        "relation \"nope\" does not exist"
    );
}

#[test]
fn big_table_aggregates_and_self_join() {
    let mut db = shardscope::sql::Database::new();
    let rows = (0..100_000)
        .map(|i| {
            vec![
                shardscope::types::Value::Int4(i),
                shardscope::types::Value::Int4(i % 100),
            ]
        })
        .collect();
    add_table(
        &mut db,
        "big",
        &[("id", SqlType::Int4), ("g", SqlType::Int4)],
        rows,
    );
    assert_eq!(one(&db, "SELECT count(*) FROM big"), "100000");
    assert_eq!(
        rows_len(&db, "SELECT g, count(*), sum(id) FROM big GROUP BY g"),
        100
    );
    assert_eq!(
        one(&db, "SELECT count(*) FROM big a JOIN big b ON a.id = b.id"),
        "100000"
    );
}

fn rows_len(db: &shardscope::sql::Database, sql: &str) -> usize {
    rows(db, sql).len()
}

#[test]
fn point_lookups_through_unique_keys_mean_what_equality_means() {
    let mut db = demo_db();
    db.execute_sql(
        "CREATE TABLE pk (a int, b text, n int, PRIMARY KEY (a, b)); \
         CREATE TABLE one_key (id bigint PRIMARY KEY, v text); \
         INSERT INTO pk VALUES (1, 'x', 10), (1, 'y', 11), (2, 'x', 20); \
         INSERT INTO one_key VALUES (3, 'three'), (4, 'four')",
        &host(),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        rows(&db, "SELECT n FROM pk WHERE a = 1 AND b = 'y'"),
        vec!["11"]
    );
    assert_eq!(
        rows(&db, "SELECT n FROM pk p WHERE 'x' = p.b AND p.a = 2"),
        vec!["20"]
    );
    // A residual condition still filters the row the index found.
    assert!(rows(&db, "SELECT n FROM pk WHERE a = 1 AND b = 'y' AND n > 11").is_empty());
    // Only part of the key fixed: every matching row, not just one.
    assert_eq!(
        rows(&db, "SELECT n FROM pk WHERE a = 1 ORDER BY n"),
        vec!["10", "11"]
    );
    assert_eq!(
        rows(&db, "SELECT v FROM one_key WHERE id = 3.0"),
        vec!["three"]
    );
    assert!(rows(&db, "SELECT v FROM one_key WHERE id = 3.5").is_empty());
    assert!(rows(&db, "SELECT v FROM one_key WHERE id = NULL").is_empty());
    assert_eq!(
        rows(&db, "SELECT v FROM one_key WHERE id = -(-4)"),
        vec!["four"]
    );
    assert_eq!(
        rows(&db, "SELECT count(*) FROM one_key WHERE id = 4"),
        vec!["1"]
    );
    assert_eq!(
        err(&db, "SELECT v FROM one_key WHERE id = 'abc'"),
        "invalid input syntax for type bigint: \"abc\""
    );
}

/// Two stored tables with duplicate and NULL keys, and key columns of different types.
fn join_pair_db() -> shardscope::sql::Database {
    let mut db = demo_db();
    db.execute_sql(
        "CREATE TABLE l (id int, k bigint, n numeric, t text, v int); \
         CREATE TABLE r (id bigint, k int, n int, t text, w text, f float8); \
         INSERT INTO l VALUES (1, 1, 1.0, 'a', 10), (2, 2, 2.5, 'b', 20), (2, 2, 2, 'b', 21), \
           (NULL, NULL, NULL, NULL, 30), (4, 4, 4, 'd', 40); \
         INSERT INTO r VALUES (1, 1, 1, 'a', 'x', 1.0), (2, 2, 2, 'b', 'y', 2.0), \
           (2, 2, 2, 'c', 'z', 2.5), (NULL, NULL, NULL, NULL, 'n', NULL), (5, 5, 5, 'e', 'q', 5)",
        &host(),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    db
}

#[test]
fn joins_of_stored_tables_match_keys_as_postgres_does() {
    let db = join_pair_db();
    // NULL keys never match; duplicate keys multiply; int4 = int8.
    assert_eq!(
        one(&db, "SELECT count(*) FROM l JOIN r ON l.id = r.id"),
        "5"
    );
    assert_eq!(
        one(&db, "SELECT count(*) FROM l LEFT JOIN r ON l.id = r.id"),
        "7"
    );
    assert_eq!(
        one(&db, "SELECT count(*) FROM l RIGHT JOIN r ON r.id = l.id"),
        "7"
    );
    assert_eq!(
        one(&db, "SELECT count(*) FROM l FULL JOIN r ON l.id = r.id"),
        "9"
    );
    assert_eq!(one(&db, "SELECT count(*) FROM l JOIN r USING (id)"), "5");
    // Rows come in the left input's order, each one's matches in the right input's order.
    assert_eq!(
        rows(&db, "SELECT l.v, r.w FROM l JOIN r ON l.id = r.id"),
        vec!["10|x", "20|y", "20|z", "21|y", "21|z"]
    );
    // Multi-column keys.
    assert_eq!(
        rows(
            &db,
            "SELECT l.v, r.w FROM l JOIN r ON l.id = r.id AND l.t = r.t ORDER BY 1, 2"
        ),
        vec!["10|x", "20|y", "21|y"]
    );
    // numeric = int compares values: 1.0 = 1, 2.5 matches nothing.
    assert_eq!(
        rows(
            &db,
            "SELECT l.v, r.w FROM l JOIN r ON l.n = r.n ORDER BY 1, 2"
        ),
        vec!["10|x", "21|y", "21|z"]
    );
    // int = float8 and numeric = float8 compare as floats.
    assert_eq!(
        rows(
            &db,
            "SELECT l.v, r.w FROM l JOIN r ON l.id = r.f ORDER BY 1, 2"
        ),
        vec!["10|x", "20|y", "21|y"]
    );
    assert_eq!(
        rows(
            &db,
            "SELECT l.v, r.w FROM l JOIN r ON l.n = r.f ORDER BY 1, 2"
        ),
        vec!["10|x", "20|z", "21|y"]
    );
    assert_eq!(
        err(&db, "SELECT count(*) FROM l JOIN r ON l.id = r.t"),
        "operator does not exist: integer = text"
    );
}

#[test]
fn joins_of_stored_tables_keep_the_columns_the_query_reads() {
    let db = join_pair_db();
    // A condition beyond the keys; the outer join keeps the left rows it rejects.
    assert_eq!(
        rows(
            &db,
            "SELECT l.v, r.w FROM l LEFT JOIN r ON l.id = r.id AND r.w <> 'y' ORDER BY 1, 2"
        ),
        vec!["10|x", "20|z", "21|z", "30|", "40|"]
    );
    // Columns read only by WHERE, or by a later join's condition, survive the first join.
    assert_eq!(
        one(
            &db,
            "SELECT count(*) FROM l JOIN r ON l.id = r.id WHERE r.w = 'y'"
        ),
        "2"
    );
    assert_eq!(
        one(
            &db,
            "SELECT count(*), sum(r2.k) FROM l JOIN r ON l.id = r.id JOIN r r2 ON r2.w = r.w"
        ),
        "5|9"
    );
    assert_eq!(
        one(
            &db,
            "SELECT count(*) FROM l JOIN (r JOIN l l2 ON l2.v = r.k * 10) ON l.id = r.id"
        ),
        "5"
    );
    assert_eq!(
        rows(
            &db,
            "SELECT id, v, w FROM l FULL JOIN r USING (id) ORDER BY 1, 2, 3"
        ),
        vec!["1|10|x", "2|20|y", "2|20|z", "2|21|y", "2|21|z", "4|40|", "5||q", "|30|", "||n"]
    );
    // Comma-separated items joined by WHERE equalities: the same rows as JOIN ... ON.
    assert_eq!(
        rows(
            &db,
            "SELECT l.v, r.w FROM l, r WHERE l.id = r.id AND r.w <> 'z'"
        ),
        vec!["10|x", "20|y", "21|y"]
    );
    assert_eq!(
        one(
            &db,
            "SELECT count(*) FROM l, r, r r2 WHERE l.id = r.f AND r2.w = r.w"
        ),
        "3"
    );
    assert_eq!(
        rows(&db, "SELECT r.* FROM l JOIN r ON l.t = r.t WHERE l.v = 10"),
        vec!["1|1|1|a|x|1"]
    );
}

/// A block over one stored table reads its rows as a stream: `LIMIT` stops the scan, as
/// PostgreSQL's Limit over a SeqScan does, and `ORDER BY ... LIMIT n` keeps only the rows that
/// can be first, yet answers exactly the first n rows of the whole sorted result.
#[test]
fn streamed_scans_answer_as_the_whole_relation_would() {
    let mut db = shardscope::sql::Database::new();
    db.execute_sql(
        "CREATE TABLE nums (id int, x int, g int); \
         INSERT INTO nums SELECT i, (i * 7919) % 101, i % 7 FROM generate_series(1, 3000) i; \
         INSERT INTO nums VALUES (3001, 0, NULL), (3002, NULL, 3);",
        &host(),
    )
    .expect("setup");
    // Only the first row is computed, so the zero further on is never divided by.
    assert_eq!(
        rows(&db, "SELECT id, 100 / x FROM nums LIMIT 2"),
        vec!["1|2", "2|1"]
    );
    assert_eq!(err(&db, "SELECT id, 100 / x FROM nums"), "division by zero");
    // `*` streams too: it reads every column, but no row as a whole.
    assert_eq!(
        rows(&db, "SELECT *, 100 / x FROM nums LIMIT 2"),
        vec!["1|41|1|2", "2|82|2|1"]
    );
    assert_eq!(
        rows(&db, "SELECT n.*, 100 / x FROM nums n LIMIT 1"),
        vec!["1|41|1|2"]
    );
    assert_eq!(rows(&db, "SELECT id FROM nums LIMIT 0").len(), 0);
    assert_eq!(
        rows(&db, "SELECT id FROM nums WHERE x > 95 LIMIT 3"),
        rows(&db, "SELECT id FROM nums WHERE x > 95")[..3].to_vec()
    );
    for order in [
        "g, x DESC",
        "x NULLS FIRST, id DESC",
        "g DESC NULLS LAST",
        "x % 10, g",
        "2",
    ] {
        let all = rows(
            &db,
            &format!("SELECT * FROM nums WHERE id % 3 <> 1 ORDER BY {order}"),
        );
        for n in [1, 5, 17, 2000, 5000] {
            let first = rows(
                &db,
                &format!("SELECT * FROM nums WHERE id % 3 <> 1 ORDER BY {order} LIMIT {n}"),
            );
            assert_eq!(
                first,
                all[..n.min(all.len())].to_vec(),
                "ORDER BY {order} LIMIT {n}"
            );
        }
    }
    // Grouping folds the streamed rows; WHERE and FILTER apply per row.
    assert_eq!(
        rows(
            &db,
            "SELECT g, count(*), count(*) FILTER (WHERE x > 50), sum(x) FROM nums \
             WHERE id <= 3000 GROUP BY g ORDER BY g"
        ),
        rows(
            &db,
            "SELECT g, count(*), count(*) FILTER (WHERE x > 50), sum(x) \
             FROM (SELECT * FROM nums WHERE id <= 3000 OFFSET 0) s GROUP BY g ORDER BY g"
        )
    );
}

/// Integer keys, arguments and conditions over a stored table are evaluated on the stored
/// values (the integer lane); the same query over a materialised copy is evaluated the general
/// way. Both must give the same rows, in the same order, and the same errors.
#[test]
fn integer_lane_answers_as_general_evaluation() {
    let mut db = shardscope::sql::Database::new();
    db.execute_sql(
        "CREATE TABLE ints (s smallint, i int, b bigint, t text); \
         INSERT INTO ints SELECT (n % 9) - 4, (n * 7919) % 211 - 100, n::bigint * 1000000007, 'r' || n \
           FROM generate_series(1, 2500) n; \
         INSERT INTO ints VALUES (NULL, 5, NULL, 'a'), (3, NULL, 7, 'b'), (NULL, NULL, NULL, 'c'), \
           (32767, 2147483647, 9223372036854775807, 'max'), (-32768, -2147483648, -1, 'min');",
        &host(),
    )
    .expect("setup");
    let general = |sql: &str| sql.replace("FROM ints", "FROM (SELECT * FROM ints OFFSET 0) ints");
    let same = |db: &shardscope::sql::Database, sql: &str| {
        assert_eq!(rows(db, sql), rows(db, &general(sql)), "{sql}");
    };
    for sql in [
        "SELECT s, count(*), count(b), sum(i), sum(b), avg(i), min(b), max(s) FROM ints \
         GROUP BY s ORDER BY s",
        "SELECT i % 7, s + 1, count(*), sum(s) FROM ints WHERE t <> 'max' \
         GROUP BY i % 7, s + 1 ORDER BY 1, 2",
        "SELECT (i - s) / 3, count(*), min(i * s), max(i - s) FROM ints WHERE t NOT IN ('max', 'min') \
         GROUP BY 1 ORDER BY 1",
        "SELECT b / 1000000007 % 5, count(*) FROM ints WHERE b > 0 AND b < 9000000000 \
         GROUP BY 1 ORDER BY 1",
        // One key, only count(*): keys on both sides of the small-key table's edge, and NULL.
        "SELECT i + 4000, count(*) FROM ints WHERE t <> 'max' GROUP BY 1 ORDER BY 1",
        "SELECT s, count(*), count(*) FROM ints GROUP BY s ORDER BY s",
        "SELECT count(*), sum(i), max(b) FROM ints WHERE s >= 0 OR i < -50",
        "SELECT count(*), sum(s) FROM ints WHERE i - s * 3 > 4 AND i % 4 <> 1",
        "SELECT count(*) FROM ints WHERE i = NULL OR s <> 2",
        "SELECT count(*) FROM ints WHERE (s < 0 AND i > 0) OR (s > 0 AND i < 0)",
        "SELECT s, i FROM ints WHERE i > 90 ORDER BY i DESC, s NULLS FIRST LIMIT 7",
        "SELECT t FROM ints ORDER BY i - s * 2 NULLS FIRST, i / 3 DESC, t LIMIT 12",
        "SELECT t FROM ints ORDER BY s DESC NULLS LAST, i LIMIT 30",
    ] {
        same(&db, sql);
    }
    // Overflow and division by zero are the general evaluation's errors, wherever they are.
    for (sql, error) in [
        (
            "SELECT i + 1, count(*) FROM ints GROUP BY 1",
            "integer out of range",
        ),
        (
            "SELECT s + s, count(*) FROM ints GROUP BY 1",
            "smallint out of range",
        ),
        ("SELECT sum(b + 1) FROM ints", "bigint out of range"),
        (
            "SELECT count(*) FROM ints WHERE s + i > b",
            "integer out of range",
        ),
        (
            "SELECT count(*) FROM ints WHERE 100 / s > 1",
            "division by zero",
        ),
        (
            "SELECT t FROM ints ORDER BY i % s LIMIT 3",
            "division by zero",
        ),
    ] {
        assert_eq!(err(&db, sql), error, "{sql}");
        assert_eq!(err(&db, &general(sql)), error, "{sql}");
    }
}
