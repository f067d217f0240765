-- A planned switchover for maintenance: writes pause, the standby catches up (even over a
-- slow link), it is promoted, Citus points at it, and the old primary follows it as the new
-- standby. Nothing is lost.
CREATE TABLE ledger (id int PRIMARY KEY, amount int);
SELECT create_distributed_table('ledger', 'id');
INSERT INTO ledger SELECT g, g * 100 FROM generate_series(1, 20) g;
\standby add worker-1 delay 1min
UPDATE ledger SET amount = amount + 1;
\standby
\switchover worker-1
\standby
SELECT nodeid, nodeport FROM pg_dist_node ORDER BY nodeid;
SELECT count(*), sum(amount) FROM ledger;
UPDATE ledger SET amount = amount + 1;
SELECT count(*), sum(amount) FROM ledger;
\c worker-1-standby
SELECT pg_is_in_recovery();
\c - - 127.0.0.1 9700
\switchover worker-2
