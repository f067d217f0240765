-- MERGE (PostgreSQL 15): on the coordinator's own tables as PostgreSQL runs it, and on Citus
-- tables as Citus 13 plans it: pushed down shard by shard when the source is co-located and
-- joined on the distribution columns, else the source runs first and its rows are
-- repartitioned by the target's distribution column. Citus's refusals come last.
CREATE TABLE stock (item_id int PRIMARY KEY, qty int NOT NULL DEFAULT 0, note text CHECK (note <> 'bad'));
CREATE TABLE deliveries (item_id int, qty int);
INSERT INTO stock VALUES (1, 10, 'a'), (2, 20, 'b'), (3, 30, 'c');
INSERT INTO deliveries VALUES (1, 5), (2, 100), (4, 40), (5, 500);
-- (1) one node: clauses are tried in order, the first whose condition holds acts
MERGE INTO stock USING deliveries ON stock.item_id = deliveries.item_id
WHEN MATCHED AND deliveries.qty >= 100 THEN DELETE
WHEN MATCHED THEN UPDATE SET qty = stock.qty + deliveries.qty, note = 'restocked'
WHEN NOT MATCHED AND deliveries.qty > 450 THEN DO NOTHING
WHEN NOT MATCHED THEN INSERT (item_id, qty) VALUES (deliveries.item_id, deliveries.qty);
SELECT * FROM stock ORDER BY item_id;
-- aliases, a subquery as source, INSERT without a column list, DEFAULT
MERGE INTO stock AS s USING (SELECT item_id, sum(qty) AS total FROM deliveries GROUP BY item_id) AS d ON s.item_id = d.item_id
WHEN MATCHED AND s.qty > 40 THEN UPDATE SET qty = DEFAULT
WHEN MATCHED THEN DO NOTHING
WHEN NOT MATCHED THEN INSERT VALUES (d.item_id, d.total, 'new');
SELECT * FROM stock ORDER BY item_id;
-- a WITH query as source; INSERT DEFAULT VALUES
CREATE TABLE log_rows (id serial, at_qty int DEFAULT 7);
WITH big AS (SELECT item_id, qty FROM deliveries WHERE qty > 50) MERGE INTO stock USING big ON stock.item_id = big.item_id WHEN MATCHED THEN UPDATE SET note = 'big';
MERGE INTO log_rows l USING deliveries d ON l.id = d.item_id WHEN NOT MATCHED AND d.qty < 50 THEN INSERT DEFAULT VALUES;
SELECT * FROM log_rows ORDER BY id;
SELECT * FROM stock ORDER BY item_id;
-- nothing matches, nothing acts
MERGE INTO stock USING deliveries ON false WHEN MATCHED THEN DELETE;
-- errors: a target row matched twice, constraints, unknown columns
INSERT INTO deliveries VALUES (1, 6);
MERGE INTO stock USING deliveries ON stock.item_id = deliveries.item_id WHEN MATCHED THEN UPDATE SET qty = deliveries.qty;
-- matched twice but left alone the second time: no error
MERGE INTO stock USING deliveries d ON stock.item_id = d.item_id WHEN MATCHED AND d.qty = 5 THEN UPDATE SET qty = 0 WHEN MATCHED THEN DO NOTHING;
DELETE FROM deliveries WHERE qty = 6;
INSERT INTO deliveries VALUES (6, 60);
MERGE INTO stock USING deliveries ON stock.item_id = deliveries.item_id WHEN MATCHED THEN UPDATE SET note = 'bad';
MERGE INTO stock USING deliveries ON stock.item_id = deliveries.item_id WHEN NOT MATCHED THEN INSERT (item_id, qty) VALUES (1, NULL);
MERGE INTO stock USING deliveries ON stock.item_id = deliveries.item_id WHEN NOT MATCHED THEN INSERT (item_id, qty) VALUES (1, 1);
MERGE INTO stock USING deliveries ON stock.item_id = deliveries.item_id WHEN MATCHED THEN UPDATE SET colour = 1;
MERGE INTO stock USING deliveries ON stock.item_id = deliveries.item_id WHEN NOT MATCHED THEN INSERT (item_id, item_id) VALUES (1, 1);
MERGE INTO stock USING deliveries ON stock.item_id = deliveries.item_id WHEN NOT MATCHED THEN INSERT (item_id) VALUES (1, 2);
MERGE INTO missing USING deliveries ON true WHEN MATCHED THEN DELETE;
SELECT * FROM stock ORDER BY item_id;
-- a partitioned target: rows are found in their partitions, updates move rows between them
CREATE TABLE readings (day int, val int) PARTITION BY RANGE (day);
CREATE TABLE readings_1 PARTITION OF readings FOR VALUES FROM (0) TO (10);
CREATE TABLE readings_2 PARTITION OF readings FOR VALUES FROM (10) TO (20);
INSERT INTO readings VALUES (1, 1), (12, 12);
MERGE INTO readings r USING (VALUES (1, 15), (12, 0), (5, 5)) AS v(day, val) ON r.day = v.day
WHEN MATCHED AND v.val = 0 THEN DELETE
WHEN MATCHED THEN UPDATE SET day = v.val
WHEN NOT MATCHED THEN INSERT VALUES (v.day, v.val);
SELECT tableoid::regclass AS part, * FROM readings ORDER BY day;
-- (2) Citus tables
SET citus.shard_count TO 4;
CREATE TABLE accounts (account_id int PRIMARY KEY, balance int NOT NULL, status text);
SELECT create_distributed_table('accounts', 'account_id');
CREATE TABLE transfers (account_id int, amount int);
SELECT create_distributed_table('transfers', 'account_id', colocate_with => 'accounts');
CREATE TABLE bonuses (account_id int, amount int);
SELECT create_reference_table('bonuses');
CREATE TABLE imports (import_id int, account_id int, amount int);
SELECT create_distributed_table('imports', 'import_id', colocate_with => 'none');
INSERT INTO accounts VALUES (1, 100, 'open'), (2, 200, 'open'), (3, 300, 'open'), (4, 400, 'open');
INSERT INTO transfers VALUES (1, 10), (2, -200), (5, 50), (6, 60);
INSERT INTO bonuses VALUES (3, 3), (7, 7);
INSERT INTO imports VALUES (1, 4, 40), (2, 4, 4), (3, 8, 80);
-- co-located source joined on the distribution columns: one task per shard pair
SET client_min_messages TO debug1;
MERGE INTO accounts a USING transfers t ON a.account_id = t.account_id
WHEN MATCHED AND a.balance + t.amount <= 0 THEN DELETE
WHEN MATCHED THEN UPDATE SET balance = a.balance + t.amount
WHEN NOT MATCHED AND t.amount > 55 THEN DO NOTHING
WHEN NOT MATCHED THEN INSERT (account_id, balance, status) VALUES (t.account_id, t.amount, 'new');
RESET client_min_messages;
SELECT * FROM accounts ORDER BY account_id;
-- a subquery over the co-located table, grouped by its distribution column: still pushed down
MERGE INTO accounts a USING (SELECT account_id, sum(amount) AS total FROM transfers GROUP BY account_id) s ON a.account_id = s.account_id
WHEN MATCHED THEN UPDATE SET status = 'moved ' || s.total;
SELECT * FROM accounts ORDER BY account_id;
-- a reference table as source: the source runs first, its rows go to the target's shards
SET client_min_messages TO debug1;
MERGE INTO accounts a USING bonuses b ON a.account_id = b.account_id
WHEN MATCHED THEN UPDATE SET balance = a.balance + b.amount
WHEN NOT MATCHED THEN INSERT VALUES (b.account_id, b.amount, 'bonus');
RESET client_min_messages;
SELECT * FROM accounts ORDER BY account_id;
-- a table that is not co-located, through a subquery; a WITH query as source
MERGE INTO accounts a USING (SELECT account_id, sum(amount) AS total FROM imports GROUP BY account_id) i ON a.account_id = i.account_id
WHEN MATCHED THEN UPDATE SET balance = a.balance + i.total
WHEN NOT MATCHED THEN INSERT (account_id, balance) VALUES (i.account_id, i.total);
WITH big AS (SELECT account_id, amount FROM imports WHERE amount > 10) MERGE INTO accounts a USING big ON a.account_id = big.account_id
WHEN MATCHED THEN UPDATE SET status = 'imported';
SELECT * FROM accounts ORDER BY account_id;
-- a target row matched twice, found on its worker
INSERT INTO transfers VALUES (1, 1);
MERGE INTO accounts a USING transfers t ON a.account_id = t.account_id WHEN MATCHED THEN UPDATE SET balance = t.amount;
-- a PostgreSQL table merged from a reference table
CREATE TABLE ledger (account_id int, amount int);
MERGE INTO ledger l USING bonuses b ON l.account_id = b.account_id WHEN NOT MATCHED THEN INSERT VALUES (b.account_id, b.amount);
SELECT * FROM ledger ORDER BY account_id;
-- (3) what Citus refuses
MERGE INTO bonuses b USING transfers t ON b.account_id = t.account_id WHEN MATCHED THEN DELETE;
MERGE INTO accounts a USING transfers t ON a.account_id = t.account_id WHEN MATCHED THEN UPDATE SET account_id = t.amount;
MERGE INTO accounts a USING transfers t ON a.account_id = t.account_id WHEN MATCHED THEN UPDATE SET balance = random();
MERGE INTO accounts a USING transfers t ON a.account_id = t.account_id WHEN NOT MATCHED THEN INSERT VALUES (t.amount, 0);
MERGE INTO accounts a USING transfers t ON a.account_id = t.account_id WHEN NOT MATCHED THEN INSERT VALUES (9, 0);
MERGE INTO accounts a USING transfers t ON a.account_id = t.account_id WHEN NOT MATCHED THEN INSERT DEFAULT VALUES;
MERGE INTO accounts a USING transfers t ON a.account_id = t.account_id WHEN NOT MATCHED THEN INSERT (balance) VALUES (t.amount);
MERGE INTO accounts a USING transfers t ON a.balance = t.amount WHEN MATCHED THEN DELETE;
MERGE INTO accounts a USING bonuses b ON a.account_id = b.account_id WHEN NOT MATCHED THEN INSERT VALUES (b.amount, 0);
MERGE INTO accounts a USING bonuses b ON a.account_id = b.account_id AND b.amount IN (SELECT amount FROM transfers) WHEN MATCHED THEN DELETE;
MERGE INTO accounts a USING ledger l ON a.account_id = l.account_id WHEN MATCHED THEN DELETE;
MERGE INTO accounts a USING (SELECT 1 AS account_id) v ON a.account_id = v.account_id WHEN MATCHED THEN DELETE;
MERGE INTO ledger l USING transfers t ON l.account_id = t.account_id WHEN MATCHED THEN DELETE;
SELECT * FROM accounts ORDER BY account_id;
