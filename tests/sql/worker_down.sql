-- A crashed worker (replication factor 1 and a reference table): what still works, what fails
-- with Citus's connection error, and that the node metadata does not notice the crash.
CREATE TABLE events (id int PRIMARY KEY, kind text, n int);
SELECT create_distributed_table('events', 'id');
CREATE TABLE event_kinds (kind text PRIMARY KEY, label text);
SELECT create_reference_table('event_kinds');
INSERT INTO events SELECT g, 'k' || (g % 3), g * 10 FROM generate_series(1, 10) g;
INSERT INTO event_kinds VALUES ('k0', 'zero'), ('k1', 'one'), ('k2', 'two');
-- id 1 -> a shard on worker-2 (9702), id 2 -> a shard on worker-1 (9701)
SELECT x.id, get_shard_id_for_distribution_column('events', x.id) AS shardid,
       (SELECT nodeport FROM pg_dist_shard_placement p WHERE p.shardid = get_shard_id_for_distribution_column('events', x.id)) AS nodeport
FROM unnest(ARRAY[1, 2]) x(id) ORDER BY 1;
\crash worker-2
-- router queries to the live worker work, anything that needs worker-2 fails
SELECT id, kind, n FROM events WHERE id = 1;
SELECT id, kind, n FROM events WHERE id = 2;
SELECT count(*) FROM events;
INSERT INTO events VALUES (13, 'k1', 130);
UPDATE events SET n = n + 1;
-- the reference table is read from the coordinator's own copy; writes need every copy
SELECT kind, label FROM event_kinds ORDER BY kind;
INSERT INTO event_kinds VALUES ('k3', 'three');
SELECT e.id, k.label FROM events e JOIN event_kinds k USING (kind) WHERE e.id = 2;
-- the metadata does not notice the crash
SELECT nodeid, groupid, nodename, nodeport, isactive, noderole, shouldhaveshards FROM pg_dist_node ORDER BY nodeid;
SELECT * FROM citus_get_active_worker_nodes() ORDER BY node_port;
-- DDL needs every worker
ALTER TABLE events ADD COLUMN note text;
DROP TABLE events;
-- a link cut instead of a crash: new connections time out
\restart worker-2
\disconnect worker-1
SELECT id, kind, n FROM events WHERE id = 1;
SELECT id, kind, n FROM events WHERE id = 2;
BEGIN;
UPDATE events SET n = n + 1 WHERE id = 1;
UPDATE events SET n = n + 1 WHERE id = 2;
ROLLBACK;
\reconnect worker-1
SELECT count(*), sum(n) FROM events;
-- a connection in a transaction breaks when its worker crashes under it
BEGIN;
UPDATE events SET n = n + 1 WHERE id = 2;
\crash worker-1
UPDATE events SET n = n + 1 WHERE id = 4;
ROLLBACK;
\restart worker-1
-- and a cut link under an open transaction
BEGIN;
UPDATE events SET n = n + 1 WHERE id = 2;
\disconnect worker-1
COMMIT;
\reconnect worker-1
SELECT count(*), sum(n) FROM events;
SELECT kind, label FROM event_kinds ORDER BY kind;
