-- Two-phase commit under faults, as in Citus 13.2 with a crashed worker (\crash and \restart
-- stand for pg_ctl stop -m immediate and start), and a fault armed at each step of the commit.
-- The maintenance daemon stays off, so only recover_prepared_transactions() resolves anything.
ALTER SYSTEM SET citus.recover_2pc_interval TO -1;
SELECT pg_reload_conf();
SHOW citus.recover_2pc_interval;
CREATE TABLE orders (id int PRIMARY KEY, item text, qty int);
SELECT create_distributed_table('orders', 'id');
INSERT INTO orders VALUES (1, 'nut', 10), (2, 'bolt', 20), (3, 'screw', 30), (4, 'rivet', 40);
-- ids 2, 4, 6, 8 -> shards on worker-1 (9701); ids 1, 3, 13 -> shards on worker-2 (9702)
SELECT recover_prepared_transactions();
SELECT * FROM pg_dist_transaction;
-- (a) writes on both workers, then worker-2 crashes before COMMIT: nothing is visible
SET citus.log_remote_commands TO on;
SET client_min_messages TO log;
BEGIN;
INSERT INTO orders VALUES (6, 'washer', 60);
UPDATE orders SET qty = qty + 100 WHERE id = 1;
\crash worker-2
COMMIT;
RESET client_min_messages;
RESET citus.log_remote_commands;
SELECT * FROM pg_dist_transaction;
\restart worker-2
SELECT id, item, qty FROM orders ORDER BY id;
SELECT nodeport, result FROM run_command_on_workers($$SELECT count(*) FROM pg_prepared_xacts$$) ORDER BY nodeport;
-- (a2) the crash happens before a statement that needs worker-2
BEGIN;
INSERT INTO orders VALUES (8, 'pin', 80);
\crash worker-2
UPDATE orders SET qty = qty + 100 WHERE id = 3;
SELECT id, item, qty FROM orders WHERE id = 8;
COMMIT;
\restart worker-2
SELECT id, item, qty FROM orders ORDER BY id;
-- (b) worker-2 is down: work that only needs worker-1 commits with one phase
\crash worker-2
SET citus.log_remote_commands TO on;
SET client_min_messages TO log;
BEGIN;
INSERT INTO orders VALUES (6, 'washer', 60);
UPDATE orders SET qty = qty + 1 WHERE id = 2;
COMMIT;
RESET client_min_messages;
RESET citus.log_remote_commands;
SELECT * FROM pg_dist_transaction;
SELECT id, item, qty FROM orders WHERE id IN (2, 4, 6) ORDER BY id;
SELECT id, item, qty FROM orders WHERE id = 1;
INSERT INTO orders VALUES (13, 'clip', 130);
DELETE FROM orders WHERE id = 3;
SELECT count(*) FROM orders;
UPDATE orders SET qty = qty + 1;
BEGIN;
UPDATE orders SET qty = qty + 1 WHERE id = 4;
SELECT id, item, qty FROM orders WHERE id = 3;
SELECT id, item, qty FROM orders WHERE id = 4;
ROLLBACK;
\restart worker-2
SELECT id, item, qty FROM orders ORDER BY id;
-- (c) recovery of prepared transactions made by hand on worker-1: committed when
--     pg_dist_transaction has a record for the gid, rolled back when not, other gids untouched
\c - - 127.0.0.1 9701
BEGIN;
INSERT INTO orders_102016 VALUES (120, 'has-record', 1);
PREPARE TRANSACTION 'citus_0_77777_900001_0';
BEGIN;
INSERT INTO orders_102032 VALUES (159, 'no-record', 2);
PREPARE TRANSACTION 'citus_0_77777_900002_0';
BEGIN;
INSERT INTO orders_102008 VALUES (132, 'foreign-gid', 3);
PREPARE TRANSACTION 'app_batch_42';
SELECT gid, database FROM pg_prepared_xacts ORDER BY gid;
SELECT count(*) FROM orders_102016 WHERE id = 120;
\c - - 127.0.0.1 9700
INSERT INTO pg_dist_transaction (groupid, gid) SELECT groupid, 'citus_0_77777_900001_0' FROM pg_dist_node WHERE nodeport = 9701;
INSERT INTO pg_dist_transaction (groupid, gid) SELECT groupid, 'citus_0_77777_900009_0' FROM pg_dist_node WHERE nodeport = 9701;
SELECT groupid, gid FROM pg_dist_transaction ORDER BY gid;
SELECT id, item, qty FROM orders WHERE id IN (120, 132, 159) ORDER BY id;
SET citus.log_remote_commands TO on;
SET client_min_messages TO log;
SELECT recover_prepared_transactions();
RESET client_min_messages;
RESET citus.log_remote_commands;
SELECT groupid, gid FROM pg_dist_transaction ORDER BY gid;
SELECT id, item, qty FROM orders WHERE id IN (120, 132, 159) ORDER BY id;
SELECT nodeport, result FROM run_command_on_workers($$SELECT coalesce(string_agg(gid, ',' ORDER BY gid), '-') FROM pg_prepared_xacts$$) ORDER BY nodeport;
-- (c2) recovery while worker-2 is down: worker-1 is still recovered
\c - - 127.0.0.1 9701
BEGIN;
INSERT INTO orders_102016 VALUES (130, 'no-record-2', 4);
PREPARE TRANSACTION 'citus_0_77777_900003_0';
\c - - 127.0.0.1 9700
\crash worker-2
SELECT recover_prepared_transactions();
\restart worker-2
SELECT recover_prepared_transactions();
\c - - 127.0.0.1 9701
COMMIT PREPARED 'app_batch_42';
COMMIT PREPARED 'app_batch_42';
BEGIN;
COMMIT PREPARED 'citus_0_1_1_1';
ROLLBACK;
\c - - 127.0.0.1 9700
SELECT id, item, qty FROM orders WHERE id IN (120, 130, 132, 159) ORDER BY id;
-- (d) a fault armed at each step of the next commit
-- before-prepare: the participant never prepares; the whole transaction rolls back
\fail worker-2 at before-prepare
BEGIN;
UPDATE orders SET qty = qty - 1 WHERE id = 2;
UPDATE orders SET qty = qty + 1 WHERE id = 1;
COMMIT;
\restart worker-2
SELECT id, qty FROM orders WHERE id IN (1, 2) ORDER BY id;
-- after-prepare: worker-2 prepared, then crashed before it could say so; the coordinator
-- rolls back, and the branch left on worker-2 is in doubt until recovery rolls it back
\fail worker-2 at after-prepare
BEGIN;
UPDATE orders SET qty = qty - 1 WHERE id = 2;
UPDATE orders SET qty = qty + 1 WHERE id = 1;
COMMIT;
\restart worker-2
SELECT nodeport, result FROM run_command_on_workers($$SELECT coalesce(string_agg(gid, ','), '-') FROM pg_prepared_xacts$$) ORDER BY nodeport;
SELECT * FROM pg_dist_transaction;
SELECT recover_prepared_transactions();
SELECT id, qty FROM orders WHERE id IN (1, 2) ORDER BY id;
-- after-commit-record: the decision is made; COMMIT succeeds with warnings and the branch on
-- the crashed worker commits when recovery finds its record
\fail worker-2 at after-commit-record
BEGIN;
UPDATE orders SET qty = qty - 1 WHERE id = 2;
UPDATE orders SET qty = qty + 1 WHERE id = 1;
COMMIT;
SELECT groupid, split_part(gid, '_', 4) AS txn_number FROM pg_dist_transaction ORDER BY groupid;
\restart worker-2
SELECT id, qty FROM orders WHERE id IN (1, 2) ORDER BY id;
SELECT recover_prepared_transactions();
SELECT id, qty FROM orders WHERE id IN (1, 2) ORDER BY id;
SELECT * FROM pg_dist_transaction;
-- during-commit-prepared: worker-1 commits its branch, then crashes before answering; the
-- warning does not mean the branch was lost, and recovery only deletes the record
\fail worker-1 at during-commit-prepared
BEGIN;
UPDATE orders SET qty = qty - 1 WHERE id = 2;
UPDATE orders SET qty = qty + 1 WHERE id = 1;
COMMIT;
\restart worker-1
SELECT recover_prepared_transactions();
SELECT id, qty FROM orders WHERE id IN (1, 2) ORDER BY id;
-- the coordinator crashing before its decision means abort, after it commit
\fail coordinator at after-prepare
BEGIN;
UPDATE orders SET qty = qty - 1 WHERE id = 2;
UPDATE orders SET qty = qty + 1 WHERE id = 1;
COMMIT;
SELECT 1;
\restart coordinator
SELECT nodeport, result FROM run_command_on_workers($$SELECT count(*) FROM pg_prepared_xacts$$) ORDER BY nodeport;
SELECT recover_prepared_transactions();
SELECT id, qty FROM orders WHERE id IN (1, 2) ORDER BY id;
\fail coordinator at after-commit-record
BEGIN;
UPDATE orders SET qty = qty - 1 WHERE id = 2;
UPDATE orders SET qty = qty + 1 WHERE id = 1;
COMMIT;
\restart coordinator
SELECT id, qty FROM orders WHERE id IN (1, 2) ORDER BY id;
SELECT recover_prepared_transactions();
SELECT id, qty FROM orders WHERE id IN (1, 2) ORDER BY id;
-- (e) the maintenance daemon recovers on its own, every citus.recover_2pc_interval
ALTER SYSTEM SET citus.recover_2pc_interval TO '10s';
SELECT pg_reload_conf();
\fail worker-1 at after-commit-record
BEGIN;
UPDATE orders SET qty = qty - 1 WHERE id = 2;
UPDATE orders SET qty = qty + 1 WHERE id = 1;
COMMIT;
\restart worker-1
SELECT nodeport, result FROM run_command_on_workers($$SELECT count(*) FROM pg_prepared_xacts$$) ORDER BY nodeport;
\tick 10s
SELECT nodeport, result FROM run_command_on_workers($$SELECT count(*) FROM pg_prepared_xacts$$) ORDER BY nodeport;
SELECT id, qty FROM orders WHERE id IN (1, 2) ORDER BY id;
-- (f) reference table writes need every placement
CREATE TABLE item_prices (item text PRIMARY KEY, price int);
SELECT create_reference_table('item_prices');
INSERT INTO item_prices VALUES ('nut', 1), ('bolt', 2);
\crash worker-2
SELECT item, price FROM item_prices ORDER BY item;
INSERT INTO item_prices VALUES ('screw', 3);
UPDATE item_prices SET price = price + 10 WHERE item = 'nut';
\restart worker-2
BEGIN;
INSERT INTO item_prices VALUES ('rivet', 4);
\crash worker-2
COMMIT;
\restart worker-2
SELECT item, price FROM item_prices ORDER BY item;
-- bad arguments
\fail worker-7 at before-prepare
\fail worker-1 at whenever
\fail worker-1
\crash
\tick soon
