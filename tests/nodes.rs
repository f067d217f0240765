//! Node management through `Cluster`: disabling a worker (and what Citus refuses), activating
//! it again, moving a node's address, and reads of replicated tables while a worker is down.

use shardscope::cluster::Cluster;
use shardscope::error::Severity;
use shardscope::session::SessionId;
use shardscope::sql::{Outcome, ResultSet};
use shardscope::types::Value;

#[path = "support/cluster.rs"]
mod support;
use support::{err, rows, run};

/// Every value of a result as text, row by row.
fn texts(rs: &ResultSet) -> Vec<Vec<String>> {
    rs.rows
        .iter()
        .map(|r| {
            r.iter()
                .map(|v| v.to_pg_text().unwrap_or_default())
                .collect()
        })
        .collect()
}

fn one(c: &mut Cluster, s: SessionId, sql: &str) -> String {
    texts(&rows(c, s, sql))
        .first()
        .and_then(|r| r.first().cloned())
        .unwrap_or_default()
}

const PLACEMENTS: &str = "SELECT s.logicalrelid::regclass::text, p.nodeport, count(*) \
     FROM pg_dist_shard s JOIN pg_dist_shard_placement p USING (shardid) \
     GROUP BY 1, 2 ORDER BY 1, 2";

/// A cluster with a replication-factor-2 table and a reference table, both filled.
fn replicated() -> (Cluster, SessionId) {
    let mut c = Cluster::new();
    let s = c.session();
    for sql in [
        "SET citus.shard_replication_factor = 2",
        "CREATE TABLE events (id int PRIMARY KEY, kind text, n int)",
        "SELECT create_distributed_table('events', 'id')",
        "RESET citus.shard_replication_factor",
        "CREATE TABLE kinds (kind text PRIMARY KEY, label text)",
        "SELECT create_reference_table('kinds')",
        "INSERT INTO events SELECT g, 'k' || (g % 3), g * 10 FROM generate_series(1, 10) g",
        "INSERT INTO kinds VALUES ('k0', 'zero'), ('k1', 'one'), ('k2', 'two')",
    ] {
        run(&mut c, s, sql);
    }
    (c, s)
}

#[test]
fn disabling_refuses_the_only_placement_of_a_shard_and_the_first_worker() {
    let mut c = Cluster::new();
    let s = c.session();
    run(&mut c, s, "CREATE TABLE t (id int PRIMARY KEY)");
    run(&mut c, s, "SELECT create_distributed_table('t', 'id')");
    for sql in [
        "SELECT citus_disable_node('127.0.0.1', 9702)",
        "SELECT citus_disable_node('127.0.0.1', 9702, synchronous => true)",
    ] {
        let e = err(&mut c, s, sql);
        assert_eq!(
            e.message,
            "cannot remove or disable the node 127.0.0.1:9702 because because it contains the only shard placement for shard 102009"
        );
        assert_eq!(
            e.detail.as_deref(),
            Some(
                "One of the table(s) that prevents the operation complete successfully is public.t"
            )
        );
    }
    let e = err(&mut c, s, "SELECT citus_disable_node('127.0.0.1', 9701)");
    assert_eq!(
        e.message,
        "disabling the first worker node in the metadata is not allowed"
    );
    assert_eq!(
        e.hint.as_deref(),
        Some("You can force disabling node, SELECT citus_disable_node('127.0.0.1', 9701, synchronous:=true);")
    );
    let e = err(
        &mut c,
        s,
        "SELECT citus_disable_node('127.0.0.1', 9702, force => true)",
    );
    assert_eq!(
        e.message,
        "function citus_disable_node(unknown, integer, force => boolean) does not exist"
    );
    let e = err(&mut c, s, "SELECT citus_disable_node('127.0.0.1', 9700)");
    assert_eq!(
        e.message,
        "cannot change \"isactive\" field of the coordinator node"
    );
    let active = rows(
        &mut c,
        s,
        "SELECT isactive FROM pg_dist_node ORDER BY nodeid",
    );
    assert!(active.rows.iter().all(|r| r == &vec![Value::Bool(true)]));
}

#[test]
fn a_multi_shard_read_of_a_replicated_table_warns_and_uses_the_other_copy() {
    let (mut c, s) = replicated();
    c.crash("worker-2").expect("crash");
    let out = run(&mut c, s, "SELECT count(*) FROM events");
    let warnings: Vec<&str> = out
        .notices
        .iter()
        .filter(|n| n.severity == Severity::Warning)
        .map(|n| n.message.as_str())
        .collect();
    assert_eq!(
        warnings,
        vec!["connection to the remote node postgres@127.0.0.1:9702 failed with the following error: Connection refused\n\tIs the server running on that host and accepting TCP/IP connections?"]
    );
    let Outcome::Rows(rs) = out.outcome else {
        panic!("count(*) gave no rows");
    };
    assert_eq!(texts(&rs), vec![vec!["10".to_string()]]);
    // Writes need every copy.
    let e = err(&mut c, s, "UPDATE events SET n = n + 1");
    assert!(e.message.contains("127.0.0.1:9702"), "{}", e.message);
}

#[test]
fn a_disabled_node_is_skipped_and_activation_drops_its_replicated_placements() {
    let (mut c, s) = replicated();
    c.crash("worker-2").expect("crash");
    run(&mut c, s, "SELECT citus_disable_node('127.0.0.1', 9702)");
    assert_eq!(
        one(
            &mut c,
            s,
            "SELECT isactive FROM pg_dist_node WHERE nodeport = 9702"
        ),
        "f"
    );
    assert_eq!(
        texts(&rows(
            &mut c,
            s,
            "SELECT node_port FROM citus_get_active_worker_nodes()"
        )),
        vec![vec!["9701".to_string()]]
    );
    // Reads and writes skip the disabled node, without a warning.
    let out = run(&mut c, s, "SELECT count(*) FROM events");
    assert!(out.notices.is_empty(), "{:?}", out.notices);
    run(&mut c, s, "INSERT INTO events VALUES (14, 'k2', 140)");
    run(&mut c, s, "UPDATE events SET n = n + 1");
    run(&mut c, s, "INSERT INTO kinds VALUES ('k3', 'three')");
    // New shards avoid it.
    run(&mut c, s, "CREATE TABLE fresh (id int PRIMARY KEY)");
    run(&mut c, s, "SELECT create_distributed_table('fresh', 'id')");
    let placements = texts(&rows(&mut c, s, PLACEMENTS));
    assert!(placements.contains(&vec!["fresh".into(), "9701".into(), "32".into()]));
    assert!(!placements.iter().any(|r| r[0] == "fresh" && r[1] == "9702"));
    assert!(placements.contains(&vec!["events".into(), "9702".into(), "32".into()]));

    c.restart("worker-2").expect("restart");
    // The session still caches its connection to the crashed server (nothing used it since),
    // and activation takes it without the executor's check: the first attempt fails on it.
    let e = err(&mut c, s, "SELECT citus_activate_node('127.0.0.1', 9702)");
    assert_eq!(
        e.message,
        "failure on connection marked as essential: 127.0.0.1:9702"
    );
    assert_eq!(
        one(
            &mut c,
            s,
            "SELECT isactive FROM pg_dist_node WHERE nodeport = 9702"
        ),
        "f"
    );
    assert_eq!(
        one(&mut c, s, "SELECT citus_activate_node('127.0.0.1', 9702)"),
        "3"
    );
    assert_eq!(
        texts(&rows(&mut c, s, PLACEMENTS)),
        vec![
            vec!["events".to_string(), "9701".into(), "32".into()],
            vec!["fresh".into(), "9701".into(), "32".into()],
            vec!["kinds".into(), "9700".into(), "1".into()],
            vec!["kinds".into(), "9701".into(), "1".into()],
        ]
    );
    assert_eq!(one(&mut c, s, "SELECT sum(n) FROM events"), "701");
    // The reference table comes back with the rows written meanwhile.
    run(&mut c, s, "SELECT replicate_reference_tables()");
    assert!(texts(&rows(&mut c, s, PLACEMENTS)).contains(&vec![
        "kinds".to_string(),
        "9702".into(),
        "1".into()
    ]));
    let copy = c
        .node_table_rows("worker-2", "kinds_102040")
        .expect("the copy on worker-2");
    assert_eq!(copy.rows.len(), 4);
}

#[test]
fn activating_a_node_that_was_never_disabled_keeps_its_placements() {
    let (mut c, s) = replicated();
    assert_eq!(
        one(&mut c, s, "SELECT citus_activate_node('127.0.0.1', 9702)"),
        "3"
    );
    let placements = texts(&rows(&mut c, s, PLACEMENTS));
    assert!(placements.contains(&vec!["events".into(), "9702".into(), "32".into()]));
    assert!(placements.contains(&vec!["kinds".into(), "9702".into(), "1".into()]));
}

#[test]
fn update_node_moves_the_address_and_keeps_id_group_and_placements() {
    let mut c = Cluster::new();
    let s = c.session();
    run(&mut c, s, "CREATE TABLE t (id int PRIMARY KEY)");
    run(
        &mut c,
        s,
        "SELECT create_distributed_table('t', 'id', shard_count := 2)",
    );
    run(&mut c, s, "INSERT INTO t VALUES (1), (2), (3), (4)");
    assert_eq!(c.server_at("127.0.0.1", 9702).as_deref(), Some("worker-2"));
    assert_eq!(c.server_at("10.0.0.9", 5432), None);
    let e = err(&mut c, s, "SELECT citus_update_node(3, '127.0.0.1', 9701)");
    assert_eq!(
        e.message,
        "there is already another node with the specified hostname and port"
    );
    let e = err(&mut c, s, "SELECT citus_update_node(7, '10.0.0.9', 5432)");
    assert_eq!(e.message, "node 7 not found");
    // Pointing the node where nothing listens succeeds; its shards are out of reach there.
    run(&mut c, s, "SELECT citus_update_node(3, '10.0.0.9', 5432)");
    assert_eq!(
        texts(&rows(
            &mut c,
            s,
            "SELECT nodeid, groupid, nodename, nodeport FROM pg_dist_node WHERE nodeid = 3"
        )),
        vec![vec![
            "3".to_string(),
            "2".into(),
            "10.0.0.9".into(),
            "5432".into()
        ]]
    );
    assert_eq!(c.server_at("10.0.0.9", 5432), None);
    let e = err(&mut c, s, "SELECT count(*) FROM t");
    assert!(
        e.message
            .starts_with("connection to the remote node postgres@10.0.0.9:5432 failed"),
        "{}",
        e.message
    );
    // Back where the server listens, the same placements answer again.
    run(&mut c, s, "SELECT citus_update_node(3, '127.0.0.1', 9702)");
    assert_eq!(c.server_at("127.0.0.1", 9702).as_deref(), Some("worker-2"));
    assert_eq!(one(&mut c, s, "SELECT count(*) FROM t"), "4");
}
