-- Declarative partitioning: the scaling overview's own examples run as written
CREATE TABLE customer_orders (
    order_id SERIAL,
    customer_id INT NOT NULL,
    order_date DATE NOT NULL,
    region TEXT NOT NULL,
    amount NUMERIC,
    PRIMARY KEY (order_id, region)
) PARTITION BY LIST (region);
CREATE TABLE customer_orders_north PARTITION OF customer_orders
FOR VALUES IN ('North');
CREATE TABLE customer_orders_south PARTITION OF customer_orders
FOR VALUES IN ('South');
CREATE TABLE customer_orders_east PARTITION OF customer_orders
FOR VALUES IN ('East');
CREATE TABLE customer_orders_west PARTITION OF customer_orders
FOR VALUES IN ('West');
INSERT INTO customer_orders (customer_id, order_date, region, amount) VALUES
(1, '2023-01-15', 'North', 100.00),
(2, '2023-02-20', 'South', 200.00),
(3, '2023-03-10', 'East', 150.00),
(4, '2023-04-05', 'West', 250.00);
EXPLAIN (COSTS OFF) SELECT * FROM customer_orders WHERE region = 'North';
SELECT tableoid::regclass AS partition, order_id, region, amount FROM customer_orders ORDER BY order_id;
CREATE TABLE sales (
    id int,
    p_name text,
    amount int,
    sale_date date
) PARTITION BY RANGE (sale_date);
CREATE TABLE sales_2019_Q4 PARTITION OF sales
FOR VALUES FROM ('2019-10-01') TO ('2020-01-01');
CREATE TABLE sales_2020_Q1 PARTITION OF sales
FOR VALUES FROM ('2020-01-01') TO ('2020-04-01');
INSERT INTO sales (id, p_name, amount, sale_date)
VALUES (1, 'Product A', 100, '2019-11-01'),
       (2, 'Product B', 200, '2020-02-01');
SELECT * FROM sales WHERE sale_date BETWEEN '2019-10-01' AND '2020-01-01';
-- the parent holds no rows of its own; each partition holds its own
SELECT tableoid::regclass, count(*) FROM sales GROUP BY 1 ORDER BY 1;
SELECT count(*) FROM sales_2020_q1;
\dt
\d sales
\d+ sales
\d sales_2019_q4
-- bounds are checked: overlaps, empty ranges, a second DEFAULT, the wrong kind of bound
CREATE TABLE sales_late_2019 PARTITION OF sales FOR VALUES FROM ('2019-12-01') TO ('2020-02-01');
CREATE TABLE sales_backwards PARTITION OF sales FOR VALUES FROM ('2021-01-01') TO ('2020-06-01');
CREATE TABLE sales_listed PARTITION OF sales FOR VALUES IN ('2021-01-01');
CREATE TABLE sales_rest PARTITION OF sales DEFAULT;
CREATE TABLE sales_rest_again PARTITION OF sales DEFAULT;
CREATE TABLE plain_notes (id int);
CREATE TABLE plain_notes_1 PARTITION OF plain_notes FOR VALUES IN (1);
-- a row no partition takes, and a row stored straight into the wrong partition
INSERT INTO customer_orders (customer_id, order_date, region, amount) VALUES (5, '2023-05-01', 'Central', 10);
INSERT INTO customer_orders_north (customer_id, order_date, region, amount) VALUES (6, '2023-05-02', 'South', 20);
-- the DEFAULT partition now takes the rows no range holds; a range for its rows is refused
INSERT INTO sales VALUES (3, 'Product C', 300, '2021-03-03'), (4, 'Product D', 400, '2019-12-24');
SELECT tableoid::regclass, id, sale_date FROM sales ORDER BY id;
CREATE TABLE sales_2021 PARTITION OF sales FOR VALUES FROM ('2021-01-01') TO ('2022-01-01');
-- UPDATE moves a row to the partition its new key belongs to; DELETE and TRUNCATE reach every partition
UPDATE sales SET sale_date = '2020-03-15' WHERE id = 3;
UPDATE sales SET amount = amount + 1 WHERE sale_date < '2020-01-01' RETURNING id, amount;
SELECT tableoid::regclass, id, amount, sale_date FROM sales ORDER BY id;
UPDATE sales_2019_q4 SET sale_date = '2020-01-10' WHERE id = 1;
DELETE FROM sales WHERE amount > 300;
SELECT id FROM sales ORDER BY id;
-- HASH partitioning places rows with PostgreSQL's partition hash
CREATE TABLE tags (tag text, uses int) PARTITION BY HASH (tag);
CREATE TABLE tags_0 PARTITION OF tags FOR VALUES WITH (MODULUS 2, REMAINDER 0);
CREATE TABLE tags_1 PARTITION OF tags FOR VALUES WITH (MODULUS 2, REMAINDER 1);
CREATE TABLE tags_x PARTITION OF tags FOR VALUES WITH (MODULUS 4, REMAINDER 2);
INSERT INTO tags VALUES ('postgres', 10), ('citus', 7), ('shard', 3), ('node', 1), ('index', 4);
SELECT tableoid::regclass, tag FROM tags ORDER BY 1, 2;
-- primary keys must include the partition key
CREATE TABLE bad_keys (id int PRIMARY KEY, day date) PARTITION BY RANGE (day);
CREATE TABLE bad_cols (id int) PARTITION BY RANGE (day);
-- ATTACH and DETACH on plain tables
CREATE TABLE sales_2018 (LIKE sales);
INSERT INTO sales_2018 VALUES (9, 'Old', 9, '2018-06-01');
ALTER TABLE sales ATTACH PARTITION sales_2018 FOR VALUES FROM ('2019-01-01') TO ('2019-10-01');
ALTER TABLE sales ATTACH PARTITION sales_2018 FOR VALUES FROM ('2018-01-01') TO ('2019-01-01');
SELECT id, sale_date FROM sales WHERE sale_date < '2019-01-01';
ALTER TABLE sales DETACH PARTITION sales_2018;
SELECT count(*) FROM sales WHERE id = 9;
TRUNCATE sales;
SELECT count(*) FROM sales;
DROP TABLE tags;
SELECT count(*) FROM pg_inherits;
SELECT inhrelid FROM pg_inherits WHERE inhparent = 'sales'::regclass ORDER BY 1;
-- ALTER TABLE on a partitioned table changes every partition
INSERT INTO sales VALUES (1, 'Lamp', 40, '2019-11-11'), (2, 'Desk', 90, '2020-02-02');
ALTER TABLE sales ADD COLUMN channel text DEFAULT 'web';
ALTER TABLE sales ADD CONSTRAINT amount_positive CHECK (amount > 0);
INSERT INTO sales VALUES (3, 'Free', 0, '2020-03-03');
ALTER TABLE sales RENAME COLUMN p_name TO product;
SELECT tableoid::regclass, id, product, channel FROM sales ORDER BY id;
\d sales_2020_q1
-- INSERT ... ON CONFLICT: each partition's own key decides
CREATE TABLE stock (sku int, day date, qty int, PRIMARY KEY (sku, day)) PARTITION BY RANGE (day);
CREATE TABLE stock_2024 PARTITION OF stock FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
CREATE TABLE stock_2025 PARTITION OF stock FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
INSERT INTO stock VALUES (1, '2024-02-02', 1), (2, '2025-02-02', 1);
INSERT INTO stock VALUES (1, '2024-02-02', 5), (3, '2025-03-03', 1)
  ON CONFLICT (sku, day) DO UPDATE SET qty = stock.qty + EXCLUDED.qty RETURNING *;
INSERT INTO stock VALUES (2, '2025-02-02', 9) ON CONFLICT DO NOTHING;
SELECT tableoid::regclass, * FROM stock ORDER BY sku;

-- A distributed partitioned table: each partition is distributed with it, co-located
SET citus.shard_count TO 3;
CREATE TABLE visits (site_id int NOT NULL, day date NOT NULL, hits int, PRIMARY KEY (site_id, day)) PARTITION BY RANGE (day);
CREATE TABLE visits_2024_h1 PARTITION OF visits FOR VALUES FROM ('2024-01-01') TO ('2024-07-01');
CREATE TABLE visits_2024_h2 PARTITION OF visits FOR VALUES FROM ('2024-07-01') TO ('2025-01-01');
INSERT INTO visits VALUES (1, '2024-02-01', 10), (2, '2024-08-15', 20), (3, '2024-03-03', 30);
-- a partition cannot be distributed on its own
SELECT create_distributed_table('visits_2024_h1', 'site_id');
SELECT create_distributed_table('visits', 'site_id');
SELECT table_name, colocation_id, shard_count FROM citus_tables ORDER BY table_name;
SELECT s.logicalrelid, s.shardid, s.shardminvalue, p.nodeport
FROM pg_dist_shard s JOIN pg_dist_shard_placement p USING (shardid)
WHERE s.logicalrelid::text LIKE 'visits%' ORDER BY s.shardminvalue::int, s.logicalrelid::text;
-- each partition shard sits under the parent's shard of the same range
SELECT result FROM run_command_on_placements('visits', $$SELECT string_agg(inhrelid::regclass::text, ', ' ORDER BY 1) FROM pg_inherits WHERE inhparent = '%s'::regclass$$) ORDER BY shardid;
SELECT tableoid::regclass::text AS shard, site_id, day, hits FROM visits ORDER BY site_id;
SELECT tableoid::regclass::text AS shard, hits FROM visits WHERE site_id = 2;
EXPLAIN (COSTS OFF) SELECT hits FROM visits WHERE site_id = 2 AND day >= '2024-07-01';
EXPLAIN (COSTS OFF) SELECT sum(hits) FROM visits WHERE day < '2024-05-01';
-- writes route twice: to the shard by site_id, then to the partition by day
INSERT INTO visits VALUES (4, '2024-11-11', 40);
INSERT INTO visits VALUES (5, '2025-01-01', 50);
UPDATE visits SET day = '2024-12-01' WHERE site_id = 1;
UPDATE visits SET site_id = 7 WHERE site_id = 1;
SELECT tableoid::regclass::text AS shard, site_id, day FROM visits ORDER BY site_id;
-- partitions created or attached later join the parent's co-location group
RESET citus.shard_count;
CREATE TABLE visits_2025 PARTITION OF visits FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
CREATE TABLE visits_old (LIKE visits);
INSERT INTO visits_old VALUES (8, '2023-05-05', 80);
ALTER TABLE visits ATTACH PARTITION visits_old FOR VALUES FROM (MINVALUE) TO ('2024-01-01');
SELECT table_name, colocation_id, shard_count FROM citus_tables WHERE table_name::text LIKE 'visits%' ORDER BY table_name;
SELECT count(*), sum(hits) FROM visits;
ALTER TABLE visits DETACH PARTITION visits_old;
SELECT count(*), sum(hits) FROM visits;
SELECT count(*) FROM visits_old;
CREATE TABLE visits_lone (LIKE visits);
SELECT create_distributed_table('visits_lone', 'site_id', colocate_with => 'none');
ALTER TABLE visits ATTACH PARTITION visits_lone FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
-- time partitions: daily partitions on the distributed table
SELECT * FROM get_missing_time_partition_ranges('visits', '1 day', '2026-01-04', '2026-01-01');
SELECT create_time_partitions(table_name := 'visits', partition_interval := '1 month', end_at := '2026-04-01', start_from := '2026-02-01');
SELECT create_time_partitions(table_name := 'visits', partition_interval := '1 month', end_at := '2026-04-01', start_from := '2026-02-01');
SELECT partition, from_value, to_value FROM time_partitions WHERE parent_table = 'visits'::regclass ORDER BY from_value;
SELECT table_name, colocation_id FROM citus_tables WHERE table_name::text LIKE 'visits_p%' ORDER BY table_name;
CALL drop_old_time_partitions('visits', '2025-01-01');
SELECT partition FROM time_partitions WHERE parent_table = 'visits'::regclass ORDER BY from_value;
DROP TABLE visits;
SELECT count(*) FROM citus_tables WHERE table_name::text LIKE 'visits%';
