//! The site tag's engine side: the parsed rules and the visitor's events live here, inside
//! the wasm, so each call from JavaScript carries one small event text in and one result
//! out. State persists in `localStorage` under one versioned key, shared by the visitor's
//! tabs, and degrades to memory when storage is missing, broken or full.
//!
//! Recording an event writes only this page's journal (`super::journal`: its own events,
//! a few hundred bytes), never the whole shared state: a page killed at any moment has
//! lost nothing. The shared state is written by [`Tracker::fold`], which the page calls
//! when idle, when hidden and on `pagehide`, and which merges what storage holds first.
//!
//! Tabs share that key without a lock, and in Chromium each tab's process reads a copy of
//! `localStorage` that another tab's write reaches a little later. So every write is a
//! read-merge-write of a union (no event counts as the same as another unless it is the
//! same recording: see `Visitor::merge`), a tab whose write was overwritten by a stale one
//! writes the union back when the `storage` event arrives (`sync`), and each page also
//! writes its own events under a key no other page writes (`super::journal`), which the
//! next page to load merges back: a tab that navigates away or closes before that event
//! arrives loses nothing either.
//!
//! Consent is the visitor's, not the tab's: the answer is stored beside the state, read
//! before every write and followed when another tab changes it.

use crate::prelude::*;

use super::host::{console_warn, convert_v1, Storage};
use super::journal::{Journal, IDLE_MS};
use super::legacy::Legacy;
use crate::engine::Tally;
use crate::error::{Error, ErrorKind};
use crate::json::write_str;
use crate::matched::Matched;
use crate::privacy;
use crate::rules::RuleSet;
use crate::state::codec::{base64_decode, base64_encode, read_value};
use crate::state::{Loaded, Visitor};

/// Fields named at most in the warning about data not kept.
const MAX_NAMED: usize = 12;

/// Compact again after this many new events; amortises the pruning walk.
const COMPACT_EVERY: usize = 32;

/// Fold after this many events even when the page is never idle (a script recording in a
/// loop): other tabs and the shared state are never far behind.
const FOLD_EVERY: u32 = 32;

/// One page's engine, called from JavaScript through src/tag/abi.rs (www/tag/core.js).
pub struct Tracker {
    set: RuleSet,
    visitor: Visitor,
    /// Where the state is stored: `<key>:state`.
    key: String,
    /// An older tag's state under `<key>` itself (see `super::legacy`).
    legacy: Legacy,
    /// Where the consent answer is stored: `granted` or `denied`.
    consent_key: String,
    /// Whether to persist while no answer is stored: false under Global Privacy Control
    /// and with `data-consent="required"`.
    by_default: bool,
    persist: bool,
    /// Storage failed (missing, unreadable or full): memory only, whatever the consent.
    broken: bool,
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
    /// JavaScript's job because that is where a SecurityError can be caught for free
    /// (src/tag/host.rs).
    storage: Option<Storage>,
    /// This page's own events, under a key only it writes (see the module).
    journal: Journal,
    /// Recorded since the shared state was last written: [`Tracker::fold`] has work.
    dirty: bool,
    /// Events recorded since the last fold.
    unfolded: u32,
    /// The events' matches, kept between results: each result matches only what changed.
    matched: Matched,
    /// The last result's numbers, where the page reads them ([`Tracker::result_at`]).
    out: Vec<f64>,
    /// Recorded since this page's journal was last written: [`Tracker::flush`] has work.
    journal_due: bool,
}

impl Tracker {
    /// Reads the compiled rules (src/core/compiled: an error with the code of what is
    /// wrong with them, `not_compiled`, `format_version`, `truncated`, `corrupt` or
    /// `bad_contents`) and, when the visitor's consent answer (or, without one, `by_default`)
    /// allows it, restores the state stored under `key` in `storage` (the page's
    /// `localStorage`, or None when it is unavailable) with every page's journal. `page` is
    /// this page's id, which the ids of the events it records start with (`page.n`).
    /// Stored `{"v":1,…}` text is turned into the binary state by the page's converter
    /// (`host::convert_v1`): JavaScript has a JSON reader for free, so the wasm needs none.
    pub fn new(
        rules: &[u8],
        key: &str,
        by_default: bool,
        now: f64,
        storage: Option<Storage>,
        page: &str,
    ) -> Result<Tracker, Error> {
        let set = crate::compiled::decode(rules)?;
        let mut t = Tracker {
            set,
            visitor: Visitor::default(),
            key: [key, ":state"].concat(),
            legacy: Legacy::new(key),
            consent_key: [key, ":consent"].concat(),
            by_default,
            persist: false,
            broken: false,
            last: None,
            compact_at: COMPACT_EVERY,
            warned: false,
            behind: false,
            scrubbed: false,
            privacy_warned: false,
            storage,
            journal: Journal::new(key, page),
            dirty: false,
            unfolded: 0,
            matched: Matched::default(),
            out: Vec::new(),
            journal_due: false,
        };
        let answer = t.answer();
        t.persist = answer.unwrap_or(by_default) && !t.broken;
        if t.persist {
            t.restore(now);
        } else if answer == Some(false) {
            // Withdrawn while a write of another tab was on its way: erase it too.
            t.erase();
        }
        Ok(t)
    }

    /// Records one event (its value in the stored state's binary form, src/core/state/codec.rs,
    /// as www/tag/values.js encodes it) under `id`, unique to this page (a page id and a
    /// counter). Returns the problem (the page sees `{code, path, message}`) when the event
    /// is not valid for these rules; an invalid event is not stored. Persisted in this page's
    /// journal at the next [`Tracker::flush`] (the end of the page's task); in the shared
    /// state at the next [`Tracker::fold`].
    pub fn record(&mut self, event: &[u8], id: &str, now: f64) -> Result<(), Error> {
        self.apply(event, id, now, false)
    }

    /// Records a newer reading (longer `dwellMs`) of the page view recorded under `id`,
    /// replacing it.
    pub fn update_page_view(&mut self, event: &[u8], id: &str, now: f64) -> Result<(), Error> {
        self.apply(event, id, now, true)
    }

    /// The contract's result as of `now`, as numbers that www/tag/api.js (`decode`) turns
    /// into the result object with the names from [`Tracker::meta`]:
    /// `[score, disqualified 0|1, band (index into bands, -1 none, -2 "disqualified"),
    /// one total per category in document order, then (rule index, count, points) per
    /// rule that counted]`. Numbers cross as they are, so the page sees the very bits the
    /// CLI prints, and no float formatting or object building has to ship in the wasm.
    ///
    /// Returns how many numbers there are; they stay in a buffer the tracker keeps, at
    /// [`Tracker::result_at`] in the wasm's memory, until the next call into the core: the
    /// page reads them in place (a result after every event, with no allocation or copy
    /// for it to cross).
    pub fn result(&mut self, now: f64) -> usize {
        let tally = self.matched.tally(&self.set, self.visitor.events(), now);
        encode(&tally, &mut self.out);
        self.out.len()
    }

    /// Where the numbers of the last [`Tracker::result`] are, in the wasm's memory.
    pub fn result_at(&self) -> *const f64 {
        self.out.as_ptr()
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

    /// The stored events as one array value in the binary form, for support and
    /// server-side re-scoring: the page decodes it and writes the JSON text.
    pub fn events(&self) -> Vec<u8> {
        self.visitor.events_bytes()
    }

    /// The payload digest of an events text (the page's JSON.stringify of `events()`): the
    /// same function `leadscore verify` checks it with.
    pub fn digest(&self, events_text: &str) -> String {
        crate::payload::digest(events_text)
    }

    /// Follows a change another tab made (the page's `storage` event: `key` written, or
    /// removed; "" when storage was cleared); true when the events changed. A consent
    /// answer is followed first. Another page's journal is merged as it is written (no
    /// write back: that page folds it). When this tab holds events the stored state lacks
    /// (a stale write of another tab went over them), writes the union back, so no tab's
    /// events are lost. The state removed (`reset()` in another tab, storage cleared)
    /// forgets the visitor here too. While consent is withdrawn, state that a tab wrote
    /// before it learned so is erased as it arrives.
    pub fn sync(&mut self, now: f64, key: &str, removed: bool) -> bool {
        if self.follow_consent(now) {
            return true;
        }
        if !self.persist {
            if self.answer() == Some(false) {
                self.erase();
            }
            return false;
        }
        let before = self.visitor.len();
        if self.journal.is_other(key) {
            return !removed && self.merge_journal(key).is_some_and(|gained| gained);
        }
        // An older tag's tab wrote its state (removed: this tag's own clean-up).
        if self.legacy.is(key) {
            if removed || !self.pull_legacy() {
                return false;
            }
            self.save(now);
            return self.visitor.len() != before;
        }
        if removed && (key.is_empty() || key == self.key) {
            let had = !self.visitor.is_empty();
            self.forget();
            if let Some(s) = &self.storage {
                self.journal.remove(s);
            }
            return had;
        }
        let changed = self.pull();
        if self.persist && self.behind {
            self.save(now);
        }
        changed || self.visitor.len() != before
    }

    /// Writes this page's journal (its own events only: a small write) when it recorded
    /// since the last write. The page calls it once per task, in a microtask after the
    /// task's events, so a burst of events is one write, and a page killed between tasks
    /// has lost nothing. A full quota folds at once, which prunes the shared state to make
    /// room; so does a page that records without pause ([`FOLD_EVERY`]).
    pub fn flush(&mut self, now: f64) {
        if !core::mem::take(&mut self.journal_due) || !self.persist {
            return;
        }
        let written = match self.storage {
            Some(s) => self.journal.write(&s, &self.visitor),
            None => false,
        };
        if !written || self.unfolded >= FOLD_EVERY {
            self.fold(now);
        }
    }

    /// Writes the shared state: what storage holds merged with this page's events,
    /// compacted. Called by the page when idle, when hidden and on `pagehide`; recording
    /// only writes this page's journal.
    pub fn fold(&mut self, now: f64) {
        self.follow_consent(now);
        if !self.persist || !self.dirty {
            return;
        }
        // Compacted already when nothing arrived since the last pass (the hot path may
        // have just compacted): one pruning walk per event at most.
        let pulled = self.pull();
        if pulled || self.visitor.len() + COMPACT_EVERY > self.compact_at {
            self.visitor.compact(&self.set, now);
            self.compact_at = self.visitor.len() + COMPACT_EVERY;
        }
        self.save(now);
    }

    /// The visitor's answer, for every tab. Granted: persist from now on (merging what is
    /// stored). Withdrawn: erase the stored state, forget it here too, and keep scoring
    /// this page in memory only. The answer is written before the state is erased, so a
    /// tab that sees the state gone has also seen why.
    pub fn consent(&mut self, granted: bool, now: f64) {
        if let Some(s) = &self.storage {
            let _ = s.set_item(
                &self.consent_key,
                if granted { "granted" } else { "denied" },
            );
        }
        self.persist = granted && !self.broken;
        if self.persist {
            self.pull();
            self.save(now);
        } else if !granted {
            self.forget();
            self.erase();
        }
    }

    /// Forgets the visitor, in memory and in storage.
    pub fn reset(&mut self) {
        self.forget();
        if self.persist {
            self.erase();
        }
    }

    /// `email_type` of an address (free, competitor, corporate) or undefined; the address
    /// itself is neither stored nor returned.
    pub fn email_type(&self, email: &str) -> Option<String> {
        crate::traits::email_type(email, &self.set.competitor_domains).map(str::to_string)
    }

    /// The rules' `minDwellSeconds` in ms, ascending: when to re-read a visible page's dwell.
    pub fn dwell_marks(&self) -> Vec<f64> {
        self.set.dwell_marks()
    }

    /// Adds email domains (comma or space separated) that make `email_type` = competitor,
    /// beside the rules' `competitorDomains`: the tag's `data-competitors`.
    pub fn add_competitors(&mut self, list: &str) {
        for d in list.split([',', ' ', '\n', '\t']).filter(|d| !d.is_empty()) {
            let d = d.to_ascii_lowercase();
            if !self.set.competitor_domains.contains(&d) {
                self.set.competitor_domains.push(d);
            }
        }
    }

    pub fn persisting(&self) -> bool {
        self.persist
    }

    /// For the debug panel only: why each rule that has not scored as of `now` has not,
    /// as `(rule index, code, a, b)` per rule: code 0 no matching event; 1 dwell (a the
    /// longest so far, b the `minDwellSeconds` needed, in ms); 2 matching events that do
    /// not count (a window or span); 3 a sequence with a of b steps done; 4 traits.
    #[cfg(feature = "debug")]
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
    fn apply(&mut self, bytes: &[u8], id: &str, now: f64, update: bool) -> Result<(), Error> {
        // Checked as given (errors name the field), then kept without personal data:
        // what is stored and sent is the cleaned value. Read once, borrowed from `bytes`.
        let Some(node) = read_value(bytes) else {
            let kind = ErrorKind::InvalidValue("the event could not be read");
            return Err(Error::new(kind, ""));
        };
        let e = self.set.event(&node)?;
        let kept = privacy::clean_tree(&self.set, &node);
        self.privacy_warn(&kept.dropped);
        let Some(clean) = kept.node else {
            return Ok(());
        };
        let encoded;
        let (e, value) = match kept.changed {
            false => (e, bytes),
            true => {
                let e = self.set.event(&clean)?;
                encoded = crate::state::codec::encode(&clean.value);
                (e, &encoded[..])
            }
        };
        // The answer is read before the write below, in the same call: the `storage` event
        // announcing a withdrawal may arrive after this event, and must not be undone by it.
        self.follow_consent(now);
        if update {
            self.visitor.update_page_view(e, value, id);
        } else {
            self.visitor.push_with_id(e, value, id);
        }
        if self.visitor.len() >= self.compact_at {
            self.visitor.compact(&self.set, now);
            self.compact_at = self.visitor.len() + COMPACT_EVERY;
        }
        if self.persist {
            self.dirty = true;
            self.unfolded += 1;
            self.journal_due = true;
        }
        Ok(())
    }

    /// Merges another page's journal, as stored under `key`: whether it brought events
    /// (None when it is unreadable or gone).
    fn merge_journal(&mut self, key: &str) -> Option<bool> {
        let s = self.storage.as_ref()?;
        let text = s.get_item(key).ok()??;
        let (loaded, _) = self.read_stored(&text)?;
        let gained = self.visitor.merge(loaded.visitor).gained;
        self.dirty |= gained;
        Some(gained)
    }

    /// The stored consent answer: granted, withdrawn, or none. Storage that cannot be read
    /// (it throws) is storage not to write either: memory only from then on.
    fn answer(&mut self) -> Option<bool> {
        let s = self.storage.as_ref()?;
        let stored = match s.get_item(&self.consent_key) {
            Ok(v) => v?,
            Err(_) => {
                self.fall_back("localStorage could not be read");
                return None;
            }
        };
        match stored.as_str() {
            "granted" => Some(true),
            "denied" => Some(false),
            _ => None,
        }
    }

    /// Acts on a consent answer another tab stored; true when persisting changed. A
    /// withdrawal forgets the stored state here (this page goes on scoring in memory, as
    /// under Global Privacy Control); a grant starts persisting, this page's events too.
    fn follow_consent(&mut self, now: f64) -> bool {
        if self.broken {
            return false;
        }
        let answer = self.answer();
        if self.broken {
            return false;
        }
        let allowed = answer.unwrap_or(self.by_default);
        if allowed == self.persist {
            return false;
        }
        self.persist = allowed;
        if allowed {
            self.restore(now);
        } else {
            self.forget();
            if answer == Some(false) {
                self.erase();
            }
        }
        true
    }

    /// Loads the shared state and merges every page's journal into it (see the module);
    /// when the shared state lacked some of their events, writes the union back, then
    /// removes the journals of pages idle for [`IDLE_MS`].
    fn restore(&mut self, now: f64) {
        self.pull();
        self.pull_legacy();
        let Some(s) = self.storage.filter(|_| self.persist) else {
            return;
        };
        let mut idle = Vec::new();
        for key in self.journal.keys(&s) {
            let journal = s.get_item(&key).ok().flatten();
            let journal = journal.and_then(|t| self.read_stored(&t));
            match journal {
                // A reset or a withdrawal erases every journal with the state, so a
                // journal without shared state is a page that has not folded yet.
                Some((Loaded { visitor: v, .. }, _)) => {
                    if v.events().last().is_none_or(|e| e.ts < now - IDLE_MS) {
                        idle.push(key);
                    }
                    self.behind |= self.visitor.merge(v).gained;
                }
                _ => idle.push(key),
            }
        }
        // Not even called with nothing stored (a first page view): the browser compiles a
        // wasm function on its first call, and pruning is a large one.
        if !self.visitor.is_empty() {
            self.visitor.compact(&self.set, now);
        }
        let unsaved = self.last.is_none() && !self.visitor.is_empty();
        self.dirty = false;
        // State that held personal data (an older tag's) is written back cleaned.
        if self.behind || unsaved || self.scrubbed {
            self.save(now);
        }
        if self.persist {
            for key in idle {
                let _ = s.remove_item(&key);
            }
        }
    }

    /// Forgets the visitor in memory (not in storage).
    fn forget(&mut self) {
        self.visitor.clear();
        self.last = None;
        self.behind = false;
    }

    /// Removes the stored state, an older tag's, and every page's journal.
    fn erase(&mut self) {
        if let Some(s) = &self.storage {
            let _ = s.remove_item(&self.key);
            self.legacy.erase(s);
            self.journal.erase_all(s);
        }
    }

    /// Merges the state an older tag keeps under the base key, when it is new since the
    /// last merge (see `super::legacy`); true when there was such state. It is then written
    /// under `<key>:state` at the next save, and kept for an older tag when it is its own
    /// clean text, else removed.
    fn pull_legacy(&mut self) -> bool {
        let Some(s) = self.storage.filter(|_| self.persist) else {
            return false;
        };
        let Some((text, digest)) = self.legacy.unmerged(&s) else {
            return false;
        };
        let keep = match self.read_stored(&text) {
            Some((loaded, v1)) => {
                self.privacy_warn(&loaded.removed);
                if loaded.damaged.is_some() {
                    self.warn("part of the stored state was unreadable and has been reset");
                } else if !loaded.refused.is_empty() {
                    self.warn("stored events that these rules do not accept were dropped");
                }
                let clean = v1 && !loaded.scrubbed && loaded.damaged.is_none();
                self.visitor.merge(loaded.visitor);
                clean
            }
            None => {
                self.warn("the stored state was unreadable and has been reset");
                false
            }
        };
        self.legacy.merged(digest, keep);
        self.behind = true;
        true
    }

    /// Merges the stored state into memory; true when storage held something new.
    fn pull(&mut self) -> bool {
        let Some(s) = self.storage else {
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
                    self.journal.remove(&s);
                    return true;
                }
                false
            }
            Some(t) if Some(&t) == self.last.as_ref() => false,
            Some(t) => {
                match self.read_stored(&t) {
                    Some((loaded, migrated)) => {
                        // State written by an older tag may hold personal data, or be
                        // text: cleaned and converted here, and written back.
                        self.privacy_warn(&loaded.removed);
                        self.scrubbed |= loaded.scrubbed || migrated;
                        if loaded.damaged.is_some() {
                            self.warn("part of the stored state was unreadable and has been reset");
                        } else if !loaded.refused.is_empty() {
                            self.warn("stored events that these rules do not accept were dropped");
                        }
                        let behind = self.visitor.merge(loaded.visitor).behind;
                        self.behind = behind || loaded.damaged.is_some();
                    }
                    // Not our state (corrupt or foreign): it is replaced on the next save.
                    None => {
                        self.behind = true;
                        self.warn("the stored state was unreadable and has been reset");
                    }
                }
                self.last = Some(t);
                true
            }
        }
    }

    /// Reads a stored value (the state or a journal): base64 of the binary state, or
    /// `{"v":1,…}` text of an older tag, converted by the page (see `migrate`). None when
    /// it is neither; the flag says it was converted.
    fn read_stored(&self, text: &str) -> Option<(Loaded, bool)> {
        let migrated = text.starts_with('{');
        let converted;
        let text = match migrated {
            false => text,
            true => {
                // The binary state as base64, as it is stored (or None: not state).
                converted = convert_v1(text)?;
                &converted
            }
        };
        let bytes = base64_decode(text)?;
        Some((Visitor::from_bytes(&self.set, &bytes).ok()?, migrated))
    }

    fn save(&mut self, now: f64) {
        let Some(s) = self.storage else {
            return self.fall_back("localStorage is not available");
        };
        self.dirty = false;
        self.unfolded = 0;
        self.journal_due = false;
        let mut text = base64_encode(&self.visitor.to_bytes());
        if s.set_item(&self.key, &text).is_err() {
            // Quota: prune now and keep only the newer half, then try once more.
            self.visitor.compact(&self.set, now);
            let half = self.visitor.len() / 2;
            self.visitor.keep_newest(half);
            text = base64_encode(&self.visitor.to_bytes());
            if s.set_item(&self.key, &text).is_err() {
                return self.fall_back("localStorage is full");
            }
        }
        let _ = self.journal.write(&s, &self.visitor);
        self.last = Some(text);
        self.legacy.settle(&s);
    }

    fn fall_back(&mut self, why: &str) {
        self.persist = false;
        self.broken = true;
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
        console_warn(&message);
    }

    fn warn(&mut self, message: &str) {
        if !self.warned {
            self.warned = true;
            console_warn(&["leadscore: ", message].concat());
        }
    }
}

fn comma(o: &mut String, i: usize) {
    if i > 0 {
        o.push(',');
    }
}

/// The layout documented on [`Tracker::result`], into `out` (its room kept).
fn encode(r: &Tally, out: &mut Vec<f64>) {
    let band = match r.band_index {
        _ if r.disqualified => -2.0,
        Some(i) => i as f64,
        None => -1.0,
    };
    out.clear();
    out.extend([r.score, r.disqualified as u8 as f64, band]);
    out.extend(&r.categories);
    for &(index, count, points) in &r.hits {
        out.extend([index as f64, count as f64, points]);
    }
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
