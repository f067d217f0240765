//! Tables rebuilt by hand from the Citus 13.2.2 reference transcripts, checked byte for byte.

use super::*;
use crate::sql::{Column, ResultSet};
use crate::types::{SqlType, Value};

fn rs(cols: &[(&str, SqlType)], rows: Vec<Vec<Value>>) -> ResultSet {
    ResultSet {
        columns: cols
            .iter()
            .map(|(n, t)| Column::new(*n, t.clone()))
            .collect(),
        rows,
    }
}

fn text(s: &str) -> Value {
    Value::Text(s.to_string())
}

fn print(r: &ResultSet) -> String {
    aligned(&Table::from_result(r, ""))
}

#[test]
fn citus_demo_rows() {
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
    let rows = people
        .iter()
        .enumerate()
        .map(|(i, (n, c, a))| vec![Value::Int4(i as i32 + 1), text(n), text(c), Value::Int4(*a)])
        .collect();
    let r = rs(
        &[
            ("id", SqlType::Int4),
            ("user_name", SqlType::Text),
            ("city", SqlType::Text),
            ("age", SqlType::Int4),
        ],
        rows,
    );
    let expected = " id | user_name |   city   | age 
----+-----------+----------+-----
  1 | Alice     | New York |  25
  2 | Bob       | Chicago  |  30
  3 | Charlie   | Seattle  |  27
  4 | David     | Boston   |  35
  5 | Emma      | Denver   |  22
  6 | Frank     | Portland |  29
  7 | Grace     | Miami    |  28
  8 | Henry     | Atlanta  |  31
  9 | Iris      | Phoenix  |  26
 10 | Jack      | Dallas   |  33
(10 rows)

";
    assert_eq!(print(&r), expected);
}

#[test]
fn wide_single_column_is_centred() {
    let v = "Citus 13.2.2 on x86_64-pc-linux-gnu, compiled by gcc (Debian 12.2.0-14+deb12u1) 12.2.0, 64-bit";
    let r = rs(&[("citus_version", SqlType::Text)], vec![vec![text(v)]]);
    let expected = format!(
        "{}citus_version{}\n{}\n {v}\n(1 row)\n\n",
        " ".repeat(41),
        " ".repeat(42),
        "-".repeat(96)
    );
    assert_eq!(print(&r), expected);
}

#[test]
fn empty_value_and_numeric_header() {
    let r = rs(
        &[("create_distributed_table", SqlType::Text)],
        vec![vec![text("")]],
    );
    assert_eq!(
        print(&r),
        " create_distributed_table \n--------------------------\n \n(1 row)\n\n"
    );
    let r = rs(
        &[("last_value", SqlType::Int8)],
        vec![vec![Value::Int8(102008)]],
    );
    assert_eq!(
        print(&r),
        " last_value \n------------\n     102008\n(1 row)\n\n"
    );
}

#[test]
fn left_aligned_last_column_is_not_padded() {
    let items = ["Pizza", "Soda", "Ice Cream"];
    let rows = items
        .iter()
        .enumerate()
        .map(|(i, it)| vec![Value::Int4(i as i32 + 1), Value::Int4(1), text(it)])
        .collect();
    let r = rs(
        &[
            ("order_id", SqlType::Int4),
            ("user_id", SqlType::Int4),
            ("item", SqlType::Text),
        ],
        rows,
    );
    let expected = " order_id | user_id |   item    
----------+---------+-----------
        1 |       1 | Pizza
        2 |       1 | Soda
        3 |       1 | Ice Cream
(3 rows)

";
    assert_eq!(print(&r), expected);
}

#[test]
fn zero_rows_and_zero_columns() {
    let r = rs(
        &[
            ("groupid", SqlType::Int4),
            ("gid", SqlType::Text),
            ("outer_xid", SqlType::Int8),
        ],
        vec![],
    );
    assert_eq!(
        print(&r),
        " groupid | gid | outer_xid \n---------+-----+-----------\n(0 rows)\n\n"
    );
    let r = rs(&[], vec![vec![]]);
    assert_eq!(print(&r), "--\n(1 row)\n\n");
}

#[test]
fn wide_characters_and_empty_strings() {
    let data = [
        ("Alice", 1071472576, 23),
        ("東京", -209692131, 14),
        ("", -1477818771, 4),
        ("New York", -1708296989, 3),
    ];
    let rows = data
        .iter()
        .map(|(k, h, s)| vec![text(k), Value::Int4(*h), Value::Int4(*s)])
        .collect();
    let r = rs(
        &[
            ("k", SqlType::Text),
            ("hash", SqlType::Int4),
            ("shard_index", SqlType::Int4),
        ],
        rows,
    );
    let expected = "    k     |    hash     | shard_index 
----------+-------------+-------------
 Alice    |  1071472576 |          23
 東京     |  -209692131 |          14
          | -1477818771 |           4
 New York | -1708296989 |           3
(4 rows)

";
    assert_eq!(print(&r), expected);
}

#[test]
fn nulls_print_empty() {
    let rows = [9700, 9701]
        .iter()
        .map(|p| {
            vec![
                Value::Int8(102104),
                Value::Null,
                Value::Null,
                Value::Int4(*p),
            ]
        })
        .collect();
    let r = rs(
        &[
            ("shardid", SqlType::Int8),
            ("shardminvalue", SqlType::Text),
            ("shardmaxvalue", SqlType::Text),
            ("nodeport", SqlType::Int4),
        ],
        rows,
    );
    let expected = " shardid | shardminvalue | shardmaxvalue | nodeport 
---------+---------------+---------------+----------
  102104 |               |               |     9700
  102104 |               |               |     9701
(2 rows)

";
    assert_eq!(print(&r), expected);
}

#[test]
fn multiline_values() {
    let r = rs(
        &[("a", SqlType::Text), ("b", SqlType::Text)],
        vec![
            vec![text("x\nyy"), text("1")],
            vec![text("z"), text("p\nq")],
        ],
    );
    let expected = " a  | b 
----+---
 x +| 1
 yy | 
 z  | p+
    | q
(2 rows)

";
    assert_eq!(print(&r), expected);
}

#[test]
fn expanded_display() {
    let r = rs(
        &[("id", SqlType::Int4), ("user_name", SqlType::Text)],
        vec![
            vec![Value::Int4(1), text("Alice")],
            vec![Value::Int4(2), text("Bob")],
        ],
    );
    let expected = "-[ RECORD 1 ]----
id        | 1
user_name | Alice
-[ RECORD 2 ]----
id        | 2
user_name | Bob

";
    assert_eq!(expanded(&Table::from_result(&r, "")), expected);
    let r = rs(
        &[("recover_prepared_transactions", SqlType::Int4)],
        vec![vec![Value::Int4(0)]],
    );
    let expected = "-[ RECORD 1 ]-----------------+--
recover_prepared_transactions | 0

";
    assert_eq!(expanded(&Table::from_result(&r, "")), expected);
    let r = rs(&[("a", SqlType::Int4)], vec![]);
    assert_eq!(expanded(&Table::from_result(&r, "")), "(0 rows)\n\n");
}

#[test]
fn errors_and_notices() {
    let e = PgError::new(
        "23503",
        "insert or update on table \"orders_102100\" violates foreign key constraint \"orders_user_id_fkey_102100\"",
    )
    .with_detail("Key (user_id)=(999) is not present in table \"users_102068\".")
    .with_context("while executing command on 127.0.0.1:9701");
    assert_eq!(
        error(&e, Verbosity::Default, "psql:<stdin>:47: "),
        "psql:<stdin>:47: ERROR:  insert or update on table \"orders_102100\" violates foreign key constraint \"orders_user_id_fkey_102100\"
DETAIL:  Key (user_id)=(999) is not present in table \"users_102068\".
CONTEXT:  while executing command on 127.0.0.1:9701
"
    );
    let e = PgError::internal("the query contains a join that requires repartitioning")
        .with_hint("Set citus.enable_repartition_joins to on to enable repartitioning");
    assert_eq!(
        error(&e, Verbosity::Verbose, "psql:<stdin>:78: "),
        "psql:<stdin>:78: ERROR:  XX000: the query contains a join that requires repartitioning
HINT:  Set citus.enable_repartition_joins to on to enable repartitioning
"
    );
    assert_eq!(
        error(&e, Verbosity::Terse, ""),
        "ERROR:  the query contains a join that requires repartitioning\n"
    );
    let mut n = Notice::new("copying the data has completed");
    n.detail =
        Some("The local data in the table is no longer visible, but is still on disk.".into());
    n.hint = Some("To remove the local data, run: SELECT truncate_local_data_after_distributing_table($$public.t_data$$)".into());
    assert_eq!(
        notice(&n, Verbosity::Default, "psql:<stdin>:23: "),
        "psql:<stdin>:23: NOTICE:  copying the data has completed
DETAIL:  The local data in the table is no longer visible, but is still on disk.
HINT:  To remove the local data, run: SELECT truncate_local_data_after_distributing_table($$public.t_data$$)
"
    );
}

#[test]
fn title_is_centred() {
    let t = Table {
        title: Some("List of relations".into()),
        headers: ["Schema", "Name", "Type", "Owner"]
            .map(String::from)
            .to_vec(),
        right: vec![false; 4],
        rows: vec![
            ["public", "citus_demo", "table", "postgres"]
                .map(String::from)
                .to_vec(),
            ["public", "citus_demo_id_seq", "sequence", "postgres"]
                .map(String::from)
                .to_vec(),
        ],
        footers: None,
    };
    let expected = "                List of relations
 Schema |       Name        |   Type   |  Owner   
--------+-------------------+----------+----------
 public | citus_demo        | table    | postgres
 public | citus_demo_id_seq | sequence | postgres
(2 rows)

";
    assert_eq!(aligned(&t), expected);
}

#[test]
fn error_positions_by_verbosity() {
    let e = PgError::undefined_column("nam")
        .with_hint("Perhaps you meant to reference the column \"users.name\".")
        .with_position(8);
    let q = "SELECT nam FROM users;";
    let cursor = "LINE 1: SELECT nam FROM users;\n               ^\n";
    let hint = "HINT:  Perhaps you meant to reference the column \"users.name\".\n";
    assert_eq!(
        query_error(&e, q, Verbosity::Default, "psql:<stdin>:3: "),
        format!("psql:<stdin>:3: ERROR:  column \"nam\" does not exist\n{cursor}{hint}")
    );
    assert_eq!(
        query_error(&e, q, Verbosity::Verbose, ""),
        format!("ERROR:  42703: column \"nam\" does not exist\n{cursor}{hint}")
    );
    assert_eq!(
        query_error(&e, q, Verbosity::Terse, ""),
        "ERROR:  column \"nam\" does not exist at character 8\n"
    );
    assert_eq!(
        query_error(&e, q, Verbosity::Sqlstate, ""),
        "ERROR:  42703\n"
    );
    // without the statement's text psql can only name the position
    assert_eq!(
        error(&e, Verbosity::Default, ""),
        format!("ERROR:  column \"nam\" does not exist at character 8\n{hint}")
    );
}
