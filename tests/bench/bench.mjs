// `npm run bench`: every speed and size figure, measured side by side in one run, printed
// as tables and written to target/bench/results.json. Each section is a module in this
// folder exporting `run()`, which prints its table and returns its figures as data.
// `npm run bench -- tag backtest` runs only the sections named.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { benchDir } from './common.mjs';

const SECTIONS = ['core', 'tag', 'backtest', 'history', 'server', 'engines', 'scale'];

const wanted = process.argv.slice(2);
const unknown = wanted.filter((name) => !SECTIONS.includes(name));
if (unknown.length) {
  console.error(`bench: unknown section ${unknown.join(', ')}; sections: ${SECTIONS.join(', ')}`);
  process.exit(2);
}
const results = {};
for (const name of SECTIONS) {
  if (wanted.length && !wanted.includes(name)) continue;
  const section = await import(`./${name}.mjs`);
  results[name] = await section.run();
}
mkdirSync(benchDir, { recursive: true });
writeFileSync(join(benchDir, 'results.json'), JSON.stringify(results, null, 2) + '\n');
console.log('\nwrote target/bench/results.json');
