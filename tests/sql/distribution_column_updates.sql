-- Updating the distribution column: Citus refuses a change, but SET c = c, or SET c = 5 where
-- WHERE already holds c = 5, changes nothing and runs.
CREATE TABLE test (c int, v int);
SELECT create_distributed_table('test', 'c');
INSERT INTO test VALUES (1, 1), (2, 2);
UPDATE test SET c = c;
UPDATE test SET c = test.c, v = v + 1 WHERE v > 0;
UPDATE test SET c = 2, v = 7 WHERE c = 2;
UPDATE test SET c = 3 WHERE c = 2;
UPDATE test SET c = c + 1;
SELECT * FROM test ORDER BY c;
