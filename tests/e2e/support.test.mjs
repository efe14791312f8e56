// Support's view of a visitor, in a real Chromium on the demo site: what a person copies
// from the browser (`leadscore.events()` as the console prints it, `leadscore.payload()`)
// and what the CRM received (the posted `leadscore_payload` field, base64url) are pasted
// into `leadscore score`, which must print the score the browser showed, to the last bit.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { goto, launch, open, RULES_PATH, root, site } from './helpers.mjs';

let browser;
let web;
before(async () => {
  browser = await launch();
  web = await site();
});
after(async () => {
  await browser?.close();
  await web?.close();
});

let built = false;
/** `leadscore score --events -` with `input` on standard input; the one result printed. */
function score(input, now) {
  if (!built) {
    execFileSync('cargo', ['build', '--quiet', '--bin', 'leadscore'], { cwd: root, stdio: 'inherit' });
    built = true;
  }
  const args = ['score', '--rules', RULES_PATH, '--events', '-'];
  if (now !== undefined) args.push('--now', String(now));
  const out = execFileSync(join(root, 'target/debug/leadscore'), args, { input, encoding: 'utf8' });
  const lines = out.trim().split('\n');
  assert.equal(lines.length, 1, out);
  return JSON.parse(lines[0]);
}

describe('leadscore score on what support is handed', () => {
  it('gives the browser\'s score for events(), payload() and the posted form field', async () => {
    const context = await browser.newContext();
    const page = await open(context, `${web.url}/pricing`);
    await page.evaluate(() => leadscore.identify({ seniority: 'vp', email: 'dana@bigco.example' }));
    await goto(page, `${web.url}/demo`);
    await page.fill('#email', 'dana@bigco.example');
    // One instant: the result, the events as the console's copy() gives them (indented),
    // the payload, and the hidden field a form post would carry.
    const seen = await page.evaluate(() => {
      const now = Date.now();
      const field = document.querySelector('input[name=leadscore_payload]');
      return {
        now,
        result: leadscore.result(now),
        events: JSON.stringify(leadscore.events(), null, 2),
        payload: leadscore.payload(),
        field: field && field.value,
      };
    });
    assert.ok(JSON.parse(seen.events).length >= 3, seen.events);
    assert.ok(seen.result.score > 0, JSON.stringify(seen.result));

    // events(): the visitor's result as of the same instant, value for value.
    assert.deepEqual(score(seen.events, seen.now), seen.result);
    // payload(): as of its own time when --now is not given, the score it claims.
    assert.deepEqual(score(JSON.stringify(seen.payload)), seen.payload.result);
    // The posted field (base64url), as it reached the CRM.
    assert.ok(seen.field && !seen.field.includes('{'), 'the demo form carries the payload');
    const posted = JSON.parse(Buffer.from(seen.field, 'base64url').toString('utf8'));
    assert.deepEqual(score(seen.field + '\n'), posted.result);
    assert.deepEqual(page.errors, []);
    await context.close();
  });
});
