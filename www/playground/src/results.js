// The result pane: the rules' status and problem list, the score card (with the live
// rules' verdict once pinned), category scores, the explanation, rejected events, and
// the score-over-time chart. Everything shown is the core's output for the journey.
import { $, h, fmt, signed, bandLabel } from './dom.js';
import { ScoreChart } from './chart.js';
import { app, S, eventsText, scoreJourney } from './state.js';
import * as J from './journey.js';

const CHART_DAYS = 90;

export function renderStatus() {
  const { problems, current } = app;
  const status = $('rules-status');
  const list = $('problems');
  list.replaceChildren();
  if (problems.length) {
    status.textContent = `✗ ${problems.length} problem${problems.length > 1 ? 's' : ''} in the rules`;
    status.className = 'rules-status bad';
    for (const p of problems) {
      const where = p.line ? `Line ${p.line}:${p.column}` : 'Document';
      list.append(h('li', {},
        h('button', { type: 'button', class: 'link', onclick: () => app.editor.reveal(p), 'aria-label': `Go to ${where}` }, where),
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

/** The band's rank for colouring: 0 is the highest band, then 1, 2, 3 (and below); `dq`, `none`. */
export function bandRank(c, result) {
  if (!result || result.disqualified) return 'dq';
  const bands = (c?.doc?.bands || []).slice().sort((a, b) => (b.min ?? -Infinity) - (a.min ?? -Infinity));
  const i = bands.findIndex((b) => b.name === result.band);
  return i < 0 ? 'none' : String(Math.min(i, 3));
}

/** Draws the score card, categories, explanation and rejections; returns the scored journey. */
export function renderResult() {
  const { current, live } = app;
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

function chartSeries() {
  const { current, live } = app;
  const j = S.journey;
  const text = eventsText(j.events);
  const times = j.events.map((e) => e?.ts).filter(J.isTime);
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

let chart = null;
export function renderChart() {
  if (!app.current) return;
  chart ??= new ScoreChart($('chart'));
  chart.update(chartSeries());
}
