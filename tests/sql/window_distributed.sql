CREATE TABLE sellers (seller_id int PRIMARY KEY, name text, region_code text, rating int);
SELECT create_distributed_table('sellers', 'seller_id');
CREATE TABLE sales (sale_id int PRIMARY KEY, seller_id int, product text, amount numeric(10,2), sold_on date);
SELECT create_distributed_table('sales', 'sale_id');
CREATE TABLE payouts (payout_id int, seller_id int, amount numeric(10,2), paid_on date, PRIMARY KEY (seller_id, payout_id));
SELECT create_distributed_table('payouts', 'seller_id', colocate_with => 'sellers');
INSERT INTO sellers VALUES (1, 'Ann', 'N', 3), (2, 'Bob', 'S', 4), (3, 'Cid', 'E', 2), (4, 'Dee', 'W', 5), (5, 'Eve', 'N', 1), (6, 'Fay', 'S', 3);
INSERT INTO sales VALUES
  (1, 1, 'lamp', 40.00, '2024-01-05'), (2, 2, 'desk', 250.00, '2024-01-09'), (3, 1, 'chair', 120.00, '2024-02-11'),
  (4, 3, 'lamp', 45.00, '2024-02-14'), (5, 4, 'sofa', 900.00, '2024-03-01'), (6, 2, 'chair', 110.00, '2024-03-03'),
  (7, 5, 'rug', 15.00, '2024-03-20'), (8, 4, 'desk', 300.00, '2024-04-02'), (9, 1, 'rug', 18.00, '2024-04-15'),
  (10, 3, 'sofa', 750.00, '2024-05-01'), (11, 7, 'lamp', 42.00, '2024-05-05'), (12, 2, 'lamp', 38.00, '2024-05-20');
INSERT INTO payouts VALUES (1, 1, 100.00, '2024-01-31'), (2, 1, 60.00, '2024-02-29'), (3, 2, 200.00, '2024-01-31'), (4, 2, 150.00, '2024-03-31'),
  (5, 3, 40.00, '2024-02-29'), (6, 4, 800.00, '2024-03-31'), (7, 4, 300.00, '2024-04-30'), (8, 5, 10.00, '2024-03-31');
-- PARTITION BY the distribution column: the windows run inside each shard task
SELECT seller_id, payout_id, amount, sum(amount) OVER (PARTITION BY seller_id ORDER BY payout_id) AS running FROM payouts ORDER BY seller_id, payout_id;
EXPLAIN (COSTS OFF) SELECT seller_id, payout_id, amount, sum(amount) OVER (PARTITION BY seller_id ORDER BY payout_id) AS running FROM payouts;
SELECT seller_id, count(*), rank() OVER (PARTITION BY seller_id ORDER BY count(*)) FROM payouts GROUP BY seller_id ORDER BY seller_id;
-- PARTITION BY another column: rows go to the coordinator, which runs the WindowAgg
SELECT sale_id, seller_id, amount, rank() OVER (PARTITION BY seller_id ORDER BY amount DESC, sale_id) AS rnk FROM sales ORDER BY seller_id, rnk;
EXPLAIN (COSTS OFF) SELECT sale_id, seller_id, amount, rank() OVER (PARTITION BY seller_id ORDER BY amount DESC, sale_id) AS rnk FROM sales;
EXPLAIN (COSTS OFF) SELECT sale_id, seller_id, amount, rank() OVER (PARTITION BY seller_id ORDER BY amount DESC, sale_id) AS rnk FROM sales ORDER BY seller_id, rnk;
SELECT sale_id, amount, sum(amount) OVER w AS running, lag(sale_id) OVER w AS prev FROM sales WHERE amount > 100 WINDOW w AS (ORDER BY sold_on) ORDER BY sold_on LIMIT 4;
SELECT product, row_number() OVER (ORDER BY sale_id DESC) FROM sales ORDER BY 2 LIMIT 3;
-- a router query runs its windows on the one shard
SELECT payout_id, amount, avg(amount) OVER () FROM payouts WHERE seller_id = 4 ORDER BY payout_id;
-- joins of co-located tables partitioned by the distribution column
SELECT s.name, p.payout_id, row_number() OVER (PARTITION BY s.seller_id ORDER BY p.amount DESC) FROM sellers s JOIN payouts p ON s.seller_id = p.seller_id ORDER BY s.name, 3;
-- aggregates with a window over the groups: pulled to the coordinator
SELECT seller_id, sum(amount) AS total, rank() OVER (ORDER BY sum(amount) DESC) FROM sales GROUP BY seller_id ORDER BY 3, 1;
-- a subquery with a window function
SELECT seller_id, payout_id FROM (SELECT seller_id, payout_id, row_number() OVER (PARTITION BY seller_id ORDER BY amount DESC) AS rn FROM payouts) t WHERE rn = 1 ORDER BY seller_id;
