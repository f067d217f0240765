//! The runner driven by a fake executor: echo, loci, meta-commands and connection handling.

use super::*;
use crate::error::{Notice, PgError};
use crate::session::Finished;
use crate::sql::schema::{Constraint, ReferentialAction};
use crate::sql::ExecOutput;
use crate::sql::{Column, ColumnDef, ConstraintKind, ResultSet};
use crate::types::{SqlType, Value};
use std::collections::BTreeMap;

/// Answers a handful of statements and records what it was sent.
#[derive(Default)]
struct Fake {
    sent: Vec<(String, String)>,
    /// The node each session is connected to.
    sessions: BTreeMap<SessionId, String>,
    /// Shared with a test's output sink, to see what ran before what was printed.
    events: Option<std::rc::Rc<std::cell::RefCell<Vec<String>>>>,
}

fn node(name: &str, port: u16, id: i32) -> NodeInfo {
    NodeInfo {
        name: name.into(),
        host: "127.0.0.1".into(),
        port,
        node_id: id,
        group_id: id,
        is_coordinator: id == 0,
        is_active: true,
        is_up: true,
        is_cut: false,
        prepared: Vec::new(),
        armed: None,
        waits: Vec::new(),
    }
}

fn users() -> TableDef {
    TableDef {
        name: "users".into(),
        columns: vec![
            ColumnDef {
                name: "user_id".into(),
                ty: SqlType::Int4,
                not_null: true,
                default: None,
            },
            ColumnDef {
                name: "name".into(),
                ty: SqlType::Text,
                not_null: false,
                default: None,
            },
        ],
        constraints: vec![Constraint {
            name: "users_pkey".into(),
            kind: ConstraintKind::PrimaryKey(vec!["user_id".into()]),
        }],
        indexes: vec![],
        partition_key: None,
        partition_of: None,
    }
}

fn orders() -> TableDef {
    TableDef {
        name: "orders".into(),
        columns: vec![ColumnDef {
            name: "user_id".into(),
            ty: SqlType::Int4,
            not_null: false,
            default: None,
        }],
        constraints: vec![Constraint {
            name: "orders_user_id_fkey".into(),
            kind: ConstraintKind::ForeignKey {
                columns: vec!["user_id".into()],
                ref_table: "users".into(),
                ref_columns: vec!["user_id".into()],
                on_delete: ReferentialAction::Cascade,
                on_update: ReferentialAction::NoAction,
            },
        }],
        indexes: vec![],
        partition_key: None,
        partition_of: None,
    }
}

impl Executor for Fake {
    fn execute(&mut self, session: SessionId, sql: &str) -> Reply {
        if let Some(events) = &self.events {
            events.borrow_mut().push(format!("run {sql}"));
        }
        Reply::done(self.answer(session, sql))
    }
    fn open_session(&mut self, id: SessionId) {
        self.sessions
            .entry(id)
            .or_insert_with(|| "coordinator".into());
    }
    fn session_node(&self, id: SessionId) -> Option<String> {
        self.sessions.get(&id).cloned()
    }
    fn block_state(&self, _: SessionId) -> BlockState {
        BlockState::Idle
    }
    fn take_finished(&mut self) -> Vec<Finished> {
        Vec::new()
    }
    fn cancel(&mut self, _: SessionId) -> bool {
        false
    }
    fn operate(&mut self, op: Operation) -> PgResult<String> {
        Ok(format!("{op:?}"))
    }
    fn nodes(&self) -> Vec<NodeInfo> {
        vec![
            node("coordinator", 9700, 0),
            node("worker-1", 9701, 1),
            node("worker-2", 9702, 2),
        ]
    }
    fn connect(&mut self, id: SessionId, name: &str) -> PgResult<()> {
        self.sessions.insert(id, name.into());
        Ok(())
    }
    fn connect_host_port(&mut self, id: SessionId, host: &str, port: u16) -> PgResult<()> {
        let n = self
            .nodes()
            .into_iter()
            .find(|n| n.port == port && (n.host == host || host == "localhost"))
            .ok_or_else(|| {
                PgError::new(
                    "08001",
                    format!("connection to server at \"{host}\", port {port} failed: Connection refused"),
                )
            })?;
        self.sessions.insert(id, n.name);
        Ok(())
    }
    fn list_relations(&self, _: SessionId) -> Vec<RelationInfo> {
        vec![
            RelationInfo {
                name: "users".into(),
                kind: "table".into(),
            },
            RelationInfo {
                name: "orders".into(),
                kind: "table".into(),
            },
            RelationInfo {
                name: "orders_order_id_seq".into(),
                kind: "sequence".into(),
            },
        ]
    }
    fn describe_table(&self, _: SessionId, name: &str) -> PgResult<Option<TableDef>> {
        Ok(match name {
            "users" => Some(users()),
            "orders" => Some(orders()),
            _ => None,
        })
    }
}

impl Fake {
    fn answer(&mut self, session: SessionId, sql: &str) -> PgResult<ExecOutput> {
        let node = self.session_node(session).unwrap_or_default();
        self.sent.push((node, sql.to_string()));
        let sql = sql.trim_end_matches(';').trim().replace("\n  ", " ");
        let sql = sql.as_str();
        if sql.starts_with("DROP TABLE IF EXISTS") {
            let mut out = ExecOutput::command("DROP TABLE");
            out.notices
                .push(Notice::new("table \"citus_demo\" does not exist, skipping"));
            return Ok(out);
        }
        if let Some(v) = sql.strip_prefix("SELECT ") {
            if let Ok(n) = v.parse::<i32>() {
                return Ok(ExecOutput::rows(ResultSet {
                    columns: vec![Column::new("?column?", SqlType::Int4)],
                    rows: vec![vec![Value::Int4(n)]],
                }));
            }
            if let Some(s) = v.strip_prefix('\'').and_then(|s| s.strip_suffix('\'')) {
                return Ok(ExecOutput::rows(ResultSet {
                    columns: vec![Column::new("?column?", SqlType::Text)],
                    rows: vec![vec![Value::Text(s.replace("''", "'"))]],
                }));
            }
        }
        Err(
            PgError::internal("the query contains a join that requires repartitioning")
                .with_hint("Set citus.enable_repartition_joins to on to enable repartitioning"),
        )
    }
}

fn script(text: &str) -> String {
    Runner::new(Fake::default()).run_script(text, "<stdin>")
}

#[test]
fn echo_notices_results_and_errors() {
    let input = "-- Step 5: seed\nDROP TABLE IF EXISTS citus_demo CASCADE;\nSELECT\n  1;  -- one\n\n\\set VERBOSITY verbose\nSELECT nope;\n";
    let expected = "-- Step 5: seed
DROP TABLE IF EXISTS citus_demo CASCADE;
psql:<stdin>:2: NOTICE:  table \"citus_demo\" does not exist, skipping
DROP TABLE
SELECT
  1;  -- one
 ?column? 
----------
        1
(1 row)


\\set VERBOSITY verbose
SELECT nope;
psql:<stdin>:7: ERROR:  XX000: the query contains a join that requires repartitioning
HINT:  Set citus.enable_repartition_joins to on to enable repartitioning
";
    assert_eq!(script(input), expected);
}

#[test]
fn unterminated_statement_runs_at_end() {
    assert_eq!(
        script("SELECT 2"),
        "SELECT 2\n ?column? \n----------\n        2\n(1 row)\n\n"
    );
}

#[test]
fn variables_and_echo() {
    let out = script("\\set who 'it''s me'\n\\echo :who   :'who' x\nSELECT :'who';");
    assert_eq!(
        out,
        "\\set who 'it''s me'\n\\echo :who   :'who' x\nit's me 'it''s me' x\nSELECT :'who';\n ?column? \n----------\n it's me\n(1 row)\n\n"
    );
}

#[test]
fn connect_forms() {
    let mut r = Runner::new(Fake::default());
    let out = r.run_interactive(
        "\\c worker-1\n\\c - - 127.0.0.1 9701\n\\c postgres postgres localhost 9702\n\\c - - 127.0.0.1 9999\nSELECT 1;\n\\c nope\n",
    );
    assert_eq!(
        out,
        "You are now connected to database \"postgres\" as user \"postgres\" on host \"127.0.0.1\" at port \"9701\".
You are now connected to database \"postgres\" as user \"postgres\".
You are now connected to database \"postgres\" as user \"postgres\" on host \"localhost\" (address \"127.0.0.1\") at port \"9702\".
connection to server at \"127.0.0.1\", port 9999 failed: Connection refused
\tIs the server running on that host and accepting TCP/IP connections?
Previous connection kept
 ?column? 
----------
        1
(1 row)

connection to server at \"localhost\", port 9702 failed: FATAL:  database \"nope\" does not exist
Previous connection kept
"
    );
    assert_eq!(r.exec.sent.last().map(|s| s.0.as_str()), Some("worker-2"));
}

#[test]
fn failed_connect_in_a_script_drops_the_connection() {
    let out = script("\\c - - 127.0.0.1 9999\nSELECT 1;\n");
    assert_eq!(
        out,
        "\\c - - 127.0.0.1 9999
psql:<stdin>:1: error: \\connect: connection to server at \"127.0.0.1\", port 9999 failed: Connection refused
\tIs the server running on that host and accepting TCP/IP connections?
SELECT 1;
psql:<stdin>:2: error: You are currently not connected to a database.
"
    );
}

#[test]
fn toggles_and_unknown_commands() {
    let out = script("\\x\nSELECT 1;\n\\x off\n\\timing off\n\\foo bar\n");
    assert_eq!(
        out,
        "\\x\nExpanded display is on.\nSELECT 1;\n-[ RECORD 1 ]\n?column? | 1\n\n\\x off\nExpanded display is off.\n\\timing off\nTiming is off.\n\\foo bar\npsql:<stdin>:5: error: invalid command \\foo\n"
    );
    let out = Runner::new(Fake::default()).run_interactive("\\foo");
    assert_eq!(out, "invalid command \\foo\nTry \\? for help.\n");
}

#[test]
fn on_error_stop_and_quit() {
    let out = script("\\set ON_ERROR_STOP on\nSELECT x;\nSELECT 1;\n");
    assert!(
        out.ends_with("HINT:  Set citus.enable_repartition_joins to on to enable repartitioning\n")
    );
    let out = script("\\q\nSELECT 1;\n");
    assert_eq!(out, "\\q\n");
}

#[test]
fn describe_commands() {
    let out = Runner::new(Fake::default()).run_interactive("\\d\n\\dt\n\\d users\n\\d nope");
    let expected = "                 List of relations
 Schema |        Name         |   Type   |  Owner   
--------+---------------------+----------+----------
 public | orders              | table    | postgres
 public | orders_order_id_seq | sequence | postgres
 public | users               | table    | postgres
(3 rows)

         List of relations
 Schema |  Name  | Type  |  Owner   
--------+--------+-------+----------
 public | orders | table | postgres
 public | users  | table | postgres
(2 rows)

                Table \"public.users\"
 Column  |  Type   | Collation | Nullable | Default 
---------+---------+-----------+----------+---------
 user_id | integer |           | not null | 
 name    | text    |           |          | 
Indexes:
    \"users_pkey\" PRIMARY KEY, btree (user_id)
Referenced by:
    TABLE \"orders\" CONSTRAINT \"orders_user_id_fkey\" FOREIGN KEY (user_id) REFERENCES users(user_id) ON DELETE CASCADE

Did not find any relation named \"nope\".
";
    assert_eq!(out, expected);
}

#[test]
fn gx_and_timing_line() {
    let out = Runner::new(Fake::default()).run_interactive("SELECT 'a'\n\\gx");
    assert_eq!(out, "-[ RECORD 1 ]\n?column? | a\n\n");
    assert_eq!(timing_line(0.1234), "Time: 0.123 ms\n");
    assert_eq!(timing_line(61234.5), "Time: 61234.500 ms (01:01.234)\n");
}

#[test]
fn empty_queries_print_nothing() {
    assert_eq!(script(";\n/* c */;\n"), ";\n/* c */;\n");
    assert!(is_empty_query("/* a /* b */ c */ ; -- x\n"));
    assert!(!is_empty_query("/* a */ SELECT 1"));
}

/// Pseudo-random inputs built from psql's special characters: the runner must never panic.
#[test]
fn never_panics() {
    let atoms = [
        "'", "\"", "$", "$$", "$a$", ";", "\\", "\\c", "\\x", "\\d", "\\set", ":", ":'", ":\"",
        "--", "/*", "*/", "(", ")", "\n", " ", "é", "東", "E'", "\\g", "\\echo", "SELECT 1", "::",
        "\t", "\r", "-", "*",
    ];
    let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
    for _ in 0..3000 {
        let mut text = String::new();
        for _ in 0..(seed % 12) {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            text.push_str(atoms[(seed % atoms.len() as u64) as usize]);
        }
        seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1);
        let _ = script(&text);
        let _ = Runner::new(Fake::default()).run_interactive(&text);
    }
}

#[test]
fn a_streamed_script_prints_each_statement_before_running_the_next() {
    let events = std::rc::Rc::new(std::cell::RefCell::new(Vec::new()));
    let fake = Fake {
        events: Some(events.clone()),
        ..Fake::default()
    };
    let mut runner = Runner::new(fake);
    let script = "SELECT 1;\nSELECT 2;\n";
    let mut printed = String::new();
    runner.run_script_streaming(script.lines(), "<stdin>", &mut |text| {
        printed.push_str(text);
        events.borrow_mut().push(format!("print {text}"));
    });
    let log = events.borrow().clone();
    let ran_second = log.iter().position(|e| e.starts_with("run SELECT 2"));
    let printed_first = log
        .iter()
        .position(|e| e.starts_with("print ") && e.contains("(1 row)"));
    assert!(
        matches!((printed_first, ran_second), (Some(p), Some(r)) if p < r),
        "{log:#?}"
    );
    // The pieces add up to what the whole-script call returns.
    let mut whole = Runner::new(Fake::default());
    assert_eq!(printed, whole.run_script(script, "<stdin>"));
}

#[test]
fn an_interactive_run_taken_step_by_step_pauses_between_statements_and_prints_the_same() {
    let text = "SELECT 1;\n\\echo two\nSELECT\n  2";
    let mut runner = Runner::new(Fake::default());
    let mut steps = runner.begin_interactive(text);
    let mut ran = 0;
    while runner.step(&mut steps) != Step::Done {
        if ran == 0 && !runner.exec.sent.is_empty() {
            // Paused after the first statement: the rest is still to come.
            assert_eq!(runner.exec.sent.len(), 1);
            assert!(steps.may_run_more());
            ran += 1;
        }
    }
    assert!(!steps.may_run_more());
    // The unterminated last statement is sent at the end of input, as psql does.
    assert_eq!(runner.exec.sent.len(), 2, "{:?}", runner.exec.sent);
    let stepped = runner.take_output();
    assert_eq!(stepped, Runner::new(Fake::default()).run_interactive(text));
    assert!(stepped.contains("two\n"), "{stepped}");
}
