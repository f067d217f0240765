-- Schemas: CREATE/DROP SCHEMA, search_path and schema-qualified names, on one node and on
-- Citus tables (whose shards live in the same schema on the workers).
CREATE SCHEMA sales;
CREATE SCHEMA sales;
CREATE SCHEMA IF NOT EXISTS sales;
CREATE SCHEMA pg_mine;
CREATE TABLE nowhere.t (a int);
\dn

-- Qualified names reach the schema; unqualified ones only what search_path reaches.
CREATE TABLE sales.orders (id bigint PRIMARY KEY, customer_id int NOT NULL, amount numeric);
INSERT INTO sales.orders VALUES (1, 10, 12.50), (2, 20, 7), (3, 10, 99.90);
SELECT * FROM sales.orders ORDER BY id;
SELECT orders.id FROM sales.orders WHERE orders.amount > 10 ORDER BY 1;
SELECT * FROM orders;
SHOW search_path;
SELECT current_schema();
SET search_path TO sales, public;
SHOW search_path;
SELECT current_schema();
SELECT count(*) FROM orders;
CREATE TABLE customers (id int PRIMARY KEY, name text);
INSERT INTO customers VALUES (10, 'ada'), (20, 'grace');
SELECT c.name, sum(o.amount) FROM orders o JOIN customers c ON c.id = o.customer_id GROUP BY c.name ORDER BY 1;
SELECT 'customers'::regclass, 'sales.customers'::regclass;
\dt
\d customers
RESET search_path;
SELECT 'sales.customers'::regclass;
SELECT 'nowhere.customers'::regclass;
\dt
\dt sales.*

-- A public table of the same name is hidden while sales comes first.
CREATE TABLE customers (id int, note text);
INSERT INTO customers VALUES (1, 'the public one');
SET search_path TO sales, public;
SELECT count(*) FROM customers;
SELECT note FROM public.customers;
SET search_path TO public, sales;
SELECT note FROM customers;
SELECT count(*) FROM orders;
RESET search_path;

-- Citus tables in a schema: shards are named and placed as Citus does, in the same schema.
SET citus.next_shard_id TO 1230000;
SELECT create_distributed_table('sales.orders', 'id', shard_count := 4);
SELECT create_reference_table('sales.customers');
SELECT logicalrelid, partmethod, colocationid > 0 AS colocated FROM pg_dist_partition ORDER BY logicalrelid::text;
SELECT shardid, shard_name(logicalrelid, shardid) FROM pg_dist_shard WHERE logicalrelid = 'sales.orders'::regclass ORDER BY shardid;
SELECT table_name, citus_table_type, distribution_column, shard_count FROM citus_tables ORDER BY table_name::text;
SELECT * FROM sales.orders WHERE id = 3;
INSERT INTO sales.orders VALUES (4, 20, 1.25);
UPDATE sales.orders SET amount = amount + 1 WHERE customer_id = 20;
DELETE FROM sales.orders WHERE id = 1;
SELECT c.name, count(*), sum(o.amount) FROM sales.orders o JOIN sales.customers c ON c.id = o.customer_id GROUP BY c.name ORDER BY 1;
EXPLAIN (costs off) SELECT * FROM sales.orders WHERE id = 3;
SET search_path TO sales;
SELECT logicalrelid FROM pg_dist_partition ORDER BY logicalrelid::text;
CREATE TABLE order_lines (order_id bigint, line int, qty int);
SELECT create_distributed_table('order_lines', 'order_id', colocate_with := 'orders');
INSERT INTO order_lines VALUES (2, 1, 5), (3, 1, 1), (3, 2, 2), (4, 1, 7);
SELECT o.id, sum(l.qty) FROM orders o JOIN order_lines l ON l.order_id = o.id GROUP BY o.id ORDER BY o.id;
RESET search_path;

-- The workers hold the shards in the schema.
\c - - - 9701
SELECT count(*) FROM sales.orders;
\c - - - 9700

-- Dropping: a schema that holds relations needs CASCADE, which drops the shards too.
DROP SCHEMA sales;
DROP SCHEMA IF EXISTS nowhere;
DROP SCHEMA nowhere;
DROP SCHEMA public;
DROP SCHEMA sales CASCADE;
SELECT run_command_on_workers($$SELECT count(*) FROM sales.orders_1230000$$) AS shard_gone;
SELECT count(*) FROM pg_dist_partition;
SELECT count(*) FROM pg_dist_shard;
SELECT * FROM sales.orders;
DROP TABLE customers;

-- The way Citus's own regression tests begin and end: a schema of their own, ids pinned by
-- restarting Citus's sequences, and quiet clean-up.
CREATE SCHEMA regress_style;
SET search_path TO regress_style;
SET citus.shard_count TO 4;
SET citus.next_shard_id TO 99456900;
ALTER SEQUENCE pg_catalog.pg_dist_colocationid_seq RESTART 456900;
CREATE TABLE t1 (i int);
select * from create_distributed_table('t1', 'i');
CREATE TABLE "t with space" (i int);
SELECT create_distributed_table('"t with space"', 'i');
INSERT INTO t1 SELECT generate_series(1, 10);
SELECT * FROM run_command_on_placements('t1', $$SELECT count(*) FROM %s$$) ORDER BY shardid;
SELECT table_name, shardid, shard_name, colocation_id FROM citus_shards ORDER BY table_name::text, shardid;
SELECT shard_name('t1', 99456900), shard_name('t1', 99456900, false);
WITH a AS (SELECT 1, * FROM t1 WHERE i = 3) SELECT * FROM a;
WITH a AS (SELECT i FROM t1 WHERE i < 3) SELECT * FROM a, a b ORDER BY 1, 2;
CREATE SEQUENCE ticket;
ALTER SEQUENCE ticket RESTART WITH 40;
SELECT nextval('ticket'), nextval('ticket');
SET client_min_messages TO WARNING;
DROP SCHEMA regress_style CASCADE;
RESET client_min_messages;
RESET search_path;
SELECT count(*) FROM citus_shards;
CREATE SCHEMA parts;
SET search_path TO parts;
CREATE TABLE p (a int, b int) PARTITION BY RANGE (a);
CREATE TABLE p1 PARTITION OF p FOR VALUES FROM (1) TO (6);
\d+ p
CREATE TABLE p2 (a int, b int);
ALTER TABLE p ATTACH PARTITION p2 FOR VALUES FROM (6) TO (11);
CREATE TABLE p3 (LIKE p);
INSERT INTO p VALUES (1, 1), (7, 7);
SELECT tableoid::regclass, * FROM p ORDER BY a;
SELECT create_distributed_table('p', 'a');
ALTER TABLE p DETACH PARTITION p2;
\d+ p
RESET search_path;
\d+ parts.p
SET client_min_messages TO WARNING;
DROP SCHEMA parts CASCADE;
