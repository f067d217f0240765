-- The function catalog: aggregates, their distributed plans, \df, and float output settings.
CREATE TABLE scores (id int, grp int, x int, big bigint, amount numeric, f float8, label text, ok boolean);
INSERT INTO scores VALUES
  (1, 1, 1, 10, 1.5, 1.5, 'a', true), (2, 1, 2, 20, 2.25, 2.5, 'b', true),
  (3, 2, 3, 30, 3.0, 4.0, 'c"q', false), (4, 2, 4, 40, NULL, NULL, NULL, true),
  (5, 2, 9, 50, 10.75, 0.1, 'e', NULL);
-- statistics aggregates: numeric for integer and numeric input, double precision for float
SELECT stddev(x), variance(x), stddev_samp(x), var_samp(x), stddev_pop(x), var_pop(x) FROM scores;
SELECT stddev(big), var_pop(amount), stddev(amount) FROM scores;
SELECT stddev(f), variance(f), stddev_pop(f), var_pop(f) FROM scores;
SELECT round(stddev(f)::numeric, 12), round(variance(f)::numeric, 12), round(var_pop(f)::numeric, 12) FROM scores;
SELECT pg_typeof(stddev(x)), pg_typeof(variance(big)), pg_typeof(stddev(f)), pg_typeof(var_pop(amount)) FROM scores;
SELECT stddev(x), var_pop(x), variance(f) FROM scores WHERE id = 1;
SELECT stddev(x), var_pop(x) FROM scores WHERE id > 100;
SELECT pg_typeof(stddev(x)), pg_typeof(var_pop(f)) FROM scores WHERE id > 100;
SELECT grp, stddev(x), variance(f), round(variance(f)::numeric, 12) FROM scores GROUP BY grp ORDER BY grp;
-- json_agg, string_agg, array_agg, bool_and, bool_or, every
SELECT json_agg(x ORDER BY id), json_agg(label ORDER BY id), json_agg(ok ORDER BY id) FROM scores;
SELECT json_agg(f ORDER BY id), json_agg(amount ORDER BY id) FROM scores;
SELECT string_agg(label, ', ' ORDER BY id), array_agg(x ORDER BY id) FROM scores;
SELECT bool_and(ok), bool_or(ok), every(x < 5) FROM scores;
SELECT json_agg(x) FROM scores WHERE id > 100;
-- a function no one provides
SELECT no_such_function(x) FROM scores;
SELECT stddev(label) FROM scores;
SELECT round(f, 2) FROM scores;
SELECT pg_typeof(stddev(x) FILTER (WHERE ok)), pg_typeof(var_pop(x::float8)) FROM scores;
-- the same answers from a distributed table
SELECT create_distributed_table('scores', 'id');
SELECT stddev(x), variance(x), stddev_samp(x), var_samp(x), stddev_pop(x), var_pop(x) FROM scores;
SELECT stddev(big), var_pop(amount), stddev(amount) FROM scores;
-- float states combine in shard order: equal to the single-node answer up to rounding
SELECT round(stddev(f)::numeric, 12), round(variance(f)::numeric, 12), round(var_pop(f)::numeric, 12) FROM scores;
SELECT stddev(x), var_pop(x) FROM scores WHERE id > 100;
SELECT pg_typeof(stddev(x)), pg_typeof(var_pop(f)) FROM scores WHERE id > 100;
SELECT grp, stddev(x), round(variance(f)::numeric, 12) FROM scores GROUP BY grp ORDER BY grp;
SELECT id, stddev(x), var_pop(x) FROM scores GROUP BY id ORDER BY id;
SELECT string_agg(label, ', ' ORDER BY id) FROM scores;
SELECT bool_and(ok), bool_or(ok), every(x < 5) FROM scores;
SELECT json_agg(x) FROM scores WHERE id = 3;
SELECT array_agg(x) FROM scores WHERE id = 3;
-- Citus refuses ordered and distinct array and json aggregates over shards
SELECT array_agg(x ORDER BY x) FROM scores;
SELECT array_agg(DISTINCT x) FROM scores;
SELECT json_agg(x ORDER BY x) FROM scores;
SELECT json_agg(DISTINCT x) FROM scores;
-- how Citus splits them: transition states for stddev, concatenation for array_agg
EXPLAIN (VERBOSE, COSTS OFF) SELECT stddev(x), var_pop(f) FROM scores;
EXPLAIN (VERBOSE, COSTS OFF) SELECT array_agg(x), json_agg(label) FROM scores;
-- \df lists the catalog
\df stddev
\df pg_catalog.count
\df json_agg
\df create_reference_table
\df
\df no_such_function
-- extra_float_digits
SELECT 0.1::float8 AS a, 1/3::float8 AS b, 123456789.123456789::float8 AS c, 1e-5::float8 AS d;
SET extra_float_digits = 0;
SELECT 0.1::float8 AS a, 1/3::float8 AS b, 123456789.123456789::float8 AS c, 1e-5::float8 AS d;
SELECT stddev(f) FROM scores WHERE grp = 1;
SET extra_float_digits TO -3;
SELECT 1/3::float8 AS b, 123456789.123456789::float8 AS c, (2/3::float8)::text AS t;
SHOW extra_float_digits;
SET extra_float_digits = 4;
SET extra_float_digits = 'many';
RESET extra_float_digits;
SELECT 1/3::float8 AS b;
-- other settings Citus's regression tests set
SET citus.next_placement_id TO 200000;
SET citus.enable_ddl_propagation TO off;
SHOW citus.enable_ddl_propagation;
SET citus.task_assignment_policy TO 'round-robin';
SET citus.task_assignment_policy TO 'random';
SET citus.coordinator_aggregation_strategy TO 'disabled';
SET enable_hashagg TO off;
SHOW enable_hashagg;
