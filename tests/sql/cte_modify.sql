-- UPDATE and DELETE of Citus tables under read-only CTEs: the CTEs are inlined as subqueries,
-- which recursive planning runs first as intermediate results.
CREATE TABLE distributed_table (tenant_id int, dept int, name text);
SELECT create_distributed_table('distributed_table', 'tenant_id');
CREATE TABLE reference_table (id int, name text);
SELECT create_reference_table('reference_table');
INSERT INTO distributed_table SELECT i, i % 5, 'n' || i FROM generate_series(1, 20) i;
INSERT INTO reference_table SELECT i, 'r' || i FROM generate_series(1, 20) i;
WITH ids_to_delete AS (
  SELECT tenant_id FROM distributed_table WHERE dept = 1
)
DELETE FROM reference_table WHERE id IN (SELECT tenant_id FROM ids_to_delete);
WITH ids_to_update AS (
  SELECT tenant_id FROM distributed_table WHERE dept = 2
)
UPDATE reference_table SET name = 'new_' || name WHERE id IN (SELECT tenant_id FROM ids_to_update);
WITH ids_to_delete AS (
  SELECT tenant_id FROM distributed_table WHERE dept = 3
)
DELETE FROM distributed_table WHERE tenant_id = ANY(SELECT tenant_id FROM ids_to_delete);
WITH a AS (SELECT id FROM reference_table WHERE id < 5), b(k) AS (SELECT id FROM a)
UPDATE distributed_table SET dept = 9 WHERE tenant_id IN (SELECT k FROM b);
SELECT count(*), sum(dept) FROM distributed_table;
SELECT count(*), count(*) FILTER (WHERE name LIKE 'new_%') FROM reference_table;
