-- citus.shard_replication_factor above 1: every shard gets placements on that many workers,
-- round-robin, and the table's replication model is 'c' (the coordinator writes each copy).
SET citus.shard_replication_factor = 2;
CREATE TABLE events_rf2 (id int PRIMARY KEY, kind text);
SELECT create_distributed_table('events_rf2', 'id', shard_count := 4);
SELECT logicalrelid, partmethod, repmodel FROM pg_dist_partition ORDER BY logicalrelid;
SELECT shardid, nodeport FROM pg_dist_shard_placement ORDER BY shardid, nodeport;
-- More copies than workers: refused before any shard id is drawn.
SET citus.shard_replication_factor = 3;
CREATE TABLE too_many (id int);
SELECT create_distributed_table('too_many', 'id');
RESET citus.shard_replication_factor;
SELECT create_distributed_table('too_many', 'id', shard_count := 2);
SELECT logicalrelid, repmodel FROM pg_dist_partition ORDER BY logicalrelid;
SELECT min(shardid) FROM pg_dist_shard WHERE logicalrelid = 'too_many'::regclass;
