// The site tag: each shipped file's size against the budget, then in headless Chromium the
// time from script start to first result and the cost of recording one event (median,
// p99), beside a no-op call for scale.
import { build, printSizes } from '../../www/build.mjs';
import { launch, site } from '../e2e/helpers.mjs';
import { join } from 'node:path';
import { heading, median, ms, pct, root, row } from './common.mjs';

const TAG_BUDGET_GZIP = 30 * 1024;

export async function run() {
  const sizes = build({ playground: false });
  printSizes(sizes);
  const total = sizes.find((r) => r.file === 'script-tag total');
  row('\nscript tag (JS + wasm) gzip, bytes', total.gzip, `<= ${TAG_BUDGET_GZIP}`);

  const browser = await launch();
  const web = await site();
  try {
    const loads = await pageLoads(browser, web.url, 15);
    const record = await recording(browser);
    const figures = {
      loads: loads.length,
      totalMs: ms(median(loads.map((l) => l.total))),
      wasmMs: ms(median(loads.map((l) => l.wasm))),
      rulesFetchMs: ms(median(loads.map((l) => l.rules))),
      engineSetupMs: ms(median(loads.map((l) => l.setup))),
      recordMedianMs: ms(median(record.track)),
      recordP90Ms: ms(pct(record.track, 0.9)),
      recordP99Ms: ms(pct(record.track, 0.99)),
      noopMedianMs: ms(median(record.noop)),
      storedEventsAfter: record.stored,
      baselineRecordMedianMs: ms(median(record.baseline.track)),
      baselineRecordP90Ms: ms(pct(record.baseline.track, 0.9)),
      baselineRecordP99Ms: ms(pct(record.baseline.track, 0.99)),
      baselineNoopMedianMs: ms(median(record.baseline.noop)),
      baselineStoredEventsAfter: record.baseline.stored,
    };
    printBrowser(figures);
    return { sizes, tagGzip: total.gzip, tagBudgetGzip: TAG_BUDGET_GZIP, browser: figures };
  } finally {
    await browser.close();
    await web.close();
  }
}

async function pageLoads(browser, url, n) {
  const loads = [];
  for (let i = 0; i < n; i++) {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${url}/pricing`);
    await page.waitForFunction(() => window.leadscore && window.leadscore.timings);
    loads.push(await page.evaluate(() => window.leadscore.timings));
    await context.close();
  }
  return loads;
}

/** The cost of one `track()` (validate, clean, score, persist), in this build and in the
 * baseline build (tests/bench/baseline.mjs), side by side: alternating rounds in one
 * browser, each build on its own fresh, cross-origin isolated page (5 µs clock steps). */
async function recording(browser) {
  const { benchSite } = await import('./baseline.mjs');
  const base = await benchSite();
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
  heading(`leadscore in headless Chromium (medians of ${f.loads} page loads)`);
  row('script start → first result, ms', f.totalMs);
  row('  of which wasm fetch + compile + instantiate, ms', f.wasmMs);
  row('  of which rules file fetch, ms', f.rulesFetchMs);
  row('  of which rules parse + state load + collectors, ms', f.engineSetupMs);
  const x = (a, b) => (b > 0 ? `${(a / b).toFixed(2)}x` : '');
  heading('record one event (validate, clean, score, persist), 500 each, alternating rounds');
  console.log(`${''.padEnd(60)} ${'this build'.padStart(12)} ${'baseline'.padStart(10)} ${'ratio'.padStart(7)}`);
  const pair = (label, a, b, target = '') => console.log(`${label.padEnd(60)} ${String(a).padStart(12)} ${String(b).padStart(10)} ${x(a, b).padStart(7)} ${target}`);
  pair('record one event: median ms', f.recordMedianMs, f.baselineRecordMedianMs, '<= 0.030');
  pair('record one event: p90 ms', f.recordP90Ms, f.baselineRecordP90Ms, '<= 0.060');
  pair('record one event: p99 ms', f.recordP99Ms, f.baselineRecordP99Ms);
  pair('a no-op API call, for scale: median ms', f.noopMedianMs, f.baselineNoopMedianMs);
  pair('events stored after 500 recorded (compaction)', f.storedEventsAfter, f.baselineStoredEventsAfter);
}
