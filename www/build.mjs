// Builds everything the site, the playground and the tests serve, into target/site:
//   the core as wasm (cargo --profile wasm → wasm-bindgen, the playground's only → wasm-opt -Oz), the tag's
//   JavaScript, the demo site (with the rules format reference, its field tables generated
//   from the JSON Schema), the playground (Vite), and the npm package in target/pkg.
// Prints the size of every shipped file, raw and gzip, on every build.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createHash } from 'node:crypto';
import { brotliCompressSync, constants as zlib, gzipSync } from 'node:zlib';
import binaryen from 'binaryen';
import { zeroDeadData } from './dead-data.mjs';
import { renderReference } from './reference.mjs';
import { packNpm } from './package.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'target/site');
const run = (cmd, args, opts = {}) => execFileSync(cmd, args, { cwd: root, stdio: 'inherit', ...opts });

export function build({ playground = true } = {}) {
  const pkg = join(out, 'leadscore');
  rmSync(out, { recursive: true, force: true });
  mkdirSync(pkg, { recursive: true });
  // The site tag's core: no std, no formatting, results as numbers (crate src/tag), and
  // its own small interface (src/tag/abi.rs, www/tag/core.js): no wasm-bindgen.
  wasm({ name: 'leadscore_core', crate: 'leadscore-tag', pkg, trapPanics: true, bindgen: false });
  // The same with the debug panel's `why_not` (feature `debug`), which the loader fetches
  // instead only with ?leadscore_debug=1: no visitor downloads what only the panel calls.
  // Its own target dir, so neither build replaces the other's output each time.
  wasm({ name: 'leadscore_debug', crate: 'leadscore-tag', pkg, trapPanics: true, bindgen: false, targetDir: 'target/wasm-debug', features: ['debug'] });
  // The playground's (crate src/playground): the same engine with std, Scorer, History and
  // the server API, panic messages. Its own target dir, so the engine built with std does
  // not replace the tag's no_std one each time.
  if (playground) wasm({ name: 'leadscore_playground', crate: 'leadscore-playground', pkg, targetDir: 'target/wasm-playground' });

  // The demo site, then the tag beside the wasm: the loader as written, the API with its
  // collectors and the wasm's interface (www/tag/core.js) as one minified module (one
  // request, a smaller gzip).
  cpSync(join(root, 'www/site'), out, { recursive: true });
  const esbuild = join(root, 'node_modules/.bin/esbuild');
  const bundle = (entry, outfile, extra = []) => run(esbuild, [entry, '--bundle', '--format=esm', '--minify',
    '--target=es2020', '--log-level=warning', `--outfile=${outfile}`, ...extra]);
  const tagSrc = join(root, 'www/tag');
  // The files the loader names carry their content hash in a query (`?v=…`): served with
  // a year's max-age (www/serve.mjs), and a new build is a new URL.
  const named = { API: 'api.js', WASM: 'leadscore_core_bg.wasm', DEBUG: 'leadscore_debug_bg.wasm' };
  const version = (f) => `--define:LEADSCORE_V_${f}="?v=${hashOf(join(pkg, named[f]))}"`;
  // The debug panel and the hand-off stay their own files, fetched only by pages that need
  // them: bundled in, esbuild would ship them to every visitor.
  // Every function of the API runs as the tag starts: the compile hint has Chromium (136+)
  // compile them all as the file streams in, off the main thread, instead of each on its
  // first call on it (wasm ready → first result, throttled first view: 13.2 → 9.4 ms in one
  // side-by-side run of 16 visitors each; README, "Script tag").
  bundle(join(tagSrc, 'api.js'), join(pkg, 'api.js'), ['--external:./debug.js', '--external:./handoff.js', version('WASM'), version('DEBUG'),
    '--banner:js=//# allFunctionsCalledOnLoad']);
  bundle(join(tagSrc, 'debug.js'), join(pkg, 'debug.js'));
  bundle(join(tagSrc, 'handoff.js'), join(pkg, 'handoff.js'));
  run(esbuild, ['www/tag/leadscore.js', '--minify', '--target=es2017', '--log-level=warning', version('WASM'), version('DEBUG'), version('API'),
    `--outfile=${join(pkg, 'leadscore.js')}`]);

  if (playground && existsSync(join(root, 'www/playground/index.html'))) {
    run(join(root, 'node_modules/.bin/vite'), ['build', '--config', 'www/playground/vite.config.js', '--logLevel', 'warn']);
  }
  // The rules format's JSON Schema, from the Rust validator's tables, for editors.
  run('cargo', ['build', '--quiet', '--release', '--bin', 'leadscore']);
  const schema = execFileSync(join(root, 'target/release/leadscore'), ['schema'], { encoding: 'utf8' });
  // The History view's sample: synthetic journeys of the demo site and their outcomes.
  if (playground) {
    const samples = join(out, 'playground/samples');
    mkdirSync(samples, { recursive: true });
    execFileSync(join(root, 'target/release/leadscore'), ['synth', '--visitors', '3000', '--seed', '1',
      '--events', join(samples, 'events.jsonl'), '--outcomes', join(samples, 'outcomes.csv')], { stdio: 'ignore' });
  }
  writeFileSync(join(pkg, 'rules.schema.json'), schema);
  // What the tag reads: the demo site's rules, compiled (and so validated) here.
  run(join(root, 'target/release/leadscore'), ['compile', 'www/site/leadscore/rules.json', '-o', join(pkg, 'rules.lsc')],
    { stdio: ['ignore', 'ignore', 'inherit'] });
  // The format reference: the page's prose with field tables generated from that schema.
  const reference = join(out, 'docs/rules-format/index.html');
  writeFileSync(reference, renderReference(readFileSync(reference, 'utf8'), JSON.parse(schema)));
  packNpm(pkg);
  return sizes(pkg);
}

function wasm({ name, crate, pkg, targetDir = 'target', trapPanics = false, bindgen = true, features = [] }) {
  run('cargo', ['build', '-p', crate, '--target', 'wasm32-unknown-unknown', '--profile', 'wasm', '--target-dir', targetDir,
    ...(features.length ? ['--features', features.join(',')] : [])]);
  // The crate's lib name (leadscore_tag, leadscore_playground); wasm-bindgen names the output.
  const input = join(root, targetDir, `wasm32-unknown-unknown/wasm/${crate.replaceAll('-', '_')}.wasm`);
  const bg = join(pkg, `${name}_bg.wasm`);
  // The tag's wasm is used as cargo built it (its interface is hand-written); the name
  // stays the one the npm package exports and the loader fetches.
  if (bindgen) run('wasm-bindgen', ['--target', 'web', '--out-name', name, '--out-dir', pkg, input]);
  else cpSync(input, bg);
  if (trapPanics) trapPanicPaths(bg);
  // No name, producers or target-features sections: nothing in a browser reads them.
  run(join(root, 'node_modules/.bin/wasm-opt'), ['-Oz', '--strip-debug', '--strip-producers', '--strip-target-features',
    '--enable-bulk-memory', '--enable-nontrapping-float-to-int',
    '--enable-sign-ext', '--enable-mutable-globals', '--enable-reference-types', '--enable-multivalue',
    bg, '-o', bg]);
  if (trapPanics) zeroDeadData(bg);
}

// The standard library's panic paths are precompiled: they format their message (an index,
// a length) and call the panic handler, which in the tag only traps (src/tag/lib.rs). The
// formatting functions they pass by pointer stay alive in the function table although
// nothing calls them. So the panic paths get a body of `unreachable` (the trap they would
// reach anyway), and so do those formatting functions once we have checked that no other
// code refers to them; wasm-opt then drops them with every call site's set-up (2.1 KB gzip).
const DIVERGING = /::panicking::|slice_index_fail|len_mismatch_fail|::expect_failed|::unwrap_failed|::assert_failed|panic_already|::raw_vec::handle_error|::capacity_overflow|::handle_alloc_error/;
const FORMATTING = /::fmt::Formatter>::pad|as core\[\w+\]::fmt::Display>::fmt$/;

function trapPanicPaths(file) {
  const m = binaryen.readBinary(readFileSync(file));
  // The features the browsers we support have, as wasm-opt is told below; not `All`,
  // which would write newer encodings than Chromium reads.
  const F = binaryen.Features;
  m.setFeatures(F.MVP | F.BulkMemory | F.NontrappingFPToInt | F.SignExt | F.MutableGlobals | F.ReferenceTypes | F.Multivalue);
  const funcs = [];
  for (let i = 0; i < m.getNumFunctions(); i++) funcs.push(binaryen.getFunctionInfo(m.getFunctionByIndex(i)));
  const trap = funcs.filter((f) => f.body && (DIVERGING.test(f.name) || FORMATTING.test(f.name)));
  const fmt = trap.filter((f) => FORMATTING.test(f.name)).map((f) => f.name);
  // format! reaches Display through `fmt::write` and pointers, invisible in the code below.
  const writer = funcs.find((f) => /::fmt::(write|format)\b/.test(f.name));
  if (writer) throw new Error(`the tag's wasm formats text (${writer.name} is linked): find the format! that reached it`);
  // Events and stored state reach the tag's core as typed values (src/core/state/codec.rs): the
  // JSON reader must not come back into every visitor's download.
  const reader = funcs.find((f) => /leadscore::json::(Parser|parse|read|number::parse)\b/.test(f.name));
  if (reader) throw new Error(`the tag's wasm reads JSON (${reader.name} is linked): events and state cross as typed values`);
  for (const f of funcs) {
    if (!f.body || trap.includes(f)) continue;
    const text = binaryen.emitText(f.body);
    const used = fmt.find((name) => text.includes(name));
    // Some code really formats text; trapping Display would break it, so stop here.
    if (used) throw new Error(`the tag's wasm formats text: ${f.name} uses ${used} (a format! or to_string?)`);
  }
  for (const f of trap) {
    m.removeFunction(f.name);
    m.addFunction(f.name, f.params, f.results, [], m.unreachable());
  }
  // The linker's exports of where the data and the heap start: nothing reads them (the
  // allocator grows memory itself, src/wasm/heap.rs); wasm-bindgen used to drop them.
  for (const e of ['__data_end', '__heap_base']) if (m.getExport(e)) m.removeExport(e);
  writeFileSync(file, m.emitBinary());
  m.dispose();
}

/** A file's content hash, for its URL's query. */
function hashOf(file) {
  return createHash('sha256').update(readFileSync(file)).digest('hex').slice(0, 12);
}

/** The files a page with the script tag loads: the loader, the API bundle, the wasm and the
 * compiled demo rules. */
export const TAG_FILES = ['leadscore.js', 'api.js', 'leadscore_core_bg.wasm', 'rules.lsc'];

export const brotli = (buf) => brotliCompressSync(buf, { params: { [zlib.BROTLI_PARAM_QUALITY]: 11 } }).length;

export function sizes(dir = join(out, 'leadscore')) {
  const rows = [];
  for (const f of readdirSync(dir).sort()) {
    const p = join(dir, f);
    if (!statSync(p).isFile() || !/\.(js|wasm|lsc)$/.test(f)) continue;
    const buf = readFileSync(p);
    const role = TAG_FILES.includes(f) ? 'tag' : f === 'debug.js' || f === 'handoff.js' || f === 'leadscore_debug_bg.wasm' ? 'on demand' : 'playground/npm';
    rows.push({ file: relative(out, p), role, bytes: buf.length, gzip: gzipSync(buf, { level: 9 }).length, brotli: brotli(buf) });
  }
  const tag = rows.filter((r) => r.role === 'tag');
  const sum = (k) => tag.reduce((a, r) => a + r[k], 0);
  rows.push({ file: 'script-tag total', role: 'tag', bytes: sum('bytes'), gzip: sum('gzip'), brotli: sum('brotli') });
  return rows;
}

export function printSizes(rows) {
  const w = Math.max(...rows.map((r) => r.file.length), 4);
  const n = (x) => String(x ?? '').padStart(8);
  console.log(`\n${'file'.padEnd(w)}  ${'loaded by'.padEnd(14)}  ${n('bytes')}  ${n('gzip')}  ${n('brotli')}`);
  for (const r of rows) console.log(`${r.file.padEnd(w)}  ${r.role.padEnd(14)}  ${n(r.bytes)}  ${n(r.gzip)}  ${n(r.brotli)}`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  printSizes(build({ playground: !process.argv.includes('--no-playground') }));
}
