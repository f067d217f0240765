-- Synchronous replication: a commit waits until the standby has the record, so a failover
-- loses nothing the clients were told about, even with a slow link.
CREATE TABLE ledger (id int PRIMARY KEY, amount int);
SELECT create_distributed_table('ledger', 'id');
INSERT INTO ledger SELECT g, g * 100 FROM generate_series(1, 20) g;
\standby add worker-2 sync delay 30s
INSERT INTO ledger VALUES (21, 2100);
-- a transaction across both workers: two-phase commit, replicated on worker-2
BEGIN;
UPDATE ledger SET amount = amount - 50 WHERE id = 1;
UPDATE ledger SET amount = amount + 50 WHERE id = 2;
COMMIT;
\c worker-2
SELECT application_name, sync_state, sent_lsn = replay_lsn AS caught_up FROM pg_stat_replication;
\c coordinator
\crash worker-2
\failover worker-2
SELECT id, amount FROM ledger WHERE id IN (1, 2, 21) ORDER BY id;
SELECT count(*), sum(amount) FROM ledger;
SELECT nodeid, nodeport FROM pg_dist_node ORDER BY nodeid;
