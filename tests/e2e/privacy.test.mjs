// What the tag keeps of a visitor, in a real headless Chromium: hostile identify() calls,
// form fields, track() props and URLs full of personal data (in the path, the query and the
// fragment, plain and percent-encoded once, twice, three times) leave none of it in
// localStorage or in the CRM payload; what the rules read is kept, and the numbers still
// equal `leadscore score` on the stored events.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { cliScore, goto, launch, open, site, snapshot, tagPage } from './helpers.mjs';

let browser;
let web;

const FORM = `<form id="signup" data-leadscore-form="signup" onsubmit="return false">
  <input name="job_title" id="job_title" data-leadscore-trait="job_title">
  <input name="mobile" id="mobile" data-leadscore-trait="mobile">
  <input name="nickname" id="nickname" data-leadscore-trait="nickname">
  <select name="company_size" id="company_size" data-leadscore-trait="company_size">
    <option value="">-</option><option value="201-1000">201-1000</option></select>
</form>`;

before(async () => {
  browser = await launch();
  web = await site({ '/t/privacy': tagPage({ body: FORM }) });
});
after(async () => {
  await browser?.close();
  await web?.close();
});

// What a visitor typed or was linked with, and every form it could be stored in.
const SECRETS = ['jane.doe@gmail.com', 'jane.doe%40gmail.com', 'jane.doe%2540gmail.com', 'jane.doe%252540gmail.com',
  'JANE.DOE', 'jane.doe', 'Jane', 'Doe', 'jdoe', '4155550134', '415 555 0134', '415%20555%200134', '%2B1',
  'linkedin', 'gmail', '0612345678', '06 12 34 56 78', 'JD Ventures'];

function leaks(text, secrets = SECRETS) {
  const lower = text.toLowerCase();
  return secrets.filter((s) => text.includes(s) || lower.includes(s.toLowerCase()));
}

const warnings = (page) => page.logs.filter((l) => l.type === 'warning' && l.text.startsWith('leadscore'));

describe('personal data', () => {
  it('never reaches localStorage or the payload; declared traits are kept; one warning', async () => {
    const context = await browser.newContext();
    const page = await open(context, `${web.url}/t/privacy`);
    const calls = await page.evaluate(() => [
      leadscore.identify({
        Email: 'Jane.Doe@gmail.com', work_email: 'jane.doe@gmail.com', firstName: 'Jane', lastName: 'Doe',
        Phone: '+1 415 555 0134', linkedin: 'https://www.linkedin.com/in/jane-doe', username: 'jdoe',
        seniority: 'vp', job_title: 'call me on +1 415 555 0134',
      }),
      leadscore.track('webinar_attended', { webinar_id: 'jane.doe@gmail.com' }),
    ]);
    assert.deepEqual(calls, [{ ok: true }, { ok: true }]);
    // Single-page-app navigation to addresses in the path, plain and encoded.
    await page.evaluate(() => {
      history.pushState({}, '', '/u/jane.doe%40gmail.com/settings');
      history.pushState({}, '', '/u/jane.doe@gmail.com/settings?next=%2Fu%3Femail%3Djane.doe%2540gmail.com');
      history.pushState({}, '', '/pricing?phone_number=06%2012%2034%2056%2078&plan=team#tel=0612345678');
    });
    // A form's marked fields: a declared trait with an address in it, undeclared ones.
    await page.fill('#job_title', 'Founder, JD Ventures (jane.doe@gmail.com)');
    await page.fill('#mobile', '06 12 34 56 78');
    await page.fill('#nickname', 'jdoe');
    await page.selectOption('#company_size', '201-1000');
    for (const id of ['job_title', 'mobile', 'nickname']) await page.dispatchEvent(`#${id}`, 'change');

    let { now, result, events } = await snapshot(page);
    // What the rules read is kept: `Email` became `email_type`, `seniority` and
    // `company_size` stayed; the page views are there, with their pages still matched.
    const traits = Object.assign({}, ...events.filter((e) => e.type === 'identify').map((e) => e.traits));
    assert.deepEqual(traits, { email_type: 'free', seniority: 'vp', company_size: '201-1000' });
    const urls = events.filter((e) => e.type === 'page_view').map((e) => e.url.slice(web.url.length));
    assert.deepEqual(urls, ['/t/privacy', '/u/redacted/settings', '/u/redacted/settings', '/pricing?plan=team']);
    assert.ok(events.some((e) => e.type === 'webinar_attended' && !e.props), 'the event stays, its address goes');
    const ids = result.explain.map((x) => x.rule);
    for (const id of ['free-mailbox', 'seniority-executive', 'company-size-core', 'webinar-attended']) {
      assert.ok(ids.includes(id), `${id} in ${ids}`);
    }
    assert.deepEqual(result, cliScore(events, now));
    // One warning for the page, naming keys and never values.
    let w = warnings(page);
    assert.equal(w.length, 1, JSON.stringify(page.logs));
    assert.match(w[0].text, /traits\.firstName/);
    // (`linkedin` is a key the visitor gave: named, as keys are; its value is not.)
    assert.deepEqual(leaks(w[0].text, SECRETS.filter((x) => x !== 'linkedin')), []);

    // A real navigation to a link full of personal data: a new page, its own one warning.
    await goto(page, `${web.url}/t/privacy?email=jane.doe%40gmail.com&Phone=%2B14155550134`
      + '&tel=4155550134&mobileNumber=415%20555%200134&fname=Jane&lastName=Doe&user%5Bemail%5D=x'
      + '&ref=jane.doe%252540gmail.com&utm_source=news#contact=jane.doe%2540gmail.com');
    ({ now, result, events } = await snapshot(page));
    assert.equal(events.at(-1).url, `${web.url}/t/privacy?utm_source=news`);
    w = warnings(page);
    assert.equal(w.length, 2, JSON.stringify(page.logs));
    assert.deepEqual(leaks(w[1].text), []);

    const stored = await page.evaluate(() => JSON.stringify(Object.entries(localStorage)));
    const payload = await page.evaluate(() => JSON.stringify(leadscore.payload()));
    assert.deepEqual(leaks(stored), [], stored);
    assert.deepEqual(leaks(payload), [], payload);
    assert.deepEqual(result, cliScore(events, now));
    assert.deepEqual(page.errors, []);
    await context.close();
  });

  it('cleans personal data an older tag stored, on the next page load', async () => {
    const context = await browser.newContext();
    const t = Date.now() - 60_000;
    const old = JSON.stringify({ v: 1, events: [
      { type: 'page_view', ts: t, url: `${web.url}/pricing?email=jane.doe%40gmail.com&plan=team`, dwellMs: 12_000 },
      { type: 'page_view', ts: t + 1, url: `${web.url}/u/jane.doe%2540gmail.com`, dwellMs: 0 },
      { type: 'identify', ts: t + 2, traits: { email: 'jane.doe@gmail.com', first_name: 'Jane', seniority: 'vp' } },
      { type: 'identify', ts: t + 3, traits: { phone: '+1 415 555 0134' } },
    ] });
    await context.addInitScript((state) => {
      if (!sessionStorage.getItem('planted')) {
        localStorage.setItem('leadscore:v1', state);
        sessionStorage.setItem('planted', '1');
      }
    }, old);
    const page = await open(context, `${web.url}/t/privacy`);
    const stored = await page.evaluate(() => localStorage.getItem('leadscore:v1:state'));
    assert.deepEqual(leaks(stored), [], stored);
    // The older tag's text held personal data: removed, not kept for a rollback.
    assert.equal(await page.evaluate(() => localStorage.getItem('leadscore:v1')), null);
    const { now, result, events } = await snapshot(page);
    const traits = Object.assign({}, ...events.filter((e) => e.type === 'identify').map((e) => e.traits));
    assert.deepEqual(traits, { email_type: 'free', seniority: 'vp' });
    assert.ok(events.some((e) => e.url === `${web.url}/pricing?plan=team`));
    // (The page view of /u/… counts for no rule, so compaction may have dropped it.)
    assert.ok(events.every((e) => !e.url || !e.url.includes('/u/') || e.url === `${web.url}/u/redacted`));
    assert.ok(result.explain.some((x) => x.rule === 'pricing-view'), 'the old page view still scores');
    assert.deepEqual(result, cliScore(events, now));
    assert.equal(warnings(page).length, 1, JSON.stringify(page.logs));

    // Clean state stays quiet: no warning on the next page.
    await goto(page, `${web.url}/t/privacy`);
    assert.deepEqual(warnings(page).slice(1), [], JSON.stringify(page.logs));
    await context.close();
  });
});
