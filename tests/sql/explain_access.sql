-- Worker access paths in EXPLAIN: a WHERE that fixes a unique key reads through its index
CREATE TABLE users (user_id int PRIMARY KEY, name text);
SELECT create_distributed_table('users', 'user_id');
CREATE TABLE pk2 (a int, b text, n int, PRIMARY KEY (a, b));
SELECT create_distributed_table('pk2', 'a');
EXPLAIN (COSTS OFF) SELECT name FROM users WHERE user_id = 1;
EXPLAIN (COSTS OFF) SELECT name FROM users u WHERE u.user_id = 1 AND name = 'x';
EXPLAIN (COSTS OFF) SELECT n FROM pk2 WHERE b = 'x' AND a = 1;
EXPLAIN (COSTS OFF) SELECT n FROM pk2 WHERE a = 1;
EXPLAIN (COSTS OFF) SELECT count(*) FROM users WHERE user_id = 1;
SELECT name FROM users WHERE user_id = 1;
