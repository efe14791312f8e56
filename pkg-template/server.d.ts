// Types of leadscore/server (Node >= 20): the objects `leadscore verify`, `score` and
// `check --json` print.
import type { Result, StoredEvent } from '../dist/api.js';

export type { Result, StoredEvent };

/** A problem with a place: as `leadscore check --json` lists it. */
export interface Problem {
  code: string;
  path: string;
  /** 1-based; absent when the problem has no place in the text. */
  line?: number;
  column?: number;
  message: string;
}

/** What the functions throw: the core's error, or a bad argument (`wrong_type`,
 * `invalid_value`). `line` and `column` are null without a place in the text. */
export interface LeadscoreError extends Error {
  code: string;
  path: string;
  line: number | null;
  column: number | null;
  /** From loadRules: every problem of the rules. */
  problems?: Problem[];
}

export interface Finding {
  /** events_edited, invalid_event, future_event, not_finite, from_future, rules_version,
   * score_edited, band_edited, categories_edited, disqualified_edited */
  code: string;
  path: string;
  message: string;
}

/** What `leadscore verify --json` prints. */
export interface Verdict {
  consistent: boolean;
  findings: Finding[];
  /** The payload's own time (ms), null when it is not a finite number. */
  payloadTs: number | null;
  /** The authoritative result, re-computed from the events. */
  result: Result;
}

export interface CheckResult {
  ok: boolean;
  problems: Problem[];
}

export interface Limits {
  /** Bytes of the payload as received (default 4,000,000). */
  maxBytes?: number;
  /** Events in the payload (default 10,000). */
  maxEvents?: number;
}

export interface VerifyOptions extends Limits {
  /** How far the payload may be dated after `clock` (default 300,000 ms). */
  maxSkewMs?: number;
  /** The result as of this time (ms); default the payload's own time. */
  now?: number;
  /** The server's clock (ms); default Date.now(). */
  clock?: number;
}

export interface ScoreOptions extends Limits {
  /** Score as of this time (ms); default a payload's own time, else `clock`. */
  now?: number;
  clock?: number;
  /** Called for each event the rules do not accept (it is left out, as the command does). */
  onSkipped?(problem: Problem): void;
}

/** The payload as posted (base64url), its JSON text, or the parsed object. */
export type PayloadInput = string | object;
/** A JSON array of events (`leadscore.events()`), or a payload. */
export type EventsInput = string | StoredEvent[] | object;

export declare const LIMITS: Readonly<{ maxBytes: number; maxEvents: number; maxSkewMs: number }>;

export declare class Rules {
  /** The rules text, or a compiled rule set (`leadscore compile`). Throws a LeadscoreError
   * when they are invalid. */
  constructor(rules: string | Uint8Array | ArrayBuffer);
  readonly version: string;
  verify(payload: PayloadInput, options?: VerifyOptions): Verdict;
  score(events: EventsInput, options?: ScoreOptions): Result;
}

/** Reads rules once, as text or compiled (`leadscore compile`: a Buffer, Uint8Array or
 * ArrayBuffer); throws a LeadscoreError (a text's with `problems`) when invalid. */
export declare function loadRules(rules: string | Uint8Array | ArrayBuffer): Rules;
/** Rules, or their text (the last few texts are remembered). */
export declare function verify(rules: Rules | string, payload: PayloadInput, options?: VerifyOptions): Verdict;
export declare function score(rules: Rules | string, events: EventsInput, options?: ScoreOptions): Result;
export declare function check(rulesText: string): CheckResult;
