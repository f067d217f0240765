CREATE TABLE regions (code text PRIMARY KEY, region_name text);
SELECT create_reference_table('regions');
CREATE TABLE sales (sale_id int PRIMARY KEY, seller_id int, product text, amount numeric(10,2), sold_on date);
SELECT create_distributed_table('sales', 'sale_id');
CREATE TABLE notes (id int PRIMARY KEY, body text);
INSERT INTO regions VALUES ('N', 'North'), ('S', 'South');
INSERT INTO sales VALUES (1, 1, 'lamp', 40.00, '2024-01-05'), (2, 2, 'desk', 250.00, '2024-01-09'), (3, 1, 'chair', 120.00, '2024-02-11'),
  (5, 4, 'sofa', 900.00, '2024-03-01'), (8, 4, 'desk', 300.00, '2024-04-02');
INSERT INTO notes VALUES (1, 'one'), (2, 'two');
-- a view over a distributed table: inlined before planning, so filters route and prune
CREATE VIEW big_sales AS SELECT sale_id, seller_id, product, amount FROM sales WHERE amount >= 100;
SELECT * FROM big_sales WHERE seller_id = 4 ORDER BY sale_id;
EXPLAIN (COSTS OFF) SELECT * FROM big_sales WHERE sale_id = 5;
SELECT product, count(*), sum(amount) FROM big_sales GROUP BY product ORDER BY product;
SELECT b.sale_id, b.amount * 2 AS doubled FROM big_sales b WHERE b.amount < 500 ORDER BY 1;
-- column names, OR REPLACE, a view with aggregates (a subquery)
CREATE VIEW per_seller (seller, total) AS SELECT seller_id, sum(amount) FROM sales GROUP BY seller_id;
SELECT * FROM per_seller ORDER BY seller;
CREATE OR REPLACE VIEW big_sales AS SELECT sale_id, seller_id, product, amount, sold_on FROM sales WHERE amount >= 200;
SELECT sale_id, sold_on FROM big_sales ORDER BY sale_id;
CREATE OR REPLACE VIEW big_sales AS SELECT sale_id, product FROM sales;
CREATE VIEW region_names AS SELECT region_name FROM regions;
SELECT * FROM region_names ORDER BY 1;
CREATE VIEW note_view AS SELECT id, upper(body) AS loud FROM notes;
SELECT * FROM note_view WHERE id = 2;
-- errors
CREATE VIEW big_sales AS SELECT 1;
CREATE VIEW notes AS SELECT 1;
CREATE VIEW bad AS SELECT * FROM missing;
DROP VIEW nope;
DROP VIEW IF EXISTS nope;
DROP VIEW notes;
DROP VIEW big_sales, per_seller;
SELECT * FROM big_sales;
DROP VIEW IF EXISTS region_names, note_view;
