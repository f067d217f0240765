-- Relation names as PostgreSQL reads and prints them: quoted names keep their case,
-- unquoted ones fold to lower case; regclass prints quotes only when needed and sorts by
-- OID (creation order); CHECK constraints keep their name on shards
CREATE TABLE "Mixed Case" ("Key" int, v int CHECK (v > 0));
SELECT create_distributed_table('"Mixed Case"', 'Key');
CREATE TABLE zeta (id int);
SELECT create_distributed_table('Zeta', 'id');
CREATE TABLE alpha (id int PRIMARY KEY);
SELECT create_reference_table('public.ALPHA');
SELECT table_name, citus_table_type FROM citus_tables ORDER BY table_name;
SELECT logicalrelid, colocationid FROM pg_dist_partition ORDER BY logicalrelid DESC;
SELECT logicalrelid::text AS name FROM pg_dist_partition ORDER BY 1;
SELECT '"Mixed Case"'::regclass, 'ZETA'::regclass, '"Mixed Case"'::regclass::text AS as_text;
SELECT 'Mixed Case'::regclass;
SELECT '"nope"'::regclass;
SELECT create_distributed_table('Mixed Case', 'Key');
SELECT create_distributed_table('"mixed case"', 'Key');
-- the shard of a quoted table is reached by every kind of statement
INSERT INTO "Mixed Case" VALUES (1, 1), (2, 2), (3, 3);
INSERT INTO "Mixed Case" VALUES (4, -4);
SELECT * FROM "Mixed Case" ORDER BY "Key";
SELECT v FROM "Mixed Case" WHERE "Key" = 2;
UPDATE "Mixed Case" SET v = v + 10 WHERE "Key" = 3;
SELECT shard_name FROM citus_shards WHERE table_name = '"Mixed Case"'::regclass ORDER BY shardid LIMIT 2;
SELECT get_shard_id_for_distribution_column('"Mixed Case"', 2) = get_shard_id_for_distribution_column('"Mixed Case"'::regclass, 2) AS same_shard;
-- a CHECK added after distribution is sent as ALTER TABLE and gets the shard id
ALTER TABLE zeta ADD CONSTRAINT zeta_positive CHECK (id > 0);
INSERT INTO zeta VALUES (-1);
SELECT undistribute_table('"Mixed Case"');
SELECT * FROM "Mixed Case" ORDER BY "Key";
