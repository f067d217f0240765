//! `shardscope bench`: measured figures, one `name: value` line each.

use crate::cluster::Cluster;
use crate::error::PgResult;
use crate::planner::{self, PlannerSettings};
use crate::sql::parse_sql;
use gluesql::prelude::{Glue, MemoryStorage};
use sqlparser::ast::Statement;
use std::time::Instant;

const ROWS: usize = 100_000;
const BATCH: usize = 1_000;

/// The INSERT statements that load `ROWS` rows in batches.
fn insert_batches(table: &str) -> Vec<String> {
    (0..ROWS / BATCH)
        .map(|b| {
            let values: Vec<String> = (0..BATCH)
                .map(|i| {
                    let id = b * BATCH + i + 1;
                    format!("({id}, 'user {id}', {})", id % 90)
                })
                .collect();
            format!("INSERT INTO {table} VALUES {}", values.join(", "))
        })
        .collect()
}

fn secs(start: Instant) -> f64 {
    start.elapsed().as_secs_f64()
}

/// The table loaded on both sides: keyed by `id`, as a table queried by id would be.
const BENCH_TABLE: &str = "CREATE TABLE bench (id INTEGER PRIMARY KEY, name TEXT, age INTEGER)";

/// One bare GlueSQL instance: the faster of multi-row INSERT statements and the storage's
/// `insert_data` bulk path (rows keyed by their primary key, built in Rust), so the baseline
/// is GlueSQL at its best.
fn glue_load_seconds(batches: &[String]) -> Result<f64, String> {
    let mut glue = Glue::new(MemoryStorage::default());
    glue.execute(BENCH_TABLE).map_err(|e| e.to_string())?;
    let start = Instant::now();
    for sql in batches {
        glue.execute(sql).map_err(|e| e.to_string())?;
    }
    let sql_path = secs(start);

    use gluesql::core::data::{Key, Value as G};
    use gluesql::core::store::StoreMut;
    let mut glue2 = Glue::new(MemoryStorage::default());
    glue2.execute(BENCH_TABLE).map_err(|e| e.to_string())?;
    let mut storage = glue2.storage;
    let start = Instant::now();
    for b in 0..ROWS / BATCH {
        let rows: Vec<(Key, Vec<G>)> = (0..BATCH)
            .map(|i| {
                let id = (b * BATCH + i + 1) as i32;
                (
                    Key::I32(id),
                    vec![G::I32(id), G::Str(format!("user {id}")), G::I32(id % 90)],
                )
            })
            .collect();
        storage
            .insert_data("bench", rows)
            .map_err(|e| e.to_string())?;
    }
    let append_path = secs(start);
    Ok(sql_path.min(append_path))
}

fn cluster_load_seconds(batches: &[String]) -> PgResult<(Cluster, f64)> {
    let mut c = Cluster::with_workers(4);
    let s = c.session();
    c.execute(s, BENCH_TABLE)?;
    c.execute(s, "SELECT create_distributed_table('bench', 'id')")?;
    let start = Instant::now();
    for sql in batches {
        c.execute(s, sql)?;
    }
    Ok((c, secs(start)))
}

fn plan_micros(shards: u32) -> PgResult<f64> {
    let mut c = Cluster::new();
    let s = c.session();
    c.execute(s, &format!("SET citus.shard_count TO {shards}"))?;
    c.execute(s, "CREATE TABLE p (id INTEGER, v INTEGER)")?;
    c.execute(s, "SELECT create_distributed_table('p', 'id')")?;
    let stmts = parse_sql("SELECT v, count(*) FROM p WHERE id IN (1, 2, 3) OR v > 2 GROUP BY v")?;
    let Some(Statement::Query(q)) = stmts.first() else {
        return Ok(0.0);
    };
    let runs = 200;
    let start = Instant::now();
    for _ in 0..runs {
        let eval_const = |e: &sqlparser::ast::Expr| c.eval_const(e);
        planner::plan_select(q, &c.catalog, PlannerSettings::default(), &eval_const)?;
    }
    Ok(secs(start) * 1e6 / runs as f64)
}

/// Two ids of `bench` whose shards sit on the same worker, and one on another worker.
fn transfer_ids(cluster: &Cluster) -> PgResult<(i64, i64, i64)> {
    let node_of = |id: i64| -> PgResult<String> {
        let shard = cluster
            .catalog
            .shard_for_value("bench", &crate::types::Value::Int4(id as i32))?
            .map(|s| s.shard_id)
            .unwrap_or_default();
        Ok(cluster
            .catalog
            .task_node(shard)
            .map(|n| n.name.clone())
            .unwrap_or_default())
    };
    let first = node_of(1)?;
    let mut same = None;
    let mut other = None;
    for id in 2..1000 {
        let n = node_of(id)?;
        if n == first {
            same.get_or_insert(id);
        } else {
            other.get_or_insert(id);
        }
        if let (Some(a), Some(b)) = (same, other) {
            return Ok((1, a, b));
        }
    }
    Err(crate::error::PgError::internal("no ids on two workers"))
}

/// A transfer between two rows, BEGIN to COMMIT: both on one worker (one-phase commit) and
/// on two workers (two-phase commit), in microseconds per transfer.
fn transfer_micros(cluster: &mut Cluster) -> PgResult<(f64, f64)> {
    let s = cluster.session();
    let (a, same, other) = transfer_ids(cluster)?;
    let mut time = |to: i64| -> PgResult<f64> {
        let runs = 300;
        let start = Instant::now();
        for _ in 0..runs {
            cluster.execute(s, "BEGIN")?;
            cluster.execute(s, &format!("UPDATE bench SET age = age - 1 WHERE id = {a}"))?;
            cluster.execute(
                s,
                &format!("UPDATE bench SET age = age + 1 WHERE id = {to}"),
            )?;
            cluster.execute(s, "COMMIT")?;
        }
        Ok(secs(start) * 1e6 / runs as f64)
    };
    let one = time(same)?;
    let two = time(other)?;
    Ok((one, two))
}

/// The median of `runs` timings of `f`, in milliseconds.
fn median_ms<E>(runs: usize, mut f: impl FnMut() -> Result<(), E>) -> Result<f64, E> {
    let mut times = Vec::with_capacity(runs);
    for _ in 0..runs {
        let start = Instant::now();
        f()?;
        times.push(secs(start) * 1e3);
    }
    times.sort_by(f64::total_cmp);
    Ok(times.get(times.len() / 2).copied().unwrap_or(0.0))
}

const REPEATS: usize = 7;

/// The two tables of the join and aggregate figures: `id` keys, `k` spread over 1000 values.
const PAIR_TABLE: &str = "(id INTEGER, k INTEGER, v INTEGER)";

fn pair_batches(table: &str) -> Vec<String> {
    (0..ROWS / BATCH)
        .map(|b| {
            let values: Vec<String> = (0..BATCH)
                .map(|i| {
                    let id = b * BATCH + i + 1;
                    format!("({id}, {}, {})", id * 7 % 1000, id * 7919 % ROWS)
                })
                .collect();
            format!("INSERT INTO {table} VALUES {}", values.join(", "))
        })
        .collect()
}

const COUNT_SQL: &str = "SELECT count(*) FROM ja";
const GROUP_SQL: &str = "SELECT k % 100, count(*) FROM ja GROUP BY k % 100";
const JOIN_SQL: &str = "SELECT count(*) FROM ja JOIN jb ON ja.id = jb.id";
/// A scan that reads every row: `count(*)` alone is answered from the row count.
const ROW_SCAN_SQL: &str = "SELECT count(v) FROM ja";

/// Two co-located 32-shard tables of `ROWS` rows: the co-located join against two scans
/// that read every row of them (`count(*)` alone reads only the row count, so it is no longer
/// a scan to compare with; `count_32_tasks_ms` still reports it), and the 32-task count(*) and GROUP BY against one bare GlueSQL holding
/// the same rows, all in this run. Returns (join ratio, aggregate ratio, detail lines).
fn join_and_aggregate_figures() -> Result<(f64, f64, Vec<String>), String> {
    let err = |e: crate::error::PgError| e.to_string();
    let mut c = Cluster::with_workers(4);
    let s = c.session();
    c.execute(s, "SET citus.shard_count TO 32").map_err(err)?;
    for t in ["ja", "jb"] {
        c.execute(s, &format!("CREATE TABLE {t} {PAIR_TABLE}"))
            .map_err(err)?;
        c.execute(s, &format!("SELECT create_distributed_table('{t}', 'id')"))
            .map_err(err)?;
        for sql in pair_batches(t) {
            c.execute(s, &sql).map_err(err)?;
        }
    }
    let mut ours = |sql: &str| median_ms(REPEATS, || c.execute(s, sql).map(|_| ()));
    let count_a = ours(COUNT_SQL).map_err(err)?;
    let join = ours(JOIN_SQL).map_err(err)?;
    let scan_a = ours(ROW_SCAN_SQL).map_err(err)?;
    let scan_b = ours(&ROW_SCAN_SQL.replace("ja", "jb")).map_err(err)?;
    let group = ours(GROUP_SQL).map_err(err)?;

    let mut glue = Glue::new(MemoryStorage::default());
    glue.execute(format!("CREATE TABLE ja {PAIR_TABLE}"))
        .map_err(|e| e.to_string())?;
    for sql in pair_batches("ja") {
        glue.execute(&sql).map_err(|e| e.to_string())?;
    }
    let mut theirs = |sql: &str| median_ms(REPEATS, || glue.execute(sql).map(|_| ()));
    let glue_count = theirs(COUNT_SQL).map_err(|e| e.to_string())?;
    let glue_group = theirs(GROUP_SQL).map_err(|e| e.to_string())?;

    let lines = vec![
        format!("count_32_tasks_ms: {count_a:.1}"),
        format!("group_by_32_tasks_ms: {group:.1}"),
        format!("colocated_join_ms: {join:.1}"),
        format!("row_scan_32_tasks_ms: {scan_a:.1}"),
        format!("count_single_glue_ms: {glue_count:.1}"),
        format!("group_by_single_glue_ms: {glue_group:.1}"),
    ];
    let join_ratio = join / (scan_a + scan_b);
    let aggregate_ratio = (count_a + group) / (glue_count + glue_group);
    Ok((join_ratio, aggregate_ratio, lines))
}

/// Runs every benchmark and returns the report.
/// Streaming replication: how fast standbys replay the 100,000-row load (every worker has a
/// standby whose link holds the WAL back until the load is done, then delivers it at once),
/// and the logical time (in seconds, a tick each) from a worker's crash to a query that needs
/// it being answered again, with the HA manager on and statements sent every tick.
fn replication_figures(batches: &[String]) -> Result<(f64, i64), String> {
    let e = |e: crate::error::PgError| e.to_string();
    let mut c = Cluster::with_workers(4);
    let s = c.session();
    c.execute(s, BENCH_TABLE).map_err(e)?;
    c.execute(s, "SELECT create_distributed_table('bench', 'id')")
        .map_err(e)?;
    for w in 1..=4 {
        c.add_standby(
            &format!("worker-{w}"),
            None,
            crate::replication::SyncMode::Async,
            3_600_000_000,
        )
        .map_err(e)?;
    }
    for sql in batches {
        c.execute(s, sql).map_err(e)?;
    }
    let start = Instant::now();
    c.ship_wal(true);
    let replay = secs(start);
    let lagging = c.standbys().iter().filter(|st| st.lag_bytes > 0).count();
    if lagging > 0 {
        return Err(format!("{lagging} standbys did not catch up"));
    }
    c.set_ha(true);
    let crashed_at = c.sim_time_us();
    c.crash("worker-2").map_err(e)?;
    let mut resumed = None;
    for _ in 0..600 {
        c.tick(1_000_000);
        if c.execute(s, "SELECT count(*) FROM bench").is_ok() {
            resumed = Some(c.sim_time_us());
            break;
        }
    }
    let resumed = resumed.ok_or("traffic did not resume after the crash")?;
    Ok((ROWS as f64 / replay, (resumed - crashed_at) / 1_000_000))
}

pub fn run() -> Result<String, String> {
    let mut out = Vec::new();
    let batches = insert_batches("bench");
    let glue = glue_load_seconds(&batches)?;
    let (mut cluster, ours) = cluster_load_seconds(&batches).map_err(|e| e.to_string())?;
    out.push(format!("load_rows: {ROWS}"));
    out.push(format!("load_single_glue_ms: {:.1}", glue * 1e3));
    out.push(format!("load_distributed_ms: {:.1}", ours * 1e3));
    out.push(format!("load_ratio_vs_single_glue: {:.2}", ours / glue));

    let s = cluster.session();
    let runs = 1000;
    let start = Instant::now();
    for i in 0..runs {
        cluster
            .execute(
                s,
                &format!("SELECT name FROM bench WHERE id = {}", i * 97 % ROWS + 1),
            )
            .map_err(|e| e.to_string())?;
    }
    out.push(format!(
        "router_query_us: {:.1}",
        secs(start) * 1e6 / runs as f64
    ));

    let runs = 10;
    let start = Instant::now();
    for _ in 0..runs {
        cluster
            .execute(s, "SELECT age, count(*), avg(id) FROM bench GROUP BY age")
            .map_err(|e| e.to_string())?;
    }
    out.push(format!(
        "aggregate_32_tasks_ms: {:.1}",
        secs(start) * 1e3 / runs as f64
    ));

    let (one_phase, two_phase) = transfer_micros(&mut cluster).map_err(|e| e.to_string())?;
    out.push(format!("txn_1pc_us: {one_phase:.1}"));
    out.push(format!("txn_2pc_us: {two_phase:.1}"));

    let (join_ratio, aggregate_ratio, lines) = join_and_aggregate_figures()?;
    out.extend(lines);
    out.push(format!("colocated_join_ratio: {join_ratio:.2}"));
    out.push(format!(
        "aggregate_ratio_vs_single_glue: {aggregate_ratio:.2}"
    ));

    let (replay_rate, failover_ticks) = replication_figures(&batches)?;
    out.push(format!("replay_rows_per_s: {replay_rate:.0}"));
    out.push(format!("failover_ticks: {failover_ticks}"));

    for shards in [32, 128, 512, 1024] {
        let us = plan_micros(shards).map_err(|e| e.to_string())?;
        out.push(format!("plan_{shards}_shards_us: {us:.1}"));
    }
    Ok(out.join("\n"))
}
