//! Transactions through the cluster runtime: what crosses the network for one and two phase
//! commits, isolation between sessions, locks, crashes and recovery, and determinism.

use shardscope::cluster::Cluster;
use shardscope::session::{Completion, SessionId};
use shardscope::sql::Outcome;
use shardscope::trace::MessageKind;
use shardscope::types::Value;

fn run(c: &mut Cluster, s: SessionId, sql: &str) {
    if let Err(e) = c.execute(s, sql) {
        panic!("{sql}: {e}");
    }
}

fn ints(c: &mut Cluster, s: SessionId, sql: &str) -> Vec<i64> {
    match c.execute(s, sql).map(|o| o.outcome) {
        Ok(Outcome::Rows(rs)) => rs
            .rows
            .iter()
            .map(|r| r[0].as_i64().unwrap_or(i64::MIN))
            .collect(),
        other => panic!("{sql}: {other:?}"),
    }
}

/// Accounts 1..4: 1 and 3 live on worker-2, 2 and 4 on worker-1.
fn bank() -> (Cluster, SessionId) {
    let mut c = Cluster::new();
    let s = c.session();
    for sql in [
        "ALTER SYSTEM SET citus.recover_2pc_interval TO -1",
        "SELECT pg_reload_conf()",
        "CREATE TABLE accounts (id int PRIMARY KEY, balance int)",
        "SELECT create_distributed_table('accounts', 'id')",
        "INSERT INTO accounts VALUES (1, 100), (2, 100), (3, 100), (4, 100)",
        "SELECT recover_prepared_transactions()",
    ] {
        run(&mut c, s, sql);
    }
    (c, s)
}

fn kinds_since(c: &Cluster, from: usize) -> Vec<(MessageKind, String)> {
    c.trace_events()[from..]
        .iter()
        .map(|e| (e.kind, e.to.clone()))
        .collect()
}

#[test]
fn one_worker_commits_with_one_phase_two_workers_with_two() {
    let (mut c, s) = bank();
    let mark = c.trace_events().len();
    for sql in [
        "BEGIN",
        "UPDATE accounts SET balance = balance - 1 WHERE id = 2",
        "UPDATE accounts SET balance = balance + 1 WHERE id = 4",
        "COMMIT",
    ] {
        run(&mut c, s, sql);
    }
    let one = kinds_since(&c, mark);
    assert_eq!(
        one.iter().filter(|k| k.0 == MessageKind::Prepare).count(),
        0
    );
    assert!(one.contains(&(MessageKind::Commit, "worker-1".into())));
    assert!(ints(&mut c, s, "SELECT count(*) FROM pg_dist_transaction")[0] == 0);

    let mark = c.trace_events().len();
    for sql in [
        "BEGIN",
        "UPDATE accounts SET balance = balance - 1 WHERE id = 1",
        "UPDATE accounts SET balance = balance + 1 WHERE id = 2",
        "COMMIT",
    ] {
        run(&mut c, s, sql);
    }
    let two = kinds_since(&c, mark);
    let prepares: Vec<&String> = two
        .iter()
        .filter(|k| k.0 == MessageKind::Prepare)
        .map(|k| &k.1)
        .collect();
    assert_eq!(
        prepares,
        vec!["worker-2", "worker-1"],
        "in the order they began"
    );
    assert_eq!(
        two.iter()
            .filter(|k| k.0 == MessageKind::CommitPrepared)
            .count(),
        2
    );
    // The decision comes between the prepares and the commits.
    let decision = two.iter().position(|k| k.0 == MessageKind::Decision);
    let last_prepare = two.iter().rposition(|k| k.0 == MessageKind::Prepare);
    let first_commit = two.iter().position(|k| k.0 == MessageKind::CommitPrepared);
    assert!(last_prepare < decision && decision < first_commit);
    // A record per participant, named as Citus names them.
    let groups = ints(
        &mut c,
        s,
        "SELECT groupid FROM pg_dist_transaction ORDER BY groupid",
    );
    assert_eq!(groups, vec![1, 2]);
    let gids = c.execute(s, "SELECT gid FROM pg_dist_transaction").unwrap();
    if let Outcome::Rows(rs) = gids.outcome {
        for r in rs.rows {
            let g = r[0].to_pg_text().unwrap_or_default();
            let parts: Vec<&str> = g.split('_').collect();
            assert_eq!(parts.len(), 5, "{g}");
            assert_eq!((parts[0], parts[1]), ("citus", "0"));
            assert!(parts[2..].iter().all(|p| p.parse::<u64>().is_ok()), "{g}");
        }
    }
}

#[test]
fn other_sessions_see_only_committed_rows_and_wait_for_locked_ones() {
    let (mut c, s1) = bank();
    let s2 = c.session();
    run(&mut c, s1, "BEGIN");
    run(&mut c, s1, "UPDATE accounts SET balance = 0 WHERE id = 1");
    run(&mut c, s1, "INSERT INTO accounts VALUES (9, 9)");
    assert_eq!(
        ints(&mut c, s1, "SELECT balance FROM accounts WHERE id = 1"),
        vec![0]
    );
    assert_eq!(
        ints(&mut c, s2, "SELECT balance FROM accounts WHERE id = 1"),
        vec![100]
    );
    assert_eq!(ints(&mut c, s2, "SELECT count(*) FROM accounts"), vec![4]);
    let reply = c.execute_reply(s2, "UPDATE accounts SET balance = balance + 1 WHERE id = 1");
    let Completion::Waiting(w) = reply.completion else {
        panic!("expected a lock wait: {reply:?}");
    };
    assert_eq!((w.holder_session, w.node.as_str()), (Some(s1), "worker-2"));
    assert!(c.session_view(s2).is_some_and(|v| v.waiting.is_some()));
    run(&mut c, s1, "COMMIT");
    let finished = c.take_finished();
    assert_eq!(finished.len(), 1);
    assert_eq!(finished[0].session, s2);
    assert!(matches!(
        finished[0].reply.completion,
        Completion::Done(Ok(_))
    ));
    assert_eq!(
        ints(&mut c, s2, "SELECT balance FROM accounts WHERE id = 1"),
        vec![1]
    );
    assert_eq!(ints(&mut c, s2, "SELECT count(*) FROM accounts"), vec![5]);
}

#[test]
fn a_crash_loses_open_work_and_keeps_prepared_branches() {
    let (mut c, s) = bank();
    run(&mut c, s, "BEGIN");
    run(&mut c, s, "UPDATE accounts SET balance = 1 WHERE id = 2");
    let w2 = c.session();
    c.connect(w2, "worker-1").unwrap();
    let shard = c
        .catalog
        .shard_for_value("accounts", &Value::Int4(4))
        .unwrap()
        .unwrap()
        .name();
    run(&mut c, w2, "BEGIN");
    run(
        &mut c,
        w2,
        &format!("UPDATE {shard} SET balance = 7 WHERE id = 4"),
    );
    run(&mut c, w2, "PREPARE TRANSACTION 'kept'");
    c.crash("worker-1").unwrap();
    c.restart("worker-1").unwrap();
    let node = c.network.node("worker-1").unwrap();
    assert_eq!(node.prepared.len(), 1);
    assert_eq!(node.prepared[0].gid, "kept");
    // the block's connection to worker-1 died with it: COMMIT cannot succeed
    assert!(c.execute(s, "COMMIT").is_err());
    assert_eq!(
        ints(&mut c, s, "SELECT balance FROM accounts WHERE id = 2"),
        vec![100]
    );
    assert_eq!(
        ints(&mut c, s, "SELECT balance FROM accounts WHERE id = 4"),
        vec![100]
    );
    // recovery leaves a gid that is not Citus's alone
    run(&mut c, s, "SELECT recover_prepared_transactions()");
    assert_eq!(c.network.node("worker-1").unwrap().prepared.len(), 1);
    // the client on worker-1 finds its connection gone once, then reconnects
    assert!(c.execute(w2, "SELECT 1").is_err());
    run(&mut c, w2, "COMMIT PREPARED 'kept'");
    assert_eq!(
        ints(&mut c, s, "SELECT balance FROM accounts WHERE id = 4"),
        vec![7]
    );
}

#[test]
fn recovery_commits_what_the_decision_recorded_and_rolls_back_the_rest() {
    for (node, step, committed) in [
        ("worker-1", "before-prepare", false),
        ("worker-1", "after-prepare", false),
        ("worker-1", "after-commit-record", true),
        ("worker-1", "during-commit-prepared", true),
        ("coordinator", "before-prepare", false),
        ("coordinator", "after-prepare", false),
        ("coordinator", "after-commit-record", true),
        ("coordinator", "during-commit-prepared", true),
    ] {
        let (mut c, s) = bank();
        c.arm_fault(node, Some(step)).unwrap();
        run(&mut c, s, "BEGIN");
        run(
            &mut c,
            s,
            "UPDATE accounts SET balance = balance - 10 WHERE id = 1",
        );
        run(
            &mut c,
            s,
            "UPDATE accounts SET balance = balance + 10 WHERE id = 2",
        );
        let _ = c.execute(s, "COMMIT");
        assert!(
            !c.network.node(node).unwrap().is_up(),
            "{node} {step}: the fault fired"
        );
        c.restart(node).unwrap();
        // A session cut off by the crash reconnects on its second statement.
        let _ = c.execute(s, "SELECT 1");
        run(&mut c, s, "SELECT recover_prepared_transactions()");
        let balances = ints(
            &mut c,
            s,
            "SELECT balance FROM accounts WHERE id IN (1, 2) ORDER BY id",
        );
        let expected = if committed {
            vec![90, 110]
        } else {
            vec![100, 100]
        };
        assert_eq!(balances, expected, "{node} {step}");
        for n in c.network.nodes() {
            assert!(
                n.prepared.is_empty(),
                "{node} {step}: {} keeps a branch",
                n.name
            );
            assert_eq!(
                n.db.storage.owned_rows(),
                0,
                "{node} {step}: {} keeps locks",
                n.name
            );
        }
        assert_eq!(
            ints(&mut c, s, "SELECT count(*) FROM pg_dist_transaction"),
            vec![0]
        );
    }
}

#[test]
fn a_rolled_back_distribution_leaves_no_shards_anywhere() {
    let (mut c, s) = bank();
    run(&mut c, s, "BEGIN");
    run(&mut c, s, "CREATE TABLE t (id int PRIMARY KEY)");
    run(&mut c, s, "SELECT create_distributed_table('t', 'id')");
    run(&mut c, s, "INSERT INTO t VALUES (1), (2), (3)");
    let during = c.shards().iter().filter(|x| x.table == "t").count();
    assert_eq!(during, 32);
    run(&mut c, s, "ROLLBACK");
    assert!(c.catalog.table("t").is_none());
    assert!(c.shards().iter().all(|x| x.table != "t"));
    for n in c.network.nodes() {
        assert!(
            n.db.storage
                .tables
                .keys()
                .all(|t| t != "t" && !t.starts_with("t_")),
            "{} keeps a table of t",
            n.name
        );
    }
    // and it can be created again
    run(&mut c, s, "CREATE TABLE t (id int PRIMARY KEY)");
    run(&mut c, s, "SELECT create_distributed_table('t', 'id')");
}

#[test]
fn a_link_cut_times_out_and_a_worker_down_refuses() {
    let (mut c, s) = bank();
    c.disconnect("worker-1").unwrap();
    let e = c
        .execute(s, "SELECT * FROM accounts WHERE id = 2")
        .unwrap_err();
    assert_eq!(
        e.message,
        "could not establish any connections to the node 127.0.0.1:9701 after 30000 ms"
    );
    assert!(c.execute(s, "SELECT * FROM accounts WHERE id = 1").is_ok());
    c.reconnect("worker-1").unwrap();
    c.crash("worker-1").unwrap();
    let e = c
        .execute(s, "SELECT * FROM accounts WHERE id = 2")
        .unwrap_err();
    assert!(e.message.starts_with(
        "connection to the remote node postgres@127.0.0.1:9701 failed with the following error: Connection refused"
    ));
    // every message that did not arrive is in the trace
    assert!(c
        .last_statement_events()
        .iter()
        .any(|e| e.kind == MessageKind::Lost || e.kind == MessageKind::TaskError));
}

#[test]
fn the_same_seed_gives_the_same_trace_and_another_seed_other_pids() {
    let trace = |seed: u64| {
        let mut c = Cluster::with_seed(seed, 2);
        let s = c.session();
        for sql in [
            "CREATE TABLE t (id int PRIMARY KEY, v int)",
            "SELECT create_distributed_table('t', 'id')",
            "BEGIN",
            "INSERT INTO t VALUES (1, 1), (2, 2), (3, 3)",
            "COMMIT",
        ] {
            run(&mut c, s, sql);
        }
        c.trace_events().to_vec()
    };
    let a = trace(7);
    assert_eq!(a, trace(7));
    let gids = |t: &[shardscope::trace::TraceEvent]| -> Vec<String> {
        t.iter().filter_map(|e| e.gid.clone()).collect()
    };
    assert_ne!(
        gids(&a),
        gids(&trace(8)),
        "the coordinator's pid comes from the seed"
    );
}

#[test]
fn waiting_statements_can_be_cancelled() {
    let (mut c, s1) = bank();
    let s2 = c.session();
    run(&mut c, s1, "BEGIN");
    run(&mut c, s1, "UPDATE accounts SET balance = 0 WHERE id = 3");
    let reply = c.execute_reply(s2, "UPDATE accounts SET balance = 5 WHERE id = 3");
    assert!(matches!(reply.completion, Completion::Waiting(_)));
    assert!(c.cancel(s2));
    let f = c.take_finished();
    match &f[0].reply.completion {
        Completion::Done(Err(e)) => {
            assert_eq!(e.message, "canceling statement due to user request")
        }
        other => panic!("{other:?}"),
    }
    run(&mut c, s1, "COMMIT");
    assert_eq!(
        ints(&mut c, s2, "SELECT balance FROM accounts WHERE id = 3"),
        vec![0]
    );
}
