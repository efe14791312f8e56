// The playground's History view, in headless Chromium: a backtest of the rules on the
// bundled synthetic sample and on files the user picks, scored in a web worker by the
// playground's wasm core, must show what `leadscore backtest` computes on the same files;
// live vs challenger when rules are pinned; a cancel that stops the work.
// Build first:  node www/build.mjs && node --test tests/e2e/history.test.mjs
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launch, root, RULES_PATH, site } from './helpers.mjs';

const CLI = join(root, 'target/release/leadscore');
const SAMPLES = join(root, 'target/site/playground/samples');
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

function backtest(events, outcomes, extra = []) {
  const out = execFileSync(CLI, ['backtest', '--rules', RULES_PATH, '--events', events, '--outcomes', outcomes, '--json', ...extra],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  return JSON.parse(out);
}

async function open(t) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  t.after(() => context.close());
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  page.errors = errors;
  await page.goto(`${server.url}/playground/`);
  await page.waitForSelector('body[data-ready]', { timeout: 20_000 });
  await page.click('#history-toggle');
  return page;
}

/** The band rows a user reads: [band, visitors, conversions, rate, lift]. */
async function bandRows(page, index = 0) {
  return page.locator('table.history-bands').nth(index).locator('tbody tr').evaluateAll((rows) =>
    rows.map((r) => Array.from(r.children, (c) => c.textContent)));
}

const pct = (v) => (v == null ? '–' : `${(v * 100).toFixed(1)}%`);
const expectedRows = (report) => report.bands.map((b) =>
  [b.band, String(b.visitors), String(b.conversions), pct(b.rate), b.lift == null ? '–' : b.lift.toFixed(2)]);

function suggestCli(events, outcomes) {
  return JSON.parse(execFileSync(CLI, ['suggest', '--rules', RULES_PATH, '--events', events, '--outcomes', outcomes, '--json'],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }));
}

/** The rows of a suggestion table as a user reads them: [name, old, suggested]. */
async function diffRows(page, table) {
  return page.locator(`table.${table} tbody tr`).evaluateAll((rows) =>
    rows.map((r) => Array.from(r.children, (c) => c.textContent).slice(0, 3)));
}

async function done(page) {
  await page.waitForFunction(() => /^Done[.:]/.test(document.getElementById('history-message').textContent), null, { timeout: 30_000 });
}

describe('history view', () => {
  test('the synthetic sample: the same bands, conversions and AUC as leadscore backtest', async (t) => {
    const page = await open(t);
    await page.click('#history-sample');
    await done(page);
    const cli = backtest(join(SAMPLES, 'events.jsonl'), join(SAMPLES, 'outcomes.csv'));
    assert.deepEqual(await bandRows(page), expectedRows(cli));
    const caption = await page.locator('table.history-bands caption').first().textContent();
    assert.ok(caption.includes(`ROC AUC ${cli.auc.toFixed(3)}`), caption);
    assert.ok(caption.includes(`${cli.visitors} visitors, ${cli.conversions} converted`), caption);
    assert.equal(await page.locator('.history-chart').count(), 3, 'lift, ROC and score distribution charts');
    assert.deepEqual(page.errors, []);
  });

  test('files the user picks, with a bad outcome row reported; pinned rules compared with a challenger', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'leadscore-history-'));
    const events = join(dir, 'events.jsonl');
    const outcomes = join(dir, 'outcomes.csv');
    execFileSync(CLI, ['synth', '--visitors', '800', '--seed', '4', '--events', events, '--outcomes', outcomes], { stdio: 'ignore' });
    writeFileSync(outcomes, readFileSync(outcomes, 'utf8') + 'synthetic-0000001,won,next tuesday,,\n');
    const page = await open(t);
    await page.setInputFiles('#history-events', events);
    await page.setInputFiles('#history-outcomes', outcomes);
    await page.click('#history-run');
    await done(page);
    const cli = backtest(events, outcomes);
    assert.deepEqual(await bandRows(page), expectedRows(cli));
    assert.match(await page.locator('#history-message').textContent(), /1 outcome rows skipped \(first: line \d+, at:/);

    // Pin the demo rules as live, make pricing worth far more in the editor: the challenger.
    await page.click('#pin');
    const edited = readFileSync(RULES_PATH, 'utf8')
      .replace('"id": "pricing-view", "category": "intent", "points": 12', '"id": "pricing-view", "category": "intent", "points": 40');
    const challenger = join(dir, 'challenger.json');
    writeFileSync(challenger, edited);
    // As a paste would; the view judges the last valid rules, so wait until they compile.
    await page.locator('.cm-content').click();
    await page.keyboard.press('Control+a');
    await page.keyboard.insertText(edited);
    await page.waitForFunction(() => /Challenger/.test(document.getElementById('compare-hint')?.textContent ?? ''));
    await page.click('#history-run');
    await done(page);
    const both = backtest(events, outcomes, ['--challenger', challenger]);
    assert.deepEqual(await bandRows(page, 0), expectedRows(both.live));
    assert.deepEqual(await bandRows(page, 1), expectedRows(both.challenger));
    const n = both.bandChanges.count;
    assert.ok(n > 0);
    assert.equal(await page.locator('.history-changes').textContent(), `${n} visitors change band with the challenger.`);
  });

  test('cancel stops the worker and leaves no report', async (t) => {
    const page = await open(t);
    await page.click('#history-sample');
    await page.waitForFunction(() => !document.getElementById('history-cancel').hidden);
    await page.click('#history-cancel');
    assert.equal(await page.locator('#history-message').textContent(), 'Cancelled.');
    assert.equal(await page.locator('#history-progress').isHidden(), true);
    assert.equal(await page.locator('#history-report').innerHTML(), '');
    assert.equal(await page.locator('#history-run').isEnabled(), true);
  });

  test('suggested points: the same numbers as leadscore suggest, shown as a diff; tried as challenger without touching the editor', async (t) => {
    const page = await open(t);
    const status = () => page.locator('#rules-status').textContent();
    const statusBefore = await status();
    await page.click('#history-sample');
    await done(page);
    await page.click('#history-suggest');
    await page.waitForSelector('#history-suggestion h3');
    const events = join(SAMPLES, 'events.jsonl');
    const outcomes = join(SAMPLES, 'outcomes.csv');
    const cli = suggestCli(events, outcomes);
    const changed = cli.points.filter((p) => p.current !== p.suggested);
    assert.ok(changed.length > 0, 'the sample gives a suggestion that changes points');
    assert.deepEqual(await diffRows(page, 'history-points'),
      cli.points.map((p) => [p.rule, String(p.current), p.current !== p.suggested ? `→ ${p.suggested}` : '']));
    assert.deepEqual(await diffRows(page, 'history-thresholds'),
      cli.thresholds.map((b) => [b.band, String(b.current), b.current !== b.suggested ? `→ ${b.suggested}` : 'same']));
    assert.equal(await page.locator('.history-auc').textContent(),
      `Held-out ROC AUC (the ${cli.holdout} visitors who arrived last): current ${cli.aucCurrent.toFixed(3)} → suggested ${cli.aucSuggested.toFixed(3)}. Fitted on the first ${cli.train}.`);
    if (cli.noSignal.length) assert.equal(await page.locator('.history-no-signal').textContent(), `No signal (suggested 0): ${cli.noSignal.join(', ')}.`);
    for (const rule of cli.noSignal) {
      assert.match(await page.locator(`tr[data-rule="${rule}"] td.note`).textContent(), /no signal/);
    }

    // Try as challenger: the comparison is the rules against the suggestion, as the command
    // compares them, and the editor still holds what the user wrote.
    await page.click('#history-try');
    await done(page);
    const dir = mkdtempSync(join(tmpdir(), 'leadscore-suggest-'));
    const suggested = join(dir, 'suggested.json');
    writeFileSync(suggested, cli.rules);
    const both = backtest(events, outcomes, ['--challenger', suggested]);
    assert.deepEqual(await bandRows(page, 0), expectedRows(both.live));
    assert.deepEqual(await bandRows(page, 1), expectedRows(both.challenger));
    const caption = await page.locator('table.history-bands caption').nth(1).textContent();
    assert.ok(caption.includes(`${both.challenger.rulesVersion}.`) && caption.includes(`ROC AUC ${both.challenger.auc.toFixed(3)}`), caption);
    const n = both.bandChanges.count;
    assert.ok(n > 0);
    assert.equal(await page.locator('.history-changes').textContent(), `${n} visitors change band with the challenger.`);
    assert.equal(await page.locator('#history-pinned').isVisible(), true);
    assert.equal(await status(), statusBefore, 'the editor still holds the rules the user wrote');
    assert.match(statusBefore, new RegExp(`version ${both.live.rulesVersion}$`));

    // Use these rules: the editor gets the suggestion, and one undo brings the rules back.
    await page.click('#history-use');
    await page.waitForFunction((v) => document.getElementById('rules-status').textContent.endsWith(`version ${v}`), both.challenger.rulesVersion);
    await page.locator('.cm-content').click();
    await page.keyboard.press('Control+z');
    await page.waitForFunction((before) => document.getElementById('rules-status').textContent === before, statusBefore);

    // The top band aimed at a number of leads a month, as --leads-per-month does.
    await page.selectOption('#history-target', 'leads');
    await page.fill('#history-target-value', '40');
    await page.click('#history-suggest');
    await page.waitForFunction(() => /^Done\. The suggestion/.test(document.getElementById('history-message').textContent));
    const leads = JSON.parse(execFileSync(CLI, ['suggest', '--rules', RULES_PATH, '--events', events, '--outcomes', outcomes, '--json', '--leads-per-month', '40'],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }));
    assert.notDeepEqual(leads.thresholds, cli.thresholds, 'the target moves a threshold');
    assert.deepEqual(await diffRows(page, 'history-thresholds'),
      leads.thresholds.map((b) => [b.band, String(b.current), b.current !== b.suggested ? `→ ${b.suggested}` : 'same']));
    assert.deepEqual(page.errors, []);
  });

  test('an events file of several slices, in UTF-8 beyond ASCII: every line read once, the same report as the command', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'leadscore-history-'));
    const events = join(dir, 'events.jsonl');
    const outcomes = join(dir, 'outcomes.csv');
    execFileSync(CLI, ['synth', '--visitors', '9000', '--seed', '5', '--events', events, '--outcomes', outcomes], { stdio: 'ignore' });
    // Visitor ids with two- and three-byte characters, so slices of the file end inside
    // characters as well as inside lines (the worker reads 4 MiB at a time).
    const accented = (text) => text.replaceAll('synthetic-', 'synthétique—');
    writeFileSync(events, accented(readFileSync(events, 'utf8')));
    writeFileSync(outcomes, accented(readFileSync(outcomes, 'utf8')));
    const bytes = readFileSync(events);
    assert.ok(bytes.length > 2 * (4 << 20), `${bytes.length} bytes: more than two slices`);
    const lines = bytes.toString('utf8').split('\n').filter(Boolean).length;
    const page = await open(t);
    await page.setInputFiles('#history-events', events);
    await page.setInputFiles('#history-outcomes', outcomes);
    await page.click('#history-run');
    await done(page);
    assert.match(await page.locator('#history-message').textContent(), new RegExp(`^Done: ${lines.toLocaleString('en-US')} event lines in [0-9.]+ s\\.$`));
    const cli = backtest(events, outcomes);
    assert.deepEqual(await bandRows(page), expectedRows(cli));
    const caption = await page.locator('table.history-bands caption').first().textContent();
    assert.ok(caption.includes(`ROC AUC ${cli.auc.toFixed(3)}`), caption);
  });
});
