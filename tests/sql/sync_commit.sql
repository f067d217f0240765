-- synchronous_standby_names and synchronous_commit: a commit returns once the listed standbys
-- have its WAL. With the synchronous standby down it waits (availability traded for
-- durability) until the standby is back, the list is emptied, or the client cancels.
CREATE TABLE orders (id int PRIMARY KEY, amount int);
SELECT create_distributed_table('orders', 'id');
-- \standby add ... sync does what an operator does: ALTER SYSTEM SET synchronous_standby_names
\standby add worker-1 sync
\standby add worker-1
\c worker-1
SHOW synchronous_standby_names;
SELECT application_name, state, sync_priority, sync_state FROM pg_stat_replication ORDER BY application_name;
-- the setting is the server's: a session cannot change it, and a bad list is refused
SET synchronous_standby_names = '*';
ALTER SYSTEM SET synchronous_standby_names = 'worker-1-standby';
ALTER SYSTEM SET synchronous_standby_names = 'FIRST 0 (a)';
ALTER SYSTEM SET synchronous_commit = sometimes;
-- every standby as a candidate, the first connected one synchronous
ALTER SYSTEM SET synchronous_standby_names = 'FIRST 1 (*)';
SHOW synchronous_standby_names;
SELECT pg_reload_conf();
SHOW synchronous_standby_names;
SELECT application_name, sync_priority, sync_state FROM pg_stat_replication ORDER BY application_name;
-- a quorum: any one of the two
ALTER SYSTEM SET synchronous_standby_names = 'ANY 1 ("worker-1-standby", "worker-1-standby-2")';
SELECT pg_reload_conf();
SELECT application_name, sync_priority, sync_state FROM pg_stat_replication ORDER BY application_name;
-- back to the first standby only
ALTER SYSTEM SET synchronous_standby_names = '"worker-1-standby"';
SELECT pg_reload_conf();
\c coordinator
INSERT INTO orders VALUES (1, 10), (2, 20), (3, 30), (4, 40);
-- with the synchronous standby down, a commit on worker-1 waits; worker-2 has none
\crash worker-1-standby
INSERT INTO orders VALUES (5, 50);
-- the session is busy until then, as psql is
INSERT INTO orders VALUES (10, 100);
-- another session sees the row committed on worker-1 and is not blocked
\session 2
SELECT count(*) FROM orders;
-- the standby comes back and confirms: the commit returns
\restart worker-1-standby
\session 1
SELECT count(*) FROM orders;
-- cancelling the wait leaves the commit in place, with PostgreSQL's warning
\crash worker-1-standby
INSERT INTO orders VALUES (11, 110);
\cancel 1
SELECT id, amount FROM orders ORDER BY id;
-- a transaction across both workers: worker-1's COMMIT PREPARED waits, worker-2's does not
BEGIN;
INSERT INTO orders VALUES (6, 60), (7, 70), (8, 80), (9, 90);
COMMIT;
\restart worker-1-standby
SELECT count(*) FROM orders;
-- synchronous_commit = local does not wait, on the server the client is connected to
\c worker-1
SET synchronous_commit = local;
SHOW synchronous_commit;
INSERT INTO orders_102008 VALUES (1000, 1);
SET synchronous_commit = on;
INSERT INTO orders_102008 VALUES (1001, 1);
-- emptying the list releases the waiting commit
\session 2
\c worker-1
ALTER SYSTEM SET synchronous_standby_names = '';
SELECT pg_reload_conf();
\session 1
INSERT INTO orders_102008 VALUES (1002, 1);
SELECT count(*) FROM orders_102008 WHERE id >= 1000;
\restart worker-1-standby
SELECT application_name, sync_state FROM pg_stat_replication ORDER BY application_name;
