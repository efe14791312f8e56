// Backtest at scale: synthetic journeys (leadscore synth) of 1 M and 10 M events, the
// release binary's `backtest` on 1 and 2 threads and `score`, each with its wall time and
// peak memory (GNU time's maximum resident set), beside a DuckDB SQL version of a
// simplified rule set (tests/bench/backtest.sql, which says what it leaves out) on the
// same files in the same run. DuckDB is installed here, at run time, into a Python venv
// under target/bench (not a dependency of the project). Also: the 1 M file repeated ten
// times (the same visitors, 10x the events), for how memory grows.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync, writeFileSync, createWriteStream, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { benchDir, heading, root } from './common.mjs';

const cli = join(root, 'target/release/leadscore');
const rules = join(root, 'www/site/leadscore/rules.json');
const venv = join(benchDir, 'venv');
const python = join(venv, 'bin/python');

function synth(visitors, name) {
  const events = join(benchDir, `${name}.jsonl`);
  const outcomes = join(benchDir, `${name}-outcomes.csv`);
  if (!existsSync(events) || !existsSync(outcomes)) {
    execFileSync(cli, ['synth', '--visitors', String(visitors), '--seed', '1', '--events', events, '--outcomes', outcomes], { stdio: 'ignore' });
  }
  return { events, outcomes };
}

async function repeated(file, times, name) {
  const out = join(benchDir, `${name}.jsonl`);
  if (!existsSync(out)) {
    const text = readFileSync(file);
    const w = createWriteStream(out);
    for (let i = 0; i < times; i++) if (!w.write(text)) await new Promise((r) => w.once('drain', r));
    await new Promise((r) => w.end(r));
  }
  return out;
}

const lines = (file) => {
  const b = readFileSync(file);
  let n = 0;
  for (let i = 0; i < b.length; i++) if (b[i] === 10) n++;
  return n;
};

/** Wall seconds, CPU seconds (user + system: what a busy shared machine disturbs least)
 * and peak resident MB of one command, by GNU time. */
function measure(cmd, args) {
  const r = spawnSync('/usr/bin/time', ['-f', '%e %U %S %M', cmd, ...args], { stdio: ['ignore', 'ignore', 'pipe'], maxBuffer: 1 << 26 });
  const last = r.stderr.toString().trim().split('\n').pop();
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr}`);
  const [s, user, sys, kb] = last.split(' ').map(Number);
  return { seconds: s, cpuSeconds: Math.round((user + sys) * 100) / 100, peakMB: Math.round(kb / 1024) };
}

function duckdbReady() {
  if (existsSync(python)) return true;
  const v = spawnSync('python3', ['-m', 'venv', venv], { stdio: 'inherit' });
  if (v.status !== 0) return false;
  return spawnSync(join(venv, 'bin/pip'), ['install', '--quiet', 'duckdb'], { stdio: 'inherit' }).status === 0;
}

function duckdb(events, outcomes, threads) {
  const sql = readFileSync(join(root, 'tests/bench/backtest.sql'), 'utf8')
    .replaceAll('{EVENTS}', events).replaceAll('{OUTCOMES}', outcomes);
  const q = join(benchDir, 'backtest-query.sql');
  writeFileSync(q, sql);
  const script = join(benchDir, 'backtest-duckdb.py');
  writeFileSync(script, 'import duckdb, sys\ncon = duckdb.connect()\ncon.execute("SET threads = " + sys.argv[2])\n'
    + 'con.execute(open(sys.argv[1]).read()).fetchall()\n');
  return measure(python, [script, q, String(threads)]);
}

export async function run() {
  execFileSync('cargo', ['build', '--release', '--quiet', '--bin', 'leadscore'], { cwd: root, stdio: 'inherit' });
  mkdirSync(benchDir, { recursive: true });
  const withDuck = duckdbReady();
  const one = synth(140000, 'synthetic-1m');
  const ten = synth(1400000, 'synthetic-10m');
  const sameVisitors = await repeated(one.events, 10, 'synthetic-1m-x10');
  const sets = [
    { name: '1 M events', ...one },
    { name: '10 M events', ...ten },
    { name: '1 M x10 (same visitors)', events: sameVisitors, outcomes: one.outcomes, only: true },
  ];
  const figures = {};
  for (const s of sets) {
    const bt = (threads) => measure(cli, ['backtest', '--rules', rules, '--events', s.events, '--outcomes', s.outcomes, '--json', '--threads', String(threads)]);
    const f = { events: lines(s.events), bytes: statSync(s.events).size };
    f.backtest2 = bt(2);
    if (!s.only) {
      f.backtest1 = bt(1);
      f.score = measure(cli, ['score', '--rules', rules, '--events', s.events, '--now', '1800000000000']);
      if (withDuck) f.duckdb2 = duckdb(s.events, s.outcomes, 2);
    }
    figures[s.name] = f;
  }
  heading('backtest at scale: synthetic journeys, release binary; wall s (CPU s) / peak resident MB (GNU time)');
  const cell = (m) => (m ? `${m.seconds.toFixed(1)} (${m.cpuSeconds.toFixed(1)}) / ${m.peakMB}` : '');
  console.log(['data', 'events', 'backtest 2 threads', 'backtest 1 thread', 'score (every core)', 'DuckDB SQL, 2 threads'].map((x, i) => (i ? x.padStart(21) : x.padEnd(24))).join(''));
  for (const [name, f] of Object.entries(figures)) {
    console.log([name.padEnd(24), String(f.events).padStart(21), ...[f.backtest2, f.backtest1, f.score, f.duckdb2].map((m) => cell(m).padStart(21))].join(''));
  }
  const t = figures['10 M events'];
  console.log(`10 M events backtested on 2 threads: ${t.backtest2.seconds.toFixed(1)} s (target < 10 s); `
    + `2 threads / 1 thread: ${(t.backtest2.seconds / t.backtest1.seconds).toFixed(2)}; backtest / score: ${(t.backtest2.seconds / t.score.seconds).toFixed(2)}`
    + (t.duckdb2 ? `; backtest / DuckDB: ${(t.backtest2.seconds / t.duckdb2.seconds).toFixed(2)}` : ''));
  return figures;
}
