-- \reset starts over: a fresh coordinator and its workers, nothing created, psql on the
-- coordinator again, and ids (shards, OIDs, sequences) counted from the start.
CREATE TABLE kept (id int);
SELECT create_distributed_table('kept', 'id');
INSERT INTO kept VALUES (1), (2);
SELECT min(shardid) FROM pg_dist_shard;
\c worker-1
\reset
\conninfo
SELECT count(*) FROM pg_dist_shard;
SELECT * FROM kept;
SELECT nodename, nodeport, noderole FROM pg_dist_node ORDER BY nodeid;
CREATE TABLE kept (id int);
SELECT create_distributed_table('kept', 'id');
SELECT min(shardid), count(*) FROM pg_dist_shard;
SELECT count(*) FROM kept;
\reset now
SELECT count(*) FROM pg_dist_partition;
