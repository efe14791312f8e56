// leadscore's browser API. The engine (rules, events, scoring, storage) runs in the wasm
// core; this module passes events in and results out, and never throws into the page:
// every entry point is guarded. A bad argument gets `{ ok: false, error }` and the tag keeps
// working; only a fault of the core (a wasm trap) makes it inert, with one console error.
import init, { Tracker } from './core.js';
import { collect, cleanUrl, handsOff } from './collect.js';
import { encode, decode as decodeValue, migrate, ValueError } from './values.js';

const DEFAULT_KEY = 'leadscore:v1';
/** How long the page is idle (no event recorded) before it folds its journal into the
 * shared state. Another tab sees an event at once through the journal's storage event. */
const FOLD_MS = 1000;
/** The wasms' content hashes as a query, from the build (www/build.mjs): cached for a year. */
const WASM_V = typeof LEADSCORE_V_WASM === 'string' ? LEADSCORE_V_WASM : '';
const DEBUG_V = typeof LEADSCORE_V_DEBUG === 'string' ? LEADSCORE_V_DEBUG : '';
/** The page asked for the debug panel. */
const debugging = () => /[?&]leadscore_debug=1\b/.test(location.search);
/** The wasm beside this module: with ?leadscore_debug=1, its build with what only the debug
 * panel calls (`whyNot`). The URLs' text stays a plain literal, so bundlers (Vite) see
 * `new URL('…wasm', import.meta.url)` and emit the files; the hash goes in after. */
function wasmUrl(debug) {
  const url = debug ? new URL('./leadscore_debug_bg.wasm', import.meta.url) : new URL('./leadscore_core_bg.wasm', import.meta.url);
  url.search = debug ? DEBUG_V : WASM_V;
  return url;
}

/** The core instantiated: the loader's compiled wasm, or the one beside this module. A debug
 * build that cannot be had (a site that copied only the visitors' wasm) is not a reason to
 * stop scoring: the visitors' build then, whose debug panel lacks only the reasons. */
function instantiate(options) {
  const load = (source) => init({ module_or_path: source });
  if (options.wasm) return load(options.wasm.then(settled));
  if (!debugging()) return load(wasmUrl(false));
  return load(wasmUrl(true)).catch(() => load(wasmUrl(false)));
}
/** The queue's commands: push(['track', …]) runs these and nothing else, so a name such as
 * 'toString' or 'constructor' never reaches what the API object inherits. */
const COMMANDS = ['result', 'track', 'identify', 'on', 'events', 'payload', 'reset', 'consent'];
/** Marks the API on `window.leadscore`, so the loader knows it from a page's own object. */
export const API_MARK = Symbol.for('leadscore.api');

/**
 * Starts leadscore and resolves to its API. Options: `rules`, compiled rules (`leadscore
 * compile`: a Uint8Array, an ArrayBuffer or their base64 text), or `rulesUrl` (a
 * rules.lsc), or an inline <script type="application/octet-stream" id="leadscore-rules">
 * holding the compiled rules in base64; `consent: 'required'`; `storageKey`;
 * `competitors` (extra competitor email domains); `collect: false` to record only what you
 * pass in yourself; `onReady(api)`.
 */
export async function start(options = {}) {
  // The rules file and the wasm are independent: both at once. The script tag's loader has
  // started both already (`wasm`, `rulesData`); the npm module starts them here.
  const t0 = performance.now();
  let tRules = 0;
  let tWasm = 0;
  // The hand-off's file too, when this page needs it already (else later, or never).
  const [rules, , handoffModule] = await Promise.all([
    loadRules(options).then((b) => { tRules = performance.now() - t0; return b; }),
    instantiate(options).then((exports) => { memory = exports.memory; tWasm = performance.now() - t0; }),
    needsHandoff(options) ? loadHandoff() : null,
  ]);
  const tReady = performance.now();
  // Three tasks, not one: the API module and the wasm's instance; reading the rules and
  // the stored state (the first calls into the wasm compile its functions as they go);
  // then the collectors and the first page view. At a slow CPU each stays short (the
  // longest at 4x CPU, worst view: 57-63 ms as two tasks, 34-43 ms as three, side by
  // side), and the page's own work gets a turn between them.
  await nextTask();
  const t1 = performance.now();
  const core = coreOf(rules, options);
  const t2 = performance.now();
  await nextTask();
  const t3 = performance.now();
  const api = createApi(core, options, handoffModule);
  const t4 = performance.now();
  // Where the start-up's time goes, for `npm run bench`: the core (rules and stored state),
  // the API (collectors, the first page view and result), and waiting for the next task.
  api.timings = { rules: tRules, wasm: tWasm, setup: t4 - tReady, core: t2 - t1, api: t4 - t3, yields: t1 - tReady + t3 - t2 };
  return api;
}

/** The value of a download the loader started, or what it failed with. */
function settled(r) {
  if (r.e) throw r.e;
  return r.v;
}

/** The wasm's memory, where `Tracker.result` leaves its numbers. */
let memory = null;

/** The numbers of a result (layout in src/tag/tracker.rs), read in place: a view that is
 * valid until the next call into the core, so it is decoded at once. */
function numbers(tracker, now) {
  const n = tracker.result(now);
  return new Float64Array(memory.buffer, tracker.resultAt(), n);
}

/** The script tag's entry: start, replace the queue stub, replay queued calls in order. */
export async function boot(config, queue) {
  let api;
  try {
    api = await start(config);
  } catch (e) {
    report(e);
    api = inertApi();
  }
  const queued = Array.isArray(queue) ? queue.slice() : [];
  try { Object.defineProperty(api, API_MARK, { value: true }); } catch { /* frozen: fine */ }
  window.leadscore = api;
  for (const call of queued) api.push(call);
  // From the loader's first line to a first result, for `npm run bench`.
  if (api.timings && typeof config.t0 === 'number') api.timings.total = performance.now() - config.t0;
  return api;
}

/** The hand-off module (hidden form fields, chat and tag-manager adapters, the beacon),
 * fetched once; null when it cannot load (the tag scores on without it). */
let handoffLoad = null;
const loadHandoff = () => (handoffLoad ||= import('./handoff.js').catch(() => null));

/** Whether the page needs the hand-off now: a chat or tag-manager adapter is configured,
 * Marketo's forms API is there, or a form the hand-off fills (see `handsOff`) or a form of
 * HubSpot or Marketo is on the page. Pages without any never fetch handoff.js. */
function needsHandoff(o) {
  if (o.handoff || window.MktoForms2) return true;
  return Array.prototype.some.call(document.forms, (f) => wantsForm(f, o));
}
const wantsForm = (f, o) => handsOff(f, o) || f.matches('.hs-form, .mktoForm');

async function loadRules(o) {
  if (o.rules != null) return bytesOf(o.rules);
  // Only a <script> element: another element with that id (a CMS block) is not rules, and
  // `document.getElementById` itself can be clobbered by `<img name="getElementById">`.
  const inline = Document.prototype.querySelector.call(document, 'script[id="leadscore-rules"]');
  if (inline && !o.rulesUrl) return bytesOf(inline.textContent);
  if (!o.rulesUrl) throw Object.assign(new Error('no rules: set data-rules or add #leadscore-rules'), { code: 'no_rules' });
  if (o.rulesData) return new Uint8Array(settled(await o.rulesData));
  const res = await fetch(o.rulesUrl, { credentials: 'same-origin' });
  if (!res.ok) throw Object.assign(new Error(`rules file ${o.rulesUrl}: HTTP ${res.status}`), { code: 'rules_unavailable' });
  return new Uint8Array(await res.arrayBuffer());
}

/** Compiled rules as bytes: as given, or from base64 text. Anything else (rules JSON, an
 * object) is passed on as it is and the core names the problem (`not_compiled`). */
function bytesOf(r) {
  if (r instanceof Uint8Array) return r;
  if (r instanceof ArrayBuffer) return new Uint8Array(r);
  const text = typeof r === 'string' ? r.trim() : JSON.stringify(r);
  try {
    return Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
  } catch {
    return new TextEncoder().encode(text);
  }
}

let reported = false;
function report(e) {
  if (reported) return;
  reported = true;
  const where = e && e.path ? ` at ${e.path}${e.line ? ` (line ${e.line}, column ${e.column})` : ''}` : '';
  // The tag's core has no panic messages (see src/tag/lib.rs): a panic arrives as a trap.
  const what = typeof WebAssembly === 'object' && e instanceof WebAssembly.RuntimeError
    ? `internal error in the scoring core (${e.message})` : e && e.message || e;
  console.error(`leadscore: stopped${e && e.code ? ` [${e.code}]` : ''}${where}: ${what}. The page is unaffected.`);
}

/** The contract's result (§3) from the numbers `Tracker.result` returns (layout in
 * src/tag/tracker.rs) and the names of `Tracker.meta`: the numbers arrive as the engine
 * computed them, so they equal `leadscore score` bit for bit. */
export function decode(meta, n) {
  const categories = {};
  let i = 3;
  for (const c of meta.categories) categories[c] = n[i++];
  const explain = [];
  for (; i < n.length; i += 3) {
    const [rule, category] = meta.rules[n[i]];
    explain.push({ rule, category, count: n[i + 1], points: n[i + 2] });
  }
  const band = meta.bands[n[2]];
  return {
    score: n[0],
    categories,
    band: n[2] === -2 ? 'disqualified' : band ? band[0] : null,
    action: band ? band[1] : null,
    disqualified: n[1] === 1,
    rulesVersion: meta.version,
    explain,
  };
}

function failure(code, message) {
  return { ok: false, error: { code, message } };
}

/** Anything thrown from inside a call into the core: a trap (a panic, in the tag's build),
 * or a page function the core called (a patched `console.warn`) throwing through it. The
 * core's state cannot be trusted after either, so the tag stops. */
class CoreFault {
  constructor(e) { this.e = e; }
}
const isFault = (e) => e instanceof CoreFault || (typeof WebAssembly === 'object' && e instanceof WebAssembly.RuntimeError);

/** The tracker with every method wrapped so that what it throws is a CoreFault: whatever
 * else a call throws came from reading the caller's arguments (a BigInt, a cycle, a throwing
 * getter or toJSON, a Proxy), before the core was entered, and fails only that call. */
function faultsMarked(tracker) {
  const proto = Object.getPrototypeOf(tracker);
  for (const name of Object.getOwnPropertyNames(proto)) {
    const method = Object.getOwnPropertyDescriptor(proto, name).value;
    if (name === 'constructor' || typeof method !== 'function') continue;
    tracker[name] = (...args) => {
      try { return method.apply(tracker, args); } catch (e) { throw new CoreFault(e); }
    };
  }
  return tracker;
}

/** The message of anything thrown, even an object whose `message` getter throws. */
function messageOf(e) {
  try { return String(e.message ?? e); } catch { return '?'; }
}

function inertApi() {
  const no = () => failure('inert', 'leadscore is not running (see the console)');
  const api = {
    push: (call) => { try { if (Array.isArray(call) && call[0] === 'on') return api.on(); } catch { /* unreadable */ } return no(); },
    result: () => null, track: no, identify: no, events: () => [], reset: no, consent: no,
    on: () => () => {}, payload: () => null, inert: true,
  };
  return api;
}

// Reading `localStorage` throws a SecurityError where storage is disabled: the core gets
// null then and scores in memory, with one warning.
function localStorageOrNull() {
  try { return window.localStorage; } catch { return null; }
}

// A page's id: with a counter, the id of each event it records, so that two tabs' events
// stay two even when their texts are equal (see `Visitor::merge` in src/state).
function pageId() {
  const n = new Uint32Array(1);
  try { crypto.getRandomValues(n); } catch { n[0] = Math.random() * 2 ** 32; }
  return n[0].toString(36);
}

/** The core: the compiled rules read and the visitor's stored state restored. */
function coreOf(rules, o) {
  const key = o.storageKey || DEFAULT_KEY;
  // Without a stored consent answer (`${key}:consent`, read by the core before each write).
  const byDefault = navigator.globalPrivacyControl !== true && o.consent !== 'required';
  const page = pageId();
  // `{"v":1,…}` text an earlier tag stored is converted here, on the core's first read of it.
  const fromV1 = (text) => { try { return migrate(text); } catch { return null; } };
  return { key, page, tracker: faultsMarked(new Tracker(rules, key, byDefault, Date.now(), localStorageOrNull(), page, fromV1)) };
}

/** Resolves in a later task: `scheduler.yield()` where there is one, else a message. */
function nextTask() {
  if (globalThis.scheduler && typeof scheduler.yield === 'function') return scheduler.yield();
  return new Promise((ok) => {
    const c = new MessageChannel();
    c.port1.onmessage = () => ok();
    c.port2.postMessage(0);
  });
}

function createApi({ key, page, tracker }, o, handoffModule) {
  if (o.competitors) tracker.addCompetitors(String(o.competitors));
  const listeners = { change: new Set(), band: new Set() };
  let inert = false;
  let lastKey = null;
  let lastBand;

  // Every call from the page goes through here: errors never reach the host page. A core
  // fault makes the tag inert (`fallback` from then on); an argument that cannot be read
  // fails only its own call (`bad`, by default `{ ok: false, error: { code: 'invalid_argument' } }`).
  const guard = (fn, fallback, bad) => (...args) => {
    const off = () => (typeof fallback === 'function' ? fallback() : fallback);
    if (inert) return off();
    try {
      return fn(...args);
    } catch (e) {
      if (isFault(e)) {
        inert = true;
        report(e instanceof CoreFault ? e.e : e);
        return off();
      }
      if (bad !== undefined) return typeof bad === 'function' ? bad() : bad;
      return failure('invalid_argument', `an argument could not be read: ${messageOf(e)}`);
    }
  };
  const call = (fns, arg) => {
    for (const fn of fns) {
      try { fn(arg); } catch (e) { console.error('leadscore: a listener threw:', e); }
    }
  };

  const meta = JSON.parse(tracker.meta());
  const result = (at) => decode(meta, numbers(tracker, typeof at === 'number' && Number.isFinite(at) ? at : Date.now()));
  const changed = () => {
    const r = result();
    // A change anyone can see: decay alone moves the score by a hair every millisecond.
    const cents = (n) => Math.round(n * 100);
    const k = JSON.stringify([cents(r.score), r.band, r.explain.map((x) => [x.rule, x.count, cents(x.points)])]);
    if (k === lastKey) return;
    lastKey = k;
    call(listeners.change, r);
    document.dispatchEvent(new CustomEvent('leadscore:change', { detail: r }));
    if (lastBand !== undefined && r.band !== lastBand) {
      const bandChange = { from: lastBand, to: r.band, action: r.action, result: r };
      call(listeners.band, bandChange);
      document.dispatchEvent(new CustomEvent('leadscore:band', { detail: bandChange }));
    }
    lastBand = r.band;
  };
  const outcome = (problem) => {
    if (problem) return failure(problem.code, problem.message + (problem.path ? ` (at ${problem.path})` : ''));
    changed();
    return { ok: true };
  };
  let seq = 0;
  const views = new Map(); // "ts url" of a page view recorded here → its id, for updates
  const idOf = (e, fresh) => {
    if (e.type !== 'page_view') return `${page}.${(seq++).toString(36)}`;
    const k = `${e.ts} ${e.url}`;
    if (fresh || !views.has(k)) {
      views.set(k, `${page}.${(seq++).toString(36)}`);
      if (views.size > 8) views.delete(views.keys().next().value);
    }
    return views.get(k);
  };
  // Recording writes only this page's journal; the shared state is written (folded) when
  // the page is idle, hidden or left (see src/tag/tracker.rs).
  let foldTimer = 0;
  const fold = () => { clearTimeout(foldTimer); foldTimer = 0; tracker.fold(Date.now()); };
  const foldSoon = () => { if (!foldTimer) foldTimer = setTimeout(guard(fold, null), FOLD_MS); };
  // This page's journal is written once per task, in a microtask after the task's events
  // (Tracker.flush): a burst of events is one write, and nothing is lost between tasks.
  let flushing = false;
  const flush = guard(() => { flushing = false; tracker.flush(Date.now()); }, null);
  const recorded = (problem) => {
    if (!flushing) { flushing = true; queueMicrotask(flush); }
    foldSoon();
    return outcome(problem);
  };
  // Events cross as typed values (www/tag/values.js), not JSON text: what JSON.stringify
  // would refuse throws here (invalid_argument); too deep or too large is a problem.
  const bytesOf = (event) => {
    try { return encode(event); } catch (e) { if (e instanceof ValueError) return e; throw e; }
  };
  const record = (event) => {
    const bytes = bytesOf(event);
    if (bytes instanceof ValueError) return failure(bytes.code, bytes.message);
    return recorded(tracker.record(bytes, idOf(event, true), Date.now()));
  };
  // The stored events, as the core holds them, in JavaScript and as JSON text.
  const storedEvents = () => decodeValue(tracker.events());
  // The CRM payload as text: the events exactly as stored, so the digest that
  // `leadscore verify` recomputes over them matches byte for byte.
  const payloadText = () => {
    const ts = Date.now();
    const events = JSON.stringify(storedEvents());
    return `{"v":1,"ts":${ts},"digest":"${tracker.digest(events)}","result":${JSON.stringify(result(ts))},"events":${events}}`;
  };

  const isObject = (x) => x != null && typeof x === 'object' && !Array.isArray(x);
  const emailType = (email) => tracker.emailType(String(email));

  const api = {
    /** The contract's result as of now (or of the time `at`, in ms), or null when
     * leadscore is not running. */
    result: guard(result, null, null),
    /** Records a custom event of the rules' tracking plan. */
    track: guard((type, props) => {
      if (typeof type !== 'string') return failure('wrong_type', 'track(type, props): type must be a string');
      if (props != null && !isObject(props)) return failure('wrong_type', 'track(type, props): props must be an object');
      const e = { type, ts: Date.now(), url: cleanUrl(location.href) };
      if (props && Object.keys(props).length) e.props = props;
      return record(e);
    }, () => failure('inert', 'leadscore is not running')),
    /** Records traits. The core keeps only those the rules read, turns an address under
     * an email key into `email_type` and drops anything personal (src/privacy). */
    identify: guard((traits) => {
      if (!isObject(traits)) return failure('wrong_type', 'identify(traits): traits must be an object');
      return record({ type: 'identify', ts: Date.now(), traits });
    }, () => failure('inert', 'leadscore is not running')),
    /** on('change' | 'band', fn) → unsubscribe function. */
    on: guard((name, fn) => {
      const set = listeners[name];
      if (!set || typeof fn !== 'function') return () => {};
      set.add(fn);
      return () => set.delete(fn);
    }, () => () => {}, () => () => {}),
    /** The CRM payload: the result, its time, the stored events and their digest;
     * `leadscore verify` re-scores it on the server. */
    payload: guard(() => JSON.parse(payloadText()), null, null),
    /** The stored events (contract §2), e.g. for `leadscore score` on a server. */
    events: guard(storedEvents, () => [], () => []),
    reset: guard(() => { tracker.reset(); changed(); return { ok: true }; }, () => failure('inert', 'leadscore is not running')),
    /** consent(true) persists from now on; consent(false) erases what is stored, in
     * every tab, which then score their page in memory only. */
    consent: guard((granted) => {
      tracker.consent(!!granted, Date.now());
      changed();
      return { ok: true };
    }, () => failure('inert', 'leadscore is not running')),
    /** Analytics-style command queue: push(['identify', {...}]). */
    push: guard((cmd) => {
      const name = Array.isArray(cmd) ? cmd[0] : undefined;
      if (typeof name !== 'string' || !COMMANDS.includes(name)) {
        return failure('unknown_command', `unknown command: ${typeof name === 'string' ? name : typeof name}`);
      }
      return api[name](...cmd.slice(1));
    }, () => failure('inert', 'leadscore is not running')),
    get rulesVersion() { return inert ? null : meta.version; },
    // Read from inside a page's console.warn wrapper while the core warns, the core is
    // busy (www/tag/core.js refuses a second call): the answer is false then, never a throw.
    get persisting() { try { return !inert && tracker.persisting; } catch { return false; } },
    get inert() { return inert; },
  };

  // Internal hooks for the collectors and the hand-off (not part of the public API).
  const hooks = {
    record: guard(record, null),
    updatePageView: guard((e) => recorded(tracker.updatePageView(encode(e), idOf(e, false), Date.now())), null),
    emailType: guard(emailType, null, null),
    dwellMarks: guard(() => Array.from(tracker.dwellMarks()), () => [], () => []),
  };
  const collector = o.collect !== false ? guard(() => collect(api, hooks, o), null, null)() : null;
  const startHandoff = (m) => { if (m && !inert) guard(() => m.handoff(api, { ...hooks, payloadText: guard(payloadText, '') }, o))(); };
  if (handoffModule) startHandoff(handoffModule);
  else watchForHandoff(o, () => loadHandoff().then(startHandoff));
  // Another tab wrote the state, the consent answer or its journal (key null: storage was
  // cleared). After the collectors' own listeners: their last readings go into the fold.
  const ours = (k) => k == null || k === key || k.startsWith(`${key}:`);
  const sync = guard((e) => { if (ours(e.key) && tracker.sync(Date.now(), e.key || '', e.newValue == null)) changed(); }, null);
  const on = (target, type, fn) => target.addEventListener(type, fn, { capture: true, passive: true });
  on(window, 'storage', sync);
  on(document, 'visibilitychange', guard(() => { if (document.visibilityState === 'hidden') fold(); }, null));
  on(window, 'pagehide', guard(fold, null));
  // The first change only sets the band it starts from (see `changed`): no band event.
  guard(changed)();
  if (debugging()) {
    // Why each rule has not scored: the core's numbers (see `Tracker.whyNot`), named in debug.js.
    const whyNot = guard(() => tracker.whyNot(Date.now()), () => [], () => []);
    const flush = () => collector && collector.flush();
    import('./debug.js').then((m) => m.panel(api, { whyNot, flush, rules: meta.rules })).catch(() => {});
  }
  if (typeof o.onReady === 'function') o.onReady(api);
  return api;
}

/** Calls `load` once, when a form the hand-off fills is added to the page (or Marketo's
 * forms API appears, checked with each added node): single-page apps, embedded form tools. */
function watchForHandoff(o, load) {
  if (typeof MutationObserver !== 'function') return;
  const forms = (n) => (n.tagName === 'FORM' ? [n] : n.querySelectorAll ? [...n.querySelectorAll('form')] : []);
  const observer = new MutationObserver((records) => {
    try {
      const added = records.some((r) => [...r.addedNodes].some((n) => n.nodeType === 1 && forms(n).some((f) => wantsForm(f, o))));
      if (added || window.MktoForms2 || needsHandoff(o)) {
        observer.disconnect();
        load();
      }
    } catch { /* guarded */ }
  });
  observer.observe(document.documentElement, { childList: true, subtree: true });
}
