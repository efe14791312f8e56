// Only what the visitor did is recorded: the hand-off refreshing its hidden fields, a score
// change or the tag's own timers never count as the visitor starting or abandoning a form.
// Real demo pages in headless Chromium, time moved with the page clock.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { goto, launch, open, root, site, tagPage } from './helpers.mjs';

let browser;
let web;
const posts = [];
const T0 = Date.parse('2026-11-02T09:00:00Z');

before(async () => {
  browser = await launch();
  web = await site({
    // A form tool's form (HubSpot-like): it defines the hidden field and listens for input.
    '/t/vendor-form': tagPage({ body: `<form id="hs" data-leadscore action="/thanks" method="post">
      <input type="email" name="email"><input type="hidden" name="leadscore_score" value="">
      </form><script>window.announced = 0; document.querySelector('#hs [name=leadscore_score]')
      .addEventListener('input', () => announced++);</script>` }),
    // The CRM's side of the demo form: records the post, then shows the site's thanks page
    // (with the tag), so the test can compare what the CRM got with what the browser shows.
    '/thanks': (req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        if (body) posts.push(Object.fromEntries(new URLSearchParams(body)));
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
        res.end(readFileSync(join(root, 'target/site/thanks/index.html')));
      });
    },
  });
});
after(async () => {
  await browser?.close();
  await web?.close();
});

const formEvents = (events) => events.filter((e) => e.type.startsWith('form_')).map((e) => `${e.type}:${e.form}`);

async function clocked(path) {
  const context = await browser.newContext();
  const page = await open(context);
  await page.clock.install({ time: T0 });
  await goto(page, `${web.url}${path}`);
  return { context, page };
}

describe('form signals are the visitor\'s own', () => {
  it('a filled and submitted demo form is neither restarted nor abandoned; the CRM gets the score the browser shows', async () => {
    const { context, page } = await clocked('/demo');
    await page.clock.runFor(2_000);
    await page.fill('#email', 'dana@bigco.example');
    await page.selectOption('select[name=seniority]', 'vp');
    await page.selectOption('select[name=company_size]', '201-1000');
    posts.length = 0;
    await page.click('button[type=submit]');
    await page.waitForURL(/\/thanks/);
    await page.waitForFunction(() => window.leadscore && !Array.isArray(window.leadscore));
    const { result, events } = await page.evaluate(() => ({ result: leadscore.result(), events: leadscore.events() }));
    assert.deepEqual(formEvents(events), ['form_start:demo-request', 'form_submit:demo-request']);
    assert.equal(posts.length, 1);
    assert.equal(posts[0].leadscore_score, String(Math.round(result.score)), 'the CRM got what the browser shows');
    assert.equal(posts[0].leadscore_band, result.band);
    assert.ok(!result.explain.some((x) => x.rule === 'demo-form-abandon'), JSON.stringify(result.explain));
    assert.deepEqual(page.errors, []);
    await context.close();
  });

  it('a score change on /demo (identify, a dwell mark) records no form start or abandon', async () => {
    const { context, page } = await clocked('/demo');
    await page.evaluate(() => leadscore.identify({ seniority: 'vp' }));
    await page.clock.runFor(11_000); // past the 10 s dwell mark (a re-read; /blog scores on its 30 s one)
    await page.evaluate(() => leadscore.track('webinar_attended', { webinar_id: 'live-demo-3' }));
    await goto(page, `${web.url}/pricing`); // leaving /demo would abandon a started form
    const events = await page.evaluate(() => leadscore.events());
    assert.deepEqual(formEvents(events), []);
    await context.close();
  });

  it('32 s idle on /blog scores blog-read and records no newsletter form_start', async () => {
    const { context, page } = await clocked('/blog');
    await page.clock.runFor(32_000);
    const { result, events } = await page.evaluate(() => ({ result: leadscore.result(), events: leadscore.events() }));
    assert.ok(result.explain.some((x) => x.rule === 'blog-read'), 'the dwell mark fired');
    assert.deepEqual(formEvents(events), []);
    // The hidden fields were refreshed all the same.
    assert.equal(await page.inputValue('#newsletter [name=leadscore_score]'), String(Math.round(result.score)));
    await context.close();
  });

  it('a form the visitor types in and leaves is still started and abandoned', async () => {
    const { context, page } = await clocked('/demo');
    await page.fill('#email', 'pat@bigco.example');
    await goto(page, `${web.url}/pricing`);
    const events = await page.evaluate(() => leadscore.events());
    assert.deepEqual(formEvents(events), ['form_start:demo-request', 'form_abandon:demo-request']);
    await context.close();
  });

  it('still announces values to a form tool\'s own hidden fields, without a form_start', async () => {
    const { context, page } = await clocked('/t/vendor-form');
    const before = await page.evaluate(() => window.announced);
    await page.evaluate(() => leadscore.identify({ seniority: 'vp' }));
    assert.ok(await page.evaluate(() => window.announced) > before, 'the tool saw the new value');
    assert.deepEqual(formEvents(await page.evaluate(() => leadscore.events())), []);
    await context.close();
  });
});
