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
-- Step 6a: EXPLAIN (not ANALYZE) on citus_demo (created by 01_seed_tutorial.sql)
-- router query (single shard)
EXPLAIN SELECT * FROM citus_demo WHERE id = 3;
-- multi-shard query
EXPLAIN SELECT count(*) FROM citus_demo;
-- GROUP BY a non-distribution column
EXPLAIN SELECT city, count(*) FROM citus_demo GROUP BY city;
-- the actual results
SELECT * FROM citus_demo WHERE id = 3;
SELECT count(*) FROM citus_demo;
SELECT city, count(*) FROM citus_demo GROUP BY city ORDER BY city;
-- same three without costs (stable across runs), plus variants
EXPLAIN (COSTS OFF) SELECT * FROM citus_demo WHERE id = 3;
EXPLAIN (COSTS OFF) SELECT count(*) FROM citus_demo;
EXPLAIN (COSTS OFF) SELECT city, count(*) FROM citus_demo GROUP BY city;
EXPLAIN (COSTS OFF) SELECT city, count(*), avg(age) FROM citus_demo GROUP BY city ORDER BY city;
EXPLAIN (COSTS OFF, VERBOSE) SELECT city, count(*), avg(age) FROM citus_demo GROUP BY city;
EXPLAIN (COSTS OFF) SELECT id, count(*) FROM citus_demo GROUP BY id;
EXPLAIN (COSTS OFF) SELECT * FROM citus_demo WHERE id IN (1, 2);
EXPLAIN (COSTS OFF) SELECT * FROM citus_demo WHERE age > 30;
EXPLAIN (COSTS OFF) INSERT INTO citus_demo(id, user_name, city, age) VALUES (100, 'X', 'Y', 1);
EXPLAIN (COSTS OFF) UPDATE citus_demo SET age = age + 1 WHERE id = 3;
EXPLAIN (COSTS OFF) UPDATE citus_demo SET age = age + 1;
-- all tasks for the multi-shard count
SET citus.explain_all_tasks TO on;
EXPLAIN (COSTS OFF) SELECT count(*) FROM citus_demo;
RESET citus.explain_all_tasks;
-- EXPLAIN ANALYZE is NOT used elsewhere; one here only to show the extra Citus fields (timings vary)
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) SELECT count(*) FROM citus_demo;
