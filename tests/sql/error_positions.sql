-- Errors PostgreSQL finds while analysing a statement carry a position: psql quotes the line
-- and puts a caret under it. First on plain (local) tables, as PostgreSQL 15 reports them.
CREATE TABLE users (user_id int PRIMARY KEY, name text, city text);
CREATE TABLE orders (order_id int, user_id int, item text, amount numeric(8,2));
-- columns, with PostgreSQL's hints
SELECT nam FROM users;
SELECT u.nam FROM users u;
SELECT user_i FROM users, orders;
SELECT zzz FROM users;
-- tables
SELECT * FROM userz;
SELECT * FROM public.userz;
SELECT x.name FROM users u;
SELECT users.name FROM users u;
SELECT u.* FROM users;
SELECT * FROM users u, orders o JOIN users x ON u.user_id = x.user_id;
-- functions
SELECT no_such_function(1, 'a', name) FROM users;
SELECT upper(nme) FROM users;
-- ambiguity
SELECT user_id FROM users, orders;
SELECT user_id FROM users u JOIN orders o ON o.user_id = u.user_id;
SELECT user_id FROM users JOIN orders USING (user_id);
-- subqueries, CTEs, set operations
SELECT * FROM users WHERE user_id IN (SELECT user_idd FROM orders);
SELECT * FROM users WHERE EXISTS (SELECT 1 FROM orders o WHERE o.user_id = users.user_idd);
SELECT * FROM (SELECT user_id AS uid FROM users) s WHERE s.user_id = 1;
WITH w AS (SELECT user_id FROM users) SELECT nme FROM w;
SELECT * FROM users u, (SELECT u.name) s;
SELECT user_id FROM users UNION SELECT user_idd FROM orders;
-- clauses in PostgreSQL's order of analysis
SELECT name AS n FROM users ORDER BY n + 1;
SELECT city, count(*) FROM users GROUP BY cityy;
SELECT name FROM users WHERE nme = 'x' ORDER BY cty;
-- INSERT, UPDATE, DELETE
INSERT INTO userz VALUES (1);
INSERT INTO users (user_id, nme) VALUES (1, 'x');
UPDATE users SET nme = 'x';
UPDATE users SET nme = 'x' WHERE nme2 = 1;
DELETE FROM users WHERE nme = 1;
DELETE FROM users WHERE user_id = 1 RETURNING nme;
-- literals read as the type they meet
SELECT * FROM users WHERE user_id = 'abc';
SELECT * FROM users WHERE user_id IN (1, '2', 'three');
SELECT * FROM orders WHERE amount > '1.2.3';
INSERT INTO users VALUES ('abc', 'x');
UPDATE orders SET amount = 'lots' WHERE order_id = 1;
SELECT 'abc'::int;
-- syntax errors
SELECT * FROM;
SELEC 1;
SELECT * FROM users WHERE user_id = = 1;
-- multi-line statements: the line holding the position
SELECT name,
       city
  FROM users
 WHERE cty = 'x';
SELECT name
  FROM users
 WHERE;
-- long lines are cut around the position
SELECT user_id, name, city, user_id + 1 AS a, user_id + 2 AS b, user_id + 3 AS c, nope FROM users;
SELECT nope, user_id, name, city, user_id + 1 AS a, user_id + 2 AS b, user_id + 3 AS c FROM users;
SELECT user_id, name, city, user_id + 1 AS a, user_id + 2 AS b, user_id + 3 AS c, user_id AS d FROM users WHERE nope;
-- tabs and wide characters
SELECT	nam	FROM users;
SELECT 'é東京' AS x, nam FROM users;
-- verbosity
\set VERBOSITY terse
SELECT nam FROM users;
\set VERBOSITY sqlstate
SELECT nam FROM users;
\set VERBOSITY default
-- On Citus tables the coordinator analyses the statement against its shell tables before it
-- plans: the same errors, with no worker CONTEXT and no task sent.
CREATE TABLE accounts (account_id int PRIMARY KEY, owner text, balance numeric(10,2));
CREATE TABLE regions (code text PRIMARY KEY, label text);
SELECT create_distributed_table('accounts', 'account_id');
SELECT create_reference_table('regions');
SELECT nam FROM accounts WHERE account_id = 1;
SELECT ownr, count(*)
  FROM accounts
 GROUP BY ownr;
SELECT a.owner, r.labl FROM accounts a JOIN regions r ON r.code = a.owner;
SELECT * FROM accounts WHERE account_id = 'one';
UPDATE accounts SET balanse = 0 WHERE account_id = 1;
UPDATE accounts SET balance = 0 WHERE acount_id = 1;
DELETE FROM accounts WHERE a.account_id = 1;
INSERT INTO accounts (account_id, ownr) VALUES (1, 'x');
INSERT INTO accounts VALUES ('one', 'x', 0);
INSERT INTO accounts VALUES (1, 'x', 'a lot');
SELECT * FROM regions WHERE cod = 'NL';
SELECT sum_of(balance) FROM accounts;
-- errors raised while executing stay the worker's
INSERT INTO accounts VALUES (1, 'ann', 10);
INSERT INTO accounts VALUES (1, 'ann', 10);
SELECT balance / 0 FROM accounts WHERE account_id = 1;
SELECT * FROM accounts WHERE
