// `npm run bench`: every speed and size figure, measured side by side in one run, printed
// as tables and written to target/bench/results.json.
//   core     batch throughput of `leadscore score` and single-visitor re-score (cargo bench)
//   size     each shipped file, raw and gzip, and the script tag's total against its budget
//   browser  in headless Chromium: script start → first result (wasm compile apart) and the
//            cost of recording one event (median, p99), beside a no-op call for scale
//   backtest `leadscore backtest` on synthetic journeys (leadscore synth), beside `score`
//            on the same events
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { build, printSizes } from '../../www/build.mjs';
import { launch, root, site } from '../e2e/helpers.mjs';

const TAG_BUDGET_GZIP = 30 * 1024;
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const pct = (xs, p) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))];
const row = (label, value, target = '') => console.log(`${label.padEnd(60)} ${String(value).padStart(12)} ${String(target).padStart(10)}`);

// Core: the Rust benchmark prints its own table and writes core.json.
execFileSync('cargo', ['bench', '--quiet', '--bench', 'core'], { cwd: root, stdio: 'inherit' });
const core = JSON.parse(readFileSync(join(root, 'target/bench/core.json'), 'utf8'));

// Size: a fresh build, exactly what is served.
const sizes = build({ playground: false });
printSizes(sizes);
const total = sizes.find((r) => r.file === 'script-tag total');
row('\nscript tag (JS + wasm) gzip, bytes', total.gzip, `<= ${TAG_BUDGET_GZIP}`);

// Browser: loads of the demo pricing page, then event recording.
const browser = await launch();
const web = await site();
const loads = [];
for (let i = 0; i < 15; i++) {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`${web.url}/pricing`);
  await page.waitForFunction(() => window.leadscore && window.leadscore.timings);
  loads.push(await page.evaluate(() => window.leadscore.timings));
  await context.close();
}
const context = await browser.newContext();
const page = await context.newPage();
await page.goto(`${web.url}/pricing`);
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
await browser.close();
await web.close();

const ms = (x) => Math.round(x * 1000) / 1000;
const browserFigures = {
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
console.log('\nleadscore in headless Chromium (medians of', loads.length, 'page loads)');
row('script start → first result, ms', browserFigures.totalMs);
row('  of which wasm fetch + compile + instantiate, ms', browserFigures.wasmMs);
row('  of which rules file fetch, ms', browserFigures.rulesFetchMs);
row('  of which rules parse + state load + collectors, ms', browserFigures.engineSetupMs);
row('record one event (validate, score, persist): median ms', browserFigures.recordMedianMs);
row('record one event: p99 ms', browserFigures.recordP99Ms);
row('a no-op API call, for scale: median ms', browserFigures.noopMedianMs);
row('events stored after 500 recorded (compaction)', browserFigures.storedEventsAfter);

// Backtest: synthetic journeys, one thread, the release binary; `score` on the same events
// beside it, for the ratio (the backtest scores each visitor once, as of its outcome).
const cli = join(root, 'target/release/leadscore');
const dir = join(root, 'target/bench');
mkdirSync(dir, { recursive: true });
const events = join(dir, 'synthetic.jsonl');
const outcomes = join(dir, 'synthetic-outcomes.csv');
execFileSync(cli, ['synth', '--visitors', '200000', '--seed', '1', '--events', events, '--outcomes', outcomes], { stdio: 'ignore' });
const eventCount = readFileSync(events, 'utf8').split('\n').filter(Boolean).length;
const seconds = (args) => {
  const t = process.hrtime.bigint();
  execFileSync(cli, args, { stdio: 'ignore', maxBuffer: 1 << 30 });
  return Number(process.hrtime.bigint() - t) / 1e9;
};
const rules = join(root, 'www/site/leadscore/rules.json');
const backtestS = seconds(['backtest', '--rules', rules, '--events', events, '--outcomes', outcomes, '--json']);
const scoreS = seconds(['score', '--rules', rules, '--events', events, '--now', '1800000000000']);
const backtestFigures = { visitors: 200000, events: eventCount, backtestSeconds: backtestS, scoreSeconds: scoreS,
  backtestEventsPerSecond: Math.round(eventCount / backtestS), scoreEventsPerSecond: Math.round(eventCount / scoreS) };
console.log('\nbacktest on synthetic journeys (200,000 visitors), release binary (backtest: every core; score: one thread)');
row(`leadscore backtest, ${eventCount} events: events/s`, backtestFigures.backtestEventsPerSecond, '>= 1 M');
row(`leadscore score, the same events: events/s`, backtestFigures.scoreEventsPerSecond);
row('ratio backtest / score time', (backtestS / scoreS).toFixed(2));

const results = { core, sizes, tagGzip: total.gzip, tagBudgetGzip: TAG_BUDGET_GZIP, browser: browserFigures, backtest: backtestFigures };
writeFileSync(join(root, 'target/bench/results.json'), JSON.stringify(results, null, 2) + '\n');
console.log('\nwrote target/bench/results.json');
