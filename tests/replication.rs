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
