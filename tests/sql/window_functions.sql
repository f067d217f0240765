CREATE TABLE emp (id int PRIMARY KEY, dept text, salary numeric(10,2), hired date);
INSERT INTO emp VALUES (1, 'eng', 100.00, '2020-01-01'), (2, 'eng', 120.00, '2020-03-01'), (3, 'eng', 120.00, '2021-01-01'),
  (4, 'ops', 80.00, '2019-05-01'), (5, 'ops', 90.00, '2022-02-01'), (6, 'hr', 70.00, '2018-07-01'), (7, 'hr', NULL, '2023-01-01');
SELECT id, dept, salary, row_number() OVER (PARTITION BY dept ORDER BY salary DESC, id) AS rn,
  rank() OVER (PARTITION BY dept ORDER BY salary DESC) AS rnk,
  dense_rank() OVER (PARTITION BY dept ORDER BY salary DESC) AS drnk
FROM emp ORDER BY dept, rn;
SELECT id, salary, sum(salary) OVER (ORDER BY id) AS running, avg(salary) OVER (PARTITION BY dept) AS dept_avg,
  count(*) OVER () AS total, count(salary) OVER (PARTITION BY dept) AS paid
FROM emp ORDER BY id;
SELECT id, lag(salary) OVER w AS prev, lead(salary, 2, 0) OVER w AS next2, first_value(id) OVER w AS first_id,
  last_value(id) OVER w AS last_default, min(salary) OVER w AS lo, max(salary) OVER w AS hi
FROM emp WINDOW w AS (ORDER BY hired) ORDER BY hired;
SELECT id, sum(id) OVER (ORDER BY id ROWS BETWEEN 1 PRECEDING AND 1 FOLLOWING) AS s3,
  sum(id) OVER (ORDER BY id ROWS BETWEEN CURRENT ROW AND UNBOUNDED FOLLOWING) AS rest,
  last_value(id) OVER (ORDER BY id ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) AS last_id,
  nth_value(id, 2) OVER (ORDER BY id ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) AS second
FROM emp ORDER BY id;
SELECT id, salary, sum(salary) OVER (ORDER BY salary RANGE BETWEEN 10 PRECEDING AND 10 FOLLOWING) AS near,
  count(*) OVER (ORDER BY salary GROUPS BETWEEN 1 PRECEDING AND CURRENT ROW) AS grp
FROM emp ORDER BY salary, id;
SELECT id, ntile(3) OVER (ORDER BY id) AS bucket, percent_rank() OVER (ORDER BY salary) AS pr, cume_dist() OVER (ORDER BY salary) AS cd
FROM emp ORDER BY id;
SELECT dept, sum(salary) AS total, rank() OVER (ORDER BY sum(salary) DESC) AS place,
  sum(sum(salary)) OVER () AS grand
FROM emp GROUP BY dept ORDER BY place;
SELECT id, dept, row_number() OVER (PARTITION BY dept ORDER BY id) FROM emp WHERE id > 2 ORDER BY id;
SELECT id, count(*) FILTER (WHERE salary > 85) OVER (PARTITION BY dept) AS high FROM emp ORDER BY id;
SELECT id, rank() OVER (w ORDER BY salary) FROM emp WINDOW w AS (PARTITION BY dept) ORDER BY id;
SELECT * FROM (SELECT id, dept, row_number() OVER (PARTITION BY dept ORDER BY salary DESC NULLS LAST) AS rn FROM emp) t WHERE rn = 1 ORDER BY dept;
-- errors
SELECT id FROM emp WHERE row_number() OVER () > 1;
SELECT dept FROM emp GROUP BY dept HAVING rank() OVER () > 1;
SELECT id, row_number(id) OVER () FROM emp;
SELECT id, lower(dept) OVER () FROM emp;
SELECT id, rank() OVER nope FROM emp;
SELECT id, sum(row_number() OVER ()) OVER () FROM emp;
SELECT id, count(DISTINCT dept) OVER () FROM emp;
SELECT id, sum(id) OVER (ORDER BY id ROWS BETWEEN UNBOUNDED FOLLOWING AND CURRENT ROW) FROM emp;
SELECT id, sum(id) OVER (ORDER BY id ROWS BETWEEN -1 PRECEDING AND CURRENT ROW) FROM emp;
SELECT id, ntile(0) OVER () FROM emp;
SELECT id, rank() OVER (w ORDER BY id) FROM emp WINDOW w AS (ORDER BY salary);
-- without ORDER BY, rows come out in the window's order
SELECT id, hired, rank() OVER (ORDER BY hired) FROM emp;
DROP TABLE emp;
