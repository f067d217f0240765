-- psql's \gset: the query's one row goes into variables named after its columns, which later
-- statements use as :name, :'name' and :"name".
CREATE TABLE orders (id int PRIMARY KEY, customer text, total numeric(10,2));
SELECT create_distributed_table('orders', 'id');
INSERT INTO orders VALUES (1, 'ann', 10.50), (2, 'bob''s', 20), (3, 'cy', NULL);
SELECT count(*) AS n, max(total) AS top, 'orders' AS tbl FROM orders \gset
\echo :n :top :tbl
SELECT :n + 1 AS next_id, :'tbl' AS name, count(*) FROM :"tbl";
-- a prefix, and a NULL that unsets the variable
SELECT customer, total FROM orders WHERE id = 2 \gset o2_
\echo :o2_customer :'o2_customer' :o2_total
\set o3_total set-before
SELECT customer, total FROM orders WHERE id = 3 \gset o3_
\echo :o3_customer :o3_total
-- the values are text as the server sends them
SELECT true AS yes, 1.50::numeric(4,2) AS money, '2024-02-29'::date AS day, ARRAY[1, 2] AS arr \gset
\echo :yes :money :day :arr
-- INSERT ... RETURNING stores its row and prints its tag
INSERT INTO orders VALUES (4, 'dee', 5) RETURNING id AS new_id, customer AS new_customer \gset
\echo :new_id :new_customer
-- a statement without rows only prints its tag
CREATE TABLE gset_target (x int) \gset
-- psql's errors: no row, several rows, a name psql refuses, its own variables
SELECT id FROM orders WHERE id > 100 \gset
SELECT id FROM orders \gset
SELECT 1 AS "not valid" \gset
SELECT 'on' AS "QUIET", 2 AS after_quiet \gset
\echo :QUIET :after_quiet
-- an error in the query is the query's
SELECT nope FROM orders \gset
-- \gset with an empty buffer sends the previous query again
SELECT max(id) AS top_id FROM orders;
\gset
\echo :top_id
\unset top_id
\echo :top_id
\?
