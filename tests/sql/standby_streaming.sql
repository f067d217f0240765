-- A streaming standby of a worker: a base backup, then the worker's WAL replayed in order.
-- The standby answers reads, refuses writes, and shows its lag.
CREATE TABLE ledger (id int PRIMARY KEY, account text, amount int);
SELECT create_distributed_table('ledger', 'id');
CREATE TABLE currencies (code text PRIMARY KEY, name text);
SELECT create_reference_table('currencies');
INSERT INTO ledger SELECT g, 'acct-' || (g % 4), g * 100 FROM generate_series(1, 20) g;
INSERT INTO currencies VALUES ('EUR', 'euro'), ('USD', 'dollar');
\standby add worker-2 9704
-- writes after the base backup reach the standby through the WAL
INSERT INTO ledger VALUES (21, 'acct-1', 2100);
UPDATE ledger SET amount = amount + 1 WHERE id = 1;
DELETE FROM ledger WHERE id = 3;
INSERT INTO currencies VALUES ('JPY', 'yen');
ALTER TABLE ledger ADD COLUMN note text;
UPDATE ledger SET note = 'checked' WHERE id = 1;
\standby
-- the primary's walsender
\c - - 127.0.0.1 9702
SELECT application_name, state, sync_state, sent_lsn = replay_lsn AS caught_up FROM pg_stat_replication;
SELECT pg_is_in_recovery();
SELECT id, account, amount, note FROM ledger_102009 ORDER BY id;
SELECT count(*) FROM ledger_102023;
-- the standby: the same shards, read-only
\c worker-2-standby
SELECT pg_is_in_recovery();
SELECT status, sender_host, sender_port FROM pg_stat_wal_receiver;
SELECT id, account, amount, note FROM ledger_102009 ORDER BY id;
SELECT count(*) FROM ledger_102023;
SELECT code, name FROM currencies_102040 ORDER BY code;
INSERT INTO ledger_102009 VALUES (1001, 'acct-x', 1);
UPDATE ledger_102009 SET amount = 0;
DELETE FROM ledger_102009;
CREATE TABLE scratch (x int);
TRUNCATE ledger_102009;
SELECT pg_current_wal_lsn();
SELECT pg_last_wal_replay_lsn() IS NOT NULL AS replaying;
BEGIN;
SELECT count(*) FROM ledger_102009;
PREPARE TRANSACTION 'on_a_standby';
ROLLBACK;
-- a standby with a delayed link lags behind its primary
\c - - 127.0.0.1 9700
\standby add worker-1 delay 10s
INSERT INTO ledger VALUES (2, 'acct-2', 7), (4, 'acct-0', 7) ON CONFLICT (id) DO UPDATE SET amount = excluded.amount;
\c - - 127.0.0.1 9701
SELECT application_name, sync_state, sent_lsn = replay_lsn AS caught_up, replay_lag IS NOT NULL AS lagging FROM pg_stat_replication;
\c worker-1-standby
SELECT id, amount FROM ledger_102032 ORDER BY id;
\tick 10s
SELECT id, amount FROM ledger_102032 ORDER BY id;
\c - - 127.0.0.1 9700
\standby
-- mistakes
\standby add nowhere
\standby add worker-1 9700
\standby add worker-1 delay soon
\standby add worker-1-standby
\standby remove worker-1
\ha maybe
\failover
\switchover coordinator
SELECT pg_promote();
