// One bad call never stops the tag: hostile arguments, queue commands that are not the
// API's, and pages whose elements clobber the tag's globals. Real pages in headless Chromium.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { goto, launch, open, RULES, site, tagPage, inlineRules } from './helpers.mjs';

// The demo rules' version, as every result carries it.
const VERSION = JSON.parse(RULES).version;

let browser;
let web;

const INLINE = JSON.stringify({ version: 'inline-r1', categories: { c: {} }, events: { note: { props: ['n'] } },
  rules: [{ id: 'note', category: 'c', points: 1, when: { event: 'note' } }], bands: [{ name: 'b' }] });

before(async () => {
  browser = await launch();
  web = await site({
    '/t/plain': tagPage(),
    // Queued before the tag loads: inherited names among documented commands.
    '/t/queue': tagPage({ head: `<script>window.leadscore = window.leadscore || [];
      leadscore.push(['toString']);
      leadscore.push(['constructor']);
      leadscore.push(['__defineGetter__', 'result', function () { return 'hijacked'; }]);
      leadscore.push(['track', 'webinar_attended', { webinar_id: 'w-q' }]);</script>` }),
    '/t/clobber': tagPage({ body: '<div id="leadscore">a page element</div>' }),
    '/t/clobber-config': tagPage({ attrs: '',
      head: `${inlineRules(INLINE)}`,
      // A table's obsolete `rules` attribute reads "": copied into the config, it was empty rules.
      body: '<table id="leadscoreConfig"><tr><td>config</td></tr></table>' }),
    '/t/clobber-rules': tagPage({ attrs: '',
      body: `<section id="leadscore-rules"><h2>Our rules of engagement</h2></section>
             ${inlineRules(INLINE)}` }),
  });
});
after(async () => {
  await browser?.close();
  await web?.close();
});

const warnings = (page) => page.logs.filter((l) => l.type === 'warning' && l.text.startsWith('leadscore'));
const errors = (page) => page.logs.filter((l) => l.type === 'error' && l.text.includes('leadscore'));

describe('hostile arguments', () => {
  it('typed values: what JSON.stringify would write is stored, too deep or too large is a clear problem', async () => {
    const context = await browser.newContext();
    const page = await open(context, `${web.url}/t/plain`);
    const out = await page.evaluate(() => {
      let deep = 'x';
      for (let i = 0; i < 100; i++) deep = i % 2 ? { d: deep } : [deep];
      const props = [
        { webinar_id: NaN }, { webinar_id: -Infinity }, { webinar_id: new Date(0) }, { webinar_id: new String('boxed') },
        { webinar_id: 'w-skip', extra: undefined, fn() {}, [Symbol('s')]: 1 },
        new (class W { constructor() { this.webinar_id = 'w-class'; } })(),
        { webinar_id: new Map([['a', 1]]) }, { webinar_id: [1, undefined, () => 1, 2.5e-300] },
        { webinar_id: 'é ☃ \u{1F600} \ud800' },
      ];
      const stored = props.map((p) => leadscore.track('webinar_attended', p));
      const want = props.map((p) => JSON.parse(JSON.stringify(p)));
      const bad = {
        deep: leadscore.track('webinar_attended', { webinar_id: deep }),
        huge: leadscore.track('webinar_attended', { webinar_id: 'x'.repeat(4 << 20) }),
        sparse: leadscore.track('webinar_attended', { webinar_id: new Array(1e8) }),
        traits: leadscore.identify({ seniority: deep }),
      };
      const events = leadscore.events().filter((e) => e.type === 'webinar_attended').map((e) => e.props);
      const ok = leadscore.track('webinar_attended', { webinar_id: 'after' });
      return { stored, want, events, bad, ok, inert: leadscore.inert };
    });
    out.stored.forEach((r, i) => assert.deepEqual(r, { ok: true }, `value ${i}`));
    // Strings the page wrote as lone surrogates are kept as U+FFFD, as UTF-8 must.
    out.want[8].webinar_id = out.want[8].webinar_id.replace('\ud800', '\ufffd');
    assert.deepEqual(out.events, out.want, 'stored as JSON.stringify writes them');
    assert.equal(out.bad.deep.error.code, 'too_deep');
    assert.equal(out.bad.huge.error.code, 'too_large');
    assert.equal(out.bad.sparse.error.code, 'too_large');
    assert.equal(out.bad.traits.error.code, 'too_deep');
    assert.deepEqual(out.ok, { ok: true }, 'the tag keeps working');
    assert.equal(out.inert, false);
    assert.deepEqual(errors(page), []);
    assert.deepEqual(page.errors, []);
    await context.close();
  });

  it('a BigInt, a cycle, a throwing getter or toJSON, a Proxy fail their call only', async () => {
    const context = await browser.newContext();
    const page = await open(context, `${web.url}/t/plain`);
    const out = await page.evaluate(() => {
      const cyclic = {}; cyclic.self = cyclic;
      const getter = { get webinar_id() { throw new Error('boom'); } };
      const toJSON = { toJSON() { throw new Error('no'); } };
      const trap = new Proxy({}, { ownKeys() { throw new Error('trap'); }, get() { throw new Error('trap'); } });
      const revoked = Proxy.revocable({}, {}); revoked.revoke();
      const nasty = { toString() { throw new Error('no name'); } };
      const bad = [
        leadscore.track('webinar_attended', { webinar_id: 10n }),
        leadscore.track('webinar_attended', cyclic),
        leadscore.track('webinar_attended', getter),
        leadscore.track('webinar_attended', toJSON),
        leadscore.track('webinar_attended', trap),
        leadscore.track('webinar_attended', revoked.proxy),
        leadscore.identify({ seniority: 1n }),
        leadscore.identify(trap),
        // (An email whose toString throws is no longer read by the page: the core gets the
        // object and keeps nothing of it. A getter that throws still fails the call.)
        leadscore.identify({ get seniority() { throw new Error('boom'); } }),
        leadscore.push(trap),
        leadscore.push(['track', 'webinar_attended', cyclic]),
      ];
      const off = leadscore.on(nasty, () => {});
      const r = leadscore.result(trap);
      const ok = leadscore.track('webinar_attended', { webinar_id: 'live-demo-9' });
      return { bad, off: typeof off, r: r && r.rulesVersion, ok, inert: leadscore.inert, after: leadscore.result() };
    });
    for (const [i, b] of out.bad.entries()) {
      assert.equal(b.ok, false, `call ${i}`);
      assert.equal(typeof b.error.code, 'string', `call ${i}`);
      assert.notEqual(b.error.code, 'inert', `call ${i}`);
    }
    assert.equal(out.bad[0].error.code, 'invalid_argument');
    assert.equal(out.off, 'function');
    assert.equal(out.r, VERSION, 'result(at) ignores an unreadable `at`');
    assert.deepEqual(out.ok, { ok: true }, 'the tag keeps working');
    assert.equal(out.inert, false);
    assert.ok(out.after.explain.some((x) => x.rule === 'live-demo-webinar'));
    assert.ok(!(await page.evaluate(() => JSON.stringify(leadscore.events()))).includes('10n'));
    assert.deepEqual(errors(page), [], 'no console error: the tag did not stop');
    assert.deepEqual(page.errors, []);
    await context.close();
  });

  it('a fault of the core still stops the tag, with one console error', async () => {
    const context = await browser.newContext();
    const page = await open(context, `${web.url}/t/plain`);
    // A page function the core calls (here `console.warn`, when storage cannot be read)
    // throwing through it: the core's state is not to be trusted after that.
    const out = await page.evaluate(() => {
      Storage.prototype.getItem = () => { throw new DOMException('denied', 'SecurityError'); };
      console.warn = () => { throw new Error('patched warn'); };
      const r = leadscore.track('webinar_attended', { webinar_id: 'w' });
      return { r, inert: leadscore.inert, result: leadscore.result(), again: leadscore.track('webinar_attended', { webinar_id: 'v' }) };
    });
    assert.equal(out.r.error.code, 'inert');
    assert.equal(out.inert, true);
    assert.equal(out.result, null);
    assert.equal(out.again.error.code, 'inert');
    assert.equal(errors(page).length, 1, JSON.stringify(page.logs));
    assert.match(errors(page)[0].text, /leadscore: stopped/);
    assert.deepEqual(page.errors, []);
    await context.close();
  });
});

describe('the command queue', () => {
  it('runs only the documented commands, before and after load', async () => {
    const context = await browser.newContext();
    const page = await open(context, `${web.url}/t/queue`);
    const out = await page.evaluate(() => ({
      type: typeof leadscore.result,
      result: leadscore.result() && leadscore.result().rulesVersion,
      pushed: [
        leadscore.push(['toString']),
        leadscore.push(['constructor']),
        leadscore.push(['__defineGetter__', 'events', () => 'hijacked']),
        leadscore.push(['hasOwnProperty', 'track']),
        leadscore.push(['push', ['track', 'x']]),
        leadscore.push([Symbol.iterator]),
      ],
      events: leadscore.events().map((e) => e.type),
    }));
    assert.equal(out.type, 'function');
    assert.equal(out.result, VERSION, 'the queued __defineGetter__ did not replace result');
    for (const r of out.pushed) assert.equal(r.error.code, 'unknown_command', JSON.stringify(r));
    assert.ok(out.events.includes('webinar_attended'), 'documented queued commands still ran');
    assert.deepEqual(page.errors, []);
    await context.close();
  });
});

describe('clobbered globals', () => {
  it('starts when <div id="leadscore"> took window.leadscore, warning once', async () => {
    const context = await browser.newContext();
    const page = await open(context, `${web.url}/t/clobber`);
    const out = await page.evaluate(() => ({
      version: leadscore.result().rulesVersion,
      track: leadscore.track('webinar_attended', { webinar_id: 'w' }),
      element: document.getElementById('leadscore').textContent,
    }));
    assert.equal(out.version, VERSION);
    assert.deepEqual(out.track, { ok: true });
    assert.equal(out.element, 'a page element', 'the element itself is untouched');
    assert.equal(warnings(page).length, 1, JSON.stringify(page.logs));
    assert.match(warnings(page)[0].text, /window\.leadscore/);
    assert.deepEqual(page.errors, []);
    await context.close();
  });

  it('ignores a <table id="leadscoreConfig"> and a non-script #leadscore-rules', async () => {
    for (const path of ['/t/clobber-config', '/t/clobber-rules']) {
      const context = await browser.newContext();
      const page = await open(context, `${web.url}${path}`);
      const out = await page.evaluate(() => ({ r: leadscore.result(), persisting: leadscore.persisting }));
      assert.equal(out.r && out.r.rulesVersion, 'inline-r1', `${path}: ${JSON.stringify(page.logs)}`);
      assert.equal(out.persisting, true, path);
      assert.deepEqual(errors(page), [], path);
      assert.deepEqual(page.errors, [], path);
      await context.close();
    }
  });
});
