CREATE TABLE payouts (payout_id int, seller_id int, amount numeric(10,2), paid_on date, PRIMARY KEY (seller_id, payout_id));
SELECT create_distributed_table('payouts', 'seller_id');
CREATE TABLE notes (id int PRIMARY KEY, body text);
INSERT INTO payouts VALUES (1, 1, 100.00, '2024-01-31'), (2, 1, 60.00, '2024-02-29'), (3, 2, 200.00, '2024-01-31'), (4, 2, 150.00, '2024-03-31'),
  (5, 3, 40.00, '2024-02-29'), (6, 4, 800.00, '2024-03-31'), (7, 4, 300.00, '2024-04-30'), (8, 5, 10.00, '2024-03-31');
-- a router query
PREPARE seller_payouts(int) AS SELECT payout_id, amount, paid_on FROM payouts WHERE seller_id = $1 ORDER BY payout_id;
EXECUTE seller_payouts(4);
EXECUTE seller_payouts('2');
EXPLAIN (COSTS OFF) EXECUTE seller_payouts(4);
-- multi-shard, with a date parameter
PREPARE paid_since(date) AS SELECT count(*), sum(amount) FROM payouts WHERE paid_on >= $1;
EXECUTE paid_since('2024-03-01');
EXPLAIN (COSTS OFF) EXECUTE paid_since('2024-03-01');
-- modifications
PREPARE add_payout(int, int, numeric) AS INSERT INTO payouts (payout_id, seller_id, amount, paid_on) VALUES ($1, $2, $3, '2024-06-30');
EXECUTE add_payout(9, 3, 12.5);
PREPARE raise(numeric, int) AS UPDATE payouts SET amount = amount + $1 WHERE seller_id = $2;
EXECUTE raise(1, 3);
PREPARE drop_small(numeric) AS DELETE FROM payouts WHERE amount < $1;
EXECUTE drop_small(15);
SELECT seller_id, payout_id, amount FROM payouts WHERE seller_id IN (3, 5) ORDER BY 1, 2;
-- a local table, parameters without declared types
PREPARE note_ins AS INSERT INTO notes VALUES ($1, $2);
EXECUTE note_ins(1, 'first');
PREPARE note_get AS SELECT body FROM notes WHERE id = $1;
EXECUTE note_get(1);
-- errors
EXECUTE nope(1);
EXECUTE seller_payouts(1, 2);
EXECUTE seller_payouts;
EXECUTE seller_payouts('x');
PREPARE seller_payouts(int) AS SELECT 1;
PREPARE bad(int) AS SELECT * FROM no_such_table WHERE id = $1;
DEALLOCATE nope;
DEALLOCATE seller_payouts;
EXECUTE seller_payouts(4);
DEALLOCATE ALL;
EXECUTE note_get(1);
