-- The HA manager: each primary with a standby holds a leader lease it renews while healthy.
-- When worker-2 crashes, its lease runs out after the TTL (30 s of the logical clock), the
-- standby wins the election, is promoted, and Citus is pointed at it.
CREATE TABLE ledger (id int PRIMARY KEY, amount int);
SELECT create_distributed_table('ledger', 'id');
INSERT INTO ledger SELECT g, g * 100 FROM generate_series(1, 20) g;
\standby add worker-2 sync
\ha on
\ha on
\crash worker-2
SELECT count(*) FROM ledger;
\tick 10s
SELECT count(*) FROM ledger;
\tick 20s
SELECT count(*), sum(amount) FROM ledger;
SELECT nodeid, nodeport FROM pg_dist_node ORDER BY nodeid;
\ha off
