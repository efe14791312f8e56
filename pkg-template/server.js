// leadscore/server: the leadscore core for Node form handlers, without a child process.
// The wasm is compiled once, when this module is first imported; rules are read once
// (loadRules, or a rules text the functions below remember); every answer is the object
// the `leadscore` command prints for the same input (verify, score, check --json),
// written by the core's one JSON writer and parsed here.
import { readFileSync } from 'node:fs';
import { initSync, ServerRules, checkRules } from './leadscore_playground.js';

initSync({ module: readFileSync(new URL('./leadscore_playground_bg.wasm', import.meta.url)) });

/** The defaults of `leadscore verify` (--max-bytes, --max-events, --max-skew-ms). */
export const LIMITS = Object.freeze({ maxBytes: 4_000_000, maxEvents: 10_000, maxSkewMs: 300_000 });

const CACHE_SIZE = 8;
const byText = new Map();

/** Rules read once; `verify` and `score` take it (or the rules text) with each payload. */
export class Rules {
  #core;
  /** @param {string | Uint8Array | ArrayBuffer} rules the rules text, or a compiled rule set */
  constructor(rules) {
    if (typeof rules === 'string') this.#core = new ServerRules(rules);
    else if (rules instanceof Uint8Array) this.#core = ServerRules.fromCompiled(rules);
    else if (rules instanceof ArrayBuffer) this.#core = ServerRules.fromCompiled(new Uint8Array(rules));
    else throw codeError('wrong_type', 'rules must be the rules file\'s text (a string) or a compiled rule set (a Uint8Array, Buffer or ArrayBuffer)');
  }
  get version() { return this.#core.version; }
  verify(payload, options = {}) {
    const o = limits(options);
    const text = limited(input(payload, 'payload'), o.maxBytes);
    const clock = number(options.clock ?? Date.now(), 'clock');
    const now = options.now == null ? NaN : number(options.now, 'now');
    return JSON.parse(this.#core.verify(text, clock, now, o.maxBytes, o.maxEvents, o.maxSkewMs));
  }
  score(events, options = {}) {
    const o = limits(options);
    const text = limited(input(events, 'events'), o.maxBytes);
    const clock = number(options.clock ?? Date.now(), 'clock');
    const now = options.now == null ? NaN : number(options.now, 'now');
    const { result, skipped } = JSON.parse(this.#core.score(text, now, clock, o.maxBytes, o.maxEvents));
    if (typeof options.onSkipped === 'function') for (const p of skipped) options.onSkipped(p);
    return result;
  }
}

/** Reads rules once: their text, or a compiled rule set (`leadscore compile`: a Buffer,
 * Uint8Array or ArrayBuffer, the bytes the site tag loads). Throws an Error with code,
 * path, line and column (and every problem of a text under `problems`) when they are
 * invalid; a compiled set's codes are `not_compiled`, `format_version`, `truncated`,
 * `corrupt` and `bad_contents`. */
export function loadRules(rules) {
  return new Rules(rules);
}

/** `leadscore verify --json` for one payload (the `leadscore_payload` field as posted, or
 * the payload's JSON). Throws, with the command's codes, what it refuses with exit 2. */
export function verify(rules, payload, options) {
  return rulesOf(rules).verify(payload, options);
}

/** `leadscore score` for one visitor: an array of events or a payload. */
export function score(rules, events, options) {
  return rulesOf(rules).score(events, options);
}

/** `leadscore check --json`: `{ ok, problems: [{ code, path, line?, column?, message }] }`. */
export function check(text) {
  if (typeof text !== 'string') throw codeError('wrong_type', 'rules must be the rules file\'s text (a string)');
  return JSON.parse(checkRules(text));
}

/** A Rules as given, or the one read from this text before (the last few are kept). */
function rulesOf(rules) {
  if (rules instanceof Rules) return rules;
  let r = byText.get(rules);
  if (!r) {
    r = new Rules(rules);
    if (byText.size >= CACHE_SIZE) byText.delete(byText.keys().next().value);
    byText.set(rules, r);
  }
  return r;
}

function input(value, name) {
  if (typeof value === 'string') return value;
  if (value !== null && typeof value === 'object') return JSON.stringify(value);
  throw codeError('wrong_type', `${name} must be text (JSON or base64url), an array or an object`);
}

// More UTF-16 units than the byte limit is more bytes too: only the first limit + 1 cross
// into the wasm, enough for the core to refuse the payload with its own too_large.
function limited(text, maxBytes) {
  return text.length > maxBytes ? text.slice(0, maxBytes + 1) : text;
}

function limits(options) {
  if (options === null || typeof options !== 'object') throw codeError('wrong_type', 'options must be an object');
  return {
    maxBytes: count(options.maxBytes ?? LIMITS.maxBytes, 'maxBytes'),
    maxEvents: count(options.maxEvents ?? LIMITS.maxEvents, 'maxEvents'),
    maxSkewMs: number(options.maxSkewMs ?? LIMITS.maxSkewMs, 'maxSkewMs', 0),
  };
}

function count(n, name) {
  if (!Number.isSafeInteger(n) || n < 0) throw codeError('invalid_value', `${name} must be a whole number >= 0`, name);
  return n;
}

function number(n, name, min = -Infinity) {
  if (typeof n !== 'number' || !Number.isFinite(n) || n < min) {
    throw codeError('invalid_value', `${name} must be a finite number${min > -Infinity ? ` >= ${min}` : ''}`, name);
  }
  return n;
}

function codeError(code, message, path = '') {
  return Object.assign(new Error(message), { code, path, line: null, column: null });
}
