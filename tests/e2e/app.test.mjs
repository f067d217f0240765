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

/** A fresh page with problem collectors; `problems` must stay empty. */
async function openApp() {
  const page = await browser.newPage();
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
  await page.goto(baseUrl, { waitUntil: 'load' });
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

// What a learner downloads before the cluster starts: the gzipped wasm must stay under 1.2 MB.
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
  for (const title of ['Console', 'Cluster map', 'Last statement']) {
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

test('a lesson step that errors is not checked off, and a lesson can start from a fresh cluster', async () => {
  const { page, context, problems } = await openApp();
  await run(page, 'CREATE TABLE citus_demo (id int);');
  await page.getByRole('tab', { name: 'Lessons' }).click();
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
  await page.getByRole('tab', { name: 'Lessons' }).click();
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

test('the two-phase commit lesson draws its rounds, a crash, a branch in doubt, a wait and recovery', async () => {
  const { page, context, problems } = await openApp();
  await page.getByRole('tab', { name: 'Lessons' }).click();
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
