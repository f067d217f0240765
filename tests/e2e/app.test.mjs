// End-to-end tests: serve dist/ on 127.0.0.1, drive the system Chromium with playwright-core,
// and check what a learner sees. Run after `trunk build --release` (scripts/test.sh does both).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { sendFile } from './static.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const dist = path.resolve(process.env.DIST_DIR ?? path.join(here, '..', '..', 'dist'));
const artifacts = path.join(here, 'artifacts');
const chromiumPath = process.env.CHROMIUM ?? '/usr/bin/chromium';


let server;
let baseUrl;
let browser; // a persistent context: playwright wants the profile dir passed this way
let userDataDir;

function serveDist(req, res) {
  const urlPath = decodeURIComponent(new URL(req.url, 'http://x').pathname);
  const file = path.resolve(dist, '.' + (urlPath.endsWith('/') ? urlPath + 'index.html' : urlPath));
  if (!file.startsWith(dist + path.sep)) {
    res.writeHead(404, { 'content-type': 'text/plain' });
    res.end('not found');
    return;
  }
  sendFile(res, file);
}

before(async () => {
  assert.ok(fs.existsSync(path.join(dist, 'index.html')), `no build in ${dist}: run trunk build --release`);
  fs.mkdirSync(artifacts, { recursive: true });
  server = http.createServer(serveDist);
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${server.address().port}/`;
  userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'shardscope-chromium-'));
  // A fresh, empty profile; the flags keep Chromium off the network (there is none).
  browser = await chromium.launchPersistentContext(userDataDir, {
    executablePath: chromiumPath,
    viewport: { width: 1280, height: 720 },
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
});

after(async () => {
  await browser?.close();
  await new Promise((resolve) => (server ? server.close(resolve) : resolve()));
  if (userDataDir) fs.rmSync(userDataDir, { recursive: true, force: true });
});

/** A fresh page with problem collectors; `problems` must stay empty. Each test starts with
 * this browser's storage empty (the first load of the page clears it, reloads keep it), so no
 * test replays another's saved session; `keepStorage` opens on what earlier pages saved. */
async function openApp({ keepStorage = false, url = baseUrl } = {}) {
  const page = await browser.newPage();
  if (!keepStorage) {
    await page.addInitScript(() => {
      if (location.protocol === 'http:' && !sessionStorage.getItem('e2e-opened')) {
        localStorage.clear();
        sessionStorage.setItem('e2e-opened', '1');
      }
    });
  }
  const context = { close: () => page.close() };
  const problems = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error') problems.push(`console error: ${msg.text()}`);
  });
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  page.on('requestfailed', (req) => problems.push(`request failed: ${req.url()} ${req.failure()?.errorText}`));
  page.on('response', (res) => {
    if (res.status() >= 400) problems.push(`HTTP ${res.status()}: ${res.url()}`);
  });
  const started = Date.now();
  await page.goto(url, { waitUntil: 'load' });
  await page.locator('#sql-input').waitFor({ state: 'visible', timeout: 30_000 });
  const interactiveMs = Date.now() - started;
  return { page, context, problems, interactiveMs };
}

/** Types SQL into the console and runs it with Ctrl+Enter; returns the new entry's text. */
async function run(page, sql) {
  const entries = page.locator('.console-output .entry');
  const before = await entries.count();
  await page.locator('#sql-input').fill(sql);
  await page.locator('#sql-input').press('Control+Enter');
  await page.waitForFunction((n) => document.querySelectorAll('.console-output .entry').length > n, before);
  return entries.nth(before);
}

// What a learner downloads before the cluster starts: under 1.2 MB gzipped.
const WASM_GZ_BUDGET = 1_200_000;

test('wasm size (gzipped) is within budget', () => {
  const wasm = fs.readdirSync(dist).filter((f) => f.endsWith('.wasm'));
  assert.equal(wasm.length, 1, `one wasm file in dist: ${wasm}`);
  const bytes = fs.readFileSync(path.join(dist, wasm[0]));
  const gz = zlib.gzipSync(bytes, { level: 9 }).length;
  console.log(`wasm: ${wasm[0]} raw ${(bytes.length / 1e6).toFixed(2)} MB, gzipped ${(gz / 1e6).toFixed(2)} MB`);
  console.log(`gzipped wasm: ${gz} bytes (budget < ${WASM_GZ_BUDGET})`);
  assert.ok(
    gz < WASM_GZ_BUDGET,
    `${wasm[0]} is ${gz} bytes gzipped (gzip -9), over the budget of ${WASM_GZ_BUDGET} bytes. ` +
      'Was it built by `trunk build --release` (which runs wasm-opt)? If so, something grew: ' +
      '`twiggy top` on the wasm-bindgen output of an unstripped build shows what.',
  );
});

test('page renders its panels and nothing comes from another origin', async () => {
  const { page, context, problems, interactiveMs } = await openApp();
  console.log(`time to interactive: ${interactiveMs} ms`);
  await page.screenshot({ path: path.join(artifacts, 'initial.png') });

  await assert.doesNotReject(page.getByRole('heading', { name: 'ShardScope' }).waitFor());
  assert.equal(await page.locator('#loading').isVisible(), false);
  assert.ok(await page.getByRole('textbox', { name: /SQL input/ }).isVisible());
  assert.ok(await page.getByRole('button', { name: /Run the statements/ }).isVisible());
  assert.equal((await page.locator('.editor .prompt').textContent()).trim(), 'coordinator=#');
  for (const title of ['Guided tour', 'Console', 'Cluster map', 'Last statement']) {
    assert.ok(await page.getByRole('heading', { name: title }).isVisible(), title);
  }
  assert.equal(await page.locator('.verdict').textContent(), 'no statement traced yet');

  const foreign = await page.evaluate(() =>
    performance.getEntriesByType('resource').map((r) => r.name).filter((u) => !u.startsWith(location.origin)),
  );
  assert.deepEqual(foreign, []);
  assert.deepEqual(problems, []);
  await context.close();
});

test('a statement runs from the console and its output is plain text', async () => {
  const { page, context, problems } = await openApp();
  const entry = await run(page, "SELECT '<b>bold</b>' AS html;");
  const echo = await entry.locator('.echo').textContent();
  assert.equal(echo, "coordinator=# SELECT '<b>bold</b>' AS html;\n");
  const out = await entry.locator('.out').textContent();
  // A psql table, or (while the engine lacks something) an ERROR line. Either way, text only.
  assert.ok(/<b>bold<\/b>\n\(1 row\)/.test(out) || /^ERROR: {2}/m.test(out), out);
  assert.equal(await page.locator('.console-output b').count(), 0, 'user data must never become HTML');
  if (/^ERROR/m.test(out)) assert.equal(await entry.locator('.msg-error').count(), 1);

  // Several statements in one run: one entry, each line after the prompt psql showed for it
  // (a new statement's, since the line before ended one), both results.
  const entries = page.locator('.console-output .entry');
  const n = await entries.count();
  await page.locator('#sql-input').fill('SELECT 1;\nSELECT 2;');
  await page.getByRole('button', { name: /Run the statements/ }).click();
  await page.waitForFunction((k) => document.querySelectorAll('.console-output .entry').length > k, n);
  const second = entries.nth(n);
  assert.equal(await second.locator('.echo').textContent(), 'coordinator=# SELECT 1;\ncoordinator=# SELECT 2;\n');
  const both = await second.locator('.out').textContent();
  assert.ok((both.match(/\(1 row\)/g) ?? []).length === 2 || /ERROR/.test(both), both);
  assert.equal(await page.locator('#sql-input').inputValue(), '');

  // Up recalls the last input, Down returns to the (empty) draft.
  await page.locator('#sql-input').focus();
  await page.keyboard.press('ArrowUp');
  assert.equal(await page.locator('#sql-input').inputValue(), 'SELECT 1;\nSELECT 2;');
  await page.keyboard.press('ArrowDown');
  assert.equal(await page.locator('#sql-input').inputValue(), '');

  await page.screenshot({ path: path.join(artifacts, 'after-run.png') });
  assert.deepEqual(problems, []);
  await context.close();
});

/**
 * Runs `sql` with Ctrl+Enter inside the page and reports, once its entry is there and the page
 * no longer says "running…": how many animation frames came before the entry, and whether any
 * frame was about to paint "running…".
 */
async function runWatchingFrames(page, sql) {
  return page.evaluate(async (sql) => {
    const out = document.querySelector('.console-output');
    const before = out.querySelectorAll('.entry').length;
    const running = document.querySelector('.editor-actions .running');
    const input = document.querySelector('#sql-input');
    input.value = sql;
    input.dispatchEvent(new Event('input', { bubbles: true }));
    let frames = 0;
    let paintedRunning = false;
    let done = false;
    const onFrame = () => {
      if (done) return;
      frames += 1;
      if (!running.hidden) paintedRunning = true;
      requestAnimationFrame(onFrame);
    };
    requestAnimationFrame(onFrame);
    const finished = new Promise((resolve) => {
      const check = () => out.querySelectorAll('.entry').length > before && running.hidden;
      const watch = new MutationObserver(() => {
        if (check()) {
          watch.disconnect();
          resolve();
        }
      });
      watch.observe(document.body, { childList: true, subtree: true, attributes: true });
    });
    input.dispatchEvent(
      new KeyboardEvent('keydown', { key: 'Enter', code: 'Enter', ctrlKey: true, bubbles: true, cancelable: true }),
    );
    await finished;
    done = true;
    const entries = out.querySelectorAll('.entry');
    return { frames, paintedRunning, out: entries[entries.length - 1].querySelector('.out').textContent };
  }, sql);
}

test('a short statement answers without waiting for a frame; a long run paints "running…"', async () => {
  const { page, context, problems } = await openApp();
  const quick = await runWatchingFrames(page, 'SELECT 1 AS quick;');
  assert.match(quick.out, /quick/);
  assert.equal(quick.frames, 0, 'the run waited for a frame');
  assert.equal(quick.paintedRunning, false);
  // The timeline lists the statement's messages; choosing one shows its SQL.
  await page.locator('.events button.event').first().click();
  await page.waitForFunction(() => /SELECT 1 AS quick/.test(document.querySelector('.event-sql')?.textContent ?? ''));
  assert.equal(await page.locator('.events button.event.focused').count(), 1);

  // Statements that together take far longer than a frame: "running…" is painted between
  // them while the rest runs, and every statement still runs, in order, in one entry.
  await run(page, "CREATE TABLE slow (id int, v text);\nSELECT create_distributed_table('slow', 'id');");
  const inserts = Array.from(
    { length: 6 },
    (_, i) => `INSERT INTO slow SELECT g, 'row ' || g FROM generate_series(${i * 10000 + 1}, ${(i + 1) * 10000}) AS g;`,
  );
  const long = await runWatchingFrames(page, [...inserts, 'SELECT count(*) FROM slow;'].join('\n'));
  assert.equal((long.out.match(/INSERT 0 10000/g) ?? []).length, 6, long.out);
  assert.match(long.out, /^\s*60000\s*$/m);
  assert.ok(long.paintedRunning, `no frame showed "running…" (${long.frames} frames)`);
  // After a slow run, the next run paints "running…" before it starts.
  const next = await runWatchingFrames(page, 'SELECT count(*) FROM slow;');
  assert.match(next.out, /60000/);
  assert.ok(next.paintedRunning, 'the run after a slow one did not paint "running…"');
  assert.deepEqual(problems, []);
  await context.close();
});

test('a long echo is shown by its start and can be shown whole', async () => {
  const { page, context, problems } = await openApp();
  const rows = Array.from({ length: 800 }, (_, i) => `(${i})`).join(', ');
  const sql = `SELECT count(*) AS n FROM (VALUES ${rows}) AS v(x);`;
  const entry = await run(page, sql);
  assert.match(await entry.locator('.out').textContent(), /^\s*800\s*$/m);
  const echo = entry.locator('.echo');
  const whole = `coordinator=# ${sql}\n`;
  const start = await echo.textContent();
  assert.ok(start.length < whole.length && whole.startsWith(start), start);
  const toggle = entry.locator('.echo-toggle');
  assert.equal(await toggle.textContent(), `… ${whole.length - start.length} more characters: show all`);
  assert.equal(await toggle.getAttribute('aria-expanded'), 'false');
  await toggle.click();
  assert.equal(await echo.textContent(), whole);
  assert.equal(await toggle.getAttribute('aria-expanded'), 'true');
  await toggle.click();
  assert.equal(await echo.textContent(), start);
  // A short echo has no toggle.
  const short = await run(page, 'SELECT 1;');
  assert.equal(await short.locator('.echo-toggle').count(), 0);
  assert.deepEqual(problems, []);
  await context.close();
});

test('\\c switches the prompt to a worker when the cluster has one', async () => {
  const { page, context, problems } = await openApp();
  const entry = await run(page, '\\c worker-1');
  const out = await entry.locator('.out').textContent();
  const hasNodes = (await page.locator('svg.map').count()) > 0;
  if (hasNodes) {
    assert.match(out, /You are now connected/);
    assert.equal((await page.locator('.editor .prompt').textContent()).trim(), 'worker-1=#');
  } else {
    assert.match(out, /failed|does not exist/);
    assert.equal((await page.locator('.editor .prompt').textContent()).trim(), 'coordinator=#');
  }
  assert.deepEqual(problems, []);
  await context.close();
});

test('each echoed line shows the prompt it was typed at, even after \\c in the same run', async () => {
  const { page, context, problems } = await openApp();
  const entry = await run(page, '\\c worker-1\nSELECT 1\n  AS one;\n\\c coordinator\nBEGIN;\nSELECT 2;\nROLLBACK;');
  const echo = (await entry.locator('.echo').textContent()).trim().split('\n');
  assert.deepEqual(echo, [
    'coordinator=# \\c worker-1',
    'worker-1=# SELECT 1',
    'worker-1-#   AS one;',
    'worker-1=# \\c coordinator',
    'coordinator=# BEGIN;',
    'coordinator=*# SELECT 2;',
    'coordinator=*# ROLLBACK;',
  ]);
  assert.deepEqual(problems, []);
  await context.close();
});

test('Reset cluster and \\reset bring back a fresh coordinator and workers', async () => {
  const { page, context, problems } = await openApp();
  await run(page, "CREATE TABLE gone (id int);\nSELECT create_distributed_table('gone', 'id');\n\\c worker-2");
  assert.ok((await page.locator('svg.map .tile').count()) > 0, 'shards drawn');
  await page.getByRole('button', { name: 'Reset cluster' }).click();
  const last = page.locator('.console-output .entry').last();
  assert.match(await last.locator('.echo').textContent(), /worker-2=# \\reset/);
  assert.match(await last.locator('.out').textContent(), /The cluster is new: a coordinator and 2 workers/);
  assert.equal((await page.locator('.editor .prompt').textContent()).trim(), 'coordinator=#');
  assert.equal(await page.locator('svg.map .tile').count(), 0);
  const out = await (await run(page, 'SELECT count(*) FROM pg_dist_partition;')).locator('.out').textContent();
  assert.match(out, /\b0\b/);
  assert.deepEqual(problems, []);
  await context.close();
});

test('the first screen offers the guided tour, one step open at a time; closing it is remembered', async () => {
  const { page, context, problems } = await openApp();
  const guide = page.getByRole('complementary', { name: 'Guided tour' });
  assert.ok(await guide.isVisible(), 'the tour is on the first screen');
  const toggle = page.getByRole('button', { name: 'Guided tour', exact: true });
  assert.equal(await toggle.getAttribute('aria-expanded'), 'true');
  const tutorial = page.locator('.lesson-set[data-lesson="0"]');
  const step = (i) => tutorial.locator('.lesson').nth(i);
  const openSteps = () => tutorial.locator('.lesson-body:not([hidden])').count();
  assert.equal(await openSteps(), 1);
  assert.ok(await step(0).locator('.lesson-sql').isVisible(), 'step 1 is open');
  assert.ok(!(await step(1).locator('.lesson-sql').isVisible()), 'step 2 is closed');
  await step(0).getByRole('button', { name: /^Run step 1:/ }).click();
  assert.equal(await step(0).getAttribute('data-done'), 'true');
  assert.ok(await step(1).locator('.lesson-sql').isVisible(), 'a step done opens the next');
  assert.equal(await openSteps(), 1);
  await step(4).getByRole('button', { name: '5. Which shard holds each row' }).click();
  assert.equal(await step(4).getByRole('button', { name: /^5\./ }).getAttribute('aria-expanded'), 'true');
  assert.ok(await step(4).locator('.lesson-sql').isVisible());
  assert.equal(await openSteps(), 1);
  // Closed, it stays closed after a reload, and the top bar opens it again.
  await guide.getByRole('button', { name: 'Close the guided tour' }).click();
  assert.ok(!(await guide.isVisible()));
  await page.reload({ waitUntil: 'load' });
  await page.locator('#sql-input').waitFor();
  assert.ok(!(await page.locator('#guide').isVisible()));
  assert.equal(await toggle.getAttribute('aria-expanded'), 'false');
  await toggle.click();
  assert.ok(await page.locator('#guide').isVisible());
  assert.deepEqual(problems, []);
  await context.close();
});

test('a lesson step that errors is not checked off, and a lesson can start from a fresh cluster', async () => {
  const { page, context, problems } = await openApp();
  await run(page, 'CREATE TABLE citus_demo (id int);');
  const tutorial = page.locator('.lesson-set[data-lesson="0"]');
  const first = tutorial.locator('.lesson').first();
  await first.getByRole('button', { name: /^Run step 1:/ }).click();
  assert.equal(await first.getAttribute('data-done'), 'false');
  assert.match(await first.locator('.lesson-note').textContent(), /✗ The step failed: relation "citus_demo" already exists/);
  assert.equal(await first.getByRole('checkbox').getAttribute('aria-checked'), 'false');
  await tutorial.getByRole('button', { name: 'Start from a fresh cluster' }).click();
  assert.match(await page.locator('.console-output .entry').last().locator('.out').textContent(), /The cluster is new/);
  await first.getByRole('button', { name: /^Run step 1:/ }).click();
  assert.equal(await first.getAttribute('data-done'), 'true');
  const second = tutorial.locator('.lesson').nth(1);
  assert.match(await second.locator('.lesson-note').textContent(), /^Check: /);
  await tutorial.locator('.lesson').nth(2).getByRole('button', { name: /^Run step 3:/ }).click();
  assert.match(await tutorial.locator('.lesson').nth(2).locator('.lesson-note').textContent(), /✗ Not yet: the last statement ran as 32 tasks/);
  assert.deepEqual(problems, []);
  await context.close();
});

/** The shard tiles' labels ("shard N of T on NODE, K rows"), in shard order. */
async function tileLabels(page) {
  return page.locator('svg.map rect.tile').evaluateAll((tiles) =>
    tiles.map((t) => t.getAttribute('aria-label').replace(/, used by the last statement$/, '')).sort(),
  );
}

const SESSION_SQL = [
  "CREATE TABLE kept (id int PRIMARY KEY, v text);\nSELECT create_distributed_table('kept', 'id', shard_count := 4);",
  "INSERT INTO kept SELECT g, 'v' || g FROM generate_series(1, 40) g;",
  'DELETE FROM kept WHERE id <= 10;',
  '\\c worker-1',
];

test('a session survives a reload: it is replayed, the app says so, and the cluster is the same', async () => {
  const { page, context, problems } = await openApp();
  for (const sql of SESSION_SQL) await run(page, sql);
  const before = await tileLabels(page);
  assert.equal(before.length, 4);
  assert.ok(before.some((l) => /, \d+ rows$/.test(l)), before.join('\n'));
  await page.reload({ waitUntil: 'load' });
  await page.locator('.session-notice').getByText(/Your session was restored: 4 runs replayed\./).waitFor();
  assert.deepEqual(await tileLabels(page), before);
  assert.equal((await page.locator('.editor .prompt').textContent()).trim(), 'worker-1=#');
  assert.equal(await page.locator('.console-output .entry').count(), 4, 'the transcript is replayed too');
  const out = await (await run(page, '\\c coordinator\nSELECT count(*) FROM kept;')).locator('.out').textContent();
  assert.match(out, /\b30\b/);
  await page.locator('.session-notice').getByRole('button', { name: 'Dismiss this message' }).click();
  assert.equal(await page.locator('.session-notice .notice').count(), 0);
  assert.deepEqual(problems, []);
  await context.close();
});

test('Share gives a link that opens the same session elsewhere, and keeps the own session aside', async () => {
  const a = await openApp();
  for (const sql of SESSION_SQL.slice(0, 3)) await run(a.page, sql);
  const labels = await tileLabels(a.page);
  await a.page.getByRole('button', { name: 'Share' }).click();
  const sheet = a.page.getByRole('dialog', { name: 'Share this session' });
  const link = await sheet.locator('textarea').inputValue();
  assert.ok(link.startsWith(`${baseUrl}#session=`), link);
  assert.ok(link.length < 2000, `a short session makes a short link (${link.length} characters)`);
  await a.page.keyboard.press('Escape');
  assert.equal(await sheet.count(), 0, 'Escape closes the sheet');
  assert.deepEqual(a.problems, []);
  await a.context.close();

  // Someone else, who already has a session of their own.
  const b = await openApp();
  await run(b.page, 'CREATE TABLE mine (id int);');
  await b.page.goto('about:blank');
  await b.page.goto(link, { waitUntil: 'load' });
  await b.page.locator('.session-notice').getByText(/Opened a shared session: 3 runs replayed\. Your own session was kept aside\./).waitFor();
  assert.deepEqual(await tileLabels(b.page), labels);
  assert.equal(new URL(b.page.url()).hash, '', 'the session leaves the address once opened');
  let out = await (await run(b.page, '\\dt')).locator('.out').textContent();
  assert.match(out, /\bkept\b/);
  assert.doesNotMatch(out, /\bmine\b/);
  await b.page.locator('.session-notice').getByRole('button', { name: 'Bring back my session' }).click();
  await b.page.locator('.session-notice').getByText(/Your own session is back: 1 run replayed\./).waitFor();
  assert.equal(await tileLabels(b.page).then((l) => l.length), 0);
  out = await (await run(b.page, '\\dt')).locator('.out').textContent();
  assert.match(out, /\bmine\b/);
  assert.doesNotMatch(out, /\bkept\b/);
  assert.deepEqual(b.problems, []);
  await b.context.close();
});

test('a damaged, cut or oversized link, or a damaged saved session, is reported and the app starts', async () => {
  const a = await openApp();
  await run(a.page, 'CREATE TABLE t (id int);');
  await a.page.getByRole('button', { name: 'Share' }).click();
  const link = await a.page.getByRole('dialog').locator('textarea').inputValue();
  await a.context.close();
  const cases = [
    [`${baseUrl}#session=${link.split('#session=')[1].slice(0, -6)}`, /could not be opened: it is damaged or cut short\. The cluster starts fresh\./],
    [`${baseUrl}#session=not*base64`, /could not be opened: it is not a ShardScope link/],
    [`${baseUrl}#session=${'A'.repeat(100_001)}`, /could not be opened: it is too long \(98 KB; the limit is 97 KB\)/],
  ];
  for (const [url, message] of cases) {
    const { page, context, problems } = await openApp({ url });
    await page.locator('.session-notice').getByText(message).waitFor();
    assert.match(await (await run(page, 'SELECT 1 AS one;')).locator('.out').textContent(), /one/);
    assert.deepEqual(problems, []);
    await context.close();
  }
  // A saved session damaged in storage: kept aside, not lost, and the app starts fresh.
  const { page, context, problems } = await openApp();
  await run(page, 'CREATE TABLE t (id int);');
  // The journal is written once a burst of runs is over.
  await page.waitForFunction(() => /CREATE TABLE t/.test(localStorage.getItem('shardscope.session') ?? ''));
  const damaged = await page.evaluate(() => {
    const v = localStorage.getItem('shardscope.session').replace('CREATE TABLE t', 'CREATE TABLE u');
    localStorage.setItem('shardscope.session', v);
    return v;
  });
  await page.reload({ waitUntil: 'load' });
  await page.locator('.session-notice').getByText(/Your saved session could not be read: it is damaged or cut short \(its checksum does not match\)\. It was kept aside/).waitFor();
  assert.equal(await page.evaluate(() => localStorage.getItem('shardscope.session.unreadable')), damaged);
  assert.equal(await page.locator('.console-output .entry').count(), 0);
  assert.deepEqual(problems, []);
  await context.close();
});

test('Export gives a docker-compose.yml of the same shape and the session as a psql script', async () => {
  const { page, context, problems } = await openApp();
  for (const sql of SESSION_SQL) await run(page, sql);
  await page.getByRole('button', { name: 'Export' }).click();
  const sheet = page.getByRole('dialog', { name: 'Take this session to a real Citus cluster' });
  const [compose, script] = await sheet.locator('pre.export-text').allTextContents();
  for (const [name, port] of [['coordinator', 9700], ['worker-1', 9701], ['worker-2', 9702]]) {
    assert.match(compose, new RegExp(`\\n  ${name}:\\n(.*\\n){3}      PGPORT: "${port}"\\n`), compose);
  }
  assert.match(compose, /image: citusdata\/citus:13\.2\n/);
  assert.match(script, /SELECT citus_set_coordinator_host\('127\.0\.0\.1', 9700\);\n/);
  assert.match(script, /CREATE TABLE kept \(id int PRIMARY KEY, v text\);\nSELECT create_distributed_table\('kept', 'id', shard_count := 4\);\n/);
  assert.match(script, /\\c - - 127\.0\.0\.1 9701\n$/);
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    sheet.getByRole('button', { name: 'Download docker-compose.yml' }).click(),
  ]);
  assert.equal(download.suggestedFilename(), 'docker-compose.yml');
  assert.equal(fs.readFileSync(await download.path(), 'utf8'), compose);
  await sheet.getByRole('button', { name: 'Close' }).click();
  assert.equal(await sheet.count(), 0);
  assert.deepEqual(problems, []);
  await context.close();
});

test('time travel shows the map and row counts after an earlier run, and running comes back to now', async () => {
  const { page, context, problems } = await openApp();
  for (const sql of SESSION_SQL.slice(0, 3)) await run(page, sql);
  const now = await tileLabels(page);
  const range = page.getByRole('slider', { name: 'Time travel' });
  assert.equal(await range.getAttribute('max'), '3');
  await range.fill('2');
  await page.locator('.time-travel-label').getByText(/^After run 2 of 3: INSERT INTO kept/).waitFor();
  const afterInsert = await tileLabels(page);
  const rows = (labels) => labels.reduce((n, l) => n + Number(/(\d+) rows?$/.exec(l)[1]), 0);
  assert.equal(rows(afterInsert), 40);
  assert.equal(rows(now), 30);
  await range.fill('0');
  await page.locator('.time-travel-label').getByText('Before run 1 of 3: a fresh cluster').waitFor();
  assert.equal((await tileLabels(page)).length, 0);
  await range.fill('1');
  assert.equal(rows(await tileLabels(page)), 0);
  await page.getByRole('button', { name: 'Back to now' }).click();
  assert.deepEqual(await tileLabels(page), now);
  await range.fill('2');
  await run(page, 'SELECT count(*) FROM kept;');
  await page.locator('.time-travel-label').getByText('Now, after run 4 of 4').waitFor();
  assert.equal(rows(await tileLabels(page)), 30);
  assert.deepEqual(problems, []);
  await context.close();
});

/** Runs axe-core on the page; returns its serious and critical violations, described. */
async function axeProblems(page, view) {
  if (!(await page.evaluate(() => typeof window.axe !== 'undefined'))) {
    await page.addScriptTag({ path: path.join(here, 'node_modules', 'axe-core', 'axe.min.js') });
  }
  const result = await page.evaluate(() =>
    window.axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] } }),
  );
  const all = result.violations.map((v) => `${view}: [${v.impact}] ${v.id}: ${v.help} (${v.nodes.length}: ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', ')})`);
  if (all.length) console.log(all.join('\n'));
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${view}: ${v.id}: ${v.help} (${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', ')})`);
}

test('axe-core finds no serious or critical accessibility violation on any main view, light or dark', async () => {
  const { page, context, problems } = await openApp();
  const found = [];
  found.push(...(await axeProblems(page, 'first screen')));
  for (const sql of SESSION_SQL.slice(0, 2)) await run(page, sql);
  await run(page, 'SELECT count(*) FROM kept;');
  found.push(...(await axeProblems(page, 'map after a multi-shard query')));
  await page.locator('svg.map rect.tile').first().click();
  found.push(...(await axeProblems(page, 'shard details')));
  await page.getByRole('tab', { name: 'Hash view' }).click();
  found.push(...(await axeProblems(page, 'hash view')));
  await page.getByRole('tab', { name: 'Plan' }).click();
  await page.getByRole('button', { name: 'Explain last query' }).click();
  found.push(...(await axeProblems(page, 'plan')));
  await page.getByRole('slider', { name: 'Time travel' }).fill('1');
  found.push(...(await axeProblems(page, 'time travel')));
  await page.getByRole('button', { name: 'Share' }).click();
  await page.getByRole('dialog').waitFor();
  found.push(...(await axeProblems(page, 'share sheet')));
  await page.keyboard.press('Escape');
  await page.getByRole('button', { name: 'Export' }).click();
  found.push(...(await axeProblems(page, 'export sheet')));
  await page.keyboard.press('Escape');
  await page.getByRole('button', { name: /Colour theme/ }).click();
  await page.getByRole('button', { name: /Colour theme/ }).click();
  assert.equal(await page.evaluate(() => document.documentElement.dataset.theme), 'dark');
  found.push(...(await axeProblems(page, 'dark theme')));
  assert.deepEqual(found, []);
  assert.deepEqual(problems, []);
  await context.close();
});

test('the layout fits 1440×900, 1024×640 and a phone: screenshots of each are kept', async () => {
  for (const [name, width, height] of [['desktop', 1440, 900], ['laptop', 1024, 640], ['phone', 390, 844]]) {
    const { page, context, problems } = await openApp();
    await page.setViewportSize({ width, height });
    for (const sql of SESSION_SQL.slice(0, 2)) await run(page, sql);
    await run(page, 'EXPLAIN SELECT v, count(*) FROM kept GROUP BY v ORDER BY 2 DESC LIMIT 5;');
    await page.screenshot({ path: path.join(artifacts, `layout-${name}-${width}x${height}.png`), fullPage: name === 'phone' });
    const fit = await page.evaluate(() => ({
      overflow: document.scrollingElement.scrollWidth - window.innerWidth,
      input: document.querySelector('#sql-input').getBoundingClientRect().width,
      map: document.querySelector('svg.map').getBoundingClientRect().width,
      guide: document.querySelector('#guide').getBoundingClientRect().width,
    }));
    assert.ok(fit.overflow <= 0, `${name}: the page does not scroll sideways (${fit.overflow} px)`);
    assert.ok(fit.input >= 150, `${name}: the SQL input is usable (${fit.input} px)`);
    assert.ok(fit.map >= 200 && fit.guide >= 200, `${name}: map and tour have room (${JSON.stringify(fit)})`);
    // The EXPLAIN output is whole: its widest line can be scrolled to inside its entry.
    const out = page.locator('.console-output .entry').last().locator('.out');
    assert.match(await out.textContent(), /Seq Scan on kept_\d+ kept/);
    assert.deepEqual(problems, []);
    await context.close();
  }
});

test('the theme toggle switches between system, light and dark', async () => {
  const { page, context, problems } = await openApp();
  const toggle = page.getByRole('button', { name: /Colour theme/ });
  const theme = () => page.evaluate(() => document.documentElement.getAttribute('data-theme'));
  assert.equal(await theme(), null);
  await toggle.click();
  assert.equal(await theme(), 'light');
  await toggle.click();
  assert.equal(await theme(), 'dark');
  const bg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  assert.equal(bg, 'rgb(22, 22, 26)');
  await page.screenshot({ path: path.join(artifacts, 'dark.png') });
  await toggle.click();
  assert.equal(await theme(), null);
  assert.deepEqual(problems, []);
  await context.close();
});

test('distributing a table draws its shards; a tile shows its range and rows', async () => {
  const { page, context, problems } = await openApp();
  const entry = await run(
    page,
    "CREATE TABLE citus_demo (id int PRIMARY KEY, name text);\n" +
      "SELECT create_distributed_table('citus_demo', 'id');\n" +
      "INSERT INTO citus_demo VALUES (1, 'one'), (2, 'two'), (3, 'three');",
  );
  const out = await entry.locator('.out').textContent();
  await page.screenshot({ path: path.join(artifacts, 'distributed.png') });
  if (/ERROR/.test(out)) {
    // The engine does not support this yet: the error is shown as text, the page survives.
    assert.ok(await entry.locator('.msg-error').first().isVisible());
    console.log(`distributed-table flow not available yet: ${out.trim().split('\n')[0]}`);
  } else {
    assert.match(out, /INSERT 0 3/);
    const tiles = page.locator('svg.map rect.tile');
    assert.equal(await tiles.count(), 32, 'citus.shard_count = 32 placements');
    assert.ok((await page.locator('.verdict').textContent()).length > 0);
    await tiles.first().click();
    const details = page.locator('.shard-details');
    await details.waitFor();
    assert.match(await details.textContent(), /hash range/);
    assert.match(await details.locator('.shard-rows').textContent(), /citus_demo_\d+ on worker-\d/);
    // Keyboard: focus the next tile and activate it with Enter.
    await tiles.nth(1).focus();
    await page.keyboard.press('Enter');
    assert.match(await details.locator('h3').textContent(), /^citus_demo_\d+$/);
    await page.screenshot({ path: path.join(artifacts, 'shard-details.png') });
  }
  assert.deepEqual(problems, []);
  await context.close();
});

/** Waits until `count(selector) === n` (the routing animation plays on timers). */
async function waitForCount(page, selector, n, timeout = 30_000) {
  await page.waitForFunction(
    ([sel, k]) => document.querySelectorAll(sel).length === k,
    [selector, n],
    { timeout },
  );
}

test('the lessons run through the console, get checked, and drive the map and hash view', async () => {
  const { page, context, problems } = await openApp();
  const tutorial = page.locator('.lesson-set[data-lesson="0"]');
  const lessons = tutorial.locator('.lesson');
  const total = await lessons.count();
  assert.ok(total >= 10, `lesson steps: ${total}`);
  assert.equal(await tutorial.locator('.lesson[data-done="true"]').count(), 0);

  let routerShard = null;
  for (let i = 0; i < total; i++) {
    const lesson = lessons.nth(i);
    const title = (await lesson.locator('h3').textContent()).trim();
    const entries = await page.locator('.console-output .entry').count();
    await lesson.getByRole('button', { name: new RegExp(`^Run step ${i + 1}:`) }).click();
    await page.waitForFunction((n) => document.querySelectorAll('.console-output .entry').length > n, entries);
    const out = await page.locator('.console-output .entry').nth(entries).locator('.out').textContent();
    assert.equal(await lesson.getAttribute('data-done'), 'true', `${title}\n${out}`);
    assert.equal(await lesson.getByRole('checkbox').getAttribute('aria-checked'), 'true', title);
    assert.match(await lesson.locator('.lesson-check').textContent(), /✓/);

    if (/multi-shard/i.test(title)) {
      await waitForCount(page, 'svg.map .task-arrow', 32);
      assert.match(await page.locator('.anim-status').textContent(), /multi-shard/);
      await page.screenshot({ path: path.join(artifacts, 'lesson-multi-shard.png') });
      // Step back and forward one message at a time.
      await page.getByRole('button', { name: 'Step back one message' }).click();
      await page.getByRole('button', { name: 'Step back one message' }).click();
      assert.match(await page.locator('.anim-status').textContent(), /^message \d+ of \d+/);
      await page.getByRole('button', { name: 'Step forward one message' }).click();
      await page.getByRole('button', { name: /^Animation speed/ }).click();
      await page.getByRole('button', { name: /^Replay/ }).click();
      await waitForCount(page, 'svg.map .task-arrow', 32);
    }
    if (/router query/i.test(title) && routerShard === null) {
      const touched = page.locator('svg.map rect.tile.touched');
      assert.equal(await touched.count(), 1, 'a router query touches exactly one shard tile');
      routerShard = (await touched.getAttribute('aria-label')).match(/^shard (\d+) of citus_demo/)?.[1];
      assert.ok(routerShard, await touched.getAttribute('aria-label'));
      await waitForCount(page, 'svg.map .task-arrow', 1);
      assert.equal(await page.locator('svg.map .task-arrow').getAttribute('data-shard'), routerShard);
      await page.screenshot({ path: path.join(artifacts, 'lesson-router.png') });
    }
    if (/foreign key/i.test(title)) {
      assert.match(out, /violates foreign key constraint/);
      assert.ok(await page.locator('.console-output .msg-error', { hasText: /foreign key/ }).first().isVisible());
    }
    if (/co-located join/i.test(title)) {
      await waitForCount(page, 'svg.map .task-arrow', 32);
      assert.match(await page.locator('.anim-status').textContent(), /co-located join/);
      await page.screenshot({ path: path.join(artifacts, 'lesson-join.png') });
    }
  }
  assert.equal(await tutorial.locator('.lesson[data-done="true"]').count(), total);
  assert.match(await tutorial.locator('.lessons-progress').textContent(), new RegExp(`^${total} of ${total} steps done`));
  await page.screenshot({ path: path.join(artifacts, 'lessons-done.png') });

  // The router tile is the shard the engine computes for id = 4.
  assert.ok(routerShard, 'the lessons include a router query on citus_demo');
  const entry = await run(page, "SELECT get_shard_id_for_distribution_column('citus_demo', 4);");
  assert.match(await entry.locator('.out').textContent(), new RegExp(`\\b${routerShard}\\b`));

  // Hash view: the marker for 4 names the same shard.
  await page.getByRole('tab', { name: 'Hash view' }).click();
  await page.getByRole('combobox', { name: /Distributed table/ }).selectOption('citus_demo');
  assert.equal(await page.locator('svg.hash-bar rect.hash-seg').count(), 32);
  await page.getByRole('textbox', { name: /Distribution column value/ }).fill('4');
  const result = page.locator('.hash-result');
  await page.waitForFunction(() => /shard \d+/.test(document.querySelector('.hash-result')?.textContent ?? ''));
  const text = await result.textContent();
  assert.match(text, new RegExp(`^hash 4 → -?\\d+ → shard ${routerShard} on worker-\\d$`), text);
  assert.equal(await page.locator('svg.hash-bar .hash-marker').count(), 1);
  await page.screenshot({ path: path.join(artifacts, 'hash-view.png') });
  assert.deepEqual(problems, []);
  await context.close();
});

/** Ten tables on four workers: three co-location groups, a long name, 2 reference tables. */
const CLASSROOM_TABLES = [
  'users', 'orders', 'order_items_with_a_rather_long_name', 'events', 'event_details',
  'sessions', 'page_views', 'metrics', 'countries', 'currencies',
];
const CLASSROOM_SQL = [
  "SELECT citus_add_node('127.0.0.1', 9703);\nSELECT citus_add_node('127.0.0.1', 9704);",
  "CREATE TABLE users (id int PRIMARY KEY, name text);\nSELECT create_distributed_table('users', 'id');\n" +
    "CREATE TABLE orders (user_id int, id int, total int);\n" +
    "SELECT create_distributed_table('orders', 'user_id', colocate_with => 'users');\n" +
    'CREATE TABLE order_items_with_a_rather_long_name (user_id int, item int);\n' +
    "SELECT create_distributed_table('order_items_with_a_rather_long_name', 'user_id', colocate_with => 'users');",
  "CREATE TABLE events (id int, kind text);\nSELECT create_distributed_table('events', 'id', shard_count := 16);\n" +
    'CREATE TABLE event_details (event_id int, detail text);\n' +
    "SELECT create_distributed_table('event_details', 'event_id', colocate_with => 'events');\n" +
    "CREATE TABLE sessions (id int, started int);\nSELECT create_distributed_table('sessions', 'id', shard_count := 4);\n" +
    "CREATE TABLE page_views (id int, url text);\nSELECT create_distributed_table('page_views', 'id', shard_count := 6);\n" +
    "CREATE TABLE metrics (id int, v int);\nSELECT create_distributed_table('metrics', 'id', shard_count := 8);",
  "CREATE TABLE countries (code text PRIMARY KEY, name text);\nSELECT create_reference_table('countries');\n" +
    "CREATE TABLE currencies (code text PRIMARY KEY, name text);\nSELECT create_reference_table('currencies');",
  "INSERT INTO users SELECT g, 'u' || g FROM generate_series(1, 200) g;",
];

/** Waits until the routing animation has shown its last message. */
async function animationDone(page) {
  await page.waitForFunction(() => {
    const m = /^message (\d+) of (\d+)/.exec(document.querySelector('.anim-status')?.textContent ?? '');
    return m && m[1] === m[2];
  }, null, { timeout: 30_000 });
}

/** What is wrong with the map's text: pairs of text boxes that overlap, text outside the
 * picture, and a table label or node title outside its node's box (all in SVG units). */
async function mapTextProblems(page) {
  return page.evaluate(() => {
    const svg = document.querySelector('svg.map');
    const vb = svg.viewBox.baseVal;
    const boxes = [...svg.querySelectorAll('text')]
      .filter((t) => t.textContent.trim() !== '')
      .map((t) => ({ t, b: t.getBBox(), what: `${t.closest('[class]')?.getAttribute('class')} "${t.textContent}"` }));
    const problems = [];
    const eps = 0.5;
    for (let i = 0; i < boxes.length; i++) {
      const a = boxes[i].b;
      if (a.x < -eps || a.y < -eps || a.x + a.width > vb.width + eps || a.y + a.height > vb.height + eps) {
        problems.push(`outside the map: ${boxes[i].what}`);
      }
      for (let j = i + 1; j < boxes.length; j++) {
        const b = boxes[j].b;
        if (a.x < b.x + b.width - eps && b.x < a.x + a.width - eps && a.y < b.y + b.height - eps && b.y < a.y + a.height - eps) {
          problems.push(`${boxes[i].what} overlaps ${boxes[j].what}`);
        }
      }
    }
    for (const g of svg.querySelectorAll('g.node')) {
      const frame = svg.querySelector(`g.node-frame[data-frame="${g.dataset.node}"] rect.frame`).getBBox();
      for (const t of g.querySelectorAll('text')) {
        const b = t.getBBox();
        if (b.x < frame.x || b.y < frame.y || b.x + b.width > frame.x + frame.width || b.y + b.height > frame.y + frame.height) {
          problems.push(`"${t.textContent}" outside ${g.dataset.node}`);
        }
      }
    }
    return problems;
  });
}

/** The rendered size of the worker titles' text in CSS pixels: font size × SVG scale. */
async function titlePixels(page) {
  return page.evaluate(() => {
    const svg = document.querySelector('svg.map');
    const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
    const title = svg.querySelector('g.node.worker .node-title text');
    return parseFloat(getComputedStyle(title).fontSize) * scale;
  });
}

test('ten tables on four workers: every table labelled, one colour per worker, no text over text, readable at every size', async () => {
  const { page, context, problems } = await openApp();
  await page.setViewportSize({ width: 1440, height: 900 });
  for (const sql of CLASSROOM_SQL) {
    const entry = await run(page, sql);
    assert.doesNotMatch(await entry.locator('.out').textContent(), /ERROR/, sql);
  }
  assert.equal(await page.locator('svg.map g.node.worker').count(), 4);

  // A router query, then a multi-shard one: the map does not move between them.
  await run(page, 'SELECT name FROM users WHERE id = 7;');
  await animationDone(page);
  // The router task's shard label sits above its worker, on no title.
  assert.equal(await page.locator('svg.map .arrow-label').count(), 1);
  assert.deepEqual(await mapTextProblems(page), []);
  await page.locator('.map-pane').evaluate((p) => { p.scrollTop = 0; });
  await page.screenshot({ path: path.join(artifacts, 'map-router-label.png') });
  const mapTop = () => page.evaluate(() => {
    const pane = document.querySelector('.map-pane');
    return document.querySelector('svg.map').getBoundingClientRect().top - pane.getBoundingClientRect().top + pane.scrollTop;
  });
  const routerTop = await mapTop();
  await run(page, 'SELECT count(*) FROM users;');
  await page.getByRole('button', { name: 'Step back one message' }).click();
  assert.equal(await mapTop(), routerTop, 'the status and SQL lines keep their height');
  await page.getByRole('button', { name: /^Replay/ }).click();
  await animationDone(page);
  assert.equal(await mapTop(), routerTop);

  // Every table is named in each worker box (reference tables on their bands).
  const named = await page.locator('svg.map .table-label, svg.map .band-label').evaluateAll((ls) => [...new Set(ls.map((l) => l.dataset.table))]);
  for (const table of CLASSROOM_TABLES) assert.ok(named.includes(table), `${table} labelled: ${named}`);
  const long = page.locator('svg.map .table-label[data-table="order_items_with_a_rather_long_name"]').first();
  assert.match(await long.locator('title').textContent(), /^order_items_with_a_rather_long_name: /);
  assert.match(await page.locator('.map-pane .legend').textContent(), /co-location group \d+: users, orders, order_items_with_a_rather_long_name/);

  // Colour is the node: each tile, each worker's stripe and legend swatch use its class.
  const tiles = await page.locator('svg.map rect.tile').evaluateAll((ts) =>
    ts.map((t) => ({ node: / on (\S+),/.exec(t.getAttribute('aria-label'))[1], cls: t.getAttribute('class') })),
  );
  assert.ok(tiles.length >= 32 * 3 + 16 * 2 + 4 + 6 + 8, `tiles: ${tiles.length}`);
  for (const { node, cls } of tiles) {
    assert.match(node, /^worker-[1-4]$/);
    assert.ok(cls.split(' ').includes(node), `${node}: ${cls}`);
    assert.ok(!/\bcg-/.test(cls), cls);
  }
  for (const n of [1, 2, 3, 4]) {
    assert.equal(await page.locator(`svg.map g.node-frame[data-frame="worker-${n}"] .stripe.worker-${n}`).count(), 1);
  }
  // Reference bands take no worker colour.
  assert.equal(await page.locator('svg.map .band[class*="worker-"]').count(), 0);

  // The hash view colours each range by its worker with the same classes.
  await page.getByRole('tab', { name: 'Hash view' }).click();
  await page.getByRole('combobox', { name: /Distributed table/ }).selectOption('users');
  const segments = await page.locator('svg.hash-bar rect.hash-seg').evaluateAll((ss) =>
    ss.map((s) => ({ title: s.querySelector('title').textContent, cls: s.getAttribute('class'), shard: s.dataset.shard })),
  );
  assert.equal(segments.length, 32);
  for (const { title, cls, shard } of segments) {
    const node = / on (worker-\d+):/.exec(title)[1];
    assert.ok(cls.split(' ').includes(node), `${title}: ${cls}`);
    const tile = await page.locator(`svg.map rect.tile[data-shard="${shard}"]`).getAttribute('class');
    assert.ok(tile.split(' ').includes(node), `tile ${shard}: ${tile}`);
  }

  // Details open on a tile, close with Escape, and sit below the map, not over it.
  await page.locator('svg.map rect.tile').first().click();
  const details = page.locator('.shard-details');
  await details.waitFor();
  const [mapBox, detailsBox] = [await page.locator('svg.map').boundingBox(), await details.boundingBox()];
  assert.ok(detailsBox.y >= mapBox.y + mapBox.height, `${JSON.stringify(detailsBox)} below ${JSON.stringify(mapBox)}`);
  await page.keyboard.press('Escape');
  await details.waitFor({ state: 'detached' });

  // At each size: no text over text, and big enough to read.
  for (const [width, height, min] of [[1440, 900, 12], [1024, 640, 11], [390, 844, 11]]) {
    await page.setViewportSize({ width, height });
    await page.waitForTimeout(200);
    await animationDone(page);
    assert.deepEqual(await mapTextProblems(page), [], `${width}×${height}`);
    const px = await titlePixels(page);
    assert.ok(px >= min, `worker titles at ${width}×${height}: ${px.toFixed(1)} px`);
    if (width < 600) {
      // Stacked in one column, the map pane gets a real height.
      const pane = await page.locator('.map-pane').boundingBox();
      assert.ok(pane.height >= 0.6 * height, `map pane ${pane.height} px high`);
      await page.locator('.map-pane').scrollIntoViewIfNeeded();
    }
    await page.locator('.map-pane').evaluate((p) => { p.scrollTop = 0; });
    await page.screenshot({ path: path.join(artifacts, `map-${width}x${height}.png`) });
  }
  assert.deepEqual(problems, []);
  await context.close();
});

test('the two-phase commit lesson draws its rounds, a crash, a branch in doubt, a wait and recovery', async () => {
  const { page, context, problems } = await openApp();
  await page.getByRole('button', { name: 'Two-phase commit' }).click();
  const set = page.locator('.lesson-set[data-lesson="1"]');
  assert.ok(await set.isVisible());
  assert.ok(!(await page.locator('.lesson-set[data-lesson="0"]').isVisible()));
  const lessons = set.locator('.lesson');
  const total = await lessons.count();
  assert.equal(total, 7);
  const worker2 = page.locator('svg.map g.node[data-node="worker-2"]');
  for (let i = 0; i < total; i++) {
    const lesson = lessons.nth(i);
    const title = (await lesson.locator('h3').textContent()).trim();
    const entries = await page.locator('.console-output .entry').count();
    await lesson.getByRole('button', { name: new RegExp(`^Run step ${i + 1}:`) }).click();
    await page.waitForFunction((n) => document.querySelectorAll('.console-output .entry').length > n, entries);
    const out = await page.locator('.console-output .entry').nth(entries).textContent();
    assert.equal(await lesson.getAttribute('data-done'), 'true', `${title}\n${out}`);
    if (i === 1) {
      // COMMIT of a block that wrote on two workers: a PREPARE and a COMMIT PREPARED to each.
      await waitForCount(page, 'svg.map .prepare-arrow', 2);
      await waitForCount(page, 'svg.map .commit-arrow', 2);
      assert.equal(await page.locator('svg.map .decision-badge').count(), 1);
      await page.screenshot({ path: path.join(artifacts, 'twopc-commit.png') });
    }
    if (i === 3) {
      await page.waitForFunction(() => document.querySelector('svg.map g.node[data-node="worker-2"]')?.classList.contains('down'));
      assert.match(await worker2.locator('.node-note').first().textContent(), /crashed/);
      assert.ok(await page.getByRole('button', { name: 'Restart' }).isVisible());
    }
    if (i === 4) {
      assert.ok(!(await worker2.getAttribute('class')).includes('down'));
      assert.match(await worker2.locator('.node-note').allTextContents().then((t) => t.join('\n')), /in doubt: citus_\d+_\d+_\d+_\d+/);
    }
    if (i === 5) {
      // Session 2 waits on worker-2's prepared branch: its chip says so, the wait list offers Cancel.
      const chip = page.locator('.session-chip.waiting');
      assert.equal(await chip.count(), 1);
      assert.match(await chip.textContent(), /^2 /);
      assert.equal(await page.locator('.waits .wait').count(), 1);
      assert.match(await page.locator('.waits .wait').textContent(), /worker-2/);
      assert.match(await worker2.locator('.node-note').allTextContents().then((t) => t.join('\n')), /waiting/);
      await page.screenshot({ path: path.join(artifacts, 'twopc-wait.png') });
    }
    if (i === 6) {
      assert.equal(await page.locator('.session-chip.waiting').count(), 0);
      assert.equal(await page.locator('.waits .wait').count(), 0);
      assert.equal(await worker2.locator('.node-note').count(), 0);
      assert.match(out, /session 2 finished waiting/);
    }
  }
  assert.match(await set.locator('.lessons-progress').textContent(), /^7 of 7 steps done/);
  assert.deepEqual(problems, []);
  await context.close();
});

test('the fault panel crashes, cuts and restores a worker through console commands', async () => {
  const { page, context, problems } = await openApp();
  await run(page, "CREATE TABLE kv (k int PRIMARY KEY, v text);\nSELECT create_distributed_table('kv', 'k', shard_count := 4);");
  const panel = page.getByRole('toolbar', { name: 'Faults' });
  await panel.getByRole('combobox', { name: 'Node to act on' }).selectOption('worker-1');
  await panel.getByRole('button', { name: 'Crash' }).click();
  await page.waitForFunction(() => document.querySelector('svg.map g.node[data-node="worker-1"]')?.classList.contains('down'));
  assert.match(await page.locator('.console-output .entry').last().textContent(), /\\crash worker-1/);
  assert.ok(await panel.getByRole('button', { name: 'Crash' }).isDisabled());
  // A multi-shard query now fails on the crashed worker, as Citus reports it.
  const failed = await run(page, 'SELECT count(*) FROM kv;');
  assert.match(await failed.textContent(), /ERROR: {2}connection to the remote node .*127\.0\.0\.1:9701 failed/);
  await panel.getByRole('button', { name: 'Restart' }).click();
  await page.waitForFunction(() => !document.querySelector('svg.map g.node[data-node="worker-1"]')?.classList.contains('down'));
  await panel.getByRole('button', { name: 'Cut link' }).click();
  await waitForCount(page, 'svg.map .cut-link', 1);
  await panel.getByRole('button', { name: 'Restore link' }).click();
  await waitForCount(page, 'svg.map .cut-link', 0);
  const counted = await run(page, 'SELECT count(*) FROM kv;');
  assert.match(await counted.textContent(), /\(1 row\)/);
  // A second session from the bar, then back to the first.
  await page.getByRole('button', { name: 'Open another session' }).click();
  await waitForCount(page, '.session-chip', 2);
  assert.match(await page.locator('.session-chip.current').textContent(), /^2 /);
  await page.locator('.session-chip').first().click();
  await page.waitForFunction(() => /^1 /.test(document.querySelector('.session-chip.current')?.textContent ?? ''));
  assert.deepEqual(problems, []);
  await context.close();
});

test('standbys are drawn under their primaries with their lag; WAL, failover and the HA manager work from the panel', async () => {
  const { page, context, problems } = await openApp();
  await run(page, "CREATE TABLE kv (k int PRIMARY KEY, v text);\nSELECT create_distributed_table('kv', 'k', shard_count := 4);");
  const faults = page.getByRole('toolbar', { name: 'Faults' });
  const replication = page.getByRole('toolbar', { name: 'Replication' });
  await faults.getByRole('combobox', { name: 'Node to act on' }).selectOption('worker-2');
  await replication.getByRole('button', { name: 'Add standby', exact: true }).click();
  await waitForCount(page, 'svg.map g.node-frame.standby', 1);
  assert.match(await page.locator('.console-output .entry').last().textContent(), /\\standby add worker-2\b[\s\S]*streams from worker-2/);
  // Drawn under its primary: below it, overlapping its column.
  const boxes = await page.evaluate(() => {
    const box = (name) => {
      const r = document.querySelector(`svg.map g.node-frame[data-frame="${name}"] rect.frame`);
      return { x: +r.getAttribute('x'), y: +r.getAttribute('y'), w: +r.getAttribute('width'), h: +r.getAttribute('height') };
    };
    return { primary: box('worker-2'), standby: box('worker-2-standby') };
  });
  assert.ok(boxes.standby.y >= boxes.primary.y + boxes.primary.h, JSON.stringify(boxes));
  assert.ok(boxes.standby.x >= boxes.primary.x - 1 && boxes.standby.x < boxes.primary.x + boxes.primary.w, JSON.stringify(boxes));
  await waitForCount(page, 'svg.map .wal-link', 1);

  // A second standby behind a slow link lags: its bar is not empty, and its note says how far.
  await run(page, '\\standby add worker-1 delay 30s');
  await run(page, "INSERT INTO kv SELECT g, 'v' || g FROM generate_series(1, 40) g;");
  await waitForCount(page, 'svg.map .lag-bar:not(.caught-up)', 1);
  assert.match(await page.locator('svg.map g.node[data-node="worker-1-standby"]').textContent(), /bytes behind/);
  // The insert's WAL went to the standby without a delay: an arrow on the map.
  await animationDone(page);
  assert.ok((await page.locator('svg.map .wal-arrow').count()) >= 1);
  await page.screenshot({ path: path.join(artifacts, 'standbys.png') });
  assert.deepEqual(await axeProblems(page, 'standbys'), []);

  // Crash worker-2 and fail over from the panel: the standby becomes worker-2.
  await faults.getByRole('button', { name: 'Crash' }).click();
  await page.waitForFunction(() => document.querySelector('svg.map g.node[data-node="worker-2"]')?.classList.contains('down'));
  await replication.getByRole('button', { name: 'Fail over' }).click();
  await page.waitForFunction(() => !document.querySelector('svg.map g.node[data-node="worker-2"]')?.classList.contains('down'));
  assert.match(await page.locator('.console-output .entry').last().textContent(), /promoted; worker-2 is now 127\.0\.0\.1:\d+; no transaction lost/);
  await waitForCount(page, 'svg.map g.node-frame.standby', 1);
  const counted = await run(page, 'SELECT count(*) FROM kv;');
  assert.match(await counted.textContent(), / 40\n/);

  // The HA manager toggles, and says so.
  const ha = replication.getByRole('button', { name: /HA manager/ });
  assert.equal(await ha.getAttribute('aria-pressed'), 'false');
  await ha.click();
  await page.waitForFunction(() => [...document.querySelectorAll('[aria-label="Replication"] button')].some((b) => b.getAttribute('aria-pressed') === 'true'));
  assert.match(await page.locator('.console-output .entry').last().textContent(), /HA manager on/);
  assert.deepEqual(problems, []);
  await context.close();
});

test('the map shows leader leases running out, the election, the promotion and lost transactions; a waiting sync commit too', async () => {
  for (const [name, width, height] of [['desktop', 1440, 900], ['laptop', 1024, 640], ['phone', 390, 844]]) {
    const { page, context, problems } = await openApp();
    await page.setViewportSize({ width, height });
    await run(page, "CREATE TABLE kv (k int PRIMARY KEY, v text);\nSELECT create_distributed_table('kv', 'k', shard_count := 4);");
    await run(page, '\\standby add worker-1 delay 60s');
    await run(page, '\\ha on');
    await page.locator('.ha-panel').waitFor();
    assert.match(await page.locator('.leases').textContent(), /worker-1.*renewed, 30 s left/);
    await run(page, "INSERT INTO kv SELECT g, 'v' || g FROM generate_series(1, 40) g;");
    // The primary fails: its lease is no longer renewed and runs down on the map.
    await run(page, '\\crash worker-1');
    await run(page, '\\tick 10s');
    await page.waitForFunction(() => document.querySelector('svg.map g.node-frame[data-frame="worker-1"]')?.classList.contains('lease-expiring'));
    assert.match(await page.locator('.leases').textContent(), /not renewed: runs out in 20 s/);
    await page.locator('.ha-panel').scrollIntoViewIfNeeded();
    await page.screenshot({ path: path.join(artifacts, `ha-lease-${name}-${width}x${height}.png`), fullPage: name === 'phone' });
    // It runs out: the steps of the failover are listed, and the new primary is marked with its losses.
    await run(page, '\\tick 25s');
    const steps = page.locator('.ha-story .ha-step');
    await waitForCount(page, '.ha-story .ha-step', 5);
    const classes = await steps.evaluateAll((els) => els.map((e) => e.className.replace('ha-step ', '')));
    assert.deepEqual(classes, ['lease-expired', 'election', 'promotion', 'loss', 'catalog']);
    assert.match(await steps.nth(3).textContent(), /lost \(WAL 0\/[0-9A-F]+\.\.0\/[0-9A-F]+\)/);
    const frame = await page.locator('svg.map g.node-frame[data-frame="worker-1"]').getAttribute('class');
    assert.match(frame, /promoted/);
    assert.match(frame, /lost-writes/);
    await page.locator('.ha-story').scrollIntoViewIfNeeded();
    await page.screenshot({ path: path.join(artifacts, `ha-failover-${name}-${width}x${height}.png`), fullPage: name === 'phone' });
    if (name === 'desktop') {
      // A synchronous standby that is down holds commits: the session waits, the map says so.
      await run(page, '\\standby add worker-2 sync');
      await run(page, '\\crash worker-2-standby');
      const waiting = await run(page, "INSERT INTO kv SELECT g, 'w' FROM generate_series(41, 80) g;");
      assert.match(await waiting.textContent(), /waits for the synchronous standbys of worker-2/);
      await page.waitForFunction(() => document.querySelector('svg.map g.node-frame[data-frame="worker-2"]')?.classList.contains('sync-waiting'));
      assert.equal(await page.locator('.ha-story .ha-step.sync-wait').count(), 1);
      assert.deepEqual(await axeProblems(page, 'availability'), []);
    }
    assert.deepEqual(problems, []);
    await context.close();
  }
});

test('the Plan tab draws EXPLAIN next to its text, and explains the last query on demand', async () => {
  const { page, context, problems } = await openApp();
  const setup = await run(
    page,
    "CREATE TABLE plan_demo (id int PRIMARY KEY, v text);\n" +
      "SELECT create_distributed_table('plan_demo', 'id');\n" +
      "INSERT INTO plan_demo VALUES (1, 'a'), (2, 'b');\n" +
      "SELECT count(*) FROM plan_demo;",
  );
  assert.match(await setup.locator('.out').textContent(), /\(1 row\)/);
  await page.getByRole('tab', { name: 'Plan' }).click();
  const panel = page.locator('#panel-plan');
  assert.ok(await panel.isVisible());
  await panel.getByRole('button', { name: /Explain last query/ }).click();
  await panel.locator('.plan-box.part-custom-scan').waitFor();
  // The same text the console printed for the EXPLAIN the button ran.
  const printed = await page.locator('.console-output .entry').last().locator('.out').textContent();
  assert.match(printed, /Task Count: 32/);
  const text = await panel.locator('.plan-text').textContent();
  assert.equal(text.trim(), printed.trim());
  assert.equal(await panel.locator('.plan-box.part-coordinator').count(), 1);
  assert.match(await panel.locator('.plan-box.part-coordinator').textContent(), /Aggregate/);
  assert.equal(await panel.locator('.plan-box.part-task').count(), 1);
  assert.match(await panel.locator('.plan-box.part-task').textContent(), /Task on worker-\d/);
  // A router query typed as EXPLAIN: one task, on the worker the hash picks.
  await run(page, 'EXPLAIN SELECT v FROM plan_demo WHERE id = 2;');
  await page.waitForFunction(() => /Task Count: 1/.test(document.querySelector('#panel-plan .plan-text')?.textContent ?? ''));
  assert.equal(await panel.locator('.plan-box.part-task').count(), 1);
  await page.screenshot({ path: path.join(artifacts, 'plan-tab.png') });
  assert.deepEqual(problems, []);
  await context.close();
});

test('10,000 rows: loaded and read back through the console without freezing the page', async () => {
  const { page, context, problems } = await openApp();
  let started = Date.now();
  const load = await run(
    page,
    "CREATE TABLE big (id int PRIMARY KEY, v text);\n" +
      "SELECT create_distributed_table('big', 'id');\n" +
      "INSERT INTO big SELECT i, 'row ' || i FROM generate_series(1, 10000) AS i;",
  );
  assert.match(await load.locator('.out').textContent(), /INSERT 0 10000/);
  console.log(`10,000-row insert answered in ${Date.now() - started} ms`);
  started = Date.now();
  const all = await run(page, 'SELECT * FROM big ORDER BY id;');
  const out = await all.locator('.out').textContent();
  console.log(`10,000-row select answered in ${Date.now() - started} ms`);
  // The transcript keeps the first lines and says how many it left out.
  assert.match(out, /^\s+id\s+\|\s+v\s*$/m);
  assert.match(out, /output clipped: \d+ more lines/);
  // The page still answers: the map shows the shards, and a tile's details list a capped sample.
  assert.equal(await page.locator('svg.map rect.tile').count(), 32);
  await page.locator('svg.map rect.tile').first().click();
  const details = page.locator('.shard-details');
  await details.waitFor();
  assert.match(await details.locator('.shard-rows').textContent(), /first 50 of \d+ rows shown/);
  const echo = await run(page, 'SELECT 1 AS still_here;');
  assert.match(await echo.locator('.out').textContent(), /still_here/);
  await page.screenshot({ path: path.join(artifacts, 'ten-thousand-rows.png') });
  assert.deepEqual(problems, []);
  await context.close();
});

// PGlite (PostgreSQL in wasm, one node) on the same workload in the same browser, from issue 10.
const PGLITE_MS = { load: 1000, count: 13, groupBy: 34, orderByLimit: 24 };

/** The `\timing` figure of a console entry, in milliseconds (summed over its statements). */
async function timedMs(entry) {
  const out = await entry.locator('.out').textContent();
  const times = [...out.matchAll(/^Time: ([0-9.]+) ms/gm)].map((m) => Number(m[1]));
  assert.ok(times.length > 0, `no Time: line in ${out}`);
  return { out, ms: times.reduce((a, b) => a + b, 0) };
}

test('100,000 rows typed into the console: load, count, GROUP BY and ORDER BY LIMIT, timed beside PGlite', async (t) => {
  const { page, context, problems } = await openApp();
  await run(page, '\\timing on');
  await run(page, 'CREATE TABLE perf (id int, k int, v int);');
  await run(page, "SELECT create_distributed_table('perf', 'id');");
  let load = 0;
  for (let b = 0; b < 100; b++) {
    const values = [];
    for (let i = 1; i <= 1000; i++) {
      const id = b * 1000 + i;
      values.push(`(${id}, ${(id * 7) % 1000}, ${(id * 7919) % 100000})`);
    }
    const { out, ms } = await timedMs(await run(page, `INSERT INTO perf VALUES ${values.join(', ')};`));
    assert.match(out, /INSERT 0 1000/);
    load += ms;
  }
  const count = await timedMs(await run(page, 'SELECT count(*) FROM perf;'));
  assert.match(count.out, /^\s*100000\s*$/m);
  const groupBy = await timedMs(await run(page, 'SELECT k % 100, count(*) FROM perf GROUP BY 1;'));
  assert.match(groupBy.out, /\(100 rows\)/);
  assert.equal((groupBy.out.match(/\|\s+1000$/gm) ?? []).length, 100, groupBy.out);
  const top = await timedMs(await run(page, 'SELECT * FROM perf ORDER BY v LIMIT 10;'));
  const vs = [...top.out.matchAll(/^\s*\d+\s*\|\s*\d+\s*\|\s*(\d+)\s*$/gm)].map((m) => Number(m[1]));
  assert.deepEqual(vs, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);

  const figures = { load, count: count.ms, groupBy: groupBy.ms, orderByLimit: top.ms };
  for (const [name, ms] of Object.entries(figures)) {
    const line = `${name}: shardscope ${ms.toFixed(1)} ms, PGlite ${PGLITE_MS[name]} ms`;
    console.log(line);
    t.diagnostic(line);
  }
  assert.deepEqual(problems, []);
  await context.close();
});
