// The site tag in a real headless Chromium, on the demo site served from 127.0.0.1:
// browsing with real dwell, SPA navigation, forms, reload and return, two tabs, consent and
// GPC, broken storage and broken rules. Live results are checked against `leadscore score`
// run on `leadscore.events()` at the same `now`.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cliScore, compileRules, goto, inlineRules, launch, open, readState, site, storedStates, snapshot, tagPage } from './helpers.mjs';

let browser;
let web;
// Every note counts, with no cap: so every event either tab records must be kept.
const TAB_RULES = JSON.stringify({ version: 'tabs-1', events: { note: { props: ['n'] } }, categories: { c: {} },
  rules: [{ id: 'every-note', category: 'c', points: 1, when: { event: 'note' } }], bands: [{ name: 'all' }] });

before(async () => {
  browser = await launch();
  web = await site({
    '/t/consent': tagPage({ attrs: 'data-rules="/leadscore/rules.lsc" data-consent="required"' }),
    '/t/broken-rules': tagPage({ attrs: 'data-rules="/t/broken.json"', body: '<button id="b" onclick="this.textContent=\'clicked\'">go</button>' }),
    '/t/broken.json': (req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{\n  "version": "x",\n  "categories": {"intent": {}},\n  "rules": [\n    {"id": "p", "category": "intent", "points": 5, "when": {"event": "page_view", "page": "prcing"}}\n  ],\n  "bands": [{"name": "all"}]\n}');
    },
    '/t/rivals': tagPage({ attrs: 'data-rules="/leadscore/rules.lsc" data-competitors="rival.example, other-rival.example"' }),
    '/t/queue': tagPage({ head: `<script>window.leadscore = window.leadscore || [];
      leadscore.push(['identify', { seniority: 'vp', email: 'ceo@bigco.example' }]);
      leadscore.push(['track', 'webinar_attended', { webinar_id: 'live-demo-7' }]);</script>` }),
    '/t/inline': tagPage({ attrs: '', head: inlineRules(
      '{"version":"inline-1","categories":{"intent":{}},"rules":[{"id":"any","category":"intent","points":3,"when":{"event":"page_view"}}],"bands":[{"name":"seen","min":1},{"name":"none"}]}') }),
    '/t/tabs': tagPage({ attrs: '', head: inlineRules(TAB_RULES) }),
    '/t/module': (req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end(`<!doctype html><script type="module">
        import { start } from '/leadscore/api.js';
        const api = await start({ rules: '${compileRules(JSON.stringify({ version: 'm1', categories: { intent: {} }, bands: [{ name: 'b' }],
    rules: [{ id: 'v', category: 'intent', points: 2, when: { event: 'page_view' } }] })).toString('base64')}' });
        window.moduleResult = api.result();
      </script>`);
    },
  });
});
after(async () => {
  await browser?.close();
  await web?.close();
});

const DAY = 86_400_000;
const ids = (r) => r.explain.map((x) => x.rule);

describe('browsing the demo site', () => {
  it('scores pricing and integrations with visible dwell (page clock), equal to the CLI', async () => {
    const context = await browser.newContext();
    const page = await open(context);
    // The page clock: timers and Date move only when told, so a loaded machine cannot flake.
    await page.clock.install({ time: Date.parse('2026-11-02T09:00:00Z') });
    await goto(page, `${web.url}/integrations/slack`);
    await page.clock.runFor(10_600); // integrations needs 10 s of visible dwell
    await goto(page, `${web.url}/pricing`);
    await page.clock.runFor(10_600); // pricing: 10 s
    const { now, result, events } = await snapshot(page);
    assert.ok(ids(result).includes('integrations-view'), JSON.stringify(result.explain));
    assert.ok(ids(result).includes('pricing-view'));
    assert.ok(ids(result).includes('integrations-then-pricing'), 'the sequence completed');
    const slack = events.find((e) => e.url.endsWith('/integrations/slack'));
    assert.ok(slack.dwellMs >= 10_000, `dwell was updated on leaving: ${slack.dwellMs}`);
    assert.deepEqual(result, cliScore(events, now));
    assert.deepEqual(page.errors, []);
    await context.close();
  });

  it('records single-page-app navigation (pushState, replaceState, popstate)', async () => {
    const context = await browser.newContext();
    const page = await open(context, `${web.url}/`);
    await page.evaluate(() => history.pushState({}, '', '/security'));
    await page.evaluate(() => history.replaceState({}, '', '/security/compliance'));
    await page.evaluate(() => history.pushState({}, '', '/security/compliance#soc2')); // same page
    await page.evaluate(() => history.back());
    await page.waitForFunction(() => location.pathname === '/security/compliance' || location.hash === '');
    const urls = (await page.evaluate(() => leadscore.events()))
      .filter((e) => e.type === 'page_view')
      .map((e) => new URL(e.url).pathname);
    assert.deepEqual(urls.slice(0, 3), ['/', '/security', '/security/compliance']);
    assert.equal(urls.filter((u) => u === '/security/compliance').length, 1, 'a hash change is not a page view');
    await context.close();
  });

  it('records form start, abandon and submit, and traits without personal data', async () => {
    const context = await browser.newContext();
    const page = await open(context, `${web.url}/demo`);
    await page.fill('#email', 'pat@rival.example');
    await page.evaluate(() => history.pushState({}, '', '/pricing')); // leaves the started form
    let events = await page.evaluate(() => leadscore.events());
    assert.ok(events.some((e) => e.type === 'form_start' && e.form === 'demo-request'));
    assert.ok(events.some((e) => e.type === 'form_abandon' && e.form === 'demo-request'));

    await goto(page, `${web.url}/demo`);
    await page.fill('#email', 'jo@gmail.com');
    await page.fill('input[name=first_name]', 'Jo');
    await page.selectOption('select[name=seniority]', 'vp');
    await page.selectOption('select[name=company_size]', '201-1000');
    await page.click('button[type=submit]');
    await page.waitForURL(/\/thanks/);
    await page.waitForFunction(() => window.leadscore && !Array.isArray(window.leadscore));
    const { now, result, events: after } = await snapshot(page);
    events = after;
    assert.ok(events.some((e) => e.type === 'form_submit' && e.form === 'demo-request'));
    const traits = Object.assign({}, ...events.filter((e) => e.type === 'identify').map((e) => e.traits));
    assert.deepEqual(traits, { email_type: 'free', seniority: 'vp', company_size: '201-1000' });
    assert.ok(ids(result).includes('demo-request') && ids(result).includes('free-mailbox'));
    // Nothing typed is kept: not in the events, not in storage, not even in the GET URL.
    const stored = JSON.stringify(await storedStates(page));
    for (const secret of ['jo@gmail.com', 'jo%40gmail.com', 'gmail.com', '"Jo"', 'first_name=Jo']) {
      assert.ok(!JSON.stringify(events).includes(secret), `events hold ${secret}`);
      assert.ok(!stored.includes(secret), `storage holds ${secret}`);
    }
    assert.deepEqual(result, cliScore(events, now));
    await context.close();
  });

  it('keeps the score across reloads and decays it on a return weeks later', async () => {
    const context = await browser.newContext();
    const page = await open(context);
    const t0 = Date.parse('2026-10-01T09:00:00Z');
    await page.clock.install({ time: t0 });
    await goto(page, `${web.url}/demo`);
    await page.fill('#email', 'alex@bigco.example');
    await page.click('button[type=submit]');
    await page.waitForURL(/\/thanks/);
    await page.waitForFunction(() => window.leadscore && !Array.isArray(window.leadscore));
    const first = await page.evaluate(() => leadscore.result());
    await page.reload();
    await page.waitForFunction(() => window.leadscore && !Array.isArray(window.leadscore));
    assert.deepEqual((await page.evaluate(() => leadscore.result())).explain.map((x) => x.rule), ids(first));

    await page.clock.setSystemTime(t0 + 21 * DAY);
    await goto(page, `${web.url}/`);
    const { now, result, events } = await snapshot(page);
    const demo = (r) => r.explain.find((x) => x.rule === 'demo-request').points;
    assert.ok(demo(result) < demo(first), 'the demo request decayed');
    assert.ok(events.some((e) => e.ts < t0 + DAY), 'old events survived the return');
    assert.deepEqual(result, cliScore(events, now));
    await context.close();
  });

  it('loses no events when two tabs record at once', async () => {
    const context = await browser.newContext();
    const a = await open(context, `${web.url}/t/tabs`);
    const b = await open(context, `${web.url}/t/tabs`);
    for (let i = 0; i < 10; i++) {
      await Promise.all([
        a.evaluate((i) => leadscore.track('note', { n: `a-${i}` }), i),
        b.evaluate((i) => leadscore.track('note', { n: `b-${i}` }), i),
      ]);
    }
    const c = await open(context, `${web.url}/t/tabs`);
    const { now, result, events } = await snapshot(c);
    const notes = events.filter((e) => e.type === 'note').map((e) => e.props.n).sort();
    const want = [...Array(10).keys()].flatMap((i) => [`a-${i}`, `b-${i}`]).sort();
    assert.deepEqual(notes, want);
    assert.equal(result.explain[0].count, 20);
    const rules = join(mkdtempSync(join(tmpdir(), 'tabs-')), 'rules.json');
    writeFileSync(rules, TAB_RULES);
    assert.deepEqual(result, cliScore(events, now, rules));
    await context.close();
  });
});

describe('the JavaScript API', () => {
  it('validates custom events against the tracking plan and never throws', async () => {
    const context = await browser.newContext();
    const page = await open(context, `${web.url}/`);
    const r = await page.evaluate(() => [
      leadscore.track('webinar_attended', { webinar_id: 'live-demo-1' }),
      leadscore.track('chat_opened'),
      leadscore.track('webinar_attended', { seat: 3 }),
      leadscore.track(null),
      leadscore.identify('nope'),
      leadscore.push(['nonsense']),
      leadscore.identify({ email: 'x@rival.example', phone: '+1 555' }),
    ]);
    assert.deepEqual(r[0], { ok: true });
    assert.equal(r[1].error.code, 'unknown_event');
    assert.equal(r[2].error.code, 'unknown_prop');
    assert.equal(r[3].error.code, 'wrong_type');
    assert.equal(r[4].error.code, 'wrong_type');
    assert.equal(r[5].error.code, 'unknown_command');
    assert.deepEqual(r[6], { ok: true });
    const ids = await page.evaluate(() => leadscore.result().explain.map((x) => x.rule));
    assert.ok(ids.includes('webinar-attended'));
    const identify = (await page.evaluate(() => leadscore.events())).filter((e) => e.type === 'identify');
    assert.deepEqual(identify.at(-1).traits, { email_type: 'corporate' }, 'phone dropped, email reduced to its type');
    assert.deepEqual(page.errors, []);
    await context.close();
  });

  it('fires change listeners and the leadscore:change event; unsubscribe works', async () => {
    const context = await browser.newContext();
    const page = await open(context, `${web.url}/`);
    const seen = await page.evaluate(() => {
      const log = [];
      const off = leadscore.on('change', (r) => log.push(['fn', r.score]));
      document.addEventListener('leadscore:change', (e) => log.push(['event', e.detail.score]));
      leadscore.track('webinar_attended', { webinar_id: 'w1' });
      off();
      leadscore.identify({ seniority: 'vp' });
      leadscore.identify({ seniority: 'vp' }); // no change: no notification
      return log;
    });
    assert.equal(seen.filter(([k]) => k === 'fn').length, 1);
    assert.equal(seen.filter(([k]) => k === 'event').length, 2);
    await context.close();
  });

  it('classifies data-competitors domains as competitor, in the core', async () => {
    const context = await browser.newContext();
    const page = await open(context, `${web.url}/t/rivals`);
    await page.evaluate(() => leadscore.identify({ email: 'pat@eu.Rival.example' }));
    const { now, result, events } = await snapshot(page);
    assert.deepEqual(events.find((e) => e.type === 'identify').traits, { email_type: 'competitor' });
    assert.equal(result.disqualified, true);
    assert.equal(result.band, 'disqualified');
    assert.deepEqual(result, cliScore(events, now), 'the disqualified result decodes as the CLI prints it');
    await context.close();
  });

  it('stays exact and bounded over a long session of 3,000 events', async () => {
    const context = await browser.newContext();
    const page = await open(context, `${web.url}/pricing`);
    const stats = await page.evaluate(async () => {
      let bad = 0;
      for (let i = 0; i < 3000; i++) {
        const r = leadscore.track('webinar_attended', { webinar_id: `w-${i % 7}` });
        if (!r.ok) bad++;
        if (i % 100 === 0) leadscore.result();
      }
      // Storage is written once per task, in a microtask after its events.
      await Promise.resolve();
      return { bad, stored: localStorage.getItem('leadscore:v1:state').length };
    });
    assert.equal(stats.bad, 0);
    const { now, result, events } = await snapshot(page);
    assert.ok(events.length < 300, `compaction keeps the state small: ${events.length} events`);
    assert.ok(stats.stored < 64_000, `stored text stays small: ${stats.stored} bytes`);
    assert.deepEqual(result, cliScore(events, now));
    assert.deepEqual(page.errors, []);
    await context.close();
  });

  it('ships typings for the ES module API in the npm package', () => {
    const pkg = join(process.cwd(), 'target/pkg');
    const meta = JSON.parse(readFileSync(join(pkg, 'package.json'), 'utf8'));
    const types = readFileSync(join(pkg, meta.types), 'utf8');
    assert.match(types, /export function start\(options\?: Options\): Promise<Api>;/);
    for (const m of ['result', 'track', 'identify', 'on', 'events', 'payload', 'reset', 'consent', 'push']) {
      assert.match(types, new RegExp(`\\n  ${m}\\(`), `Api.${m} is typed`);
    }
    assert.ok(readFileSync(join(pkg, meta.module), 'utf8').includes('leadscore_core_bg.wasm'), 'the module loads the tag core');
  });

  it('replays calls queued before the tag loaded, in order', async () => {
    const context = await browser.newContext();
    const page = await open(context, `${web.url}/t/queue`);
    const events = await page.evaluate(() => leadscore.events());
    const kinds = events.map((e) => e.type);
    assert.ok(kinds.indexOf('identify') < kinds.indexOf('webinar_attended'));
    assert.deepEqual(events.find((e) => e.type === 'identify').traits, { seniority: 'vp', email_type: 'corporate' });
    await context.close();
  });

  it('reads inline rules, and works as an ES module', async () => {
    const context = await browser.newContext();
    const page = await open(context, `${web.url}/t/inline`);
    assert.equal((await page.evaluate(() => leadscore.result())).band, 'seen');
    const mod = await open(context);
    await mod.goto(`${web.url}/t/module`);
    await mod.waitForFunction(() => window.moduleResult);
    assert.equal(await mod.evaluate(() => window.moduleResult.rulesVersion), 'm1');
    await context.close();
  });

  it('shows the debug panel with ?leadscore_debug=1', async () => {
    const context = await browser.newContext();
    web.requests.length = 0;
    const page = await open(context, `${web.url}/?leadscore_debug=1`);
    await page.evaluate(() => leadscore.track('webinar_attended', { webinar_id: 'w1' }));
    await page.click('#leadscore-debug .ls-toggle'); // a chip until opened (tests/e2e/debug.test.mjs)
    await page.waitForSelector('#leadscore-debug [data-rule="webinar-attended"]');
    const band = await page.textContent('#leadscore-debug .ls-band');
    assert.equal(band.trim(), (await page.evaluate(() => leadscore.result().band)));
    // The panel is its own file, fetched only here (other pages: see "makes no request…").
    assert.ok(web.requests.includes('/leadscore/debug.js'));
    await context.close();
  });
});

describe('consent, privacy and robustness', () => {
  const stored = (page) => page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith('leadscore')));

  it('stores nothing until consent(true) with data-consent="required"; consent(false) erases', async () => {
    const context = await browser.newContext();
    const page = await open(context, `${web.url}/t/consent`);
    await page.evaluate(() => leadscore.track('webinar_attended', { webinar_id: 'w1' }));
    assert.deepEqual(await stored(page), []);
    assert.equal((await page.evaluate(() => leadscore.result())).explain.length, 1, 'still scores in memory');
    await page.evaluate(() => leadscore.consent(true));
    assert.ok((await stored(page)).includes('leadscore:v1:state'));
    await page.reload();
    await page.waitForFunction(() => window.leadscore && !Array.isArray(window.leadscore));
    assert.equal((await page.evaluate(() => leadscore.result())).explain.length, 1, 'kept after consent');
    await page.evaluate(() => leadscore.consent(false));
    assert.ok(!(await stored(page)).includes('leadscore:v1:state'));
    await context.close();
  });

  it('honours Global Privacy Control: scores the page, persists nothing', async () => {
    const context = await browser.newContext();
    await context.addInitScript(() => Object.defineProperty(Navigator.prototype, 'globalPrivacyControl', { get: () => true }));
    const page = await open(context, `${web.url}/pricing`);
    await page.evaluate(() => leadscore.track('webinar_attended', { webinar_id: 'w1' }));
    assert.equal((await page.evaluate(() => leadscore.result())).explain.length, 1);
    assert.deepEqual(await stored(page), []);
    await context.close();
  });

  for (const [name, junk] of [['corrupt', '{"v":1,"events":[{"type":'], ['foreign', '{"theme":"dark"}'], ['future', '{"v":99,"events":[]}'],
    // Binary state damaged: not base64, a wrong version, a count beyond the bytes, a cut value.
    ['not base64', '@@not base64@@'], ['unknown version', 'TFMJAA=='], ['hostile count', 'TFMC/////w8='], ['cut short', 'TFMCAQNhLjAGAQR0eXBlBAlwYWdl']]) {
    it(`recovers from ${name} data under its key, warning once`, async () => {
      const context = await browser.newContext();
      await context.addInitScript((junk) => { if (!sessionStorage.getItem('seeded')) { localStorage.setItem('leadscore:v1', junk); sessionStorage.setItem('seeded', '1'); } }, junk);
      const page = await open(context, `${web.url}/pricing`);
      await page.evaluate(() => leadscore.track('webinar_attended', { webinar_id: 'w1' }));
      assert.equal((await page.evaluate(() => leadscore.result())).explain.length, 1);
      const warnings = page.logs.filter((l) => l.type === 'warning' && l.text.startsWith('leadscore'));
      assert.equal(warnings.length, 1, JSON.stringify(page.logs));
      const saved = readState(await page.evaluate(() => localStorage.getItem('leadscore:v1:state')));
      assert.equal(saved.v, 2, 'replaced with valid state');
      assert.equal(await page.evaluate(() => localStorage.getItem('leadscore:v1')), null, 'what no tag can read is removed');
      assert.deepEqual(page.errors, []);
      await context.close();
    });
  }

  it('keeps scoring in memory when storage throws or is full', async () => {
    for (const script of [
      () => Object.defineProperty(window, 'localStorage', { get() { throw new DOMException('denied', 'SecurityError'); } }),
      () => { Storage.prototype.setItem = function () { throw new DOMException('full', 'QuotaExceededError'); }; },
    ]) {
      const context = await browser.newContext();
      await context.addInitScript(script);
      const page = await open(context, `${web.url}/pricing`);
      const r = await page.evaluate(() => leadscore.track('webinar_attended', { webinar_id: 'w1' }));
      assert.deepEqual(r, { ok: true });
      assert.equal((await page.evaluate(() => leadscore.result())).explain.length, 1);
      assert.equal(page.logs.filter((l) => l.type === 'warning' && l.text.startsWith('leadscore')).length, 1);
      assert.deepEqual(page.errors, []);
      await context.close();
    }
  });

  // A rules problem is found by `leadscore compile` (tests/compiled.rs: the same lines as
  // `check`); the tag reads only compiled rules, and a rules JSON is not that.
  it('goes inert with one clear console error on a rules file that is not compiled; the page keeps working', async () => {
    const context = await browser.newContext();
    const page = await open(context, `${web.url}/t/broken-rules`);
    const errors = page.logs.filter((l) => l.type === 'error');
    assert.equal(errors.length, 1, JSON.stringify(page.logs));
    assert.match(errors[0].text, /\[not_compiled\]/);
    assert.match(errors[0].text, /leadscore compile/);
    assert.equal((await page.evaluate(() => leadscore.track('x'))).error.code, 'inert');
    assert.equal(await page.evaluate(() => leadscore.result()), null);
    await page.click('#b');
    assert.equal(await page.textContent('#b'), 'clicked');
    assert.deepEqual(page.errors, []);
    await context.close();
  });

  it('makes no request other than its own files and the rules file', async () => {
    const context = await browser.newContext();
    const external = [];
    context.on('request', (r) => { if (!r.url().startsWith(web.url)) external.push(r.url()); });
    web.requests.length = 0;
    const page = await open(context, `${web.url}/pricing`);
    await page.evaluate(() => leadscore.track('webinar_attended', { webinar_id: 'w1' }));
    await page.waitForTimeout(300);
    assert.deepEqual(external, []);
    const tagRequests = web.requests.filter((p) => p.startsWith('/leadscore/'));
    assert.deepEqual([...new Set(tagRequests.map((p) => p.split('?')[0]))].sort(),
      ['/leadscore/api.js', '/leadscore/leadscore.js', '/leadscore/leadscore_core_bg.wasm', '/leadscore/rules.lsc']);
    await context.close();
  });
});
