-- A manual failover (after the reference transcript of Citus 13.2.2, 10_worker_failover):
-- Manual failover of a worker to a streaming-replication standby (no Patroni / pg_auto_failover):
--   a physical standby of worker 9702 runs on 9704; 9702 crashes; queries that need it fail;
--   the standby is promoted and the coordinator is pointed at it with citus_update_node(nodeid, host, port);
--   the node keeps its nodeid and groupid, the shards and their data are all there.
-- The real nodes were driven from outside; here the same steps are ShardScope meta-commands:
--   \standby add worker-2 9704   a streaming standby of 9702 on port 9704 (pg_basebackup -R)
--   \tick 1                      time passes: the standby has replayed everything
--   \crash worker-2              pg_ctl stop -m immediate
--   SELECT pg_promote()          on the standby, in place of pg_ctl promote
-- Each ShardScope standby runs with its name as cluster_name, so pg_stat_replication shows
-- that name as application_name where the reference's standby showed walreceiver.
CREATE TABLE ledger (id int PRIMARY KEY, account text, amount int);
SELECT create_distributed_table('ledger', 'id');
CREATE TABLE currencies (code text PRIMARY KEY, name text);
SELECT create_reference_table('currencies');
INSERT INTO ledger SELECT g, 'acct-' || (g % 4), g * 100 FROM generate_series(1, 20) g;
INSERT INTO currencies VALUES ('EUR', 'euro'), ('USD', 'dollar');
-- id 1 -> ledger_102009 and id 3 -> ledger_102023 on worker 9702, id 2 -> ledger_102032 on worker 9701
SELECT id, get_shard_id_for_distribution_column('ledger', id) AS shardid,
       (SELECT nodeport FROM pg_dist_shard_placement p WHERE p.shardid = get_shard_id_for_distribution_column('ledger', id)) AS nodeport
FROM unnest(ARRAY[1, 2, 3]) id ORDER BY id;
SELECT p.nodeport, count(*) AS placements FROM pg_dist_shard_placement p JOIN pg_dist_shard s USING (shardid)
WHERE s.logicalrelid = 'ledger'::regclass GROUP BY 1 ORDER BY 1;

-- a streaming standby of worker 9702 on port 9704 (not known to Citus)
\standby add worker-2 9704
-- writes after the base backup reach the standby through streaming replication
INSERT INTO ledger VALUES (21, 'acct-1', 2100);
UPDATE ledger SET amount = amount + 1 WHERE id = 1;
DELETE FROM ledger WHERE id = 3;
INSERT INTO currencies VALUES ('JPY', 'yen');
\tick 1
SELECT nodeid, groupid, nodename, nodeport, isactive, noderole FROM pg_dist_node ORDER BY nodeid;

-- on the primary worker 9702
\c - - 127.0.0.1 9702
SELECT application_name, state, sync_state FROM pg_stat_replication;
SELECT pg_is_in_recovery();
SELECT id, account, amount FROM ledger_102009 ORDER BY id;
SELECT count(*) FROM ledger_102023;
-- on the standby 9704: the same shard tables, read-only
\c - - 127.0.0.1 9704
SELECT pg_is_in_recovery();
SELECT status, sender_host, sender_port FROM pg_stat_wal_receiver;
SELECT id, account, amount FROM ledger_102009 ORDER BY id;
SELECT count(*) FROM ledger_102023;
SELECT code, name FROM currencies_102040 ORDER BY code;
INSERT INTO ledger_102009 VALUES (1001, 'acct-x', 1);
UPDATE ledger_102009 SET amount = 0;
CREATE TABLE scratch (x int);
\c - - 127.0.0.1 9700

-- worker 9702 crashes
\crash worker-2
SELECT id, account, amount FROM ledger WHERE id = 1;
SELECT id, account, amount FROM ledger WHERE id = 2;
SELECT count(*) FROM ledger;
INSERT INTO ledger VALUES (22, 'acct-2', 2200);
SELECT code, name FROM currencies ORDER BY code;
INSERT INTO currencies VALUES ('GBP', 'pound');

-- failover: promote the standby, then point the node (nodeid 3, group 2) at it
\c - - 127.0.0.1 9704
SELECT pg_promote();
\c - - 127.0.0.1 9700
\c - - 127.0.0.1 9704
SELECT pg_is_in_recovery();
\c - - 127.0.0.1 9700
SELECT citus_update_node(nodeid, '127.0.0.1', 9704) FROM pg_dist_node WHERE nodeport = 9702;
SELECT nodeid, groupid, nodename, nodeport, isactive, noderole FROM pg_dist_node ORDER BY nodeid;
SELECT * FROM citus_get_active_worker_nodes() ORDER BY node_port;
SELECT p.nodeport, count(*) AS placements FROM pg_dist_shard_placement p JOIN pg_dist_shard s USING (shardid)
WHERE s.logicalrelid = 'ledger'::regclass GROUP BY 1 ORDER BY 1;
SELECT shardid, nodename, nodeport FROM pg_dist_shard_placement WHERE shardid IN (102009, 102032, 102040) ORDER BY shardid, nodeport;
-- queries work again, the data is intact (including the writes made after the base backup)
SELECT id, account, amount FROM ledger WHERE id = 1;
SELECT count(*), sum(amount) FROM ledger;
SELECT id, account, amount FROM ledger WHERE id IN (1, 3, 21) ORDER BY id;
SELECT code, name FROM currencies ORDER BY code;
SELECT l.id, c.name FROM ledger l JOIN currencies c ON c.code = 'JPY' WHERE l.id = 21;
INSERT INTO ledger VALUES (22, 'acct-2', 2200);
UPDATE ledger SET amount = amount + 1;
SET citus.log_remote_commands TO on;
SET client_min_messages TO log;
BEGIN;
INSERT INTO ledger VALUES (23, 'acct-3', 2300);
INSERT INTO ledger VALUES (24, 'acct-0', 2400);
INSERT INTO currencies VALUES ('GBP', 'pound');
COMMIT;
RESET client_min_messages;
RESET citus.log_remote_commands;
SELECT count(*), sum(amount) FROM ledger;
SELECT id, account, amount FROM ledger WHERE id IN (23, 24) ORDER BY id;
SELECT nodeport, result FROM run_command_on_workers($$SELECT string_agg(code, ',' ORDER BY code) FROM currencies$$) ORDER BY nodeport;
-- another node already has that address
SELECT citus_update_node(nodeid, '127.0.0.1', 9701) FROM pg_dist_node WHERE nodeport = 9704;
