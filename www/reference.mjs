// The rules format reference (/docs/rules-format/): hand-written prose on what the fields
// mean, around field tables generated from the JSON Schema that `leadscore schema` prints
// (src/schema.rs, held equal to the validator's own field tables by a Rust test). So the
// tables cannot drift from what the engine accepts: a new field appears here on the next
// build, and a new definition the page has no place for stops the build.
//
// The template (www/site/docs/rules-format/index.html) marks where each table goes with
// `<!-- schema:NAME -->`: `document` for the top level, a definition's name for the others,
// `builtin-events` for the list of built-in event types.

const esc = (s) => String(s).replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]);

/** Schema text to HTML: escaped, with `code` spans. */
const prose = (s) => esc(s).replace(/`([^`]+)`/g, '<code>$1</code>');

/** What each definition is called in the tables' type column. */
const NOUN = {
  page: 'page entry', eventDecl: 'event declaration', category: 'category', rule: 'rule',
  eventCond: 'event condition', sequence: 'sequence', traits: 'traits condition', cond: 'condition',
  band: 'band', event: 'event',
};

const refName = (ref) => String(ref).replace('#/definitions/', '');
const link = (ref) => {
  const name = refName(ref);
  return `<a href="#def-${esc(name)}">${esc(NOUN[name] || name)}</a>`;
};

const TYPE_WORD = { string: 'text', number: 'number', integer: 'integer', boolean: 'true or false', array: 'list', object: 'object', null: 'null' };

/** The type column: the JSON type with its bounds, in words. */
export function typeOf(p) {
  if (p.$ref) return link(p.$ref);
  if (p.oneOf) return p.oneOf.map((x) => typeOf(x)).join(', or ');
  if (p.enum) return `one of ${p.enum.map((v) => `<code>${esc(v)}</code>`).join(', ')}`;
  const types = p.type == null ? [] : [].concat(p.type);
  if (!types.length) return 'any JSON value';
  const bounds = [];
  if (p.exclusiveMinimum != null) bounds.push(`&gt; ${p.exclusiveMinimum}`);
  if (p.minimum != null) bounds.push(`≥ ${p.minimum}`);

  if (p.minItems != null) bounds.push(`at least ${p.minItems}`);
  if (p.maxItems != null) bounds.push(`at most ${p.maxItems}`);
  if (p.minProperties != null) bounds.push(`at least ${p.minProperties}`);
  let words = types.map((t) => (t === 'string' && p.minLength === 1 ? 'non-empty text' : TYPE_WORD[t] || t)).join(' or ');
  if (types.includes('array') && p.items) {
    const item = p.items.$ref ? link(p.items.$ref) : typeOf(p.items);
    words = `list of ${item}${p.items.$ref ? 's' : ''}`;
    if (p.items.pattern === '^/') words += ' (each starting with <code>/</code>)';
  }
  if (types.includes('object') && p.additionalProperties && p.additionalProperties.$ref) {
    words = `map of name → ${link(p.additionalProperties.$ref)}`;
  }
  return bounds.length ? `${words}, ${bounds.join(', ')}` : words;
}

/** One definition's table: field, type, required, meaning; a row id `NAME.field` each. */
export function fieldTable(name, def) {
  const required = new Set(def.required || []);
  const rows = Object.entries(def.properties || {}).map(([field, p]) => {
    // `examples` carries the built-in event types (the engine's own list).
    const examples = Array.isArray(p.examples) ? ` The built-in types: ${p.examples.map((x) => `<code>${esc(x)}</code>`).join(', ')}.` : '';
    return `<tr id="${esc(`${name}.${field}`)}"><th scope="row"><code>${esc(field)}</code></th>`
      + `<td>${typeOf(p)}</td><td>${required.has(field) ? 'required' : 'optional'}</td>`
      + `<td>${prose(p.description || '')}${examples}</td></tr>`;
  });
  return `<div class="table-wrap"><table class="fields" data-definition="${esc(name)}">`
    + '<thead><tr><th scope="col">field</th><th scope="col">type</th><th scope="col">presence</th><th scope="col">meaning</th></tr></thead>'
    + `<tbody>${rows.join('')}</tbody></table></div>`;
}

/** The definitions a page must place: the top level as `document`, then every definition. */
export function sections(schema) {
  const out = [['document', { properties: schema.properties, required: schema.required }]];
  for (const [name, def] of Object.entries(schema.definitions || {})) out.push([name, def]);
  return out;
}

/** The template with every `<!-- schema:… -->` filled; throws on a missing or unknown one. */
export function renderReference(template, schema) {
  const tables = new Map(sections(schema).map(([name, def]) => [name, fieldTable(name, def)]));
  const builtins = schema.definitions?.event?.properties?.type?.examples;
  if (!Array.isArray(builtins) || !builtins.length) throw new Error('the schema lists no built-in event types (definitions.event.properties.type.examples)');
  tables.set('builtin-events', `<ul class="builtin-events">${builtins.map((t) => `<li><code>${esc(t)}</code></li>`).join('')}</ul>`);
  const used = new Set();
  const html = template.replace(/<!-- schema:([\w-]+) -->/g, (_, name) => {
    if (!tables.has(name)) throw new Error(`the format reference asks for "${name}", which the schema does not define`);
    used.add(name);
    return tables.get(name);
  });
  const missing = [...tables.keys()].filter((n) => !used.has(n));
  if (missing.length) throw new Error(`the format reference has no place for ${missing.join(', ')}: add <!-- schema:NAME --> with a paragraph on what it means`);
  return html;
}
