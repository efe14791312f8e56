// Backtest: synthetic journeys (leadscore synth), the release binary; `score` on the same
// events beside it, for the ratio (the backtest scores each visitor once, as of its outcome).
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { benchDir, heading, root, row } from './common.mjs';

export async function run() {
  execFileSync('cargo', ['build', '--release', '--quiet', '--bin', 'leadscore'], { cwd: root, stdio: 'inherit' });
  const cli = join(root, 'target/release/leadscore');
  mkdirSync(benchDir, { recursive: true });
  const events = join(benchDir, 'synthetic.jsonl');
  const outcomes = join(benchDir, 'synthetic-outcomes.csv');
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
  const figures = { visitors: 200000, events: eventCount, backtestSeconds: backtestS, scoreSeconds: scoreS,
    backtestEventsPerSecond: Math.round(eventCount / backtestS), scoreEventsPerSecond: Math.round(eventCount / scoreS) };
  heading('backtest on synthetic journeys (200,000 visitors), release binary (backtest: every core; score: one thread)');
  row(`leadscore backtest, ${eventCount} events: events/s`, figures.backtestEventsPerSecond, '>= 1 M');
  row(`leadscore score, the same events: events/s`, figures.scoreEventsPerSecond);
  row('ratio backtest / score time', (backtestS / scoreS).toFixed(2));
  return figures;
}
