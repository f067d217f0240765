-- Costs in EXPLAIN, as PostgreSQL 15 estimates them for shards that were never analyzed: ten
-- pages filled with rows as wide as their column types suggest (items: 65 bytes a row, 87 a
-- page, 870 rows), default selectivities, and Citus's 100000-row Custom Scan.
CREATE TABLE items (id int PRIMARY KEY, name text, price numeric(10,2), qty int, active boolean, added timestamp);
SELECT create_distributed_table('items', 'id');
CREATE TABLE tags (item_id int, tag varchar(20));
SELECT create_distributed_table('tags', 'item_id');
CREATE TABLE kinds (code char(2) PRIMARY KEY, label text);
SELECT create_reference_table('kinds');
INSERT INTO items VALUES (7, 'Apple', 1.50, 3, true, '2024-01-01');
-- equality: 1/200 of the rows; a range on one column: 1/200; LIKE with a prefix: 1/200
EXPLAIN SELECT * FROM items WHERE qty = 3;
EXPLAIN SELECT * FROM items WHERE qty > 3 AND qty < 10;
EXPLAIN SELECT * FROM items WHERE qty BETWEEN 3 AND 10;
EXPLAIN SELECT name FROM items WHERE qty > 3;
EXPLAIN SELECT name FROM items WHERE name LIKE 'A%';
EXPLAIN SELECT * FROM items WHERE active;
-- a unique key: one row, through the primary key index
EXPLAIN SELECT * FROM items WHERE id = 7;
EXPLAIN SELECT name FROM items WHERE id = 7 AND qty > 1;
EXPLAIN SELECT qty * 2 FROM items WHERE id = 7;
EXPLAIN SELECT * FROM items WHERE id IN (1, 2);
-- joins: the unique side is hashed; a router join filters both sides by the constant
EXPLAIN SELECT i.name, t.tag FROM items i JOIN tags t ON t.item_id = i.id;
EXPLAIN SELECT i.name, t.tag FROM items i JOIN tags t ON t.item_id = i.id WHERE i.id = 7;
EXPLAIN SELECT i.name, count(t.tag) FROM items i LEFT JOIN tags t ON t.item_id = i.id GROUP BY i.id, i.name;
EXPLAIN SELECT i.name, k.label FROM items i CROSS JOIN kinds k;
-- grouping: 200 groups without statistics, every row for a unique key
EXPLAIN SELECT qty, count(*), avg(price) FROM items GROUP BY qty;
EXPLAIN SELECT qty, sum(qty) FROM items GROUP BY qty ORDER BY qty;
EXPLAIN SELECT id, sum(qty) FROM items GROUP BY id;
EXPLAIN SELECT DISTINCT qty FROM items;
EXPLAIN SELECT count(*) FROM items WHERE id = 7;
-- sorting: top-N heap sorts under a LIMIT
EXPLAIN SELECT id, name FROM items ORDER BY qty DESC LIMIT 5;
EXPLAIN SELECT name, qty FROM items WHERE id = 7 ORDER BY name;
-- modifications: ModifyTable costs its scan and returns no rows
EXPLAIN UPDATE items SET qty = qty + 1 WHERE id = 7;
EXPLAIN DELETE FROM items WHERE qty = 0;
EXPLAIN INSERT INTO items VALUES (1, 'a', 1.5, 2, true, '2024-01-02');
-- VERBOSE: output columns, the query each task sends, qualified names
EXPLAIN (VERBOSE) SELECT count(*) FROM items;
EXPLAIN (VERBOSE, COSTS OFF) SELECT name FROM items WHERE id = 7;
EXPLAIN (VERBOSE, COSTS OFF) SELECT i.name, t.tag FROM items i JOIN tags t ON t.item_id = i.id WHERE t.tag = 'x';
