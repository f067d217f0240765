-- jsonb and json on a distributed table and a reference table
DROP TABLE IF EXISTS jevents CASCADE;
DROP TABLE IF EXISTS jkinds CASCADE;
CREATE TABLE jevents (id bigint, tenant int, doc jsonb, raw json);
SELECT create_distributed_table('jevents', 'tenant');
CREATE TABLE jkinds (kind text, meta jsonb);
SELECT create_reference_table('jkinds');
\d jevents
INSERT INTO jevents VALUES
  (1, 1, '{"kind":"click","n":3,"tags":["a","b"],"kind":"tap"}', '{"x":  1}'),
  (2, 2, '{"kind":"view","n":10}', '[1, 2]'),
  (3, 3, '{"n":1.50, "kind":"click", "tags":["b"]}', NULL),
  (4, 4, '{"kind":"buy", "n": null, "meta": {"ok": true}}', '"s"'),
  (5, 1, '[1, 2]', '{}');
INSERT INTO jkinds VALUES ('click', '{"weight": 1}'), ('view', '{"weight": 2, "w": [1e2, -0]}');
SELECT id, doc, raw FROM jevents ORDER BY id;
SELECT * FROM jkinds ORDER BY kind;
-- operators
SELECT id, doc -> 'kind', doc ->> 'n', doc -> 'tags' -> -1, doc #> '{meta,ok}', doc #>> '{tags,0}' FROM jevents ORDER BY id;
SELECT id FROM jevents WHERE doc @> '{"kind": "click"}' ORDER BY id;
SELECT id FROM jevents WHERE '{"n": 10}' <@ doc ORDER BY id;
SELECT id, doc ? 'tags', doc ?| ARRAY['meta', 'x'], doc ?& ARRAY['kind', 'n'] FROM jevents ORDER BY id;
SELECT id, doc || '{"seen": true}', doc - 'n', doc #- '{tags,0}' FROM jevents WHERE doc ? 'tags' ORDER BY id;
SELECT doc - 0 FROM jevents WHERE id = 5;
SELECT (doc ->> 'n')::numeric * 2 AS twice, (doc -> 'n')::int AS n FROM jevents WHERE id = 2;
SELECT raw -> 'x', raw ->> 0, raw -> 1 FROM jevents ORDER BY id;
SELECT doc = '{"n": 1.5, "kind": "click", "tags": ["b"]}' FROM jevents WHERE id = 3;
-- grouping, distinct, ordering
SELECT doc ->> 'kind' AS kind, count(*) FROM jevents GROUP BY doc ->> 'kind' ORDER BY 1;
SELECT DISTINCT doc -> 'kind' AS kind FROM jevents ORDER BY 1;
SELECT id, doc FROM jevents ORDER BY doc DESC;
SELECT doc, count(*) FROM jevents GROUP BY doc ORDER BY doc;
-- functions
SELECT jsonb_build_object('id', id, 'tags', doc -> 'tags', 'none', NULL) FROM jevents WHERE id < 3 ORDER BY id;
SELECT jsonb_build_array(id, tenant, doc ->> 'kind'), to_jsonb(id), jsonb_typeof(doc) FROM jevents ORDER BY id;
SELECT jsonb_array_length(doc -> 'tags') FROM jevents WHERE doc ? 'tags' ORDER BY id;
SELECT jsonb_set(doc, '{n}', '0'), jsonb_set(doc, '{extra,x}', '1'), jsonb_strip_nulls(doc) FROM jevents WHERE id = 4;
SELECT jsonb_pretty(doc) FROM jevents WHERE id = 4;
SELECT id, jsonb_object_keys(doc) FROM jevents WHERE id IN (1, 2) ORDER BY 1, 2;
SELECT jsonb_array_elements(doc -> 'tags') AS tag FROM jevents WHERE id = 1;
SELECT jsonb_array_elements_text('["x", 1, null]');
SELECT * FROM jsonb_each('{"b": 1, "a": "x"}');
-- aggregates across shards
SELECT jsonb_agg(id) IS NOT NULL, jsonb_array_length(jsonb_agg(doc)) FROM jevents;
SELECT tenant, jsonb_agg(doc -> 'kind') FROM jevents GROUP BY tenant ORDER BY tenant;
SELECT jsonb_object_agg(id, doc -> 'kind') FROM jevents;
SELECT jsonb_agg(id ORDER BY id) FROM jevents;
-- join with the reference table
SELECT e.id, k.meta -> 'weight' AS weight FROM jevents e JOIN jkinds k ON k.kind = e.doc ->> 'kind' ORDER BY 1;
UPDATE jevents SET doc = jsonb_set(doc, '{n}', '99') WHERE tenant = 2;
SELECT doc FROM jevents WHERE tenant = 2;
UPDATE jkinds SET meta = meta || '{"extra": [1, 2]}' WHERE kind = 'click';
SELECT meta FROM jkinds WHERE kind = 'click';
-- errors
SELECT '{"a":1'::jsonb;
SELECT '{"a":1, x}'::jsonb;
SELECT '[1,]'::json;
INSERT INTO jevents VALUES (6, 6, '{bad}', NULL);
SELECT '"text"'::jsonb::int;
SELECT jsonb_array_length('{}');
SELECT jsonb_object_keys('[1]');
SELECT jsonb_build_object('a');
SELECT '{"a":1}'::jsonb - 0;
DROP TABLE jevents;
DROP TABLE jkinds;
