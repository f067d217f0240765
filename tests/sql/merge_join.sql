-- Merge joins: PostgreSQL sorts both inputs on the join keys and merges them where that is
-- cheapest, or where the other methods are switched off; the rows then come out in key order.
CREATE TABLE la (id int, v text);
CREATE TABLE lb (id int, w text);
INSERT INTO la VALUES (3, 'c'), (1, 'a'), (NULL, 'n'), (2, 'b'), (2, 'bb'), (5, 'e');
INSERT INTO lb VALUES (2, 'x'), (4, 'y'), (NULL, 'm'), (1, 'z'), (2, 'xx'), (3, 'w');
-- never analyzed, the tables are guessed at 1270 rows and 200 distinct ids: hashing looks
-- dear (long bucket chains), so PostgreSQL sorts and merges; rows come out in id order
EXPLAIN (COSTS OFF) SELECT la.v, lb.w FROM la JOIN lb ON la.id = lb.id;
SELECT la.id, la.v, lb.w FROM la JOIN lb ON la.id = lb.id;
-- a unique inner side makes the hash join cheaper
CREATE TABLE lk (id int PRIMARY KEY, label text);
INSERT INTO lk VALUES (1, 'one'), (2, 'two'), (3, 'three');
EXPLAIN (COSTS OFF) SELECT la.v, lk.label FROM la JOIN lk ON la.id = lk.id;
SET enable_hashjoin = off;
SHOW enable_hashjoin;
EXPLAIN (COSTS OFF) SELECT la.v, lb.w FROM la JOIN lb ON la.id = lb.id;
EXPLAIN SELECT la.v, lb.w FROM la JOIN lb ON la.id = lb.id;
SELECT la.id, la.v, lb.w FROM la JOIN lb ON la.id = lb.id;
EXPLAIN (COSTS OFF) SELECT la.id, lb.id FROM la LEFT JOIN lb ON la.id = lb.id;
SELECT la.id, la.v, lb.w FROM la LEFT JOIN lb ON la.id = lb.id;
SELECT la.id, la.v, lb.id, lb.w FROM la RIGHT JOIN lb ON la.id = lb.id;
EXPLAIN (COSTS OFF) SELECT la.id, lb.id FROM la FULL JOIN lb ON la.id = lb.id;
SELECT la.id, la.v, lb.id, lb.w FROM la FULL JOIN lb ON la.id = lb.id ORDER BY 1, 2, 3, 4;
SELECT la.v, lb.w FROM la JOIN lb USING (id) ORDER BY id;
SELECT la.v, lb.w FROM la, lb WHERE la.id = lb.id AND la.v <> 'bb';
-- ORDER BY the join key: the merge join's order serves it, no Sort on top
EXPLAIN (COSTS OFF) SELECT la.id, lb.w FROM la JOIN lb ON la.id = lb.id ORDER BY la.id;
-- merge joins off as well: a nested loop
SET enable_mergejoin = off;
EXPLAIN (COSTS OFF) SELECT la.v, lb.w FROM la JOIN lb ON la.id = lb.id;
SELECT la.v, lb.w FROM la JOIN lb ON la.id = lb.id ORDER BY 1, 2;
RESET enable_mergejoin;
-- sorts off: the merge join pays for its Sorts, the nested loop wins
SET enable_sort = off;
EXPLAIN (COSTS OFF) SELECT la.v, lb.w FROM la JOIN lb ON la.id = lb.id;
RESET enable_sort;
RESET enable_hashjoin;
-- nested loops off changes nothing here: the merge join was cheapest
SET enable_nestloop = off;
EXPLAIN (COSTS OFF) SELECT la.v, lb.w FROM la JOIN lb ON la.id = lb.id;
RESET enable_nestloop;
-- distributed, co-located: each shard's plan is the worker's own, and Citus does not pass
-- SET enable_hashjoin on to the workers
CREATE TABLE da (id int, v text);
CREATE TABLE db (id int, w text);
SELECT create_distributed_table('da', 'id');
SELECT create_distributed_table('db', 'id', colocate_with => 'da');
INSERT INTO da SELECT * FROM la WHERE id IS NOT NULL;
INSERT INTO db SELECT * FROM lb WHERE id IS NOT NULL;
EXPLAIN (COSTS OFF) SELECT da.v, db.w FROM da JOIN db ON da.id = db.id;
SET enable_hashjoin = off;
EXPLAIN (COSTS OFF) SELECT da.v, db.w FROM da JOIN db ON da.id = db.id;
SELECT da.id, da.v, db.w FROM da JOIN db ON da.id = db.id ORDER BY 1, 2, 3;
SELECT da.id, da.v, db.id, db.w FROM da FULL JOIN db ON da.id = db.id ORDER BY 1, 2, 3, 4;
RESET enable_hashjoin;
DROP TABLE da, db, la, lb, lk;
