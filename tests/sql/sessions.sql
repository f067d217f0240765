-- Several sessions on one cluster: read committed between them, row locks and the waits they
-- cause (also on a prepared transaction), and deadlocks on one node and across nodes.
CREATE TABLE accounts (id int PRIMARY KEY, balance int NOT NULL);
SELECT create_distributed_table('accounts', 'id');
INSERT INTO accounts VALUES (1, 100), (2, 100), (3, 100), (4, 100);
-- 1 and 3 on worker-2, 2 and 4 on worker-1
-- session 1 writes on two workers in a block; session 2 sees only what is committed
BEGIN;
UPDATE accounts SET balance = balance - 30 WHERE id = 1;
UPDATE accounts SET balance = balance + 30 WHERE id = 2;
SELECT id, balance FROM accounts ORDER BY id;
\session 2
SELECT id, balance FROM accounts ORDER BY id;
SELECT sum(balance) FROM accounts;
-- a write to a row session 1 holds waits; one it does not hold goes through
UPDATE accounts SET balance = balance + 1 WHERE id = 3;
UPDATE accounts SET balance = balance + 5 WHERE id = 1;
\session 1
COMMIT;
\session 2
SELECT id, balance FROM accounts ORDER BY id;
-- an INSERT of a key another session inserted waits too; it fails once that commits
\session 1
BEGIN;
INSERT INTO accounts VALUES (5, 50);
\session 2
INSERT INTO accounts VALUES (5, 55);
\session 1
COMMIT;
\session 2
SELECT id, balance FROM accounts WHERE id = 5;
-- and goes through when it rolls back
\session 1
BEGIN;
INSERT INTO accounts VALUES (6, 60);
\session 2
INSERT INTO accounts VALUES (6, 66);
\session 1
ROLLBACK;
\session 2
SELECT id, balance FROM accounts WHERE id = 6;
-- a distributed deadlock: each session holds a row on one worker and wants the other's;
-- Citus cancels the youngest transaction, the other one carries on
\session 1
BEGIN;
UPDATE accounts SET balance = balance + 1 WHERE id = 1;
\session 2
BEGIN;
UPDATE accounts SET balance = balance + 1 WHERE id = 2;
\session 1
UPDATE accounts SET balance = balance + 1 WHERE id = 2;
\session 2
UPDATE accounts SET balance = balance + 1 WHERE id = 1;
SELECT 1;
ROLLBACK;
\session 1
COMMIT;
-- a deadlock among backends of one worker is PostgreSQL's own, relayed by Citus
BEGIN;
UPDATE accounts SET balance = 0 WHERE id = 2;
\session 2
BEGIN;
UPDATE accounts SET balance = 0 WHERE id = 4;
\session 1
UPDATE accounts SET balance = 0 WHERE id = 4;
\session 2
UPDATE accounts SET balance = 0 WHERE id = 2;
ROLLBACK;
\session 1
COMMIT;
SELECT id, balance FROM accounts ORDER BY id;
-- a prepared transaction keeps its locks, across a crash of its node, until it is resolved
\c worker-1
BEGIN;
UPDATE accounts_102016 SET balance = -1 WHERE id = 4;
PREPARE TRANSACTION 'held_by_hand';
\c coordinator
\session 2
UPDATE accounts SET balance = 40 WHERE id = 4;
\session 1
\crash worker-1
\restart worker-1
\c worker-1
SELECT gid FROM pg_prepared_xacts;
ROLLBACK PREPARED 'held_by_hand';
\c coordinator
\session 2
SELECT id, balance FROM accounts WHERE id = 4;
-- a waiting statement can be cancelled only by ending what it waits for; while it waits the
-- session takes nothing else
\session 1
BEGIN;
UPDATE accounts SET balance = 1 WHERE id = 3;
\session 2
UPDATE accounts SET balance = 2 WHERE id = 3;
SELECT 1;
\session 1
ROLLBACK;
\session 2
SELECT id, balance FROM accounts WHERE id = 3;
\session 3
SELECT count(*) FROM accounts;
\session 10
\session x
