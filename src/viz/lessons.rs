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
    pub check: Check,
}

impl Step {
    pub fn passes(&self, cluster: &Cluster, output: &str) -> bool {
        (self.check)(cluster, output)
    }
}

fn shard_count(c: &Cluster, table: &str) -> usize {
    c.catalog.table_shards(table).len()
}

fn rows_in(c: &Cluster, table: &str) -> usize {
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

/// The number of tasks the last statement sent, if every one read a shard of each named table
/// (`users_` matches any users shard).
fn tasks_reading(c: &Cluster, shard_prefixes: &[&str]) -> Option<usize> {
    let events = c.last_statement_events();
    let tasks: Vec<_> = events
        .iter()
        .filter(|e| e.kind == MessageKind::Task)
        .collect();
    tasks
        .iter()
        .all(|t| shard_prefixes.iter().all(|p| t.sql.contains(p)))
        .then_some(tasks.len())
}

fn ok(output: &str) -> bool {
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
        check: |c, _| rows_in(c, "citus_demo") == 10,
    },
    Step {
        title: "A multi-shard query",
        explain: "count(*) has no filter on id, so the coordinator sends one task to every shard \
                  and adds up their answers. Watch the 32 arrows on the map.",
        sql: "SELECT count(*) FROM citus_demo;",
        expect: "the last statement ran as 32 tasks",
        check: |c, out| ok(out) && last(c).tasks == 32 && out.contains("10"),
    },
    Step {
        title: "Look at shards and placements",
        explain: "citus_shards lists every shard, its table and the worker holding it.",
        sql: "SELECT table_name, shardid, shard_name, nodename, nodeport\n\
              FROM citus_shards WHERE table_name::text = 'citus_demo';",
        expect: "the query lists 32 shards",
        check: |_, out| ok(out) && out.contains("(32 rows)"),
    },
    Step {
        title: "Which shard holds each row",
        explain: "get_shard_id_for_distribution_column hashes a value the way the router does.",
        sql: "SELECT id, user_name, city,\n       \
              get_shard_id_for_distribution_column('citus_demo', id) AS shard_id\n\
              FROM citus_demo\nORDER BY id;",
        expect: "the query lists the 10 rows with their shards",
        check: |_, out| ok(out) && out.contains("(10 rows)") && out.contains("shard_id"),
    },
    Step {
        title: "Read a shard on a worker",
        explain: "Connect to worker-1 directly: it stores only its own shards. citus_demo_102008 \
                  holds Henry (id 8), the only row whose hash falls in that shard's range. Then \
                  go back to the coordinator.",
        sql: "\\c worker-1\nSELECT id, user_name, city FROM citus_demo_102008;\n\\c coordinator",
        expect: "worker-1 returned Henry's row from its shard",
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
        check: |c, out| ok(out) && tasks_reading(c, &["users_", "orders_"]) == Some(32),
    },
    Step {
        title: "A router query on orders",
        explain: "All of Alice's orders share her user_id, so one task on one shard answers.",
        sql: "SELECT * FROM orders WHERE user_id = 1 ORDER BY order_id;",
        expect: "the last statement ran as 1 task and returned 3 orders",
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
        check: |c, out| {
            ok(out)
                && out.contains("(3 rows)")
                && tasks_reading(c, &["citus_demo_", "cities_"]) == Some(32)
        },
    },
    Step {
        title: "A cross-shard join",
        explain: "users is distributed by user_id, citus_demo by id: joining them on a name \
                  pairs rows from any shard with rows from any other. Citus refuses unless \
                  repartition joins are on, and says so.",
        sql: "SELECT count(*)\nFROM users u\nJOIN citus_demo d ON d.user_name = u.name;",
        expect: "the join is refused with Citus's repartition error and hint",
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::psql::Runner;

    #[test]
    fn every_step_passes_in_order_and_not_before() {
        let mut r = Runner::with_default_cluster();
        for (i, step) in STEPS.iter().enumerate() {
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
