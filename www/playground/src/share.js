// The session in the URL hash: `#z=` + base64url(deflate-raw(JSON)), or `#j=` +
// base64url(JSON) where CompressionStream is missing. The state is
// { v: 1, rules, live?, journey: {name, events, now, from?}, loaded?: [journey…] }.
//
// A link is hostile input: anyone can craft one. Reading it is bounded (the hash's length,
// the inflated size) and its state is checked field by field before anything uses it; a
// link that fails is refused as a whole with a message naming what is wrong, and the
// playground opens with its default state. Events inside journeys are not judged here:
// the core does that when it scores them (and the timeline shows what it rejected), as
// it does for pasted history.
import { isTime } from './journey.js';

const enc = new TextEncoder();

/** Longest hash read (characters): a saved link is at most 500 kB (ship.js). */
export const MAX_LINK = 2_000_000;
/** Most bytes a link may inflate to: deflate can expand a thousandfold. */
export const MAX_STATE_BYTES = 16_000_000;
const MAX_RULES = 1_000_000;
const MAX_EVENTS = 20_000;
const MAX_LOADED = 1_000;
const MAX_NAME = 500;

function toB64url(bytes) {
  let bin = '';
  for (let i = 0; i < bytes.length; i += 0x8000) {
    bin += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
  }
  return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function fromB64url(text) {
  if (!/^[A-Za-z0-9_-]*$/.test(text) || text.length % 4 === 1) throw new Error('the link is damaged: it is not base64url text');
  const b64 = text.replace(/-/g, '+').replace(/_/g, '/');
  const bin = atob(b64 + '='.repeat((4 - (b64.length % 4)) % 4));
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

async function pipe(bytes, stream) {
  return new Uint8Array(await new Response(new Blob([bytes]).stream().pipeThrough(stream)).arrayBuffer());
}

/** Inflates, stopping as soon as the output passes MAX_STATE_BYTES. */
async function inflate(bytes) {
  const reader = new Blob([bytes]).stream().pipeThrough(new DecompressionStream('deflate-raw')).getReader();
  const parts = [];
  let total = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.length;
      if (total > MAX_STATE_BYTES) {
        reader.cancel().catch(() => {});
        throw new Error(`the link holds more than ${MAX_STATE_BYTES / 1e6} MB of state, more than the playground reads`);
      }
      parts.push(value);
    }
  } catch (e) {
    if (/more than the playground reads/.test(e.message)) throw e;
    throw new Error('the link is damaged: its compressed data does not inflate');
  }
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

const canCompress = typeof CompressionStream === 'function' && typeof DecompressionStream === 'function';

/** The hash (without `#`) for a state object. */
export async function encodeState(state) {
  const bytes = enc.encode(JSON.stringify({ v: 1, ...state }));
  if (canCompress) return 'z=' + toB64url(await pipe(bytes, new CompressionStream('deflate-raw')));
  return 'j=' + toB64url(bytes);
}

const kind = (v) => (v === null ? 'null' : Array.isArray(v) ? 'a list' : typeof v === 'object' ? 'an object' : `a ${typeof v}`);
const fail = (path, what, v) => {
  throw new Error(`${path}: expected ${what}, found ${kind(v)}`);
};

function text(v, path, max) {
  if (typeof v !== 'string') fail(path, 'text', v);
  if (v.length > max) throw new Error(`${path}: longer than ${max} characters`);
  return v;
}

function journey(v, path) {
  if (!v || typeof v !== 'object' || Array.isArray(v)) fail(path, 'a journey (an object with events and now)', v);
  if (!Array.isArray(v.events)) fail(`${path}.events`, 'a list of events', v.events);
  if (v.events.length > MAX_EVENTS) throw new Error(`${path}.events: more than ${MAX_EVENTS} events`);
  if (!isTime(v.now)) throw new Error(`${path}.now: expected a time (milliseconds between the years 1970 and 9999), found ${JSON.stringify(v.now)?.slice(0, 40) ?? kind(v.now)}`);
  const out = { name: v.name == null ? 'Shared journey' : text(v.name, `${path}.name`, MAX_NAME), events: v.events, now: v.now };
  if (v.from != null) out.from = text(v.from, `${path}.from`, MAX_NAME);
  return out;
}

/**
 * The session a link's JSON holds, checked: every field has its type and bounds, or this
 * throws naming the first one that does not (`journey.now: expected a time…`).
 */
export function checkState(st) {
  if (!st || typeof st !== 'object' || Array.isArray(st)) fail('the link', 'a session object', st);
  if (st.v !== undefined && st.v !== 1) throw new Error(`v: this link was made by another version of the playground (${JSON.stringify(st.v)?.slice(0, 20)})`);
  const out = { rules: text(st.rules, 'rules', MAX_RULES) };
  if (st.live != null) out.live = text(st.live, 'live', MAX_RULES);
  out.journey = journey(st.journey, 'journey');
  if (st.loaded != null) {
    if (!Array.isArray(st.loaded)) fail('loaded', 'a list of journeys', st.loaded);
    if (st.loaded.length > MAX_LOADED) throw new Error(`loaded: more than ${MAX_LOADED} journeys`);
    out.loaded = st.loaded.map((j, i) => journey(j, `loaded[${i}]`));
  }
  return out;
}

/** The state of a hash (with or without `#`), or null when the hash holds none. Throws on a damaged one. */
export async function decodeState(hash) {
  const h = hash.replace(/^#/, '');
  if (!/^[zj]=/.test(h)) return null;
  if (h.length > MAX_LINK) throw new Error(`the link is ${h.length} characters long, more than the playground reads (${MAX_LINK})`);
  let bytes;
  if (h.startsWith('z=')) {
    if (!canCompress) throw new Error('this browser cannot read compressed links');
    bytes = await inflate(fromB64url(h.slice(2)));
  } else {
    bytes = fromB64url(h.slice(2));
    if (bytes.length > MAX_STATE_BYTES) throw new Error(`the link holds more than ${MAX_STATE_BYTES / 1e6} MB of state`);
  }
  let st;
  try {
    st = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    throw new Error('the link is damaged: it does not hold JSON text');
  }
  return checkState(st);
}
