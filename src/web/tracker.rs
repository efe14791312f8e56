//! The site tag's engine side: the parsed rules and the visitor's events live here, inside
//! the wasm, so each call from JavaScript carries one small event text in and one result
//! out. State persists in `localStorage` under one versioned key, merged with whatever
//! another tab wrote, and degrades to memory when storage is missing, broken or full.

use crate::prelude::*;

use super::{js_error, js_problem};
use crate::explain::Outcome;
use crate::json::write_str;
use crate::privacy;
use crate::rules::RuleSet;
use crate::state::Visitor;
use wasm_bindgen::prelude::*;

/// Fields named at most in the warning about data not kept.
const MAX_NAMED: usize = 12;

/// Compact again after this many new events; amortises the pruning walk.
const COMPACT_EVERY: usize = 32;

#[wasm_bindgen]
pub struct Tracker {
    set: RuleSet,
    visitor: Visitor,
    key: String,
    persist: bool,
    /// The text last read from or written to storage: unchanged text needs no re-parse,
    /// and its disappearance means another tab reset the visitor.
    last: Option<String>,
    compact_at: usize,
    warned: bool,
    /// Storage lacks events this tab holds (set by `pull`).
    behind: bool,
    /// Storage held personal data that `pull` cleaned away: write the clean state back.
    scrubbed: bool,
    /// The one warning about data not kept has been given (see src/privacy).
    privacy_warned: bool,
    /// `localStorage` as the page handed it over (None: unavailable). Reading it is the
    /// JavaScript's job because that is where a SecurityError can be caught for free;
    /// reaching it from here would ship the global-object probing of wasm-bindgen.
    storage: Option<web_sys::Storage>,
}

#[wasm_bindgen]
impl Tracker {
    /// Parses the rules (throws an `Error` with code, path, line, column when they are
    /// invalid) and, when `persist`, restores the state stored under `key` in `storage`
    /// (the page's `localStorage`, or null when it is unavailable).
    #[wasm_bindgen(constructor)]
    pub fn new(
        rules: &str,
        key: &str,
        persist: bool,
        now: f64,
        storage: Option<web_sys::Storage>,
    ) -> Result<Tracker, JsValue> {
        let set = RuleSet::from_text(rules).map_err(|e| js_error(&e[0]))?;
        let mut t = Tracker {
            set,
            visitor: Visitor::default(),
            key: key.to_string(),
            persist,
            last: None,
            compact_at: COMPACT_EVERY,
            warned: false,
            behind: false,
            scrubbed: false,
            privacy_warned: false,
            storage,
        };
        if persist {
            t.pull();
            t.visitor.compact(&t.set, now);
            if t.scrubbed && t.persist {
                t.save(now);
            }
        }
        Ok(t)
    }

    /// Records one event (JSON text). Returns null, or the problem `{code, path, message}`
    /// when the event is not valid for these rules; an invalid event is not stored.
    pub fn record(&mut self, event: &str, now: f64) -> JsValue {
        self.apply(event, now, false)
    }

    /// Records a newer reading of a page view already recorded (same `ts` and URL, longer
    /// `dwellMs`), replacing it.
    #[wasm_bindgen(js_name = updatePageView)]
    pub fn update_page_view(&mut self, event: &str, now: f64) -> JsValue {
        self.apply(event, now, true)
    }

    /// The contract's result as of `now`, as numbers that www/tag/api.js (`decode`) turns
    /// into the result object with the names from [`Tracker::meta`]:
    /// `[score, disqualified 0|1, band (index into bands, -1 none, -2 "disqualified"),
    /// one total per category in document order, then (rule index, count, points) per
    /// rule that counted]`. Numbers cross as they are, so the page sees the very bits the
    /// CLI prints, and no float formatting or object building has to ship in the wasm.
    pub fn result(&self, now: f64) -> Vec<f64> {
        encode(&self.visitor.score(&self.set, now))
    }

    /// The names `result` refers to by index, as JSON text read once:
    /// `{"version", "categories": [name…], "bands": [[name, action|null]…],
    /// "rules": [[id, category]…]}`.
    pub fn meta(&self) -> String {
        let set = &self.set;
        let mut o = String::from("{\"version\":");
        write_str(&mut o, &set.version);
        o.push_str(",\"categories\":[");
        for (i, c) in set.categories.iter().enumerate() {
            comma(&mut o, i);
            write_str(&mut o, &c.name);
        }
        o.push_str("],\"bands\":[");
        for (i, b) in set.bands.iter().enumerate() {
            comma(&mut o, i);
            pair(&mut o, &b.name, b.action.as_deref());
        }
        o.push_str("],\"rules\":[");
        for (i, r) in set.rules.iter().enumerate() {
            comma(&mut o, i);
            pair(&mut o, &r.id, Some(&set.categories[r.category].name));
        }
        o.push_str("]}");
        o
    }

    /// The stored events as a JSON array text, for support and server-side re-scoring.
    pub fn events(&self) -> String {
        self.visitor.events_text()
    }

    /// The payload digest of an events text (as `events()` returned it): the same function
    /// `leadscore verify` checks it with.
    pub fn digest(&self, events_text: &str) -> String {
        crate::payload::digest(events_text)
    }

    /// Re-reads storage after another tab wrote it; true when the events changed. When
    /// this tab holds events the stored state lacks (the other tab wrote over them),
    /// writes the union back, so no tab's events are lost.
    pub fn sync(&mut self, now: f64) -> bool {
        let before = self.visitor.len();
        let changed = self.pull();
        if self.persist && self.behind {
            self.save(now);
        }
        changed || self.visitor.len() != before
    }

    /// Consent given: persist from now on (merging what is stored). Withdrawn: erase the
    /// stored state and keep scoring in memory only.
    pub fn consent(&mut self, granted: bool, now: f64) {
        self.persist = granted;
        if granted {
            self.pull();
            self.save(now);
        } else {
            if let Some(s) = &self.storage {
                let _ = s.remove_item(&self.key);
            }
            self.last = None;
        }
    }

    /// Forgets the visitor, in memory and in storage.
    pub fn reset(&mut self) {
        self.visitor.clear();
        if let Some(s) = self.storage.as_ref().filter(|_| self.persist) {
            let _ = s.remove_item(&self.key);
        }
        self.last = None;
    }

    /// `email_type` of an address (free, competitor, corporate) or undefined; the address
    /// itself is neither stored nor returned.
    #[wasm_bindgen(js_name = emailType)]
    pub fn email_type(&self, email: &str) -> Option<String> {
        crate::traits::email_type(email, &self.set.competitor_domains).map(str::to_string)
    }

    /// The rules' `minDwellSeconds` in ms, ascending: when to re-read a visible page's dwell.
    #[wasm_bindgen(js_name = dwellMarks)]
    pub fn dwell_marks(&self) -> Vec<f64> {
        self.set.dwell_marks()
    }

    /// Adds email domains (comma or space separated) that make `email_type` = competitor,
    /// beside the rules' `competitorDomains`: the tag's `data-competitors`.
    #[wasm_bindgen(js_name = addCompetitors)]
    pub fn add_competitors(&mut self, list: &str) {
        for d in list.split([',', ' ', '\n', '\t']).filter(|d| !d.is_empty()) {
            let d = d.to_ascii_lowercase();
            if !self.set.competitor_domains.contains(&d) {
                self.set.competitor_domains.push(d);
            }
        }
    }

    #[wasm_bindgen(getter)]
    pub fn persisting(&self) -> bool {
        self.persist
    }

    /// For the debug panel only: why each rule that has not scored as of `now` has not,
    /// as `(rule index, code, a, b)` per rule: code 0 no matching event; 1 dwell (a the
    /// longest so far, b the `minDwellSeconds` needed, in ms); 2 matching events that do
    /// not count (a window or span); 3 a sequence with a of b steps done; 4 traits.
    #[wasm_bindgen(js_name = whyNot)]
    pub fn why_not(&self, now: f64) -> Vec<f64> {
        use crate::explain::{pending, Pending};
        let scored = self.visitor.score(&self.set, now);
        let mut out = Vec::new();
        for (i, why) in pending(&self.set, self.visitor.events(), now, &scored) {
            let (code, a, b) = match why {
                Pending::NoEvent => (0, 0.0, 0.0),
                Pending::Dwell { best_ms, need_ms } => (1, best_ms, need_ms),
                Pending::NotCounted => (2, 0.0, 0.0),
                Pending::Steps { done, of } => (3, done as f64, of as f64),
                Pending::Traits => (4, 0.0, 0.0),
            };
            out.extend([i as f64, code as f64, a, b]);
        }
        out
    }
}

impl Tracker {
    fn apply(&mut self, text: &str, now: f64, update: bool) -> JsValue {
        // Checked as given (errors point into the caller's text), then kept without
        // personal data: what is stored and sent is the cleaned text.
        let e = match self.set.event_from_text(text) {
            Ok(e) => e,
            Err(err) => return js_problem(&err),
        };
        let kept = privacy::clean_event(&self.set, text);
        self.privacy_warn(&kept.dropped);
        let Some(clean) = kept.text else {
            return JsValue::NULL;
        };
        let e = match clean == text {
            true => e,
            false => match self.set.event_from_text(&clean) {
                Ok(e) => e,
                Err(err) => return js_problem(&err),
            },
        };
        let text: Box<str> = clean.into();
        if self.persist {
            self.pull();
        }
        if update {
            self.visitor.update_page_view(e, text);
        } else {
            self.visitor.push(e, Some(text));
        }
        if self.visitor.len() >= self.compact_at {
            self.visitor.compact(&self.set, now);
            self.compact_at = self.visitor.len() + COMPACT_EVERY;
        }
        if self.persist {
            self.save(now);
        }
        JsValue::NULL
    }

    /// Merges the stored state into memory; true when storage held something new.
    fn pull(&mut self) -> bool {
        let Some(s) = self.storage.clone() else {
            self.fall_back("localStorage is not available");
            return false;
        };
        let text = match s.get_item(&self.key) {
            Ok(t) => t,
            Err(_) => {
                self.fall_back("localStorage could not be read");
                return false;
            }
        };
        match text {
            None => {
                // We had written state and it is gone: another tab reset the visitor.
                if self.last.take().is_some() {
                    self.visitor.clear();
                    return true;
                }
                false
            }
            Some(t) if Some(&t) == self.last.as_ref() => false,
            Some(t) => {
                // State written by an older tag may hold personal data: cleaned here.
                let (clean, dropped) = privacy::clean_state(&self.set, &t);
                self.privacy_warn(&dropped);
                self.scrubbed |= clean != t;
                match Visitor::from_text(&self.set, &clean) {
                    Ok((stored, dropped)) => {
                        if !dropped.is_empty() {
                            self.warn("stored events that these rules do not accept were dropped");
                        }
                        let stored_len = stored.len();
                        self.visitor.merge(stored);
                        self.behind = self.visitor.len() > stored_len;
                    }
                    // Not our state (corrupt or foreign): it is replaced on the next save.
                    Err(_) => self.warn("the stored state was unreadable and has been reset"),
                }
                self.last = Some(t);
                true
            }
        }
    }

    fn save(&mut self, now: f64) {
        let Some(s) = self.storage.clone() else {
            return self.fall_back("localStorage is not available");
        };
        let mut text = self.visitor.to_text();
        if s.set_item(&self.key, &text).is_err() {
            // Quota: prune now and keep only the newer half, then try once more.
            self.visitor.compact(&self.set, now);
            let half = self.visitor.len() / 2;
            self.visitor.keep_newest(half);
            text = self.visitor.to_text();
            if s.set_item(&self.key, &text).is_err() {
                return self.fall_back("localStorage is full");
            }
        }
        self.last = Some(text);
    }

    fn fall_back(&mut self, why: &str) {
        self.persist = false;
        self.warn(&[why, "; scoring in memory for this page only"].concat());
    }

    /// One console warning per page naming what was not kept (keys, never values).
    fn privacy_warn(&mut self, dropped: &[String]) {
        if self.privacy_warned || dropped.is_empty() {
            return;
        }
        self.privacy_warned = true;
        let mut message =
            String::from("leadscore: not kept (personal data, or traits no rule reads): ");
        for (i, d) in dropped.iter().take(MAX_NAMED).enumerate() {
            if i > 0 {
                message.push_str(", ");
            }
            message.push_str(d);
        }
        if dropped.len() > MAX_NAMED {
            message.push_str(", …");
        }
        web_sys::console::warn_1(&message.into());
    }

    fn warn(&mut self, message: &str) {
        if !self.warned {
            self.warned = true;
            web_sys::console::warn_1(&["leadscore: ", message].concat().into());
        }
    }
}

fn comma(o: &mut String, i: usize) {
    if i > 0 {
        o.push(',');
    }
}

/// The layout documented on [`Tracker::result`].
fn encode(r: &Outcome) -> Vec<f64> {
    let band = match r.band_index {
        _ if r.disqualified => -2.0,
        Some(i) => i as f64,
        None => -1.0,
    };
    let mut out = Vec::with_capacity(3 + r.categories.len() + 3 * r.explain.len());
    out.extend([r.score, r.disqualified as u8 as f64, band]);
    out.extend(r.categories.iter().map(|c| c.1));
    for x in &r.explain {
        out.extend([x.index as f64, x.count as f64, x.points]);
    }
    out
}

/// `[a, b]` (b: string or null), the shape of a band and of a rule in [`Tracker::meta`].
fn pair(o: &mut String, a: &str, b: Option<&str>) {
    o.push('[');
    write_str(o, a);
    o.push(',');
    match b {
        Some(b) => write_str(o, b),
        None => o.push_str("null"),
    }
    o.push(']');
}
