// Journeys: the events of one visitor plus the moment ("now") they are scored at.
// Sample journeys, a URL path for a page category (checked with the core), loading
// pasted event logs (JSONL or a JSON array) and describing events for the timeline.

export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;
export const SITE = 'https://acme.example';
/** The last millisecond of the year 9999: times beyond cannot be shown as dates. */
export const MAX_TIME = 253402300799999;

/** A time the playground can show and move: milliseconds from 1970 to the end of 9999. */
export const isTime = (x) => typeof x === 'number' && Number.isFinite(x) && x >= 0 && x <= MAX_TIME;

/** Day 0 of every sample journey: Monday 5 October 2026, 00:00 UTC. */
export const BASE_TS = Date.UTC(2026, 9, 5);

const at = (day, hh, mm = 0, ss = 0) => BASE_TS + day * DAY + ((hh * 60 + mm) * 60 + ss) * 1000;
const view = (day, hh, mm, path, dwellS, ss = 0) => ({
  type: 'page_view', ts: at(day, hh, mm, ss), url: SITE + path, dwellMs: dwellS * 1000,
});
const form = (type, day, hh, mm, name, path, ss = 0) => ({
  type, ts: at(day, hh, mm, ss), url: SITE + path, form: name,
});
const identify = (day, hh, mm, traits, ss = 0) => ({ type: 'identify', ts: at(day, hh, mm, ss), traits });

/** The preloaded journeys. Their URLs are the demo site's, so page patterns decide. */
export const SAMPLES = [
  {
    id: 'enterprise',
    name: 'Enterprise evaluator',
    summary: 'A VP of operations checks integrations, security and pricing, then requests a demo.',
    now: at(4, 11, 5),
    events: [
      view(0, 9, 12, '/', 15),
      view(0, 9, 13, '/integrations', 40),
      view(0, 9, 15, '/integrations/salesforce', 95),
      view(0, 9, 18, '/integrations/slack', 30),
      view(2, 14, 2, '/security', 70),
      view(2, 14, 4, '/security/compliance', 150),
      view(3, 10, 30, '/pricing', 85),
      view(3, 10, 33, '/docs/getting-started', 120),
      view(4, 11, 0, '/pricing', 45),
      view(4, 11, 2, '/demo', 20),
      form('form_start', 4, 11, 2, 'demo-request', '/demo', 30),
      form('form_submit', 4, 11, 4, 'demo-request', '/demo'),
      identify(4, 11, 4, {
        email_type: 'corporate', seniority: 'vp', company_size: '201-1000',
        job_title: 'VP Operations', industry: 'logistics',
      }, 1),
    ],
  },
  {
    id: 'student',
    name: 'Student reading the blog',
    summary: 'Long reads on the blog over ten days, a newsletter signup with a free mailbox.',
    now: at(10, 19, 35),
    events: [
      view(0, 20, 10, '/blog/what-is-lead-scoring', 240),
      view(0, 20, 15, '/blog', 40),
      view(0, 20, 16, '/blog/five-workflow-tips', 180),
      view(3, 21, 0, '/blog/what-is-lead-scoring', 60),
      view(3, 21, 2, '/docs', 50),
      form('form_submit', 3, 21, 5, 'newsletter', '/blog'),
      identify(3, 21, 5, { email_type: 'free', job_title: 'Graduate student, information systems', seniority: 'entry' }, 1),
      view(10, 19, 30, '/blog/five-workflow-tips', 90),
    ],
  },
  {
    id: 'competitor',
    name: 'Competitor',
    summary: 'Reads pricing, integrations and security closely, then identifies with a competitor domain.',
    now: at(0, 13, 15),
    events: [
      view(0, 13, 0, '/pricing', 120),
      view(0, 13, 3, '/integrations', 60),
      view(0, 13, 5, '/security/compliance', 90),
      view(0, 13, 8, '/docs/getting-started', 200),
      view(0, 13, 12, '/demo', 30),
      form('form_start', 0, 13, 13, 'demo-request', '/demo'),
      form('form_submit', 0, 13, 14, 'demo-request', '/demo'),
      identify(0, 13, 14, { email_type: 'competitor', seniority: 'manager', company_size: '51-200' }, 1),
    ],
  },
  {
    id: 'returning',
    name: 'Returning after 60 days',
    summary: 'An engaged first visit and a webinar, then silence; back 60 days later.',
    now: at(61, 9, 40),
    events: [
      view(0, 10, 0, '/', 20),
      view(0, 10, 1, '/pricing', 60),
      view(0, 10, 3, '/integrations/hubspot', 45),
      view(0, 10, 5, '/pricing', 30),
      { type: 'webinar_attended', ts: at(1, 15, 0), props: { webinar_id: 'live-demo-oct' } },
      identify(1, 15, 0, { email_type: 'corporate', seniority: 'director', company_size: '51-200' }, 1),
      view(61, 9, 30, '/', 10),
      view(61, 9, 31, '/pricing', 50),
      view(61, 9, 33, '/security', 40),
      view(61, 9, 35, '/demo', 15),
    ],
  },
  {
    id: 'jobseeker',
    name: 'Job seeker',
    summary: 'Careers pages and a job post, read twice; one blog post about the company.',
    now: at(2, 8, 25),
    events: [
      view(0, 18, 0, '/', 10),
      view(0, 18, 1, '/careers', 60),
      view(0, 18, 2, '/careers/backend-engineer', 240),
      view(0, 18, 7, '/blog/what-is-lead-scoring', 45),
      view(2, 8, 15, '/careers/backend-engineer', 120),
      identify(2, 8, 20, { email_type: 'free', job_title: 'Backend engineer' }),
    ],
  },
];

export const EMPTY_JOURNEY = () => ({ name: 'New visitor', events: [], now: BASE_TS + 9 * HOUR });

export function sampleJourney(id) {
  const s = SAMPLES.find((x) => x.id === id);
  return s && { name: s.name, events: structuredClone(s.events), now: s.now };
}

/**
 * A URL path for a page category, from the rules' `pages` entries: each pattern of that
 * category with `/x/**` turned into `/x` and other wildcards filled in, and `/about-us`
 * last. With `categoryOf(url)` (the core's classification under these rules) the first
 * candidate the core puts in that category wins, so an earlier, broader entry cannot
 * steal it; `other` (or an unknown category) gets a path no pattern matches if it can.
 */
export function pathForCategory(rulesDoc, category, categoryOf) {
  const candidates = [];
  for (const entry of rulesDoc?.pages || []) {
    if (!entry || entry.category !== category || !Array.isArray(entry.match)) continue;
    for (const m of entry.match) if (typeof m === 'string') candidates.push(pathFromPattern(m));
  }
  candidates.push('/about-us');
  if (!categoryOf) return candidates[0];
  return candidates.find((p) => categoryOf(SITE + p) === category) ?? candidates[0];
}

function pathFromPattern(pattern) {
  let path = pattern.replace(/\/\*\*$/, '').replace(/\*\*/g, 'x').replace(/\*/g, 'x');
  if (!path.startsWith('/')) path = '/' + path;
  return path || '/';
}

/** Form names the rules mention (globs with their wildcards removed), for suggestions. */
export function formNames(rulesDoc) {
  const out = new Set();
  const visit = (cond) => {
    if (cond && typeof cond.form === 'string') {
      const name = cond.form.replace(/[*?]/g, '');
      if (name) out.add(name);
    }
  };
  for (const r of rulesDoc?.rules || []) {
    const w = r?.when;
    if (!w) continue;
    visit(w);
    if (Array.isArray(w.sequence)) w.sequence.forEach(visit);
  }
  if (!out.size) out.add('demo-request');
  return [...out];
}

/** Trait field names the rules read, for the identify hint. */
export function traitFields(rulesDoc) {
  const out = new Set();
  for (const r of rulesDoc?.rules || []) {
    for (const c of r?.when?.traits || []) if (c && typeof c.field === 'string') out.add(c.field);
  }
  return [...out];
}

/**
 * `key=value, key=value` (or a JSON object) → an object. Numbers, true, false and null are
 * read as such; quote a value ("250") to keep it a string.
 */
export function parsePairs(text) {
  const t = text.trim();
  if (!t) return {};
  if (t.startsWith('{')) {
    const v = JSON.parse(t);
    if (!v || typeof v !== 'object' || Array.isArray(v)) throw new Error('expected a JSON object');
    return v;
  }
  const out = {};
  for (const part of t.split(/[,;\n]/)) {
    if (!part.trim()) continue;
    const i = part.indexOf('=');
    if (i < 1) throw new Error(`"${part.trim()}" is not key=value`);
    const key = part.slice(0, i).trim();
    const raw = part.slice(i + 1).trim();
    out[key] = readScalar(raw);
  }
  return out;
}

function readScalar(raw) {
  if (/^".*"$/.test(raw)) return raw.slice(1, -1);
  if (raw === 'true') return true;
  if (raw === 'false') return false;
  if (raw === 'null') return null;
  if (/^-?\d+(\.\d+)?([eE][+-]?\d+)?$/.test(raw)) return Number(raw);
  return raw;
}

/**
 * Reads pasted history: a JSON array of events, `{ "events": [...] }`, or JSON lines.
 * Events carrying a `visitor` field (the CLI's input) are split into one journey per
 * visitor. Each journey is scored at its last event. Throws with the line of the first
 * line that is not JSON.
 */
export function parseJourneyText(text, name = 'Loaded journey') {
  const t = text.trim();
  if (!t) throw new Error('nothing to load: paste a JSON array or JSON lines of events');
  let events;
  if (t.startsWith('[')) {
    events = JSON.parse(t);
  } else {
    let whole = null;
    try {
      whole = JSON.parse(t);
    } catch {
      /* JSON lines */
    }
    if (whole && Array.isArray(whole.events)) events = whole.events;
    else if (whole && typeof whole === 'object' && !Array.isArray(whole)) events = [whole];
    else {
      events = [];
      t.split(/\r?\n/).forEach((line, i) => {
        if (!line.trim()) return;
        try {
          events.push(JSON.parse(line));
        } catch (e) {
          throw new Error(`line ${i + 1} is not JSON: ${e.message}`);
        }
      });
    }
  }
  if (!Array.isArray(events)) throw new Error('expected an array of events');
  const groups = new Map();
  for (const e of events) {
    const key = e && typeof e === 'object' && e.visitor != null ? String(e.visitor) : '';
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key).push(e);
  }
  return [...groups].map(([visitor, evs]) => {
    const times = evs.map((e) => e?.ts).filter(isTime);
    return {
      name: visitor ? `${name}: ${visitor}` : name,
      events: evs,
      now: times.length ? Math.max(...times) : BASE_TS,
    };
  });
}

const pad = (n) => String(n).padStart(2, '0');

/** Day number and UTC time of `ts`, relative to the UTC day of `origin`: "Day 3 · 14:05". */
export function relTime(ts, origin) {
  if (!isTime(ts)) return `at ${String(ts).slice(0, 24)}`;
  const d0 = Math.floor(origin / DAY) * DAY;
  const day = Math.floor((ts - d0) / DAY);
  const t = new Date(ts);
  return `Day ${day} · ${pad(t.getUTCHours())}:${pad(t.getUTCMinutes())}`;
}

export function isoMinute(ts) {
  if (!isTime(ts)) return String(ts);
  const t = new Date(ts);
  return `${t.getUTCFullYear()}-${pad(t.getUTCMonth() + 1)}-${pad(t.getUTCDate())} ${pad(t.getUTCHours())}:${pad(t.getUTCMinutes())} UTC`;
}

export function journeyOrigin(journey) {
  const times = journey.events.map((e) => e?.ts).filter(isTime);
  return times.length ? Math.min(...times, journey.now) : journey.now;
}

export function urlPath(url) {
  try {
    const u = new URL(url, SITE);
    return u.pathname + u.search;
  } catch {
    return String(url);
  }
}

/**
 * Plain-text pieces describing an event for the timeline (never HTML). With
 * `categoryOf(url)`, a page view's page category follows its path (as `bits[1]` and
 * `category`). `detail` is the `bits` joined with ` · `.
 */
export function describeEvent(e, categoryOf) {
  if (!e || typeof e !== 'object') return { type: 'invalid', detail: JSON.stringify(e), bits: [JSON.stringify(e)], category: null };
  const bits = [];
  let category = null;
  if (typeof e.url === 'string') {
    bits.push(urlPath(e.url));
    if (e.type === 'page_view' && categoryOf) bits.push((category = categoryOf(e.url)));
  }
  if (typeof e.form === 'string') bits.push(`form ${e.form}`);
  if (typeof e.dwellMs === 'number') bits.push(`dwell ${formatDuration(e.dwellMs)}`);
  if (e.traits && typeof e.traits === 'object') {
    bits.push(Object.entries(e.traits).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(', '));
  }
  if (e.props && typeof e.props === 'object') {
    bits.push(Object.entries(e.props).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(', '));
  }
  return { type: String(e.type ?? '(no type)'), detail: bits.join(' · '), bits, category };
}

export function formatDuration(ms) {
  const s = Math.round(ms / 1000);
  if (s < 600) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min${s % 60 ? ` ${s % 60} s` : ''}`;
  return `${(s / 3600).toFixed(1)} h`;
}

/** Sorted by ts (stable, so log order on ties), as the engine reads them. */
export function sortedEvents(events) {
  return events.map((e, i) => ({ e, i })).sort((a, b) => (a.e?.ts ?? 0) - (b.e?.ts ?? 0) || a.i - b.i);
}
