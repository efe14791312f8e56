// Scale: the same synthetic events (10 million by default; LEADSCORE_SCALE_EVENTS=N for
// another size) scored by the command line, the Python package on a pyarrow.Table, DuckDB →
// leadscore and Spark local mode on 2 cores, side by side in one run (tests/bench/scale.py,
// in target/venv, where .ci/setup.sh installed the wheel). Per-core throughput is events
// per CPU-second of the process (Spark: of its JVM and Python workers as well), since wall
// time on a shared machine is not work; both are printed.
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { benchDir, heading, root, row } from './common.mjs';

export async function run() {
  execFileSync('cargo', ['build', '--release', '--quiet', '--bin', 'leadscore'], { cwd: root, stdio: 'inherit' });
  mkdirSync(benchDir, { recursive: true });
  const wanted = Number(process.env.LEADSCORE_SCALE_EVENTS || 10_000_000);
  const out = execFileSync(join(root, 'target/venv/bin/python'), [
    join(root, 'tests/bench/scale.py'), join(root, 'target/release/leadscore'),
    join(root, 'www/site/leadscore/rules.json'), benchDir, String(wanted),
  ], { stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 26, env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' } });
  const f = JSON.parse(out.toString().trim().split('\n').pop());
  const perCore = (p) => Math.round((p.events || f.events) / p.cpu);
  const cli = perCore(f.cli);
  heading(`scale: ${f.events.toLocaleString('en')} synthetic events, ${f.visitors.toLocaleString('en')} visitors, one run`);
  const line = (label, p, extra = '') => row(label,
    `${p.wall.toFixed(1)} s wall, ${p.cpu.toFixed(1)} CPU-s, ${(perCore(p) / 1e6).toFixed(2)} M events/s/core` +
    `, ${(perCore(p) / cli).toFixed(2)} × CLI${p.same === undefined ? '' : p.same ? ', same scores' : ', SCORES DIFFER'}${extra}`);
  line('leadscore score (JSON lines, 1 thread)', f.cli);
  line('Python package, pyarrow.Table in memory', f.pyarrow);
  line('DuckDB read_parquet → leadscore → SQL', f.duckdb);
  line('Spark local[2], mapInArrow per partition', f.spark, `; + ${f.spark.start.toFixed(1)} s to start Spark`);
  line(`Spark local[2], applyInArrow per visitor (${f.spark.group.events.toLocaleString('en')} events)`, f.spark.group);
  row('Arrow path per core / CLI per core', (perCore(f.pyarrow) / cli).toFixed(2), '>= 0.8');
  return { ...f, perCore: { cli, pyarrow: perCore(f.pyarrow), duckdb: perCore(f.duckdb), spark: perCore(f.spark), sparkGroup: perCore(f.spark.group) } };
}
