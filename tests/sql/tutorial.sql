-- The Citus tutorial's two demonstrations, statement by statement as the tutorial writes
-- them, on a fresh cluster (so shard ids start at 102008 rather than the tutorial's 102488).
-- Demonstration 1: distribution and shard placement
CREATE TABLE citus_demo (
    id SERIAL,
    user_name TEXT,
    city TEXT,
    age INT,
    created_at TIMESTAMP DEFAULT NOW()
);
SELECT create_distributed_table('citus_demo', 'id');
INSERT INTO citus_demo (user_name, city, age) VALUES
    ('Alice', 'New York', 25),
    ('Bob', 'Chicago', 30),
    ('Charlie', 'Seattle', 27),
    ('David', 'Boston', 35),
    ('Emma', 'Denver', 22),
    ('Frank', 'Portland', 29),
    ('Grace', 'Miami', 28),
    ('Henry', 'Atlanta', 31),
    ('Iris', 'Phoenix', 26),
    ('Jack', 'Dallas', 33);
SELECT table_name, shardid, shard_name, nodename, nodeport FROM citus_shards WHERE table_name::text = 'citus_demo' ORDER BY shardid LIMIT 3;
SELECT id, user_name, city,
       get_shard_id_for_distribution_column('citus_demo', id) as shard_id
FROM citus_demo
ORDER BY id;
-- Viewing data on individual workers: Henry (8) and Bob, David, Grace live on worker 1
\c worker-1
SELECT id, user_name, city, age FROM citus_demo_102008;
SELECT id, user_name, city, age FROM citus_demo_102032;  -- Bob
SELECT id, user_name, city, age FROM citus_demo_102016;  -- David and Grace
-- Alice and Charlie live on worker 2; worker 1 has no such shard
SELECT id, user_name, city, age FROM citus_demo_102009;
\c worker-2
SELECT id, user_name, city, age FROM citus_demo_102009;  -- Alice
SELECT id, user_name, city, age FROM citus_demo_102023;  -- Charlie
\c coordinator
-- Demonstration 2: foreign keys and co-location
CREATE TABLE users (
    user_id INT PRIMARY KEY, 
    name TEXT
);
CREATE TABLE orders (
    order_id SERIAL,
    user_id INT,
    item TEXT,
    created_at TIMESTAMP DEFAULT NOW(),
    PRIMARY KEY (order_id, user_id)  -- Must include distribution column
);
SELECT create_distributed_table('users', 'user_id');
SELECT create_distributed_table('orders', 'user_id');
ALTER TABLE orders 
ADD CONSTRAINT fk_user 
FOREIGN KEY (user_id) REFERENCES users(user_id);
INSERT INTO users (user_id, name) VALUES
    (1, 'Alice'),
    (2, 'Bob'),
    (3, 'Charlie'),
    (4, 'David'),
    (5, 'Emma');
INSERT INTO orders (user_id, item) VALUES
    (1, 'Pizza'),
    (1, 'Soda'),
    (1, 'Ice Cream'),
    (2, 'Burger'),
    (2, 'Fries'),
    (3, 'Taco'),
    (3, 'Burrito'),
    (3, 'Nachos'),
    (4, 'Pasta'),
    (5, 'Salad');
SELECT 
    u.user_id,
    u.name,
    o.item,
    get_shard_id_for_distribution_column('users', u.user_id) as user_shard,
    get_shard_id_for_distribution_column('orders', o.user_id) as order_shard
FROM users u
JOIN orders o ON u.user_id = o.user_id
ORDER BY u.user_id, o.order_id;
SELECT 
    table_name,
    shardid,
    nodename
FROM citus_shards 
WHERE shardid IN (102041, 102073)  -- Alice's user and order shards
ORDER BY nodename, table_name;
INSERT INTO orders (user_id, item) VALUES (999, 'Ghost Pizza');
SELECT 
    u.user_id, 
    u.name, 
    COUNT(o.order_id) as num_orders
FROM users u
LEFT JOIN orders o ON u.user_id = o.user_id
GROUP BY u.user_id, u.name
ORDER BY u.user_id;
