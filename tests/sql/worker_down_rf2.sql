-- A crashed worker with a replication-factor-2 table (Citus 13.2.2 reference transcript
-- 09_worker_down, with \crash / \restart where the real cluster ran pg_ctl stop -m immediate
-- and pg_ctl start on 9702).
-- The transcript's blank lines are left out (psql does not echo them).
-- (1) worker 9702 is down: a replication-factor-1 table, a replication-factor-2 table and a reference table:
--     router SELECT, multi-shard count(*), INSERT, UPDATE on all shards; pg_dist_node and
--     citus_get_active_worker_nodes() still list the node; citus_disable_node is refused
-- (2) restart, citus_activate_node on a node that was never disabled
-- (3) without the replication-factor-1 table the down node can be disabled; queries skip it;
--     restart + citus_activate_node drops its replication-factor-2 placements from the metadata
CREATE TABLE events_rf1 (id int PRIMARY KEY, kind text, n int);
SELECT create_distributed_table('events_rf1', 'id');
SET citus.shard_replication_factor = 2;
CREATE TABLE events_rf2 (id int PRIMARY KEY, kind text, n int);
SELECT create_distributed_table('events_rf2', 'id');
RESET citus.shard_replication_factor;
CREATE TABLE event_kinds (kind text PRIMARY KEY, label text);
SELECT create_reference_table('event_kinds');
INSERT INTO events_rf1 SELECT g, 'k' || (g % 3), g * 10 FROM generate_series(1, 10) g;
INSERT INTO events_rf2 SELECT g, 'k' || (g % 3), g * 10 FROM generate_series(1, 10) g;
INSERT INTO event_kinds VALUES ('k0', 'zero'), ('k1', 'one'), ('k2', 'two');
-- id 1 -> a shard on 9702 only (rf1) / on 9701 and 9702 (rf2); id 2 -> a shard on 9701 (rf1)
SELECT t.tbl, x.id, get_shard_id_for_distribution_column(t.tbl, x.id) AS shardid,
       (SELECT string_agg(nodeport::text, ',' ORDER BY nodeport) FROM pg_dist_shard_placement p
        WHERE p.shardid = get_shard_id_for_distribution_column(t.tbl, x.id)) AS nodeports
FROM unnest(ARRAY['events_rf1'::regclass, 'events_rf2'::regclass]) t(tbl), unnest(ARRAY[1, 2, 13]) x(id)
ORDER BY 1, 2;
SELECT s.logicalrelid::regclass AS table_name, p.nodeport, count(*) AS placements
FROM pg_dist_shard s JOIN pg_dist_shard_placement p USING (shardid)
WHERE s.logicalrelid IN ('events_rf1'::regclass, 'events_rf2'::regclass, 'event_kinds'::regclass)
GROUP BY 1, 2 ORDER BY 1, 2;
-- (1) crash worker 9702
\crash worker-2
-- replication factor 1
SELECT id, kind, n FROM events_rf1 WHERE id = 1;
SELECT id, kind, n FROM events_rf1 WHERE id = 2;
SELECT count(*) FROM events_rf1;
INSERT INTO events_rf1 VALUES (13, 'k1', 130);
UPDATE events_rf1 SET n = n + 1;
-- replication factor 2 (every shard has a placement on 9701 and on 9702)
SELECT id, kind, n FROM events_rf2 WHERE id = 1;
SELECT count(*) FROM events_rf2;
SELECT id, kind, n FROM events_rf2 ORDER BY id;
INSERT INTO events_rf2 VALUES (13, 'k1', 130);
UPDATE events_rf2 SET n = n + 1 WHERE id = 1;
UPDATE events_rf2 SET n = n + 1;
DELETE FROM events_rf2 WHERE id = 2;
-- reference table
SELECT kind, label FROM event_kinds ORDER BY kind;
INSERT INTO event_kinds VALUES ('k3', 'three');
-- a join of the rf2 table with the reference table
SELECT e.id, k.label FROM events_rf2 e JOIN event_kinds k USING (kind) WHERE e.id = 1;
SELECT shardstate, count(*) FROM pg_dist_placement GROUP BY shardstate ORDER BY shardstate;
-- the node metadata does not notice the crash
SELECT nodeid, groupid, nodename, nodeport, isactive, noderole, hasmetadata, shouldhaveshards FROM pg_dist_node ORDER BY nodeid;
SELECT * FROM citus_get_active_worker_nodes() ORDER BY node_port;
-- DDL needs every worker
ALTER TABLE events_rf2 ADD COLUMN note text;
DROP TABLE events_rf1;
-- citus_disable_node: 9702 holds the only placements of events_rf1 shards
SELECT citus_disable_node('127.0.0.1', 9702);
SELECT citus_disable_node('127.0.0.1', 9702, synchronous => true);
SELECT citus_disable_node('127.0.0.1', 9702, force => true);
-- the first worker (9701) can only be disabled synchronously
SELECT citus_disable_node('127.0.0.1', 9701);
SELECT nodeid, nodeport, isactive FROM pg_dist_node ORDER BY nodeid;
SELECT count(*) FROM events_rf1;
-- (2) restart 9702; citus_activate_node on a node that was never disabled
\restart worker-2
SELECT citus_activate_node('127.0.0.1', 9702);
SELECT nodeid, nodeport, isactive FROM pg_dist_node ORDER BY nodeid;
SELECT count(*) FROM events_rf1;
SELECT count(*), sum(n) FROM events_rf2;
SELECT kind, label FROM event_kinds ORDER BY kind;
INSERT INTO events_rf1 VALUES (13, 'k1', 130);
UPDATE events_rf2 SET n = n + 1 WHERE id = 1;
-- (3) drop the replication-factor-1 table, crash 9702 again, disable it
DROP TABLE events_rf1;
\crash worker-2
SELECT citus_disable_node('127.0.0.1', 9702);
SELECT nodeid, groupid, nodename, nodeport, isactive, noderole, hasmetadata, shouldhaveshards FROM pg_dist_node ORDER BY nodeid;
SELECT * FROM citus_get_active_worker_nodes() ORDER BY node_port;
SELECT s.logicalrelid::regclass AS table_name, p.nodeport, count(*) AS placements
FROM pg_dist_shard s JOIN pg_dist_shard_placement p USING (shardid)
WHERE s.logicalrelid IN ('events_rf2'::regclass, 'event_kinds'::regclass)
GROUP BY 1, 2 ORDER BY 1, 2;
-- queries again: the disabled node is skipped
SELECT id, kind, n FROM events_rf2 WHERE id = 1;
SELECT count(*) FROM events_rf2;
INSERT INTO events_rf2 VALUES (14, 'k2', 140);
UPDATE events_rf2 SET n = n + 1 WHERE id = 1;
UPDATE events_rf2 SET n = n + 1;
SELECT id, kind, n FROM events_rf2 ORDER BY id;
INSERT INTO event_kinds VALUES ('k3', 'three');
SELECT kind, label FROM event_kinds ORDER BY kind;
SELECT e.id, k.label FROM events_rf2 e JOIN event_kinds k USING (kind) WHERE e.id = 14;
-- a new distributed table while 9702 is disabled: its shards all go to 9701
CREATE TABLE events_new (id int PRIMARY KEY, v int);
SELECT create_distributed_table('events_new', 'id');
INSERT INTO events_new SELECT g, g FROM generate_series(1, 4) g;
SELECT p.nodeport, count(*) FROM pg_dist_shard s JOIN pg_dist_shard_placement p USING (shardid)
WHERE s.logicalrelid = 'events_new'::regclass GROUP BY 1 ORDER BY 1;
-- restart 9702 and activate it again; this session still caches a connection to the crashed
-- 9702 process (opened in part 2), the first attempt runs into it, the second one opens a new one
\restart worker-2
SELECT citus_activate_node('127.0.0.1', 9702);
SELECT citus_activate_node('127.0.0.1', 9702);
SELECT nodeid, groupid, nodename, nodeport, isactive, noderole, hasmetadata, shouldhaveshards FROM pg_dist_node ORDER BY nodeid;
SELECT * FROM citus_get_active_worker_nodes() ORDER BY node_port;
SELECT s.logicalrelid::regclass AS table_name, p.nodeport, count(*) AS placements
FROM pg_dist_shard s JOIN pg_dist_shard_placement p USING (shardid)
WHERE s.logicalrelid IN ('events_rf2'::regclass, 'event_kinds'::regclass, 'events_new'::regclass)
GROUP BY 1, 2 ORDER BY 1, 2;
-- queries again
SELECT id, kind, n FROM events_rf2 WHERE id = 1;
SELECT count(*), sum(n) FROM events_rf2;
INSERT INTO events_rf2 VALUES (15, 'k0', 150);
UPDATE events_rf2 SET n = n + 1;
SELECT id, kind, n FROM events_rf2 ORDER BY id;
SELECT kind, label FROM event_kinds ORDER BY kind;
SELECT n.nodeport, r.result FROM run_command_on_all_nodes($$SELECT string_agg(kind, ',' ORDER BY kind) FROM event_kinds$$) r JOIN pg_dist_node n USING (nodeid) ORDER BY n.nodeport;
SELECT count(*) FROM events_new;
-- the reference table placement on 9702 was dropped from the metadata by citus_activate_node; it comes back
-- with replicate_reference_tables(); the replication-factor-2 placements on 9702 do not come back by themselves
SELECT replicate_reference_tables();
SELECT s.logicalrelid::regclass AS table_name, p.nodeport, count(*) AS placements
FROM pg_dist_shard s JOIN pg_dist_shard_placement p USING (shardid)
WHERE s.logicalrelid IN ('events_rf2'::regclass, 'event_kinds'::regclass)
GROUP BY 1, 2 ORDER BY 1, 2;
