-- Queries from any node: every worker holds the Citus metadata, so a client connected to a
-- worker reads and writes distributed and reference tables; the worker plans the statement
-- and sends its tasks to the placements' nodes, itself included.
CREATE TABLE citus_demo (id int PRIMARY KEY, user_name text, city text);
SELECT create_distributed_table('citus_demo', 'id');
CREATE TABLE cities (city text PRIMARY KEY, state text);
SELECT create_reference_table('cities');
INSERT INTO citus_demo VALUES (1, 'Ann', 'Salem'), (2, 'Bob', 'Tulsa'), (5, 'Eve', 'Boise');
INSERT INTO cities VALUES ('Salem', 'OR'), ('Tulsa', 'OK');
\c - - - 9701
-- the shells of Citus tables, not their shards
\d
\d citus_demo
SELECT logicalrelid::regclass, partmethod FROM pg_dist_partition ORDER BY 1;
-- multi-shard, router and reference-table reads
SELECT count(*) FROM citus_demo;
SELECT id, user_name FROM citus_demo WHERE id = 5;
SELECT city, state FROM cities ORDER BY city;
SELECT d.user_name, c.state FROM citus_demo d JOIN cities c USING (city) WHERE d.id = 1;
-- the tasks leave from this worker: to 9702, and to itself over a connection of its own
SET citus.log_remote_commands TO on;
SELECT id, user_name FROM citus_demo WHERE id = 1;
SELECT id, user_name FROM citus_demo WHERE id = 5;
INSERT INTO citus_demo VALUES (7, 'Gus', 'Salem');
UPDATE citus_demo SET city = 'Tulsa' WHERE id = 5;
RESET citus.log_remote_commands;
INSERT INTO citus_demo VALUES (8, 'Hal', 'Boise'), (9, 'Ida', 'Salem'), (10, 'Jo', 'Tulsa');
INSERT INTO cities VALUES ('Boise', 'ID');
DELETE FROM citus_demo WHERE id = 2;
SELECT id, user_name, city FROM citus_demo ORDER BY id;
-- constraint errors come back from the shard, as from the coordinator
INSERT INTO citus_demo VALUES (7, 'Gus', 'Salem');
-- shards are still there by name
SELECT count(*) FROM citus_demo_102008;
-- DDL and distribution stay on the coordinator
ALTER TABLE citus_demo ADD COLUMN age int;
CREATE INDEX ON citus_demo (city);
DROP TABLE citus_demo;
SELECT create_distributed_table('cities', 'city');
-- run_command_on_placements from a worker
SELECT nodeport, shardid, success, result FROM run_command_on_placements('cities', 'SELECT count(*) FROM %s') ORDER BY nodeport;
\c - - - 9700
SELECT id, user_name, city FROM citus_demo ORDER BY id;
SELECT city, state FROM cities ORDER BY city;
-- run_command_on_placements: one row per placement, %s is the shard's name
SELECT * FROM run_command_on_placements('citus_demo', 'SELECT count(*) FROM %s') WHERE shardid IN (102008, 102009, 102014, 102016) ORDER BY shardid;
SELECT count(*), sum(result::int) FROM run_command_on_placements('citus_demo', 'SELECT count(*) FROM %s');
SELECT nodeport, shardid, success, result FROM run_command_on_placements('cities', $$SELECT string_agg(city, ',' ORDER BY city) FROM %I$$) ORDER BY nodeport;
SELECT shardid, success, result FROM run_command_on_placements('citus_demo', 'SELECT nope FROM %s') ORDER BY shardid LIMIT 2;
SELECT * FROM run_command_on_placements('citus_demo', 'SELECT %s, %s');
-- TRUNCATE from the other worker empties every shard
\c - - - 9702
TRUNCATE citus_demo;
SELECT count(*) FROM citus_demo;
\c - - - 9700
SELECT count(*) FROM citus_demo;
