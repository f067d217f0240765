mod common;
use common::*;
use shardscope::types::{SqlType, Value};

#[test]
fn perf_breakdown() {
    let mut db = shardscope::sql::Database::new();
    let data = (0..100_000)
        .map(|i| vec![Value::Int4(i), Value::Int4(i % 100)])
        .collect();
    add_table(
        &mut db,
        "big",
        &[("id", SqlType::Int4), ("g", SqlType::Int4)],
        data,
    );
    for sql in [
        "SELECT count(*) FROM big",
        "SELECT g, count(*), sum(id) FROM big GROUP BY g",
        "SELECT count(*) FROM big a JOIN big b ON a.id = b.id",
        "SELECT count(*) FROM big WHERE g = 5",
    ] {
        let start = std::time::Instant::now();
        let _ = rows(&db, sql);
        let scan = std::time::Instant::now();
        let _ = db.storage.scan("big");
        eprintln!(
            "{sql}: {:?} (scan alone {:?})",
            start.elapsed(),
            scan.elapsed()
        );
    }
}
