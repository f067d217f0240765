-- User-defined SQL functions and aggregates: created on the coordinator, propagated to the
-- workers, called in shard queries; bit_and/bit_or; \df.
CREATE TABLE readings (id int, sensor int, val int, flags int, ok boolean);
SELECT create_distributed_table('readings', 'sensor');
INSERT INTO readings SELECT g, g % 4, (g * 7) % 23, g % 8, g % 5 <> 0 FROM generate_series(1, 40) g;
-- scalar functions: positional parameters, names, defaults, named arguments
CREATE FUNCTION add(integer, integer) RETURNS integer
    AS 'select $1 + $2;'
    LANGUAGE SQL
    IMMUTABLE
    RETURNS NULL ON NULL INPUT;
SELECT add(2, 3), add(NULL, 1), add(2, 3) IS NULL;
CREATE FUNCTION scaled(x int, factor int DEFAULT 10) RETURNS int LANGUAGE sql STABLE AS $$ SELECT x * factor $$;
SELECT scaled(4), scaled(4, 3), scaled(factor => 5, x => 2), scaled(x := 7);
CREATE FUNCTION label(v int) RETURNS text LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN v > 10 THEN 'high' ELSE 'low' END
$$;
CREATE FUNCTION plus_one(a int) RETURNS bigint RETURN a + 1;
CREATE FUNCTION times_ten(a int) RETURNS int LANGUAGE plpgsql AS $$ BEGIN RETURN a * 10; END; $$;
SELECT label(3), label(30), plus_one(41), pg_typeof(plus_one(41)), times_ten(4);
-- shard queries call the functions the workers received
SELECT sum(add(val, flags)), count(*) FILTER (WHERE label(val) = 'high') FROM readings;
SELECT sensor, sum(scaled(val)), min(label(val)) FROM readings GROUP BY sensor ORDER BY sensor;
SELECT id, add(val, 1), label(val) FROM readings WHERE sensor = 2 ORDER BY id LIMIT 3;
SELECT label(val), count(*) FROM readings GROUP BY label(val) ORDER BY 1;
-- errors as PostgreSQL reports them
CREATE FUNCTION add(integer, integer) RETURNS integer AS 'select $1 + $2;' LANGUAGE SQL;
CREATE OR REPLACE FUNCTION add(integer, integer) RETURNS bigint AS 'select $1 + $2;' LANGUAGE SQL;
CREATE FUNCTION bad(int) RETURNS int LANGUAGE sql AS $$ SELECT 'x'::text $$;
CREATE FUNCTION bad(int) RETURNS int LANGUAGE sql AS $$ SELECT $1, $1 $$;
CREATE FUNCTION bad(int) RETURNS int LANGUAGE sql AS $$ SELECT $2 $$;
CREATE FUNCTION bad(int) RETURNS int AS $$ SELECT $1 $$;
CREATE FUNCTION bad(a int) RETURNS int LANGUAGE plpython3u AS $$ return a $$;
CREATE FUNCTION bad(a int = 1, b int) RETURNS int LANGUAGE sql AS $$ SELECT a $$;
SELECT add(1, 'x'::text);
-- OR REPLACE with the same signature replaces the body everywhere
CREATE OR REPLACE FUNCTION label(v int) RETURNS text LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN v > 15 THEN 'high' ELSE 'low' END
$$;
SELECT label(val), count(*) FROM readings GROUP BY 1 ORDER BY 1;
-- built-in bit and boolean aggregates, pushed down and combined
SELECT bit_and(flags), bit_or(flags), bool_and(ok), bool_or(ok), every(val >= 0) FROM readings;
SELECT sensor, bit_or(flags), bit_and(flags + 1), every(ok) FROM readings GROUP BY sensor ORDER BY sensor;
SELECT bit_or(flags::smallint), pg_typeof(bit_or(flags::bigint)) FROM readings;
-- aggregates built from functions: the coordinator aggregates the rows (no combine function)
CREATE AGGREGATE my_sum(int) (SFUNC = add, STYPE = int, INITCOND = '0');
CREATE FUNCTION larger(a int, b int) RETURNS int LANGUAGE sql IMMUTABLE STRICT AS $$ SELECT CASE WHEN a > b THEN a ELSE b END $$;
CREATE FUNCTION doubled(s int) RETURNS int LANGUAGE sql AS $$ SELECT s * 2 $$;
CREATE AGGREGATE my_max(int) (SFUNC = larger, STYPE = int, FINALFUNC = doubled);
SELECT my_sum(val), sum(val), my_max(val), max(val) * 2 FROM readings;
SELECT sensor, my_sum(val), my_max(val) FROM readings GROUP BY sensor ORDER BY sensor;
SELECT flags, my_sum(val) FROM readings GROUP BY flags HAVING my_sum(val) > 40 ORDER BY flags;
SELECT my_sum(val) FROM readings WHERE id > 1000;
CREATE AGGREGATE my_sum(int) (SFUNC = add, STYPE = int);
CREATE AGGREGATE bad_agg(int) (SFUNC = label, STYPE = int);
CREATE AGGREGATE bad_agg(int) (SFUNC = nothing_here, STYPE = int);
CREATE AGGREGATE bad_agg(int) (SFUNC = add);
\df
DROP FUNCTION add(int, int);
DROP FUNCTION my_sum(int);
DROP AGGREGATE my_sum(int);
DROP FUNCTION add(int, int);
DROP FUNCTION add(int, int);
DROP FUNCTION IF EXISTS add(int, int);
DROP AGGREGATE IF EXISTS my_sum(int);
DROP FUNCTION scaled;
SELECT scaled(1);
DROP FUNCTION nothing_here;
\df
