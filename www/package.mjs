// The npm package `leadscore`, built into target/pkg from what www/build.mjs made in
// target/site/leadscore and the manifest, README, LICENSE and types in pkg-template/:
//   dist/     the browser: the script tag's files (leadscore.js loader, api.js, debug.js,
//             the tag's wasm) and api.d.ts; api.js is also the ES module `leadscore`
//   server/   `leadscore/server` for Node: index.js + types and the playground's wasm
//             (it has std and the ServerRules export, src/playground/server.rs)
//   rules.schema.json
// Every file is named here: a file the build stops making fails the build, and nothing
// else is shipped (tests/e2e/package.test.mjs holds `npm pack` to the same list).
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
export const PKG_DIR = join(root, 'target/pkg');

/** [where in the package, where it comes from: `site:` the built tag dir, else pkg-template/]. */
const FILES = [
  ['package.json', 'package.json'],
  ['README.md', 'README.md'],
  ['LICENSE', 'LICENSE'],
  ['rules.schema.json', 'site:rules.schema.json'],
  ['dist/leadscore.js', 'site:leadscore.js'],
  ['dist/api.js', 'site:api.js'],
  ['dist/debug.js', 'site:debug.js'],
  ['dist/handoff.js', 'site:handoff.js'],
  ['dist/leadscore_core_bg.wasm', 'site:leadscore_core_bg.wasm'],
  ['dist/leadscore_debug_bg.wasm', 'site:leadscore_debug_bg.wasm'],
  ['dist/api.d.ts', 'api.d.ts'],
  ['server/index.js', 'server.js'],
  ['server/index.d.ts', 'server.d.ts'],
  ['server/leadscore_playground.js', 'site:leadscore_playground.js'],
  ['server/leadscore_playground_bg.wasm', 'site:leadscore_playground_bg.wasm'],
];

/** The package's files, sorted as `npm pack` lists them. */
export const PACKAGE_FILES = FILES.map(([to]) => to).sort();

/** Builds target/pkg from `site` (target/site/leadscore). Needs the playground's wasm
 * (the server's core): without it (`build.mjs --no-playground`, the tag's bench) the
 * package is left as it was. */
export function packNpm(site) {
  if (!existsSync(join(site, 'leadscore_playground_bg.wasm'))) {
    console.warn('npm package (target/pkg) not rebuilt: it needs the playground wasm (build without --no-playground)');
    return null;
  }
  rmSync(PKG_DIR, { recursive: true, force: true });
  for (const [to, from] of FILES) {
    const src = from.startsWith('site:') ? join(site, from.slice(5)) : join(root, 'pkg-template', from);
    if (!existsSync(src)) throw new Error(`npm package: ${to} comes from ${src}, which the build did not make`);
    mkdirSync(dirname(join(PKG_DIR, to)), { recursive: true });
    cpSync(src, join(PKG_DIR, to));
  }
  const version = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version;
  const manifest = join(PKG_DIR, 'package.json');
  const meta = JSON.parse(readFileSync(manifest, 'utf8'));
  writeFileSync(manifest, JSON.stringify({ name: meta.name, version, ...meta }, null, 2) + '\n');
  return PKG_DIR;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  console.log(packNpm(join(root, 'target/site/leadscore')) ?? 'not built');
}
