-- RETURNING, UPDATE ... FROM / DELETE ... USING and modifying CTEs, on the coordinator's own
-- tables (plain PostgreSQL) and on Citus tables (router and multi-shard, results merged on the
-- coordinator; citus.sort_returning sorts multi-shard RETURNING rows).
CREATE TABLE regions (code text PRIMARY KEY, region_name text);
SELECT create_reference_table('regions');
INSERT INTO regions VALUES ('N', 'North'), ('S', 'South'), ('E', 'East') RETURNING code, lower(region_name) AS name;
CREATE TABLE sellers (seller_id int PRIMARY KEY, name text, region_code text, rating int DEFAULT 3);
SELECT create_distributed_table('sellers', 'seller_id');
CREATE TABLE payouts (payout_id int, seller_id int, amount numeric(10,2), PRIMARY KEY (seller_id, payout_id));
SELECT create_distributed_table('payouts', 'seller_id', colocate_with => 'sellers');
CREATE TABLE sales (sale_id int PRIMARY KEY, seller_id int, amount numeric(10,2));
SELECT create_distributed_table('sales', 'sale_id', colocate_with => 'none');
CREATE TABLE sales_archive (sale_id int, seller_id int, amount numeric(10,2));
SELECT create_distributed_table('sales_archive', 'sale_id', colocate_with => 'sales');
-- a plain table on the coordinator
CREATE TABLE notes (id int PRIMARY KEY, body text, hits int DEFAULT 0);
-- (1) RETURNING on INSERT: *, expressions, aliases, defaults filled in
INSERT INTO sellers (seller_id, name, region_code) VALUES (1, 'Ann', 'N') RETURNING *;
INSERT INTO sellers AS s VALUES (2, 'Bob', 'S', 4), (3, 'Cid', 'E', 2) RETURNING s.seller_id * 10 AS tens, upper(name), rating;
SET citus.sort_returning TO on;
INSERT INTO sellers VALUES (4, 'Dee', 'N', 5), (5, 'Eve', 'S', 1), (6, 'Fay', 'E', 3) RETURNING seller_id, name;
INSERT INTO payouts VALUES (1, 1, 100), (2, 1, 60), (3, 2, 200), (4, 3, 40), (5, 4, 800), (6, 5, 15) RETURNING payout_id, amount;
INSERT INTO sales VALUES (1, 1, 80), (2, 2, 250), (3, 1, 120), (4, 3, 90), (5, 4, 900), (6, 2, 10), (7, 6, 15) RETURNING sale_id;
INSERT INTO notes VALUES (1, 'a'), (2, 'b') RETURNING *, hits + 1 AS next;
-- ON CONFLICT ... RETURNING: updated and inserted rows, skipped ones are not returned
INSERT INTO sellers VALUES (1, 'Ann', 'N', 9), (7, 'Gus', 'W', 2) ON CONFLICT (seller_id) DO UPDATE SET rating = excluded.rating + sellers.rating RETURNING seller_id, rating;
INSERT INTO sellers VALUES (2, 'Bob', 'S', 9) ON CONFLICT DO NOTHING RETURNING *;
INSERT INTO notes VALUES (2, 'x'), (3, 'c') ON CONFLICT (id) DO UPDATE SET hits = notes.hits + 1 RETURNING id, body, hits;
-- INSERT ... SELECT ... RETURNING: co-located (pushed down) and through the coordinator
INSERT INTO sales_archive SELECT * FROM sales WHERE amount < 20 RETURNING sale_id, amount;
INSERT INTO sales_archive SELECT sale_id + 100, seller_id, amount FROM sales WHERE sale_id = 5 RETURNING *;
-- (2) RETURNING on UPDATE and DELETE: router and multi-shard
UPDATE sellers SET rating = rating + 1 WHERE seller_id = 3 RETURNING seller_id, rating, rating - 1 AS before;
UPDATE sales SET amount = amount * 2 WHERE amount < 100 RETURNING sale_id, sales.amount;
DELETE FROM sales_archive WHERE sale_id > 100 RETURNING *;
DELETE FROM sales_archive WHERE amount < 1 RETURNING *;
UPDATE notes SET hits = hits + 10 WHERE id >= 2 RETURNING id, hits;
DELETE FROM notes WHERE id = 1 RETURNING body;
SET citus.log_remote_commands TO on;
UPDATE sellers SET rating = 4 WHERE seller_id = 5 RETURNING *;
DELETE FROM payouts WHERE seller_id = 5 RETURNING payout_id, amount + 1 AS plus_one;
RESET citus.log_remote_commands;
-- errors in RETURNING
UPDATE sellers SET rating = 1 WHERE seller_id = 1 RETURNING no_such_column;
DELETE FROM sellers WHERE seller_id = 1 RETURNING count(*);
-- (3) UPDATE ... FROM and DELETE ... USING: co-located on the distribution column, a
-- reference table, one shard fixed by a constant, on the coordinator's own tables
UPDATE sellers s SET rating = s.rating + 1 FROM payouts p WHERE p.seller_id = s.seller_id AND p.amount >= 200 RETURNING s.seller_id, s.rating, p.amount;
UPDATE sellers s SET name = s.name || ' (' || r.region_name || ')' FROM regions r WHERE r.code = s.region_code AND r.region_name = 'North';
UPDATE payouts p SET amount = p.amount + 1 FROM sellers s WHERE s.seller_id = 1 AND p.seller_id = 1 AND s.rating > 0 RETURNING p.payout_id, p.amount;
DELETE FROM payouts p USING sellers s WHERE s.seller_id = p.seller_id AND s.rating <= 3 RETURNING p.*;
DELETE FROM sellers s USING regions r WHERE r.code = s.region_code AND r.region_name = 'South' AND s.rating < 5 RETURNING s.seller_id, r.region_name;
UPDATE notes n SET body = n.body || '!' FROM notes m WHERE m.id = n.id AND m.hits > 10 RETURNING n.*;
SELECT seller_id, name, region_code, rating FROM sellers ORDER BY seller_id;
SELECT payout_id, seller_id, amount FROM payouts ORDER BY payout_id;
-- refused: not joined on the distribution column, not co-located, a distributed table when
-- the target is a reference table
UPDATE sellers s SET rating = 0 FROM payouts p WHERE p.payout_id = s.seller_id;
UPDATE sales x SET amount = 0 FROM sellers s WHERE s.seller_id = x.seller_id;
DELETE FROM sales x USING sellers s WHERE s.seller_id = x.sale_id;
UPDATE regions r SET region_name = 'X' FROM sellers s WHERE s.region_code = r.code;
-- (4) modifying CTEs: the modification runs first, its rows are read afterwards
WITH d AS (DELETE FROM sales WHERE amount > 800 RETURNING *) SELECT count(*), sum(amount) FROM d;
WITH moved AS (DELETE FROM sales WHERE amount < 50 RETURNING *) INSERT INTO sales_archive SELECT * FROM moved;
WITH u AS (UPDATE sellers SET rating = rating * 10 WHERE seller_id IN (1, 2) RETURNING seller_id, rating) SELECT * FROM u ORDER BY seller_id;
WITH u AS (UPDATE sales SET amount = amount + 1 RETURNING sale_id, amount) SELECT s.name, u.amount FROM u JOIN sellers s ON s.seller_id = u.sale_id ORDER BY 1;
WITH i AS (INSERT INTO sales VALUES (20, 4, 20) RETURNING sale_id, amount), j AS (SELECT sale_id, amount * 2 AS doubled FROM i) SELECT * FROM j;
WITH d AS (DELETE FROM notes WHERE id = 2 RETURNING *) INSERT INTO notes SELECT id + 10, body, hits FROM d RETURNING *;
WITH x AS (DELETE FROM sales_archive WHERE sale_id = 7) SELECT count(*) FROM x;
WITH x AS (DELETE FROM sales_archive WHERE sale_id = 7) SELECT count(*) FROM sales_archive;
SELECT sale_id, seller_id, amount FROM sales ORDER BY sale_id;
SELECT sale_id, seller_id, amount FROM sales_archive ORDER BY sale_id;
SELECT * FROM notes ORDER BY id;
