//! No input reaches a panic: the regression scripts' statements cut at pseudo-random points,
//! odd literals, huge numbers and deep nesting all go through the psql runner, which must
//! answer each with output (an error is fine), never a panic.

use shardscope::psql::Runner;
use std::fs;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::Path;

/// Inputs that once were, or easily could be, edge cases for the engine.
const ODD_INPUTS: &[&str] = &[
    "SELECT 99999999999999999999999999999999999999999999999999;",
    "SELECT -99999999999999999999999999999999999999999999999999::numeric * 10;",
    "SELECT 2147483647 + 1;",
    "SELECT (-2147483648)::int * -1;",
    "SELECT (-9223372036854775808)::bigint / -1;",
    "SELECT (-9223372036854775808)::bigint % -1;",
    "SELECT 9223372036854775807::bigint + 1;",
    "SELECT abs((-9223372036854775808)::bigint);",
    "SELECT -(-9223372036854775808)::bigint;",
    "SELECT 1 / 0;",
    "SELECT 1 % 0;",
    "SELECT 1.0 / 0.0;",
    "SELECT 1e400;",
    "SELECT '1e400'::float8;",
    "SELECT 1e308 * 10;",
    "SELECT 10::numeric ^ 1000;",
    "SELECT 2 ^ 100000;",
    "SELECT 0 ^ -1;",
    "SELECT sqrt(-1);",
    "SELECT ln(0);",
    "SELECT 'NaN'::float8::int;",
    "SELECT 'Infinity'::float8::numeric;",
    "SELECT 1::numeric(1000, 2000);",
    "SELECT 123.456::numeric(2, 1);",
    "SELECT 'abc'::int;",
    "SELECT ''::int;",
    "SELECT ''::regclass;",
    "SELECT '\"'::regclass;",
    "SELECT '.'::regclass;",
    "SELECT 'a.b.c.d.e'::regclass;",
    "SELECT ' '::regclass;",
    "SELECT '\"\"\"'::regclass;",
    "SELECT 'nope'::regclass::oid;",
    "SELECT interval '99999999999 years';",
    "SELECT '99999-12-31'::date + 2147483647;",
    "SELECT '2024-02-30'::date;",
    "SELECT timestamp '294277-01-01 00:00:00';",
    "SELECT '-infinity'::timestamp;",
    "SELECT date_trunc('century', now());",
    "SELECT date_trunc('nope', now());",
    "SELECT extract(epoch FROM interval '1000000000 years');",
    "SELECT lpad('a', -1);",
    "SELECT lpad('a', 100000, '');",
    "SELECT rpad('', 5, '');",
    "SELECT repeat('x', -5);",
    "SELECT substring('abc', -5, -2);",
    "SELECT substring('abc' FROM 2147483647 FOR 2147483647);",
    "SELECT left('abc', -2147483648);",
    "SELECT right('abc', -2147483648);",
    "SELECT split_part('a,b', ',', 0);",
    "SELECT split_part('a,b', ',', -2147483648);",
    "SELECT chr(0);",
    "SELECT chr(-1);",
    "SELECT chr(1114112);",
    "SELECT 'éé'::char(1), 'ééé'::varchar(2);",
    "SELECT upper('ß'), lower('İ'), length('👍🏽');",
    "SELECT (ARRAY[1, 2])[0], (ARRAY[1, 2])[-2147483648], (ARRAY[1, 2])[2147483647];",
    "SELECT ARRAY[1, 'a'];",
    "SELECT ARRAY[[1], [2, 3]];",
    "SELECT '{1,2'::int[];",
    "SELECT '{{1},{2,3}}'::int[];",
    "SELECT array_agg(x ORDER BY x) FROM (VALUES (1), (NULL)) v(x);",
    "SELECT generate_series(1, 20000000);",
    "SELECT generate_series(1, 10, 0);",
    "SELECT generate_series(9223372036854775806::bigint, 9223372036854775807::bigint);",
    "SELECT generate_series(-9223372036854775807::bigint, -9223372036854775808::bigint, -1);",
    "SELECT * FROM generate_series(1, 3) LIMIT -1;",
    "SELECT * FROM generate_series(1, 3) OFFSET -1;",
    "SELECT * FROM generate_series(1, 3) LIMIT 99999999999999999999;",
    "SELECT * FROM generate_series(1, 3) OFFSET 9223372036854775807;",
    "SELECT 1 ORDER BY 0;",
    "SELECT 1 ORDER BY 99999999999999999999;",
    "SELECT 1 GROUP BY 0;",
    "SELECT 1 GROUP BY 2;",
    "SELECT 1 GROUP BY -1;",
    "SELECT count(*) FILTER (WHERE 1);",
    "SELECT sum(x) OVER () FROM (VALUES (1)) v(x);",
    "SELECT max(NULL), min(NULL), avg(NULL::int), sum(NULL::numeric);",
    "SELECT avg(9223372036854775807::bigint) FROM generate_series(1, 3);",
    "SELECT sum(9223372036854775807::bigint) FROM generate_series(1, 3);",
    "SELECT CASE WHEN true THEN 1 ELSE 'a' END;",
    "SELECT coalesce();",
    "SELECT nullif(1);",
    "SELECT greatest(1, 'a');",
    "SELECT 1 IN ();",
    "SELECT * FROM (SELECT 1) AS t(a, b, c);",
    "SELECT t.* FROM (SELECT) t;",
    "SELECT;",
    "VALUES ();",
    "VALUES (1), (1, 2);",
    "SELECT 'unterminated;",
    "SELECT \"unterminated;",
    "SELECT $$unterminated;",
    "SELECT E'\\x';",
    "SELECT U&'\\0000';",
    "SELECT B'102';",
    "SELECT X'GG';",
    "SELECT 1 +;",
    "SELECT (((((1;",
    "SELECT 1)))));",
    "SELECT * FROM;",
    "INSERT INTO;",
    "UPDATE SET;",
    "DELETE;",
    "CREATE TABLE;",
    "CREATE TABLE t_odd ();",
    "CREATE TABLE t_odd2 (a numeric(0));",
    "CREATE TABLE t_odd3 (a varchar(0));",
    "CREATE TABLE t_odd4 (a int, a int);",
    "CREATE TABLE t_odd5 (a int CHECK (a / 0 > 1)); INSERT INTO t_odd5 VALUES (1);",
    "CREATE TABLE t_odd6 (a int DEFAULT 1 / 0); INSERT INTO t_odd6 DEFAULT VALUES;",
    "CREATE TABLE t_odd7 (a int PRIMARY KEY, b int REFERENCES t_odd7);",
    "SELECT create_distributed_table('', '');",
    "SELECT create_distributed_table(NULL, NULL);",
    "SELECT create_distributed_table('t_odd', '');",
    "SELECT create_distributed_table('t_odd2', 'a', colocate_with => '');",
    "SELECT create_distributed_table('t_odd2', 'a', shard_count => -1);",
    "SELECT create_distributed_table('t_odd2', 'a', shard_count => 0);",
    "SELECT create_reference_table('');",
    "SELECT undistribute_table('');",
    "SELECT citus_add_node('', -1);",
    "SELECT citus_add_node('localhost', 99999999);",
    "SELECT citus_remove_node('', 0);",
    "SELECT get_shard_id_for_distribution_column('', NULL);",
    "SELECT get_shard_id_for_distribution_column('pg_dist_node', 1);",
    "SELECT * FROM run_command_on_workers('');",
    "SELECT * FROM run_command_on_workers(NULL);",
    "SET citus.shard_count = 0;",
    "SET citus.shard_count = 99999999999999999999;",
    "SET statement_timeout = '99999999999999999999ms';",
    "SET statement_timeout = '-1';",
    "SET statement_timeout = '1e400';",
    "SET statement_timeout = 'NaN';",
    "SET statement_timeout = '5 parsecs';",
    "SET statement_timeout = '';",
    "SET statement_timeout = 0;",
    "SET client_min_messages = '';",
    "RESET;",
    "RESET nope;",
    "SHOW;",
    "SHOW nope;",
    "BEGIN; BEGIN; COMMIT; COMMIT;",
    "ROLLBACK; ROLLBACK;",
    "SAVEPOINT s; RELEASE SAVEPOINT s;",
    "BEGIN; SAVEPOINT s; ROLLBACK TO SAVEPOINT nope; ROLLBACK;",
    "PREPARE TRANSACTION 'x'; COMMIT PREPARED 'x'; ROLLBACK PREPARED 'x';",
    "EXPLAIN;",
    "EXPLAIN (ANALYZE, FORMAT JSON) SELECT 1;",
    "EXPLAIN (nope) SELECT 1;",
    "EXPLAIN EXPLAIN SELECT 1;",
    "COPY t FROM stdin;",
    "\\c",
    "\\c nope",
    "\\c - - 127.0.0.1 0",
    "\\c - - nohost 99999",
    "\\connect worker-1\n\\c coordinator",
    "\\d \"",
    "\\d nope",
    "\\d+",
    "\\dt *",
    "\\df",
    "\\pset",
    "\\pset null",
    "\\pset format nope",
    "\\x nope",
    "\\set",
    "\\set A",
    "\\echo :A :'A' :\"A\" :",
    "\\unset",
    "\\timing nope",
    "\\nope",
    "\\",
    "\\session 0",
    "\\session 99999999999999999999",
    "\\crash nope",
    "\\g",
    "\\gx",
    ";;;",
    "-- only a comment",
    "/* unterminated comment",
    "SELECT 1 /* nested /* comment */ */;",
];

/// A deterministic pseudo-random sequence (a linear congruential generator).
struct Lcg(u64);

impl Lcg {
    fn below(&mut self, n: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((self.0 >> 33) as usize) % n.max(1)
    }
}

/// The statements of a script, split at semicolons that end a line (good enough for cutting).
fn statements(script: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    for line in script.lines() {
        current.push_str(line);
        current.push('\n');
        if line.trim_end().ends_with(';') || line.trim_start().starts_with('\\') {
            out.push(std::mem::take(&mut current));
        }
    }
    out
}

/// `text` cut after a pseudo-random number of characters.
fn truncated(text: &str, rng: &mut Lcg) -> String {
    let chars: Vec<char> = text.chars().collect();
    let cut = rng.below(chars.len());
    chars[..cut].iter().collect()
}

/// Runs `input` on `runner`; the input and panic message if it panicked.
fn panics(runner: &mut Runner, input: &str) -> Option<String> {
    catch_unwind(AssertUnwindSafe(|| runner.run_script(input, "<stdin>")))
        .err()
        .map(|e| {
            let msg = e
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default();
            format!("{input:?}: {msg}")
        })
}

#[test]
fn odd_and_truncated_statements_never_panic() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/sql");
    let mut scripts: Vec<_> = fs::read_dir(&dir)
        .map(|d| d.filter_map(|e| e.ok()).map(|e| e.path()).collect())
        .unwrap_or_default();
    scripts.sort();
    assert!(!scripts.is_empty(), "no scripts in {}", dir.display());
    let mut rng = Lcg(20_261_206);
    let mut failures = Vec::new();
    let mut inputs = 0;
    for path in &scripts {
        let script = fs::read_to_string(path).unwrap_or_default();
        let mut runner = Runner::with_default_cluster();
        // The statements run against the state their script builds, cut at three points each.
        for stmt in statements(&script) {
            for _ in 0..3 {
                let cut = truncated(&stmt, &mut rng);
                inputs += 1;
                if let Some(f) = panics(&mut runner, &cut) {
                    failures.push(f);
                    runner = Runner::with_default_cluster();
                }
            }
            inputs += 1;
            if let Some(f) = panics(&mut runner, &stmt) {
                failures.push(f);
                runner = Runner::with_default_cluster();
            }
        }
        for odd in ODD_INPUTS {
            inputs += 1;
            if let Some(f) = panics(&mut runner, odd) {
                failures.push(f);
                runner = Runner::with_default_cluster();
            }
        }
    }
    // Deep nesting: the parser's recursion limit answers with an error, not a stack overflow.
    let mut runner = Runner::with_default_cluster();
    for depth in [10, 60, 500] {
        let nested = format!("SELECT {}1{};", "(".repeat(depth), ")".repeat(depth));
        let subqueries = format!("SELECT {}1{};", "(SELECT ".repeat(depth), ")".repeat(depth));
        let negations = format!("SELECT {}1;", "- ".repeat(depth));
        let nots = format!("SELECT {}true;", "NOT ".repeat(depth));
        for input in [nested, subqueries, negations, nots] {
            inputs += 1;
            if let Some(f) = panics(&mut runner, &input) {
                failures.push(f);
                runner = Runner::with_default_cluster();
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {inputs} inputs panicked:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
