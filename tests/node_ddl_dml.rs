//! DDL and DML on one node: rows stored, PostgreSQL's error texts, atomicity, foreign keys in
//! both directions, serial sequences and the CREATE TABLE text shards are created from.

use chrono::NaiveDate;
use shardscope::error::PgError;
use shardscope::sql::dml::{build_insert_rows, insert_rows};
use shardscope::sql::schema::{ColumnDef, Constraint, ConstraintKind, ReferentialAction, TableDef};
use shardscope::sql::{ddl, parse_sql, Database, ExecOutput, Outcome, PlainHost};
use shardscope::types::{SqlType, Value};
use sqlparser::ast::Statement;

fn host() -> PlainHost {
    PlainHost {
        now: NaiveDate::from_ymd_opt(2026, 11, 22)
            .and_then(|d| d.and_hms_opt(12, 0, 0))
            .unwrap_or_default(),
    }
}

fn run(db: &mut Database, sql: &str) -> Result<Vec<ExecOutput>, PgError> {
    db.execute_sql(sql, &host())
}

fn ok(db: &mut Database, sql: &str) -> Vec<ExecOutput> {
    match run(db, sql) {
        Ok(out) => out,
        Err(e) => panic!("{sql}: {e}"),
    }
}

fn tag(db: &mut Database, sql: &str) -> String {
    match ok(db, sql).pop().map(|o| o.outcome) {
        Some(Outcome::Command(t)) => t,
        other => panic!("{sql}: no command tag: {other:?}"),
    }
}

fn err(db: &mut Database, sql: &str) -> PgError {
    match run(db, sql) {
        Ok(_) => panic!("{sql}: expected an error"),
        Err(e) => e,
    }
}

fn col(name: &str, ty: SqlType, not_null: bool) -> ColumnDef {
    ColumnDef {
        name: name.into(),
        ty,
        not_null,
        default: None,
    }
}

/// users(user_id int PK, name text NOT NULL) and orders(order_id, user_id REFERENCES users)
/// built directly, so these tests need no SQL expressions.
fn users_orders(on_delete: ReferentialAction) -> Database {
    let mut db = Database::new();
    let users = TableDef {
        name: "users".into(),
        columns: vec![
            col("user_id", SqlType::Int4, true),
            col("name", SqlType::Text, true),
        ],
        constraints: vec![Constraint {
            name: "users_pkey".into(),
            kind: ConstraintKind::PrimaryKey(vec!["user_id".into()]),
        }],
        indexes: vec![],
        partition_key: None,
        partition_of: None,
    };
    let orders = TableDef {
        name: "orders".into(),
        columns: vec![
            col("order_id", SqlType::Int4, true),
            col("user_id", SqlType::Int4, false),
        ],
        constraints: vec![
            Constraint {
                name: "orders_pkey".into(),
                kind: ConstraintKind::PrimaryKey(vec!["order_id".into(), "user_id".into()]),
            },
            Constraint {
                name: "orders_user_id_fkey".into(),
                kind: ConstraintKind::ForeignKey {
                    columns: vec!["user_id".into()],
                    ref_table: "users".into(),
                    ref_columns: vec!["user_id".into()],
                    on_delete,
                    on_update: ReferentialAction::NoAction,
                },
            },
        ],
        indexes: vec![],
        partition_key: None,
        partition_of: None,
    };
    for def in [users, orders] {
        if let Err(e) = db.storage.create_table(def) {
            panic!("{e}");
        }
    }
    db
}

fn user(id: i32, name: &str) -> Vec<Value> {
    vec![Value::Int4(id), Value::Text(name.into())]
}

fn order(id: i32, user: Option<i32>) -> Vec<Value> {
    vec![Value::Int4(id), user.map_or(Value::Null, Value::Int4)]
}

fn insert(db: &mut Database, table: &str, rows: Vec<Vec<Value>>) -> Result<usize, PgError> {
    insert_rows(db, table, rows)
}

fn count(db: &Database, table: &str) -> usize {
    db.storage.row_count(table).unwrap_or(usize::MAX)
}

#[test]
fn unique_violations_report_the_key_and_store_nothing() {
    let mut db = users_orders(ReferentialAction::NoAction);
    assert_eq!(insert(&mut db, "users", vec![user(1, "a")]), Ok(1));
    let e = insert(&mut db, "users", vec![user(2, "b"), user(1, "c")]).unwrap_err();
    assert_eq!(e.sqlstate, "23505");
    assert_eq!(
        e.message,
        "duplicate key value violates unique constraint \"users_pkey\""
    );
    assert_eq!(
        e.detail.as_deref(),
        Some("Key (user_id)=(1) already exists.")
    );
    assert_eq!(count(&db, "users"), 1, "row 2 must not be stored");

    // Duplicates within one statement fail too.
    let e = insert(&mut db, "users", vec![user(5, "x"), user(5, "y")]).unwrap_err();
    assert_eq!(
        e.detail.as_deref(),
        Some("Key (user_id)=(5) already exists.")
    );
    assert_eq!(count(&db, "users"), 1);
    // The failed statements left no keys behind in the index.
    assert_eq!(
        insert(&mut db, "users", vec![user(2, "b"), user(5, "x")]),
        Ok(2)
    );

    // Multi-column keys.
    assert_eq!(insert(&mut db, "orders", vec![order(1, Some(1))]), Ok(1));
    let e = insert(&mut db, "orders", vec![order(1, Some(1))]).unwrap_err();
    assert_eq!(
        e.detail.as_deref(),
        Some("Key (order_id, user_id)=(1, 1) already exists.")
    );
}

#[test]
fn not_null_violation_shows_the_failing_row() {
    let mut db = users_orders(ReferentialAction::NoAction);
    let e = insert(
        &mut db,
        "users",
        vec![user(1, "a"), vec![Value::Int4(2), Value::Null]],
    )
    .unwrap_err();
    assert_eq!(e.sqlstate, "23502");
    assert_eq!(
        e.message,
        "null value in column \"name\" of relation \"users\" violates not-null constraint"
    );
    assert_eq!(e.detail.as_deref(), Some("Failing row contains (2, null)."));
    assert_eq!(count(&db, "users"), 0);
}

#[test]
fn foreign_keys_are_checked_on_insert() {
    let mut db = users_orders(ReferentialAction::NoAction);
    insert(&mut db, "users", vec![user(1, "a")]).unwrap();
    let e = insert(
        &mut db,
        "orders",
        vec![order(1, Some(1)), order(2, Some(999))],
    )
    .unwrap_err();
    assert_eq!(e.sqlstate, "23503");
    assert_eq!(
        e.message,
        "insert or update on table \"orders\" violates foreign key constraint \"orders_user_id_fkey\""
    );
    assert_eq!(
        e.detail.as_deref(),
        Some("Key (user_id)=(999) is not present in table \"users\".")
    );
    assert_eq!(count(&db, "orders"), 0);
    // A NULL in the key passes (orders.user_id is part of the PK here, so use a fresh table).
    let mut db2 = users_orders(ReferentialAction::NoAction);
    if let Some(def) = db2.storage.tables.get("orders").cloned() {
        let mut def = def;
        def.constraints.retain(|c| c.name != "orders_pkey");
        db2.storage.set_def(def).unwrap();
    }
    assert_eq!(insert(&mut db2, "orders", vec![order(1, None)]), Ok(1));
}

#[test]
fn deleting_a_referenced_row_fails_or_cascades() {
    let mut db = users_orders(ReferentialAction::NoAction);
    insert(&mut db, "users", vec![user(1, "a"), user(2, "b")]).unwrap();
    insert(&mut db, "orders", vec![order(1, Some(1))]).unwrap();
    let e = err(&mut db, "DELETE FROM users");
    assert_eq!(e.sqlstate, "23503");
    assert_eq!(
        e.message,
        "update or delete on table \"users\" violates foreign key constraint \"orders_user_id_fkey\" on table \"orders\""
    );
    assert_eq!(
        e.detail.as_deref(),
        Some("Key (user_id)=(1) is still referenced from table \"orders\".")
    );
    assert_eq!(count(&db, "users"), 2);

    let mut db = users_orders(ReferentialAction::Cascade);
    insert(&mut db, "users", vec![user(1, "a"), user(2, "b")]).unwrap();
    insert(
        &mut db,
        "orders",
        vec![order(1, Some(1)), order(2, Some(1))],
    )
    .unwrap();
    assert_eq!(tag(&mut db, "DELETE FROM users"), "DELETE 2");
    assert_eq!(count(&db, "orders"), 0);
    // The keys are free again.
    assert_eq!(insert(&mut db, "users", vec![user(1, "again")]), Ok(1));
}

#[test]
fn truncate_respects_foreign_keys() {
    let mut db = users_orders(ReferentialAction::NoAction);
    insert(&mut db, "users", vec![user(1, "a")]).unwrap();
    insert(&mut db, "orders", vec![order(1, Some(1))]).unwrap();
    let e = err(&mut db, "TRUNCATE users");
    assert_eq!(
        e.message,
        "cannot truncate a table referenced in a foreign key constraint"
    );
    assert_eq!(
        e.detail.as_deref(),
        Some("Table \"orders\" references \"users\".")
    );
    let out = ok(&mut db, "TRUNCATE users CASCADE");
    assert_eq!(
        out[0].notices[0].message,
        "truncate cascades to table \"orders\""
    );
    assert_eq!(out[0].outcome, Outcome::Command("TRUNCATE TABLE".into()));
    assert_eq!((count(&db, "users"), count(&db, "orders")), (0, 0));
    assert_eq!(insert(&mut db, "users", vec![user(1, "a")]), Ok(1));
}

#[test]
fn updates_check_unique_keys_row_by_row() {
    let mut db = users_orders(ReferentialAction::NoAction);
    insert(&mut db, "users", vec![user(1, "a"), user(2, "b")]).unwrap();
    let rows = db.storage.scan_with_ids("users").unwrap();
    let ids: Vec<i64> = rows.iter().map(|(id, _)| *id).collect();
    // 1 -> 2 collides with the not-yet-updated row 2, as in PostgreSQL.
    let e = db
        .storage
        .update(
            "users",
            vec![(ids[0], user(2, "a")), (ids[1], user(3, "b"))],
        )
        .unwrap_err();
    assert_eq!(
        e.detail.as_deref(),
        Some("Key (user_id)=(2) already exists.")
    );
    // In the other order it works: 2 -> 3 frees 2 for 1 -> 2.
    db.storage
        .update(
            "users",
            vec![(ids[1], user(3, "b")), (ids[0], user(2, "a"))],
        )
        .unwrap();
    assert_eq!(
        db.storage.scan("users").unwrap(),
        vec![user(2, "a"), user(3, "b")]
    );
    assert_eq!(insert(&mut db, "users", vec![user(1, "c")]), Ok(1));
    assert!(insert(&mut db, "users", vec![user(3, "d")]).is_err());
    db.storage.delete("users", vec![ids[1]]).unwrap();
    assert_eq!(insert(&mut db, "users", vec![user(3, "d")]), Ok(1));
}

#[test]
fn loading_many_rows_in_one_batch() {
    let mut db = users_orders(ReferentialAction::NoAction);
    let n = 100_000;
    let rows: Vec<Vec<Value>> = (0..n).map(|i| user(i, "some name")).collect();
    assert_eq!(insert(&mut db, "users", rows), Ok(n as usize));
    assert_eq!(count(&db, "users"), n as usize);
    let found = db
        .storage
        .lookup_unique("users", &["user_id".to_string()], &[Value::Int4(n - 1)]);
    assert_eq!(found.map(|(_, row)| row), Some(user(n - 1, "some name")));
    let e = insert(&mut db, "users", vec![user(n, "new"), user(7, "dup")]).unwrap_err();
    assert_eq!(
        e.detail.as_deref(),
        Some("Key (user_id)=(7) already exists.")
    );
}

/// A row that fails on its second unique index had already put its key in the first one:
/// that key, and every earlier row's, must be gone after the statement fails.
#[test]
fn a_failed_insert_frees_the_keys_of_every_index() {
    let mut db = Database::new();
    ok(
        &mut db,
        "CREATE TABLE accounts (id int PRIMARY KEY, email text UNIQUE)",
    );
    ok(&mut db, "INSERT INTO accounts VALUES (1, 'a')");
    let e = err(&mut db, "INSERT INTO accounts VALUES (2, 'b'), (3, 'a')");
    assert_eq!(
        e.message,
        "duplicate key value violates unique constraint \"accounts_email_key\""
    );
    assert_eq!(
        tag(&mut db, "INSERT INTO accounts VALUES (3, 'c'), (2, 'b')"),
        "INSERT 0 2"
    );
    let e = err(&mut db, "INSERT INTO accounts VALUES (4, 'c')");
    assert_eq!(e.detail.as_deref(), Some("Key (email)=(c) already exists."));
}

// ---- SQL-level tests ----

fn users_orders_sql() -> Database {
    let mut db = Database::new();
    ok(
        &mut db,
        "CREATE TABLE users (user_id int PRIMARY KEY, name text NOT NULL, age int CHECK (age > 0));
         CREATE TABLE orders (order_id serial, user_id int REFERENCES users (user_id),
                              item varchar(5), PRIMARY KEY (order_id, user_id));",
    );
    db
}

#[test]
fn create_table_names_constraints_like_postgres() {
    let db = users_orders_sql();
    let users = db.table("users").unwrap();
    let names: Vec<&str> = users.constraints.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["users_pkey", "users_age_check"]);
    assert!(users.column("user_id").unwrap().not_null);
    let orders = db.table("orders").unwrap();
    let names: Vec<&str> = orders.constraints.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["orders_pkey", "orders_user_id_fkey"]);
    let id = orders.column("order_id").unwrap();
    assert!(id.not_null);
    assert_eq!(id.ty, SqlType::Int4);
    assert_eq!(
        id.default.as_ref().map(|d| d.to_string().to_lowercase()),
        Some("nextval('orders_order_id_seq'::regclass)".into())
    );
    assert!(db.sequences.borrow().contains_key("orders_order_id_seq"));

    let mut db = Database::new();
    ok(
        &mut db,
        "CREATE TABLE t (a int UNIQUE, b int, CHECK (a > b), CHECK (a < 100), UNIQUE (a, b))",
    );
    let names: Vec<String> = db
        .table("t")
        .unwrap()
        .constraints
        .iter()
        .map(|c| c.name.clone())
        .collect();
    assert_eq!(names, ["t_a_key", "t_a_b_key", "t_check", "t_a_check"]);
}

#[test]
fn create_table_errors() {
    let mut db = users_orders_sql();
    let e = err(&mut db, "CREATE TABLE users (x int)");
    assert_eq!(
        (e.sqlstate, e.message.as_str()),
        ("42P07", "relation \"users\" already exists")
    );
    let out = ok(&mut db, "CREATE TABLE IF NOT EXISTS users (x int)");
    assert_eq!(
        out[0].notices[0].message,
        "relation \"users\" already exists, skipping"
    );
    let e = err(&mut db, "CREATE TABLE bad (u text REFERENCES users (name))");
    assert_eq!(e.sqlstate, "42830");
    assert_eq!(
        e.message,
        "there is no unique constraint matching given keys for referenced table \"users\""
    );
    let e = err(&mut db, "CREATE TABLE bad (u int REFERENCES nope)");
    assert_eq!(e.message, "relation \"nope\" does not exist");
    assert!(db.table("bad").is_none());
}

#[test]
fn insert_fills_defaults_and_serials() {
    let mut db = users_orders_sql();
    assert_eq!(
        tag(
            &mut db,
            "INSERT INTO users VALUES (1, 'a', 30), (2, 'b', NULL)"
        ),
        "INSERT 0 2"
    );
    assert_eq!(
        tag(
            &mut db,
            "INSERT INTO orders (user_id, item) VALUES (1, 'x'), (2, 'y')"
        ),
        "INSERT 0 2"
    );
    assert_eq!(
        tag(&mut db, "INSERT INTO orders VALUES (DEFAULT, 1, 'z')"),
        "INSERT 0 1"
    );
    let rows = db.storage.scan("orders").unwrap();
    let ids: Vec<Option<i64>> = rows.iter().map(|r| r[0].as_i64()).collect();
    assert_eq!(ids, [Some(1), Some(2), Some(3)]);
    assert_eq!(rows[0][2], Value::Text("x".into()));

    ok(
        &mut db,
        "CREATE TABLE d (id int, note text DEFAULT 'none', at timestamp DEFAULT now())",
    );
    ok(
        &mut db,
        "INSERT INTO d (id) VALUES (1); INSERT INTO d DEFAULT VALUES",
    );
    let rows = db.storage.scan("d").unwrap();
    assert_eq!(rows[0][1], Value::Text("none".into()));
    assert_eq!(rows[0][2], Value::Timestamp(host().now));
    assert_eq!(rows[1][0], Value::Null);
}

#[test]
fn insert_errors_match_postgres() {
    let mut db = users_orders_sql();
    let e = err(&mut db, "INSERT INTO users VALUES (1, 'a', -1)");
    assert_eq!(e.sqlstate, "23514");
    assert_eq!(
        e.message,
        "new row for relation \"users\" violates check constraint \"users_age_check\""
    );
    assert_eq!(
        e.detail.as_deref(),
        Some("Failing row contains (1, a, -1).")
    );
    let e = err(&mut db, "INSERT INTO users VALUES (1, 'a', 1, 5)");
    assert_eq!(e.message, "INSERT has more expressions than target columns");
    let e = err(&mut db, "INSERT INTO users (nope) VALUES (1)");
    assert_eq!(
        e.message,
        "column \"nope\" of relation \"users\" does not exist"
    );
    let e = err(&mut db, "INSERT INTO users (user_id) VALUES (1)");
    assert_eq!(
        e.detail.as_deref(),
        Some("Failing row contains (1, null, null).")
    );
    ok(&mut db, "INSERT INTO users VALUES (1, 'a', 1)");
    let e = err(
        &mut db,
        "INSERT INTO orders (user_id, item) VALUES (1, 'toolong')",
    );
    assert_eq!(e.sqlstate, "22001");
    let e = err(
        &mut db,
        "INSERT INTO orders (user_id, item) VALUES (1, 'ok'), (999, 'no')",
    );
    assert_eq!(
        e.detail.as_deref(),
        Some("Key (user_id)=(999) is not present in table \"users\".")
    );
    assert_eq!(db.storage.row_count("orders"), Ok(0));
}

#[test]
fn update_and_delete_with_where() {
    let mut db = users_orders_sql();
    ok(
        &mut db,
        "INSERT INTO users VALUES (1, 'a', 10), (2, 'b', 20), (3, 'c', 30)",
    );
    ok(
        &mut db,
        "INSERT INTO orders (user_id, item) VALUES (1, 'x')",
    );
    assert_eq!(
        tag(&mut db, "UPDATE users SET age = age + 1 WHERE user_id >= 2"),
        "UPDATE 2"
    );
    let e = err(&mut db, "UPDATE users SET age = 0 WHERE user_id = 3");
    assert_eq!(e.detail.as_deref(), Some("Failing row contains (3, c, 0)."));
    let e = err(&mut db, "UPDATE users SET user_id = 5 WHERE user_id = 1");
    assert_eq!(
        e.detail.as_deref(),
        Some("Key (user_id)=(1) is still referenced from table \"orders\".")
    );
    let e = err(&mut db, "UPDATE users SET user_id = 2 WHERE user_id = 3");
    assert_eq!(
        e.detail.as_deref(),
        Some("Key (user_id)=(2) already exists.")
    );
    let e = err(&mut db, "UPDATE orders SET user_id = 7");
    assert_eq!(e.sqlstate, "23503");
    let e = err(&mut db, "UPDATE users SET nope = 1");
    assert_eq!(
        e.message,
        "column \"nope\" of relation \"users\" does not exist"
    );
    assert_eq!(
        tag(&mut db, "DELETE FROM users WHERE user_id = 3"),
        "DELETE 1"
    );
    let e = err(&mut db, "DELETE FROM users WHERE user_id = 1");
    assert_eq!(e.sqlstate, "23503");
    let ages: Vec<Value> = db
        .storage
        .scan("users")
        .unwrap()
        .into_iter()
        .map(|r| r[2].clone())
        .collect();
    assert_eq!(ages, [Value::Int4(10), Value::Int4(21)]);
}

#[test]
fn drop_table_dependencies() {
    let mut db = users_orders_sql();
    let e = err(&mut db, "DROP TABLE users");
    assert_eq!(
        e.message,
        "cannot drop table users because other objects depend on it"
    );
    assert_eq!(
        e.detail.as_deref(),
        Some("constraint orders_user_id_fkey on table orders depends on table users")
    );
    assert_eq!(
        e.hint.as_deref(),
        Some("Use DROP ... CASCADE to drop the dependent objects too.")
    );
    let out = ok(&mut db, "DROP TABLE IF EXISTS nope, users CASCADE");
    let notices: Vec<&str> = out[0].notices.iter().map(|n| n.message.as_str()).collect();
    assert_eq!(
        notices,
        [
            "table \"nope\" does not exist, skipping",
            "drop cascades to constraint orders_user_id_fkey on table orders"
        ]
    );
    assert!(db.table("users").is_none());
    assert_eq!(db.table("orders").map(|t| t.constraints.len()), Some(1));
    let e = err(&mut db, "DROP TABLE users");
    assert_eq!(
        (e.sqlstate, e.message.as_str()),
        ("42P01", "table \"users\" does not exist")
    );
    assert_eq!(tag(&mut db, "DROP TABLE orders"), "DROP TABLE");
    assert!(
        db.sequences.borrow().is_empty(),
        "serial sequences go with their table"
    );
}

#[test]
fn alter_table_adds_columns_and_validates_constraints() {
    let mut db = users_orders_sql();
    ok(
        &mut db,
        "INSERT INTO users VALUES (1, 'a', 10), (2, 'b', 20)",
    );
    assert_eq!(
        tag(
            &mut db,
            "ALTER TABLE users ADD COLUMN country text DEFAULT 'NL'"
        ),
        "ALTER TABLE"
    );
    let rows = db.storage.scan("users").unwrap();
    assert_eq!(rows[1][3], Value::Text("NL".into()));
    let e = err(&mut db, "ALTER TABLE users ADD COLUMN must int NOT NULL");
    assert_eq!(
        e.message,
        "column \"must\" of relation \"users\" contains null values"
    );
    let e = err(
        &mut db,
        "ALTER TABLE users ADD CONSTRAINT old CHECK (age > 15)",
    );
    assert_eq!(
        e.message,
        "check constraint \"old\" of relation \"users\" is violated by some row"
    );
    let e = err(
        &mut db,
        "ALTER TABLE users ADD CONSTRAINT uc UNIQUE (country)",
    );
    assert_eq!(e.message, "could not create unique index \"uc\"");
    assert_eq!(
        e.detail.as_deref(),
        Some("Key (country)=(NL) is duplicated.")
    );
    ok(&mut db, "CREATE TABLE countries (code text PRIMARY KEY)");
    let e = err(
        &mut db,
        "ALTER TABLE users ADD FOREIGN KEY (country) REFERENCES countries (code)",
    );
    assert_eq!(
        e.message,
        "insert or update on table \"users\" violates foreign key constraint \"users_country_fkey\""
    );
    ok(&mut db, "INSERT INTO countries VALUES ('NL')");
    ok(
        &mut db,
        "ALTER TABLE users ADD FOREIGN KEY (country) REFERENCES countries (code)",
    );
    let e = err(&mut db, "INSERT INTO users VALUES (6, 'f', 1, 'XX')");
    assert_eq!(
        e.detail.as_deref(),
        Some("Key (country)=(XX) is not present in table \"countries\".")
    );
    ok(
        &mut db,
        "ALTER TABLE users DROP CONSTRAINT users_country_fkey",
    );
    ok(&mut db, "INSERT INTO users VALUES (6, 'f', 1, 'XX')");
    ok(&mut db, "ALTER TABLE users DROP COLUMN country");
    assert_eq!(db.storage.scan("users").unwrap()[0].len(), 3);
    ok(&mut db, "CREATE UNIQUE INDEX ON users (name)");
    let e = err(&mut db, "INSERT INTO users VALUES (7, 'a', 1)");
    assert_eq!(
        e.message,
        "duplicate key value violates unique constraint \"users_name_idx\""
    );
}

/// The CREATE TABLE text the coordinator sends to workers, with shard-suffixed names.
#[test]
fn table_def_to_sql_round_trips_with_shard_suffixes() {
    let db = users_orders_sql();
    for table in ["users", "orders"] {
        let mut def = db.table(table).unwrap().clone();
        def.name = format!("{table}_102041");
        for c in def.constraints.iter_mut() {
            c.name = format!("{}_102041", c.name);
            if let ConstraintKind::ForeignKey { ref_table, .. } = &mut c.kind {
                *ref_table = format!("{ref_table}_102041");
            }
        }
        let sql = ddl::table_def_to_sql(&def);
        assert!(
            sql.starts_with(&format!("CREATE TABLE {table}_102041 (")),
            "{sql}"
        );
        let mut worker = Database::new();
        if table == "orders" {
            let mut users = db.table("users").unwrap().clone();
            users.name = "users_102041".into();
            worker.storage.create_table(users).unwrap();
            worker
                .sequences
                .borrow_mut()
                .insert("orders_order_id_seq".into(), Default::default());
        }
        ok(&mut worker, &sql);
        assert_eq!(worker.table(&def.name), Some(&def), "{sql}");
    }
}

#[test]
fn build_insert_rows_evaluates_without_storing() {
    let mut db = users_orders_sql();
    ok(&mut db, "INSERT INTO users VALUES (1, 'a', 10)");
    let stmt = parse_sql("INSERT INTO orders (user_id, item) VALUES (1, 'x'), (1, 'y')").unwrap();
    let Some(Statement::Insert(ins)) = stmt.first() else {
        panic!("not an insert");
    };
    let (table, rows) = build_insert_rows(&db, ins, &host()).unwrap();
    assert_eq!(table, "orders");
    assert_eq!(
        rows[1],
        vec![Value::Int4(2), Value::Int4(1), Value::Text("y".into())]
    );
    assert_eq!(db.storage.row_count("orders"), Ok(0));
    assert_eq!(insert_rows(&mut db, "orders", rows), Ok(2));
}

#[test]
fn insert_on_conflict() {
    let mut db = users_orders_sql();
    ok(&mut db, "INSERT INTO users VALUES (1, 'a', 10)");
    assert_eq!(
        tag(
            &mut db,
            "INSERT INTO users VALUES (1, 'x', 1), (2, 'b', 2), (2, 'c', 3) ON CONFLICT DO NOTHING"
        ),
        "INSERT 0 1"
    );
    assert_eq!(
        tag(&mut db, "INSERT INTO users VALUES (1, 'new', 5) ON CONFLICT (user_id) DO UPDATE SET name = excluded.name, age = users.age + 1"),
        "INSERT 0 1"
    );
    let rows = db.storage.scan("users").unwrap();
    assert_eq!(
        rows[0],
        vec![Value::Int4(1), Value::Text("new".into()), Value::Int4(11)]
    );
    let e = err(&mut db, "INSERT INTO users VALUES (1, 'x', 1), (1, 'y', 1) ON CONFLICT (user_id) DO UPDATE SET name = excluded.name");
    assert_eq!(
        e.message,
        "ON CONFLICT DO UPDATE command cannot affect row a second time"
    );
    let e = err(
        &mut db,
        "INSERT INTO users VALUES (9, 'x', 1) ON CONFLICT (name) DO NOTHING",
    );
    assert_eq!(
        e.message,
        "there is no unique or exclusion constraint matching the ON CONFLICT specification"
    );
}

#[test]
fn subqueries_in_dml_expressions() {
    let mut db = users_orders_sql();
    ok(
        &mut db,
        "INSERT INTO users VALUES (1, 'a', 10), (2, 'b', 20)",
    );
    ok(
        &mut db,
        "INSERT INTO users VALUES ((SELECT max(user_id) + 1 FROM users), 'c', 30)",
    );
    assert_eq!(
        tag(
            &mut db,
            "UPDATE users SET age = (SELECT max(age) FROM users) WHERE user_id = 1"
        ),
        "UPDATE 1"
    );
    ok(
        &mut db,
        "INSERT INTO orders (user_id, item) VALUES (2, 'x')",
    );
    assert_eq!(
        tag(
            &mut db,
            "DELETE FROM users WHERE user_id NOT IN (SELECT user_id FROM orders)"
        ),
        "DELETE 2"
    );
    assert_eq!(
        tag(
            &mut db,
            "INSERT INTO users SELECT user_id + 10, name, age FROM users"
        ),
        "INSERT 0 1"
    );
    let ids: Vec<Value> = db
        .storage
        .scan("users")
        .unwrap()
        .into_iter()
        .map(|r| r[0].clone())
        .collect();
    assert_eq!(ids, [Value::Int4(2), Value::Int4(12)]);
}

#[test]
fn insert_without_column_list_fills_leading_columns() {
    let mut db = users_orders_sql();
    ok(
        &mut db,
        "CREATE TABLE p (a int, b text DEFAULT 'dflt', c int)",
    );
    assert_eq!(tag(&mut db, "INSERT INTO p VALUES (1)"), "INSERT 0 1");
    assert_eq!(
        db.storage.scan("p").unwrap(),
        vec![vec![
            Value::Int4(1),
            Value::Text("dflt".into()),
            Value::Null
        ]]
    );
    let e = err(&mut db, "INSERT INTO p VALUES (1, 'x', 2, 3)");
    assert_eq!(e.message, "INSERT has more expressions than target columns");
    let e = err(&mut db, "INSERT INTO p (a, b) VALUES (1)");
    assert_eq!(e.message, "INSERT has more target columns than expressions");
    let e = err(&mut db, "INSERT INTO p VALUES (1), (1, 'x')");
    assert_eq!(e.message, "VALUES lists must all be the same length");
}

/// Odd and invalid statements return errors, never panic, and leave the node usable.
#[test]
fn odd_statements_do_not_panic() {
    let mut db = users_orders_sql();
    ok(&mut db, "INSERT INTO users VALUES (1, 'a', 10)");
    let statements = [
        "CREATE TABLE t ()",
        "CREATE TABLE t2 (a int, a int)",
        "CREATE TABLE t3 (a int PRIMARY KEY, b int PRIMARY KEY)",
        "CREATE TABLE t4 (a int, PRIMARY KEY (zz))",
        "CREATE TABLE t5 (a int REFERENCES users)",
        "CREATE TABLE t6 (a text REFERENCES users)",
        "CREATE TABLE t7 (a int, b int, FOREIGN KEY (a, b) REFERENCES users (user_id))",
        "CREATE TABLE t8 (a int REFERENCES t8 (a))",
        "CREATE TABLE t9 (a int PRIMARY KEY, b int REFERENCES t9)",
        "INSERT INTO t9 VALUES (1, 1), (2, 1), (3, 4)",
        "DELETE FROM t9",
        "INSERT INTO nope VALUES (1)",
        "INSERT INTO users (user_id, user_id) VALUES (1, 1)",
        "INSERT INTO users VALUES ()",
        "UPDATE users SET user_id = NULL",
        "UPDATE nope SET a = 1",
        "DELETE FROM nope",
        "ALTER TABLE users DROP COLUMN user_id",
        "ALTER TABLE users DROP CONSTRAINT users_pkey",
        "ALTER TABLE users RENAME COLUMN name TO user_id",
        "ALTER TABLE users ALTER COLUMN user_id DROP NOT NULL",
        "ALTER TABLE users ALTER COLUMN name TYPE int",
        "ALTER TABLE nope ADD COLUMN x int",
        "ALTER TABLE IF EXISTS nope ADD COLUMN x int",
        "CREATE INDEX ON users (nope)",
        "CREATE INDEX ON users ((lower(name)))",
        "DROP INDEX users_pkey",
        "DROP INDEX nope",
        "DROP SEQUENCE nope",
        "CREATE SEQUENCE s INCREMENT BY 0",
        "TRUNCATE nope",
        "CREATE VIEW v AS SELECT 1",
        "DROP VIEW v",
    ];
    for sql in statements {
        let _ = run(&mut db, sql);
    }
    // Still consistent: the constraint-protected data is intact and usable.
    assert_eq!(db.storage.row_count("users"), Ok(1));
    ok(&mut db, "INSERT INTO users VALUES (2, 'b', 20)");
}

#[test]
fn point_lookups_use_unique_indexes() {
    let mut db = users_orders(ReferentialAction::NoAction);
    insert(&mut db, "users", (0..1000).map(|i| user(i, "n")).collect()).unwrap();
    let cols = vec!["user_id".to_string()];
    let hit = db.storage.lookup_unique("users", &cols, &[Value::Int8(42)]);
    assert_eq!(hit.map(|(_, r)| r), Some(user(42, "n")));
    assert_eq!(
        db.storage
            .lookup_unique("users", &cols, &[Value::Int4(5000)]),
        None
    );
    assert_eq!(
        db.storage.lookup_unique("users", &cols, &[Value::Null]),
        None
    );
    let by_name = vec!["name".to_string()];
    assert_eq!(
        db.storage
            .lookup_unique("users", &by_name, &[Value::Text("n".into())]),
        None
    );
    let evens = db
        .storage
        .scan_iter("users")
        .unwrap()
        .filter(|(_, r)| r[0].as_i64().is_some_and(|i| i % 2 == 0))
        .count();
    assert_eq!(evens, 500);
}

#[test]
fn a_transaction_takes_back_row_changes_and_their_keys() {
    let mut db = Database::default();
    ok(&mut db, "CREATE TABLE u (k int PRIMARY KEY, v text)");
    ok(
        &mut db,
        "INSERT INTO u VALUES (1, 'one'), (2, 'two'), (3, 'three')",
    );
    let before = db.storage.scan_with_ids("u").unwrap_or_default();

    db.storage.set_current(7);
    ok(&mut db, "INSERT INTO u VALUES (4, 'four')");
    let inner = db.storage.mark();
    ok(&mut db, "UPDATE u SET v = upper(v) WHERE k <= 2");
    ok(&mut db, "DELETE FROM u WHERE k = 3");
    db.storage
        .rollback_to(inner)
        .unwrap_or_else(|e| panic!("{e}"));
    // Back to the state at `inner`: row 4 inserted, 1..3 untouched.
    let keys: Vec<_> = db
        .storage
        .scan("u")
        .unwrap_or_default()
        .into_iter()
        .map(|r| r[1].clone())
        .collect();
    assert_eq!(
        keys,
        ["one", "two", "three", "four"]
            .map(|s| Value::Text(s.into()))
            .to_vec()
    );
    ok(&mut db, "TRUNCATE u");
    db.storage.abort_xact(7).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(db.storage.scan_with_ids("u").unwrap_or_default(), before);
    assert!(!db.storage.has_xact(7), "the rollback ends the transaction");
    assert!(!db.storage.in_xact(), "nothing is logged after it");
    // The unique index came back with the rows: 3 is taken again, 4 is free.
    assert!(err(&mut db, "INSERT INTO u VALUES (3, 'x')")
        .message
        .contains("u_pkey"));
    ok(&mut db, "INSERT INTO u VALUES (4, 'four')");
}
