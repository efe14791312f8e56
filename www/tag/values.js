// Events and stored state cross into the wasm as typed values, not JSON text, so the tag's
// wasm needs no JSON reader (issue 14). The layout is the core's (src/core/state/codec.rs):
// a tag byte, 0 null, 1 false, 2 true, 3 a number (f64 little-endian), 4 a string (length,
// UTF-8), 5 an array (count, values), 6 an object (count, then key and value per field);
// lengths and counts are LEB128. State: "LS", version 2, the number of events, then per
// event its id (a string without the tag) and its value.
//
// `encode` treats a value the way JSON.stringify does (toJSON, boxed primitives, undefined
// and functions left out of objects and null in arrays, NaN and ±Infinity as null) and
// throws where it throws (a BigInt, a cycle, a throwing getter or toJSON, a revoked Proxy),
// so a page's event is stored exactly as the JSON text the earlier tag stored. Beyond
// MAX_DEPTH levels or MAX_BYTES bytes it throws a `ValueError` with a code.

/** The core's nesting limit (json::MAX_DEPTH): deeper values are refused, not truncated. */
export const MAX_DEPTH = 64;
/** The largest event the tag takes (1 MiB encoded): an event is a few hundred bytes. */
export const MAX_BYTES = 1 << 20;

export class ValueError extends Error {
  constructor(code, message) {
    super(message);
    this.code = code;
  }
}

const utf8 = new TextEncoder();
/** UTF-8 bytes as text, for the values here and every text of the core (core.js): one
 * decoder. A leading U+FEFF is text too (a prop, a storage key), not a byte-order mark to
 * drop. Safari 16 to 18.4 fails to decode once one decoder has decoded 2 GiB (WebKit bug
 * 280593), which a long-lived page writing its state often reaches: a fresh one well
 * before that. */
export function utf8Text(bytes) {
  decoded += bytes.length;
  if (decoded > 2 ** 30) { decoder = newDecoder(); decoded = bytes.length; }
  return decoder.decode(bytes);
}
const newDecoder = () => new TextDecoder('utf-8', { ignoreBOM: true });
let decoder = newDecoder();
let decoded = 0;
const f64 = new Float64Array(1);
const f64Bytes = new Uint8Array(f64.buffer);

/** A growing byte buffer. */
class Out {
  constructor(max = MAX_BYTES) { this.b = new Uint8Array(256); this.n = 0; this.max = max; }
  room(k) {
    // The limit before the room: a buffer grown (doubled) past it must not take more.
    if (this.n + k > this.max) throw new ValueError('too_large', `larger than ${this.max} bytes`);
    if (this.n + k <= this.b.length) return;
    const b = new Uint8Array(Math.max(this.b.length * 2, this.n + k));
    b.set(this.b.subarray(0, this.n));
    this.b = b;
  }
  byte(x) { this.room(1); this.b[this.n++] = x; }
  varint(x) {
    this.room(5);
    while (x >= 0x80) { this.b[this.n++] = (x & 0x7f) | 0x80; x = Math.floor(x / 128); }
    this.b[this.n++] = x;
  }
  /** A string as length and UTF-8; ASCII by hand (most keys and values), the rest by
   * TextEncoder (lone surrogates become U+FFFD, as JSON text read back would not keep them). */
  str(s) {
    const len = s.length;
    this.room(len + 5);
    const start = this.n;
    let i = 0;
    // The length first: one byte when short, patched below when ASCII throughout.
    if (len < 0x80) {
      const b = this.b;
      let n = start + 1;
      for (; i < len; i++) {
        const c = s.charCodeAt(i);
        if (c >= 0x80) break;
        b[n++] = c;
      }
      if (i === len) { b[start] = len; this.n = n; return; }
    }
    const bytes = utf8.encode(s);
    this.varint(bytes.length);
    this.room(bytes.length);
    this.b.set(bytes, this.n);
    this.n += bytes.length;
  }
  num(x) {
    this.room(9);
    f64[0] = x;
    this.b[this.n++] = 3;
    this.b.set(f64Bytes, this.n);
    this.n += 8;
  }
  bytes() { return this.b.slice(0, this.n); }
}

/** JSON.stringify's view of a value: toJSON, then boxed primitives unwrapped. */
function jsonView(v, key) {
  if (v !== null && (typeof v === 'object' || typeof v === 'bigint') && typeof v.toJSON === 'function') v = v.toJSON(key);
  if (typeof v === 'object' && v !== null) {
    if (v instanceof Number) return Number(v);
    if (v instanceof String) return String(v);
    if (v instanceof Boolean) return v.valueOf();
  }
  return v;
}

/** Whether JSON.stringify leaves the value out (of an object) or writes null (in an array). */
const skipped = (v) => v === undefined || typeof v === 'function' || typeof v === 'symbol';

function write(out, v, depth, seen) {
  switch (typeof v) {
    case 'string': out.byte(4); out.str(v); return;
    case 'number': if (Number.isFinite(v)) out.num(v); else out.byte(0); return;
    case 'boolean': out.byte(v ? 2 : 1); return;
    case 'bigint': throw new TypeError('a BigInt cannot be recorded');
    default:
  }
  if (v === null || skipped(v)) { out.byte(0); return; }
  if (depth >= MAX_DEPTH) throw new ValueError('too_deep', `nested deeper than ${MAX_DEPTH} levels`);
  if (seen.includes(v)) throw new TypeError('a cyclic value cannot be recorded');
  seen.push(v);
  if (Array.isArray(v)) {
    const n = v.length;
    out.byte(5);
    out.varint(n);
    for (let i = 0; i < n; i++) write(out, jsonView(v[i], String(i)), depth + 1, seen);
  } else {
    const fields = [];
    for (const k of Object.keys(v)) {
      const x = jsonView(v[k], k);
      if (!skipped(x)) fields.push(k, x);
    }
    out.byte(6);
    out.varint(fields.length / 2);
    for (let i = 0; i < fields.length; i += 2) {
      out.str(fields[i]);
      write(out, fields[i + 1], depth + 1, seen);
    }
  }
  seen.pop();
}

/** The bytes of a value (an event), as the core reads it: a view valid until the next
 * call (the core copies it at once; keep a `.slice()` otherwise). Throws as JSON.stringify
 * would (TypeError), or a ValueError (`too_deep`, `too_large`). */
export function encode(value) {
  // One buffer for every event (an event per call is the hot path), unless an event's
  // `toJSON` or getter records another event while this one is being written.
  const out = spare || new Out();
  spare = null;
  out.n = 0;
  try {
    write(out, jsonView(value, ''), 0, []);
    return out.b.subarray(0, out.n);
  } finally {
    if (out.b.length <= 4096) spare = out;
  }
}
let spare = new Out();

/** A value from the core's bytes (well formed: the core checked them). An object's first
 * field of a name wins, as in the core (which refuses repeated names anyway). */
export function decode(bytes) {
  return reader(bytes).value();
}

/** Stored state (version 2) as `{ v: 2, events, ids }`; for tests and support tools (not
 * bundled into the tag: nothing there calls it). Throws when the bytes are not state. */
export function decodeState(bytes) {
  if (bytes[0] !== 76 || bytes[1] !== 83 || bytes[2] !== 2) throw new ValueError('corrupt', 'not leadscore state');
  const r = reader(bytes, 3);
  const n = r.varint();
  const events = [];
  const ids = [];
  for (let k = 0; k < n; k++) {
    ids.push(r.str());
    events.push(r.value());
  }
  return { v: 2, events, ids };
}

function reader(bytes, from = 0) {
  let i = from;
  const varint = () => {
    let x = 0;
    let scale = 1;
    for (;;) {
      const b = bytes[i++];
      x += (b & 0x7f) * scale;
      if (b < 0x80) return x;
      scale *= 128;
    }
  };
  const str = () => {
    const n = varint();
    let s = '';
    const end = i + n;
    // ASCII by hand: short strings decode faster than through TextDecoder.
    for (let j = i; j < end; j++) {
      const c = bytes[j];
      if (c >= 0x80) { s = utf8Text(bytes.subarray(i, end)); break; }
      s += String.fromCharCode(c);
    }
    i = end;
    return s;
  };
  const value = () => {
    switch (bytes[i++]) {
      case 0: return null;
      case 1: return false;
      case 2: return true;
      case 3: f64Bytes.set(bytes.subarray(i, i + 8)); i += 8; return f64[0];
      case 4: return str();
      case 5: { const n = varint(); const a = new Array(n); for (let k = 0; k < n; k++) a[k] = value(); return a; }
      case 6: {
        const n = varint();
        const o = {};
        for (let k = 0; k < n; k++) {
          const key = str();
          const v = value();
          // An own property even for "__proto__", as JSON.parse makes it.
          if (!Object.prototype.hasOwnProperty.call(o, key)) Object.defineProperty(o, key, { value: v, enumerable: true, writable: true, configurable: true });
        }
        return o;
      }
      default: throw new ValueError('corrupt', 'not a value');
    }
  };
  return { value, varint, str };
}

/** The binary state (version 2), in base64 as it is stored, of `{"v":1,…}` text an
 * earlier tag stored, losing none of its events: what the core calls on first read (it has
 * no JSON reader). Events the rules no longer accept are the core's to drop; null when the
 * text is not such state. */
export function migrate(json) {
  let state;
  try { state = JSON.parse(json); } catch { return null; }
  if (state === null || typeof state !== 'object' || state.v !== 1 || !Array.isArray(state.events)) return null;
  const ids = Array.isArray(state.ids) && state.ids.length === state.events.length ? state.ids : [];
  // Each event on its own: one that cannot be encoded (nested too deep) is left out, the
  // rest are kept. Not objects: never events, left out too.
  const events = [];
  state.events.forEach((e, k) => {
    if (e === null || typeof e !== 'object' || Array.isArray(e)) return;
    try { events.push([typeof ids[k] === 'string' ? ids[k] : '', encode(e).slice()]); } catch { /* left out */ }
  });
  const out = new Out(Infinity);
  out.byte(76); out.byte(83); out.byte(2); // "LS", version 2
  out.varint(events.length);
  for (const [id, bytes] of events) {
    out.str(id);
    out.room(bytes.length);
    out.b.set(bytes, out.n);
    out.n += bytes.length;
  }
  return base64(out.bytes());
}

function base64(bytes) {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
  return btoa(s);
}
