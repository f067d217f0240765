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
-- Extra oracle facts for the simulator: common errors/notices, text & bigint distribution keys
DROP TABLE IF EXISTS t_unique, t_data, t_text, t_big, t_other, t_none, t_bad CASCADE;

-- (1) regclass OIDs differ per node: a distributed table joined with a Citus catalog table
--     is pushed down to the workers, where 'citus_demo'::regclass has another OID -> 0 rows
SELECT count(*) FROM citus_demo d JOIN pg_dist_shard s
  ON s.logicalrelid = 'citus_demo'::regclass AND s.shardid = get_shard_id_for_distribution_column('citus_demo', d.id);
EXPLAIN (COSTS OFF) SELECT count(*) FROM citus_demo d JOIN pg_dist_shard s
  ON s.logicalrelid = 'citus_demo'::regclass AND s.shardid = get_shard_id_for_distribution_column('citus_demo', d.id);
SELECT 'citus_demo'::regclass::oid AS coordinator_oid;
SELECT nodeport, result AS worker_oid FROM run_command_on_workers($$SELECT 'citus_demo'::regclass::oid$$) ORDER BY nodeport;

-- (2) updating the distribution column
UPDATE citus_demo SET id = 99 WHERE id = 1;

-- (3) UNIQUE constraint that does not include the distribution column
CREATE TABLE t_unique(a int, b int UNIQUE);
SELECT create_distributed_table('t_unique', 'a');

-- (4) distributing a table that already has data
CREATE TABLE t_data(id int, v text);
INSERT INTO t_data SELECT g, 'v' || g FROM generate_series(1, 5) g;
SELECT create_distributed_table('t_data', 'id');
SELECT count(*) FROM t_data;

-- (5) unknown distribution column; distributing an already distributed table
CREATE TABLE t_bad(id int);
SELECT create_distributed_table('t_bad', 'nope');
SELECT create_distributed_table('t_data', 'id');

-- (6) text distribution column: routing uses hashtext()
CREATE TABLE t_text(k text, v int);
SELECT create_distributed_table('t_text', 'k');
SELECT k, hashtext(k) AS hash,
       get_shard_id_for_distribution_column('t_text', k) - (SELECT min(shardid) FROM pg_dist_shard WHERE logicalrelid = 't_text'::regclass) AS shard_index
FROM unnest(ARRAY['Alice', 'Bob', 'café', '東京', '', 'New York']) k;
SELECT logicalrelid, colocationid FROM pg_dist_partition WHERE logicalrelid IN ('t_text'::regclass, 'citus_demo'::regclass);

-- (7) bigint distribution column: routing uses hashint8(), separate colocation group from int4 tables
CREATE TABLE t_big(k bigint, v int);
SELECT create_distributed_table('t_big', 'k');
SELECT k, hashint8(k) AS hash,
       get_shard_id_for_distribution_column('t_big', k) - (SELECT min(shardid) FROM pg_dist_shard WHERE logicalrelid = 't_big'::regclass) AS shard_index
FROM unnest(ARRAY[1, 2, 3, -1, 4294967296, 9223372036854775807]::bigint[]) k;
SELECT logicalrelid, colocationid FROM pg_dist_partition WHERE logicalrelid IN ('t_big'::regclass, 't_text'::regclass, 'citus_demo'::regclass) ORDER BY 1::text;

-- (8) colocate_with across different types
CREATE TABLE t_other(k bigint, v int);
SELECT create_distributed_table('t_other', 'k', colocate_with => 'citus_demo');

-- (9) explicitly non-co-located table joined on the distribution columns
CREATE TABLE t_none(id int, note text);
SELECT create_distributed_table('t_none', 'id', colocate_with => 'none');
INSERT INTO t_none VALUES (1, 'one'), (2, 'two'), (3, 'three');
SELECT logicalrelid, colocationid FROM pg_dist_partition WHERE logicalrelid IN ('t_none'::regclass, 'citus_demo'::regclass) ORDER BY 1::text;
SELECT d.id, d.user_name, n.note FROM citus_demo d JOIN t_none n ON n.id = d.id ORDER BY d.id;
SET citus.enable_repartition_joins TO on;
SELECT d.id, d.user_name, n.note FROM citus_demo d JOIN t_none n ON n.id = d.id ORDER BY d.id;
EXPLAIN (COSTS OFF) SELECT d.id, d.user_name, n.note FROM citus_demo d JOIN t_none n ON n.id = d.id ORDER BY d.id;
RESET citus.enable_repartition_joins;
-- both sides filtered to the same single value: still rejected for non-co-located tables (repartition off)
SELECT d.id, d.user_name, n.note FROM citus_demo d JOIN t_none n ON n.id = d.id WHERE d.id = 2 AND n.id = 2;

-- (10) ORDER BY / LIMIT pushdown, INSERT ... SELECT
EXPLAIN (COSTS OFF) SELECT * FROM citus_demo ORDER BY age DESC LIMIT 3;
EXPLAIN (COSTS OFF) INSERT INTO t_data(id, v) SELECT id, user_name FROM citus_demo;
EXPLAIN (COSTS OFF) INSERT INTO t_none(id, note) SELECT id, city FROM citus_demo;

-- (11) shard_count argument and the GUC
SHOW citus.shard_count;
SHOW citus.shard_replication_factor;
-- named arguments in PostgreSQL's older spelling, name := value
CREATE TABLE t_named(id int, v text);
SELECT create_distributed_table('t_named', 'id', shard_count := 4, colocate_with := 'none');
SELECT count(*) AS shards FROM pg_dist_shard WHERE logicalrelid = 't_named'::regclass;
DROP TABLE t_named;

DROP TABLE IF EXISTS t_unique, t_data, t_text, t_big, t_other, t_none, t_bad CASCADE;
