// leadscore against what a developer would pick instead, on the demo site's rules and the
// same events (tests/bench/engines-impl.js says what each engine expresses and what is
// plain JS around it): json-rules-engine and json-logic-js, with a hand-written JS scorer
// as the floor, in Node and in Chromium. Then the transfer size, gzip and brotli, of
// leadscore's script tag beside posthog-js, @segment/analytics-next's standalone build and
// json-rules-engine, measured from the files each package installs. The packages are
// installed from npm at run time into target/bench/engines (not package.json).
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { compileRules, launch } from '../e2e/helpers.mjs';
import { serve } from '../../www/serve.mjs';
import { benchDir, heading, root, row } from './common.mjs';
import { measure } from './engines-impl.js';

const dir = join(benchDir, 'engines');
const PACKAGES = ['json-rules-engine@7', 'json-logic-js@2', 'posthog-js@1', '@segment/analytics-next@1'];
const TAG = join(root, 'target/site/leadscore');
const RULES = readFileSync(join(root, 'www/site/leadscore/rules.json'), 'utf8');
/** The same rules compiled, as the tag reads them. */
const COMPILED = compileRules(RULES).toString('base64');
const esbuild = join(root, 'node_modules/.bin/esbuild');
const IMPL = join(root, 'tests/bench/engines-impl.js');
/** The tag's interface to its wasm (the module api.js bundles). */
const CORE = join(root, 'www/tag/core.js');

export async function run() {
  install();
  if (!existsSync(join(TAG, 'leadscore_core_bg.wasm'))) execFileSync(process.execPath, [join(root, 'www/build.mjs'), '--no-playground'], { cwd: root, stdio: 'inherit' });
  const versions = Object.fromEntries(PACKAGES.map((p) => p.replace(/@\d+$/, '')).map((name) =>
    [name, JSON.parse(readFileSync(join(dir, 'node_modules', name, 'package.json'), 'utf8')).version]));

  const node = await inNode();
  const chromium = await inChromium();
  const sizes = transferSizes();

  for (const [where, r] of [['Node ' + process.version, node], ['Chromium', chromium]]) {
    heading(`engines in ${where}: the demo rules (28 rules), the same events; ms (median); per event = record + score`);
    const names = Object.keys(r.figures);
    console.log(`${'measure'.padEnd(34)}${names.map((n) => n.padStart(18)).join('')}`);
    const line = (label, key, digits = 4) => console.log(`${label.padEnd(34)}${names.map((n) =>
      (r.figures[n][key] == null ? '' : r.figures[n][key].toFixed(digits)).padStart(18)).join('')}`);
    line(`per event (${r.events} events)`, 'perEventMs');
    line('re-score 100 events, from the log', 'rescore100Ms', 3);
    line('re-score 1,000 events, from the log', 'rescore1000Ms', 3);
    line('re-score 100 events, as stored', 'stored100Ms');
    line('re-score 1,000 events, as stored', 'stored1000Ms');
    line('rules loading', 'loadMs', 3);
    console.log(`${'same score and band as leadscore'.padEnd(34)}${names.map((n) => (r.agree[n] ? 'yes' : 'NO').padStart(18)).join('')}`);
    const x = r.figures['json-rules-engine'].perEventMs / r.figures.leadscore.perEventMs;
    row('json-rules-engine / leadscore time per event', x.toFixed(1), '>= 10');
    r.ratioRulesEngine = x;
  }

  heading('transfer size of what a page loads first, from the installed files (bytes)');
  console.log(`${'what'.padEnd(58)}${'raw'.padStart(10)}${'gzip'.padStart(10)}${'brotli'.padStart(10)}`);
  for (const s of sizes) console.log(`${s.what.padEnd(58)}${String(s.raw).padStart(10)}${String(s.gzip).padStart(10)}${String(s.brotli).padStart(10)}`);
  return { versions, node, chromium, sizes };
}

/** The packages, from npm, once per version range. */
function install() {
  mkdirSync(dir, { recursive: true });
  const manifest = join(dir, 'package.json');
  const want = JSON.stringify({ name: 'leadscore-bench-engines', private: true, packages: PACKAGES });
  if (existsSync(manifest) && readFileSync(manifest, 'utf8').includes(JSON.stringify(PACKAGES))
    && PACKAGES.every((p) => existsSync(join(dir, 'node_modules', p.replace(/@\d+$/, ''))))) return;
  writeFileSync(manifest, want);
  execFileSync('npm', ['install', '--no-save', '--no-audit', '--no-fund', '--loglevel=error', ...PACKAGES], { cwd: dir, stdio: 'inherit' });
}

async function inNode() {
  const require = createRequire(join(dir, 'package.json'));
  const { Engine } = require('json-rules-engine');
  const jsonLogic = require('json-logic-js');
  const core = await import(pathToFileURL(CORE));
  const { memory } = core.initSync({ module: readFileSync(join(TAG, 'leadscore_core_bg.wasm')) });
  return measure({ rulesText: RULES, compiledBase64: COMPILED, Tracker: core.Tracker, memory, jsonLogic, Engine });
}

/** The same measure() bundled by esbuild with both engines and served with the tag's core. */
async function inChromium() {
  const www = join(dir, 'www');
  mkdirSync(www, { recursive: true });
  cpSync(CORE, join(www, 'core.js'));
  // core.js reads text with values.js's decoder.
  cpSync(join(root, 'www/tag/values.js'), join(www, 'values.js'));
  cpSync(join(TAG, 'leadscore_core_bg.wasm'), join(www, 'leadscore_core_bg.wasm'));
  writeFileSync(join(dir, 'entry.js'), `import { Engine } from 'json-rules-engine';
import jsonLogic from 'json-logic-js';
import { measure } from ${JSON.stringify(IMPL)};
window.runBench = async (rulesText, compiledBase64) => {
  const core = await import('./core.js');
  const { memory } = await core.default({ module_or_path: new URL('./leadscore_core_bg.wasm', import.meta.url) });
  return measure({ rulesText, compiledBase64, Tracker: core.Tracker, memory, jsonLogic, Engine });
};
`);
  execFileSync(esbuild, [join(dir, 'entry.js'), '--bundle', '--format=esm', '--platform=browser', '--log-level=error',
    '--external:./core.js', `--outfile=${join(www, 'bench.js')}`], { cwd: dir, stdio: 'inherit' });
  writeFileSync(join(www, 'index.html'), '<!doctype html><meta charset="utf-8"><title>engines</title><script type="module" src="bench.js"></script>');
  const { server, url } = await serve({ port: 0, root: www });
  const browser = await launch();
  try {
    const page = await browser.newPage();
    await page.goto(url + '/');
    await page.waitForFunction(() => typeof window.runBench === 'function');
    return await page.evaluate(([rules, compiled]) => window.runBench(rules, compiled), [RULES, COMPILED]);
  } finally {
    await browser.close();
    await new Promise((ok) => server.close(ok));
  }
}

function transferSizes() {
  const measureFiles = (what, files) => {
    const buf = Buffer.concat(files.map((f) => readFileSync(f)));
    // Per file, as served: each is compressed on its own.
    const per = files.map((f) => readFileSync(f));
    return {
      what, files: files.map((f) => f.replace(root + '/', '')), raw: buf.length,
      gzip: per.reduce((a, b) => a + gzipSync(b, { level: 9 }).length, 0),
      brotli: per.reduce((a, b) => a + brotliCompressSync(b, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length, 0),
    };
  };
  const nm = join(dir, 'node_modules');
  const bundle = (name, source) => {
    const entry = join(dir, `size-${name}.js`);
    writeFileSync(entry, source);
    const out = join(dir, `size-${name}.min.js`);
    execFileSync(esbuild, [entry, '--bundle', '--minify', '--format=esm', '--platform=browser', '--log-level=error', `--outfile=${out}`], { cwd: dir });
    return out;
  };
  const segment = join(nm, '@segment/analytics-next/dist/umd/standalone.js');
  return [
    measureFiles('leadscore script tag (leadscore.js + api.js + wasm)', ['leadscore.js', 'api.js', 'leadscore_core_bg.wasm'].map((f) => join(TAG, f))),
    measureFiles('posthog-js dist/array.js (the snippet\'s first load)', [join(nm, 'posthog-js/dist/array.js')]),
    measureFiles('@segment/analytics-next dist/umd/standalone.js', [segment]),
    measureFiles('json-rules-engine, minified bundle (esbuild)', [bundle('jre', "export { Engine } from 'json-rules-engine';\n")]),
    measureFiles('json-logic-js, minified bundle (esbuild)', [bundle('jl', "export { default } from 'json-logic-js';\n")]),
    measureFiles('json-rules-engine + the bench\'s plain-JS bookkeeping', [bundle('jre-scorer', `export { rulesEngineScorer } from ${JSON.stringify(IMPL)};\nexport { Engine } from 'json-rules-engine';\n`)]),
    measureFiles('hand-written scorer (plain JS, the bench\'s)', [bundle('plain', `export { plainScorer } from ${JSON.stringify(IMPL)};\n`)]),
  ];
}

