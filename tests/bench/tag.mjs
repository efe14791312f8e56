// The site tag: each shipped file's size against the budget, then in headless Chromium the
// time from script start to first result and the cost of recording one event (median,
// p99), beside a no-op call for scale.
import { build, printSizes } from '../../www/build.mjs';
import { launch, site } from '../e2e/helpers.mjs';
import { heading, median, ms, pct, row } from './common.mjs';

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
    const record = await recording(browser, web.url);
    const figures = {
      loads: loads.length,
      totalMs: ms(median(loads.map((l) => l.total))),
      wasmMs: ms(median(loads.map((l) => l.wasm))),
      rulesFetchMs: ms(median(loads.map((l) => l.rules))),
      engineSetupMs: ms(median(loads.map((l) => l.setup))),
      recordMedianMs: ms(median(record.track)),
      recordP99Ms: ms(pct(record.track, 0.99)),
      noopMedianMs: ms(median(record.noop)),
      storedEventsAfter: record.stored,
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

async function recording(browser, url) {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`${url}/pricing`);
  await page.waitForFunction(() => window.leadscore && !Array.isArray(window.leadscore));
  const record = await page.evaluate(() => {
    const time = (fn, n) => {
      const out = [];
      for (let i = 0; i < n; i++) {
        const t = performance.now();
        fn(i);
        out.push(performance.now() - t);
      }
      return out;
    };
    // Side by side: a call that does nothing, then real events (validated, scored, persisted).
    const noop = time(() => leadscore.on('none', () => {}), 300);
    const track = time((i) => leadscore.track('webinar_attended', { webinar_id: `w-${i}` }), 500);
    const stored = leadscore.events().length;
    return { noop, track, stored };
  });
  await context.close();
  return record;
}

function printBrowser(f) {
  heading(`leadscore in headless Chromium (medians of ${f.loads} page loads)`);
  row('script start → first result, ms', f.totalMs);
  row('  of which wasm fetch + compile + instantiate, ms', f.wasmMs);
  row('  of which rules file fetch, ms', f.rulesFetchMs);
  row('  of which rules parse + state load + collectors, ms', f.engineSetupMs);
  row('record one event (validate, score, persist): median ms', f.recordMedianMs);
  row('record one event: p99 ms', f.recordP99Ms);
  row('a no-op API call, for scale: median ms', f.noopMedianMs);
  row('events stored after 500 recorded (compaction)', f.storedEventsAfter);
}
