// `npm run size`: what the script tag costs a visitor. Prints raw / gzip / brotli for each
// shipped file of the built site (target/site/leadscore, as `npm run build` left it), then
// opens every demo page once in headless Chromium with a cold cache and sums the tag's files
// that page view really loaded (so a file loaded only on some pages counts only there).
// Exits 1 when any page's script-tag total is over the ceiling (gzip), and says how far it
// is from the budget.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { chromium } from 'playwright-core';
import { brotli, printSizes, sizes } from './build.mjs';
import { serve } from './serve.mjs';

/** The budget of issue 14: script-tag bytes on a first page view, gzip. Not met yet
 * (README, "Not yet"). */
export const BUDGET_GZIP = 36 * 1024;
/** What CI enforces until the budget is met: today's largest page (54.8 KB gzip, a page
 * with a form) plus a little, so the tag can only shrink. Lower it as the tag shrinks. */
export const CEILING_GZIP = 55 * 1024;

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const site = join(root, 'target/site');
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** The demo site's pages: every index.html outside the playground and the tag's folder. */
function pages(dir = site) {
  const out = [];
  for (const f of readdirSync(dir)) {
    const p = join(dir, f);
    if (statSync(p).isDirectory()) {
      if (!['playground', 'leadscore'].includes(f)) out.push(...pages(p));
    } else if (f === 'index.html' && readFileSync(p, 'utf8').includes('/leadscore/leadscore.js')) {
      const at = relative(site, dirname(p)).split('\\').join('/');
      out.push(at ? `/${at}/` : '/');
    }
  }
  return out.sort();
}

const packed = new Map();
function packedSize(file) {
  if (!packed.has(file)) {
    const buf = readFileSync(file);
    packed.set(file, { bytes: buf.length, gzip: gzipSync(buf, { level: 9 }).length, brotli: brotli(buf) });
  }
  return packed.get(file);
}

/** The tag's files each page's first view loads, and their sums. */
export async function pageTotals() {
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: CHROMIUM_ARGS });
  const { server, url } = await serve({ port: 0 });
  const rows = [];
  try {
    for (const path of pages()) {
      const context = await browser.newContext();
      const page = await context.newPage();
      const files = new Set();
      page.on('request', (r) => {
        const u = new URL(r.url());
        if (u.origin === url && u.pathname.startsWith('/leadscore/')) files.add(u.pathname);
      });
      await page.goto(url + path);
      await page.waitForFunction(() => window.leadscore && !Array.isArray(window.leadscore), null, { timeout: 30000 });
      // Modules the tag loads once it runs (a hand-off for a page's form, say).
      await page.waitForLoadState('networkidle');
      await context.close();
      const sum = { page: path, files: [...files].sort(), bytes: 0, gzip: 0, brotli: 0 };
      for (const f of files) {
        const s = packedSize(join(site, f));
        sum.bytes += s.bytes;
        sum.gzip += s.gzip;
        sum.brotli += s.brotli;
      }
      rows.push(sum);
    }
  } finally {
    await browser.close();
    server.close();
  }
  return rows;
}

async function main() {
  if (!existsSync(join(site, 'leadscore/leadscore.js'))) {
    console.error('target/site is missing: run `npm run build` first.');
    return 2;
  }
  printSizes(sizes());
  const rows = await pageTotals();
  const w = Math.max(...rows.map((r) => r.page.length));
  console.log(`\nscript tag on a first page view (files loaded: ${[...new Set(rows.flatMap((r) => r.files))].map((f) => f.replace('/leadscore/', '')).join(', ')})`);
  console.log(`${'page'.padEnd(w)}  ${'files'.padStart(5)}  ${'bytes'.padStart(8)}  ${'gzip'.padStart(8)}  ${'brotli'.padStart(8)}`);
  for (const r of rows) {
    console.log(`${r.page.padEnd(w)}  ${String(r.files.length).padStart(5)}  ${String(r.bytes).padStart(8)}  ${String(r.gzip).padStart(8)}  ${String(r.brotli).padStart(8)}`);
  }
  const worst = rows.reduce((a, r) => (r.gzip > a.gzip ? r : a), rows[0]);
  const kb = (n) => (n / 1024).toFixed(1);
  const verdict = (limit) => (worst.gzip <= limit ? 'within' : 'OVER');
  console.log(`\nlargest: ${worst.page} ${kb(worst.gzip)} KB gzip (${kb(worst.brotli)} KB brotli): ${verdict(BUDGET_GZIP)} the budget of ${kb(BUDGET_GZIP)} KB gzip, ${verdict(CEILING_GZIP)} the ceiling of ${kb(CEILING_GZIP)} KB gzip that CI enforces`);
  return worst.gzip <= CEILING_GZIP ? 0 : 1;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) process.exit(await main());
