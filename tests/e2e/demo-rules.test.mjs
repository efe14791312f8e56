// The demo site's rules mean what they say on the demo site's pages (issue #11): a first
// visit does not score `return-visit` however many pages it has, a visit 13 hours later
// does; a visitor who types "Student" as job title on the demo form gets `student`.
// Real pages, real localStorage, the page clock. Build first: node www/build.mjs
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { cliScore, goto, launch, open, site, snapshot } from './helpers.mjs';

let browser;
let server;
before(async () => {
  browser = await launch();
  server = await site();
});
after(async () => {
  await browser?.close();
  await server?.close();
});

const T0 = Date.UTC(2026, 10, 2, 9, 0);
const HOUR = 3_600_000;
const ruleOf = (result, id) => result.explain.find((x) => x.rule === id);

test('a first visit does not score return-visit; a return 13 hours later does', async (t) => {
  const context = await browser.newContext();
  t.after(() => context.close());
  await context.clock.install({ time: T0 });
  const page = await open(context, `${server.url}/`);
  for (const path of ['/pricing', '/docs', '/']) {
    await context.clock.fastForward(2 * 60_000);
    await goto(page, server.url + path);
  }
  let snap = await snapshot(page);
  assert.equal(snap.events.filter((e) => e.type === 'page_view').length, 4);
  assert.equal(ruleOf(snap.result, 'return-visit'), undefined, 'four pages of a first visit are not a return');

  // Eleven hours on: still the same visit as far as the rule goes.
  await context.clock.setSystemTime(T0 + 11 * HOUR);
  await goto(page, `${server.url}/`);
  snap = await snapshot(page);
  assert.equal(ruleOf(snap.result, 'return-visit'), undefined, '11 hours later is inside the 12-hour cooldown');

  await context.clock.setSystemTime(T0 + 13 * HOUR);
  await goto(page, `${server.url}/blog`);
  snap = await snapshot(page);
  const rv = ruleOf(snap.result, 'return-visit');
  assert.ok(rv, 'a visit 13 hours after the first is a return visit');
  assert.equal(rv.count, 1);
  assert.deepEqual(snap.result, cliScore(snap.events, snap.now), 'the server computes the same');
  assert.deepEqual(page.errors, []);
});

test('typing "Student" as job title on the demo form scores student', async (t) => {
  const context = await browser.newContext();
  t.after(() => context.close());
  const page = await open(context, `${server.url}/demo`);
  await page.fill('#job_title', 'Student');
  await page.locator('#job_title').blur();
  await page.waitForFunction(() => window.leadscore.result().explain.some((x) => x.rule === 'student'));
  const snap = await snapshot(page);
  assert.equal(ruleOf(snap.result, 'student').points, -25);
  assert.deepEqual(snap.events.filter((e) => e.type === 'identify').map((e) => e.traits), [{ job_title: 'Student' }]);
  assert.deepEqual(snap.result, cliScore(snap.events, snap.now), 'the server computes the same');
  assert.deepEqual(page.errors, []);
});
