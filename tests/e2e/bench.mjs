// The browser comparison with PGlite (PostgreSQL compiled to WebAssembly), run by hand and not
// part of the test run: `node tests/e2e/bench.mjs` after `trunk build --release` and
// `npm ci` in tests/e2e. One headless Chromium, one local server for dist/ and PGlite's files,
// the same workload in both:
//   load 100,000 rows as 100 INSERTs of 1,000 rows, then count(*), GROUP BY k % 100 and
//   ORDER BY v LIMIT 10.
// ShardScope runs it through its console, as a learner would (typed SQL, Ctrl+Enter), into a
// table distributed over the cluster's workers; PGlite through its own API into one table.
// Each query's figure is the median of RUNS runs, in milliseconds. ShardScope's runs have
// `\timing on`, so next to each end-to-end figure stands the engine's own time as `\timing`
// prints it in the page (summed over a run's statements; the median of the same runs, the
// sum for the load): the difference is what the page adds.
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { sendFile, TYPES } from './static.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const dist = path.resolve(process.env.DIST_DIR ?? path.join(here, '..', '..', 'dist'));
const pgliteDist = path.join(here, 'node_modules', '@electric-sql', 'pglite', 'dist');
const chromiumPath = process.env.CHROMIUM ?? '/usr/bin/chromium';
const ROWS = 100_000;
const BATCH = 1_000;
const RUNS = 5;


// A page that only loads PGlite from this server.
const PGLITE_PAGE = `<!doctype html><meta charset="utf-8"><title>PGlite</title>
<script type="module">
import { PGlite } from '/pglite/index.js';
window.PGlite = PGlite;
document.title = 'ready';
</script>`;

function serve(req, res) {
  const urlPath = decodeURIComponent(new URL(req.url, 'http://x').pathname);
  if (urlPath === '/pglite.html') {
    res.writeHead(200, { 'content-type': TYPES['.html'] });
    res.end(PGLITE_PAGE);
    return;
  }
  const [root, rest] = urlPath.startsWith('/pglite/')
    ? [pgliteDist, urlPath.slice('/pglite'.length)]
    : [dist, urlPath.endsWith('/') ? urlPath + 'index.html' : urlPath];
  const file = path.resolve(root, '.' + rest);
  if (!file.startsWith(root + path.sep)) {
    res.writeHead(403);
    res.end();
    return;
  }
  sendFile(res, file);
}

/** The 100 INSERT statements of the load: ids 1..ROWS, `k` over 1000 values, `v` scattered. */
function insertBatches() {
  const out = [];
  for (let b = 0; b < ROWS / BATCH; b++) {
    const values = [];
    for (let i = 0; i < BATCH; i++) {
      const id = b * BATCH + i + 1;
      values.push(`(${id}, ${(id * 7) % 1000}, ${(id * 7919) % ROWS})`);
    }
    out.push(`INSERT INTO t VALUES ${values.join(', ')};`);
  }
  return out;
}

const QUERIES = {
  count: 'SELECT count(*) FROM t;',
  group_by: 'SELECT k % 100, count(*) FROM t GROUP BY k % 100;',
  order_by_limit: 'SELECT * FROM t ORDER BY v LIMIT 10;',
};

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** The `Time: ... ms` lines of a run's output, summed: the engine's time for the run. */
function engineMs(text) {
  const times = [...text.matchAll(/^Time: ([0-9.]+) ms/gm)].map((m) => Number(m[1]));
  return times.length ? times.reduce((a, b) => a + b, 0) : NaN;
}

/**
 * Runs `sql` through ShardScope's console (fill, Ctrl+Enter) and returns the milliseconds from
 * the key press to its output entry on the page (and the page no longer saying "running…"),
 * with the entry's text.
 */
async function consoleRun(page, sql) {
  return page.evaluate(async (sql) => {
    const out = document.querySelector('.console-output');
    const entries = () => out.querySelectorAll('.entry');
    const before = entries().length;
    const input = document.querySelector('#sql-input');
    input.value = sql;
    input.dispatchEvent(new Event('input', { bubbles: true }));
    const done = () =>
      entries().length > before && document.querySelector('.editor-actions .running')?.hidden !== false;
    const finished = new Promise((resolve) => {
      const watch = new MutationObserver(() => {
        if (done()) {
          watch.disconnect();
          resolve(performance.now());
        }
      });
      watch.observe(document.body, { childList: true, subtree: true, attributes: true });
    });
    const start = performance.now();
    input.dispatchEvent(
      new KeyboardEvent('keydown', { key: 'Enter', code: 'Enter', ctrlKey: true, bubbles: true, cancelable: true }),
    );
    const end = await finished;
    const last = entries()[entries().length - 1];
    return { ms: end - start, text: last.querySelector('.out')?.textContent ?? '' };
  }, sql);
}

async function benchShardScope(browser, baseUrl, inserts) {
  const page = await browser.newPage();
  await page.goto(baseUrl, { waitUntil: 'load' });
  await page.locator('#sql-input').waitFor({ state: 'visible', timeout: 60_000 });
  const setup = await consoleRun(
    page,
    "\\timing on\nCREATE TABLE t (id integer, k integer, v integer);\nSELECT create_distributed_table('t', 'id');",
  );
  if (/ERROR/.test(setup.text)) throw new Error(`ShardScope setup failed: ${setup.text}`);

  // End-to-end figures, and the engine's own (`engine`: name -> ms).
  const figures = { engine: {} };
  // The console's own cost per run (rendering the entry, trace and map).
  const idle = [];
  const idleEngine = [];
  for (let i = 0; i < RUNS; i++) {
    const r = await consoleRun(page, 'SELECT 1;');
    idle.push(r.ms);
    idleEngine.push(engineMs(r.text));
  }
  figures.console_select_1 = median(idle);
  figures.engine.console_select_1 = median(idleEngine);
  let load = 0;
  let loadEngine = 0;
  for (const sql of inserts) {
    const r = await consoleRun(page, sql);
    if (!/INSERT 0 1000/.test(r.text)) throw new Error(`ShardScope INSERT failed: ${r.text.slice(0, 300)}`);
    load += r.ms;
    loadEngine += engineMs(r.text);
  }
  figures.load_100_inserts = load;
  figures.engine.load_100_inserts = loadEngine;
  for (const [name, sql] of Object.entries(QUERIES)) {
    const times = [];
    const engine = [];
    let text = '';
    for (let i = 0; i < RUNS; i++) {
      const r = await consoleRun(page, sql);
      times.push(r.ms);
      engine.push(engineMs(r.text));
      text = r.text;
    }
    if (/ERROR/.test(text)) throw new Error(`ShardScope ${name} failed: ${text}`);
    figures[name] = median(times);
    figures.engine[name] = median(engine);
    if (name === 'count') figures.count_result = text.match(/\d{3,}/)?.[0];
  }
  // The same 100 INSERTs as one console run (one echo, one output): the engine's share of the load.
  await consoleRun(page, 'TRUNCATE t;');
  const one = await consoleRun(page, inserts.join('\n'));
  figures.load_one_run = one.ms;
  figures.engine.load_one_run = engineMs(one.text);
  await page.close();
  return figures;
}

async function benchPGlite(browser, baseUrl, inserts) {
  const page = await browser.newPage();
  await page.goto(`${baseUrl}pglite.html`, { waitUntil: 'load' });
  await page.waitForFunction(() => document.title === 'ready', null, { timeout: 60_000 });
  const figures = await page.evaluate(
    async ({ inserts, queries, runs }) => {
      const db = await window.PGlite.create();
      await db.exec('CREATE TABLE t (id integer, k integer, v integer)');
      const figures = {};
      let start = performance.now();
      for (const sql of inserts) await db.exec(sql);
      figures.load_100_inserts = performance.now() - start;
      for (const [name, sql] of Object.entries(queries)) {
        const times = [];
        let result;
        for (let i = 0; i < runs; i++) {
          start = performance.now();
          result = await db.query(sql);
          times.push(performance.now() - start);
        }
        times.sort((a, b) => a - b);
        figures[name] = times[Math.floor(times.length / 2)];
        if (name === 'count') figures.count_result = String(result.rows[0].count);
      }
      await db.exec('TRUNCATE t');
      start = performance.now();
      await db.exec(inserts.join('\n'));
      figures.load_one_run = performance.now() - start;
      await db.close();
      return figures;
    },
    { inserts, queries: QUERIES, runs: RUNS },
  );
  await page.close();
  return figures;
}

async function main() {
  if (!fs.existsSync(path.join(dist, 'index.html'))) throw new Error(`no build in ${dist}: run trunk build --release`);
  if (!fs.existsSync(path.join(pgliteDist, 'index.js'))) throw new Error('no PGlite: run npm ci in tests/e2e');
  const server = http.createServer(serve);
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const baseUrl = `http://127.0.0.1:${server.address().port}/`;
  const browser = await chromium.launch({
    executablePath: chromiumPath,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  try {
    const inserts = insertBatches();
    const pglite = await benchPGlite(browser, baseUrl, inserts);
    console.log(`pglite: ${JSON.stringify(pglite)}`);
    const ours = await benchShardScope(browser, baseUrl, inserts);
    console.log(`shardscope: ${JSON.stringify(ours)}`);
    console.log(`rows: ${ROWS} in ${ROWS / BATCH} INSERTs; query figures are medians of ${RUNS} runs (ms)`);
    console.log(`(engine: ShardScope's \\timing figures for the same runs; the rest is the page's cost)`);
    console.log(
      'figure'.padEnd(20) + 'shardscope'.padStart(12) + 'engine'.padStart(10) + 'pglite'.padStart(12) + 'ratio'.padStart(8),
    );
    for (const name of ['load_100_inserts', 'load_one_run', ...Object.keys(QUERIES)]) {
      const [a, e, b] = [ours[name], ours.engine[name], pglite[name]];
      console.log(
        name.padEnd(20) +
          a.toFixed(1).padStart(12) +
          e.toFixed(1).padStart(10) +
          b.toFixed(1).padStart(12) +
          (a / b).toFixed(2).padStart(8),
      );
    }
    console.log(`count(*) results: shardscope ${ours.count_result}, pglite ${pglite.count_result}`);
    console.log(
      `shardscope console run of SELECT 1 (the page's cost per run): ${ours.console_select_1.toFixed(1)} ms ` +
        `(engine ${ours.engine.console_select_1.toFixed(2)} ms)`,
    );
  } finally {
    await browser.close();
    server.close();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
