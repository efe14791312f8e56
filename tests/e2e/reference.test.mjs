// The rules format reference at /docs/rules-format/: served with the site, and listing
// every field the JSON Schema has (its tables are generated from it at build time, so
// they cannot drift), the event fields the CLI reads, and the engine's built-in event
// types. Build first: node www/build.mjs && node --test tests/e2e/reference.test.mjs
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { root, site } from './helpers.mjs';
import { renderReference, sections } from '../../www/reference.mjs';

let server;
before(async () => {
  server = await site();
});
after(() => server?.close());

const get = async (path) => {
  const res = await fetch(server.url + path);
  assert.equal(res.status, 200, `${path} is served`);
  return res.text();
};

/** The text of the table row with this id, tags removed and entities decoded. */
function row(html, id) {
  const m = html.match(new RegExp(`<tr id="${id.replace(/[$.]/g, '\\$&')}">(.*?)</tr>`));
  if (!m) return null;
  return m[1].replace(/<\/t[dh]>/g, ' ').replace(/<[^>]+>/g, '').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ');
}
const plain = (s) => s.replace(/`/g, '').replace(/\s+/g, ' ');

test('the reference page lists every field of the schema with its description', async () => {
  const html = await get('/docs/rules-format/');
  const schema = JSON.parse(await get('/leadscore/rules.schema.json'));
  assert.doesNotMatch(html, /<!-- schema:/, 'every table was generated');
  let fields = 0;
  for (const [name, def] of sections(schema)) {
    assert.match(html, new RegExp(`id="def-${name}"`), `a section for ${name}`);
    for (const [field, p] of Object.entries(def.properties)) {
      const text = row(html, `${name}.${field}`);
      assert.ok(text, `${name}.${field} has a row`);
      assert.ok(text.includes(field), `${name}.${field}: the name is shown`);
      assert.ok(text.includes(plain(p.description)), `${name}.${field}: the schema's description is shown (${text})`);
      assert.match(text, (def.required || []).includes(field) ? /\brequired\b/ : /\boptional\b/);
      fields++;
    }
  }
  assert.ok(fields > 40, `${fields} fields listed`);
});

test('the reference lists the event fields the CLI reads and the built-in event types, from the core', async () => {
  const html = await get('/docs/rules-format/');
  const schema = JSON.parse(await get('/leadscore/rules.schema.json'));
  assert.deepEqual(Object.keys(schema.definitions.event.properties),
    ['type', 'ts', 'url', 'dwellMs', 'form', 'props', 'traits', 'visitor']);
  for (const f of ['type', 'ts', 'url', 'dwellMs', 'form', 'props', 'traits', 'visitor']) assert.ok(row(html, `event.${f}`), `event.${f}`);
  assert.match(row(html, 'event.visitor'), /leadscore score/);
  const builtins = schema.definitions.event.properties.type.examples;
  assert.deepEqual(builtins, ['page_view', 'form_start', 'form_submit', 'form_abandon', 'identify']);
  const list = html.match(/<ul class="builtin-events">(.*?)<\/ul>/)[1].match(/<code>([^<]+)<\/code>/g).map((c) => c.slice(6, -7));
  assert.deepEqual(list, builtins);
});

test('a definition the page has no place for, or a place for none, stops the build', () => {
  const template = readFileSync(join(root, 'www/site/docs/rules-format/index.html'), 'utf8');
  const schema = JSON.parse(readFileSync(join(root, 'target/site/leadscore/rules.schema.json'), 'utf8'));
  assert.doesNotThrow(() => renderReference(template, schema));
  const grown = structuredClone(schema);
  grown.definitions.audience = { type: 'object', properties: { name: { type: 'string', description: 'x' } } };
  assert.throws(() => renderReference(template, grown), /no place for audience/);
  const shrunk = structuredClone(schema);
  delete shrunk.definitions.band;
  assert.throws(() => renderReference(template, shrunk), /asks for "band"/);
});

test('the site links the reference', async () => {
  const html = await get('/docs/');
  assert.match(html, /href="\/docs\/rules-format\/"/);
});
