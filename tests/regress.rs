//! Regression tests: every `tests/sql/NAME.sql` is run as `psql -a` would run it piped on stdin
//! (messages say `psql:<stdin>:LINE:`) against a fresh cluster, and compared byte for byte with
//! `tests/expected/NAME.out`. `SHARDSCOPE_REGRESS_UPDATE=1` rewrites the expected files.

use shardscope::psql::Runner;
use std::fs;
use std::path::{Path, PathBuf};

/// The first differing lines, with line numbers, in a unified-diff-like form.
fn diff(expected: &str, actual: &str) -> String {
    let e: Vec<&str> = expected.lines().collect();
    let a: Vec<&str> = actual.lines().collect();
    let first = e
        .iter()
        .zip(&a)
        .position(|(x, y)| x != y)
        .unwrap_or(e.len().min(a.len()));
    let mut out = format!("@@ line {} @@\n", first + 1);
    let end = (first + 8).min(e.len().max(a.len()));
    for i in first.saturating_sub(2)..first {
        if let Some(l) = e.get(i) {
            out.push_str(&format!(" {:>5} {l}\n", i + 1));
        }
    }
    for i in first..end {
        if let Some(l) = e.get(i) {
            out.push_str(&format!("-{:>5} {l}\n", i + 1));
        }
    }
    for i in first..end {
        if let Some(l) = a.get(i) {
            out.push_str(&format!("+{:>5} {l}\n", i + 1));
        }
    }
    if e.len() == a.len() && expected != actual && first == e.len() {
        out.push_str("(files differ only in trailing newlines)\n");
    }
    out
}

fn sql_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "sql"))
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    files
}

#[test]
fn regress() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests");
    let update = std::env::var("SHARDSCOPE_REGRESS_UPDATE").is_ok_and(|v| v == "1");
    let mut failures = Vec::new();
    let files = sql_files(&root.join("sql"));
    for sql in &files {
        let name = sql.file_stem().and_then(|s| s.to_str()).unwrap_or("?");
        let input = fs::read_to_string(sql).unwrap_or_default();
        let actual = Runner::with_default_cluster().run_script(&input, "<stdin>");
        let out_path = root.join("expected").join(format!("{name}.out"));
        if update {
            fs::write(&out_path, &actual).expect("writing expected output");
            continue;
        }
        match fs::read_to_string(&out_path) {
            Ok(expected) if expected == actual => {}
            Ok(expected) => failures.push(format!("{name}:\n{}", diff(&expected, &actual))),
            Err(_) => failures.push(format!(
                "{name}: no {} (run with SHARDSCOPE_REGRESS_UPDATE=1 to create it)",
                out_path.display()
            )),
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} regression tests failed:\n\n{}",
        failures.len(),
        files.len(),
        failures.join("\n")
    );
}
