// The debug panel (?leadscore_debug=1) in headless Chromium, on the demo site: every band
// (the leads sales cares about have an action), a chip that covers no page control until
// opened, open or closed remembered, and why each rule has not scored yet, from the core.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { goto, launch, open, site } from './helpers.mjs';

let browser;
let web;
const T0 = Date.parse('2026-11-02T09:00:00Z');

before(async () => {
  browser = await launch();
  web = await site();
});
after(async () => {
  await browser?.close();
  await web?.close();
});

async function clocked(path) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 720 } });
  const page = await open(context);
  await page.clock.install({ time: T0 });
  await goto(page, `${web.url}${path}`);
  await page.waitForSelector('#leadscore-debug .ls-toggle');
  return { context, page };
}
const overlap = (a, b) => a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;

describe('the debug panel', () => {
  it('shows score, band, action and explanation for a hot lead, with no listener error', async () => {
    const { context, page } = await clocked('/demo?leadscore_debug=1');
    await page.click('#leadscore-debug .ls-toggle');
    await page.evaluate(() => {
      leadscore.identify({ seniority: 'vp', company_size: '201-1000' });
      leadscore.track('webinar_attended', { webinar_id: 'live-demo-1' });
    });
    const r = await page.evaluate(() => leadscore.result());
    assert.ok(r.action, `a band with an action: ${r.band}`);
    await page.waitForSelector('#leadscore-debug [data-rule="live-demo-webinar"]');
    assert.equal((await page.textContent('#leadscore-debug .ls-band')).trim(), r.band);
    assert.equal(await page.textContent('#leadscore-debug .ls-score'), String(Math.round(r.score * 100) / 100));
    assert.equal(await page.textContent('#leadscore-debug .ls-action'), `action: ${r.action}`);
    for (const x of r.explain) assert.equal(await page.locator(`#leadscore-debug .ls-explain [data-rule="${x.rule}"]`).count(), 1, x.rule);
    const threw = page.logs.filter((l) => l.type === 'error');
    assert.deepEqual(threw, []);
    assert.deepEqual(page.errors, []);
    await context.close();
  });

  it('starts as a corner chip that covers no control of the demo form; open/closed is remembered', async () => {
    const { context, page } = await clocked('/demo?leadscore_debug=1');
    assert.equal(await page.getAttribute('#leadscore-debug', 'data-open'), 'false');
    for (const sel of ['button[type=submit]', '#email', '#seniority', '#company_size', '.header-cta']) {
      await page.locator(sel).scrollIntoViewIfNeeded();
      const panel = await page.locator('#leadscore-debug').boundingBox();
      const control = await page.locator(sel).boundingBox();
      assert.ok(!overlap(panel, control), `the chip covers ${sel}`);
    }
    await page.click('#leadscore-debug .ls-toggle');
    assert.equal(await page.getAttribute('#leadscore-debug', 'data-open'), 'true');
    await goto(page, `${web.url}/pricing?leadscore_debug=1`);
    await page.waitForSelector('#leadscore-debug[data-open="true"] .ls-body');
    await page.click('#leadscore-debug .ls-toggle');
    await goto(page, `${web.url}/?leadscore_debug=1`);
    await page.waitForSelector('#leadscore-debug .ls-toggle');
    assert.equal(await page.getAttribute('#leadscore-debug', 'data-open'), 'false');
    assert.equal(await page.locator('#leadscore-debug .ls-body').count(), 0);
    await context.close();
  });

  it('says why a rule has not scored yet: "pricing-view: visible 6 s of 10 s", then scores it', async () => {
    const { context, page } = await clocked('/pricing?leadscore_debug=1');
    await page.click('#leadscore-debug .ls-toggle');
    await page.clock.runFor(6_500);
    const pending = (rule) => page.textContent(`#leadscore-debug .ls-pending [data-rule="${rule}"]`);
    assert.equal(await pending('pricing-view'), 'pricing-view: visible 6 s of 10 s');
    assert.equal(await pending('demo-request'), 'demo-request: no matching event yet');
    assert.equal(await pending('seniority-executive'), 'seniority-executive: traits do not match');
    assert.equal(await pending('integrations-then-pricing'), 'integrations-then-pricing: sequence: 0 of 2 steps');
    await page.clock.runFor(4_000);
    await page.waitForSelector('#leadscore-debug .ls-explain [data-rule="pricing-view"]');
    assert.equal(await page.locator('#leadscore-debug .ls-pending [data-rule="pricing-view"]').count(), 0);
    assert.deepEqual(page.errors, []);
    await context.close();
  });

  it('ships to visitors without what only the panel calls: their wasm lacks it, and a debug page fetches the other build', async () => {
    const context = await browser.newContext();
    const wasms = [];
    context.on('request', (r) => { if (/\.wasm(\?|$)/.test(r.url())) wasms.push(new URL(r.url()).pathname); });
    const page = await open(context, `${web.url}/pricing`);
    assert.deepEqual(wasms, ['/leadscore/leadscore_core_bg.wasm']);
    const exportsOf = (name) => page.evaluate(async (n) => WebAssembly.Module.exports(
      await WebAssembly.compileStreaming(fetch(`/leadscore/${n}`))).map((e) => e.name), name);
    assert.ok(!(await exportsOf('leadscore_core_bg.wasm')).includes('why_not'));
    assert.ok((await exportsOf('leadscore_debug_bg.wasm')).includes('why_not'));
    wasms.length = 0;
    await goto(page, `${web.url}/pricing?leadscore_debug=1`);
    await page.waitForSelector('#leadscore-debug .ls-toggle');
    assert.deepEqual(wasms, ['/leadscore/leadscore_debug_bg.wasm']);
    assert.deepEqual(page.errors, []);
    await context.close();
  });

  it('scores with the visitors\' wasm when the debug build cannot be had (a site that copied only that one)', async () => {
    const context = await browser.newContext();
    await context.route('**/leadscore_debug_bg.wasm*', (route) => route.fulfill({ status: 404, body: 'gone' }));
    const page = await open(context);
    await page.clock.install({ time: T0 });
    await goto(page, `${web.url}/pricing?leadscore_debug=1`);
    await page.waitForSelector('#leadscore-debug .ls-toggle');
    await page.clock.runFor(11_000);
    const out = await page.evaluate(() => ({ inert: leadscore.inert, result: leadscore.result() }));
    assert.equal(out.inert, false);
    // The page view read for 10 s scores, as on any page.
    assert.ok(out.result.explain.some((x) => x.rule === 'pricing-view'), JSON.stringify(out.result));
    // The browser logs the 404 itself; the tag says nothing.
    assert.deepEqual(page.logs.filter((l) => l.text.startsWith('leadscore')), []);
    assert.deepEqual(page.errors, []);
    await context.close();
  });
});
