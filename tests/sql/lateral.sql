-- LATERAL: FROM items that read the items before them, evaluated for each of their rows
CREATE TABLE lat_users (id int, name text, city int);
CREATE TABLE lat_orders (id int, user_id int, amount int);
INSERT INTO lat_users VALUES (1, 'ann', 10), (2, 'bob', 20), (3, 'cyd', 10), (4, 'dee', NULL);
INSERT INTO lat_orders VALUES (1, 1, 30), (2, 1, 50), (3, 2, 20), (4, 3, 70), (5, 3, 10), (6, 3, 40);
-- the largest order of each user; users without one drop out, or stay with LEFT JOIN
SELECT u.name, o.amount
FROM lat_users u, LATERAL (SELECT amount FROM lat_orders o WHERE o.user_id = u.id ORDER BY amount DESC LIMIT 1) o
ORDER BY u.name;
SELECT u.name, o.amount
FROM lat_users u LEFT JOIN LATERAL (SELECT amount FROM lat_orders o WHERE o.user_id = u.id ORDER BY amount DESC LIMIT 1) o ON true
ORDER BY u.name;
-- an aggregate per row: every user gets a row, 0 when nothing matches
SELECT u.name, s.n, s.total FROM lat_users u
CROSS JOIN LATERAL (SELECT count(*) AS n, sum(amount) AS total FROM lat_orders o WHERE o.user_id = u.id) s
ORDER BY u.name;
-- the two largest orders of each user, and a condition on the joined rows
SELECT u.name, t.amount FROM lat_users u
JOIN LATERAL (SELECT amount FROM lat_orders o WHERE o.user_id = u.id ORDER BY amount DESC LIMIT 2) t ON t.amount > 25
ORDER BY 1, 2;
-- functions in FROM are LATERAL without the word
SELECT u.name, g FROM lat_users u, generate_series(1, u.id) g WHERE u.id <= 2 ORDER BY 1, 2;
SELECT u.name, g FROM lat_users u, LATERAL generate_series(u.id, 2) g ORDER BY 1, 2;
-- a lateral item joined further
SELECT u.name, t.amount, o2.id FROM lat_users u,
LATERAL (SELECT max(amount) AS amount FROM lat_orders o WHERE o.user_id = u.id) t
JOIN lat_orders o2 ON o2.amount = t.amount
ORDER BY 1;
-- a correlation on another column than the key
SELECT u.name, c.n FROM lat_users u, LATERAL (SELECT count(*) AS n FROM lat_users v WHERE v.city = u.city) c ORDER BY 1;
-- no rows before it: none after
SELECT u.name, t.amount FROM lat_users u, LATERAL (SELECT amount FROM lat_orders o WHERE o.user_id = u.id) t WHERE u.id > 10;
-- PostgreSQL refuses LATERAL with RIGHT and FULL joins, and a reference without LATERAL
SELECT * FROM lat_users u RIGHT JOIN LATERAL (SELECT * FROM lat_orders o WHERE o.user_id = u.id) t ON true;
SELECT * FROM lat_users u, (SELECT * FROM lat_orders o WHERE o.user_id = u.id) t;
-- the same on distributed, co-located tables
SELECT create_distributed_table('lat_users', 'id');
SELECT create_distributed_table('lat_orders', 'user_id');
SELECT u.name, o.amount
FROM lat_users u, LATERAL (SELECT amount FROM lat_orders o WHERE o.user_id = u.id ORDER BY amount DESC LIMIT 1) o
ORDER BY u.name;
SELECT u.name, s.n, s.total FROM lat_users u
CROSS JOIN LATERAL (SELECT count(*) AS n, sum(amount) AS total FROM lat_orders o WHERE o.user_id = u.id) s
ORDER BY u.name;
SELECT u.name, g FROM lat_users u, generate_series(1, u.id) g WHERE u.id <= 2 ORDER BY 1, 2;
SELECT u.name, c.n FROM lat_users u, LATERAL (SELECT count(*) AS n FROM lat_users v WHERE v.city = u.city) c ORDER BY 1;
DROP TABLE lat_users, lat_orders;
