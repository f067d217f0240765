-- Row constructors: (a, b) and ROW(a, b), compared field by field as PostgreSQL does.
CREATE TABLE events (tenant_id int, created_at date, id int, note text);
SELECT create_distributed_table('events', 'tenant_id');
INSERT INTO events VALUES
  (1, '2026-01-01', 1, 'first'), (1, '2026-01-01', 2, 'same day'),
  (1, '2026-01-02', 3, NULL), (1, '2026-01-03', 4, 'a, b'),
  (2, '2026-01-01', 5, 'other tenant'), (2, '2026-01-05', 6, '');
-- Rows print as record text: NULL fields empty, fields with commas, spaces or nothing quoted.
SELECT (id, note) FROM events WHERE tenant_id = 1 ORDER BY id;
SELECT ROW(id, created_at) AS r, row(note) FROM events WHERE tenant_id = 2 ORDER BY id;
-- Keyset pagination: the page after (2026-01-01, 2), routed to one shard.
SELECT id, created_at FROM events
WHERE tenant_id = 1 AND (created_at, id) > ('2026-01-01', 2)
ORDER BY created_at, id LIMIT 2;
-- The same over every shard.
SELECT id FROM events WHERE (created_at, id) >= ('2026-01-02', 0) ORDER BY id;
SELECT id FROM events WHERE (tenant_id, id) IN ((1, 2), (2, 6), (3, 7)) ORDER BY id;
SELECT id FROM events WHERE (tenant_id, note) = (1, 'first');
SELECT id FROM events WHERE (tenant_id, note) <> (1, 'first') ORDER BY id;
-- Unknown fields: = is NULL unless some pair differs; an ordering stops at the first NULL.
SELECT (1, 2) = (1, NULL) AS eq, (1, 2) = (3, NULL) AS eq_false, (1, 2) <> (1, NULL) AS ne,
       (1, NULL) < (2, 0) AS lt, (1, 2) <= (1, NULL) AS le, (1, 2) >= (1, 2) AS ge;
SELECT (NULL, NULL) IS NULL AS all_null, (1, NULL) IS NULL AS some_null,
       (1, NULL) IS NOT NULL AS not_null, (1, 2) IS NOT NULL AS none_null;
-- A CASE takes the name of its ELSE result.
SELECT CASE WHEN id > 3 THEN (id, note) ELSE (id, 'early') END FROM events WHERE tenant_id = 1 ORDER BY id;
SELECT CASE WHEN id > 3 THEN note ELSE note END FROM events WHERE tenant_id = 2 ORDER BY id;
SELECT (1, 2) = (1, 2, 3);
SELECT (1, 'a') < (1, 2);
