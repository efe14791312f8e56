// The packed `leadscore` installed into throwaway Vite and esbuild projects (offline, with
// the bundlers already in this repository's node_modules), built, served on 127.0.0.1 and
// loaded in Chromium: the page scores a journey, and the result is the CLI's on the same
// events. For esbuild, the one line of the package README that copies the wasm is run as
// written, and the page is seen not to start without it.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { RULES, cliScore, compileRules, launch, open, root } from './helpers.mjs';
import { PKG, project } from './pkg.mjs';
import { serve } from '../../www/serve.mjs';

const MAIN = `import { start } from 'leadscore';
import rules from './rules.js';
start({ rules, storageKey: 'bundled' }).then((ls) => { window.ls = ls; }, (e) => { window.failed = String(e && e.message || e); });
`;
// The app ships the compiled rules (`leadscore compile`) as base64 in a module of its own.
const RULES_JS = `export default ${JSON.stringify(compileRules(RULES).toString('base64'))};\n`;
const HTML = (src) => `<!doctype html><html><head><meta charset="utf-8"><title>bundled</title></head>
<body><h1>A bundled app</h1><script type="module" src="${src}"></script></body></html>`;

let browser;
const servers = [];
before(async () => { browser = await launch(); });
after(async () => {
  await browser?.close();
  for (const s of servers) await new Promise((ok) => s.close(ok));
});

async function serveDir(dir) {
  const requests = [];
  const { server, url } = await serve({ port: 0, root: dir, onRequest: (req) => requests.push(req.url) });
  servers.push(server);
  return { url, requests };
}

/** Loads the app, waits for start(), records a journey, and returns what the page shows. */
async function journey(url) {
  const context = await browser.newContext();
  const page = await open(context);
  await page.goto(url);
  await page.waitForFunction(() => window.ls || window.failed, null, { timeout: 15000 });
  const failed = await page.evaluate(() => window.failed);
  if (failed) {
    await context.close();
    return { failed };
  }
  const shown = await page.evaluate(() => {
    const a = window.ls.identify({ seniority: 'vp', company_size: '51-200' });
    const b = window.ls.track('webinar_attended', { webinar_id: 'live-demo-3' });
    const now = Date.now();
    return { calls: [a, b], now, result: window.ls.result(now), events: window.ls.events() };
  });
  assert.deepEqual(page.errors, []);
  await context.close();
  return shown;
}

function checkJourney(shown) {
  assert.equal(shown.failed, undefined, shown.failed);
  assert.deepEqual(shown.calls, [{ ok: true }, { ok: true }]);
  // vp 20 + 51-200 15 + webinar 10 + live demo 8
  assert.equal(Math.round(shown.result.score), 53); // decayed by the milliseconds between the calls
  assert.equal(shown.result.band, 'warm');
  assert.deepEqual(shown.result, cliScore(shown.events, shown.now));
}

describe('bundlers', () => {
  it('Vite: npm install, vite build, and the page scores as the CLI does', async () => {
    const dir = project({ 'index.html': HTML('/main.js'), 'main.js': MAIN, 'rules.js': RULES_JS });
    execFileSync(process.execPath, [join(root, 'node_modules/vite/bin/vite.js'), 'build', '--logLevel', 'error'], { cwd: dir, stdio: 'pipe' });
    const out = join(dir, 'dist');
    // Vite emitted the engine's wasm with the bundle, byte for byte, and the debug panel's
    // build of it beside (fetched only with ?leadscore_debug=1).
    const wasm = readdirSync(join(out, 'assets')).filter((f) => f.endsWith('.wasm'));
    const emitted = (name) => wasm.filter((f) => readFileSync(join(out, 'assets', f)).equals(readFileSync(join(PKG, 'dist', name))));
    assert.equal(wasm.length, 2, readdirSync(join(out, 'assets')).join(' '));
    assert.equal(emitted('leadscore_core_bg.wasm').length, 1);
    assert.equal(emitted('leadscore_debug_bg.wasm').length, 1);
    const { url, requests } = await serveDir(out);
    checkJourney(await journey(url + '/'));
    const fetched = requests.filter((r) => /\.wasm(\?|$)/.test(r)).map((r) => r.split('?')[0].split('/').pop());
    assert.deepEqual(fetched, emitted('leadscore_core_bg.wasm'), 'a visitor fetches only the engine');
  });

  it('esbuild: the README line (bundle, then copy the wasm beside it) works, and is needed', async () => {
    const readme = readFileSync(join(PKG, 'README.md'), 'utf8');
    const line = [...readme.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1].trim()).find((b) => b.startsWith('esbuild '));
    assert.ok(line, 'the README has the esbuild line');
    const dir = project({ 'public/index.html': HTML('/js/app.js'), 'app.js': MAIN, 'rules.js': RULES_JS });
    const env = { ...process.env, PATH: `${join(root, 'node_modules/.bin')}:${process.env.PATH}` };
    const bundleOnly = line.split(' && ')[0];
    execFileSync('sh', ['-c', bundleOnly], { cwd: dir, env, stdio: 'pipe' });
    const { url } = await serveDir(join(dir, 'public'));
    // Without the copy, esbuild left new URL('leadscore_core_bg.wasm', import.meta.url) pointing nowhere.
    const without = await journey(url + '/');
    assert.ok(without.failed, 'the page cannot start without the wasm');
    rmSync(join(dir, 'public/js'), { recursive: true });
    execFileSync('sh', ['-c', line], { cwd: dir, env, stdio: 'pipe' });
    assert.ok(existsSync(join(dir, 'public/js/leadscore_core_bg.wasm')));
    assert.ok(existsSync(join(dir, 'public/js/leadscore_debug_bg.wasm')));
    checkJourney(await journey(url + '/'));
  });
});
