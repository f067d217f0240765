-- The coordinator fails over too: its standby holds the local and reference data, and the
-- clients reconnect to the promoted coordinator.
CREATE TABLE kinds (kind text PRIMARY KEY, label text);
SELECT create_reference_table('kinds');
CREATE TABLE events (id int PRIMARY KEY, kind text);
SELECT create_distributed_table('events', 'id');
\standby add coordinator sync
INSERT INTO kinds VALUES ('a', 'alpha'), ('b', 'beta');
INSERT INTO events SELECT g, CASE WHEN g % 2 = 0 THEN 'a' ELSE 'b' END FROM generate_series(1, 10) g;
\crash coordinator
SELECT count(*) FROM events;
\failover coordinator
SELECT count(*) FROM events;
SELECT e.kind, k.label, count(*) FROM events e JOIN kinds k USING (kind) GROUP BY 1, 2 ORDER BY 1;
SELECT nodeid, groupid, nodeport FROM pg_dist_node ORDER BY nodeid;
INSERT INTO kinds VALUES ('c', 'gamma');
SELECT kind, label FROM kinds ORDER BY kind;
