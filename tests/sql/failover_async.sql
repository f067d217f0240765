-- Asynchronous replication with a slow link: the standby has not received the last
-- transactions when its primary crashes. The failover promotes it anyway, says exactly which
-- transactions were lost, and points Citus at it.
CREATE TABLE ledger (id int PRIMARY KEY, amount int);
SELECT create_distributed_table('ledger', 'id');
INSERT INTO ledger SELECT g, g * 100 FROM generate_series(1, 20) g;
\standby add worker-2 async delay 30s
-- id 1 and 21 live on worker-2, id 2 on worker-1
INSERT INTO ledger VALUES (21, 2100);
UPDATE ledger SET amount = amount + 1 WHERE id = 1;
UPDATE ledger SET amount = amount + 1 WHERE id = 2;
\standby
\crash worker-2
SELECT id, amount FROM ledger WHERE id = 1;
\failover worker-2
SELECT nodeid, groupid, nodename, nodeport, isactive FROM pg_dist_node ORDER BY nodeid;
SELECT id, amount FROM ledger WHERE id IN (1, 2, 21) ORDER BY id;
SELECT count(*), sum(amount) FROM ledger;
-- traffic resumes on the promoted node
INSERT INTO ledger VALUES (21, 2100);
SELECT count(*), sum(amount) FROM ledger;
\c worker-2
SELECT pg_is_in_recovery();
\standby
