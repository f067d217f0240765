//! Differential test: every statement of the regression scripts (`tests/sql/*.sql`) runs on a
//! cluster where the scripts' tables are distributed and on one where they stay plain tables
//! of the coordinator, as one PostgreSQL would hold them. For every statement that reads or
//! writes only the scripts' own tables, the answers must be equal, or the distributed one
//! must be refused with Citus's error for that shape. A wrong answer fails the test.

use shardscope::cluster::Cluster;
use shardscope::error::PgError;
use shardscope::psql::script::{Piece, Scanner};
use shardscope::sql::{ExecOutput, Outcome};
use shardscope::types::Value;
use sqlparser::ast::Statement;
use std::collections::BTreeSet;
use std::fs;
use std::path::Path;

/// The errors with which Citus refuses a query shape it cannot run distributed.
const CITUS_REFUSALS: &[&str] = &[
    "complex joins are only supported when all distributed tables are co-located and joined on their distribution columns",
    "the query contains a join that requires repartitioning",
    "modifying the partition value of rows is not allowed",
    "cannot perform an INSERT with NULL in the partition column",
    "cannot perform distributed planning",
    "could not run distributed query",
    "is not supported",
    "cannot be pushed down",
    "with order by is unsupported",
    "(distinct) is unsupported",
    "only reference tables may be queried when targeting a reference table",
    "not allowed in MERGE",
    "MERGE INSERT",
    "is not yet supported",
    "not yet supported in MERGE",
    "The required join operation is missing",
    "To MERGE into a distributed table",
    "are not allowed in ON clause for MERGE",
    "are not allowed in actions for MERGE",
    "MERGE involving repartition of rows",
];

/// Scripts about nodes failing, standbys and failovers: their meta-commands (`\\crash`,
/// `\\standby`, `\\failover`, ...) change which servers answer, which this harness does not
/// run, so their statements are not comparable here (their regression output checks them).
const TOPOLOGY_SCRIPTS: &[&str] = &[
    "failover_async",
    "failover_coordinator",
    "failover_manual",
    "failover_sync",
    "ha_manager",
    "standby_streaming",
    "switchover",
];

/// Calls that make a table a Citus table; on the local cluster they do nothing.
const DISTRIBUTING_CALLS: &[&str] = &[
    "create_distributed_table",
    "create_reference_table",
    "alter_distributed_table",
    "undistribute_table",
    "truncate_local_data_after_distributing_table",
    "create_distributed_table_concurrently",
    "citus_add_local_table_to_metadata",
];

fn statements(script: &str) -> Vec<String> {
    let mut scanner = Scanner::new();
    let mut out = Vec::new();
    let no_vars = |_: &str| None;
    for line in script.lines() {
        for piece in scanner.feed_line(line, &no_vars) {
            if let Piece::Statement { sql, .. } = piece {
                out.push(sql);
            }
        }
    }
    if let Some(Piece::Statement { sql, .. }) = scanner.finish() {
        out.push(sql);
    }
    out
}

/// A value as text, with floats rounded: sums of partial sums may differ in the last bits.
fn canonical(v: &Value) -> String {
    match v {
        Value::Float8(f) => format!("{:.9e}", f),
        other => other.to_pg_text().unwrap_or_else(|| "NULL".into()),
    }
}

/// What a statement answered, comparable across the two clusters (rows as a multiset).
#[derive(Debug, PartialEq)]
enum Answer {
    Rows(Vec<String>, Vec<Vec<String>>),
    Command(String, Option<u64>),
}

fn answer(out: ExecOutput) -> Answer {
    match out.outcome {
        Outcome::Rows(rs) => {
            let mut rows: Vec<Vec<String>> = rs
                .rows
                .iter()
                .map(|r| r.iter().map(canonical).collect())
                .collect();
            rows.sort();
            Answer::Rows(rs.columns.iter().map(|c| c.name.clone()).collect(), rows)
        }
        Outcome::Command(tag) => Answer::Command(tag, out.affected),
    }
}

/// Whether a statement is one whose answer must not depend on distribution: a query or
/// modification that names only the scripts' tables and calls no Citus or catalog function.
fn comparable(sql: &str, tables: &BTreeSet<String>) -> bool {
    let Ok(parsed) = shardscope::sql::parse_sql(sql) else {
        return false;
    };
    let [stmt] = parsed.as_slice() else {
        return false;
    };
    if !matches!(
        stmt,
        Statement::Query(_)
            | Statement::Insert(_)
            | Statement::Update { .. }
            | Statement::Delete(_)
            | Statement::Merge { .. }
    ) {
        return false;
    }
    let lower = sql.to_lowercase();
    if [
        "citus",
        "pg_",
        "shard",
        "nextval",
        "random",
        "now()",
        "clock_timestamp",
    ]
    .iter()
    .any(|w| lower.contains(w))
    {
        return false;
    }
    let rels = shardscope::planner::relations::statement_relations(stmt);
    !rels.is_empty() && rels.iter().all(|r| tables.contains(&r.name))
}

/// Tables the statement creates (`CREATE TABLE name ...`).
fn created_table(sql: &str) -> Option<String> {
    match shardscope::sql::parse_sql(sql).ok()?.first()? {
        Statement::CreateTable(ct) => Some(shardscope::planner::relations::object_name(&ct.name)),
        _ => None,
    }
}

fn is_refusal(e: &PgError) -> bool {
    CITUS_REFUSALS.iter().any(|r| e.message.contains(r))
}

/// Runs one script on both clusters and returns what differed.
fn compare_script(name: &str, script: &str) -> (usize, Vec<String>) {
    let mut distributed = Cluster::new();
    let mut local = Cluster::new();
    let ds = distributed.session();
    let ls = local.session();
    let mut tables = BTreeSet::new();
    let mut compared = 0;
    let mut failures = Vec::new();
    for sql in statements(script) {
        let lower = sql.to_lowercase();
        let local_sql = if DISTRIBUTING_CALLS.iter().any(|c| lower.contains(c)) {
            // Same number of statements on both sides keeps their logical clocks equal.
            "SELECT 1;".to_string()
        } else {
            sql.clone()
        };
        let check = comparable(&sql, &tables);
        let d = distributed.execute(ds, &sql);
        // A write Citus refuses changes nothing there: nor may it here, or the data diverge.
        let refused_write =
            matches!(&d, Err(e) if is_refusal(e)) && !lower.trim_start().starts_with("select");
        let l = if refused_write {
            let _ = local.execute(ls, "SELECT 1;");
            if check {
                compared += 1;
            }
            continue;
        } else {
            local.execute(ls, &local_sql)
        };
        if let Some(t) = created_table(&sql) {
            tables.insert(t);
        }
        if !check {
            continue;
        }
        compared += 1;
        let line = sql.lines().next().unwrap_or_default();
        match (d, l) {
            (Ok(d), Ok(l)) => {
                let (d, l) = (answer(d), answer(l));
                if d != l {
                    failures.push(format!(
                        "{name}: {line}\n  distributed: {d:?}\n  local:       {l:?}"
                    ));
                }
            }
            (Err(e), Ok(_)) if is_refusal(&e) => {}
            (Err(e), Ok(l)) => failures.push(format!(
                "{name}: {line}\n  distributed failed: {}\n  local answered: {:?}",
                e.message,
                answer(l)
            )),
            (Ok(d), Err(e)) => failures.push(format!(
                "{name}: {line}\n  distributed answered: {:?}\n  local failed: {}",
                answer(d),
                e.message
            )),
            (Err(_), Err(_)) => {}
        }
    }
    (compared, failures)
}

#[test]
fn distributed_answers_equal_local_answers() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/sql");
    let mut files: Vec<_> = fs::read_dir(&dir)
        .map(|rd| rd.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    files.retain(|p: &std::path::PathBuf| p.extension().is_some_and(|x| x == "sql"));
    files.sort();
    let mut failures = Vec::new();
    let mut compared = 0;
    for path in &files {
        let name = path.file_stem().and_then(|s| s.to_str()).unwrap_or("?");
        if TOPOLOGY_SCRIPTS.contains(&name) {
            continue;
        }
        let script = fs::read_to_string(path).unwrap_or_default();
        let (n, f) = compare_script(name, &script);
        compared += n;
        failures.extend(f);
    }
    assert!(compared > 100, "only {compared} statements were comparable");
    assert!(
        failures.is_empty(),
        "{} of {compared} statements answered differently:\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}
