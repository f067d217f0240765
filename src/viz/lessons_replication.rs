//! The lessons on replication and failover: a worker dies (replicated shards against a
//! streaming standby), asynchronous failover loses the last transactions, synchronous failover
//! loses nothing, and a switchover for maintenance. Each lesson uses its own table, so they run
//! one after the other on one cluster as well as from a fresh one.

use super::lessons::{node_info, ok, rows_in, Step};
use crate::cluster::Cluster;

/// The standby streaming from `primary`, if it has one.
fn standby_of(c: &Cluster, primary: &str) -> Option<crate::replication::StandbyInfo> {
    c.standbys().into_iter().find(|s| s.primary == primary)
}

/// What the last promotion lost, if there was one.
fn last_loss(c: &Cluster) -> Option<&crate::replication::Loss> {
    c.losses.last().map(|(_, l)| l)
}

fn every_shard_twice(c: &Cluster, table: &str) -> bool {
    let shards = c.shards();
    let mine: Vec<_> = shards.iter().filter(|s| s.table == table).collect();
    !mine.is_empty() && mine.iter().all(|s| s.nodes.len() == 2)
}

pub const WORKER_DIES: &[Step] = &[
    Step {
        title: "Keep every shard twice",
        explain: "With citus.shard_replication_factor = 2, every shard of rides gets a placement \
                  on both workers, and every write goes to both.",
        sql: "SET citus.shard_replication_factor = 2;\n\
              CREATE TABLE rides (id int PRIMARY KEY, city text);\n\
              SELECT create_distributed_table('rides', 'id');\n\
              RESET citus.shard_replication_factor;\n\
              INSERT INTO rides SELECT g, 'city-' || (g % 5) FROM generate_series(1, 100) g;",
        expect: "every shard of rides has two placements, and rides holds 100 rows",
        error_expected: false,
        check: |c, out| ok(out) && every_shard_twice(c, "rides") && rows_in(c, "rides") == 100,
    },
    Step {
        title: "worker-2 dies: reads go on",
        explain: "Each shard still has a placement on worker-1, so a read that needs every shard \
                  is answered from there. Citus warns about the placement it could not reach.",
        sql: "\\crash worker-2\nSELECT count(*) FROM rides;\nSELECT id, city FROM rides WHERE id = 7;",
        expect: "worker-2 is down and the count still says 100",
        error_expected: false,
        check: |c, out| {
            out.contains("   100\n") && node_info(c, "worker-2").is_some_and(|n| !n.is_up)
        },
    },
    Step {
        title: "…but writes need every placement",
        explain: "A write must reach every placement of its shard. With one of them down, Citus \
                  refuses it rather than let the copies drift apart.",
        sql: "INSERT INTO rides VALUES (101, 'city-1');",
        expect: "the INSERT fails with the connection error, rides still holds 100 rows",
        error_expected: true,
        check: |c, out| {
            out.contains("ERROR:  connection to the remote node") && rows_in(c, "rides") == 100
        },
    },
    Step {
        title: "A streaming standby instead",
        explain: "Restart worker-2 and give it a synchronous hot standby: a copy of the whole \
                  server, fed by its write-ahead log. Each commit waits until the standby has it.",
        sql: "\\restart worker-2\n\\standby add worker-2 sync\n\
              CREATE TABLE trips (id int PRIMARY KEY, km int);\n\
              SELECT create_distributed_table('trips', 'id');\n\
              INSERT INTO trips SELECT g, g FROM generate_series(1, 100) g;",
        expect: "worker-2 has a synchronous standby that has replayed everything",
        error_expected: false,
        check: |c, out| {
            ok(out)
                && rows_in(c, "trips") == 100
                && standby_of(c, "worker-2").is_some_and(|s| s.sync && s.lag_bytes == 0)
        },
    },
    Step {
        title: "worker-2 dies again, and fails over",
        explain: "The standby is promoted and Citus is pointed at it (citus_update_node): node \
                  3 keeps its id and group, so its placements follow. Reads and writes work.",
        sql: "\\crash worker-2\n\\failover worker-2\nSELECT count(*) FROM trips;\n\
              INSERT INTO trips VALUES (101, 1);\n\
              SELECT nodeid, nodeport FROM pg_dist_node ORDER BY nodeid;",
        expect: "no transaction lost, 100 rows read and a new one written on the promoted node",
        error_expected: false,
        check: |c, out| {
            ok(out)
                && out.contains("no transaction lost")
                && rows_in(c, "trips") == 101
                && node_info(c, "worker-2").is_some_and(|n| n.is_up && n.port != 9702)
        },
    },
];

pub const ASYNC_FAILOVER: &[Step] = &[
    Step {
        title: "A standby behind a slow link",
        explain: "worker-1 gets an asynchronous standby whose link delivers WAL 30 seconds late. \
                  Commits do not wait for it.",
        sql: "CREATE TABLE payments (id int PRIMARY KEY, amount int);\n\
              SELECT create_distributed_table('payments', 'id');\n\
              INSERT INTO payments SELECT g, 10 FROM generate_series(1, 50) g;\n\
              \\standby add worker-1 async delay 30s",
        expect: "payments holds 50 rows; worker-1 has an asynchronous standby with a delay",
        error_expected: false,
        check: |c, out| {
            ok(out)
                && rows_in(c, "payments") == 50
                && standby_of(c, "worker-1").is_some_and(|s| !s.sync && s.delay_us > 0)
        },
    },
    Step {
        title: "Writes the standby has not seen",
        explain: "New payments commit on worker-1 at once; their WAL is still on its way. The \
                  lag bar under the standby grows.",
        sql: "INSERT INTO payments SELECT g, 99 FROM generate_series(51, 60) g;\n\\standby",
        expect: "the standby is behind worker-1",
        error_expected: false,
        check: |c, out| ok(out) && standby_of(c, "worker-1").is_some_and(|s| s.lag_bytes > 0),
    },
    Step {
        title: "worker-1 dies; fail over anyway",
        explain: "The standby is promoted with what it has. What worker-1 had written and the \
                  standby never received is gone, and the failover says exactly what.",
        sql: "\\crash worker-1\n\\failover worker-1",
        expect: "the failover reports lost transactions",
        error_expected: false,
        check: |_, out| ok(out) && out.contains("lost (WAL"),
    },
    Step {
        title: "Count what is left",
        explain: "Every payment committed before the standby's replay position is there; the \
                  ones in the lost WAL range are not, although their clients saw them commit.",
        sql: "SELECT count(*) FROM payments;",
        expect: "fewer than 60 payments",
        error_expected: false,
        check: |c, out| {
            ok(out)
                && rows_in(c, "payments") < 60
                && last_loss(c).is_some_and(|l| !l.transactions.is_empty())
        },
    },
];

pub const SYNC_FAILOVER: &[Step] = &[
    Step {
        title: "A synchronous standby behind the same slow link",
        explain: "worker-1's new standby is synchronous: a commit on worker-1 returns only once \
                  the standby has its WAL, however slow the link.",
        sql: "CREATE TABLE deposits (id int PRIMARY KEY, amount int);\n\
              SELECT create_distributed_table('deposits', 'id');\n\
              \\standby add worker-1 sync delay 30s\n\
              INSERT INTO deposits SELECT g, 5 FROM generate_series(1, 60) g;\n\\standby",
        expect: "deposits holds 60 rows and worker-1's synchronous standby is caught up",
        error_expected: false,
        check: |c, out| {
            ok(out)
                && rows_in(c, "deposits") == 60
                && standby_of(c, "worker-1").is_some_and(|s| s.sync && s.lag_bytes == 0)
        },
    },
    Step {
        title: "The price: with the standby down, commits wait",
        explain: "A commit waits for the synchronous standby, so while it is down nothing on \
                  worker-1 can commit: the INSERT has written its row but does not return. \
                  That is availability traded for durability.",
        sql: "\\crash worker-1-standby\nINSERT INTO deposits VALUES (61, 5);",
        expect: "the INSERT waits for worker-1's synchronous standby",
        error_expected: false,
        check: |c, _| {
            c.sessions().iter().any(|s| {
                s.waiting
                    .as_ref()
                    .is_some_and(|w| w.node == "worker-1" && w.sync_lsn.is_some())
            })
        },
    },
    Step {
        title: "The standby is back; the commit returns",
        explain: "The restarted standby catches up and confirms the commit's WAL: the waiting \
                  INSERT returns.",
        sql: "\\restart worker-1-standby",
        expect: "nothing waits any more and deposits holds 61 rows",
        error_expected: false,
        check: |c, out| {
            ok(out)
                && rows_in(c, "deposits") == 61
                && c.sessions().iter().all(|s| s.waiting.is_none())
        },
    },
    Step {
        title: "worker-1 dies; nothing is lost",
        explain: "The failover promotes a standby that has every acknowledged commit.",
        sql: "\\crash worker-1\n\\failover worker-1\nSELECT count(*) FROM deposits;",
        expect: "no transaction lost and all 61 deposits there",
        error_expected: false,
        check: |c, out| {
            ok(out)
                && out.contains("no transaction lost")
                && rows_in(c, "deposits") == 61
                && last_loss(c).is_some_and(|l| l.transactions.is_empty())
        },
    },
];

pub const SWITCHOVER: &[Step] = &[
    Step {
        title: "A standby for maintenance",
        explain: "worker-2 needs maintenance. Give it a standby first (asynchronous, behind a \
                  slow link) and write some rows.",
        sql: "CREATE TABLE profiles (id int PRIMARY KEY, name text);\n\
              SELECT create_distributed_table('profiles', 'id');\n\
              \\standby add worker-2 delay 1min\n\
              INSERT INTO profiles SELECT g, 'p' || g FROM generate_series(1, 40) g;",
        expect: "profiles holds 40 rows and worker-2 has a standby",
        error_expected: false,
        check: |c, out| {
            ok(out) && rows_in(c, "profiles") == 40 && standby_of(c, "worker-2").is_some()
        },
    },
    Step {
        title: "Switch over",
        explain: "A switchover pauses writes, lets the standby catch up, promotes it, points \
                  Citus at it and makes the old primary its standby: nothing is lost.",
        sql: "\\switchover worker-2\nSELECT nodeid, nodeport FROM pg_dist_node ORDER BY nodeid;",
        expect: "no transaction lost, and the old primary follows as the new standby",
        error_expected: false,
        check: |c, out| {
            ok(out)
                && out.contains("no transaction lost")
                && out.contains("the old primary follows it")
                && standby_of(c, "worker-2").is_some()
        },
    },
    Step {
        title: "Traffic carries on",
        explain: "The application sees the same node (same id, same group), now on another port.",
        sql: "INSERT INTO profiles VALUES (41, 'p41');\nSELECT count(*) FROM profiles;",
        expect: "41 profiles",
        error_expected: false,
        check: |c, out| ok(out) && rows_in(c, "profiles") == 41,
    },
];
