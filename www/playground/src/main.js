// The rule playground: the rules editor, a visitor simulator and its timeline, the
// result with its explanation, the score over time, live-vs-challenger comparison, and
// the session in the URL hash. Everything is scored by the wasm core the site tag loads
// (/leadscore/leadscore_core.js); nothing here re-implements scoring.
//
// Text from rules and events (rule ids, band names, categories, traits…) only ever
// reaches the page through textContent.
import 'uplot/dist/uPlot.min.css';
import './style.css';
import { createEditor } from './editor.js';
import { ScoreChart } from './chart.js';
import { encodeState, decodeState } from './share.js';
import * as J from './journey.js';

const CORE_URL = '/leadscore/leadscore_core.js';
const RULES_URL = '/leadscore/rules.json';
const TAG = '<script async src="/leadscore/leadscore.js" data-rules="/leadscore/rules.json"></script>';
const BUILTIN_EVENTS = new Set(['page_view', 'form_start', 'form_submit', 'form_abandon', 'identify']);
const CHART_DAYS = 90;
/** Browsers take URLs of a few megabytes; servers and chat apps far less. */
const MAX_HASH = 500_000;

/** Used only when /leadscore/rules.json cannot be fetched: the contract's example. */
const FALLBACK_RULES = `{
  "version": "example-1",
  "halfLifeDays": 30,
  "pages": [
    { "category": "pricing",      "match": ["/pricing", "/plans/**"] },
    { "category": "security",     "match": ["/security/**", "/trust"] },
    { "category": "integrations", "match": ["/integrations/**"] },
    { "category": "careers",      "match": ["/careers/**", "/jobs/**"] }
  ],
  "events": { "webinar_attended": { "props": ["webinar_id"] } },
  "categories": {
    "fit":        { "min": -50, "max": 50 },
    "engagement": { "max": 30 },
    "intent":     { "max": 60 }
  },
  "rules": [
    { "id": "pricing-view", "category": "intent", "points": 15, "maxCount": 3,
      "cooldownMinutes": 30,
      "when": { "event": "page_view", "page": "pricing", "minDwellSeconds": 5 } },
    { "id": "demo-request", "category": "intent", "points": 25,
      "when": { "event": "form_submit", "form": "demo*" } },
    { "id": "integrations-then-pricing", "category": "intent", "points": 10, "maxCount": 1,
      "when": { "sequence": [ { "event": "page_view", "page": "integrations" },
                              { "event": "page_view", "page": "pricing" } ],
                "maxSpanDays": 7 } },
    { "id": "careers-visitor", "category": "engagement", "points": -10, "maxCount": 1,
      "when": { "event": "page_view", "page": "careers" } },
    { "id": "senior-buyer", "category": "fit", "points": 20,
      "when": { "traits": [ { "field": "seniority", "op": "in", "value": ["vp", "c_level"] } ] } },
    { "id": "free-mailbox", "category": "fit", "points": -15,
      "when": { "traits": [ { "field": "email_type", "op": "eq", "value": "free" } ] } },
    { "id": "competitor", "category": "fit", "points": 0, "disqualify": true,
      "when": { "traits": [ { "field": "email_type", "op": "eq", "value": "competitor" } ] } }
  ],
  "bands": [
    { "name": "high priority", "min": 70, "action": "route_to_sales" },
    { "name": "sales review",  "min": 40 },
    { "name": "nurture",       "min": 15 },
    { "name": "new" }
  ]
}
`;

// ---------------------------------------------------------------------------- helpers

const $ = (id) => document.getElementById(id);

/** A DOM element; strings among `children` become text nodes, never markup. */
function h(tag, props = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (v == null || v === false) continue;
    if (k === 'class') e.className = v;
    else if (k === 'text') e.textContent = v;
    else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) if (c != null && c !== false) e.append(c);
  return e;
}

const fmt = (v) => (typeof v !== 'number' ? '–' : Number.isInteger(v) ? String(v) : v.toFixed(1));
const signed = (v) => (v > 0 ? '+' : v < 0 ? '−' : '') + fmt(Math.abs(v));

function bandLabel(result) {
  if (!result) return '–';
  if (result.disqualified) return 'disqualified';
  return result.band ?? 'no band';
}

// ------------------------------------------------------------------------------ state

let core = null;
let editor = null;
let chart = null;
/** The session: editor rules (the challenger once pinned), pinned live rules, the journey, loaded journeys. */
const S = { rules: '', live: null, journey: J.EMPTY_JOURNEY(), loaded: [] };
/** Compiled rules: { scorer, text, doc, pageCategories, eventTypes }. */
let current = null;
let live = null;
let problems = [];

const checked = { text: null, problems: [] };
function check(text) {
  if (checked.text !== text) {
    checked.text = text;
    checked.problems = core ? Array.from(core.Scorer.check(text)) : [];
  }
  return checked.problems;
}

function compile(text) {
  if (check(text).length) return null;
  try {
    const scorer = new core.Scorer(text);
    return {
      scorer,
      text,
      doc: JSON.parse(text),
      pageCategories: Array.from(scorer.pageCategories()),
      eventTypes: Array.from(scorer.eventTypes(), ([name, props]) => [name, Array.from(props)]),
    };
  } catch (e) {
    console.warn('rules passed check but did not compile', e);
    return null;
  }
}

/** JSON of an events array, cached: arrays are replaced on every edit, never mutated. */
const jsonOf = new WeakMap();
function eventsText(events) {
  let t = jsonOf.get(events);
  if (t === undefined) jsonOf.set(events, (t = JSON.stringify(events)));
  return t;
}

function scoreJourney(c, journey, now = journey.now, text = eventsText(journey.events)) {
  if (!c) return null;
  try {
    const out = c.scorer.score(text, now);
    return { result: out.result, rejected: Array.from(out.rejected || []) };
  } catch (e) {
    return { error: e.message || String(e) };
  }
}

// ------------------------------------------------------------------------- updating

let pending = false;
function schedule() {
  saveHashSoon();
  if (pending) return;
  pending = true;
  const run = () => {
    pending = false;
    render();
  };
  if (document.hidden) setTimeout(run, 0);
  else requestAnimationFrame(run);
}

function onRulesChange(text) {
  S.rules = text;
  problems = check(text);
  if (!problems.length && current?.text !== text) {
    const c = compile(text);
    if (c) {
      current?.scorer.free();
      current = c;
      refreshSimulatorOptions();
    }
  }
  schedule();
}

function setLive(text) {
  live?.scorer.free();
  live = text == null ? null : compile(text);
  S.live = live ? text : null;
  $('revert').hidden = !live;
  $('unpin').hidden = !live;
  $('pin').textContent = live ? 'Pin again' : 'Pin as live';
}

/** `from` names the sample or loaded journey an unedited journey came from (for Compare). */
function setJourney(j, { edited = false, from = null } = {}) {
  S.journey = { name: j.name, events: j.events, now: j.now };
  if (!edited && from) S.journey.from = from;
  if (edited && !/\(edited\)$/.test(S.journey.name)) S.journey.name += ' (edited)';
  schedule();
}

function render() {
  renderStatus();
  const scored = renderResult();
  renderTimeline(scored);
  renderChart();
  renderCompare();
}

function renderStatus() {
  const status = $('rules-status');
  const list = $('problems');
  list.replaceChildren();
  if (problems.length) {
    status.textContent = `✗ ${problems.length} problem${problems.length > 1 ? 's' : ''} in the rules`;
    status.className = 'rules-status bad';
    for (const p of problems) {
      const where = p.line ? `Line ${p.line}:${p.column}` : 'Document';
      list.append(h('li', {},
        h('button', { type: 'button', class: 'link', onclick: () => editor.reveal(p), 'aria-label': `Go to ${where}` }, where),
        ' ',
        p.path ? h('code', {}, p.path) : null,
        p.path ? ': ' : '',
        p.message));
    }
  } else {
    status.textContent = `✓ Rules valid · version ${current?.scorer.version ?? ''}`;
    status.className = 'rules-status ok';
    list.append(h('li', { class: 'none' }, 'No problems.'));
  }
  const stale = $('stale');
  stale.hidden = !problems.length;
  stale.textContent = !problems.length ? ''
    : current ? `The rules have problems: the results below use the last valid rules (version ${current.scorer.version}) until they are fixed.`
      : 'Fix the problems in the rules to see a score.';
  document.body.classList.toggle('stale-result', problems.length > 0);
}

function bandRank(c, result) {
  if (!result || result.disqualified) return 'dq';
  const bands = (c?.doc?.bands || []).slice().sort((a, b) => (b.min ?? -Infinity) - (a.min ?? -Infinity));
  const i = bands.findIndex((b) => b.name === result.band);
  return i < 0 ? 'none' : String(Math.min(i, 3));
}

function renderResult() {
  const scored = scoreJourney(current, S.journey);
  const r = scored?.result;
  const score = $('score');
  score.textContent = r ? fmt(r.score) : '–';
  score.title = r ? String(r.score) : '';
  const band = $('band');
  band.textContent = bandLabel(r);
  band.dataset.rank = bandRank(current, r);
  $('action').textContent = r ? (r.disqualified ? 'no action' : r.action ? `action: ${r.action}` : 'no action') : '';

  const lb = $('live-box');
  lb.hidden = !live;
  if (live) {
    const lr = scoreJourney(live, S.journey)?.result;
    $('live-score').textContent = lr ? fmt(lr.score) : '–';
    const b = $('live-band');
    b.textContent = bandLabel(lr);
    b.dataset.rank = bandRank(live, lr);
  }

  // Category scores, with the cap shown when the rules' contributions exceed it.
  const cats = $('categories').tBodies[0];
  cats.replaceChildren();
  if (r) {
    const raw = {};
    for (const x of r.explain) raw[x.category] = (raw[x.category] || 0) + x.points;
    for (const [name, value] of Object.entries(r.categories)) {
      const spec = current.doc.categories?.[name] || {};
      const lo = Math.min(0, spec.min ?? 0, value);
      const hi = Math.max(spec.max ?? Math.max(value, 1), value, 1);
      const sum = raw[name] || 0;
      const capped = Math.abs(sum - value) > 1e-9;
      cats.append(h('tr', {},
        h('th', { scope: 'row' }, name),
        h('td', { class: 'bar' }, h('meter', { min: lo, max: hi, value, 'aria-label': `${name} score` })),
        h('td', { class: 'n', title: String(value) }, fmt(value)),
        h('td', { class: 'cap' }, capped ? `capped from ${fmt(sum)}` : spec.max != null ? `max ${spec.max}` : '')));
    }
  }

  const ex = $('explain').tBodies[0];
  ex.replaceChildren();
  if (r && r.explain.length) {
    for (const x of r.explain) {
      ex.append(h('tr', {},
        h('td', {}, x.rule),
        h('td', {}, x.category),
        h('td', { class: 'n' }, String(x.count)),
        h('td', { class: 'n', title: String(x.points) }, signed(x.points))));
    }
  } else if (r) {
    ex.append(h('tr', {}, h('td', { colspan: 4, class: 'none' }, 'No rule scored yet.')));
  }
  const rej = $('rejected');
  rej.replaceChildren();
  if (scored?.error) rej.append(h('li', {}, `The journey could not be scored: ${scored.error}`));
  for (const x of scored?.rejected || []) {
    rej.append(h('li', {}, `Event ${x.index + 1} rejected: ${x.path ? x.path + ': ' : ''}${x.message}`));
  }
  return scored;
}

function renderTimeline(scored) {
  const j = S.journey;
  const origin = J.journeyOrigin(j);
  $('journey-name').textContent = j.name;
  $('event-count').textContent = `(${j.events.length} event${j.events.length === 1 ? '' : 's'})`;
  const now = $('now');
  now.textContent = J.relTime(j.now, origin);
  now.title = J.isoMinute(j.now);
  const rejected = new Map((scored?.rejected || []).map((x) => [x.index, x]));
  const ol = $('timeline');
  ol.replaceChildren();
  if (!j.events.length) {
    ol.append(h('li', { class: 'none' }, 'No events yet: add a page view, or start from a sample.'));
    return;
  }
  for (const { e, i } of J.sortedEvents(j.events)) {
    const d = J.describeEvent(e);
    const when = typeof e?.ts === 'number' ? J.relTime(e.ts, origin) : 'no time';
    const rej = rejected.get(i);
    const future = typeof e?.ts === 'number' && e.ts > j.now;
    ol.append(h('li', { class: `ev ev-${d.type.replace(/[^a-z_]/gi, '')}${rej ? ' rejected' : ''}${future ? ' future' : ''}` },
      h('time', { datetime: typeof e?.ts === 'number' ? new Date(e.ts).toISOString() : null, title: typeof e?.ts === 'number' ? J.isoMinute(e.ts) : null }, when),
      h('span', { class: 'what' }, h('span', { class: 'type' }, d.type), h('span', { class: 'detail' }, d.detail)),
      rej ? h('span', { class: 'why' }, `rejected: ${rej.message}`) : null,
      future ? h('span', { class: 'why' }, 'after “now”: not counted yet') : null,
      h('button', {
        type: 'button', class: 'x', 'aria-label': `Remove event ${i + 1} (${d.type}, ${when})`, title: 'Remove this event',
        onclick: () => {
          const events = j.events.filter((_, k) => k !== i);
          setJourney({ ...j, events }, { edited: true });
          $('timeline-h').focus();
        },
      }, '×')));
  }
}

function chartSeries() {
  const j = S.journey;
  const text = eventsText(j.events);
  const times = j.events.map((e) => e?.ts).filter((t) => typeof t === 'number' && Number.isFinite(t));
  const start = Math.min(j.now, ...times) - J.HOUR;
  const end = j.now + CHART_DAYS * J.DAY;
  const many = j.events.length > 300;
  const n = j.events.length > 3000 ? 60 : many ? 120 : 240;
  const xs = new Set([j.now]);
  for (let i = 0; i <= n; i++) xs.add(Math.round(start + ((end - start) * i) / n));
  if (!many) for (const t of times) if (t > start && t < end) xs.add(t - 1).add(t);
  const x = [...xs].sort((a, b) => a - b);
  const score = [];
  const lv = live ? [] : null;
  const categories = {};
  const names = current ? Object.keys(current.doc.categories || {}) : [];
  for (const c of names) categories[c] = [];
  for (const t of x) {
    const r = scoreJourney(current, j, t, text)?.result;
    score.push(r ? r.score : null);
    for (const c of names) categories[c].push(r ? r.categories[c] ?? null : null);
    if (lv) lv.push(scoreJourney(live, j, t, text)?.result?.score ?? null);
  }
  const bands = (current?.doc?.bands || []).filter((b) => typeof b.min === 'number').map((b) => ({ name: String(b.name), min: b.min }));
  return { x, score, live: lv, categories, bands, now: j.now };
}

function renderChart() {
  if (!current) return;
  chart ??= new ScoreChart($('chart'));
  chart.update(chartSeries());
}

/** The simulator's journey (unless it is an unedited sample or loaded one), the samples, the loaded journeys. */
function allJourneys() {
  const rows = [
    ...J.SAMPLES.map((s) => ({ key: s.id, name: s.name, journey: s })),
    ...S.loaded.map((l, i) => ({ key: `loaded-${i}`, name: l.name, journey: l })),
  ];
  const from = S.journey.from;
  const same = rows.find((r) => r.key === from);
  if (same) same.current = true;
  else rows.unshift({ key: 'current', name: `This visitor: ${S.journey.name}`, journey: S.journey, current: true });
  return rows;
}

function renderCompare() {
  const table = $('compare');
  const head = table.tHead;
  const body = table.tBodies[0];
  head.replaceChildren();
  body.replaceChildren();
  if (live) {
    $('compare-hint').textContent = `Live: version ${live.scorer.version}. Challenger: the rules in the editor${problems.length ? ' (last valid version while they have problems)' : ''}. Rows whose band changes are highlighted.`;
    head.append(h('tr', {}, h('th', { scope: 'col' }, 'Journey'), h('th', { scope: 'col' }, 'Live'), h('th', { scope: 'col' }, 'Challenger'), h('th', { scope: 'col' }, 'Change'), h('th', { scope: 'col' }, h('span', { class: 'visually-hidden' }, 'Open'))));
  } else {
    $('compare-hint').textContent = 'Pin the current rules as live, then edit them: every journey shows both scores, and the journeys whose band changes are highlighted.';
    head.append(h('tr', {}, h('th', { scope: 'col' }, 'Journey'), h('th', { scope: 'col' }, 'Score'), h('th', { scope: 'col' }, h('span', { class: 'visually-hidden' }, 'Open'))));
  }
  let changed = 0;
  for (const row of allJourneys()) {
    const text = eventsText(row.journey.events);
    const c = scoreJourney(current, row.journey, row.journey.now, text)?.result;
    const cell = (r, cc) => h('td', {}, r ? h('span', {}, h('span', { class: 'n' }, fmt(r.score)), ' ', h('span', { class: 'band small', 'data-rank': bandRank(cc, r) }, bandLabel(r))) : '–');
    const open = row.current ? h('td', { class: 'here' }, 'in the simulator') : h('td', {}, h('button', {
      type: 'button', class: 'link', 'aria-label': `Open ${row.name} in the simulator`,
      onclick: () => {
        setJourney(structuredClone({ name: row.name, events: row.journey.events, now: row.journey.now }), { from: row.key });
        $('journey-h').focus();
      },
    }, 'Open'));
    if (live) {
      const l = scoreJourney(live, row.journey, row.journey.now, text)?.result;
      const bandChanged = !!(l && c && bandLabel(l) !== bandLabel(c));
      if (bandChanged) changed++;
      const delta = l && c ? c.score - l.score : null;
      body.append(h('tr', { class: [bandChanged && 'changed', row.current && 'current'].filter(Boolean).join(' ') || null, 'data-journey': row.key },
        h('th', { scope: 'row' }, row.name),
        cell(l, live), cell(c, current),
        h('td', {}, bandChanged ? h('strong', {}, `band: ${bandLabel(l)} → ${bandLabel(c)}`) : delta == null ? '' : Math.abs(delta) < 0.05 ? 'same' : signed(delta)),
        open));
    } else {
      body.append(h('tr', { class: row.current ? 'current' : null, 'data-journey': row.key }, h('th', { scope: 'row' }, row.name), cell(c, current), open));
    }
  }
  if (live) $('compare-hint').append(` ${changed} journey${changed === 1 ? '' : 's'} change${changed === 1 ? 's' : ''} band.`);
}

// ------------------------------------------------------------------------ simulator

function fillSelect(select, values, labelOf = (v) => v) {
  const prev = select.value;
  const sig = JSON.stringify(values);
  if (select.dataset.sig === sig) return;
  select.dataset.sig = sig;
  select.replaceChildren(...values.map((v) => h('option', { value: v }, labelOf(v))));
  if (values.includes(prev)) select.value = prev;
}

function refreshSimulatorOptions() {
  if (!current) return;
  const cat = $('pv-category');
  const before = cat.value;
  fillSelect(cat, current.pageCategories);
  if (cat.value !== before || !$('pv-path').value) $('pv-path').value = J.pathForCategory(current.doc, cat.value);
  const dl = $('form-names');
  dl.replaceChildren(...J.formNames(current.doc).map((f) => h('option', { value: f })));
  const custom = current.eventTypes.filter(([n]) => !BUILTIN_EVENTS.has(n));
  const ct = $('custom-type');
  fillSelect(ct, custom.map(([n]) => n));
  ct.disabled = $('custom-add').disabled = $('custom-props').disabled = !custom.length;
  const props = custom.find(([n]) => n === ct.value)?.[1] || [];
  $('custom-props').placeholder = props.length ? props.map((p) => `${p}=…`).join(', ') : 'no props declared';
  if (!custom.length) $('custom-props').placeholder = 'declare custom events in the rules’ "events"';
  const fields = J.traitFields(current.doc);
  $('traits-hint').textContent = fields.length ? `Traits these rules read: ${fields.join(', ')}` : '';
}

function say(id, text, bad = false) {
  const m = $(id);
  m.textContent = text;
  m.classList.toggle('bad', bad);
}

function addEvent(event, advance) {
  const j = S.journey;
  setJourney({ ...j, events: [...j.events, event], now: j.now + advance }, { edited: true });
  const d = J.describeEvent(event);
  say('sim-message', `Added ${d.type}${d.detail ? `: ${d.detail}` : ''}`);
}

function lastPageUrl() {
  const views = J.sortedEvents(S.journey.events).map((x) => x.e).filter((e) => e?.type === 'page_view' && typeof e.url === 'string' && e.ts <= S.journey.now);
  return views.length ? views[views.length - 1].url : `${J.SITE}/demo`;
}

function wireSimulator() {
  $('pv-category').addEventListener('change', () => {
    $('pv-path').value = J.pathForCategory(current?.doc, $('pv-category').value);
  });
  $('pv-add').addEventListener('click', () => {
    let path = $('pv-path').value.trim() || '/';
    if (!/^https?:/.test(path) && !path.startsWith('/')) path = '/' + path;
    const dwell = Math.max(0, Number($('pv-dwell').value) || 0) * 1000;
    const url = /^https?:/.test(path) ? path : J.SITE + path;
    addEvent({ type: 'page_view', ts: S.journey.now, url, dwellMs: dwell }, Math.max(dwell, 1000));
  });
  for (const b of document.querySelectorAll('[data-form]')) {
    b.addEventListener('click', () => {
      const name = $('form-name').value.trim();
      if (!name) return say('sim-message', 'Name the form first.', true);
      addEvent({ type: b.dataset.form, ts: S.journey.now, url: lastPageUrl(), form: name }, 1000);
    });
  }
  $('identify').addEventListener('click', () => {
    try {
      const traits = J.parsePairs($('traits').value);
      addEvent({ type: 'identify', ts: S.journey.now, traits }, 1000);
    } catch (e) {
      say('sim-message', `Traits: ${e.message}`, true);
    }
  });
  $('custom-type').addEventListener('change', refreshSimulatorOptionsSoon);
  $('custom-add').addEventListener('click', () => {
    const type = $('custom-type').value;
    if (!type) return;
    try {
      const props = J.parsePairs($('custom-props').value);
      const ev = { type, ts: S.journey.now };
      if (Object.keys(props).length) ev.props = props;
      addEvent(ev, 1000);
    } catch (e) {
      say('sim-message', `Props: ${e.message}`, true);
    }
  });
  const advance = (ms) => {
    setJourney({ ...S.journey, now: S.journey.now + ms }, { edited: true });
    say('sim-message', `Moved time forward to ${J.isoMinute(S.journey.now)}`);
  };
  for (const b of document.querySelectorAll('[data-advance]')) b.addEventListener('click', () => advance(Number(b.dataset.advance)));
  $('adv-go').addEventListener('click', () => {
    const n = Number($('adv-n').value);
    if (!(n > 0)) return say('sim-message', 'Enter a positive number.', true);
    advance(n * Number($('adv-unit').value));
  });
  $('undo').addEventListener('click', () => {
    if (!S.journey.events.length) return;
    setJourney({ ...S.journey, events: S.journey.events.slice(0, -1) }, { edited: true });
    say('sim-message', 'Removed the last event.');
  });
  $('clear').addEventListener('click', () => {
    setJourney({ ...S.journey, events: [] }, { edited: true });
    say('sim-message', 'Cleared the journey.');
  });

  const samples = $('sample-buttons');
  for (const s of J.SAMPLES) {
    samples.append(h('button', {
      type: 'button', title: s.summary,
      onclick: () => {
        setJourney(J.sampleJourney(s.id), { from: s.id });
        say('sim-message', `Loaded the sample “${s.name}”.`);
      },
    }, s.name));
  }
  samples.append(h('button', {
    type: 'button', onclick: () => {
      setJourney(J.EMPTY_JOURNEY());
      say('sim-message', 'Started an empty journey.');
    },
  }, 'Empty'));

  // Loading history.
  const load = (text) => {
    try {
      const journeys = J.parseJourneyText(text, $('load-name').value.trim() || 'Loaded journey');
      const first = S.loaded.length;
      S.loaded.push(...journeys);
      setJourney(structuredClone(journeys[0]), { from: `loaded-${first}` });
      const n = journeys.reduce((a, j) => a + j.events.length, 0);
      say('load-message', `Loaded ${journeys.length} journey${journeys.length > 1 ? 's' : ''} (${n} events); the first is in the simulator, all are in Compare.`);
    } catch (e) {
      say('load-message', `Could not load: ${e.message}`, true);
    }
  };
  $('load-go').addEventListener('click', () => load($('load-text').value));
  $('load-file').addEventListener('change', async (ev) => {
    const f = ev.target.files?.[0];
    if (!f) return;
    const text = await f.text();
    $('load-text').value = text;
    if (!$('load-name').value.trim() || $('load-name').value === 'Loaded journey') $('load-name').value = f.name.replace(/\.[^.]+$/, '');
    load(text);
  });
}

let simTimer = 0;
function refreshSimulatorOptionsSoon() {
  clearTimeout(simTimer);
  simTimer = setTimeout(() => {
    const ct = $('custom-type');
    const props = current?.eventTypes.find(([n]) => n === ct.value)?.[1] || [];
    $('custom-props').placeholder = props.length ? props.map((p) => `${p}=…`).join(', ') : 'no props declared';
  }, 0);
}

// ------------------------------------------------------------------- share and ship

let lastHash = '';
let hashTimer = 0;
function saveHashSoon() {
  clearTimeout(hashTimer);
  hashTimer = setTimeout(saveHash, 250);
}

async function saveHash() {
  clearTimeout(hashTimer);
  if (!editor) return;
  const state = { rules: S.rules, journey: S.journey };
  if (S.live != null) state.live = S.live;
  if (S.loaded.length) state.loaded = S.loaded;
  let hash = '#' + (await encodeState(state));
  if (hash.length > MAX_HASH && state.loaded) {
    // Long histories stay out of the link; the rules and the simulated journey stay in.
    delete state.loaded;
    hash = '#' + (await encodeState(state));
    if (!saveHash.warned) toast('The loaded journeys are too large for the share link: it holds the rules and this visitor only.', true);
    saveHash.warned = true;
  }
  if (hash !== location.hash) history.replaceState(null, '', hash);
  lastHash = hash;
  document.body.dataset.saved = String(Date.now());
}

async function copyText(text) {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    const ta = h('textarea', { class: 'visually-hidden', readonly: true });
    ta.value = text;
    document.body.append(ta);
    ta.select();
    let ok = false;
    try {
      ok = document.execCommand('copy');
    } catch {
      ok = false;
    }
    ta.remove();
    return ok;
  }
}

function toast(text, bad = false) {
  const t = $('toast');
  t.textContent = text;
  t.className = `toast ${bad ? 'bad' : 'ok'}`;
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => {
    t.textContent = '';
  }, 6000);
}

function wireShare() {
  $('tag-snippet').textContent = TAG;
  $('copy-tag').addEventListener('click', async () => {
    toast((await copyText(TAG)) ? 'Script tag copied: paste it before </body>.' : 'Copy failed: select the tag and copy it.', false);
  });
  $('copy-link').addEventListener('click', async () => {
    await saveHash();
    toast((await copyText(location.href)) ? 'Share link copied.' : 'Copy failed: copy the address bar instead.');
  });
  $('download').addEventListener('click', () => {
    const blob = new Blob([S.rules], { type: 'application/json' });
    const a = h('a', { href: URL.createObjectURL(blob), download: 'rules.json' });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
    toast(problems.length
      ? `Downloaded rules.json, but it has ${problems.length} problem(s): the tag will refuse it until they are fixed.`
      : `Downloaded rules.json (version ${current?.scorer.version}). Serve it at /leadscore/rules.json.`, problems.length > 0);
  });
  $('pin').addEventListener('click', () => {
    if (problems.length) return toast('Fix the problems before pinning these rules as live.', true);
    setLive(S.rules);
    toast(`Pinned version ${live.scorer.version} as live: edit the challenger.`);
    schedule();
  });
  $('unpin').addEventListener('click', () => {
    setLive(null);
    schedule();
  });
  $('revert').addEventListener('click', () => {
    if (S.live != null) editor.setText(S.live);
  });
  window.addEventListener('hashchange', async () => {
    if (location.hash === lastHash || !location.hash) return;
    try {
      const st = await decodeState(location.hash);
      if (st) applyState(st);
    } catch (e) {
      toast(`This link could not be read: ${e.message}`, true);
    }
  });
}

function applyState(st) {
  S.loaded = Array.isArray(st.loaded) ? st.loaded : [];
  setLive(typeof st.live === 'string' ? st.live : null);
  const j = st.journey && Array.isArray(st.journey.events) ? st.journey : J.sampleJourney('enterprise');
  S.journey = { name: String(j.name ?? 'Shared journey'), events: j.events, now: Number(j.now) || J.BASE_TS };
  if (typeof j.from === 'string') S.journey.from = j.from;
  if (editor.text() !== st.rules) editor.setText(st.rules);
  else onRulesChange(st.rules);
}

// ------------------------------------------------------------------------------ boot

async function loadCore() {
  const url = CORE_URL;
  const mod = await import(/* @vite-ignore */ url);
  await mod.default();
  return mod;
}

async function initialState() {
  let note = '';
  if (location.hash) {
    try {
      const st = await decodeState(location.hash);
      if (st) return { st, note };
    } catch (e) {
      note = `The link could not be read (${e.message}); starting from the demo rules.`;
    }
  }
  let rules = FALLBACK_RULES;
  try {
    const res = await fetch(RULES_URL, { cache: 'no-store' });
    if (res.ok) rules = await res.text();
  } catch {
    /* keep the fallback */
  }
  return { st: { rules, journey: { ...J.sampleJourney('enterprise'), from: 'enterprise' } }, note };
}

async function boot() {
  wireSimulator();
  wireShare();
  let st;
  let note;
  try {
    [core, { st, note }] = await Promise.all([loadCore(), initialState()]);
  } catch (e) {
    const f = $('fatal');
    f.hidden = false;
    f.textContent = `The scoring core could not be loaded from ${CORE_URL}: ${e.message}. Build the site (npm run build) and serve it (node www/serve.mjs).`;
    $('rules-status').textContent = 'The scoring core is missing.';
    return;
  }
  editor = createEditor({
    parent: $('editor'),
    doc: st.rules,
    check,
    onChange: onRulesChange,
    info: () => {
      let doc = null;
      try {
        doc = JSON.parse(S.rules);
      } catch {
        doc = current?.doc;
      }
      return {
        categories: Object.keys((doc && doc.categories) || current?.doc.categories || {}),
        pageCategories: current?.pageCategories || [],
        eventTypes: (current?.eventTypes || []).map(([n]) => n),
        props: [...new Set((current?.eventTypes || []).flatMap(([, p]) => p))],
      };
    },
  });
  if (typeof core.Scorer.schema === 'function') {
    try {
      const schema = core.Scorer.schema();
      editor.setSchema(typeof schema === 'string' ? JSON.parse(schema) : schema);
      document.body.dataset.schema = 'on';
    } catch (e) {
      console.warn('the rules schema could not be read', e);
    }
  }
  applyState(st);
  render();
  await saveHash();
  document.body.dataset.ready = '1';
  if (note) toast(note, true);
}

boot();
