// The site tag, side by side in one run with the tag as it was before issue 14 (commit
// BASE, built once into target/bench/baseline and served by its own server): each
// shipped file's size (gzip and brotli) against the budget; in headless Chromium the time
// from script start to first result on a first and a second page view, locally and
// throttled (CDP: 100 ms RTT, 5 Mbps), wasm ready → first result, the tag's longest task
// at 4x CPU slowdown (CDP `Emulation.setCPUThrottlingRate`, long animation frames); then the cost of recording one event (median, p99), beside a no-op call.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { brotli, build, printSizes } from '../../www/build.mjs';
import { launch, site } from '../e2e/helpers.mjs';
import { benchDir, heading, median, ms, pct, root, row } from './common.mjs';

export const TAG_BUDGET_GZIP = 36 * 1024;
/** The tag before issue 14; `LEADSCORE_BENCH_BASE=<commit>` measures against another
 * commit instead (one change's before and after, side by side in one run). */
const BASE = process.env.LEADSCORE_BENCH_BASE || '4fadc54';
const LOADS = 9;
const THROTTLED = { offline: false, latency: 100, downloadThroughput: (5e6 / 8), uploadThroughput: (5e6 / 8) };

export async function run() {
  const sizes = build({ playground: false });
  printSizes(sizes);
  const total = sizes.find((r) => r.file === 'script-tag total');
  const base = baseline();
  const baseSizes = sizesOf(join(base, 'target/site/leadscore'), ['leadscore.js', 'api.js', 'leadscore_core_bg.wasm', 'rules.json']);
  heading(`script tag bytes on a first page view: before (${BASE}) and now`);
  row('gzip, before / now', `${baseSizes.gzip} / ${total.gzip}`, `<= ${TAG_BUDGET_GZIP}`);
  row('brotli, before / now', `${baseSizes.brotli} / ${total.brotli}`);

  const browser = await launch();
  const web = await site();
  const { serve } = await import(join(base, 'www/serve.mjs'));
  const old = await serve({ port: 0, root: join(base, 'target/site') });
  try {
    const tags = { before: old.url, now: web.url };
    const loads = {};
    for (const [name, url] of Object.entries(tags)) {
      loads[name] = {
        local: await pageLoads(browser, url, LOADS, {}),
        throttled: await pageLoads(browser, url, LOADS, { network: THROTTLED }),
        slowCpu: await pageLoads(browser, url, Math.ceil(LOADS / 2), { cpu: 4 }),
      };
    }
    const record = await recording(browser);
    const figures = { before: summary(loads.before), now: summary(loads.now) };
    // Recording is measured in alternating rounds on both builds (see `recording`).
    for (const [side, r] of [['now', record], ['before', record.baseline]]) {
      if (!r) continue;
      Object.assign(figures[side], {
        recordMedianMs: ms(median(r.track)), recordP90Ms: ms(pct(r.track, 0.9)), recordP99Ms: ms(pct(r.track, 0.99)),
        noopMedianMs: ms(median(r.noop)), storedEventsAfter: r.stored,
      });
    }
    printBrowser(figures);
    return {
      sizes, tagGzip: total.gzip, tagBrotli: total.brotli, tagBudgetGzip: TAG_BUDGET_GZIP,
      before: { commit: BASE, ...baseSizes }, browser: figures,
    };
  } finally {
    await browser.close();
    await web.close();
    await new Promise((ok) => old.server.close(ok));
  }
}

/** Builds the tag of commit BASE once (its own server and build script), reusing this
 * tree's compiled dependencies; later runs find it ready. */
export function baseline() {
  const dir = join(benchDir, 'baseline');
  const stamp = join(dir, `.built-${BASE}`);
  if (existsSync(stamp)) return dir;
  console.log(`\nbuilding the tag of ${BASE} into target/bench/baseline (once)…`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  execFileSync('sh', ['-c', `git archive ${BASE} | tar -x -C "${dir}"`], { cwd: root, stdio: 'inherit' });
  // A tree from before the workspace split is one package: its own workspace, not a member
  // of the one whose target/ it sits in (cargo refuses to build it otherwise).
  const manifest = join(dir, 'Cargo.toml');
  const text = readFileSync(manifest, 'utf8');
  if (!/^\[workspace\]/m.test(text)) writeFileSync(manifest, `${text}\n[workspace]\n`);
  symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'));
  for (const t of ['release', 'wasm32-unknown-unknown']) {
    if (existsSync(join(root, 'target', t))) cpSync(join(root, 'target', t), join(dir, 'target', t), { recursive: true });
  }
  execFileSync('nice', ['node', 'www/build.mjs', '--no-playground'], { cwd: dir, stdio: ['ignore', 'ignore', 'inherit'] });
  writeFileSync(stamp, '');
  return dir;
}

function sizesOf(dir, files) {
  const out = { files: {}, gzip: 0, brotli: 0, bytes: 0 };
  for (const f of files) {
    const buf = readFileSync(join(dir, f));
    const r = { bytes: buf.length, gzip: gzipSync(buf, { level: 9 }).length, brotli: brotli(buf) };
    out.files[f] = r;
    out.gzip += r.gzip;
    out.brotli += r.brotli;
    out.bytes += r.bytes;
  }
  return out;
}

/**
 * `n` visitors, each in a fresh context (cold cache): the first page view, then a second
 * page of the site (warm cache). Per view: loader start → first result, the wasm ready →
 * first result, and the tag's longest script run in a long animation frame (LoAF).
 */
async function pageLoads(browser, url, n, { network, cpu }) {
  const views = { first: [], second: [] };
  for (let i = 0; i < n; i++) {
    const context = await browser.newContext();
    const page = await context.newPage();
    const cdp = await context.newCDPSession(page);
    if (network) {
      await cdp.send('Network.enable');
      await cdp.send('Network.emulateNetworkConditions', network);
    }
    if (cpu) await cdp.send('Emulation.setCPUThrottlingRate', { rate: cpu });
    // Long animation frames name the scripts that ran in them: the tag's own time in a
    // long frame is that of the scripts from /leadscore/ (its loader's callbacks carry the
    // API module's and the wasm's work).
    await page.addInitScript(() => {
      window.__long = [];
      try {
        new PerformanceObserver((l) => {
          for (const e of l.getEntries()) {
            for (const sc of e.scripts) if (/\/leadscore\//.test(sc.sourceURL)) window.__long.push(sc.duration);
          }
        }).observe({ type: 'long-animation-frame', buffered: true });
      } catch { /* no long-animation-frame support */ }
    });
    for (const [view, path] of [['first', '/pricing'], ['second', '/integrations/slack']]) {
      await page.goto(`${url}${path}`);
      await page.waitForFunction(() => window.leadscore && window.leadscore.timings && window.leadscore.timings.total > 0, null, { timeout: 60000 });
      // Frames are reported once they end: a moment for the last one.
      await page.waitForTimeout(100);
      const t = await page.evaluate(() => ({ ...window.leadscore.timings, long: window.__long.slice() }));
      views[view].push(t);
    }
    await context.close();
  }
  return views;
}

/** The tag's longest script run in a long animation frame (0: none over 50 ms). */
const longest = (t) => Math.max(0, ...t.long);

function summary(loads) {
  const view = (v) => ({
    totalMs: ms(median(v.map((t) => t.total))),
    wasmMs: ms(median(v.map((t) => t.wasm))),
    rulesMs: ms(median(v.map((t) => t.rules))),
    readyToResultMs: ms(median(v.map((t) => t.setup))),
    readyToResultMaxMs: ms(Math.max(...v.map((t) => t.setup))),
    // The new tag's split of that (the old one reports none): the core, the API, yields.
    coreMs: v[0].core === undefined ? undefined : ms(median(v.map((t) => t.core))),
    apiMs: v[0].api === undefined ? undefined : ms(median(v.map((t) => t.api))),
  });
  return {
    local: { first: view(loads.local.first), second: view(loads.local.second) },
    throttled: { first: view(loads.throttled.first), second: view(loads.throttled.second) },
    slowCpu: {
      first: view(loads.slowCpu.first),
      // Per page view the tag's longest task; the median view and the worst.
      longestTaskMs: ms(median([...loads.slowCpu.first, ...loads.slowCpu.second].map(longest))),
      worstTaskMs: ms(Math.max(0, ...[...loads.slowCpu.first, ...loads.slowCpu.second].map(longest))),
    },
  };
}

async function recording(browser) {
  const { benchSite } = await import('./baseline.mjs');
  const base = await benchSite(join(baseline(), 'target/site'));
  const mine = await benchSite(join(root, 'target/site'));
  const builds = { now: { url: mine.url, track: [], noop: [] }, base: { url: base.url, track: [], noop: [] } };
  try {
    const pages = {};
    for (const [name, b] of Object.entries(builds)) {
      const context = await browser.newContext();
      const page = await context.newPage();
      await page.goto(`${b.url}/isolated/pricing`);
      await page.waitForFunction(() => window.leadscore && !Array.isArray(window.leadscore) && crossOriginIsolated);
      pages[name] = { context, page };
    }
    const round = (page, from, n) => page.evaluate(([from, n]) => {
      const time = (fn) => {
        const out = [];
        for (let i = from; i < from + n; i++) {
          const t = performance.now();
          fn(i);
          out.push(performance.now() - t);
        }
        return out;
      };
      const noop = time(() => leadscore.on('none', () => {}));
      const track = time((i) => leadscore.track('webinar_attended', { webinar_id: `w-${i}` }));
      return { noop, track };
    }, [from, n]);
    // 5 rounds of 100 events each, alternating builds; the first 20 of each build warm up.
    for (const name of Object.keys(builds)) await round(pages[name].page, -20, 20);
    for (let r = 0; r < 5; r++) {
      for (const [name, b] of Object.entries(builds)) {
        const { noop, track } = await round(pages[name].page, r * 100, 100);
        b.noop.push(...noop);
        b.track.push(...track);
      }
    }
    for (const [name, b] of Object.entries(builds)) {
      b.stored = await pages[name].page.evaluate(() => leadscore.events().length);
      await pages[name].context.close();
    }
  } finally {
    await base.close();
    await mine.close();
  }
  const { now, base: old } = builds;
  return { track: now.track, noop: now.noop, stored: now.stored, baseline: { track: old.track, noop: old.noop, stored: old.stored } };
}

function printBrowser(f) {
  const both = (get) => `${get(f.before)} / ${get(f.now)}`;
  const ratio = (get) => (get(f.now) / get(f.before)).toFixed(2);
  heading(`leadscore in headless Chromium: before (${BASE}) / now, medians of ${LOADS} visitors`);
  for (const net of ['local', 'throttled']) {
    const label = net === 'local' ? 'localhost' : '100 ms RTT, 5 Mbps';
    for (const view of ['first', 'second']) {
      row(`${label}, ${view} page view: script start → first result, ms`, both((x) => x[net][view].totalMs),
        `×${ratio((x) => x[net][view].totalMs)}`);
    }
    row(`${label}, first view: of which wasm ready, ms`, both((x) => x[net].first.wasmMs));
    row(`${label}, first view: of which rules ready, ms`, both((x) => x[net].first.rulesMs));
    row(`${label}: wasm ready → first result, first / second view, ms`,
      `${both((x) => x[net].first.readyToResultMs)} · ${both((x) => x[net].second.readyToResultMs)}`);
    row(`${label}: of which the core (rules, stored state) / the API (first page view), first · second view, ms`,
      `${f.now[net].first.coreMs} / ${f.now[net].first.apiMs} · ${f.now[net].second.coreMs} / ${f.now[net].second.apiMs}`);
  }
  row('4x CPU slowdown, first view: script start → first result, ms', both((x) => x.slowCpu.first.totalMs));
  row("4x CPU slowdown: the tag's longest task (LoAF scripts), median view, ms", both((x) => x.slowCpu.longestTaskMs), '<= 50');
  row("4x CPU slowdown: the tag's longest task, worst view, ms", both((x) => x.slowCpu.worstTaskMs), '<= 50');
  const rec = (get) => (f.before.recordMedianMs === undefined ? get(f.now) : both(get));
  row('record one event (validate, score, persist): median ms', rec((x) => x.recordMedianMs));
  row('record one event: p90 / p99 ms', rec((x) => `${x.recordP90Ms} · ${x.recordP99Ms}`));
  row('a no-op API call, for scale: median ms', rec((x) => x.noopMedianMs));
  row('events stored after 500 recorded (compaction)', rec((x) => x.storedEventsAfter));
}
