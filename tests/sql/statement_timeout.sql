-- statement_timeout: PostgreSQL's units and SHOW format, and a statement that runs past it
-- is canceled with its effects undone
SHOW statement_timeout;
SET statement_timeout = 50;
SHOW statement_timeout;
SET statement_timeout TO '1s';
SHOW statement_timeout;
SET statement_timeout = '1.5s';
SHOW statement_timeout;
SET statement_timeout = '2min';
SHOW statement_timeout;
SET statement_timeout = '2000us';
SHOW statement_timeout;
SET statement_timeout = '10 parsecs';
SET statement_timeout = -1;
SET statement_timeout = 'soon';
SET statement_timeout = 0;
SHOW statement_timeout;
CREATE TABLE items (id int PRIMARY KEY, v int);
SELECT create_distributed_table('items', 'id');
INSERT INTO items SELECT i, 0 FROM generate_series(1, 3000) i;
SET statement_timeout = '20ms';
-- nine million pairs take far longer than 20ms
SELECT count(*) FROM generate_series(1, 3000) a, generate_series(1, 3000) b;
-- a multi-shard UPDATE canceled part-way (after its first shards) changes no shard
UPDATE items SET v = (SELECT count(*) FROM generate_series(1, id / 10)) + 1;
SELECT count(*) FILTER (WHERE v <> 0) AS changed FROM items;
-- in a transaction block the timeout aborts the block
BEGIN;
UPDATE items SET v = 1 WHERE id = 1;
SELECT count(*) FROM generate_series(1, 3000) a, generate_series(1, 3000) b;
SELECT 1;
ROLLBACK;
RESET statement_timeout;
SHOW statement_timeout;
SELECT count(*) FILTER (WHERE v <> 0) AS changed FROM items;
SELECT count(*) FROM generate_series(1, 300) a, generate_series(1, 300) b;
