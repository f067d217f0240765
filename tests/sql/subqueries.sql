-- Subqueries in SELECT, UPDATE and DELETE: pushed down with the outer query when co-located
-- and tied by distribution columns, planned recursively (run first, read as an intermediate
-- result) when uncorrelated, refused when correlated over a table that is not co-located.
CREATE TABLE customers (cid int PRIMARY KEY, name text, country text);
SELECT create_distributed_table('customers', 'cid');
CREATE TABLE purchases (pid int PRIMARY KEY, cid int, product text, amount int);
SELECT create_distributed_table('purchases', 'pid');
CREATE TABLE notes (cid int, note text);
SELECT create_distributed_table('notes', 'cid', colocate_with => 'customers');
CREATE TABLE countries (code text PRIMARY KEY, continent text);
SELECT create_reference_table('countries');
INSERT INTO countries VALUES ('NO', 'Europe'), ('JP', 'Asia'), ('BR', 'America'), ('DE', 'Europe');
INSERT INTO customers SELECT g, 'c' || g, (ARRAY['NO', 'JP', 'BR', 'DE'])[1 + g % 4] FROM generate_series(1, 40) g;
INSERT INTO purchases SELECT g, 1 + (g * 7) % 45, 'p' || (g % 6), (g * 13) % 50 FROM generate_series(1, 120) g;
INSERT INTO notes SELECT g, 'note ' || g FROM generate_series(1, 40, 3) g;
-- uncorrelated IN / NOT IN / EXISTS / scalar subqueries over the table that is not co-located
SELECT count(*) FROM customers WHERE cid IN (SELECT cid FROM purchases WHERE product = 'p4' AND amount < 10);
SELECT cid, name FROM customers WHERE cid NOT IN (SELECT cid FROM purchases) ORDER BY cid;
SELECT count(*) FROM purchases WHERE cid NOT IN (SELECT cid FROM customers);
SELECT count(*) FROM customers WHERE EXISTS (SELECT 1 FROM purchases WHERE amount > 48);
SELECT count(*) FROM customers WHERE NOT EXISTS (SELECT 1 FROM purchases WHERE amount > 100);
SELECT cid, name FROM customers WHERE cid = (SELECT max(cid) FROM purchases) ORDER BY cid;
SELECT cid, (SELECT count(*) FROM purchases) AS all_purchases FROM customers WHERE cid < 3 ORDER BY cid;
SELECT country, count(*) FROM customers WHERE cid IN (SELECT cid FROM purchases WHERE amount > 40) GROUP BY country ORDER BY country;
-- nested: the inner subquery is itself planned recursively
SELECT count(*) FROM customers WHERE cid IN (SELECT cid FROM purchases WHERE pid IN (SELECT cid FROM notes));
-- co-located and tied by the distribution column: pushed down into each shard task
SELECT count(*) FROM customers WHERE cid IN (SELECT cid FROM notes);
SELECT count(*) FROM customers c WHERE EXISTS (SELECT 1 FROM notes n WHERE n.cid = c.cid);
SELECT c.cid, (SELECT n.note FROM notes n WHERE n.cid = c.cid) AS note FROM customers c WHERE c.cid < 8 ORDER BY 1;
-- reference tables are everywhere: pushed down
SELECT count(*) FROM customers WHERE country IN (SELECT code FROM countries WHERE continent = 'Europe');
-- correlated over the table that is not co-located: refused
SELECT count(*) FROM customers c WHERE EXISTS (SELECT 1 FROM purchases p WHERE p.cid = c.cid);
SELECT c.cid, (SELECT max(amount) FROM purchases p WHERE p.cid = c.cid) FROM customers c ORDER BY 1;
SET citus.enable_repartition_joins TO on;
SELECT count(*) FROM customers c WHERE EXISTS (SELECT 1 FROM purchases p WHERE p.cid = c.cid);
SELECT c.name, p.amount FROM customers c LEFT JOIN purchases p ON p.cid = c.cid ORDER BY 1, 2 LIMIT 3;
RESET citus.enable_repartition_joins;
-- the subquery's plan and the rewritten query
SET client_min_messages TO debug1;
SELECT cid, name FROM customers WHERE cid IN (SELECT cid FROM purchases WHERE amount > 48) ORDER BY cid;
SELECT cid FROM customers WHERE cid IN (SELECT cid FROM notes WHERE note LIKE '%1') ORDER BY cid;
RESET client_min_messages;
-- EXPLAIN shows the subplan Citus runs first, then the tasks that read its result
EXPLAIN (COSTS OFF) SELECT cid, name FROM customers WHERE cid IN (SELECT cid FROM purchases WHERE amount > 48) ORDER BY cid;
-- UPDATE and DELETE with subqueries
UPDATE customers SET country = 'NO' WHERE cid IN (SELECT cid FROM purchases WHERE product = 'p4' AND amount < 10);
SELECT cid, country FROM customers WHERE country = 'NO' ORDER BY cid;
DELETE FROM purchases WHERE cid IN (SELECT cid FROM customers WHERE country = 'JP');
SELECT count(*) FROM purchases;
DELETE FROM purchases WHERE cid NOT IN (SELECT cid FROM customers);
SELECT count(*) FROM purchases;
UPDATE customers SET name = name || '!' WHERE cid IN (SELECT cid FROM notes);
SELECT count(*) FROM customers WHERE name LIKE '%!';
DELETE FROM notes WHERE cid IN (SELECT cid FROM customers WHERE country = 'BR');
SELECT count(*) FROM notes;
UPDATE purchases SET amount = amount + 1 WHERE cid = (SELECT min(cid) FROM customers);
SELECT sum(amount) FROM purchases;
-- correlated over the table that is not co-located: refused, nothing changed
DELETE FROM customers c WHERE NOT EXISTS (SELECT 1 FROM purchases p WHERE p.cid = c.cid);
UPDATE purchases p SET amount = 0 WHERE EXISTS (SELECT 1 FROM customers c WHERE c.cid = p.cid AND c.country = 'DE');
SELECT count(*), sum(amount) FROM purchases;
-- inside a transaction, the subplan sees the transaction's own writes
BEGIN;
UPDATE purchases SET product = 'p9' WHERE pid = 2;
SELECT count(*) FROM customers WHERE cid IN (SELECT cid FROM purchases WHERE product = 'p9');
DELETE FROM customers WHERE cid IN (SELECT cid FROM purchases WHERE product = 'p9');
SELECT count(*) FROM customers;
ROLLBACK;
SELECT count(*) FROM customers;
