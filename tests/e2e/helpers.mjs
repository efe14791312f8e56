// Shared set-up for the browser tests: a real server on 127.0.0.1 serving the built site,
// Debian's Chromium through playwright-core, and the native `leadscore` binary to check
// that the browser's numbers equal the CLI's on the same events and `now`.
import { decodeState } from '../../www/tag/values.js';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { serve } from '../../www/serve.mjs';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const RULES_PATH = join(root, 'www/site/leadscore/rules.json');
export const RULES = readFileSync(RULES_PATH, 'utf8');

export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export function launch() {
  return chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: CHROMIUM_ARGS });
}

/** Starts a server on a free port; `requests` collects every path asked for. */
export async function site(handlers = {}) {
  const requests = [];
  const { server, url } = await serve({ port: 0, handlers, onRequest: (req) => requests.push(req.url) });
  return { url, requests, close: () => new Promise((ok) => server.close(ok)) };
}

/** A page that fails the test on any uncaught page error, and records console output. */
export async function open(context, url) {
  const page = await context.newPage();
  page.errors = [];
  page.logs = [];
  page.on('pageerror', (e) => page.errors.push(e.message));
  page.on('console', (m) => page.logs.push({ type: m.type(), text: m.text() }));
  if (url) await goto(page, url);
  return page;
}

/** Navigates and waits until the tag has replaced its queue stub with the API. */
export async function goto(page, url) {
  await page.goto(url);
  await page.waitForFunction(() => window.leadscore && !Array.isArray(window.leadscore), null, { timeout: 15000 });
}

let built = false;
function binary() {
  if (!built) {
    execFileSync('cargo', ['build', '--quiet', '--bin', 'leadscore'], { cwd: root, stdio: 'inherit' });
    built = true;
  }
  return join(root, 'target/debug/leadscore');
}

/** Rules compiled by `leadscore compile` (the tag reads only compiled rules), as bytes. */
export function compileRules(text) {
  return execFileSync(binary(), ['compile', '-', '-o', '-'], { input: text });
}

/** Compiled rules inline in a page: their base64 in a <script id="leadscore-rules">. */
/** Rules where every page view under /t/ and every `note` event counts (maxCount high
 * enough that compaction keeps them all): what the tab and journal tests count with. */
export function tabRules(version) {
  return JSON.stringify({
    version, pages: [{ category: 'tabs', match: ['/t/**'] }], events: { note: { props: ['n'] } },
    categories: { c: {} },
    rules: [
      { id: 'every-view', category: 'c', points: 1, maxCount: 250, when: { event: 'page_view', page: 'tabs' } },
      { id: 'every-note', category: 'c', points: 1, maxCount: 250, when: { event: 'note' } },
    ],
    bands: [{ name: 'all' }],
  });
}

export function inlineRules(text) {
  return `<script type="application/octet-stream" id="leadscore-rules">${compileRules(text).toString('base64')}</script>`;
}

/** `leadscore score` on these events (one visitor) as of `now`: the server's view. */
export function cliScore(events, now, rulesPath = RULES_PATH) {
  const dir = mkdtempSync(join(tmpdir(), 'leadscore-e2e-'));
  const file = join(dir, 'events.jsonl');
  writeFileSync(file, events.map((e) => JSON.stringify({ visitor: 'v1', ...e })).join('\n') + '\n');
  const out = execFileSync(binary(), ['score', '--rules', rulesPath, '--events', file, '--now', String(now)], { encoding: 'utf8' });
  const lines = out.trim().split('\n').filter(Boolean);
  if (lines.length === 0) return null;
  const { visitor, ...result } = JSON.parse(lines[0]);
  return result;
}

/** The live result and the stored events, read at one instant `now`. */
export function snapshot(page) {
  return page.evaluate(() => {
    const now = Date.now();
    return { now, result: window.leadscore.result(now), events: window.leadscore.events() };
  });
}

/** A minimal HTML page with the script tag (and optional extra head markup). */
export function tagPage({ attrs = 'data-rules="/leadscore/rules.lsc"', head = '', body = '' } = {}) {
  return (req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(`<!doctype html><html><head><meta charset="utf-8"><title>t</title>${head}
<script async src="/leadscore/leadscore.js" ${attrs}></script></head><body>${body}</body></html>`);
  };
}

/** What the tag stored under a key, read as a person debugging it would: `{ v, events,
 * ids }` from the binary state (version 2, base64) or from an older tag's `{"v":1,…}`
 * text; null when nothing is stored. */
export function readState(text) {
  if (text == null) return null;
  if (text.startsWith('{')) return JSON.parse(text);
  return decodeState(new Uint8Array(Buffer.from(text, 'base64')));
}

/** Every `leadscore…` key in the page's localStorage, states and journals decoded with
 * `readState` (what a check for data that must not be stored reads), other values as text. */
export async function storedStates(page) {
  const all = await page.evaluate(() => Object.entries(localStorage).filter(([k]) => k.startsWith('leadscore')));
  const state = (v) => { try { return readState(v); } catch { return v; } };
  return Object.fromEntries(all.map(([k, v]) => [k, /:consent$|:debug:/.test(k) ? v : state(v)]));
}
