//! Streaming replication end to end through `Cluster`: standbys converge to their primaries
//! (contents compared by checksum), refuse writes from any path, keep prepared transactions
//! across a promotion, refuse a damaged record, and every WAL shipment is in the trace.

use shardscope::cluster::Cluster;
use shardscope::replication::SyncMode;
use shardscope::session::SessionId;
use shardscope::sql::Outcome;
use shardscope::trace::MessageKind;
use shardscope::types::Value;

fn run(c: &mut Cluster, s: SessionId, sql: &str) {
    if let Err(e) = c.execute(s, sql) {
        panic!("{sql}\n{e}");
    }
}

fn scalar(c: &mut Cluster, s: SessionId, sql: &str) -> Value {
    match c.execute(s, sql).map(|o| o.outcome) {
        Ok(Outcome::Rows(rs)) => rs.rows[0][0].clone(),
        other => panic!("{sql}: {other:?}"),
    }
}

fn cluster_with_ledger() -> (Cluster, SessionId) {
    let mut c = Cluster::new();
    let s = c.session();
    for sql in [
        "CREATE TABLE ledger (id int PRIMARY KEY, amount int)",
        "SELECT create_distributed_table('ledger', 'id')",
        "INSERT INTO ledger SELECT g, g FROM generate_series(1, 200) g",
    ] {
        run(&mut c, s, sql);
    }
    (c, s)
}

#[test]
fn a_standby_converges_to_its_primary_through_every_kind_of_change() {
    let (mut c, s) = cluster_with_ledger();
    c.add_standby("worker-1", None, SyncMode::Async, 5_000_000)
        .unwrap();
    c.add_standby("coordinator", None, SyncMode::Async, 0)
        .unwrap();
    for sql in [
        "INSERT INTO ledger SELECT g, g FROM generate_series(201, 400) g",
        "UPDATE ledger SET amount = amount * 2 WHERE id % 3 = 0",
        "DELETE FROM ledger WHERE id % 7 = 0",
        "ALTER TABLE ledger ADD COLUMN note text DEFAULT 'n'",
        "CREATE TABLE kinds (k text PRIMARY KEY)",
        "SELECT create_reference_table('kinds')",
        "INSERT INTO kinds VALUES ('a'), ('b')",
        "CREATE VIEW big AS SELECT * FROM kinds WHERE k > 'a'",
        "CREATE SEQUENCE numbers",
        "SELECT nextval('numbers')",
        "BEGIN",
        "UPDATE ledger SET amount = 0 WHERE id = 1",
        "UPDATE ledger SET amount = 0 WHERE id = 2",
        "COMMIT",
        "TRUNCATE kinds",
        "INSERT INTO kinds VALUES ('c')",
    ] {
        run(&mut c, s, sql);
    }
    // The delayed link has not delivered everything yet.
    let lagging = c
        .standbys()
        .into_iter()
        .find(|st| st.primary == "worker-1")
        .unwrap();
    assert!(lagging.lag_bytes > 0, "{lagging:?}");
    assert_ne!(
        c.content_checksum("worker-1"),
        c.content_checksum("worker-1-standby")
    );
    c.tick(5_000_000);
    assert_eq!(
        c.content_checksum("worker-1"),
        c.content_checksum("worker-1-standby")
    );
    assert_eq!(
        c.content_checksum("coordinator"),
        c.content_checksum("coordinator-standby")
    );
    // Objects outside tables travel too.
    let standby = c.node_db("coordinator-standby").unwrap();
    assert!(standby.views.contains_key("big"));
    assert!(standby.sequences.borrow().contains_key("numbers"));
    // Every shipment is a message from the primary to its standby.
    let shipped = c
        .trace_events()
        .iter()
        .filter(|e| e.kind == MessageKind::Wal && e.to == "worker-1-standby")
        .count();
    assert!(shipped >= 2, "{shipped}");
}

#[test]
fn writes_are_refused_on_a_standby_whatever_path_they_take() {
    let (mut c, s) = cluster_with_ledger();
    c.add_standby("worker-1", None, SyncMode::Async, 0).unwrap();
    c.connect(s, "worker-1-standby").unwrap();
    for (sql, tag) in [
        ("INSERT INTO ledger VALUES (1000, 1)", "INSERT"),
        ("UPDATE ledger SET amount = 1", "UPDATE"),
        ("DELETE FROM ledger_102008", "DELETE"),
        ("CREATE TABLE t (x int)", "CREATE TABLE"),
        ("DROP TABLE ledger_102008", "DROP TABLE"),
    ] {
        let e = c.execute(s, sql).unwrap_err();
        assert_eq!(
            e.message,
            format!("cannot execute {tag} in a read-only transaction"),
            "{sql}"
        );
    }
    // A read of a distributed table from the standby is served.
    assert_eq!(
        scalar(&mut c, s, "SELECT count(*) FROM ledger_102008").as_i64(),
        c.node_table_rows("worker-1", "ledger_102008")
            .map(|rs| rs.rows.len() as i64)
            .ok()
    );
}

#[test]
fn a_promoted_standby_keeps_the_transactions_its_primary_had_prepared() {
    let (mut c, s) = cluster_with_ledger();
    c.add_standby("worker-2", None, SyncMode::Sync, 0).unwrap();
    // worker-2 prepares, then crashes before COMMIT PREPARED reaches it.
    c.arm_fault("worker-2", Some("after-commit-record"))
        .unwrap();
    for sql in [
        "BEGIN",
        "UPDATE ledger SET amount = -1 WHERE id = 1",
        "UPDATE ledger SET amount = -2 WHERE id = 2",
        "COMMIT",
    ] {
        let _ = c.execute(s, sql);
    }
    assert!(!c.network.node("worker-2").unwrap().is_up());
    let pending = c.network.node("worker-2-standby").unwrap().prepared_view();
    assert_eq!(pending.len(), 1, "{pending:?}");
    c.failover("worker-2").unwrap();
    // The promoted server holds the prepared branch; recovery commits it.
    assert_eq!(c.network.node("worker-2").unwrap().prepared.len(), 1);
    run(&mut c, s, "SELECT recover_prepared_transactions()");
    assert!(c.network.node("worker-2").unwrap().prepared.is_empty());
    let amounts = match c
        .execute(
            s,
            "SELECT amount FROM ledger WHERE id IN (1, 2) ORDER BY id",
        )
        .unwrap()
        .outcome
    {
        Outcome::Rows(rs) => rs.rows,
        other => panic!("{other:?}"),
    };
    assert_eq!(amounts, vec![vec![Value::Int4(-1)], vec![Value::Int4(-2)]]);
}

#[test]
fn a_damaged_record_stops_replay() {
    let (mut c, s) = cluster_with_ledger();
    c.add_standby("worker-1", None, SyncMode::Async, 60_000_000)
        .unwrap();
    run(&mut c, s, "UPDATE ledger SET amount = 0");
    let before = c.content_checksum("worker-1-standby");
    let mut record = c
        .network
        .node("worker-1")
        .unwrap()
        .wal
        .records
        .back()
        .cloned()
        .unwrap();
    assert!(record.is_intact());
    record.xid += 1;
    let now = c.now();
    let delivered = c
        .network
        .ship("worker-1", "worker-1-standby", &[record], now);
    assert!(delivered.is_ok());
    assert_eq!(c.content_checksum("worker-1-standby"), before);
    assert!(c
        .trace_events()
        .iter()
        .any(|e| e.kind == MessageKind::Fault && e.sql.contains("checksum")));
}

#[test]
fn lsns_only_grow_and_nothing_is_kept_without_a_standby() {
    let (mut c, s) = cluster_with_ledger();
    let lsn = |c: &mut Cluster| scalar(c, s, "SELECT pg_current_wal_lsn()");
    c.connect(s, "worker-1").unwrap();
    let first = lsn(&mut c);
    run(&mut c, s, "UPDATE ledger_102008 SET amount = amount + 1");
    let second = lsn(&mut c);
    let diff = scalar(
        &mut c,
        s,
        &format!(
            "SELECT pg_wal_lsn_diff('{}', '{}')",
            second.to_pg_text().unwrap(),
            first.to_pg_text().unwrap()
        ),
    );
    assert!(
        diff.as_decimal()
            .is_some_and(|d| d.is_sign_positive() && !d.is_zero()),
        "{diff:?}"
    );
    assert!(c.network.node("worker-1").unwrap().wal.records.is_empty());
}

/// The number of rows `ledger` has on `server` (a worker's shards, or a standby's copy).
fn ledger_rows_on(c: &mut Cluster, server: &str) -> usize {
    c.server_contents(server)
        .iter()
        .filter(|(table, _)| table.starts_with("ledger_"))
        .map(|(_, rows)| rows.len())
        .sum()
}

#[test]
fn a_commit_waits_for_its_synchronous_standby_and_a_cancel_keeps_it() {
    use shardscope::session::Completion;
    let (mut c, s) = cluster_with_ledger();
    c.add_standby("worker-1", None, SyncMode::Sync, 0)
        .unwrap_or_else(|e| panic!("{e}"));
    c.crash("worker-1-standby")
        .unwrap_or_else(|e| panic!("{e}"));
    // A multi-shard insert touches both workers: worker-1's commit waits.
    let reply = c.execute_reply(
        s,
        "INSERT INTO ledger SELECT g, g FROM generate_series(201, 210) g",
    );
    let Completion::Waiting(info) = &reply.completion else {
        panic!("the commit should wait: {reply:?}");
    };
    assert_eq!(info.node, "worker-1");
    assert!(info.sync_lsn.is_some(), "{info:?}");
    // Committed on the primaries already: another session sees the rows.
    let other = c.session();
    assert_eq!(
        scalar(&mut c, other, "SELECT count(*) FROM ledger"),
        Value::Int8(210)
    );
    // The standby comes back, catches up, and the commit returns.
    c.restart("worker-1-standby")
        .unwrap_or_else(|e| panic!("{e}"));
    let finished = c.take_finished();
    assert_eq!(finished.len(), 1, "{finished:?}");
    assert!(finished[0].reply.clone().into_result().is_ok());
    assert_eq!(
        ledger_rows_on(&mut c, "worker-1-standby"),
        ledger_rows_on(&mut c, "worker-1")
    );
    // Cancelled, the wait ends with PostgreSQL's warning and the commit stays.
    c.crash("worker-1-standby")
        .unwrap_or_else(|e| panic!("{e}"));
    let reply = c.execute_reply(
        s,
        "INSERT INTO ledger SELECT g, g FROM generate_series(211, 220) g",
    );
    assert!(matches!(reply.completion, Completion::Waiting(_)));
    assert!(c.cancel(s));
    let finished = c.take_finished();
    let out = finished[0]
        .reply
        .clone()
        .into_result()
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        out.notices[0].message,
        "canceling wait for synchronous replication due to user request"
    );
    assert_eq!(
        scalar(&mut c, s, "SELECT count(*) FROM ledger"),
        Value::Int8(220)
    );
}

#[test]
fn first_one_of_two_standbys_keeps_commits_going_when_one_fails() {
    use shardscope::session::Completion;
    let (mut c, s) = cluster_with_ledger();
    for _ in 0..2 {
        c.add_standby("worker-2", None, SyncMode::Async, 0)
            .unwrap_or_else(|e| panic!("{e}"));
    }
    let w = c.session();
    c.connect(w, "worker-2").unwrap_or_else(|e| panic!("{e}"));
    run(
        &mut c,
        w,
        "ALTER SYSTEM SET synchronous_standby_names = 'FIRST 1 (*)'",
    );
    run(&mut c, w, "SELECT pg_reload_conf()");
    let states = |c: &mut Cluster| -> Vec<Value> {
        match c
            .execute(
                w,
                "SELECT sync_state FROM pg_stat_replication ORDER BY application_name",
            )
            .map(|o| o.outcome)
        {
            Ok(Outcome::Rows(rs)) => rs.rows.into_iter().map(|r| r[0].clone()).collect(),
            other => panic!("{other:?}"),
        }
    };
    assert_eq!(
        states(&mut c),
        vec![Value::Text("sync".into()), Value::Text("potential".into())]
    );
    // The synchronous one fails: the potential one takes its place and nothing waits.
    c.crash("worker-2-standby")
        .unwrap_or_else(|e| panic!("{e}"));
    let reply = c.execute_reply(
        s,
        "INSERT INTO ledger SELECT g, g FROM generate_series(201, 240) g",
    );
    assert!(
        matches!(reply.completion, Completion::Done(Ok(_))),
        "{reply:?}"
    );
    assert_eq!(states(&mut c), vec![Value::Text("sync".into())]);
    // Both down: commits on worker-2 wait.
    c.crash("worker-2-standby-2")
        .unwrap_or_else(|e| panic!("{e}"));
    let reply = c.execute_reply(
        s,
        "INSERT INTO ledger SELECT g, g FROM generate_series(241, 280) g",
    );
    assert!(
        matches!(reply.completion, Completion::Waiting(_)),
        "{reply:?}"
    );
}
