// The playground's History view on 2 million events (about 280,000 synthetic visitors from
// `leadscore synth`), in headless Chromium as a user runs it: pick the two files, Run,
// wait for the report. Prints the total time, where the worker spent it (waiting for the
// file, parsing the lines in the wasm, scoring and the report), how the progress
// bar moved, how long the page's main thread was ever blocked, and how fast Cancel stops
// a run. Then the suggestion's fit on the same visitors.
import { execFileSync } from 'node:child_process';
import { mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { build, printSizes } from '../../www/build.mjs';
import { launch, site } from '../e2e/helpers.mjs';
import { benchDir, heading, row } from './common.mjs';

const VISITORS = Number(process.env.HISTORY_VISITORS ?? 280_000);
const GOAL_S = 20;

export async function run() {
  const sizes = build({ playground: true });
  printSizes(sizes);
  const wasm = sizes.find((r) => r.file.endsWith('leadscore_playground_bg.wasm'));
  const cli = join(benchDir, '../release/leadscore');
  mkdirSync(benchDir, { recursive: true });
  const events = join(benchDir, 'history-events.jsonl');
  const outcomes = join(benchDir, 'history-outcomes.csv');
  execFileSync(cli, ['synth', '--visitors', String(VISITORS), '--seed', '2', '--events', events, '--outcomes', outcomes], { stdio: 'ignore' });
  const browser = await launch();
  const web = await site();
  try {
    const page = await openHistory(browser, web.url);
    const full = await runOnce(page, events, outcomes);
    const suggest = await suggestOnce(page);
    await page.context().close();
    const cancel = await cancelOnce(await openHistory(browser, web.url), events, outcomes);
    const figures = { visitors: VISITORS, bytes: statSync(events).size, playgroundWasm: { bytes: wasm.bytes, gzip: wasm.gzip }, ...full, suggest, cancel };
    print(figures);
    return figures;
  } finally {
    await browser.close();
    await web.close();
  }
}

async function openHistory(browser, url) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  await page.goto(`${url}/playground/`);
  await page.waitForSelector('body[data-ready]', { timeout: 60_000 });
  await page.click('#history-toggle');
  return page;
}

/** Watches the page while it works: progress values over time and the main thread's longest stall. */
async function watch(page) {
  await page.evaluate(() => {
    const w = (window.__watch = { progress: [], maxGap: 0, t0: performance.now() });
    let last = performance.now();
    w.timer = setInterval(() => {
      const now = performance.now();
      w.maxGap = Math.max(w.maxGap, now - last);
      last = now;
      const p = document.getElementById('history-progress');
      // `position` is -1 while the bar is indeterminate (the core scoring in one call).
      const v = p.hidden ? null : p.position;
      const prev = w.progress[w.progress.length - 1];
      if (v != null && (!prev || prev[1] !== v)) w.progress.push([now - w.t0, v]);
    }, 20);
  });
}

async function stopWatching(page) {
  return page.evaluate(() => {
    clearInterval(window.__watch.timer);
    window.__watch.end = performance.now() - window.__watch.t0;
    return window.__watch;
  });
}

async function runOnce(page, events, outcomes) {
  await page.setInputFiles('#history-events', events);
  await page.setInputFiles('#history-outcomes', outcomes);
  await watch(page);
  const t = Date.now();
  await page.click('#history-run');
  await page.waitForFunction(() => /^(Done|Could not)/.test(document.getElementById('history-message').textContent), null, { timeout: 600_000, polling: 100 });
  const wallS = (Date.now() - t) / 1000;
  const w = await stopWatching(page);
  const message = await page.locator('#history-message').textContent();
  const spent = JSON.parse((await page.locator('#history-message').getAttribute('data-spent')) ?? '{}');
  const reading = w.progress.filter(([, v]) => v >= 0);
  const gaps = reading.slice(1).map(([t], i) => t - reading[i][0]);
  const busy = w.progress.find(([, v]) => v < 0);
  return {
    message, wallS, spent,
    progressUpdates: reading.length, progressMaxGapMs: Math.round(Math.max(0, ...gaps)),
    indeterminateS: busy ? Math.round((w.end - busy[0]) / 10) / 100 : 0,
    mainThreadMaxStallMs: Math.round(w.maxGap),
  };
}

async function suggestOnce(page) {
  const t = Date.now();
  await page.click('#history-suggest');
  await page.waitForFunction(() => /^(Done|No suggestion)/.test(document.getElementById('history-message').textContent), null, { timeout: 600_000, polling: 100 });
  return { seconds: (Date.now() - t) / 1000, message: await page.locator('#history-message').textContent() };
}

async function cancelOnce(page, events, outcomes) {
  await page.setInputFiles('#history-events', events);
  await page.setInputFiles('#history-outcomes', outcomes);
  await page.click('#history-run');
  await page.waitForFunction(() => document.getElementById('history-progress').value > 0.25, null, { timeout: 600_000, polling: 50 });
  const t = Date.now();
  await page.click('#history-cancel');
  await page.waitForFunction(() => document.getElementById('history-message').textContent === 'Cancelled.', null, { polling: 10 });
  const ms = Date.now() - t;
  const runEnabled = await page.locator('#history-run').isEnabled();
  await page.context().close();
  return { ms, runEnabled };
}

function print(f) {
  const s = (ms) => (ms == null ? '–' : (ms / 1000).toFixed(2));
  heading(`History view in headless Chromium: ${f.visitors} synthetic visitors, ${(f.bytes / 1e6).toFixed(0)} MB of events`);
  console.log(`  ${f.message}`);
  row('pick files → report shown, s', f.wallS.toFixed(2), `<= ${GOAL_S}`);
  row('  worker total, s', s(f.spent.total));
  row('  load the wasm core, s', s(f.spent.core));
  row('  waiting for the files (Blob slices, the next read while parsing), s', s(f.spent.read));
  row('  outcomes CSV in the wasm, s', s(f.spent.outcomes));
  row('  event lines in the wasm (JSON parse, events, journeys), s', s(f.spent.parse));
  row('  sort, score every visitor, report JSON (wasm), s', s(f.spent.report));
  row('  report JSON.parse, s', s(f.spent.json));
  row('progress bar while reading: distinct values seen', f.progressUpdates);
  row('progress bar while reading: longest wait between moves, ms', f.progressMaxGapMs);
  row('progress bar "working" (indeterminate) while scoring, s', f.indeterminateS);
  row('page main thread: longest stall, ms', f.mainThreadMaxStallMs);
  row('Suggest points on the same visitors, s', f.suggest.seconds.toFixed(2));
  row('Cancel at 25% → run stopped and page idle, ms', f.cancel.ms);
  row('playground wasm, gzip bytes', f.playgroundWasm.gzip);
}
