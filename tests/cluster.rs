//! The distributed engine end to end through `Cluster`: placement, routing, combine, errors and
//! the trace.

use shardscope::cluster::Cluster;
use shardscope::session::SessionId;
use shardscope::sql::ResultSet;
use shardscope::trace::MessageKind;
use shardscope::types::Value;

#[path = "support/cluster.rs"]
mod support;
use support::{err, rows, run};

fn ints(rs: &ResultSet, col: usize) -> Vec<i64> {
    rs.rows
        .iter()
        .map(|r| r.get(col).and_then(Value::as_i64).unwrap_or(i64::MIN))
        .collect()
}

fn tutorial() -> (Cluster, SessionId) {
    let mut c = Cluster::new();
    let s = c.session();
    run(
        &mut c,
        s,
        "CREATE TABLE citus_demo (id SERIAL, user_name TEXT, city TEXT, age INT, created_at TIMESTAMP DEFAULT NOW())",
    );
    run(
        &mut c,
        s,
        "SELECT create_distributed_table('citus_demo', 'id')",
    );
    run(
        &mut c,
        s,
        "INSERT INTO citus_demo (user_name, city, age) VALUES ('Alice', 'New York', 25), ('Bob', 'Chicago', 30), \
         ('Charlie', 'Seattle', 27), ('David', 'Boston', 35), ('Emma', 'Denver', 22), ('Frank', 'Portland', 29), \
         ('Grace', 'Miami', 28), ('Henry', 'Atlanta', 31), ('Iris', 'Phoenix', 26), ('Jack', 'Dallas', 33)",
    );
    (c, s)
}

#[test]
fn tutorial_rows_land_in_the_shards_citus_picks() {
    let (mut c, s) = tutorial();
    let rs = rows(
        &mut c,
        s,
        "SELECT id, get_shard_id_for_distribution_column('citus_demo', id) FROM citus_demo ORDER BY id",
    );
    let offsets: Vec<i64> = ints(&rs, 1).into_iter().map(|id| id - 102008).collect();
    assert_eq!(offsets, vec![1, 24, 15, 8, 6, 20, 8, 0, 28, 4]);
    // Even offsets on the first worker, odd on the second; rows really are there.
    let w1 = c
        .node_table_rows("worker-1", "citus_demo_102008")
        .expect("shard on worker-1");
    assert_eq!(w1.rows.len(), 1);
    assert_eq!(w1.rows[0][1], Value::Text("Henry".into()));
    assert!(c.node_table_rows("worker-2", "citus_demo_102008").is_err());
    let w2 = c
        .node_table_rows("worker-2", "citus_demo_102009")
        .expect("shard on worker-2");
    assert_eq!(w2.rows[0][1], Value::Text("Alice".into()));
}

#[test]
fn placements_round_robin_over_workers() {
    let (mut c, s) = tutorial();
    let rs = rows(
        &mut c,
        s,
        "SELECT shardid, nodeport FROM citus_shards WHERE table_name::text = 'citus_demo' ORDER BY shardid",
    );
    assert_eq!(rs.rows.len(), 32);
    for (i, port) in ints(&rs, 1).into_iter().enumerate() {
        assert_eq!(port, if i % 2 == 0 { 9701 } else { 9702 });
    }
}

#[test]
fn router_query_sends_one_task_to_the_right_worker() {
    let (mut c, s) = tutorial();
    let rs = rows(&mut c, s, "SELECT user_name FROM citus_demo WHERE id = 3");
    assert_eq!(rs.rows, vec![vec![Value::Text("Charlie".into())]]);
    let tasks: Vec<_> = c
        .last_statement_events()
        .into_iter()
        .filter(|e| e.kind == MessageKind::Task)
        .collect();
    assert_eq!(tasks.len(), 1);
    assert_eq!(tasks[0].to, "worker-2");
    assert_eq!(tasks[0].shard, Some(102023));
    assert!(
        tasks[0].sql.contains("citus_demo_102023"),
        "{}",
        tasks[0].sql
    );
}

#[test]
fn multi_shard_aggregate_combines_partial_results() {
    let (mut c, s) = tutorial();
    let rs = rows(
        &mut c,
        s,
        "SELECT count(*), sum(age), avg(age), min(age), max(age) FROM citus_demo",
    );
    assert_eq!(rs.rows[0][0], Value::Int8(10));
    assert_eq!(rs.rows[0][1], Value::Int8(286));
    assert_eq!(
        rs.rows[0][2].to_pg_text().as_deref(),
        Some("28.6000000000000000")
    );
    assert_eq!(rs.rows[0][3], Value::Int4(22));
    assert_eq!(rs.rows[0][4], Value::Int4(35));
    let events = c.last_statement_events();
    assert_eq!(
        events
            .iter()
            .filter(|e| e.kind == MessageKind::Task)
            .count(),
        32
    );
    assert_eq!(
        events
            .iter()
            .filter(|e| e.kind == MessageKind::Combine)
            .count(),
        1
    );
}

#[test]
fn group_by_order_by_limit_across_shards() {
    let (mut c, s) = tutorial();
    run(
        &mut c,
        s,
        "INSERT INTO citus_demo (user_name, city, age) VALUES ('Kim', 'Miami', 40)",
    );
    let rs = rows(
        &mut c,
        s,
        "SELECT city, count(*) AS n FROM citus_demo GROUP BY city ORDER BY n DESC, city LIMIT 2",
    );
    assert_eq!(rs.columns[0].name, "city");
    assert_eq!(rs.columns[1].name, "n");
    assert_eq!(
        rs.rows[0],
        vec![Value::Text("Miami".into()), Value::Int8(2)]
    );
    assert_eq!(
        rs.rows[1],
        vec![Value::Text("Atlanta".into()), Value::Int8(1)]
    );
    let top = rows(
        &mut c,
        s,
        "SELECT user_name FROM citus_demo ORDER BY age DESC LIMIT 3",
    );
    let names: Vec<_> = top.rows.iter().map(|r| r[0].clone()).collect();
    assert_eq!(
        names,
        vec![
            Value::Text("Kim".into()),
            Value::Text("David".into()),
            Value::Text("Jack".into())
        ]
    );
}

fn users_orders() -> (Cluster, SessionId) {
    let mut c = Cluster::new();
    let s = c.session();
    run(
        &mut c,
        s,
        "CREATE TABLE users (user_id INT PRIMARY KEY, name TEXT)",
    );
    run(
        &mut c,
        s,
        "CREATE TABLE orders (order_id SERIAL, user_id INT, item TEXT, created_at TIMESTAMP DEFAULT NOW(), PRIMARY KEY (order_id, user_id))",
    );
    run(
        &mut c,
        s,
        "SELECT create_distributed_table('users', 'user_id')",
    );
    run(
        &mut c,
        s,
        "SELECT create_distributed_table('orders', 'user_id')",
    );
    run(
        &mut c,
        s,
        "ALTER TABLE orders ADD CONSTRAINT fk_user FOREIGN KEY (user_id) REFERENCES users (user_id)",
    );
    run(&mut c, s, "INSERT INTO users VALUES (1, 'Alice'), (2, 'Bob'), (3, 'Charlie'), (4, 'David'), (5, 'Emma')");
    run(
        &mut c,
        s,
        "INSERT INTO orders (user_id, item) VALUES (1, 'Pizza'), (1, 'Soda'), (1, 'Ice Cream'), (2, 'Burger'), (2, 'Fries'), \
         (3, 'Taco'), (3, 'Burrito'), (3, 'Nachos'), (4, 'Pasta'), (5, 'Salad')",
    );
    (c, s)
}

#[test]
fn colocated_tables_share_placements_and_join_locally() {
    let (mut c, s) = users_orders();
    let rs = rows(
        &mut c,
        s,
        "SELECT u.user_id, u.name, count(o.order_id) AS num_orders FROM users u LEFT JOIN orders o ON u.user_id = o.user_id \
         GROUP BY u.user_id, u.name ORDER BY u.user_id",
    );
    assert_eq!(ints(&rs, 2), vec![3, 2, 3, 1, 1]);
    // Every task joins shards with the same index on the same node.
    for e in c
        .last_statement_events()
        .iter()
        .filter(|e| e.kind == MessageKind::Task)
    {
        let users_shard: i64 = e
            .sql
            .split("users_")
            .nth(1)
            .and_then(|t| t[..6].parse().ok())
            .unwrap_or(0);
        let orders_shard: i64 = e
            .sql
            .split("orders_")
            .nth(1)
            .and_then(|t| t[..6].parse().ok())
            .unwrap_or(0);
        assert_eq!(orders_shard - users_shard, 32, "{}", e.sql);
    }
}

#[test]
fn foreign_key_violation_names_the_shards() {
    let (mut c, s) = users_orders();
    let e = err(
        &mut c,
        s,
        "INSERT INTO orders (user_id, item) VALUES (999, 'Ghost Pizza')",
    );
    assert_eq!(
        e.message,
        "insert or update on table \"orders_102068\" violates foreign key constraint \"fk_user_102068\""
    );
    assert_eq!(
        e.detail.as_deref(),
        Some("Key (user_id)=(999) is not present in table \"users_102036\".")
    );
    assert_eq!(
        e.context.as_deref(),
        Some("while executing command on 127.0.0.1:9701")
    );
    let e = err(&mut c, s, "DELETE FROM users WHERE user_id = 1");
    assert!(
        e.message
            .starts_with("update or delete on table \"users_102009\""),
        "{}",
        e.message
    );
}

#[test]
fn non_colocated_join_needs_repartitioning() {
    let (mut c, s) = users_orders();
    run(
        &mut c,
        s,
        "CREATE TABLE events (event_id SERIAL, user_name TEXT, kind TEXT)",
    );
    run(
        &mut c,
        s,
        "SELECT create_distributed_table('events', 'event_id')",
    );
    run(&mut c, s, "INSERT INTO events (user_name, kind) VALUES ('Alice', 'login'), ('Alice', 'click'), ('Bob', 'login')");
    let q = "SELECT u.name, count(*) AS events FROM users u JOIN events e ON e.user_name = u.name GROUP BY u.name ORDER BY u.name";
    let e = err(&mut c, s, q);
    assert_eq!(
        e.message,
        "the query contains a join that requires repartitioning"
    );
    assert_eq!(
        e.hint.as_deref(),
        Some("Set citus.enable_repartition_joins to on to enable repartitioning")
    );
    run(&mut c, s, "SET citus.enable_repartition_joins TO on");
    let rs = rows(&mut c, s, q);
    assert_eq!(ints(&rs, 1), vec![2, 1]);
}

#[test]
fn distribution_errors_match_citus() {
    let mut c = Cluster::new();
    let s = c.session();
    run(&mut c, s, "CREATE TABLE t_unique (a INT, b INT UNIQUE)");
    let e = err(
        &mut c,
        s,
        "SELECT create_distributed_table('t_unique', 'a')",
    );
    assert_eq!(e.message, "cannot create constraint on \"t_unique\"");
    run(&mut c, s, "CREATE TABLE t_bad (id INT)");
    let e = err(
        &mut c,
        s,
        "SELECT create_distributed_table('t_bad', 'nope')",
    );
    assert_eq!(
        e.message,
        "column \"nope\" of relation \"t_bad\" does not exist"
    );
    run(&mut c, s, "SELECT create_distributed_table('t_bad', 'id')");
    let e = err(&mut c, s, "SELECT create_distributed_table('t_bad', 'id')");
    assert_eq!(e.message, "table \"t_bad\" is already distributed");
    let e = err(&mut c, s, "UPDATE t_bad SET id = 2 WHERE id = 1");
    assert_eq!(
        e.message,
        "modifying the partition value of rows is not allowed"
    );
}

#[test]
fn reference_tables_live_on_every_node() {
    let (mut c, s) = users_orders();
    run(
        &mut c,
        s,
        "CREATE TABLE countries (code CHAR(2) PRIMARY KEY, name TEXT)",
    );
    run(&mut c, s, "SELECT create_reference_table('countries')");
    run(
        &mut c,
        s,
        "INSERT INTO countries VALUES ('US', 'United States'), ('DE', 'Germany')",
    );
    let rs = rows(
        &mut c,
        s,
        "SELECT nodeport FROM citus_shards WHERE table_name::text = 'countries' ORDER BY nodeport",
    );
    assert_eq!(ints(&rs, 0), vec![9700, 9701, 9702]);
    for node in ["coordinator", "worker-1", "worker-2"] {
        let shard = c
            .node_table_rows(node, "countries_102072")
            .expect("placement");
        assert_eq!(shard.rows.len(), 2);
    }
}

#[test]
fn distributing_a_table_with_rows_moves_them() {
    let mut c = Cluster::new();
    let s = c.session();
    run(&mut c, s, "CREATE TABLE t_data (id INT, v TEXT)");
    run(
        &mut c,
        s,
        "INSERT INTO t_data SELECT g, 'v' || g FROM generate_series(1, 5) g",
    );
    let out = run(&mut c, s, "SELECT create_distributed_table('t_data', 'id')");
    assert_eq!(out.notices.len(), 2);
    let rs = rows(&mut c, s, "SELECT count(*) FROM t_data");
    assert_eq!(rs.rows[0][0], Value::Int8(5));
    assert!(c
        .node_table_rows("coordinator", "t_data")
        .map(|r| r.rows.is_empty())
        .unwrap_or(false));
}

#[test]
fn the_same_script_gives_the_same_trace() {
    let (a, _) = tutorial();
    let (b, _) = tutorial();
    assert_eq!(a.trace_events(), b.trace_events());
}

#[test]
fn regclass_oids_are_node_local() {
    let (mut c, s) = tutorial();
    let coord = rows(&mut c, s, "SELECT 'citus_demo'::regclass::oid");
    let oid: i64 = coord.rows[0][0]
        .to_pg_text()
        .unwrap_or_default()
        .parse()
        .unwrap_or(0);
    assert!(
        oid >= 16384,
        "user OIDs start at FirstNormalObjectId, got {oid}"
    );
    run(&mut c, s, "CREATE TABLE later (a int)");
    let later = rows(&mut c, s, "SELECT 'later'::regclass::oid");
    let later: i64 = later.rows[0][0]
        .to_pg_text()
        .unwrap_or_default()
        .parse()
        .unwrap_or(0);
    assert!(later > oid, "OIDs advance: {later} after {oid}");
}

#[test]
fn run_command_on_workers_reports_each_worker() {
    let (mut c, s) = tutorial();
    let rs = rows(
        &mut c,
        s,
        "SELECT nodeport, success, result FROM run_command_on_workers($$SELECT count(*) FROM citus_demo_102009$$) ORDER BY nodeport",
    );
    let texts: Vec<Vec<String>> = rs
        .rows
        .iter()
        .map(|r| {
            r.iter()
                .map(|v| v.to_pg_text().unwrap_or_default())
                .collect()
        })
        .collect();
    // Shard 102009 (round-robin index 1) lives on worker-2 only and holds Alice.
    assert_eq!(
        texts,
        vec![
            vec![
                "9701".to_string(),
                "f".into(),
                "ERROR:  relation \"citus_demo_102009\" does not exist".into()
            ],
            vec!["9702".to_string(), "t".into(), "1".into()],
        ]
    );
    let tasks: Vec<String> = c
        .last_statement_events()
        .into_iter()
        .filter(|e| e.kind == MessageKind::Task)
        .map(|e| e.to.clone())
        .collect();
    assert_eq!(tasks, vec!["worker-1", "worker-2"]);

    // Each worker numbers the table's shell itself; both workers have the same history.
    let on_workers = rows(
        &mut c,
        s,
        "SELECT result FROM run_command_on_workers($$SELECT 'citus_demo'::regclass::oid$$)",
    );
    let oids: Vec<String> = on_workers
        .rows
        .iter()
        .map(|r| r[0].to_pg_text().unwrap_or_default())
        .collect();
    assert_eq!(oids.len(), 2);
    assert!(oids[0].parse::<u32>().is_ok_and(|o| o >= 16384), "{oids:?}");
    assert_eq!(oids[0], oids[1]);
}

#[test]
fn a_multi_shard_insert_that_fails_on_one_shard_stores_nothing() {
    let mut c = Cluster::new();
    let s = c.session();
    run(&mut c, s, "CREATE TABLE kv (k int PRIMARY KEY, v text)");
    run(&mut c, s, "SELECT create_distributed_table('kv', 'k')");
    run(&mut c, s, "INSERT INTO kv VALUES (5, 'five')");
    // Rows 1..4 go to other shards (and workers) than 5; the duplicate 5 fails its shard.
    let e = err(
        &mut c,
        s,
        "INSERT INTO kv VALUES (1, 'a'), (2, 'b'), (3, 'c'), (4, 'd'), (5, 'again')",
    );
    assert!(
        e.message
            .starts_with("duplicate key value violates unique constraint \"kv_pkey_"),
        "{}",
        e.message
    );
    let shards_written: std::collections::BTreeSet<_> = c
        .last_statement_events()
        .into_iter()
        .filter(|ev| ev.kind == MessageKind::Task)
        .filter_map(|ev| ev.shard)
        .collect();
    assert!(shards_written.len() > 1, "the statement spans shards");
    let rs = rows(&mut c, s, "SELECT k FROM kv ORDER BY k");
    assert_eq!(ints(&rs, 0), vec![5]);
    let rs = rows(&mut c, s, "SELECT v FROM kv WHERE k = 5");
    assert_eq!(rs.rows, vec![vec![Value::Text("five".into())]]);

    // A multi-shard UPDATE failing on one shard (CHECK) changes no shard either.
    run(
        &mut c,
        s,
        "INSERT INTO kv VALUES (1, 'a'), (2, 'b'), (3, 'c')",
    );
    run(
        &mut c,
        s,
        "ALTER TABLE kv ADD CONSTRAINT short CHECK (length(v) < 5)",
    );
    let e = err(&mut c, s, "UPDATE kv SET v = v || 'xx'");
    assert!(
        e.message.contains("violates check constraint"),
        "{}",
        e.message
    );
    let rs = rows(&mut c, s, "SELECT v FROM kv ORDER BY k");
    let vs: Vec<_> = rs
        .rows
        .iter()
        .map(|r| r[0].to_pg_text().unwrap_or_default())
        .collect();
    assert_eq!(vs, vec!["a", "b", "c", "five"]);
    // And a multi-shard DELETE that succeeds still deletes everywhere.
    run(&mut c, s, "DELETE FROM kv WHERE k < 5");
    assert_eq!(ints(&rows(&mut c, s, "SELECT k FROM kv"), 0), vec![5]);
}

/// The bulk-load scanner and the SQL parser must agree on every literal INSERT: same rows,
/// same errors. A leading comment sends the same statement through the parser.
#[test]
fn literal_inserts_match_the_parsed_path() {
    let statements = [
        "INSERT INTO items VALUES (1, 'one', 1.50, true, '2024-02-29')",
        "INSERT INTO items (name, id) VALUES ('it''s', -7), ('x', 2147483648)",
        "INSERT INTO items (id, name, price) VALUES (3, NULL, DEFAULT), (4, 'd', '12.25')",
        "insert into public.items values (5, 'five', 5e1, false, NULL);",
        "INSERT INTO items VALUES (NULL, 'no key')",
        "INSERT INTO items VALUES ('abc', 'bad int')",
        "INSERT INTO items VALUES (6, 'this name is far too long for the column')",
        "INSERT INTO items (id, nope) VALUES (7, 'x')",
        "INSERT INTO items (id) VALUES (8, 'extra')",
        "INSERT INTO items VALUES (9), (10, 'ten')",
        "INSERT INTO items VALUES (1, 'duplicate')",
        "INSERT INTO items VALUES (11, 'bad date', 1, true, '2023-02-29')",
        "INSERT INTO items VALUES (9223372036854775807, 'max'), (-9223372036854775808, 'min')",
        "INSERT INTO items VALUES (9223372036854775808, 'too big')",
        "INSERT INTO items (id, price, name) VALUES (+12, .5, 'héllo '''), (- 13, -1.25e0, '''')",
    ];
    let setup = |c: &mut Cluster, s: SessionId| {
        run(
            c,
            s,
            "CREATE TABLE items (id bigint PRIMARY KEY, name varchar(20), price numeric(6,2) DEFAULT 9.99, \
             ok boolean, day date)",
        );
        run(c, s, "SELECT create_distributed_table('items', 'id')");
    };
    let (mut fast, mut parsed) = (Cluster::new(), Cluster::new());
    let (fs, ps) = (fast.session(), parsed.session());
    setup(&mut fast, fs);
    setup(&mut parsed, ps);
    for sql in statements {
        let a = fast.execute(fs, sql).map_err(|e| e.to_string());
        let b = parsed
            .execute(ps, &format!("/* parsed */ {sql}"))
            .map_err(|e| e.to_string());
        assert_eq!(
            a.map(|o| format!("{:?}", o.outcome)),
            b.map(|o| format!("{:?}", o.outcome)),
            "{sql}"
        );
    }
    let all = "SELECT * FROM items ORDER BY id";
    let a = rows(&mut fast, fs, all);
    assert_eq!(a.rows.len(), 10, "{a:?}");
    assert_eq!(a, rows(&mut parsed, ps, all));
}

/// A misspelt name in a statement on Citus tables is found by the coordinator's analysis: the
/// error has PostgreSQL's position and no worker context, and no task is sent.
#[test]
fn analysis_errors_stay_on_the_coordinator() {
    let (mut c, s) = tutorial();
    for (sql, message, position) in [
        (
            "SELECT user_nam FROM citus_demo WHERE id = 1",
            "column \"user_nam\" does not exist",
            8,
        ),
        (
            "UPDATE citus_demo SET age = 1 WHERE cty = 'x'",
            "column \"cty\" does not exist",
            37,
        ),
        (
            "DELETE FROM citus_demo WHERE d.id = 1",
            "missing FROM-clause entry for table \"d\"",
            30,
        ),
        (
            "INSERT INTO citus_demo (id, nme) VALUES (1, 'x')",
            "column \"nme\" of relation \"citus_demo\" does not exist",
            29,
        ),
        (
            "SELECT * FROM citus_demo WHERE id = 'one'",
            "invalid input syntax for type integer: \"one\"",
            37,
        ),
    ] {
        let e = err(&mut c, s, sql);
        assert_eq!(e.message, message, "{sql}");
        assert_eq!(e.position, Some(position), "{sql}");
        assert_eq!(e.context, None, "{sql}");
        let tasks = c
            .last_statement_events()
            .iter()
            .filter(|e| !matches!(e.kind, MessageKind::ClientQuery | MessageKind::TaskError))
            .count();
        assert_eq!(tasks, 0, "{sql}: messages beyond the client's");
    }
    // an error found while executing still comes from the worker
    let e = err(
        &mut c,
        s,
        "SELECT 1 / (age - age) FROM citus_demo WHERE id = 1",
    );
    assert_eq!(e.message, "division by zero");
    assert_eq!(e.position, None);
    assert!(e
        .context
        .as_deref()
        .is_some_and(|c| c.starts_with("while executing command on")));
}

/// A client connected to a worker: a multi-shard count is fanned out from that worker, to the
/// other worker and to itself over a connection of its own, and an INSERT lands in the shard.
#[test]
fn a_worker_plans_and_routes_queries_on_distributed_tables() {
    let mut c = Cluster::new();
    let s = c.session();
    run(
        &mut c,
        s,
        "CREATE TABLE citus_demo (id int PRIMARY KEY, v text)",
    );
    run(
        &mut c,
        s,
        "SELECT create_distributed_table('citus_demo', 'id')",
    );
    run(
        &mut c,
        s,
        "INSERT INTO citus_demo VALUES (1, 'a'), (2, 'b')",
    );
    c.connect(s, "worker-1").unwrap();
    let count = rows(&mut c, s, "SELECT count(*) FROM citus_demo");
    assert_eq!(count.rows, vec![vec![Value::Int8(2)]]);
    let tasks: Vec<(String, String)> = c
        .last_statement_events()
        .into_iter()
        .filter(|e| e.kind == MessageKind::Task)
        .map(|e| (e.from, e.to))
        .collect();
    assert_eq!(tasks.len(), 32);
    assert!(tasks.iter().all(|(from, _)| from == "worker-1"));
    for to in ["worker-1", "worker-2"] {
        assert!(tasks.iter().any(|(_, t)| t == to), "no task to {to}");
    }
    run(&mut c, s, "INSERT INTO citus_demo VALUES (5, 'e')");
    let router = rows(&mut c, s, "SELECT v FROM citus_demo WHERE id = 5");
    assert_eq!(router.rows, vec![vec![Value::Text("e".into())]]);
    let e = err(&mut c, s, "ALTER TABLE citus_demo ADD COLUMN w int");
    assert_eq!(e.message, "operation is not allowed on this node");
    c.connect(s, "coordinator").unwrap();
    let all = rows(&mut c, s, "SELECT count(*) FROM citus_demo");
    assert_eq!(all.rows, vec![vec![Value::Int8(3)]]);
}
