//! The guided lessons: the Citus tutorial as steps. Each step has SQL the app runs through the
//! console and a check it evaluates afterwards against the cluster state, the last statement's
//! trace and the console output of that run.

use crate::cluster::Cluster;
use crate::metadata::TableKind;
use crate::trace::MessageKind;
use crate::viz::verdict::Summary;

/// What a check looks at: the cluster after the run and the text the run printed.
pub type Check = fn(&Cluster, &str) -> bool;

pub struct Step {
    pub title: &'static str,
    pub explain: &'static str,
    pub sql: &'static str,
    /// What the check verifies, in words.
    pub expect: &'static str,
    /// The step demonstrates an error: its output may hold one.
    pub error_expected: bool,
    pub check: Check,
}

impl Step {
    /// Whether the step did what it is about; if not, why, in words for the learner: the
    /// error it ran into, or what the cluster lacks.
    pub fn verdict(&self, cluster: &Cluster, output: &str) -> Result<(), String> {
        if !self.error_expected {
            if let Some(error) = output.lines().find(|l| l.contains("ERROR:")) {
                let error = error.split_once("ERROR:").map_or(error, |(_, e)| e).trim();
                return Err(format!("The step failed: {error}"));
            }
        }
        if (self.check)(cluster, output) {
            Ok(())
        } else {
            Err(format!("Not yet: {}", self.expect))
        }
    }

    pub fn passes(&self, cluster: &Cluster, output: &str) -> bool {
        self.verdict(cluster, output).is_ok()
    }
}

fn shard_count(c: &Cluster, table: &str) -> usize {
    c.catalog.table_shards(table).len()
}

pub(super) fn rows_in(c: &Cluster, table: &str) -> usize {
    c.shards()
        .iter()
        .filter(|s| s.table == table)
        .map(|s| s.row_count)
        .sum()
}

fn last(c: &Cluster) -> Summary {
    Summary::from_events(&c.last_statement_events())
}

fn is_distributed(c: &Cluster, table: &str) -> bool {
    c.catalog
        .table(table)
        .is_some_and(|t| matches!(t.kind, TableKind::Distributed { .. }))
}

/// The number of tasks the last statement sent, if every one read a shard of each named
/// table.
fn tasks_reading(c: &Cluster, tables: &[&str]) -> Option<usize> {
    let events = c.last_statement_events();
    let tasks: Vec<_> = events
        .iter()
        .filter(|e| e.kind == MessageKind::Task)
        .collect();
    tasks
        .iter()
        .all(|t| {
            tables.iter().all(|table| {
                t.shards
                    .iter()
                    .any(|id| c.catalog.shard(*id).is_some_and(|s| s.table == *table))
            })
        })
        .then_some(tasks.len())
}

pub(super) fn ok(output: &str) -> bool {
    !output.is_empty() && !output.contains("ERROR")
}

pub const STEPS: &[Step] = &[
    Step {
        title: "Create and distribute citus_demo",
        explain: "create_distributed_table splits the table into 32 shards by the hash of id and \
                  places them on the two workers, alternating.",
        sql: "CREATE TABLE citus_demo (\n    id SERIAL,\n    user_name TEXT,\n    city TEXT,\n    \
              age INT,\n    created_at TIMESTAMP DEFAULT NOW()\n);\n\
              SELECT create_distributed_table('citus_demo', 'id');",
        expect: "citus_demo has 32 shards",
        error_expected: false,
        check: |c, _| is_distributed(c, "citus_demo") && shard_count(c, "citus_demo") == 32,
    },
    Step {
        title: "Insert ten rows",
        explain: "The coordinator hashes each id and sends every row to the shard whose hash \
                  range holds it.",
        sql: "INSERT INTO citus_demo (user_name, city, age) VALUES\n    \
              ('Alice', 'New York', 25),\n    ('Bob', 'Chicago', 30),\n    \
              ('Charlie', 'Seattle', 27),\n    ('David', 'Boston', 35),\n    \
              ('Emma', 'Denver', 22),\n    ('Frank', 'Portland', 29),\n    \
              ('Grace', 'Miami', 28),\n    ('Henry', 'Atlanta', 31),\n    \
              ('Iris', 'Phoenix', 26),\n    ('Jack', 'Dallas', 33);",
        expect: "citus_demo holds 10 rows",
        error_expected: false,
        check: |c, _| rows_in(c, "citus_demo") == 10,
    },
    Step {
        title: "A multi-shard query",
        explain: "count(*) has no filter on id, so the coordinator sends one task to every shard \
                  and adds up their answers. Watch the 32 arrows on the map.",
        sql: "SELECT count(*) FROM citus_demo;",
        expect: "the last statement ran as 32 tasks",
        error_expected: false,
        check: |c, out| ok(out) && last(c).tasks == 32 && out.contains("10"),
    },
    Step {
        title: "Look at shards and placements",
        explain: "citus_shards lists every shard, its table and the worker holding it.",
        sql: "SELECT table_name, shardid, shard_name, nodename, nodeport\n\
              FROM citus_shards WHERE table_name::text = 'citus_demo';",
        expect: "the query lists 32 shards",
        error_expected: false,
        check: |_, out| ok(out) && out.contains("(32 rows)"),
    },
    Step {
        title: "Which shard holds each row",
        explain: "get_shard_id_for_distribution_column hashes a value the way the router does.",
        sql: "SELECT id, user_name, city,\n       \
              get_shard_id_for_distribution_column('citus_demo', id) AS shard_id\n\
              FROM citus_demo\nORDER BY id;",
        expect: "the query lists the 10 rows with their shards",
        error_expected: false,
        check: |_, out| ok(out) && out.contains("(10 rows)") && out.contains("shard_id"),
    },
    Step {
        title: "Read a shard on a worker",
        explain: "Connect to worker-1 directly: it stores only its own shards. citus_demo_102008 \
                  holds Henry (id 8), the only row whose hash falls in that shard's range. Then \
                  go back to the coordinator.",
        sql: "\\c worker-1\nSELECT id, user_name, city FROM citus_demo_102008;\n\\c coordinator",
        expect: "worker-1 returned Henry's row from its shard",
        error_expected: false,
        check: |c, out| {
            ok(out)
                && out.contains("Henry")
                && out.contains("(1 row)")
                && c.last_statement_events()
                    .first()
                    .is_some_and(|e| e.to == "worker-1")
        },
    },
    Step {
        title: "A router query",
        explain: "With id = 4 in the filter the coordinator knows the one shard that can hold the \
                  row and sends a single task there.",
        sql: "SELECT * FROM citus_demo WHERE id = 4;",
        expect: "the last statement ran as 1 task",
        error_expected: false,
        check: |c, out| ok(out) && last(c).tasks == 1 && out.contains("David"),
    },
    Step {
        title: "Co-located users and orders",
        explain: "Both tables are distributed by user_id, so they share a co-location group: the \
                  shards for the same hash range sit on the same worker, and the foreign key can \
                  be checked locally.",
        sql: "CREATE TABLE users (\n    user_id INT PRIMARY KEY,\n    name TEXT\n);\n\
              CREATE TABLE orders (\n    order_id SERIAL,\n    user_id INT,\n    item TEXT,\n    \
              created_at TIMESTAMP DEFAULT NOW(),\n    PRIMARY KEY (order_id, user_id)\n);\n\
              SELECT create_distributed_table('users', 'user_id');\n\
              SELECT create_distributed_table('orders', 'user_id');\n\
              ALTER TABLE orders\nADD CONSTRAINT fk_user\n\
              FOREIGN KEY (user_id) REFERENCES users(user_id);",
        expect: "users and orders are distributed in the same co-location group",
        error_expected: false,
        check: |c, out| {
            let group = |t: &str| c.catalog.table(t).map(|t| t.colocation_id);
            is_distributed(c, "users")
                && is_distributed(c, "orders")
                && group("users") == group("orders")
                && out.contains("ALTER TABLE")
        },
    },
    Step {
        title: "Insert users and their orders",
        explain: "Each order lands on the worker that holds its user.",
        sql: "INSERT INTO users (user_id, name) VALUES\n    (1, 'Alice'),\n    (2, 'Bob'),\n    \
              (3, 'Charlie'),\n    (4, 'David'),\n    (5, 'Emma');\n\
              INSERT INTO orders (user_id, item) VALUES\n    (1, 'Pizza'),\n    (1, 'Soda'),\n    \
              (1, 'Ice Cream'),\n    (2, 'Burger'),\n    (2, 'Fries'),\n    (3, 'Taco'),\n    \
              (3, 'Burrito'),\n    (3, 'Nachos'),\n    (4, 'Pasta'),\n    (5, 'Salad');",
        expect: "users holds 5 rows and orders 10",
        error_expected: false,
        check: |c, _| rows_in(c, "users") == 5 && rows_in(c, "orders") == 10,
    },
    Step {
        title: "Co-location: same worker, different shards",
        explain: "Alice's user row and her orders sit in different shard tables, but in the same \
                  hash range, so on the same worker.",
        sql: "SELECT table_name, shardid, nodename, nodeport\nFROM citus_shards\n\
              WHERE shardid IN (get_shard_id_for_distribution_column('users', 1),\n                  \
              get_shard_id_for_distribution_column('orders', 1))\n\
              ORDER BY nodename, table_name;",
        expect: "both shards are on the same worker",
        error_expected: false,
        check: |c, out| {
            let node = |t: &str| {
                c.catalog
                    .shard_for_value(t, &crate::types::Value::Int4(1))
                    .ok()
                    .flatten()
                    .and_then(|s| c.catalog.task_node(s.shard_id))
                    .map(|n| n.name.clone())
            };
            ok(out) && out.contains("(2 rows)") && node("users").is_some() && node("users") == node("orders")
        },
    },
    Step {
        title: "The foreign key at work",
        explain: "User 999 does not exist. The worker holding that hash range checks the key \
                  against its local users shard and rejects the row.",
        sql: "INSERT INTO orders (user_id, item) VALUES (999, 'Ghost Pizza');",
        expect: "the insert failed with a foreign-key error",
        error_expected: true,
        check: |c, out| {
            out.contains("ERROR") && out.contains("foreign key") && last(c).failed
                || out.contains("violates foreign key constraint")
        },
    },
    Step {
        title: "A co-located join",
        explain: "Each task joins a users shard with the orders shard of the same hash range on \
                  the same worker; the coordinator only combines the counts.",
        sql: "SELECT\n    u.user_id,\n    u.name,\n    COUNT(o.order_id) AS num_orders\n\
              FROM users u\nLEFT JOIN orders o ON u.user_id = o.user_id\n\
              GROUP BY u.user_id, u.name\nORDER BY u.user_id;",
        expect: "32 tasks, each joining a users shard with an orders shard",
        error_expected: false,
        check: |c, out| ok(out) && tasks_reading(c, &["users", "orders"]) == Some(32),
    },
    Step {
        title: "A router query on orders",
        explain: "All of Alice's orders share her user_id, so one task on one shard answers.",
        sql: "SELECT * FROM orders WHERE user_id = 1 ORDER BY order_id;",
        expect: "the last statement ran as 1 task and returned 3 orders",
        error_expected: false,
        check: |c, out| ok(out) && last(c).tasks == 1 && out.contains("(3 rows)"),
    },
    Step {
        title: "A reference table",
        explain: "A reference table has one shard copied to every node, so any shard can join \
                  with it locally.",
        sql: "CREATE TABLE cities (name TEXT PRIMARY KEY, state TEXT);\n\
              SELECT create_reference_table('cities');\n\
              INSERT INTO cities VALUES ('Boston', 'MA'), ('Denver', 'CO'), ('Miami', 'FL');",
        expect: "cities is a reference table with a copy on every node",
        error_expected: false,
        check: |c, _| {
            let Some(t) = c.catalog.table("cities") else {
                return false;
            };
            let shards = c.catalog.table_shards("cities");
            t.is_reference()
                && shards.len() == 1
                && shards.first().is_some_and(|s| {
                    c.catalog.shard_placements(s.shard_id).len() == c.nodes().len()
                })
                && rows_in(c, "cities") == 3
        },
    },
    Step {
        title: "A join with a reference table",
        explain: "Every worker has a copy of cities, so each task joins one citus_demo shard with \
                  the local cities copy; nothing moves between workers.",
        sql: "SELECT c.state, count(*)\nFROM citus_demo d\nJOIN cities c ON c.name = d.city\n\
              GROUP BY c.state\nORDER BY c.state;",
        expect: "32 tasks, each joining a citus_demo shard with the cities copy",
        error_expected: false,
        check: |c, out| {
            ok(out)
                && out.contains("(3 rows)")
                && tasks_reading(c, &["citus_demo", "cities"]) == Some(32)
        },
    },
    Step {
        title: "A cross-shard join",
        explain: "users is distributed by user_id, citus_demo by id: joining them on a name \
                  pairs rows from any shard with rows from any other. Citus refuses unless \
                  repartition joins are on, and says so.",
        sql: "SELECT count(*)\nFROM users u\nJOIN citus_demo d ON d.user_name = u.name;",
        expect: "the join is refused with Citus's repartition error and hint",
        error_expected: true,
        check: |c, out| {
            out.contains("the query contains a join that requires repartitioning")
                && out.contains("citus.enable_repartition_joins")
                && last(c).failed
        },
    },
    Step {
        title: "Repartitioning the join",
        explain: "With citus.enable_repartition_joins on, the coordinator gathers the rows both \
                  sides need and joins them; the names Alice to Emma appear in both tables.",
        sql: "SET citus.enable_repartition_joins TO on;\n\
              SELECT count(*)\nFROM users u\nJOIN citus_demo d ON d.user_name = u.name;",
        expect: "the join returns the 5 names both tables share",
        error_expected: false,
        check: |_, out| ok(out) && out.contains("     5\n"),
    },
    Step {
        title: "Choosing a distribution column: skew",
        explain: "Distributing by a column most rows share puts most rows in one shard: here 9 \
                  of 10 events belong to tenant 1, so one shard on one worker does most of the \
                  work. Pick a column with many evenly used values.",
        sql: "CREATE TABLE events (tenant_id INT, event_id INT, kind TEXT);\n\
              SELECT create_distributed_table('events', 'tenant_id');\n\
              INSERT INTO events\n\
              SELECT CASE WHEN i % 10 = 0 THEN i ELSE 1 END, i, 'click'\n\
              FROM generate_series(1, 1000) AS i;\n\
              SELECT get_shard_id_for_distribution_column('events', tenant_id) AS shard,\n       \
              count(*) AS rows\nFROM events\nGROUP BY 1\nORDER BY 2 DESC\nLIMIT 3;",
        expect: "one shard holds at least 900 of the 1,000 events",
        error_expected: false,
        check: |c, out| {
            let biggest = c
                .shards()
                .iter()
                .filter(|s| s.table == "events")
                .map(|s| s.row_count)
                .max()
                .unwrap_or(0);
            ok(out) && rows_in(c, "events") == 1000 && biggest >= 900
        },
    },
];

/// A lesson: steps that build on each other.
pub struct Lesson {
    pub title: &'static str,
    pub intro: &'static str,
    pub steps: &'static [Step],
}

pub const LESSONS: &[Lesson] = &[
    Lesson {
        title: "The Citus tutorial",
        intro: "Distribute a table, watch where its rows go and how each kind of query is routed.",
        steps: STEPS,
    },
    Lesson {
        title: "Two-phase commit",
        intro: "Move money between two accounts that live on two workers: the commit takes two \
                phases, a crash after the decision leaves a branch in doubt, its lock blocks \
                another session, and recovery finishes the commit.",
        steps: TWO_PHASE_COMMIT,
    },
    Lesson {
        title: "A worker dies",
        intro: "Two ways to survive a worker crash: shards kept on two workers \
                (replication factor 2), or a streaming standby that takes over the node.",
        steps: super::lessons_replication::WORKER_DIES,
    },
    Lesson {
        title: "Asynchronous failover loses the last transactions",
        intro: "A standby behind a slow link, a crash, and a failover that tells you exactly \
                which committed transactions it lost.",
        steps: super::lessons_replication::ASYNC_FAILOVER,
    },
    Lesson {
        title: "Synchronous failover loses nothing",
        intro: "The same crash with a synchronous standby: every acknowledged commit survives.",
        steps: super::lessons_replication::SYNC_FAILOVER,
    },
    Lesson {
        title: "Switchover for maintenance",
        intro: "Hand a worker over to its standby on purpose, losing nothing.",
        steps: super::lessons_replication::SWITCHOVER,
    },
];

/// The shard of `accounts` holding account `id`, and the worker it is on.
fn account_shard(c: &Cluster, id: i64) -> Option<(&crate::metadata::Shard, String)> {
    let shard = c
        .catalog
        .shard_for_value("accounts", &crate::types::Value::Int4(id as i32))
        .ok()
        .flatten()?;
    let node = c.catalog.task_node(shard.shard_id)?.name.clone();
    Some((shard, node))
}

/// The balance of account `id`, as a fresh session reads it.
fn balance(c: &Cluster, id: i64) -> Option<i64> {
    let (shard, node) = account_shard(c, id)?;
    let rs = c.node_table_rows(&node, &shard.name()).ok()?;
    rs.rows
        .iter()
        .find(|r| r.first().and_then(crate::types::Value::as_i64) == Some(id))
        .and_then(|r| r.get(2))
        .and_then(crate::types::Value::as_i64)
}

/// The worker holding account `id`.
fn account_node(c: &Cluster, id: i64) -> Option<String> {
    account_shard(c, id).map(|(_, node)| node)
}

pub(super) fn node_info(c: &Cluster, name: &str) -> Option<crate::cluster::NodeInfo> {
    c.nodes().into_iter().find(|n| n.name == name)
}

const TWO_PHASE_COMMIT: &[Step] = &[
    Step {
        title: "Two accounts on two workers",
        explain: "Account 1 hashes to a shard on worker-2, account 2 to one on worker-1. \
                  Automatic recovery is switched off so that you decide when it runs.",
        sql: "ALTER SYSTEM SET citus.recover_2pc_interval TO -1;\nSELECT pg_reload_conf();\n\
              DROP TABLE IF EXISTS accounts;\n\
              CREATE TABLE accounts (id int PRIMARY KEY, owner text, balance int NOT NULL);\n\
              SELECT create_distributed_table('accounts', 'id');\n\
              INSERT INTO accounts VALUES (1, 'ann', 100), (2, 'bob', 100);\n\
              SELECT id, owner, balance,\n       (SELECT nodeport FROM pg_dist_shard_placement p\n        \
              WHERE p.shardid = get_shard_id_for_distribution_column('accounts', id)) AS nodeport\n\
              FROM accounts ORDER BY id;",
        expect: "accounts 1 and 2 hold 100 each, on different workers",
        error_expected: false,
        check: |c, out| {
            ok(out)
                && balance(c, 1) == Some(100)
                && balance(c, 2) == Some(100)
                && account_node(c, 1).is_some()
                && account_node(c, 1) != account_node(c, 2)
        },
    },
    Step {
        title: "A transfer commits in two phases",
        explain: "The block wrote on two workers, so COMMIT prepares a branch on each (with a \
                  record in pg_dist_transaction), commits on the coordinator (the decision), then \
                  commits each branch. citus.log_remote_commands shows every command.",
        sql: "SET citus.log_remote_commands TO on;\nBEGIN;\n\
              UPDATE accounts SET balance = balance - 10 WHERE id = 1;\n\
              UPDATE accounts SET balance = balance + 10 WHERE id = 2;\nCOMMIT;",
        expect: "two PREPARE TRANSACTION and two COMMIT PREPARED; balances 90 and 110",
        error_expected: false,
        check: |c, out| {
            ok(out)
                && out.matches("issuing PREPARE TRANSACTION").count() == 2
                && out.matches("issuing COMMIT PREPARED").count() == 2
                && balance(c, 1) == Some(90)
                && balance(c, 2) == Some(110)
        },
    },
    Step {
        title: "A rollback undoes both halves",
        explain: "Inside the block the session sees its own changes; ROLLBACK takes them back \
                  on both workers.",
        sql: "RESET citus.log_remote_commands;\nBEGIN;\n\
              UPDATE accounts SET balance = balance - 50 WHERE id = 1;\n\
              UPDATE accounts SET balance = balance + 50 WHERE id = 2;\n\
              SELECT id, balance FROM accounts ORDER BY id;\nROLLBACK;\n\
              SELECT id, balance FROM accounts ORDER BY id;",
        expect: "the block saw 40 and 160; afterwards balances are 90 and 110 again",
        error_expected: false,
        check: |c, out| {
            ok(out)
                && out.contains("      40")
                && out.contains("ROLLBACK")
                && balance(c, 1) == Some(90)
                && balance(c, 2) == Some(110)
        },
    },
    Step {
        title: "worker-2 crashes right after the decision",
        explain: "\\fail arms a crash for a step of the next two-phase commit. After the \
                  coordinator's decision, worker-2 crashes before COMMIT PREPARED reaches it: \
                  the client still gets COMMIT (with warnings), because the decision stands.",
        sql: "\\fail worker-2 at after-commit-record\nBEGIN;\n\
              UPDATE accounts SET balance = balance - 10 WHERE id = 1;\n\
              UPDATE accounts SET balance = balance + 10 WHERE id = 2;\nCOMMIT;\n\
              SELECT groupid, gid FROM pg_dist_transaction ORDER BY groupid;",
        expect: "COMMIT warns that worker-2 failed to commit; worker-2 is down",
        error_expected: false,
        check: |c, out| {
            out.contains("WARNING:  failed to commit transaction on 127.0.0.1:9702")
                && out.contains("\nCOMMIT\n")
                && node_info(c, "worker-2").is_some_and(|n| !n.is_up)
        },
    },
    Step {
        title: "The branch is in doubt",
        explain: "Restarted, worker-2 still holds its prepared branch: account 1 has not moved \
                  yet, account 2 already has. A prepared transaction survives crashes and keeps \
                  its row locks.",
        sql: "\\restart worker-2\n\
              SELECT nodeport, result AS prepared FROM run_command_on_workers(\n  \
              $$SELECT coalesce(string_agg(gid, ','), 'none') FROM pg_prepared_xacts$$)\n\
              ORDER BY nodeport;\nSELECT id, balance FROM accounts ORDER BY id;",
        expect: "worker-2 holds one prepared transaction; balances 90 and 120",
        error_expected: false,
        check: |c, out| {
            ok(out)
                && node_info(c, "worker-2").is_some_and(|n| n.is_up && n.prepared.len() == 1)
                && balance(c, 1) == Some(90)
                && balance(c, 2) == Some(120)
        },
    },
    Step {
        title: "Its lock blocks another session",
        explain: "A second session tries to change account 1. Its row is locked by the prepared \
                  branch, so the UPDATE waits — the map shows the wait on worker-2.",
        sql: "\\session 2\nUPDATE accounts SET balance = balance + 1 WHERE id = 1;",
        expect: "session 2 waits for the prepared transaction on worker-2",
        error_expected: false,
        check: |c, _| {
            c.sessions().iter().any(|s| {
                s.waiting
                    .as_ref()
                    .is_some_and(|w| w.node == "worker-2" && w.holder_gid.is_some())
            })
        },
    },
    Step {
        title: "Recovery finishes the commit",
        explain: "recover_prepared_transactions() finds the branch and its record, so it commits \
                  it. The lock goes with it: session 2's UPDATE carries on. (The maintenance \
                  daemon, switched back on here, does this every minute by itself.)",
        sql: "\\session 1\nSELECT recover_prepared_transactions();\n\
              SELECT id, balance FROM accounts ORDER BY id;\n\
              ALTER SYSTEM RESET citus.recover_2pc_interval;\nSELECT pg_reload_conf();",
        expect: "one transaction recovered; session 2 went on; balances 81 and 120",
        error_expected: false,
        check: |c, out| {
            ok(out)
                && node_info(c, "worker-2").is_some_and(|n| n.prepared.is_empty())
                && c.sessions().iter().all(|s| s.waiting.is_none())
                && balance(c, 1) == Some(81)
                && balance(c, 2) == Some(120)
        },
    },
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::psql::Runner;

    #[test]
    fn every_step_passes_in_order_and_not_before() {
        for lesson in LESSONS {
            let mut r = Runner::with_default_cluster();
            run_lesson(&mut r, lesson.steps);
        }
    }

    #[test]
    fn every_lesson_runs_after_the_ones_before_it() {
        let mut r = Runner::with_default_cluster();
        for lesson in LESSONS {
            for step in lesson.steps {
                let out = r.run_interactive(step.sql);
                assert!(
                    step.passes(&r.exec, &out),
                    "{}: {}\n{out}",
                    lesson.title,
                    step.title
                );
            }
        }
    }

    fn run_lesson(r: &mut Runner, steps: &[Step]) {
        for (i, step) in steps.iter().enumerate() {
            assert!(
                !step.passes(&r.exec, ""),
                "step {i} ({}) passes before it ran",
                step.title
            );
            let out = r.run_interactive(step.sql);
            assert!(
                step.passes(&r.exec, &out),
                "step {i} ({}) failed its check: {}\n{out}",
                step.title,
                step.expect
            );
        }
    }

    #[test]
    fn a_step_that_errors_is_not_done_even_when_the_state_matches() {
        let mut r = Runner::with_default_cluster();
        let first = r.run_interactive(STEPS[0].sql);
        assert_eq!(STEPS[0].verdict(&r.exec, &first), Ok(()));
        // Run again, the table exists: the state is right but the step failed.
        let again = r.run_interactive(STEPS[0].sql);
        assert_eq!(
            STEPS[0].verdict(&r.exec, &again),
            Err("The step failed: relation \"citus_demo\" already exists".to_string())
        );
        // After `\reset` the same step runs cleanly again.
        let out = r.run_interactive("\\reset");
        assert!(out.contains("The cluster is new"), "{out}");
        let fresh = r.run_interactive(STEPS[0].sql);
        assert_eq!(STEPS[0].verdict(&r.exec, &fresh), Ok(()));
        assert_eq!(
            STEPS[1].verdict(&r.exec, ""),
            Err("Not yet: citus_demo holds 10 rows".to_string())
        );
    }

    #[test]
    fn a_check_fails_when_its_step_is_skipped() {
        let mut r = Runner::with_default_cluster();
        // Skip the insert: the count is not 10 and later row checks fail.
        let out = r.run_interactive(STEPS[0].sql);
        assert!(STEPS[0].passes(&r.exec, &out));
        assert!(!STEPS[1].passes(&r.exec, &out));
        let out = r.run_interactive(STEPS[2].sql);
        assert!(!STEPS[2].passes(&r.exec, &out), "no rows yet:\n{out}");
    }
}
