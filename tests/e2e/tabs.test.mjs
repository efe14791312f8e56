// The visitor's tabs share one stored state and one consent answer (issue #12). Several
// pages of one browser context are real tabs: one localStorage, each page in its own
// renderer process, so a write reaches the other tabs a little later, as for a visitor.
// Every test prints what it measured: events sent by the tabs vs events kept in the end.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cliScore, goto, launch, open, readState, site, tagPage, inlineRules, tabRules } from './helpers.mjs';

const RULES = tabRules('tabs-2');
const KEY = 'leadscore:v1';
const T0 = Date.parse('2026-10-01T09:00:00Z');

let browser;
let web;
let rulesFile;
before(async () => {
  browser = await launch();
  const inline = inlineRules(RULES);
  web = await site({
    '/t/tab': tagPage({ attrs: '', head: inline }),
    '/t/tab-required': tagPage({ attrs: 'data-consent="required"', head: inline }),
  });
  rulesFile = join(mkdtempSync(join(tmpdir(), 'tabs-')), 'rules.json');
  writeFileSync(rulesFile, RULES);
});
after(async () => {
  await browser?.close();
  await web?.close();
});

/** Opens `n` tabs of one context; each logs the writes of other tabs it is told about. */
async function tabs(n, path = '/t/tab', { clock } = {}) {
  const context = await browser.newContext();
  await context.addInitScript((key) => {
    window.writesSeen = [];
    addEventListener('storage', (e) => { if (e.key === key && e.newValue != null) window.writesSeen.push(e.newValue); });
  }, KEY);
  if (clock) await context.clock.install({ time: T0 });
  if (clock === 'paused') await context.clock.pauseAt(T0 + 1000);
  const pages = [];
  for (let i = 0; i < n; i++) pages.push(await open(context, `${web.url}${path}?tab=${i}&i=init`));
  return { context, pages };
}

const keys = (page) => page.evaluate((key) => Object.keys(localStorage).filter((k) => k.startsWith(key)), KEY);
const stored = (page) => page.evaluate((key) => localStorage.getItem(key), `${KEY}:state`);
const notes = (events) => events.filter((e) => e.type === 'note').map((e) => e.props.n);
const views = (events) => events.filter((e) => e.type === 'page_view').map((e) => new URL(e.url).search);

/** Waits until every tab holds the same events as storage (they converge through the
 * `storage` event; polling, not a fixed wait), then returns one tab's view of them. */
async function settled(pages) {
  const same = async () => {
    const seen = await Promise.all(pages.map((p) => p.evaluate(() => JSON.stringify(leadscore.events().map((e) => [e.ts, e.url, e.props]).sort()))));
    return seen.every((s) => s === seen[0]);
  };
  for (let i = 0; i < 500 && !(await same()); i++);
}

describe('consent across tabs', () => {
  it('a withdrawal in one tab stops every tab writing, even one that records at once', async () => {
    const { context, pages: [a, b] } = await tabs(2);
    await b.evaluate(() => leadscore.track('note', { n: 'before' }));
    assert.ok(await stored(a), 'state was stored with consent');
    await a.evaluate(() => { window.writesSeen.length = 0; });
    await a.evaluate(() => leadscore.consent(false));
    // B's very next event: B learns of the withdrawal from the stored answer, which it
    // reads before writing, whether or not the storage event has reached it yet.
    const sent = await b.evaluate(() => [0, 1, 2, 3, 4].map((i) => leadscore.track('note', { n: `after-${i}` }).ok));
    assert.deepEqual(sent, [true, true, true, true, true], 'B keeps scoring');
    assert.deepEqual(notes(await b.evaluate(() => leadscore.events())), ['after-0', 'after-1', 'after-2', 'after-3', 'after-4'],
      'B forgot the stored state and keeps this page in memory');
    await b.evaluate(() => leadscore.track('note', { n: 'later' }));
    await goto(b, `${web.url}/t/tab?tab=1&i=next`);
    await b.evaluate(() => leadscore.track('note', { n: 'next-page' }));
    await a.evaluate(() => leadscore.track('note', { n: 'a-after' }));
    assert.equal(await stored(a), null, 'nothing stored');
    assert.deepEqual(await keys(b), [`${KEY}:consent`], 'no page journal either, only the answer');
    assert.deepEqual(await a.evaluate(() => window.writesSeen), [], 'no tab wrote state after the withdrawal');
    assert.equal(await b.evaluate(() => leadscore.persisting), false);
    assert.equal(await a.evaluate(() => leadscore.persisting), false);
    // The stored state is forgotten in memory too; this page still scores, in memory.
    const events = await b.evaluate(() => leadscore.events());
    assert.deepEqual(notes(events), ['next-page']);
    assert.equal((await b.evaluate(() => leadscore.result())).explain.find((x) => x.rule === 'every-note').count, 1);
    assert.deepEqual([...a.errors, ...b.errors], []);
    await context.close();
  });

  it('a tab that has not heard of the withdrawal reads it before writing; a write that raced it is erased', async () => {
    const { context, pages: [a, b] } = await tabs(2);
    // B's storage events never reach the tag: only the answer read before each write can stop it.
    await b.addInitScript(() => addEventListener('storage', (e) => e.stopImmediatePropagation(), { capture: true }));
    await goto(b, `${web.url}/t/tab?tab=1&i=deaf`);
    await b.evaluate(() => leadscore.track('note', { n: 'before' }));
    await a.evaluate(() => leadscore.consent(false));
    await b.evaluate(() => leadscore.track('note', { n: 'after' }));
    assert.equal(await b.evaluate(() => leadscore.persisting), false);
    assert.deepEqual(await keys(a), [`${KEY}:consent`]);
    // A write already on its way when the visitor withdrew (here: written by hand, as a tab
    // running an older tag would) is erased by the tabs that see it land.
    await b.evaluate((k) => localStorage.setItem(k, '{"v":1,"events":[{"type":"note","ts":1,"props":{"n":"late"}}]}'), KEY);
    await a.waitForFunction((k) => localStorage.getItem(k) === null, KEY, { timeout: 5000 });
    assert.deepEqual(await keys(a), [`${KEY}:consent`]);
    await context.close();
  });

  it('a grant in one tab (data-consent="required") starts every tab persisting', async () => {
    const { context, pages: [a, b] } = await tabs(2, '/t/tab-required');
    await b.evaluate(() => leadscore.track('note', { n: 'b-memory' }));
    assert.equal(await stored(a), null, 'nothing stored before consent');
    await a.evaluate(() => leadscore.consent(true));
    await b.waitForFunction(() => leadscore.persisting, null, { timeout: 5000 });
    await b.evaluate(() => leadscore.track('note', { n: 'b-after' }));
    await settled([a, b]);
    // In B's journal at once, in the shared state when B folds (idle, hidden or left).
    // The stored state is base64 of typed values: its strings are plain in the decoded bytes.
    await a.waitForFunction((k) => { const v = localStorage.getItem(k) || ''; try { return atob(v).includes('b-after'); } catch { return false; } }, `${KEY}:state`, { timeout: 5000 });
    const state = readState(await stored(a));
    assert.deepEqual(notes(state.events).sort(), ['b-after', 'b-memory']);
    await context.close();
  });
});

describe('events of tabs recording at once', () => {
  /** `n` tabs, all at once, `rounds` times: track `burst` notes, then load the next page. Returns the counts and the settled final state, read by a new tab. */
  async function race(n, rounds, burst, { clock, close = false } = {}) {
    const { context, pages } = await tabs(n, '/t/tab', { clock });
    const sentViews = [];
    const sentNotes = [];
    for (let r = 0; r < rounds; r++) {
      // Each tab records, then leaves at once: its last write races the others' writes.
      await Promise.all(pages.map(async (p, t) => {
        const ns = Array.from({ length: burst }, (_, k) => `${t}-${r}-${k}`);
        await p.evaluate((ns) => { for (const n of ns) leadscore.track('note', { n }); }, ns);
        sentNotes.push(...ns);
        const next = `${web.url}/t/tab?tab=${t}&i=${r}`;
        if (close) {
          await p.close();
          pages[t] = await open(context, next);
        } else {
          await goto(p, next);
        }
        sentViews.push(`?tab=${t}&i=${r}`);
      }));
    }
    await settled(pages);
    const last = await open(context, `${web.url}/t/tab?final`);
    const { now, result, events } = await last.evaluate(() => {
      const now = Date.now();
      return { now, result: leadscore.result(now), events: leadscore.events() };
    });
    const keptViews = new Set(views(events));
    const keptNotes = new Set(notes(events));
    const figures = {
      tabs: n, leave: close ? 'close' : 'navigate', views: `${sentViews.filter((v) => keptViews.has(v)).length}/${sentViews.length}`,
      notes: `${sentNotes.filter((v) => keptNotes.has(v)).length}/${sentNotes.length}`,
    };
    console.log(`sent vs kept: ${JSON.stringify(figures)}`);
    await context.close();
    return { sentViews, sentNotes, keptViews, keptNotes, now, result, events };
  }

  it('three tabs navigating in the same millisecond keep every page view', async () => {
    const r = await race(3, 30, 0, { clock: 'paused' });
    assert.deepEqual(r.sentViews.filter((v) => !r.keptViews.has(v)), [], 'page views lost');
    assert.ok(r.events.every((e) => e.ts === T0 + 1000), 'all in one millisecond');
    // The final page's own view counts too.
    assert.equal(r.result.explain.find((x) => x.rule === 'every-view').count, r.sentViews.length + 3 + 1, "each tab's first page, every page sent, the last tab's page");
    assert.deepEqual(r.result, cliScore(r.events, r.now, rulesFile));
  });

  for (const close of [false, true]) {
    it(`three tabs recording and ${close ? 'closing' : 'navigating'} at once lose nothing`, async () => {
      const r = await race(3, 20, 3, { close });
      assert.deepEqual(r.sentNotes.filter((v) => !r.keptNotes.has(v)), [], 'notes lost');
      assert.deepEqual(r.sentViews.filter((v) => !r.keptViews.has(v)), [], 'page views lost');
      assert.equal(r.result.explain.find((x) => x.rule === 'every-note').count, r.sentNotes.length);
      assert.deepEqual(r.result, cliScore(r.events, r.now, rulesFile));
    });
  }
});
