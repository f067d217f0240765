-- Error paths of the distributed engine: each prints what Citus 13.2 prints
CREATE TABLE kv (k int PRIMARY KEY, v varchar(5) NOT NULL, n int CHECK (n > 0));
SELECT create_distributed_table('kv', 'k');
INSERT INTO kv VALUES (1, 'one', 1), (2, 'two', 2);
-- duplicate key on a shard, with the shard-suffixed constraint name
INSERT INTO kv VALUES (1, 'again', 1);
-- NOT NULL, CHECK and a value too long, raised by the worker
INSERT INTO kv VALUES (3, NULL, 3);
INSERT INTO kv VALUES (4, 'four', -4);
INSERT INTO kv VALUES (5, 'toolong', 5);
-- NULL in the distribution column
INSERT INTO kv VALUES (NULL, 'x', 1);
-- a failed multi-row insert stores none of its rows
INSERT INTO kv VALUES (6, 'six', 6), (7, 'seven', 7), (8, 'eight', -8);
SELECT k FROM kv ORDER BY k;
-- updating the distribution column
UPDATE kv SET k = k + 10 WHERE k = 1;
-- a multi-shard UPDATE that fails on one shard changes no shard
UPDATE kv SET n = n - 1;
SELECT k, n FROM kv ORDER BY k;
-- PRIMARY KEY / UNIQUE without the distribution column
CREATE TABLE nokey (a int, b int, PRIMARY KEY (b));
SELECT create_distributed_table('nokey', 'a');
-- distributing twice, by a missing column, a missing table
SELECT create_distributed_table('kv', 'k');
CREATE TABLE t2 (a int);
SELECT create_distributed_table('t2', 'nope');
SELECT create_distributed_table('missing', 'a');
-- co-location mismatches
CREATE TABLE t_text (a text);
SELECT create_distributed_table('t_text', 'a', colocate_with => 'kv');
-- a foreign key between tables that are not co-located
CREATE TABLE parent (id int PRIMARY KEY);
SELECT create_distributed_table('parent', 'id', colocate_with => 'none');
CREATE TABLE child (id int, parent_id int);
SELECT create_distributed_table('child', 'id', colocate_with => 'none');
ALTER TABLE child ADD CONSTRAINT child_parent_fk FOREIGN KEY (parent_id) REFERENCES parent(id);
-- removing a node that holds shards
SELECT citus_remove_node('127.0.0.1', 9701);
-- unknown settings and functions
SET citus.no_such_setting TO on;
SELECT no_such_function(1);
SELECT * FROM no_such_table;
-- a foreign key in the table definition, distributed without co-location
CREATE TABLE child2 (id int, parent_id int REFERENCES parent(id));
SELECT create_distributed_table('child2', 'id', colocate_with => 'none');
-- foreign keys from a reference table to a distributed table
CREATE TABLE ref (id int PRIMARY KEY, parent_id int);
SELECT create_reference_table('ref');
ALTER TABLE ref ADD CONSTRAINT ref_parent_fk FOREIGN KEY (parent_id) REFERENCES parent(id);
