// The visitor pane: the simulator's controls (page views, forms, identify, custom events,
// moving time, samples, loading pasted history) and the journey's timeline, where each
// page view shows the page category the core gives its URL under the current rules.
import { $, h, say } from './dom.js';
import { app, S, scoreJourney, setJourney } from './state.js';
import * as J from './journey.js';

const BUILTIN_EVENTS = new Set(['page_view', 'form_start', 'form_submit', 'form_abandon', 'identify']);

function fillSelect(select, values, labelOf = (v) => v) {
  const prev = select.value;
  const sig = JSON.stringify(values);
  if (select.dataset.sig === sig) return;
  select.dataset.sig = sig;
  select.replaceChildren(...values.map((v) => h('option', { value: v }, labelOf(v))));
  if (values.includes(prev)) select.value = prev;
}

const pathFor = (category) => J.pathForCategory(app.current?.doc, category, app.current?.categoryOf);

/** Fills the simulator's choices from the compiled rules (after every successful compile). */
export function refreshSimulatorOptions() {
  const { current } = app;
  if (!current) return;
  const cat = $('pv-category');
  const before = cat.value;
  fillSelect(cat, current.pageCategories);
  if (cat.value !== before || !$('pv-path').value) $('pv-path').value = pathFor(cat.value);
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

let simTimer = 0;
function refreshSimulatorOptionsSoon() {
  clearTimeout(simTimer);
  simTimer = setTimeout(() => {
    const ct = $('custom-type');
    const props = app.current?.eventTypes.find(([n]) => n === ct.value)?.[1] || [];
    $('custom-props').placeholder = props.length ? props.map((p) => `${p}=…`).join(', ') : 'no props declared';
  }, 0);
}

/**
 * Adds an event at "now" and moves "now" on by `advance` ms, unless the core (under the
 * current rules) rejects it: then nothing is added and the core's reason is shown, as the
 * tag would refuse it (a rejected event never reaches a score or the stored state).
 */
function addEvent(event, advance) {
  const j = S.journey;
  const events = [...j.events, event];
  const scored = scoreJourney(app.current, { ...j, events });
  const why = scored?.rejected?.find((x) => x.index === events.length - 1);
  if (why) {
    const path = String(why.path || '').replace(/^\[\d+\]\.?/, '');
    return say('sim-message', `Not added: the rules reject this ${String(event.type)} event: ${path ? `${path}: ` : ''}${why.message}`, true);
  }
  setJourney({ ...j, events, now: j.now + advance }, { edited: true });
  const d = J.describeEvent(event);
  say('sim-message', `Added ${d.type}${d.detail ? `: ${d.detail}` : ''}`);
}

const viewsUpToNow = () => J.sortedEvents(S.journey.events).map((x) => x.e)
  .filter((e) => typeof e?.url === 'string' && J.isTime(e.ts) && e.ts <= S.journey.now);

/**
 * The page a form event happens on, as the tag records it (the URL of the page holding
 * the form): a form that was started is submitted or abandoned on the page where it was
 * started, even if the visitor viewed other pages since (another tab); a form not started
 * yet is on the page the visitor is on (the last page view), or the demo page.
 */
export function formPageUrl(type, name, events = viewsUpToNow()) {
  if (type !== 'form_start') {
    const starts = events.filter((e) => e.type === 'form_start' && e.form === name);
    if (starts.length) return starts[starts.length - 1].url;
  }
  const views = events.filter((e) => e.type === 'page_view');
  return views.length ? views[views.length - 1].url : `${J.SITE}/demo`;
}

export function wireSimulator() {
  $('pv-category').addEventListener('change', () => {
    $('pv-path').value = pathFor($('pv-category').value);
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
      addEvent({ type: b.dataset.form, ts: S.journey.now, url: formPageUrl(b.dataset.form, name), form: name }, 1000);
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

/** The event's description; a page view's category is a span of its own (class `page-cat`). */
function detailOf(d) {
  if (d.category == null) return d.detail;
  return d.bits.flatMap((b, k) => [k ? ' · ' : null, k === 1 ? h('span', { class: 'page-cat', title: 'page category' }, b) : b]);
}

/** The journey's events in time order; `scored` (the core's output) marks rejected ones. */
export function renderTimeline(scored) {
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
  const categoryOf = app.current?.categoryOf;
  for (const { e, i } of J.sortedEvents(j.events)) {
    const d = J.describeEvent(e, categoryOf);
    const time = J.isTime(e?.ts);
    const when = time ? J.relTime(e.ts, origin) : typeof e?.ts === 'number' ? `time ${e.ts}` : 'no time';
    const rej = rejected.get(i);
    const future = typeof e?.ts === 'number' && e.ts > j.now;
    ol.append(h('li', { class: `ev ev-${d.type.replace(/[^a-z_]/gi, '')}${rej ? ' rejected' : ''}${future ? ' future' : ''}`, 'data-category': d.category },
      h('time', { datetime: time ? new Date(e.ts).toISOString() : null, title: time ? J.isoMinute(e.ts) : null }, when),
      h('span', { class: 'what' }, h('span', { class: 'type' }, d.type), h('span', { class: 'detail' }, detailOf(d))),
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
