// The same rules scored four ways, for tests/bench/engines.mjs, in Node and (bundled by
// esbuild) in Chromium: leadscore's own core, and three JavaScript scorers that share one
// plain-JS bookkeeping of what rule engines do not express and differ only in who decides
// whether an event (or the traits) meets a rule's condition:
//   plain         a hand-written predicate per rule (the floor);
//   json-logic    one JSON Logic expression per rule, jsonLogic.apply per event;
//   rules-engine  one json-rules-engine Engine holding every rule, engine.run per event.
// What neither engine can express, done in plain JS around them for both (and for plain):
// caps (maxCount), cooldowns, skipFirst, withinDays windows, decay (halfLifeDays), sequence
// chains (maxSpanDays), category clamps, bands and disqualification, the traits map (latest
// identify wins), and globs: a page pattern becomes the fact `page` before the engine sees
// the event, and a `matches` / form glob is a custom operator written in JS.
// Events arrive in time order (the bench's journeys do); leadscore also takes any order.
import { encode } from '../../www/tag/values.js';

const DAY = 86400000;

/** A case-insensitive glob as a RegExp: `*` any run (not `/` when `path`), `**` any run. */
function globRegExp(glob, path) {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '*' && glob[i + 1] === '*') {
      // `/x/**` also matches `/x` itself.
      if (re.endsWith('/')) re = `${re.slice(0, -1)}(?:/.*)?`;
      else re += '.*';
      i++;
    } else if (c === '*') re += path ? '[^/]*' : '.*';
    else re += c.replace(/[.+?^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`, 'i');
}
const globCache = new Map();
export function glob(value, pattern) {
  if (typeof value !== 'string') return false;
  let re = globCache.get(pattern);
  if (!re) globCache.set(pattern, (re = globRegExp(pattern, false)));
  return re.test(value);
}

/** The rules document compiled for the bookkeeping: page patterns, rule parameters. */
export function compile(doc) {
  const pages = doc.pages.map((p) => ({ category: p.category, res: p.match.map((m) => globRegExp(m, true)) }));
  const rules = doc.rules.map((r, index) => ({
    index, id: r.id, category: r.category, points: r.points,
    kind: r.when.traits ? 'traits' : r.when.sequence ? 'sequence' : 'event',
    steps: r.when.sequence?.length ?? 0,
    span: (r.when.maxSpanDays ?? 0) * DAY,
    maxCount: r.maxCount ?? Infinity, skipFirst: r.skipFirst ?? 0,
    cooldown: (r.cooldownMinutes ?? 0) * 60000,
    within: r.withinDays != null ? r.withinDays * DAY : Infinity,
    halfLife: r.halfLifeDays === null ? null : (r.halfLifeDays ?? doc.halfLifeDays ?? null),
    disqualify: !!r.disqualify,
  }));
  const categories = Object.entries(doc.categories).map(([name, c]) => ({ name, min: c.min ?? -Infinity, max: c.max ?? Infinity }));
  return { doc, pages, rules, categories, bands: doc.bands };
}

/** The facts an engine sees for one event: the event, its page category, dwell 0 if absent. */
export function facts(c, e) {
  let page = null;
  if (typeof e.url === 'string') {
    let path = e.url.replace(/^[a-z][a-z0-9+.-]*:\/\/[^/?#]*/i, '').replace(/[?#].*$/, '') || '/';
    if (path.length > 1 && path.endsWith('/')) path = path.slice(0, -1);
    page = 'other';
    for (const p of c.pages) if (p.res.some((re) => re.test(path))) { page = p.category; break; }
  }
  return { type: e.type, page, form: e.form, dwellMs: e.dwellMs ?? 0, url: e.url, props: e.props ?? {} };
}

/** One visitor: per rule, the times of matching events (or sequence completions). */
export class Visitor {
  constructor(c) {
    this.c = c;
    this.times = c.rules.map(() => []);
    this.chains = c.rules.map((r) => (r.kind === 'sequence' ? new Array(r.steps).fill(null) : null));
    this.traits = {};
    this.traitHits = new Set();
  }

  /** Records an event: `hits(rule, step)` says whether it meets that rule's condition
   * (`step` for a sequence's step). */
  add(e, hits) {
    for (const r of this.c.rules) {
      if (r.kind === 'event') {
        if (hits(r.index, -1)) this.times[r.index].push(e.ts);
      } else if (r.kind === 'sequence') {
        this.chain(r, e.ts, (step) => hits(r.index, step));
      }
    }
  }

  /** The contract's one-pass chain completion (section 1, "Sequence"). */
  chain(r, ts, matches) {
    const s = this.chains[r.index];
    const k = r.steps;
    for (let i = k - 1; i >= 1; i--) {
      if (s[i - 1] !== null && ts - s[i - 1] <= r.span && matches(i)) {
        if (i === k - 1) {
          this.times[r.index].push(ts);
          s.fill(null);
          return;
        }
        s[i] = s[i] === null ? s[i - 1] : Math.max(s[i], s[i - 1]);
      }
    }
    if (matches(0)) s[0] = ts;
  }

  /** The traits rules that hold, decided by whoever evaluates conditions. */
  setTraits(traits, holds) {
    Object.assign(this.traits, traits);
    this.traitHits = new Set(this.c.rules.filter((r) => r.kind === 'traits' && holds(r.index, this.traits)).map((r) => r.index));
  }

  score(now) {
    const c = this.c;
    const totals = new Map(c.categories.map((k) => [k.name, 0]));
    let disqualified = false;
    for (const r of c.rules) {
      let points = 0;
      let counted = 0;
      if (r.kind === 'traits') {
        if (this.traitHits.has(r.index)) { points = r.points; counted = 1; }
      } else {
        const kept = [];
        let last = -Infinity;
        for (const ts of this.times[r.index]) {
          if (ts > now || now - ts > r.within) continue;
          if (kept.length === 0 || ts - last >= r.cooldown) { kept.push(ts); last = ts; }
        }
        const scored = kept.slice(r.skipFirst).slice(-r.maxCount);
        counted = scored.length;
        for (const ts of scored) points += r.halfLife === null ? r.points : r.points * 0.5 ** ((now - ts) / DAY / r.halfLife);
      }
      if (counted > 0) {
        totals.set(r.category, totals.get(r.category) + points);
        if (r.disqualify) disqualified = true;
      }
    }
    let score = 0;
    const categories = {};
    for (const k of c.categories) {
      const v = Math.min(k.max, Math.max(k.min, totals.get(k.name)));
      categories[k.name] = v;
      score += v;
    }
    const band = disqualified ? 'disqualified' : c.bands.find((b) => b.min == null || score >= b.min)?.name ?? null;
    return { score, categories, band, disqualified };
  }
}

// ---- who decides the conditions -------------------------------------------------------

const condPlain = (cond, value) => {
  switch (cond.op) {
    case 'eq': return value === cond.value;
    case 'in': return cond.value.includes(value);
    case 'matches': return glob(value, cond.value);
    default: throw new Error(`bench: op ${cond.op} not used by the demo rules`);
  }
};
const field = (f, name) => (name.startsWith('props.') ? f.props[name.slice(6)] : f[name]);
const eventPlain = (w, f) => f.type === w.event && (w.page == null || f.page === w.page)
  && (w.form == null || glob(f.form, w.form)) && f.dwellMs >= (w.minDwellSeconds ?? 0) * 1000
  && (w.where ?? []).every((cond) => condPlain(cond, field(f, cond.field)));

/** Hand-written predicates: the floor. */
export function plainScorer(doc) {
  const c = compile(doc);
  const whens = doc.rules.map((r) => r.when);
  return scorer(c, (f) => (i, step) => eventPlain(step < 0 ? whens[i] : whens[i].sequence[step], f),
    (i, traits) => whens[i].traits.every((cond) => condPlain(cond, traits[cond.field])));
}

/** JSON Logic: one expression per rule (and per sequence step), globs as an operation. */
export function jsonLogicRules(doc) {
  const cond = (x, v) => (x.op === 'eq' ? { '===': [v, x.value] } : x.op === 'in' ? { in: [v, x.value] } : { glob: [v, x.value] });
  const event = (w) => ({ and: [
    { '===': [{ var: 'type' }, w.event] },
    ...(w.page != null ? [{ '===': [{ var: 'page' }, w.page] }] : []),
    ...(w.form != null ? [{ glob: [{ var: 'form' }, w.form] }] : []),
    ...(w.minDwellSeconds ? [{ '>=': [{ var: 'dwellMs' }, w.minDwellSeconds * 1000] }] : []),
    ...(w.where ?? []).map((x) => cond(x, { var: x.field })),
  ] });
  return doc.rules.map((r) => (r.when.traits ? { and: r.when.traits.map((x) => cond(x, { var: x.field })) }
    : r.when.sequence ? r.when.sequence.map(event) : event(r.when)));
}
export function jsonLogicScorer(doc, jsonLogic, logic = jsonLogicRules(doc)) {
  jsonLogic.add_operation('glob', glob);
  return scorer(compile(doc), (f) => (i, step) => jsonLogic.truthy(jsonLogic.apply(step < 0 ? logic[i] : logic[i][step], f)),
    (i, traits) => jsonLogic.truthy(jsonLogic.apply(logic[i], traits)));
}

/** json-rules-engine: every event condition (and sequence step) a rule of one Engine, whose
 * successful events name the rule; traits rules in a second Engine run on the traits. */
export function rulesEngineRules(doc) {
  const cond = (x, fact) => {
    const [name, path] = x.field.startsWith('props.') ? ['props', `$.${x.field.slice(6)}`] : [x.field, undefined];
    const operator = x.op === 'eq' ? 'equal' : x.op === 'in' ? 'in' : 'glob';
    return { fact: fact ?? name, ...(path ? { path } : {}), operator, value: x.value };
  };
  const event = (w, type) => ({ conditions: { all: [
    { fact: 'type', operator: 'equal', value: w.event },
    ...(w.page != null ? [{ fact: 'page', operator: 'equal', value: w.page }] : []),
    ...(w.form != null ? [{ fact: 'form', operator: 'glob', value: w.form }] : []),
    ...(w.minDwellSeconds ? [{ fact: 'dwellMs', operator: 'greaterThanInclusive', value: w.minDwellSeconds * 1000 }] : []),
    ...(w.where ?? []).map((x) => cond(x)),
  ] }, event: { type } });
  const events = [];
  const traits = [];
  doc.rules.forEach((r, i) => {
    if (r.when.traits) traits.push({ conditions: { all: r.when.traits.map((x) => cond(x)) }, event: { type: `${i}` } });
    else if (r.when.sequence) r.when.sequence.forEach((w, s) => events.push(event(w, `${i}:${s}`)));
    else events.push(event(r.when, `${i}`));
  });
  return { events, traits };
}
export function rulesEngineScorer(doc, Engine, rules = rulesEngineRules(doc)) {
  const make = (list) => {
    const engine = new Engine(list, { allowUndefinedFacts: true });
    engine.addOperator('glob', (value, pattern) => glob(value, pattern));
    return engine;
  };
  const onEvents = make(rules.events);
  const onTraits = make(rules.traits);
  const c = compile(doc);
  const visitor = () => new Visitor(c);
  return {
    visitor,
    async add(v, e) {
      if (e.type === 'identify') {
        const { events } = await onTraits.run({ ...v.traits, ...e.traits });
        const hold = new Set(events.map((x) => +x.type));
        v.setTraits(e.traits, (i) => hold.has(i));
        return;
      }
      const { events } = await onEvents.run(facts(c, e));
      const hit = new Set(events.map((x) => x.type));
      v.add(e, (i, step) => hit.has(step < 0 ? `${i}` : `${i}:${step}`));
    },
  };
}

/** A synchronous scorer from an event predicate and a traits predicate. */
function scorer(c, eventHits, traitsHold) {
  return {
    visitor: () => new Visitor(c),
    add(v, e) {
      if (e.type === 'identify') v.setTraits(e.traits, traitsHold);
      else v.add(e, eventHits(facts(c, e)));
    },
  };
}

// ---- leadscore -------------------------------------------------------------------------

/** leadscore's tag core (`Tracker`, in memory: no storage), with the result decoded. It
 * reads the rules compiled (`leadscore compile`), and takes each event as typed values
 * (www/tag/values.js), as the tag does. */
export function leadscoreScorer(compiled, Tracker, memory) {
  let tracker = null;
  let meta = null;
  return {
    // One Tracker (the rules read once), forgotten between visitors as reset() does.
    visitor: (now) => {
      if (!tracker) {
        tracker = new Tracker(compiled, 'bench', false, now, null, 'bench', () => null);
        meta = JSON.parse(tracker.meta());
      } else tracker.reset();
      tracker.ids = 0;
      return tracker;
    },
    add(t, e) {
      const problem = t.record(encode(e), `${++t.ids}`, e.ts);
      if (problem) throw new Error(`leadscore refused a bench event: ${problem.code} ${problem.path}`);
    },
    score(t, now) {
      // The numbers are read where the core left them, as the tag's api.js reads them.
      // (result first: it may move the buffer or grow the memory).
      const n = t.result(now);
      const x = new Float64Array(memory.buffer, t.resultAt(), n);
      const band = x[2] === -2 ? 'disqualified' : x[2] < 0 ? null : meta.bands[x[2]][0];
      return { score: x[0], band, disqualified: x[1] === 1 };
    },
  };
}

// ---- the measurements, the same in Node and in Chromium --------------------------------

/** A visitor of the demo site over `n` events, in time order, the same for everyone. */
export function journey(n, t0 = 1764000000000) {
  const pages = ['/', '/blog/roi', '/integrations', '/pricing', '/security', '/docs/getting-started', '/careers/eng', '/pricing', '/demo', '/plans/team'];
  const out = [];
  let t = t0;
  let seed = 7;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
  for (let i = 0; out.length < n; i++) {
    t += rnd() < 0.1 ? 3 * DAY : 30000 + Math.floor(rnd() * 60000);
    const r = rnd();
    if (r < 0.8) out.push({ type: 'page_view', ts: t, url: `https://acme.example${pages[i % pages.length]}`, dwellMs: Math.floor(rnd() * 90000) });
    else if (r < 0.85) out.push({ type: 'identify', ts: t, traits: { seniority: ['vp', 'director', 'manager'][i % 3], company_size: '201-1000', email_type: 'corporate' } });
    else if (r < 0.9) out.push({ type: 'form_start', ts: t, url: 'https://acme.example/demo', form: 'demo-request' });
    else if (r < 0.94) out.push({ type: 'form_submit', ts: t, url: 'https://acme.example/demo', form: i % 2 ? 'demo-request' : 'newsletter' });
    else out.push({ type: 'webinar_attended', ts: t, props: { webinar_id: i % 2 ? 'live-demo-4' : 'w-9' } });
  }
  return out;
}

const now = () => (typeof performance === 'object' ? performance.now() : Date.now());

/** Per event (record + score), re-score of 100 and 1,000 events, rules loading: ms each.
 * The engines take turns within each round (the machine's load drifts, and a ratio is only
 * fair between figures taken side by side), and cheap steps run in batches so a browser's
 * coarse timer still resolves them. */
export async function measure({ rulesText, compiledBase64, Tracker, memory, jsonLogic, Engine, events = 500, budgetMs = 2000 }) {
  const doc = JSON.parse(rulesText);
  const compiled = Uint8Array.from(atob(compiledBase64), (c) => c.charCodeAt(0));
  const logicText = JSON.stringify(jsonLogicRules(doc));
  const jreText = JSON.stringify(rulesEngineRules(doc));
  const make = {
    leadscore: () => leadscoreScorer(compiled, Tracker, memory),
    plain: () => plainScorer(JSON.parse(rulesText)),
    'json-logic-js': () => jsonLogicScorer(JSON.parse(rulesText), jsonLogic, JSON.parse(logicText)),
    'json-rules-engine': () => rulesEngineScorer(JSON.parse(rulesText), Engine, JSON.parse(jreText)),
  };
  const names = Object.keys(make);
  const scorers = Object.fromEntries(names.map((n) => [n, make[n]()]));
  const score = (s, v, t) => (s.score ? s.score(v, t) : v.score(t));
  const feed = async (s, v, list) => { for (const e of list) { const p = s.add(v, e); if (p) await p; } };
  const list = journey(events);
  const h100 = journey(100);
  const h1000 = journey(1000);
  const at = (h) => h[h.length - 1].ts + 1000;
  const stored = {};
  for (const n of [100, 1000]) {
    stored[n] = make.leadscore();
    const v = stored[n].visitor(0);
    await feed(stored[n], v, n === 100 ? h100 : h1000);
    stored[n].v = v;
  }
  const steps = {
    // Rules loading: whatever each needs before its first event.
    loadMs: [20, async (n) => { const s = make[n](); s.visitor(list[0].ts); }],
    // Per event: one visitor, each event recorded then the score read as of its time.
    perEventMs: [list.length, async (n) => {
      const s = scorers[n];
      const v = s.visitor(list[0].ts);
      for (const e of list) { const p = s.add(v, e); if (p) await p; score(s, v, e.ts); }
    }, 1],
    // Re-score: a visitor's whole history scored as of a moment after the last event.
    rescore100Ms: [1, async (n) => { const s = scorers[n]; const v = s.visitor(h100[0].ts); await feed(s, v, h100); score(s, v, at(h100)); }],
    rescore1000Ms: [1, async (n) => { const s = scorers[n]; const v = s.visitor(h1000[0].ts); await feed(s, v, h1000); score(s, v, at(h1000)); }],
    // The tag keeps its (compacted) events: re-scoring is reading the result again.
    stored100Ms: [200, async () => { stored[100].score(stored[100].v, at(h100)); }, 0, ['leadscore']],
    stored1000Ms: [200, async () => { stored[1000].score(stored[1000].v, at(h1000)); }, 0, ['leadscore']],
  };
  const figures = Object.fromEntries(names.map((n) => [n, {}]));
  for (const [key, [batch, fn, perItem, only = names]] of Object.entries(steps)) {
    const samples = Object.fromEntries(only.map((n) => [n, []]));
    const end = now() + budgetMs;
    for (let round = 0; round < 5 || (now() < end && round < 2000); round++) {
      for (const n of only) {
        const t = now();
        for (let i = 0; i < (perItem ? 1 : batch); i++) await fn(n);
        samples[n].push((now() - t) / batch);
      }
    }
    for (const n of only) figures[n][key] = median(samples[n]);
  }
  const agree = {};
  let reference = null;
  for (const n of names) {
    const s = scorers[n];
    const v = s.visitor(list[0].ts);
    await feed(s, v, list);
    const result = score(s, v, at(list));
    reference ??= result;
    agree[n] = Math.abs(result.score - reference.score) <= 1e-9 * Math.max(1, Math.abs(reference.score))
      && result.band === reference.band && result.disqualified === reference.disqualified;
    figures[n].score = result.score;
  }
  return { events: list.length, figures, agree };
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}
