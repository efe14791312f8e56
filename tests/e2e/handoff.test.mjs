// Hand-off in a real Chromium: hidden fields posted with the demo form to a local server,
// forms added later, HubSpot and Marketo forms, chat and tag-manager adapters against page
// objects that record calls with each vendor's documented signature (the vendors' own
// scripts cannot load offline), band crossings, and `leadscore verify` on the posted payload.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { launch, open, RULES_PATH, root, site, tagPage } from './helpers.mjs';

let browser;
let web;
const posts = [];
const beacons = [];

// Fake vendors: each records calls exactly as the vendor's public API receives them.
const VENDORS = `<script>
  window.calls = [];
  window.Intercom = function () { calls.push(['intercom', ...arguments]); };
  window.$crisp = { push: (c) => calls.push(['crisp', c]) };
  window._hsq = { push: (c) => calls.push(['hubspot', c]) };
  window.dataLayer = { push: (o) => calls.push(['gtm', o]) };
  // Drift arrives late, as its snippet loads asynchronously.
  setTimeout(() => { window.drift = { api: { setUserAttributes: (a) => calls.push(['drift', a]) } }; }, 1200);
</script>`;

before(async () => {
  browser = await launch();
  web = await site({
    '/thanks': (req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        posts.push(Object.fromEntries(new URLSearchParams(body)));
        res.writeHead(200, { 'content-type': 'text/html' });
        res.end('<!doctype html><title>thanks</title><p id="ok">thanks</p>');
      });
    },
    '/t/beacon': tagPage({ attrs: 'data-rules="/leadscore/rules.lsc" data-beacon="/collect"',
      body: '<form id="f" action="/thanks" method="post"><input type="email" name="email"><button>go</button></form>' }),
    '/collect': (req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => { beacons.push({ type: req.headers['content-type'], body }); res.writeHead(204); res.end(); });
    },
    '/t/chat': tagPage({ attrs: 'data-rules="/leadscore/rules.lsc" data-handoff="intercom, drift, crisp, hubspot, gtm" data-hubspot-event="pe123_leadscore_band"', head: VENDORS }),
    // No vendor script has run yet: HubSpot's and GTM's documented queues are created and
    // read by the vendor when it loads.
    '/t/queues': tagPage({ attrs: 'data-rules="/leadscore/rules.lsc" data-handoff="hubspot, gtm" data-hubspot-event="pe123_leadscore_band"' }),
    '/t/hs-no-event': tagPage({ attrs: 'data-rules="/leadscore/rules.lsc" data-handoff="hubspot"' }),
    '/t/no-forms': tagPage({ body: '<div id="later"></div><form id="search" action="/search"><input name="q"></form>' }),
    '/t/forms': tagPage({
      body: `<form id="mine" data-leadscore action="/thanks" method="post">
               <input type="hidden" name="leadscore_score" value="stale"><button>send</button></form>
             <form id="search" action="/search"><input name="q"></form>
             <div id="later"></div>`,
    }),
    '/t/vendor-forms': tagPage({
      head: `<script>
        window.mkto = { hidden: [], submitHandlers: [] };
        window.MktoForms2 = { whenReady(cb) { setTimeout(() => cb({
          addHiddenFields(v) { mkto.hidden.push(v); },
          onSubmit(fn) { mkto.submitHandlers.push(fn); } }), 300); } };
      </script>`,
      body: `<div id="hs"></div>`,
    }),
  });
});
after(async () => {
  await browser?.close();
  await web?.close();
});

const cli = join(root, 'target/debug/leadscore');
function verify(payload) {
  execFileSync('cargo', ['build', '--quiet', '--bin', 'leadscore'], { cwd: root });
  const r = spawnSync(cli, ['verify', '--rules', RULES_PATH, '--payload', '-'], { input: payload, encoding: 'utf8' });
  return { code: r.status, out: r.stdout ? JSON.parse(r.stdout) : null, err: r.stderr };
}
const decode = (b64) => Buffer.from(b64.replace(/-/g, '+').replace(/_/g, '/'), 'base64').toString('utf8');
const encode = (text) => Buffer.from(text).toString('base64').replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');

describe('hidden form fields', () => {
  it('posts the score as of the click with the demo form, and the server can verify it', async () => {
    const context = await browser.newContext();
    const page = await open(context, `${web.url}/pricing`);
    await page.evaluate(() => leadscore.identify({ seniority: 'vp' }));
    const { goto } = await import('./helpers.mjs');
    await goto(page, `${web.url}/demo`);
    // The page's own submit handler (bubble phase) runs after the tag's capture-phase refresh.
    await page.evaluate(() => document.getElementById('demo-request').addEventListener('submit', () => {
      window.atSubmit = leadscore.result();
      sessionStorage.setItem('atSubmit', JSON.stringify(window.atSubmit));
    }));
    await page.fill('#email', 'dana@bigco.example');
    await page.selectOption('select[name=company_size]', '201-1000');
    posts.length = 0;
    await page.click('button[type=submit]');
    await page.waitForSelector('#ok');
    const at = JSON.parse(await page.evaluate(() => sessionStorage.getItem('atSubmit')));
    const post = posts[0];
    assert.ok(at.explain.some((x) => x.rule === 'demo-request'), 'the submit itself is in the posted score');
    assert.equal(post.leadscore_score, String(Math.round(at.score)));
    assert.equal(post.leadscore_band, at.band);
    assert.equal(post.leadscore_action, at.action ?? '');
    assert.equal(post.leadscore_rules_version, at.rulesVersion);
    for (const [cat, v] of Object.entries(at.categories)) assert.equal(post[`leadscore_${cat}`], String(Math.round(v)));
    const top = [...at.explain].filter((x) => x.points > 0).sort((a, b) => b.points - a.points)[0];
    assert.ok(post.leadscore_reasons.startsWith(top.rule), post.leadscore_reasons);
    assert.equal(post.email, 'dana@bigco.example', 'the form still posts its own fields');

    const payload = JSON.parse(decode(post.leadscore_payload));
    // Made in the capture phase, a few ms before the page's handler read `at`: the same
    // score but for those milliseconds of decay. `verify` below checks it exactly.
    assert.ok(Math.abs(payload.result.score - at.score) < 1e-6, `${payload.result.score} vs ${at.score}`);
    assert.ok(!JSON.stringify(payload).includes('dana@'), 'no personal data in the payload');
    const ok = verify(post.leadscore_payload);
    assert.equal(ok.code, 0, ok.err + JSON.stringify(ok.out));
    assert.equal(ok.out.consistent, true);
    assert.equal(ok.out.result.score, payload.result.score);

    // Tampering: an edited score, band or event list is reported as such.
    const text = decode(post.leadscore_payload);
    const edited = (fn) => { const p = JSON.parse(text); fn(p); return encode(JSON.stringify(p)); };
    const score = verify(edited((p) => { p.result.score = 99; }));
    assert.equal(score.code, 1);
    assert.ok(score.out.findings.some((f) => f.code === 'score_edited'));
    const band = verify(edited((p) => { p.result.band = p.result.band === 'cold' ? 'hot' : 'cold'; }));
    assert.ok(band.out.findings.some((f) => f.code === 'band_edited'));
    const events = verify(edited((p) => { p.events = p.events.filter((e) => e.type !== 'identify'); }));
    assert.equal(events.code, 1);
    assert.ok(events.out.findings.some((f) => f.code === 'events_edited'));
    await context.close();
  });

  it('fills marked forms, updates existing fields without duplicating, and handles forms added later', async () => {
    const context = await browser.newContext();
    const page = await open(context, `${web.url}/t/forms`);
    const names = (sel) => page.$$eval(`${sel} input`, (els) => els.map((e) => e.name));
    const mine = await names('#mine');
    assert.equal(mine.filter((n) => n === 'leadscore_score').length, 1, 'updated, not duplicated');
    assert.notEqual(await page.inputValue('#mine [name=leadscore_score]'), 'stale');
    assert.ok(mine.includes('leadscore_payload') && mine.includes('leadscore_intent'));
    assert.ok(!(await names('#search')).some((n) => n.startsWith('leadscore_')), 'unmarked forms untouched');

    await page.evaluate(() => {
      document.getElementById('later').innerHTML = '<form id="late"><input type="email" name="email"></form>';
    });
    await page.waitForSelector('#late input[name=leadscore_band]', { state: 'attached' });
    assert.ok(!(await names('#late')).includes('leadscore_payload'), 'no payload in a GET form');
    const before = await page.inputValue('#late [name=leadscore_score]');
    await page.evaluate(() => leadscore.identify({ seniority: 'vp' }));
    await page.waitForFunction((b) => document.querySelector('#late [name=leadscore_score]').value !== b, before);
    await context.close();
  });

  it('is fetched only by a page that has such a form: when one is added later, then', async () => {
    const context = await browser.newContext();
    web.requests.length = 0;
    const page = await open(context, `${web.url}/t/no-forms`);
    await page.evaluate(() => leadscore.track('webinar_attended', { webinar_id: 'w1' }));
    // A search form (no email field, not marked) is not one the hand-off fills.
    assert.ok(!web.requests.includes('/leadscore/handoff.js'), `not fetched: ${web.requests}`);
    assert.ok(!(await page.$('#search input[name^=leadscore_]')), 'the search form is untouched');
    await page.evaluate(() => {
      document.getElementById('later').innerHTML = '<form id="late" method="post"><input type="email" name="email"></form>';
    });
    await page.waitForSelector('#late input[name=leadscore_band]', { state: 'attached' });
    assert.equal(await page.inputValue('#late [name=leadscore_band]'), await page.evaluate(() => leadscore.result().band ?? ''));
    assert.ok(web.requests.includes('/leadscore/handoff.js'));
    assert.deepEqual(page.errors, []);
    await context.close();
  });

  it('fills HubSpot forms when ready and Marketo forms through their API', async () => {
    const context = await browser.newContext();
    const page = await open(context, `${web.url}/t/vendor-forms`);
    // A HubSpot form renders later with the hidden properties it defines, then says ready.
    await page.evaluate(() => {
      document.getElementById('hs').innerHTML =
        '<form class="hs-form" id="hsForm_1" data-leadscore><input type="hidden" name="leadscore_band" value=""></form>';
      window.postMessage({ type: 'hsFormCallback', eventName: 'onFormReady', id: '1' }, '*');
    });
    await page.waitForFunction(() => document.querySelector('#hsForm_1 [name=leadscore_band]').value !== '');
    const band = await page.evaluate(() => leadscore.result().band);
    assert.equal(await page.inputValue('#hsForm_1 [name=leadscore_band]'), band);

    await page.waitForFunction(() => mkto.hidden.length > 0);
    const first = await page.evaluate(() => mkto.hidden[0]);
    assert.equal(first.leadscore_band, band);
    assert.ok(first.leadscore_payload.length > 20);
    await page.evaluate(() => { leadscore.identify({ seniority: 'vp' }); mkto.submitHandlers.forEach((f) => f()); });
    const last = await page.evaluate(() => mkto.hidden.at(-1));
    assert.equal(last.leadscore_score, String(Math.round(await page.evaluate(() => leadscore.result().score))));
    await context.close();
  });
});

describe('the optional beacon', () => {
  it('posts the payload with sendBeacon on submit only when configured, and nothing else', async () => {
    const context = await browser.newContext();
    const page = await open(context, `${web.url}/t/beacon`);
    await page.fill('input[name=email]', 'kim@bigco.example');
    beacons.length = 0;
    await page.click('button');
    await page.waitForURL(/thanks/);
    for (let i = 0; i < 50 && beacons.length === 0; i++) await new Promise((r) => setTimeout(r, 100));
    assert.equal(beacons.length, 1);
    assert.match(beacons[0].type, /application\/json/);
    assert.ok(!beacons[0].body.includes('kim@'));
    assert.equal(verify(beacons[0].body).code, 0, 'the beacon carries a verifiable payload');
    // Without data-beacon (the demo site), a submit sends no beacon.
    beacons.length = 0;
    const { goto } = await import('./helpers.mjs');
    await goto(page, `${web.url}/demo`);
    await page.fill('#email', 'kim@bigco.example');
    await page.click('button[type=submit]');
    await page.waitForSelector('#ok');
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(beacons.length, 0);
    await context.close();
  });
});

describe('chat widgets and tag managers', () => {
  const T0 = Date.parse('2026-11-02T09:00:00Z');
  const clocked = async (path) => {
    const context = await browser.newContext();
    const page = await open(context);
    await page.clock.install({ time: T0 });
    // Paused: the tag's first debounced send waits for the test's runFor, however long the
    // page took to load on a busy machine (it ran at 250 ms of real time before).
    await page.clock.pauseAt(T0 + 1000);
    const { goto } = await import('./helpers.mjs');
    await goto(page, `${web.url}${path}`);
    return { context, page };
  };

  it('passes score, band and reasons through each vendor API, debounced, waiting for late ones', async () => {
    const { context, page } = await clocked('/t/chat');
    for (let i = 0; i < 5; i++) await page.evaluate((i) => leadscore.track('webinar_attended', { webinar_id: `live-demo-${i}` }), i);
    await page.clock.runFor(2_000); // Drift's snippet finishes loading after 1.2 s
    const calls = await page.evaluate(() => calls);
    const r = await page.evaluate(() => leadscore.result());
    const last = (v) => calls.filter((c) => c[0] === v).at(-1);
    assert.deepEqual(last('intercom').slice(1, 2), ['update']);
    assert.equal(last('intercom')[2].leadscore_score, Math.round(r.score));
    assert.equal(last('intercom')[2].leadscore_band, r.band);
    assert.equal(last('drift')[1].leadscore_band, r.band);
    const crisp = last('crisp')[1];
    assert.deepEqual(crisp.slice(0, 2), ['set', 'session:data']);
    assert.ok(crisp[2][0].some(([k, v]) => k === 'leadscore_score' && v === Math.round(r.score)));
    assert.equal(last('gtm')[1].event, 'leadscore_change');
    assert.ok(last('gtm')[1].leadscore_reasons.includes('webinar'));
    // HubSpot: one custom behavioral event per band change, in the documented shape; no
    // `identify`, which is for a known email and sends nothing by itself.
    const hubspot = calls.filter((c) => c[0] === 'hubspot').map((c) => c[1]);
    assert.deepEqual(hubspot, [['trackCustomBehavioralEvent', { name: 'pe123_leadscore_band', properties: {
      leadscore_band: r.band, leadscore_previous_band: 'cold', leadscore_score: Math.round(r.score),
      leadscore_action: '', leadscore_rules_version: r.rulesVersion } }]]);
    // Debounced: five quick events make one call per vendor.
    for (const v of ['intercom', 'drift', 'crisp', 'gtm']) assert.equal(calls.filter((c) => c[0] === v).length, 1, v);
    assert.deepEqual(page.errors, []);
    await context.close();
  });

  it('keeps Intercom under its documented throttle (20 updates per 30 min) and sends the latest', async () => {
    const { context, page } = await clocked('/t/chat');
    // Twenty score changes ten seconds apart, each after the debounce.
    for (let i = 0; i < 20; i++) {
      await page.evaluate((i) => leadscore.identify({ seniority: i % 2 ? 'vp' : 'manager' }), i);
      await page.clock.runFor(10_000);
    }
    await page.clock.runFor(90_000);
    const calls = await page.evaluate(() => calls.filter((c) => c[0] === 'intercom'));
    const r = await page.evaluate(() => leadscore.result());
    assert.ok(calls.length <= 4, `${calls.length} updates in 5 minutes`);
    assert.equal(calls.at(-1)[2].leadscore_score, Math.round(r.score), 'the last update is the current score');
    // Unchanged attributes are not sent again.
    const keys = calls.map((c) => JSON.stringify(c[2]));
    for (let i = 1; i < keys.length; i++) assert.notEqual(keys[i], keys[i - 1]);
    await context.close();
  });

  it('queues the HubSpot event and the GTM push for vendors that load later', async () => {
    const { context, page } = await clocked('/t/queues');
    await page.evaluate(() => leadscore.identify({ seniority: 'vp', company_size: '201-1000' }));
    await page.clock.runFor(1_000);
    const { hsq, dl, band } = await page.evaluate(() => ({ hsq: window._hsq, dl: window.dataLayer, band: leadscore.result().band }));
    assert.equal(hsq.length, 1);
    assert.equal(hsq[0][0], 'trackCustomBehavioralEvent');
    assert.equal(hsq[0][1].properties.leadscore_band, band);
    assert.equal(dl.at(-1).leadscore_band, band);
    await context.close();
  });

  it('says once what HubSpot needs when no event name is configured', async () => {
    const { context, page } = await clocked('/t/hs-no-event');
    await page.evaluate(() => leadscore.identify({ seniority: 'vp', company_size: '201-1000' }));
    assert.equal(await page.evaluate(() => window._hsq), undefined);
    const warnings = page.logs.filter((l) => l.type === 'warning' && l.text.includes('data-hubspot-event'));
    assert.equal(warnings.length, 1);
    await context.close();
  });

  it('never errors when a configured vendor is missing', async () => {
    const context = await browser.newContext();
    const page = await open(context);
    await page.clock.install({ time: T0 });
    await page.route('**/t/nochat', (route) => route.fulfill({ contentType: 'text/html',
      body: '<!doctype html><script async src="/leadscore/leadscore.js" data-rules="/leadscore/rules.lsc" data-handoff="intercom,drift,crisp,hubspot,gtm"></script>' }));
    const { goto } = await import('./helpers.mjs');
    await goto(page, `${web.url}/t/nochat`);
    await page.evaluate(() => leadscore.identify({ seniority: 'vp' }));
    await page.clock.runFor(11_000); // past the 10 s the adapters wait for a vendor
    assert.deepEqual(page.errors, []);
    assert.equal(page.logs.filter((l) => l.type === 'error').length, 0);
    await context.close();
  });
});

describe('threshold actions', () => {
  it('fires on("band") once per crossing, with the action label', async () => {
    const context = await browser.newContext();
    const page = await open(context, `${web.url}/`);
    const crossings = await page.evaluate(() => {
      const seen = [];
      leadscore.on('band', (c) => seen.push([c.from, c.to, c.action]));
      document.addEventListener('leadscore:band', (e) => seen.push(['event', e.detail.to]));
      leadscore.identify({ seniority: 'vp', company_size: '201-1000', email: 'a@bigco.example' }); // fit
      leadscore.track('webinar_attended', { webinar_id: 'live-demo-1' });
      leadscore.track('webinar_attended', { webinar_id: 'x' }); // same band: nothing
      return seen;
    });
    const fn = crossings.filter((c) => c[0] !== 'event');
    assert.ok(fn.length >= 1);
    for (let i = 1; i < fn.length; i++) assert.notEqual(fn[i][1], fn[i - 1][1], 'no repeat for the same band');
    assert.equal(fn.at(-1)[1], await page.evaluate(() => leadscore.result().band));
    assert.equal(crossings.filter((c) => c[0] === 'event').length, fn.length);
    // A reload lands in the same band: no crossing.
    await page.reload();
    await page.waitForFunction(() => window.leadscore && !Array.isArray(window.leadscore));
    const again = await page.evaluate(() => new Promise((ok) => {
      const seen = [];
      leadscore.on('band', (c) => seen.push(c));
      setTimeout(() => ok(seen.length), 300);
    }));
    assert.equal(again, 0);
    await context.close();
  });
});
