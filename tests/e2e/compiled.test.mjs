// Compiled rules and loading, in headless Chromium: every kind of bad rules file makes the
// tag inert with one console error naming its code while the page keeps working; the
// loader asks for the API, the wasm and the rules at once; a second page view takes the
// tag's files from the cache (the HTML is asked for again) and scores as the CLI does.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { cliScore, compileRules, launch, open, RULES, site, snapshot, tagPage } from './helpers.mjs';

const GOOD = compileRules(RULES);
const HEADER = 14;

/** The bytes with a payload changed and its header's length and checksum made to match. */
function reframed(payload) {
  const crc = (b) => {
    let c = ~0;
    for (const x of b) {
      c ^= x;
      for (let k = 0; k < 8; k++) c = (c >>> 1) ^ (0xedb88320 & -(c & 1));
    }
    return ~c >>> 0;
  };
  const out = Buffer.alloc(HEADER + payload.length);
  GOOD.copy(out, 0, 0, 6);
  out.writeUInt32LE(payload.length, 6);
  out.writeUInt32LE(crc(payload), 10);
  Buffer.from(payload).copy(out, HEADER);
  return out;
}

const flipped = Buffer.from(GOOD);
flipped[HEADER + 20] ^= 0x40;
const later = Buffer.from(GOOD);
later.writeUInt16LE(2, 4);
const badIndex = Buffer.from(GOOD.subarray(HEADER));
badIndex.fill(0x7f, 0, 1); // the version string's length runs past the end

/** Each bad file, served as rules.lsc would be, and the code the console must name. */
const BAD = {
  'not-compiled': [Buffer.from(RULES), 'not_compiled'],
  'html-page': [Buffer.from('<!doctype html><title>Sign in</title><h1>Please sign in</h1>'), 'not_compiled'],
  truncated: [GOOD.subarray(0, GOOD.length - 100), 'truncated'],
  'wrong-version': [later, 'format_version'],
  corrupt: [flipped, 'corrupt'],
  'bad-contents': [reframed(badIndex), 'bad_contents'],
};

let browser;
let web;
before(async () => {
  browser = await launch();
  const handlers = {
    '/t/gone': tagPage({ attrs: 'data-rules="/t/nothing-here.lsc"', body: '<button id="b" onclick="this.textContent=\'clicked\'">go</button>' }),
  };
  for (const [name, [bytes]] of Object.entries(BAD)) {
    handlers[`/t/${name}`] = tagPage({ attrs: `data-rules="/t/${name}.lsc"`, body: '<button id="b" onclick="this.textContent=\'clicked\'">go</button>' });
    handlers[`/t/${name}.lsc`] = (req, res) => {
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      res.end(bytes);
    };
  }
  web = await site(handlers);
});
after(async () => {
  await browser?.close();
  await web?.close();
});

describe('a bad rules file', () => {
  for (const [name, [, code]] of [...Object.entries(BAD), ['gone', [null, 'rules_unavailable']]]) {
    it(`${name}: one console error naming ${code}; the tag is inert and the page works`, async () => {
      const context = await browser.newContext();
      const page = await open(context, `${web.url}/t/${name}`);
      const errors = page.logs.filter((l) => l.type === 'error' && !/Failed to load resource/.test(l.text));
      assert.equal(errors.length, 1, JSON.stringify(page.logs));
      assert.match(errors[0].text, new RegExp(`^leadscore: stopped \\[${code}\\].*The page is unaffected\\.$`));
      assert.equal(await page.evaluate(() => leadscore.inert), true);
      assert.equal((await page.evaluate(() => leadscore.track('webinar_attended', { webinar_id: 'w' }))).error.code, 'inert');
      assert.equal(await page.evaluate(() => leadscore.result()), null);
      await page.click('#b');
      assert.equal(await page.textContent('#b'), 'clicked');
      assert.deepEqual(page.errors, []);
      await context.close();
    });
  }
});

describe('loading', () => {
  it('a missing wasm: one console error naming wasm_unavailable; the page works', async () => {
    const context = await browser.newContext();
    const page = await open(context);
    await page.route('**/leadscore_core_bg.wasm*', (route) => route.fulfill({ status: 404, body: 'gone' }));
    await page.goto(`${web.url}/pricing`);
    await page.waitForFunction(() => window.leadscore && !Array.isArray(window.leadscore));
    const errors = page.logs.filter((l) => l.type === 'error' && !/Failed to load resource/.test(l.text));
    assert.equal(errors.length, 1, JSON.stringify(page.logs));
    assert.match(errors[0].text, /^leadscore: stopped \[wasm_unavailable\]/);
    assert.equal(await page.evaluate(() => leadscore.inert), true);
    assert.deepEqual(page.errors, []);
    await context.close();
  });

  it('asks for the wasm and the rules without waiting for the API module', async () => {
    const held = 400;
    const context = await browser.newContext();
    const page = await context.newPage();
    const seen = [];
    page.on('request', (r) => seen.push({ url: new URL(r.url()).pathname, at: Date.now() }));
    // The API module held back: the wasm and the rules must not wait for it.
    await page.route('**/leadscore/api.js*', (route) => setTimeout(() => route.continue(), held));
    await page.goto(`${web.url}/pricing`);
    await page.waitForFunction(() => window.leadscore && !Array.isArray(window.leadscore) && window.leadscore.result());
    const first = (suffix) => seen.find((s) => s.url.endsWith(suffix));
    const api = first('/api.js');
    for (const f of ['/leadscore_core_bg.wasm', '/rules.lsc']) {
      assert.ok(first(f), `${f} requested`);
      assert.ok(first(f).at - api.at < held / 2, `${f} asked for ${first(f).at - api.at} ms after api.js (held ${held} ms)`);
    }
    await context.close();
  });

  it('a second page view takes the tag from the cache, asks again for the HTML, and scores as the CLI', async () => {
    const context = await browser.newContext();
    const page = await open(context, `${web.url}/pricing`);
    web.requests.length = 0;
    await page.goto(`${web.url}/integrations/slack`);
    await page.waitForFunction(() => window.leadscore && !Array.isArray(window.leadscore));
    const asked = web.requests.map((p) => p.split('?')[0]);
    assert.ok(asked.includes('/integrations/slack'), 'the page itself is asked for');
    for (const f of ['leadscore.js', 'api.js', 'leadscore_core_bg.wasm', 'rules.lsc']) {
      assert.ok(!asked.includes(`/leadscore/${f}`), `${f} came from the cache (${asked.join(', ')})`);
    }
    const { now, result, events } = await snapshot(page);
    assert.equal(events.filter((e) => e.type === 'page_view').length, 2);
    assert.deepEqual(result, cliScore(events, now));
    assert.deepEqual(page.errors, []);
    await context.close();
  });

  it('answers a revalidation with 304, and names hashed files immutable', async () => {
    const loader = await fetch(`${web.url}/leadscore/leadscore.js`);
    const text = await loader.text();
    assert.match(loader.headers.get('cache-control'), /max-age=300/);
    const again = await fetch(`${web.url}/leadscore/leadscore.js`, { headers: { 'if-none-match': loader.headers.get('etag') } });
    assert.equal(again.status, 304);
    const [, apiQuery] = text.match(/api\.js(\?v=[0-9a-f]+)/);
    const api = await fetch(`${web.url}/leadscore/api.js${apiQuery}`);
    assert.match(api.headers.get('cache-control'), /immutable/);
    const html = await fetch(`${web.url}/pricing`);
    assert.equal(html.headers.get('cache-control'), 'no-cache');
  });
});

describe('the built tag', () => {
  it("ships no source paths, panic texts, digit table, producers or target features in its wasm", async () => {
    const { readFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { root } = await import('./helpers.mjs');
    const wasm = readFileSync(join(root, 'target/site/leadscore/leadscore_core_bg.wasm')).toString('latin1');
    const digits = Array.from({ length: 100 }, (_, i) => String(i).padStart(2, '0')).join('');
    for (const dead of ['/rustc/', 'src/tag/tracker.rs', '.cargo/registry', 'index out of bounds', digits, 'producers', 'target_features']) {
      assert.ok(!wasm.includes(dead), `the wasm holds ${dead.slice(0, 30)}`);
    }
  });

  it('asks the browser to compile the API as it streams in: its first line is the compile hint', async () => {
    const { readFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { root } = await import('./helpers.mjs');
    // Chromium reads the hint only as a comment of its own, before the code it applies to.
    const api = readFileSync(join(root, 'target/site/leadscore/api.js'), 'utf8');
    assert.equal(api.split('\n')[0], '//# allFunctionsCalledOnLoad');
  });
});

describe("the playground's Ship buttons", () => {
  it('Download rules.lsc gives the bytes `leadscore compile` writes', async () => {
    const context = await browser.newContext({ acceptDownloads: true });
    const page = await open(context);
    await page.goto(`${web.url}/playground/`);
    const version = JSON.parse(RULES).version;
    await page.waitForFunction((v) => document.getElementById('rules-status')?.textContent.includes(v), version);
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download rules.lsc' }).click()]);
    assert.equal(download.suggestedFilename(), 'rules.lsc');
    const { readFile } = await import('node:fs/promises');
    assert.deepEqual(await readFile(await download.path()), GOOD);
    await page.waitForFunction(() => document.getElementById('toast')?.textContent.includes('Serve it at /leadscore/rules.lsc.'));
    assert.deepEqual(page.errors, []);
    await context.close();
  });
});
