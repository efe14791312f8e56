// Types of the leadscore ES module (api.js): the same API as the script tag's
// `window.leadscore`. The result is the rules contract's result (section 3).

/** One rule that counted: how often, and the points it gave before its category's clamp. */
export interface Explained {
  rule: string;
  category: string;
  count: number;
  points: number;
}

export interface Result {
  score: number;
  /** Category totals after clamping, in the rules' order. */
  categories: Record<string, number>;
  /** The band reached; "disqualified" when a disqualifying rule counted. */
  band: string | null;
  action: string | null;
  disqualified: boolean;
  rulesVersion: string;
  explain: Explained[];
}

export type Outcome = { ok: true } | { ok: false; error: { code: string; message: string } };

export interface BandChange {
  from: string | null;
  to: string | null;
  action: string | null;
  result: Result;
}

/** A stored event, as `leadscore score` reads it (rules contract, section 2). */
export interface StoredEvent {
  type: string;
  ts: number;
  url?: string;
  dwellMs?: number;
  form?: string;
  props?: Record<string, unknown>;
  traits?: Record<string, unknown>;
}

export interface Api {
  /** The result as of now (or of `at`, ms since the epoch); null when not running. */
  result(at?: number): Result | null;
  /** Records a custom event of the rules' tracking plan; never throws. */
  track(type: string, props?: Record<string, unknown>): Outcome;
  /** Records traits; `email` becomes `email_type`, names and phone numbers are dropped. */
  identify(traits: Record<string, unknown>): Outcome;
  /** Subscribes; returns the unsubscribe function. */
  on(name: 'change', fn: (result: Result) => void): () => void;
  on(name: 'band', fn: (change: BandChange) => void): () => void;
  /** The stored events, for support and `leadscore score` on a server. */
  events(): StoredEvent[];
  /** The CRM payload that `leadscore verify` checks: result, time, events and digest. */
  payload(): { v: 1; ts: number; digest: string; result: Result; events: StoredEvent[] } | null;
  reset(): Outcome;
  /** The visitor's answer, followed by every open tab. true: persist from now on;
   * false: erase what is stored, forget it, score this page in memory. */
  consent(granted: boolean): Outcome;
  /** Analytics-style queue call: push(['identify', {...}]). Runs only result, track, identify,
   * on, events, payload, reset and consent; anything else gets `unknown_command`. */
  push(call: [string, ...unknown[]]): unknown;
  readonly rulesVersion: string | null;
  readonly persisting: boolean;
  readonly inert: boolean;
}

export interface Options {
  /** Compiled rules (`leadscore compile rules.json -o rules.lsc`): the bytes, or their
   * base64 text; else `rulesUrl` (a rules.lsc); else #leadscore-rules inline (base64). */
  rules?: Uint8Array | ArrayBuffer | string;
  rulesUrl?: string;
  /** 'required': store nothing until consent(true). */
  consent?: 'required';
  /** The base of the tag's localStorage keys (default 'leadscore:v1'): the state is under
   * `${storageKey}:state`, the consent answer under `${storageKey}:consent`. */
  storageKey?: string;
  /** Extra competitor email domains, comma or space separated. */
  competitors?: string;
  /** false: record only what you pass in yourself. */
  collect?: boolean;
  /** Selector of the forms that get hidden fields (default: marked forms and forms with an email field). */
  forms?: string;
  fieldPrefix?: string;
  fieldNames?: Record<string, string>;
  /** Chat widgets and tag managers to update: "intercom drift crisp hubspot gtm". */
  handoff?: string;
  /** With handoff "hubspot": the internal name of the HubSpot custom behavioral event sent on
   * each band change (e.g. "pe123456_leadscore_band"). */
  hubspotEvent?: string;
  /** URL that receives the payload by sendBeacon when a form is submitted. */
  beacon?: string;
  onReady?(api: Api): void;
}

/** Starts leadscore (loads the wasm core and the rules) and resolves to its API. */
export function start(options?: Options): Promise<Api>;

/** Turns `Tracker.result` numbers into a Result (used by `start`; exported for tests). */
export function decode(meta: unknown, numbers: Float64Array | number[]): Result;
