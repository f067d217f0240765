-- Step 5: seed tutorial check
DROP TABLE IF EXISTS citus_demo CASCADE;
SELECT citus_version();
SHOW citus.shard_count;
SHOW citus.next_shard_id;
SELECT last_value FROM pg_dist_shardid_seq;
create table citus_demo(id serial, user_name text, city text, age int, created_at timestamp default now());
select create_distributed_table('citus_demo','id');
insert into citus_demo(user_name, city, age) values
  ('Alice','New York',25), ('Bob','Chicago',30), ('Charlie','Seattle',27), ('David','Boston',35),
  ('Emma','Denver',22), ('Frank','Portland',29), ('Grace','Miami',28), ('Henry','Atlanta',31),
  ('Iris','Phoenix',26), ('Jack','Dallas',33);
SELECT id, user_name, city, age FROM citus_demo ORDER BY id;
SELECT id, get_shard_id_for_distribution_column('citus_demo', id) FROM citus_demo ORDER BY id;
SELECT shardid, nodeport FROM citus_shards WHERE table_name::text='citus_demo' ORDER BY shardid;
-- extra: offsets from the first shard id, hashes, and the shard's hash range
-- (ids taken from generate_series so the query stays local to the coordinator's catalog;
--  joining citus_demo itself with pg_dist_shard gets pushed to workers where the
--  'citus_demo'::regclass OID differs -> 0 rows, see transcript 05)
SELECT d.id,
       hashint4(d.id) AS hash,
       s.shardid - (SELECT min(shardid) FROM pg_dist_shard WHERE logicalrelid='citus_demo'::regclass) AS offset_from_first,
       s.shardminvalue, s.shardmaxvalue, p.nodeport
FROM generate_series(1,10) AS d(id)
JOIN pg_dist_shard s ON s.logicalrelid='citus_demo'::regclass
                    AND s.shardid = get_shard_id_for_distribution_column('citus_demo', d.id)
JOIN pg_dist_shard_placement p ON p.shardid = s.shardid
ORDER BY d.id;
SELECT s.shardid, s.shardminvalue, s.shardmaxvalue, p.nodeport
FROM pg_dist_shard s JOIN pg_dist_shard_placement p USING (shardid)
WHERE s.logicalrelid='citus_demo'::regclass ORDER BY s.shardid;
SELECT * FROM pg_dist_partition WHERE logicalrelid='citus_demo'::regclass;
SELECT table_name, citus_table_type, distribution_column, colocation_id, shard_count FROM citus_tables;
-- Step 6b: users/orders co-location demo, FK, reference table, non-co-located join
SET client_min_messages TO notice;
DROP TABLE IF EXISTS orders, users, countries, events CASCADE;
CREATE TABLE users(user_id int primary key, name text);
CREATE TABLE orders(order_id serial, user_id int, item text, created_at timestamp default now(), primary key(order_id, user_id));
SELECT create_distributed_table('users', 'user_id');
SELECT create_distributed_table('orders', 'user_id');
ALTER TABLE orders ADD CONSTRAINT orders_user_id_fkey FOREIGN KEY (user_id) REFERENCES users(user_id);
SELECT table_name, citus_table_type, distribution_column, colocation_id, shard_count FROM citus_tables ORDER BY table_name::text;
SELECT logicalrelid, colocationid FROM pg_dist_partition ORDER BY logicalrelid::text;
-- co-located shard pairs: same shard index -> same hash range -> same node
SELECT u.shardid AS users_shard, o.shardid AS orders_shard, u.shardminvalue, u.shardmaxvalue,
       pu.nodeport AS users_node, po.nodeport AS orders_node
FROM pg_dist_shard u
JOIN pg_dist_shard o ON o.logicalrelid = 'orders'::regclass AND o.shardminvalue = u.shardminvalue
JOIN pg_dist_shard_placement pu ON pu.shardid = u.shardid
JOIN pg_dist_shard_placement po ON po.shardid = o.shardid
WHERE u.logicalrelid = 'users'::regclass
ORDER BY u.shardminvalue::int LIMIT 6;
INSERT INTO users VALUES (1, 'Alice'), (2, 'Bob'), (3, 'Charlie'), (4, 'David'), (5, 'Emma');
INSERT INTO orders(user_id, item) VALUES
  (1, 'Pizza'), (1, 'Soda'), (1, 'Ice Cream'),
  (2, 'Burger'), (2, 'Fries'),
  (3, 'Taco'), (3, 'Burrito'), (3, 'Nachos'),
  (4, 'Pasta'),
  (5, 'Salad');
SELECT order_id, user_id, item FROM orders ORDER BY order_id;
SELECT user_id, get_shard_id_for_distribution_column('users', user_id) AS users_shard,
       get_shard_id_for_distribution_column('orders', user_id) AS orders_shard
FROM generate_series(1,5) user_id;
-- LEFT JOIN count per user (co-located join, pushed down)
SELECT u.user_id, u.name, count(o.order_id) AS order_count
FROM users u LEFT JOIN orders o ON o.user_id = u.user_id
GROUP BY u.user_id, u.name
ORDER BY u.user_id;
EXPLAIN SELECT u.user_id, u.name, count(o.order_id) AS order_count
FROM users u LEFT JOIN orders o ON o.user_id = u.user_id
GROUP BY u.user_id, u.name
ORDER BY u.user_id;
EXPLAIN (COSTS OFF) SELECT u.user_id, u.name, count(o.order_id) AS order_count
FROM users u LEFT JOIN orders o ON o.user_id = u.user_id
GROUP BY u.user_id, u.name
ORDER BY u.user_id;
-- same join filtered to one user: router query
EXPLAIN (COSTS OFF) SELECT u.name, o.item FROM users u JOIN orders o ON o.user_id = u.user_id WHERE u.user_id = 1;
-- FK violation
INSERT INTO orders(user_id, item) VALUES (999, 'Ghost Burger');
\set VERBOSITY verbose
INSERT INTO orders(user_id, item) VALUES (999, 'Ghost Burger');
\set VERBOSITY default
-- deleting a referenced user is blocked as well
DELETE FROM users WHERE user_id = 1;

-- reference table
CREATE TABLE countries(code char(2) primary key, name text);
SELECT create_reference_table('countries');
INSERT INTO countries VALUES ('US', 'United States'), ('DE', 'Germany'), ('FR', 'France'), ('JP', 'Japan');
SELECT table_name, citus_table_type, distribution_column, colocation_id, shard_count FROM citus_tables ORDER BY table_name::text;
SELECT shardid, nodename, nodeport, shard_size > 0 AS has_size FROM citus_shards WHERE table_name::text = 'countries' ORDER BY nodeport;
SELECT s.shardid, s.shardminvalue, s.shardmaxvalue, p.nodeport FROM pg_dist_shard s JOIN pg_dist_shard_placement p USING (shardid)
WHERE s.logicalrelid = 'countries'::regclass ORDER BY p.nodeport;
ALTER TABLE users ADD COLUMN country_code char(2);
UPDATE users SET country_code = CASE user_id WHEN 1 THEN 'US' WHEN 2 THEN 'US' WHEN 3 THEN 'DE' WHEN 4 THEN 'FR' ELSE 'JP' END;
SELECT u.user_id, u.name, c.name AS country FROM users u JOIN countries c ON c.code = u.country_code ORDER BY u.user_id;
EXPLAIN (COSTS OFF) SELECT u.user_id, u.name, c.name AS country FROM users u JOIN countries c ON c.code = u.country_code ORDER BY u.user_id;
SELECT c.name AS country, count(*) AS orders FROM orders o JOIN users u ON u.user_id = o.user_id JOIN countries c ON c.code = u.country_code GROUP BY c.name ORDER BY c.name;
ALTER TABLE users ADD CONSTRAINT users_country_fkey FOREIGN KEY (country_code) REFERENCES countries(code);
INSERT INTO users VALUES (6, 'Frank', 'XX');

-- non-co-located join: events distributed by event_id, joined with users on name (no distribution column)
CREATE TABLE events(event_id serial, user_name text, kind text);
SELECT create_distributed_table('events', 'event_id');
INSERT INTO events(user_name, kind) VALUES ('Alice','login'), ('Alice','click'), ('Bob','login'), ('Charlie','login'), ('Charlie','logout'), ('Emma','click');
SHOW citus.enable_repartition_joins;
SELECT u.name, count(*) AS events FROM users u JOIN events e ON e.user_name = u.name GROUP BY u.name ORDER BY u.name;
EXPLAIN SELECT u.name, count(*) AS events FROM users u JOIN events e ON e.user_name = u.name GROUP BY u.name ORDER BY u.name;
\set VERBOSITY verbose
SELECT u.name, count(*) AS events FROM users u JOIN events e ON e.user_name = u.name GROUP BY u.name ORDER BY u.name;
\set VERBOSITY default
-- note: events (int4 key, 32 shards) was put in the SAME colocation group as users by default,
-- so joining on the two distribution columns (event_id = user_id) is a co-located join and works
SELECT logicalrelid, colocationid FROM pg_dist_partition WHERE logicalrelid IN ('users'::regclass, 'events'::regclass) ORDER BY 1::text;
SELECT u.name, e.kind FROM users u JOIN events e ON e.event_id = u.user_id ORDER BY 1, 2;
SET citus.enable_repartition_joins TO on;
EXPLAIN SELECT u.name, count(*) AS events FROM users u JOIN events e ON e.user_name = u.name GROUP BY u.name ORDER BY u.name;
EXPLAIN (COSTS OFF) SELECT u.name, count(*) AS events FROM users u JOIN events e ON e.user_name = u.name GROUP BY u.name ORDER BY u.name;
SELECT u.name, count(*) AS events FROM users u JOIN events e ON e.user_name = u.name GROUP BY u.name ORDER BY u.name;
RESET citus.enable_repartition_joins;
