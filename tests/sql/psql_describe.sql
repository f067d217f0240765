-- \d, \dt and \d TABLE, and \c between nodes
CREATE TABLE users(user_id int primary key, name text);
CREATE TABLE orders(order_id serial, user_id int REFERENCES users(user_id), item varchar(20) NOT NULL,
                    created_at timestamp default now(), primary key(order_id, user_id));
CREATE INDEX orders_item_idx ON orders(item);
\d
\dt
\d orders
\d users
\d nope
\c worker-1
\conninfo
\c - - 127.0.0.1 9700
\c
-- the Citus catalog relations: tables and views in pg_catalog, citus_tables in public
\dt pg_dist*
\d pg_dist_node
\d pg_dist_partition
\d pg_dist_shard
\d pg_dist_placement
\d pg_dist_colocation
\d pg_dist_shard_placement
\d citus*
\d pg_catalog.pg_dist_sh*
\dt *.pg_dist_n*
\dt public.*
\d public.pg_dist_node
\d
SELECT * FROM pg_dist_node ORDER BY nodeid;
SELECT * FROM pg_dist_colocation;
