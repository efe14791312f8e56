// The session and the compiled rules: what the editor holds (the challenger once live
// rules are pinned), the pinned live rules, the simulated journey and the loaded ones;
// checking and compiling rules with the core, scoring a journey, and scheduling a
// re-render after every change. The other modules read and change state through here.
import { $ } from './dom.js';
import * as J from './journey.js';

/** The loaded core module, the editor, compiled rules and the editor's current problems. */
export const app = {
  core: null,
  editor: null,
  /** Compiled rules: { scorer, text, doc, pageCategories, eventTypes, categoryOf }. */
  current: null,
  live: null,
  problems: [],
};

/** The session: editor rules (the challenger once pinned), pinned live rules, the journey, loaded journeys. */
export const S = { rules: '', live: null, journey: J.EMPTY_JOURNEY(), loaded: [] };

/** Set by main.js: draw everything, save the hash soon, refresh the simulator's options. */
export const hooks = { render() {}, saveSoon() {}, compiled() {} };

const checked = { text: null, problems: [] };
export function check(text) {
  if (checked.text !== text) {
    checked.text = text;
    checked.problems = app.core ? Array.from(app.core.Scorer.check(text)) : [];
  }
  return checked.problems;
}

export function compile(text) {
  if (check(text).length) return null;
  try {
    const scorer = new app.core.Scorer(text);
    const categories = new Map();
    return {
      scorer,
      text,
      doc: JSON.parse(text),
      pageCategories: Array.from(scorer.pageCategories()),
      eventTypes: Array.from(scorer.eventTypes(), ([name, props]) => [name, Array.from(props)]),
      /** The page category of a URL under these rules, from the core (`other` if none). */
      categoryOf(url) {
        let c = categories.get(url);
        if (c === undefined) categories.set(url, (c = scorer.pageCategory(url)));
        return c;
      },
    };
  } catch (e) {
    console.warn('rules passed check but did not compile', e);
    return null;
  }
}

/** JSON of an events array, cached: arrays are replaced on every edit, never mutated. */
const jsonOf = new WeakMap();
export function eventsText(events) {
  let t = jsonOf.get(events);
  if (t === undefined) jsonOf.set(events, (t = JSON.stringify(events)));
  return t;
}

export function scoreJourney(c, journey, now = journey.now, text = eventsText(journey.events)) {
  if (!c) return null;
  try {
    const out = c.scorer.score(text, now);
    return { result: out.result, rejected: Array.from(out.rejected || []) };
  } catch (e) {
    return { error: e.message || String(e) };
  }
}

let pending = false;
/** Saves the hash soon and renders on the next frame (once, however many changes). */
export function schedule() {
  hooks.saveSoon();
  if (pending) return;
  pending = true;
  const run = () => {
    pending = false;
    hooks.render();
  };
  if (document.hidden) setTimeout(run, 0);
  else requestAnimationFrame(run);
}

export function onRulesChange(text) {
  S.rules = text;
  app.problems = check(text);
  if (!app.problems.length && app.current?.text !== text) {
    const c = compile(text);
    if (c) {
      app.current?.scorer.free();
      app.current = c;
      hooks.compiled();
    }
  }
  schedule();
}

export function setLive(text) {
  app.live?.scorer.free();
  app.live = text == null ? null : compile(text);
  S.live = app.live ? text : null;
  $('revert').hidden = !app.live;
  $('unpin').hidden = !app.live;
  $('pin').textContent = app.live ? 'Pin again' : 'Pin as live';
}

/** `from` names the sample or loaded journey an unedited journey came from (for Compare). */
export function setJourney(j, { edited = false, from = null } = {}) {
  S.journey = { name: j.name, events: j.events, now: j.now };
  if (!edited && from) S.journey.from = from;
  if (edited && !/\(edited\)$/.test(S.journey.name)) S.journey.name += ' (edited)';
  schedule();
}

/** Puts a decoded share link (checked by share.js) or the start-up state into the session and the editor. */
export function applyState(st) {
  S.loaded = st.loaded || [];
  setLive(st.live ?? null);
  const j = st.journey;
  S.journey = { name: j.name, events: j.events, now: j.now };
  if (j.from) S.journey.from = j.from;
  if (app.editor.text() !== st.rules) app.editor.setText(st.rules);
  else onRulesChange(st.rules);
}
