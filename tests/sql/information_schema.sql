-- information_schema.tables and information_schema.columns: each node lists its own
-- relations, with PostgreSQL 15's columns; Citus hides shards from clients, not from the
-- connections it opens between nodes.
CREATE TABLE kinds (
    id serial PRIMARY KEY,
    small smallint,
    big bigint NOT NULL,
    price numeric(10,2) DEFAULT 0,
    amount numeric,
    ratio real,
    score double precision,
    name text DEFAULT 'none',
    code varchar(20),
    anything varchar,
    flag char(3),
    active boolean DEFAULT true,
    born date,
    seen timestamp,
    seen_tz timestamptz DEFAULT now(),
    span interval,
    doc jsonb,
    tags int[]
);
SELECT column_name, ordinal_position AS pos, column_default, is_nullable, data_type, udt_name
FROM information_schema.columns WHERE table_name = 'kinds' ORDER BY ordinal_position;
SELECT column_name, character_maximum_length AS max_len, character_octet_length AS octets,
       numeric_precision AS prec, numeric_precision_radix AS radix, numeric_scale AS scale,
       datetime_precision AS dt_prec
FROM information_schema.columns WHERE table_name = 'kinds' ORDER BY ordinal_position;
SELECT table_catalog, table_schema, table_name, column_name, dtd_identifier, is_identity,
       is_generated, is_updatable, udt_catalog, udt_schema
FROM information_schema.columns WHERE table_name = 'kinds' AND ordinal_position = 1;
-- tables, partitioned tables, views; a view of one table is updatable
CREATE TABLE events (id int, at date NOT NULL) PARTITION BY RANGE (at);
CREATE TABLE events_2024 PARTITION OF events FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
CREATE VIEW kind_names AS SELECT id, name, upper(name) AS shout FROM kinds;
CREATE VIEW kind_counts AS SELECT count(*) AS n FROM kinds;
CREATE SCHEMA sales;
CREATE TABLE sales.orders (id bigint PRIMARY KEY, total numeric(8,2));
SELECT table_catalog, table_schema, table_name, table_type, is_insertable_into, is_typed,
       commit_action
FROM information_schema.tables WHERE table_schema IN ('public', 'sales') ORDER BY table_schema, table_name;
SELECT table_name, column_name, is_updatable FROM information_schema.columns
WHERE table_name IN ('kind_names', 'kind_counts') ORDER BY table_name, ordinal_position;
SELECT table_schema, column_name, data_type, is_nullable FROM information_schema.columns
WHERE table_name = 'orders' ORDER BY ordinal_position;
-- its schema is part of the view's name: a table called tables is another relation
CREATE TABLE tables (x int);
SELECT count(*) FROM tables;
SELECT count(*) FROM information_schema.tables WHERE table_name = 'tables';
SELECT * FROM information_schema.no_such_view;
-- Citus tables: the coordinator lists the distributed table, the workers its shards
CREATE TABLE ledger (id int PRIMARY KEY, account text, amount int);
SELECT create_distributed_table('ledger', 'id');
CREATE TABLE currencies (code text PRIMARY KEY, name text);
SELECT create_reference_table('currencies');
SELECT table_name FROM information_schema.tables WHERE table_name LIKE 'ledger%' OR table_name LIKE 'currencies%' ORDER BY 1;
SELECT nodeport, result FROM run_command_on_workers($$SELECT count(*) FROM information_schema.tables WHERE table_name LIKE 'ledger\_%'$$) ORDER BY nodeport;
SELECT nodeport, result FROM run_command_on_workers($$SELECT count(*) FROM information_schema.columns WHERE table_name = 'ledger_102009'$$) ORDER BY nodeport;
-- DDL reaches the shards, and each worker's information_schema shows it
ALTER TABLE ledger ADD COLUMN note text;
SELECT nodeport, result FROM run_command_on_workers($$SELECT count(*) FROM information_schema.columns WHERE table_name = 'ledger_102009' AND column_name = 'note'$$) ORDER BY nodeport;
SELECT nodeport, result FROM run_command_on_workers($$SELECT string_agg(column_name || ':' || data_type, ', ' ORDER BY ordinal_position) FROM information_schema.columns WHERE table_name = 'ledger_102008'$$) ORDER BY nodeport;
-- a client connected to a node does not see the shards there, though it can query them:
-- the reference table's shard on the coordinator, the shards on a worker
SELECT count(*) FROM information_schema.tables WHERE table_name LIKE 'currencies\_%';
\c worker-1
SELECT count(*) FROM information_schema.tables WHERE table_name LIKE 'ledger\_%';
SELECT count(*) FROM information_schema.columns WHERE table_name = 'ledger_102008';
SELECT count(*) FROM ledger_102008;
\c coordinator
