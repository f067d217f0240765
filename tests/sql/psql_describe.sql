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
