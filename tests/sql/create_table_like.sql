CREATE TABLE y (id int PRIMARY KEY, name text NOT NULL DEFAULT 'x', amount numeric(10,2) CHECK (amount > 0));
CREATE INDEX y_name_idx ON y (name);
CREATE TABLE x1 (LIKE y);
CREATE TABLE x2 (LIKE y INCLUDING ALL);
CREATE TABLE x3 (LIKE y INCLUDING DEFAULTS INCLUDING CONSTRAINTS, extra int);
-- x2 has the default, the CHECK constraint and the primary key; x1 only NOT NULL
INSERT INTO x2 (id, amount) VALUES (1, 5);
SELECT * FROM x2;
INSERT INTO x2 (id, amount) VALUES (1, -5);
INSERT INTO x2 (id, amount) VALUES (1, 7);
INSERT INTO x1 VALUES (1, 'a', -1), (1, 'b', -2);
INSERT INTO x1 (id) VALUES (2);
INSERT INTO x3 VALUES (1, 'c', 3, 4);
SELECT * FROM x3;
CREATE TABLE x4 (LIKE nope);
CREATE TABLE sales (sale_id int PRIMARY KEY, amount numeric(10,2));
SELECT create_distributed_table('sales', 'sale_id');
CREATE TABLE sales_archive (LIKE sales);
SELECT create_distributed_table('sales_archive', 'sale_id', colocate_with => 'sales');
