// The tag's wasm core (leadscore_core_bg.wasm) and its interface, written by hand: a few
// plain functions and imports (src/tag/abi.rs and src/tag/host.rs say the layout) in place
// of wasm-bindgen's generated glue (issue 14). `Tracker` has the methods www/tag/api.js
// calls; `init` instantiates the wasm once.
//
// Text crosses as UTF-8 in the wasm's memory: an argument in a block from the core's
// `alloc`, which the call then owns; a reply (text, bytes, a problem as JSON) in a buffer
// the core keeps until its next call, read here at once. Views of the memory are made after
// each call, since the memory may have grown.

import { utf8Text } from './values.js';

/** The instance's exports, once instantiated. */
let wasm = null;
let loading = null;
/** A call into the core is running: no other may start (see `enter`). */
let busy = false;
/** The tracker of the running call: whose storage and converter the imports use. */
let active = null;

const utf8 = new TextEncoder();

/** A view of the whole memory, made again when the memory has grown (which detaches it). */
let u8 = new Uint8Array(0);
function memory() {
  if (u8.byteLength === 0) u8 = new Uint8Array(wasm.memory.buffer);
  return u8;
}
// Addresses and lengths from the wasm are u32s, which arrive as signed i32: `>>> 0` keeps
// one above 2 GiB an address rather than a negative index.
const bytesAt = (at, n) => memory().subarray(at >>> 0, (at >>> 0) + (n >>> 0));
const textAt = (at, n) => utf8Text(bytesAt(at, n));
const alloc = (n) => wasm.alloc(n) >>> 0;

/** Bytes (a Uint8Array or an array of bytes) into a block the callee owns: [where, length].
 * The length is read once, from the array itself (not a `length` an object may redefine):
 * the core owns exactly the block it was given. */
function put(bytes) {
  const b = bytes instanceof Uint8Array ? Uint8Array.prototype.subarray.call(bytes, 0) : Uint8Array.from(bytes);
  const n = b.length;
  const at = alloc(n);
  memory().set(b, at);
  return [at, n];
}

/** Text as UTF-8 in a block the callee owns. Ids, keys and stored values are ASCII: those
 * are written as they are, without an encoder's copy. */
function putText(text) {
  const s = String(text);
  const n = s.length;
  if (n > 1024 || !ASCII.test(s)) return put(utf8.encode(s));
  const at = alloc(n);
  const m = memory();
  for (let i = 0; i < n; i++) m[at + i] = s.charCodeAt(i);
  return [at, n];
}
const ASCII = /^[\0-\x7f]*$/;

/** The last reply, as a view (valid until the next call into the core). */
const reply = () => bytesAt(wasm.reply_at(), wasm.reply_len());
const replyText = () => utf8Text(reply());
const replyNumbers = () => new Float64Array(reply().slice().buffer);

/** The problem or error the core left as the reply: `{code, path, message, line, column}`. */
function problem() {
  const p = JSON.parse(replyText());
  p.line = p.line || null;
  p.column = p.column || null;
  return p;
}

/** Hands the core a text of the page: its block's address at `out`, its length returned. */
function give(text, out) {
  const [at, n] = putText(String(text));
  new DataView(wasm.memory.buffer).setUint32(out, at, true);
  return n;
}

/** A storage read: the value given to the core, -1 for null, -2 when it threw or gave
 * something other than text (a storage wrapper's object: what `localStorage` never
 * returns, read as storage that cannot be read, never thrown through the core). */
function stored(read, out) {
  let v;
  try { v = read(); } catch { return -2; }
  if (v == null) return -1;
  return typeof v === 'string' ? give(v, out) : -2;
}

/** A storage write: 0, or -1 when it threw (a SecurityError, a full quota). */
function attempt(write) {
  try { write(); return 0; } catch { return -1; }
}

// What the core asks of the page (src/tag/host.rs). Every exception of the storage is
// caught here and reported as a failure; one of the page's console.warn goes through the
// core and stops the tag (www/tag/api.js), as it did with wasm-bindgen.
const imports = {
  ls: {
    get: (k, n, out) => stored(() => active.storage.getItem(textAt(k, n)), out),
    key: (i, out) => stored(() => active.storage.key(i), out),
    length: () => { try { return active.storage.length; } catch { return -1; } },
    set: (k, kn, v, vn) => attempt(() => active.storage.setItem(textAt(k, kn), textAt(v, vn))),
    remove: (k, n) => attempt(() => active.storage.removeItem(textAt(k, n))),
    warn: (at, n) => console.warn(textAt(at, n)),
    migrate: (at, n, out) => {
      let r;
      try { r = active.migrate(textAt(at, n)); } catch { return -1; }
      return typeof r === 'string' ? give(r, out) : -1;
    },
  },
};

function ready(instance) {
  wasm = instance.exports;
  return wasm;
}

/** Instantiates the wasm, once (later calls resolve to the same exports):
 * `module_or_path` is a WebAssembly.Module, its bytes, its URL or a fetch Response, or a
 * promise of one of these. Resolves to the exports (`memory`: where `resultAt` points). */
export default function init({ module_or_path: source } = {}) {
  loading ||= load(source).catch((e) => { loading = null; throw e; });
  return loading;
}

async function load(source) {
  source = await source;
  if (typeof source === 'string' || source instanceof URL) source = await fetch(source, { credentials: 'same-origin' });
  if (typeof Response === 'function' && source instanceof Response) {
    if (!source.ok) throw Object.assign(new Error(`the scoring core ${source.url}: HTTP ${source.status}`), { code: 'wasm_unavailable' });
    // Compiled while it streams in; without the application/wasm type, once it is all in.
    const r = source;
    source = await (WebAssembly.compileStreaming ? WebAssembly.compileStreaming(r.clone()).catch(() => r.arrayBuffer()) : r.arrayBuffer());
  }
  const r = await WebAssembly.instantiate(source, imports);
  return wasm || ready(r.instance || r);
}

/** The same, at once, from a WebAssembly.Module or its bytes (Node, tests). */
export function initSync({ module }) {
  if (!wasm) ready(new WebAssembly.Instance(module instanceof WebAssembly.Module ? module : new WebAssembly.Module(module), imports));
  return wasm;
}

/** Runs `fn` as `tracker`'s call into the core. A call from inside another (a page's
 * console.warn wrapper calling the API while the core warns) would find the core's state
 * half-changed: it throws instead, which the tag takes for a fault (www/tag/api.js). */
function enter(tracker, fn) {
  if (busy) throw new Error('leadscore: the core was called from inside a call into it');
  busy = true;
  active = tracker;
  try { return fn(); } finally { busy = false; }
}

/** One page's engine (src/tag/tracker.rs says what each method does). */
export class Tracker {
  /** Throws an Error with `code`, `path`, `line` and `column` when the rules cannot be read. */
  constructor(rules, key, byDefault, now, storage, page, migrate) {
    this.storage = storage;
    this.migrate = migrate;
    this.t = enter(this, () => wasm.new(...put(rules), ...putText(key), byDefault, now, storage != null, ...putText(page)));
    if (!this.t) {
      const e = problem();
      throw Object.assign(new Error(e.message), { code: e.code, path: e.path, line: e.line, column: e.column });
    }
  }

  /** null, or the problem `{code, path, message}` of an event that is not valid. */
  record(event, id, now) {
    return enter(this, () => (wasm.record(this.t, ...put(event), ...putText(id), now, 0) ? problem() : null));
  }

  /** The same for a newer reading (longer dwellMs) of the page view recorded under `id`. */
  updatePageView(event, id, now) {
    return enter(this, () => (wasm.record(this.t, ...put(event), ...putText(id), now, 1) ? problem() : null));
  }

  /** How many numbers the result has, at `resultAt()` in the memory. */
  result(now) { return enter(this, () => wasm.result(this.t, now)); }
  resultAt() { return enter(this, () => wasm.result_at(this.t) >>> 0); }
  meta() { return enter(this, () => (wasm.meta(this.t), replyText())); }
  events() { return enter(this, () => (wasm.events(this.t), reply().slice())); }
  digest(text) { return enter(this, () => (wasm.digest(this.t, ...putText(text)), replyText())); }
  sync(now, key, removed) { return enter(this, () => wasm.sync(this.t, now, ...putText(key), removed) !== 0); }
  flush(now) { enter(this, () => wasm.flush(this.t, now)); }
  fold(now) { enter(this, () => wasm.fold(this.t, now)); }
  consent(granted, now) { enter(this, () => wasm.consent(this.t, granted, now)); }
  reset() { enter(this, () => wasm.reset(this.t)); }
  /** 'free', 'competitor', 'corporate', or undefined. */
  emailType(email) { return enter(this, () => (wasm.email_type(this.t, ...putText(email)) < 0 ? undefined : replyText())); }
  dwellMarks() { return enter(this, () => (wasm.dwell_marks(this.t), replyNumbers())); }
  addCompetitors(list) { enter(this, () => wasm.add_competitors(this.t, ...putText(list))); }
  /** The debug panel's (leadscore_debug_bg.wasm only; [] from the visitors' build). */
  whyNot(now) { return wasm.why_not ? enter(this, () => (wasm.why_not(this.t, now), replyNumbers())) : []; }
  /** False while a call into the core runs (read from a console.warn wrapper): never a throw. */
  get persisting() { return !busy && wasm.persisting(this.t) !== 0; }
}
