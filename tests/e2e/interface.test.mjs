// The tag's hand-written interface to its wasm (www/tag/core.js, src/tag/abi.rs and
// host.rs), as a page sees it: text in any script crosses both ways intact (a storage key,
// names in the rules, an email, problems), storage that throws is caught and reported to
// the core as a failure (memory with one warning; a full quota keeps the newer half), a
// page's console.warn wrapper may read `leadscore.persisting` while the core warns, and a
// trap in the core (a panic) still stops the tag, not the page.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import binaryen from 'binaryen';
import { goto, inlineRules, launch, open, readState, root, site, storedStates, tabRules, tagPage } from './helpers.mjs';

/** Rules named in several scripts: the names come back through `meta` and the result. */
const INTL = JSON.stringify({
  version: 'r-é😀',
  categories: { 'intérêt 😀': {} },
  events: { note: { props: ['n'] } },
  rules: [
    { id: 'note-é', category: 'intérêt 😀', points: 1, maxCount: 50, when: { event: 'note' } },
    { id: 'concurrent-☃', category: 'intérêt 😀', points: 5,
      when: { traits: [{ field: 'email_type', op: 'eq', value: 'competitor' }] } },
  ],
  bands: [{ name: 'chaud 🔥', min: 1, action: 'appeler ☎' }],
});
const KEY = 'clé😀';
const NOTES = 'leadscore:v1';
/** A storage key that starts with U+FEFF: text, not a byte-order mark to drop. */
const BOM_KEY = '\uFEFFls';

let browser;
let web;

before(async () => {
  browser = await launch();
  web = await site({
    '/t/intl': tagPage({
      attrs: `data-storage-key="${KEY}" data-competitors="exämple.com"`,
      head: inlineRules(INTL),
      body: '<form id="f"><input type="email" id="email" name="email"></form>',
    }),
    '/t/notes': tagPage({ attrs: '', head: inlineRules(tabRules('notes-1')) }),
    '/t/bom': tagPage({ attrs: `data-storage-key="${BOM_KEY}"`, head: inlineRules(tabRules('notes-1')) }),
  });
});
after(async () => {
  await browser?.close();
  await web?.close();
});

/** The built wasm with the export `name`'s body replaced by a trap (what a panic does). */
function trapping(name) {
  const m = binaryen.readBinary(readFileSync(join(root, 'target/site/leadscore/leadscore_core_bg.wasm')));
  const F = binaryen.Features;
  m.setFeatures(F.MVP | F.BulkMemory | F.NontrappingFPToInt | F.SignExt | F.MutableGlobals | F.ReferenceTypes | F.Multivalue);
  const f = binaryen.getFunctionInfo(m.getFunction(binaryen.getExportInfo(m.getExport(name)).value));
  m.addFunction('trap', f.params, f.results, [], m.unreachable());
  m.removeExport(name);
  m.addFunctionExport('trap', name);
  const bytes = Buffer.from(m.emitBinary());
  m.dispose();
  return bytes;
}

const warnings = (page) => page.logs.filter((l) => l.type === 'warning' && l.text.startsWith('leadscore'));

describe("the tag's interface to its core", () => {
  it('carries text in any script both ways, and a second page reads the stored state back', async () => {
    const context = await browser.newContext();
    const page = await open(context, `${web.url}/t/intl`);
    const first = await page.evaluate(() => ({
      ok: leadscore.track('note', { n: 'é ☃ 😀' }),
      bad: leadscore.track('événement😀'),
    }));
    assert.deepEqual(first.ok, { ok: true });
    assert.equal(first.bad.error.code, 'unknown_event');
    assert.match(first.bad.error.message, /événement😀/);
    // An address at a competitor's (data-competitors) typed in a form: email_type only.
    await page.fill('#email', 'jörg@exämple.com');
    await page.evaluate(() => document.getElementById('email').dispatchEvent(new Event('change', { bubbles: true })));
    const r = await page.evaluate(() => leadscore.result());
    assert.equal(r.rulesVersion, 'r-é😀');
    assert.deepEqual(Object.keys(r.categories), ['intérêt 😀']);
    assert.deepEqual(r.explain.map((x) => [x.rule, x.category]).sort(), [['concurrent-☃', 'intérêt 😀'], ['note-é', 'intérêt 😀']]);
    assert.equal(r.score, 6);
    assert.deepEqual([r.band, r.action], ['chaud 🔥', 'appeler ☎']);

    // The next page of the visit: the state under the key, and this page's journal.
    await goto(page, `${web.url}/t/intl`);
    const keys = await page.evaluate(() => Object.keys(localStorage).sort());
    assert.ok(keys.includes(`${KEY}:state`), JSON.stringify(keys));
    assert.ok(keys.some((k) => k.startsWith(`${KEY}:page:`)), JSON.stringify(keys));
    const again = await page.evaluate(() => ({ result: leadscore.result(), events: leadscore.events() }));
    assert.equal(again.result.score, 6);
    assert.deepEqual(again.events.filter((e) => e.type === 'note').map((e) => e.props.n), ['é ☃ 😀']);
    assert.deepEqual(again.events.filter((e) => e.type === 'identify').map((e) => e.traits), [{ email_type: 'competitor' }]);
    assert.ok(!JSON.stringify(again.events).includes('jörg'), 'the address itself is not kept');
    assert.deepEqual(warnings(page), []);
    assert.deepEqual(page.errors, []);
    await context.close();
  });

  it('scores in memory with one warning when storage throws on every write, and a console.warn wrapper may read persisting', async () => {
    const context = await browser.newContext();
    await context.addInitScript(() => {
      // Refusing from the test's first call on, once the API is on window.leadscore.
      const set = Storage.prototype.setItem;
      Storage.prototype.setItem = function (k, v) {
        if (window.refuse) throw new DOMException('denied', 'SecurityError');
        return set.call(this, k, v);
      };
      // A page's wrapper, as analytics scripts install them: it reads the tag's state.
      const warn = console.warn;
      window.seen = [];
      console.warn = function (...args) {
        window.seen.push([String(args[0]), window.leadscore && window.leadscore.persisting]);
        return warn.apply(this, args);
      };
    });
    const page = await open(context, `${web.url}/t/notes`);
    const out = await page.evaluate(async () => {
      const before = leadscore.persisting;
      window.refuse = true;
      const r = leadscore.track('note', { n: 'a' });
      // The journal is written at the end of the task, which finds storage refusing.
      await new Promise((ok) => setTimeout(ok, 0));
      const again = leadscore.track('note', { n: 'b' });
      await new Promise((ok) => setTimeout(ok, 0));
      return { before, r, again, after: leadscore.persisting, inert: leadscore.inert, result: leadscore.result(), seen: window.seen };
    });
    assert.equal(out.before, true);
    assert.deepEqual([out.r, out.again], [{ ok: true }, { ok: true }]);
    assert.equal(out.inert, false);
    assert.equal(out.after, false, 'memory only from then on');
    assert.equal(out.result.explain.find((x) => x.rule === 'every-note').count, 2);
    const ours = out.seen.filter(([text]) => text.startsWith('leadscore'));
    assert.equal(ours.length, 1, JSON.stringify(out.seen));
    assert.match(ours[0][0], /localStorage is full; scoring in memory/);
    assert.equal(ours[0][1], false, 'read while the core warned: false, no throw');
    assert.equal(warnings(page).length, 1, JSON.stringify(page.logs));
    const stored = JSON.stringify(await storedStates(page));
    assert.ok(!stored.includes('"note"'), `nothing of this page's notes is stored: ${stored}`);
    assert.deepEqual(page.errors, []);
    await context.close();
  });

  it('keeps the newer half when the shared state is over the quota, and goes on persisting', async () => {
    const context = await browser.newContext();
    // Storage that holds at most 30 events under the shared key (the count is the state's
    // fourth byte: "LS", version 2, then the count).
    await context.addInitScript((key) => {
      const set = Storage.prototype.setItem;
      Storage.prototype.setItem = function (k, v) {
        if (k === key && atob(v).charCodeAt(3) > 30) throw new DOMException('full', 'QuotaExceededError');
        return set.call(this, k, v);
      };
    }, `${NOTES}:state`);
    const page = await open(context, `${web.url}/t/notes`);
    // 60 notes in one task: the journal's write folds (32 events without a fold).
    await page.evaluate(async () => {
      for (let i = 0; i < 60; i++) leadscore.track('note', { n: String(i) });
      await new Promise((ok) => setTimeout(ok, 0));
    });
    const state = readState(await page.evaluate((k) => localStorage.getItem(k), `${NOTES}:state`));
    assert.ok(state, 'the shared state was written');
    assert.equal(state.events.length, 30);
    const notes = state.events.filter((e) => e.type === 'note').map((e) => Number(e.props.n));
    assert.ok(notes.includes(59) && !notes.includes(0), JSON.stringify(notes));
    assert.equal(await page.evaluate(() => leadscore.persisting), true);
    assert.deepEqual(warnings(page), [], 'the retry was stored: nothing to warn about');
    // The next page reads the newer half back.
    await goto(page, `${web.url}/t/notes`);
    const events = await page.evaluate(() => leadscore.events());
    assert.ok(events.some((e) => e.type === 'note' && e.props.n === '59'));
    assert.deepEqual(page.errors, []);
    await context.close();
  });

  it('a trap in the core stops the tag with one console error; the page keeps working', async () => {
    const context = await browser.newContext();
    const wasm = trapping('consent');
    await context.route('**/leadscore_core_bg.wasm*', (route) => route.fulfill({ status: 200, contentType: 'application/wasm', body: wasm }));
    const page = await open(context, `${web.url}/t/notes`);
    const out = await page.evaluate(() => {
      const before = leadscore.track('note', { n: 'a' });
      const r = leadscore.consent(true);
      return { before, r, inert: leadscore.inert, result: leadscore.result(), again: leadscore.track('note', { n: 'b' }), persisting: leadscore.persisting };
    });
    assert.deepEqual(out.before, { ok: true });
    assert.equal(out.r.error.code, 'inert');
    assert.equal(out.inert, true);
    assert.equal(out.result, null);
    assert.equal(out.again.error.code, 'inert');
    assert.equal(out.persisting, false);
    const errors = page.logs.filter((l) => l.type === 'error');
    assert.equal(errors.length, 1, JSON.stringify(page.logs));
    assert.match(errors[0].text, /leadscore: stopped: internal error in the scoring core/);
    assert.deepEqual(page.errors, []);
    await context.close();
  });

  it('takes a storage key starting with U+FEFF as it is: state, journal and consent under that very key', async () => {
    const context = await browser.newContext();
    const page = await open(context, `${web.url}/t/bom`);
    await page.evaluate(async () => {
      leadscore.track('note', { n: 'a' });
      leadscore.consent(true);
      await new Promise((ok) => setTimeout(ok, 0));
    });
    const keys = await page.evaluate(() => Object.keys(localStorage).sort());
    assert.ok(keys.includes(`${BOM_KEY}:state`) && keys.includes(`${BOM_KEY}:consent`), JSON.stringify(keys));
    assert.ok(keys.some((k) => k.startsWith(`${BOM_KEY}:page:`)), JSON.stringify(keys));
    assert.ok(!keys.includes('ls:state') && !keys.includes('ls:consent'), JSON.stringify(keys));
    await goto(page, `${web.url}/t/bom`);
    assert.deepEqual((await page.evaluate(() => leadscore.events())).filter((e) => e.type === 'note').map((e) => e.props.n), ['a']);
    assert.deepEqual(page.errors, []);
    await context.close();
  });

  it('reads a storage value that is not text (an object of a wrapper, a throwing toString) as storage that cannot be read: memory, one warning, never a stopped tag', async () => {
    for (const value of ['throwing', 'object']) {
      const context = await browser.newContext();
      await context.addInitScript((value) => {
        const get = Storage.prototype.getItem;
        Storage.prototype.getItem = function (k) {
          if (!k.endsWith(':consent')) return get.call(this, k);
          return value === 'throwing' ? { toString() { throw new Error('no'); } } : { answer: 'granted' };
        };
      }, value);
      const page = await open(context, `${web.url}/t/notes`);
      const out = await page.evaluate(() => ({ r: leadscore.track('note', { n: 'a' }), inert: leadscore.inert, persisting: leadscore.persisting, result: leadscore.result() !== null }));
      assert.deepEqual(out, { r: { ok: true }, inert: false, persisting: false, result: true }, value);
      const ours = warnings(page);
      assert.equal(ours.length, 1, `${value}: ${JSON.stringify(page.logs)}`);
      assert.match(ours[0].text, /localStorage could not be read; scoring in memory/);
      assert.deepEqual(page.logs.filter((l) => l.type === 'error'), [], value);
      assert.deepEqual(page.errors, []);
      await context.close();
    }
  });

  it('gives the core exactly the bytes it is handed, whatever length an object claims (Node, the built wasm)', async () => {
    const { initSync, Tracker } = await import('../../www/tag/core.js');
    const { memory } = initSync({ module: readFileSync(join(root, 'target/site/leadscore/leadscore_core_bg.wasm')) });
    const rules = readFileSync(join(root, 'target/site/leadscore/rules.lsc'));
    // Claims no bytes when the block is asked for, then all of them when they are copied:
    // the core would have owned a block of 0 and been written 1,471 bytes past it.
    const lying = new Uint8Array(rules);
    let calls = 0;
    Object.defineProperty(lying, 'length', { get: () => (calls++ === 0 ? 0 : rules.length) });
    const make = (r) => new Tracker(r, 'k', false, Date.now(), null, 'p', () => null);
    const t = make(lying);
    // A block of 0 bytes is the address 1 (no memory of its own): the rules must not be there.
    // (The first bytes of such a block would be the allocator's once it was freed.)
    const low = Buffer.from(new Uint8Array(memory.buffer, 1 + 64, rules.length - 64));
    assert.ok(!low.equals(rules.subarray(64)), 'the rules were written past a block of 0 bytes');
    const { encode } = await import('../../www/tag/values.js');
    assert.equal(t.record(encode({ type: 'page_view', ts: Date.now(), url: 'https://acme.example/pricing' }), 'p.0', Date.now()), null);
    assert.ok(t.result(Date.now()) > 0);
    // The heap is intact: a second tracker from honest bytes reads the same rules.
    assert.deepEqual(JSON.parse(make(rules).meta()), JSON.parse(t.meta()));
  });
});
