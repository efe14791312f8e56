// Browser tests of the rule playground (/playground/), in headless Debian Chromium.
// Build first:  node www/build.mjs && node --test tests/e2e/playground.test.mjs
// (LEADSCORE_SITE=/some/dir serves another built copy of target/site instead.)
//
// They assert what a user sees: the editor's lint markers and line numbers, the score,
// band and action text, the timeline, the comparison table, the URL that is shared.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readFile, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deflateRawSync } from 'node:zlib';
import { chromium } from 'playwright-core';
import { serve } from '../../www/serve.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
// The tests' own screenshot goes under target/; the README's picture (tracked) is made only
// by `npm run screenshot`, so a test run leaves the tree as it found it.
const SCREENSHOT = join(root, 'target', 'e2e', 'playground.png');
const TRACKED_SCREENSHOT = join(root, 'www', 'playground', 'screenshot.png');
const TAG = '<script async src="/leadscore/leadscore.js" data-rules="/leadscore/rules.lsc"></script>';

// Small rules with known line numbers: line 8 holds the rule's points, line 9 its page.
const TEST_RULES = `{
  "version": "test-1",
  "pages": [
    { "category": "pricing", "match": ["/pricing"] }
  ],
  "categories": { "intent": { "max": 100 } },
  "rules": [
    { "id": "pricing-view", "category": "intent", "points": 10,
      "when": { "event": "page_view", "page": "pricing" } }
  ],
  "bands": [ { "name": "hot", "min": 30, "action": "call_now" }, { "name": "cold" } ]
}`;

let server;
let base;
let browser;
let trackedBefore;

const fileState = async (p) => {
  const s = await stat(p).catch(() => null);
  return s && { mtimeMs: s.mtimeMs, size: s.size, bytes: (await readFile(p)).toString('base64') };
};

before(async () => {
  trackedBefore = await fileState(TRACKED_SCREENSHOT);
  await mkdir(dirname(SCREENSHOT), { recursive: true });
  ({ server, url: base } = await serve({ port: 0, ...(process.env.LEADSCORE_SITE ? { root: process.env.LEADSCORE_SITE } : {}) }));
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
});

after(async () => {
  await browser?.close();
  await new Promise((ok) => (server ? server.close(ok) : ok()));
});

after(async () => {
  assert.deepEqual(await fileState(TRACKED_SCREENSHOT), trackedBefore,
    'the tracked www/playground/screenshot.png is not rewritten by the tests (npm run screenshot makes it)');
});

/** A fresh context and page on the playground, ready (core loaded, first render done). */
async function open(t, { hash = '', width = 1280, height = 800, route } = {}) {
  const context = await browser.newContext({
    viewport: { width, height },
    permissions: ['clipboard-read', 'clipboard-write'],
    acceptDownloads: true,
  });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console: ${m.text()}`);
  });
  if (route) await route(page);
  await page.goto(`${base}/playground/${hash}`);
  try {
    await page.waitForSelector('body[data-ready]', { timeout: 20_000 });
  } catch (e) {
    const fatal = await page.locator('#fatal').textContent().catch(() => '');
    assert.fail(`the playground did not get ready: ${fatal || e.message} ${errors.join(' | ')}`);
  }
  t.after(async () => {
    await context.close();
  });
  page.errors = errors;
  return page;
}

const text = (page, sel) => page.locator(sel).first().textContent();

/** Waits until the text of `sel` satisfies `want` (a string it contains, or a RegExp). */
async function until(page, sel, want, timeout = 5_000) {
  try {
    await page.waitForFunction(([s, src, flags, isRe]) => {
      const t = document.querySelector(s)?.textContent ?? '';
      return isRe ? new RegExp(src, flags).test(t) : t.includes(src);
    }, [sel, want instanceof RegExp ? want.source : want, want instanceof RegExp ? want.flags : '', want instanceof RegExp], { timeout });
  } catch {
    assert.fail(`${sel}: expected ${want}, found ${JSON.stringify(await text(page, sel))}`);
  }
}

const scoreOf = async (page) => Number(await text(page, '#score'));

/** Replaces the whole rules document, as a paste would. */
async function pasteRules(page, rules) {
  await page.locator('.cm-content').click();
  await page.keyboard.press('Control+a');
  await page.keyboard.insertText(rules);
}

/** Selects the first match of `find` with the editor's search panel, deletes it and types `replacement`. */
async function replaceInEditor(page, find, replacement) {
  await page.locator('.cm-content').click();
  await page.keyboard.press('Control+Home');
  await page.keyboard.press('Control+f');
  const field = page.locator('.cm-search input[name="search"]');
  await field.fill(find);
  await field.dispatchEvent('change');
  await field.press('Enter');
  await page.keyboard.press('Escape');
  const selected = await page.evaluate(() => getSelection().toString());
  assert.equal(selected, find, 'the search selects the text to replace');
  await page.keyboard.press('Backspace');
  await page.keyboard.type(replacement);
}

/** The editor line numbers (as shown in the gutter) that carry an error marker. */
async function markerLines(page) {
  return page.evaluate(() => {
    const numbers = [...document.querySelectorAll('.cm-lineNumbers .cm-gutterElement')]
      .map((e) => ({ top: e.getBoundingClientRect().top, n: e.textContent.trim() }))
      .filter((x) => x.n);
    return [...document.querySelectorAll('.cm-gutter-lint .cm-gutterElement')]
      .filter((e) => e.querySelector('.cm-lint-marker-error'))
      .map((e) => {
        const top = e.getBoundingClientRect().top;
        return numbers.find((x) => Math.abs(x.top - top) < 3)?.n ?? '?';
      });
  });
}

/** Waits until the gutter's error markers sit on the lines `want` (the gutter is redrawn
 * after the lint pass, so a read right after it can see the previous layout). */
async function untilMarkers(page, want, timeout = 5_000) {
  const end = Date.now() + timeout;
  let got;
  do {
    got = await markerLines(page);
    if (JSON.stringify(got) === JSON.stringify(want)) return;
    await page.waitForTimeout(50);
  } while (Date.now() < end);
  assert.deepEqual(got, want);
}

/** Moves the mouse over the first occurrence of `str` in the editor's text. */
async function hoverText(page, str) {
  const box = await page.evaluate((needle) => {
    const walker = document.createTreeWalker(document.querySelector('.cm-content'), NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      const i = n.data.indexOf(needle);
      if (i < 0) continue;
      const r = document.createRange();
      r.setStart(n, i);
      r.setEnd(n, i + needle.length);
      const b = r.getBoundingClientRect();
      return { x: b.left + b.width / 2, y: b.top + b.height / 2 };
    }
    return null;
  }, str);
  assert.ok(box, `"${str}" is shown in the editor`);
  await page.mouse.move(box.x, box.y);
}

function noErrors(page) {
  assert.deepEqual(page.errors, [], 'no errors in the page console');
}

describe('rule playground', () => {
  test('opens with the demo rules and the enterprise sample, scored by the core', async (t) => {
    const page = await open(t);
    await until(page, '#rules-status', '✓ Rules valid');
    const demo = JSON.parse(await readFile(join(root, 'www/site/leadscore/rules.json'), 'utf8'));
    await until(page, '#rules-status', demo.version);
    assert.equal(await text(page, '#journey-name'), 'Enterprise evaluator');
    assert.ok(await page.locator('#chart canvas').count(), 'the chart is drawn');
    assert.match(await text(page, '#score'), /^-?\d+(\.\d)?$/);
    assert.ok((await page.locator('#explain tbody tr').count()) > 3, 'the explanation lists the rules that scored');
    // Every sample journey is scored in the comparison table.
    for (const name of ['Enterprise evaluator', 'Student reading the blog', 'Competitor', 'Returning after 60 days', 'Job seeker']) {
      assert.ok(await page.locator('#compare tbody th', { hasText: name }).count(), `${name} is listed`);
    }
    await until(page, '#compare tr[data-journey="competitor"]', 'disqualified');
    await page.screenshot({ path: SCREENSHOT });
    noErrors(page);
  });

  test('a broken rule gets a marker on its line with the message; fixing it moves the score', async (t) => {
    const page = await open(t);
    await pasteRules(page, TEST_RULES);
    await until(page, '#rules-status', 'version test-1');
    // The enterprise sample has two pricing views: 2 × 10 points.
    await until(page, '#score', /^20$/);
    assert.equal(await text(page, '#band'), 'cold');

    // An unknown page category: marker on line 9, at the value.
    await replaceInEditor(page, '"pricing" }', '"prcing" }');
    await page.locator('.cm-lintRange-error').first().waitFor();
    await untilMarkers(page, ['9']);
    assert.equal(await text(page, '.cm-lintRange-error'), '"prcing"');
    await until(page, '#problems', 'Line 9:');
    await until(page, '#problems', 'unknown page category "prcing"');
    await until(page, '#rules-status', '1 problem');
    assert.equal(await page.locator('#stale').isVisible(), true, 'the result says it is stale');
    // The marker's tooltip carries the core's message.
    await page.locator('.cm-lintRange-error').first().hover();
    await until(page, '.cm-tooltip-lint', 'unknown page category');

    // Put the page back, then give the points the wrong type: marker on line 8.
    await replaceInEditor(page, '"prcing" }', '"pricing" }');
    await until(page, '#rules-status', '✓ Rules valid');
    await replaceInEditor(page, '"points": 10', '"points": "ten"');
    await until(page, '#problems', 'Line 8:');
    await page.waitForFunction(() => document.querySelectorAll('.cm-lint-marker-error').length === 1);
    await untilMarkers(page, ['8']);
    assert.equal(await scoreOf(page), 20, 'the last valid rules still score while the rules are broken');

    // Fix it with 25 points: the markers go and the score and band move.
    await replaceInEditor(page, '"points": "ten"', '"points": 25');
    await until(page, '#rules-status', '✓ Rules valid');
    await until(page, '#score', /^50$/);
    assert.equal(await text(page, '#band'), 'hot');
    assert.equal(await text(page, '#action'), 'action: call_now');
    await page.waitForFunction(() => !document.querySelector('.cm-lint-marker-error'));
    assert.equal(await page.locator('#stale').isVisible(), false);
    await until(page, '#explain tbody', 'pricing-view');

    // A JSON syntax error (a missing comma) is marked on its line too.
    await replaceInEditor(page, '"version": "test-1",', '"version": "test-1"');
    await until(page, '#problems', 'invalid JSON');
    await page.locator('.cm-lint-marker-error').first().waitFor();
    await untilMarkers(page, ['3']);
    noErrors(page);
  });

  test('simulating the enterprise journey with the buttons reaches the hot band', async (t) => {
    const page = await open(t);
    await page.getByRole('button', { name: 'Empty', exact: true }).click();
    await until(page, '#event-count', '(0 events)');
    await until(page, '#score', /^0$/);
    const view = async (category, dwell) => {
      await page.selectOption('#pv-category', category);
      await page.fill('#pv-dwell', String(dwell));
      await page.getByRole('button', { name: 'Add page view' }).click();
    };
    await view('integrations', 40);
    assert.equal(await page.inputValue('#pv-path'), '/integrations', 'the path comes from the rules\' page patterns');
    await view('security', 60);
    await view('pricing', 45);
    await page.fill('#form-name', 'demo-request');
    await page.getByRole('button', { name: 'Submit' }).click();
    await until(page, '#event-count', '(4 events)');
    await until(page, '#timeline', '/integrations');
    await until(page, '#timeline', 'form_submit');
    // Intent alone is capped: a sales review, not yet a hot lead.
    await until(page, '#band', /^warm$/);
    await until(page, '#categories', 'capped from');
    await until(page, '#explain tbody', 'integrations-then-pricing');

    await page.fill('#traits', 'seniority=vp, company_size=201-1000, email_type=corporate');
    await page.getByRole('button', { name: 'Identify' }).click();
    await until(page, '#band', /^hot$/);
    assert.equal(await text(page, '#action'), 'action: route_to_sales');
    const hot = await scoreOf(page);
    assert.ok(hot >= 70, `score ${hot} is in the hot band`);

    // Time passes: behaviour points decay, the score falls.
    await page.getByRole('button', { name: 'Move time forward 30 days' }).click();
    await page.waitForFunction((s) => Number(document.querySelector('#score').textContent) < s, hot);
    await until(page, '#now', 'Day 30');

    // The sample gives the same verdict.
    await page.getByRole('button', { name: 'Enterprise evaluator', exact: true }).click();
    await until(page, '#band', /^hot$/);
    await until(page, '#journey-name', 'Enterprise evaluator');
    noErrors(page);
  });

  test('a share link reproduces the rules, the journey and the comparison', async (t) => {
    const page = await open(t);
    await pasteRules(page, TEST_RULES.replace('test-1', 'shared-7'));
    await until(page, '#rules-status', 'version shared-7');
    await page.getByRole('button', { name: 'Pin as live' }).click();
    await replaceInEditor(page, '"points": 10', '"points": 12');
    await page.getByRole('button', { name: 'Empty', exact: true }).click();
    await page.selectOption('#pv-category', 'pricing');
    await page.fill('#pv-dwell', '45');
    await page.getByRole('button', { name: 'Add page view' }).click();
    await page.getByRole('button', { name: 'Move time forward 1 day' }).click();
    await page.getByRole('button', { name: 'Add page view' }).click();
    await until(page, '#event-count', '(2 events)');
    await until(page, '#score', /^24$/);

    await page.getByRole('button', { name: 'Copy share link' }).click();
    await until(page, '#toast', 'Share link copied');
    const link = await page.evaluate(() => navigator.clipboard.readText());
    assert.equal(link, page.url());
    assert.match(link, /\/playground\/#z=/);
    const before = {
      timeline: await text(page, '#timeline'),
      now: await text(page, '#now'),
      score: await text(page, '#score'),
      live: await text(page, '#live-score'),
    };

    const again = await open(t, { hash: new URL(link).hash });
    await until(again, '#rules-status', 'version shared-7');
    assert.equal(await text(again, '#timeline'), before.timeline);
    assert.equal(await text(again, '#now'), before.now);
    assert.equal(await text(again, '#score'), before.score);
    assert.equal(await text(again, '#live-score'), before.live, 'the pinned live rules come along');
    assert.equal(before.live, '20');
    assert.ok((await text(again, '.cm-content')).includes('"points": 12'), 'the edited rules come along');
    noErrors(page);
    noErrors(again);
  });

  test('pinning live rules compares every journey and highlights band changes', async (t) => {
    const page = await open(t);
    await until(page, '#compare-hint', 'Pin the current rules');
    await page.getByRole('button', { name: 'Pin as live' }).click();
    await until(page, '#compare thead', 'Challenger');
    assert.equal(await page.locator('#compare tr.changed').count(), 0, 'identical rules change no band');
    // Raise the hot threshold above the enterprise evaluator's score.
    await replaceInEditor(page, '"min": 70', '"min": 150');
    await until(page, '#compare-hint', '1 journey changes band');
    const row = page.locator('#compare tr[data-journey="enterprise"]');
    assert.match(await row.getAttribute('class'), /changed/);
    assert.match(await row.textContent(), /band: hot → warm/);
    assert.doesNotMatch((await page.locator('#compare tr[data-journey="student"]').getAttribute('class')) ?? '', /changed/);
    await until(page, '#live-band', /^hot$/);
    await until(page, '#band', /^warm$/);
    // Revert puts the live rules back in the editor.
    await page.getByRole('button', { name: 'Revert to live' }).click();
    await until(page, '#compare-hint', '0 journeys change band');
    noErrors(page);
  });

  test('downloads rules.json and copies the script tag', async (t) => {
    const page = await open(t);
    await pasteRules(page, TEST_RULES);
    await until(page, '#rules-status', 'version test-1');
    assert.equal(await text(page, '#tag-snippet'), TAG);
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download rules.json' }).click()]);
    assert.equal(download.suggestedFilename(), 'rules.json');
    assert.equal(await readFile(await download.path(), 'utf8'), TEST_RULES);
    await page.getByRole('button', { name: 'Copy script tag' }).click();
    await until(page, '#toast', 'Script tag copied');
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), TAG);
    noErrors(page);
  });

  test('loads pasted history (JSON lines, one journey per visitor) into the simulator and the comparison', async (t) => {
    const page = await open(t);
    await pasteRules(page, TEST_RULES);
    await until(page, '#rules-status', 'version test-1');
    const t0 = Date.UTC(2026, 0, 5, 10);
    const lines = [
      { visitor: 'v-1', type: 'page_view', ts: t0, url: 'https://acme.example/pricing', dwellMs: 5000 },
      { visitor: 'v-2', type: 'page_view', ts: t0, url: 'https://acme.example/blog' },
      { visitor: 'v-1', type: 'page_view', ts: t0 + 60_000, url: 'https://acme.example/pricing' },
      { visitor: 'v-1', type: 'page_view', ts: t0 + 120_000, url: 'https://acme.example/pricing?plan=team' },
      { visitor: 'v-2', type: 'chat_opened', ts: t0 + 1000 },
    ].map((e) => JSON.stringify(e)).join('\n');
    await page.locator('#load summary').click();
    await page.fill('#load-text', lines);
    await page.fill('#load-name', 'CRM export');
    await page.getByRole('button', { name: 'Load', exact: true }).click();
    await until(page, '#load-message', 'Loaded 2 journeys (5 events)');
    await until(page, '#journey-name', 'CRM export: v-1');
    await until(page, '#event-count', '(3 events)');
    await until(page, '#score', /^30$/);
    await until(page, '#band', /^hot$/);
    await until(page, '#compare', 'CRM export: v-2');
    // v-2's unknown event type is rejected with the core's reason.
    await page.locator('#compare tr', { hasText: 'CRM export: v-2' }).getByRole('button', { name: /Open/ }).click();
    await until(page, '#journey-name', 'CRM export: v-2');
    await until(page, '#rejected', 'unknown event type "chat_opened"');
    await until(page, '#timeline', 'rejected');
    noErrors(page);
  });

  test('text from the rules is shown as text, never as HTML', async (t) => {
    const page = await open(t);
    const evil = '<img src=x onerror="window.__pwned=1">';
    const rules = TEST_RULES.replace('"pricing-view"', JSON.stringify(evil)).replace('"name": "cold"', `"name": ${JSON.stringify('<b>cold</b>')}`);
    await pasteRules(page, rules);
    await until(page, '#rules-status', '✓ Rules valid');
    await until(page, '#explain tbody', evil);
    await until(page, '#band', '<b>cold</b>');
    assert.equal(await page.locator('#explain img, #band b, #compare b').count(), 0);
    assert.equal(await page.evaluate(() => window.__pwned), undefined);
    noErrors(page);
  });

  test('is usable with the keyboard: Tab leaves the editor and buttons work with Enter', async (t) => {
    const page = await open(t);
    await page.locator('.cm-content').click();
    await page.keyboard.press('Tab');
    const inEditor = await page.evaluate(() => !!document.activeElement?.closest('.cm-editor'));
    assert.equal(inEditor, false, 'Tab moves focus out of the editor');
    await page.getByRole('button', { name: 'Empty', exact: true }).focus();
    await page.keyboard.press('Enter');
    await until(page, '#event-count', '(0 events)');
    await page.locator('#pv-category').focus();
    await page.keyboard.press('Tab');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'pv-add');
    await page.keyboard.press('Enter');
    await until(page, '#event-count', '(1 event)');
    noErrors(page);
  });

  test('completes declared names, and shows the schema\'s docs on hover', async (t) => {
    // The editor fetches /leadscore/rules.schema.json (written by `leadscore schema` at build time).
    const page = await open(t);
    assert.equal(await page.evaluate(() => document.body.dataset.schema), 'on');
    const schema = JSON.parse(await page.evaluate(() => fetch('/leadscore/rules.schema.json').then((r) => r.text())));
    assert.match(schema.definitions.rule.properties.maxCount.description, /^Only the most recent N counted occurrences score/);
    await pasteRules(page, TEST_RULES.replace('"points": 10,', '"points": 10, "maxCount": 3,'));
    await until(page, '#rules-status', '✓ Rules valid');
    const score = await text(page, '#score');
    await hoverText(page, 'maxCount');
    await page.locator('.cm-tooltip .cm6-json-schema-hover').waitFor({ timeout: 5000 });
    assert.match(await text(page, '.cm-tooltip .cm6-json-schema-hover'), /Only the most recent N counted occurrences score/);
    await page.mouse.move(0, 0);

    // Empty the rule's page, then complete it from the categories the rules declare.
    await replaceInEditor(page, '"pricing" }', '"" }');
    await until(page, '#rules-status', '1 problem');
    for (let i = 0; i < 3; i++) await page.keyboard.press('ArrowLeft');
    await page.keyboard.press('Control+Space');
    const popup = page.locator('.cm-tooltip-autocomplete');
    await popup.waitFor();
    const options = await popup.locator('li .cm-completionLabel').allTextContents();
    assert.deepEqual(options, ['other', 'pricing'], 'the page categories of these rules are offered');
    await page.waitForTimeout(150); // CodeMirror ignores Enter for a moment after the list opens
    await page.keyboard.press('ArrowDown');
    assert.equal(await popup.locator('[aria-selected="true"] .cm-completionLabel').textContent(), 'pricing');
    await page.keyboard.press('Enter');
    await until(page, '#rules-status', '✓ Rules valid');
    assert.ok((await text(page, '.cm-content')).includes('"page": "pricing" }'));
    assert.equal(await text(page, '#score'), score);

    // A new key inside a rule object: the schema offers the rule's fields.
    await replaceInEditor(page, '"maxCount": 3,', '"maxCount": 3, "coo');
    await page.keyboard.press('Control+Space');
    await popup.waitFor();
    const keys = await popup.locator('li .cm-completionLabel').allTextContents();
    assert.ok(keys.includes('cooldownMinutes'), `cooldownMinutes is offered (got ${keys.join(', ')})`);
    await page.waitForTimeout(150);
    for (let i = keys.indexOf('cooldownMinutes'); i > 0; i--) await page.keyboard.press('ArrowDown');
    assert.equal(await popup.locator('[aria-selected="true"] .cm-completionLabel').textContent(), 'cooldownMinutes');
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => document.querySelector('.cm-content').textContent.includes('"maxCount": 3, "cooldownMinutes"'));
    noErrors(page);
  });

  test('works without the schema: declared names still complete', async (t) => {
    const page = await open(t, { route: (p) => p.route('**/leadscore/rules.schema.json', (route) => route.abort()) });
    assert.equal(await page.evaluate(() => document.body.dataset.schema), undefined);
    await pasteRules(page, TEST_RULES);
    await until(page, '#rules-status', '✓ Rules valid');
    await hoverText(page, 'version');
    await page.waitForTimeout(600);
    assert.equal(await page.locator('.cm-tooltip .cm6-json-schema-hover').count(), 0, 'no schema docs');
    await page.mouse.move(0, 0);
    await replaceInEditor(page, '"pricing" }', '"" }');
    await until(page, '#rules-status', '1 problem');
    for (let i = 0; i < 3; i++) await page.keyboard.press('ArrowLeft');
    await page.keyboard.press('Control+Space');
    const popup = page.locator('.cm-tooltip-autocomplete');
    await popup.waitFor();
    assert.deepEqual(await popup.locator('li .cm-completionLabel').allTextContents(), ['other', 'pricing']);
    assert.deepEqual(page.errors.filter((e) => !/Failed to load resource/.test(e)), [], 'only the failed request is reported');
  });

  test('the timeline shows the page category the core gives each page view', async (t) => {
    const page = await open(t);
    await pasteRules(page, TEST_RULES);
    await until(page, '#rules-status', 'version test-1');
    await until(page, '#score', /^20$/);
    const row = page.locator('#timeline li', { hasText: '/pricing · pricing · dwell 85 s' });
    assert.equal(await row.count(), 1, 'the 85 s pricing view is one row, with its category');
    assert.equal(await row.locator('.page-cat').textContent(), 'pricing');
    assert.equal(await row.getAttribute('data-category'), 'pricing');
    // Pages no pattern matches are `other`.
    await until(page, '#timeline', '/integrations · other · dwell 40 s');
    assert.equal(await page.locator('#timeline li[data-category]').count(), 10, 'every page view shows its category');

    // An earlier, broader pattern now takes /pricing: the rows follow the rules (and the score).
    await pasteRules(page, TEST_RULES.replace('"pages": [', '"pages": [\n    { "category": "plans", "match": ["/pricing/**"] },'));
    await until(page, '#rules-status', '✓ Rules valid');
    await until(page, '#timeline', '/pricing · plans · dwell 85 s');
    assert.equal(await page.locator('#timeline li[data-category="pricing"]').count(), 0);
    assert.equal(await page.locator('#timeline li[data-category="plans"]').count(), 2);
    await until(page, '#score', /^0$/);
    noErrors(page);
  });

  test('a malformed share link opens the default state with a message naming the problem', async (t) => {
    const b64url = (buf) => Buffer.from(buf).toString('base64').replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
    const z = (obj) => `#z=${b64url(deflateRawSync(Buffer.from(typeof obj === 'string' ? obj : JSON.stringify(obj))))}`;
    const journey = { name: 'Shared', events: [], now: Date.UTC(2026, 0, 5) };
    const cases = [
      ['an out-of-range time', z({ v: 1, rules: TEST_RULES, journey: { ...journey, now: 1e300 } }), 'journey.now: expected a time'],
      ['a negative time', z({ v: 1, rules: TEST_RULES, journey: { ...journey, now: -5 } }), 'journey.now: expected a time'],
      ['null for the journey', z({ v: 1, rules: TEST_RULES, journey: null }), 'journey: expected a journey'],
      ['a number for the journey', z({ v: 1, rules: TEST_RULES, journey: 42 }), 'found a number'],
      ['null among loaded journeys', z({ v: 1, rules: TEST_RULES, journey, loaded: [null] }), 'loaded[0]: expected a journey'],
      ['events that are not a list', z({ v: 1, rules: TEST_RULES, journey: { ...journey, events: 'x' } }), 'journey.events: expected a list'],
      ['a number for the rules', z({ v: 1, rules: 7, journey }), 'rules: expected text'],
      ['bad base64', '#z=%%%not*base64!!', 'not base64url'],
      ['base64 that is not deflate', `#z=${b64url(Buffer.from('hello, not compressed at all'))}`, 'does not inflate'],
      ['not JSON', `#j=${b64url(Buffer.from('{"rules": '))}`, 'does not hold JSON'],
      ['a huge payload (a deflate bomb)', z(`{"rules": "${' '.repeat(40_000_000)}"}`), 'more than 16 MB'],
    ];
    const demo = JSON.parse(await readFile(join(root, 'www/site/leadscore/rules.json'), 'utf8'));
    for (const [what, hash, message] of cases) {
      await t.test(what, async (tt) => {
        const page = await open(tt, { hash });
        await until(page, '#toast', 'This link could not be opened');
        await until(page, '#toast', message);
        await until(page, '#rules-status', `version ${demo.version}`);
        assert.equal(await text(page, '#journey-name'), 'Enterprise evaluator');
        assert.deepEqual(page.errors, [], `no errors in the page (${what})`);
      });
    }
    // A valid link with odd events still opens: the core judges them (5 and null are rejected;
    // a time past the year 9999, within the format's ts range, is simply after now).
    const odd = z({ v: 1, rules: TEST_RULES, journey: { ...journey, events: [{ type: 'page_view', ts: 1e15, url: 'https://acme.example/pricing' }, 5, null] } });
    const page = await open(t, { hash: odd });
    await until(page, '#rules-status', 'version test-1');
    await until(page, '#event-count', '(3 events)');
    assert.equal(await page.locator('#timeline li.rejected').count(), 2, 'the core rejects 5 and null');
    await until(page, '#timeline', 'after “now”: not counted yet');
    noErrors(page);
  });

  test('a custom event the rules reject is not added, and the core\'s reason is shown', async (t) => {
    const page = await open(t);
    await page.getByRole('button', { name: 'Empty', exact: true }).click();
    await until(page, '#event-count', '(0 events)');
    await page.selectOption('#custom-type', 'webinar_attended');
    await page.fill('#custom-props', 'speaker=ada');
    await page.getByRole('button', { name: 'Add custom event' }).click();
    await until(page, '#sim-message', 'Not added');
    await until(page, '#sim-message', 'props.speaker');
    assert.equal(await page.locator('#sim-message.bad').count(), 1, 'shown as an error');
    await until(page, '#event-count', '(0 events)');
    // A declared prop is accepted.
    await page.fill('#custom-props', 'webinar_id=live-demo-nov');
    await page.getByRole('button', { name: 'Add custom event' }).click();
    await until(page, '#sim-message', 'Added webinar_attended');
    await until(page, '#event-count', '(1 event)');
    noErrors(page);
  });

  test('a form is submitted on the page where it was started, not on the page viewed last', async (t) => {
    const page = await open(t);
    await page.getByRole('button', { name: 'Empty', exact: true }).click();
    const view = async (category) => {
      await page.selectOption('#pv-category', category);
      await page.getByRole('button', { name: 'Add page view' }).click();
    };
    await view('demo');
    await page.fill('#form-name', 'demo-request');
    await page.getByRole('button', { name: 'Start', exact: true }).click();
    await view('pricing'); // e.g. pricing opened in another tab while filling the form
    await page.getByRole('button', { name: 'Submit', exact: true }).click();
    await until(page, '#event-count', '(4 events)');
    assert.equal(await page.locator('#timeline li.ev-form_start .detail').textContent(), '/demo · form demo-request');
    assert.equal(await page.locator('#timeline li.ev-form_submit .detail').textContent(), '/demo · form demo-request');
    // A form not started yet is on the page the visitor is on.
    await page.fill('#form-name', 'newsletter');
    await page.getByRole('button', { name: 'Submit', exact: true }).click();
    await until(page, '#timeline', '/pricing · form newsletter');
    noErrors(page);
  });

  test('compare never shows a half-typed challenger: while the rules are invalid it says so', async (t) => {
    const page = await open(t);
    await page.getByRole('button', { name: 'Pin as live' }).click();
    await until(page, '#compare thead', 'Challenger');
    const row = page.locator('#compare tr[data-journey="returning"]');
    const liveCell = await row.locator('td').nth(0).textContent();
    assert.equal(await row.locator('td').nth(1).textContent(), liveCell, 'same rules, same numbers');
    // Typing a half-life of 3.5 passes through a valid "3" and stops at an invalid "3.".
    await replaceInEditor(page, 'Days": 30', 'Days": 3.');
    await until(page, '#rules-status', 'problem');
    await until(page, '#compare-hint', 'have 1 problem: fix them to compare');
    assert.equal(await row.locator('td').nth(0).textContent(), liveCell, 'the live column still shows the live rules');
    assert.equal(await row.locator('td').nth(1).textContent(), 'rules invalid');
    assert.equal(await page.locator('#compare tr.changed').count(), 0);
    // Finishing the number compares the rules as written.
    await page.keyboard.type('5');
    await until(page, '#rules-status', '✓ Rules valid');
    await until(page, '#compare-hint', /journeys? changes? band/);
    assert.match(await row.locator('td').nth(1).textContent(), /^-?\d/);
    noErrors(page);
  });

  test('the toast is shown whole at 1024 px', async (t) => {
    const page = await open(t, { width: 1024, height: 768 });
    await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download rules.json' }).click()]);
    await until(page, '#toast', 'Download rules.lsc.');
    const box = await page.evaluate(() => {
      const el = document.getElementById('toast');
      const r = el.getBoundingClientRect();
      const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
      return { left: r.left, right: r.right, top: r.top, bottom: r.bottom, scroll: el.scrollWidth, client: el.clientWidth,
        scrollH: el.scrollHeight, clientH: el.clientHeight, onTop: el.contains(hit) };
    });
    assert.ok(box.scroll <= box.client && box.scrollH <= box.clientH, `the text is not cut off (${JSON.stringify(box)})`);
    assert.ok(box.left >= 0 && box.right <= 1024 && box.top >= 0 && box.bottom <= 768, `inside the window (${JSON.stringify(box)})`);
    assert.ok(box.onTop, 'nothing covers it');
    noErrors(page);
  });
});
