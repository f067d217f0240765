-- Transactions on a Citus coordinator: transaction blocks, failed blocks, savepoints,
-- transactional DDL, and when Citus commits with one phase or with two.
CREATE TABLE accounts (id int PRIMARY KEY, owner text, balance int NOT NULL);
SELECT create_distributed_table('accounts', 'id');
INSERT INTO accounts VALUES (1, 'ann', 100), (2, 'bob', 100), (3, 'cat', 100), (4, 'dan', 100);
-- ids 1 and 3 live on worker-2 (9702), 2 and 4 on worker-1 (9701)
SELECT id, get_shard_id_for_distribution_column('accounts', id) AS shardid,
       (SELECT nodeport FROM pg_dist_shard_placement p WHERE p.shardid = get_shard_id_for_distribution_column('accounts', id)) AS nodeport
FROM unnest(ARRAY[1, 2, 3, 4]) id ORDER BY id;
-- a rolled back block leaves nothing behind, on any shard
BEGIN;
UPDATE accounts SET balance = 0 WHERE id = 3;
DELETE FROM accounts WHERE id = 1;
SELECT id, balance FROM accounts ORDER BY id;
ROLLBACK;
SELECT id, balance FROM accounts ORDER BY id;
-- an error aborts the block; COMMIT then answers ROLLBACK
BEGIN;
UPDATE accounts SET balance = balance - 50 WHERE id = 2;
SELECT 1 / 0;
SELECT id, balance FROM accounts WHERE id = 2;
COMMIT;
SELECT id, balance FROM accounts WHERE id = 2;
-- the warnings PostgreSQL gives
COMMIT;
ROLLBACK;
BEGIN;
BEGIN;
END;
SAVEPOINT nowhere;
ROLLBACK TO SAVEPOINT nowhere;
RELEASE SAVEPOINT nowhere;
-- savepoints reach every worker in the transaction as savepoint_<id>
SET citus.log_remote_commands TO on;
BEGIN;
UPDATE accounts SET balance = balance + 1 WHERE id = 1;
SAVEPOINT before_bob;
UPDATE accounts SET balance = balance + 1000 WHERE id = 2;
ROLLBACK TO SAVEPOINT before_bob;
UPDATE accounts SET balance = balance + 1 WHERE id = 2;
RELEASE SAVEPOINT before_bob;
ROLLBACK TO SAVEPOINT before_bob;
COMMIT;
RESET citus.log_remote_commands;
SELECT id, balance FROM accounts ORDER BY id;
-- an error under a savepoint leaves the work before it
BEGIN;
UPDATE accounts SET balance = balance + 10 WHERE id = 3;
SAVEPOINT s1;
INSERT INTO accounts VALUES (4, 'dup', 1);
SELECT 1;
ROLLBACK TO s1;
UPDATE accounts SET balance = balance + 10 WHERE id = 4;
COMMIT;
SELECT id, balance FROM accounts ORDER BY id;
-- DDL is transactional: a rolled back create_distributed_table leaves no table, no shards
BEGIN;
CREATE TABLE audit (id int PRIMARY KEY, note text);
SELECT create_distributed_table('audit', 'id');
INSERT INTO audit VALUES (1, 'written in the block');
SELECT count(*) FROM pg_dist_shard WHERE logicalrelid = 'audit'::regclass;
ROLLBACK;
SELECT count(*) FROM pg_dist_shard WHERE shardid >= 102040;
SELECT * FROM audit;
SELECT nodeport, result FROM run_command_on_workers($$SELECT count(*) FROM audit_102040$$) ORDER BY nodeport;
-- shard ids are not given back (sequences are not transactional)
CREATE TABLE audit (id int PRIMARY KEY, note text);
SELECT create_distributed_table('audit', 'id');
SELECT min(shardid), max(shardid) FROM pg_dist_shard WHERE logicalrelid = 'audit'::regclass;
-- one phase or two: writes through one worker commit with COMMIT, through two with 2PC
SELECT recover_prepared_transactions();
SET citus.log_remote_commands TO on;
BEGIN;
UPDATE accounts SET balance = balance - 5 WHERE id = 2;
UPDATE accounts SET balance = balance + 5 WHERE id = 4;
COMMIT;
BEGIN;
UPDATE accounts SET balance = balance - 5 WHERE id = 1;
SELECT balance FROM accounts WHERE id = 2;
UPDATE accounts SET balance = balance + 5 WHERE id = 3;
COMMIT;
BEGIN;
UPDATE accounts SET balance = balance - 7 WHERE id = 1;
UPDATE accounts SET balance = balance + 7 WHERE id = 2;
COMMIT;
-- a multi-shard UPDATE outside a block is one distributed transaction too
UPDATE accounts SET balance = balance WHERE id IN (1, 2);
RESET citus.log_remote_commands;
SELECT groupid, split_part(gid, '_', 4) AS txn_number, split_part(gid, '_', 5) AS connection_number FROM pg_dist_transaction ORDER BY gid;
SELECT recover_prepared_transactions();
SELECT * FROM pg_dist_transaction;
-- a reference table write is 2PC over every placement, the coordinator's own by local execution
CREATE TABLE currencies (code text PRIMARY KEY, name text);
SELECT create_reference_table('currencies');
SET citus.log_remote_commands TO on;
INSERT INTO currencies VALUES ('EUR', 'euro');
RESET citus.log_remote_commands;
SELECT n.nodeport, r.result FROM run_command_on_all_nodes($$SELECT string_agg(code, ',') FROM currencies_102104$$) r JOIN pg_dist_node n USING (nodeid) ORDER BY n.nodeport;
SELECT id, owner, balance FROM accounts ORDER BY id;
