// Recording an event writes only the page's journal; the shared state is written when the
// page is idle, hidden or left (src/tag/tracker.rs). A tab killed before any of those, with
// no pagehide and no timer run, must still have lost nothing: the next page finds its events.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cliScore, goto, inlineRules, launch, open, readState, root, site, snapshot, storedStates, tagPage, tabRules } from './helpers.mjs';

const RULES = tabRules('journal-1');
const KEY = 'leadscore:v1';
const T0 = Date.parse('2026-10-01T09:00:00Z');

let browser;
let web;
before(async () => {
  browser = await launch();
  web = await site({
    '/t/tab': tagPage({ attrs: '', head: inlineRules(RULES) }),
    // A page of the same site without this tag: where an older tag's tab writes storage.
    '/t/plain': (req, res) => { res.writeHead(200, { 'content-type': 'text/html' }); res.end('<!doctype html><p>older tag'); },
  });
});
after(async () => {
  await browser?.close();
  await web?.close();
});

const notes = (events) => events.filter((e) => e.type === 'note').map((e) => e.props.n);

describe('a killed tab', () => {
  it('loses no recorded event: its journal is written with each event', async () => {
    const context = await browser.newContext();
    // The page clock never runs: the idle fold's timer cannot fire before the kill.
    await context.clock.install({ time: T0 });
    const a = await open(context, `${web.url}/t/tab?i=killed`);
    await a.evaluate(() => { for (const n of ['one', 'two', 'three']) leadscore.track('note', { n }); });
    assert.equal(await a.evaluate((k) => localStorage.getItem(k), `${KEY}:state`), null, 'not folded yet: the shared state is written later');
    // Killed: the renderer crashes, no pagehide, no visibilitychange, no timer.
    const cdp = await context.newCDPSession(a);
    const crashed = new Promise((ok) => a.once('crash', ok));
    cdp.send('Page.crash').catch(() => {}); // never answers: the page is gone
    await crashed;
    const b = await open(context);
    await goto(b, `${web.url}/t/tab?i=next`);
    const events = await b.evaluate(() => leadscore.events());
    assert.deepEqual(notes(events), ['one', 'two', 'three']);
    assert.ok(events.some((e) => e.type === 'page_view' && e.url.endsWith('i=killed')), 'and its page view');
    await context.close();
  });

  it('a closed tab (no beforeunload) folds or keeps its journal: the next page has every event', async () => {
    const context = await browser.newContext();
    await context.clock.install({ time: T0 });
    const a = await open(context, `${web.url}/t/tab?i=closed`);
    await a.evaluate(() => { for (const n of ['x', 'y']) leadscore.track('note', { n }); });
    await a.close({ runBeforeUnload: false });
    const b = await open(context, `${web.url}/t/tab?i=after`);
    assert.deepEqual(notes(await b.evaluate(() => leadscore.events())), ['x', 'y']);
    await context.close();
  });
});

describe('folding', () => {
  it('writes the shared state when the page is idle, and when it is hidden', async () => {
    const context = await browser.newContext();
    await context.clock.install({ time: T0 });
    const a = await open(context, `${web.url}/t/tab?i=idle`);
    await a.evaluate(() => leadscore.track('note', { n: 'idle' }));
    assert.equal(await a.evaluate((k) => localStorage.getItem(k), `${KEY}:state`), null);
    await a.clock.runFor(1500);
    assert.match(JSON.stringify(readState(await a.evaluate((k) => localStorage.getItem(k), `${KEY}:state`))), /idle/);
    await a.evaluate(() => leadscore.track('note', { n: 'hidden' }));
    await a.evaluate(() => {
      Object.defineProperty(document, 'visibilityState', { value: 'hidden', configurable: true });
      document.dispatchEvent(new Event('visibilitychange'));
    });
    assert.match(JSON.stringify(readState(await a.evaluate((k) => localStorage.getItem(k), `${KEY}:state`))), /hidden/);
    assert.deepEqual(a.errors, []);
    await context.close();
  });
});

/** A browser context whose localStorage holds what the previous tag stored (the shared
 * state and two pages' journals, planted once), a minute after its last event so every
 * window still holds it. */
async function withOldStorage() {
  const { storage } = JSON.parse(readFileSync(join(root, 'tests/fixtures/tag-storage-v1.json'), 'utf8'));
  const context = await browser.newContext();
  await context.clock.install({ time: 1795165217642 + 60_000 });
  await context.addInitScript(([storage, origin]) => {
    if (sessionStorage.getItem('planted')) return;
    for (const [k, v] of Object.entries(storage)) localStorage.setItem(k, v.replaceAll('ORIGIN', origin));
    sessionStorage.setItem('planted', '1');
  }, [storage, web.url]);
  return context;
}

/** A page of this tag that has recorded a note, beside a tab of a page an older tag runs
 * on, and the `{"v":1,…}` text of that tag's one note (to store where it would). */
async function besideAnOlderTag() {
    const context = await browser.newContext();
    await context.clock.install({ time: T0 });
    const a = await open(context, `${web.url}/t/tab?i=new`);
    await a.evaluate(() => leadscore.track('note', { n: 'new' }));
    const b = await context.newPage();
    await b.goto(`${web.url}/t/plain`);
    const v1 = JSON.stringify({ v: 1, events: [{ type: 'note', ts: T0 + 5, props: { n: 'old-tag' } }], ids: ['oldtab.0'] });
  return { context, a, b, v1 };
}

describe('storage written by the previous tag', () => {
  it('is read with every event: the shared state and the journals of two pages', async () => {
    const context = await withOldStorage();
    const page = await open(context, `${web.url}/pricing`);
    const { now, result, events } = await snapshot(page);
    const old = events.filter((e) => e.ts < 1795165217643).map((e) => [e.type, e.url && new URL(e.url).pathname, e.dwellMs ?? e.form ?? e.props?.webinar_id ?? e.traits?.seniority]);
    assert.deepEqual(old, [
      ['page_view', '/pricing', 12085], ['identify', undefined, 'vp'], ['webinar_attended', '/pricing', 'w-12'],
      ['page_view', '/demo', 0], ['form_start', '/demo', 'demo-request'],
    ]);
    assert.deepEqual(result, cliScore(events, now));
    assert.ok(result.explain.some((x) => x.rule === 'webinar-attended'));
    const quiet = page.logs.filter((l) => l.type === 'warning' && l.text.startsWith('leadscore'));
    assert.deepEqual(quiet, [], 'no warning: nothing unreadable, nothing dropped');
    assert.deepEqual(page.errors, []);
    await context.close();
  });

  it('is converted to the binary state losing nothing, which a reload reads back', async () => {
    const context = await withOldStorage();
    const page = await open(context, `${web.url}/pricing`);
    const first = await snapshot(page);
    const stored = await storedStates(page);
    const state = stored[`${KEY}:state`];
    assert.equal(state.v, 2, 'stored as the binary state');
    // The previous tag's own text stays where it was: a site that rolls back to it loses nothing.
    const { storage } = JSON.parse(readFileSync(join(root, 'tests/fixtures/tag-storage-v1.json'), 'utf8'));
    assert.deepEqual(stored[KEY], JSON.parse(storage[KEY].replaceAll('ORIGIN', web.url)));
    const old = (events) => events.filter((e) => e.ts < 1795165217643);
    assert.deepEqual(old(state.events), old(first.events), 'every event of the old state and journals');
    assert.equal(old(state.events).length, 5);
    await goto(page, `${web.url}/pricing`);
    const again = await snapshot(page);
    assert.deepEqual(old(again.events), old(first.events), 'read back from the binary state');
    assert.deepEqual(again.result, cliScore(again.events, again.now));
    assert.deepEqual(page.errors, []);
    await context.close();
  });

  it('written by an older tag in another tab while this one runs, is merged', async () => {
    const { context, a, b, v1 } = await besideAnOlderTag();
    await b.evaluate(([k, v]) => localStorage.setItem(`${k}:page:oldtab`, v), [KEY, v1]);
    await a.waitForFunction(() => leadscore.events().some((e) => e.props && e.props.n === 'old-tag'), null, { timeout: 5000 });
    const { now, result, events } = await snapshot(a);
    assert.deepEqual(notes(events).sort(), ['new', 'old-tag']);
    const rulesFile = join(mkdtempSync(join(tmpdir(), 'leadscore-journal-')), 'rules.json');
    writeFileSync(rulesFile, RULES);
    assert.deepEqual(result, cliScore(events, now, rulesFile));
    assert.deepEqual(a.errors, []);
    await context.close();
  });

  it('written by an older tag in another tab at its own key (the state itself), is merged and left for it', async () => {
    const { context, a, b, v1 } = await besideAnOlderTag();
    await b.evaluate(([k, v]) => localStorage.setItem(k, v), [KEY, v1]);
    await a.waitForFunction(() => leadscore.events().some((e) => e.props && e.props.n === 'old-tag'), null, { timeout: 5000 });
    assert.deepEqual(notes(await a.evaluate(() => leadscore.events())).sort(), ['new', 'old-tag']);
    assert.equal(await a.evaluate((k) => localStorage.getItem(k), KEY), v1, 'the older tag still reads its own text');
    assert.deepEqual(notes(readState(await a.evaluate((k) => localStorage.getItem(k), `${KEY}:state`)).events).sort(), ['new', 'old-tag']);
    assert.deepEqual(a.errors, []);
    await context.close();
  });

  it('survives a rollback to the previous tag and back: what it recorded meanwhile is merged, and a reset removes its text too', async () => {
    const context = await withOldStorage();
    const page = await open(context, `${web.url}/pricing`);
    await snapshot(page);
    // The site rolls back: the previous tag reads its own text and records one event more.
    const rolledBack = await page.evaluate((k) => {
      const state = JSON.parse(localStorage.getItem(k));
      state.events.push({ type: 'form_submit', ts: state.events[state.events.length - 1].ts + 1, url: `${location.origin}/newsletter`, form: 'newsletter' });
      state.ids.push('rolled.0');
      localStorage.setItem(k, JSON.stringify(state));
      return state.events.length;
    }, KEY);
    assert.equal(rolledBack, 6, 'the previous tag found its five events');
    // And forward again: the next page merges what it recorded.
    await goto(page, `${web.url}/pricing`);
    const { now, result, events } = await snapshot(page);
    assert.ok(events.some((e) => e.form === 'newsletter'), JSON.stringify(events));
    assert.ok(result.explain.some((x) => x.rule === 'newsletter-signup'));
    assert.deepEqual(result, cliScore(events, now));
    await goto(page, `${web.url}/pricing`);
    assert.equal((await snapshot(page)).events.filter((e) => e.form === 'newsletter').length, 1, 'merged once');
    await page.evaluate(() => leadscore.reset());
    const left = await page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith('leadscore') && !k.endsWith(':consent')));
    assert.deepEqual(left, []);
    assert.deepEqual(page.errors, []);
    await context.close();
  });
});
