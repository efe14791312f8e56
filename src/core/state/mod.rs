//! A visitor's stored events: kept in reading order, pruned to what some rule can still
//! count, and written as compact versioned text for the browser to persist.
//!
//! Pruning (see `compact`) only ever drops events whose absence cannot change a score at
//! the same or a later `now` (for events that arrive in time order), so re-scoring the
//! kept events, as the CLI does with `leadscore.events()`, gives the browser's number
//! exactly. The lossy steps are backstops: for rules with neither `maxCount` nor
//! `withinDays` the [`UNCAPPED_KEEP`] most recent counted occurrences are kept, and no
//! visitor keeps more than [`MAX_EVENTS`] events.

use crate::prelude::*;

use crate::error::{at_index, within, Error, ErrorKind};
use crate::events::Event;
use crate::explain::Outcome;
use crate::json::{self, Value};
use crate::rules::{RuleSet, PAGE_VIEW};

pub mod codec;
mod compact;

/// Version of the text written by [`Visitor::to_text`].
pub const STATE_VERSION: u32 = 1;
/// Occurrences kept per rule that has no `maxCount` and no `withinDays`.
pub const UNCAPPED_KEEP: usize = 256;
/// Hard ceiling on stored events, whatever the rules; the oldest go first.
pub const MAX_EVENTS: usize = 2000;

/// What [`Visitor::merge`] found.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Merged {
    /// The other state held events (or longer readings of page views) this one lacked.
    pub gained: bool,
    /// This state holds events (or longer readings) the other lacks: the other is behind.
    pub behind: bool,
}

#[derive(Debug, Clone, Default)]
pub struct Visitor {
    events: Vec<Event>,
    /// Source text of each event (empty when unknown), written back verbatim on save,
    /// followed by `ID_MARK` and the event's id when it has one.
    raw: Vec<Box<str>>,
}

impl Visitor {
    pub fn events(&self) -> &[Event] {
        &self.events
    }

    pub fn len(&self) -> usize {
        self.events.len()
    }

    pub fn is_empty(&self) -> bool {
        self.events.is_empty()
    }

    /// Adds an event in `ts` order; an event tied with stored ones goes after them.
    pub fn push(&mut self, e: Event, raw: Option<Box<str>>) {
        let at = self.events.partition_point(|x| x.ts <= e.ts);
        self.events.insert(at, e);
        self.raw.insert(at, raw.unwrap_or_default());
    }

    pub fn score(&self, set: &RuleSet, now: f64) -> Outcome {
        crate::engine::score_sorted(set, &self.events, now)
    }

    /// Drops every event that no rule can count again at `now` or later; returns how many.
    pub fn compact(&mut self, set: &RuleSet, now: f64) -> usize {
        let keep = compact::needed(set, &self.events, now);
        let before = self.events.len();
        let mut i = 0;
        self.events.retain(|_| {
            i += 1;
            keep[i - 1]
        });
        let mut i = 0;
        self.raw.retain(|_| {
            i += 1;
            keep[i - 1]
        });
        if self.events.len() > MAX_EVENTS {
            let cut = self.events.len() - MAX_EVENTS;
            self.events.drain(..cut);
            self.raw.drain(..cut);
        }
        before - self.events.len()
    }

    /// Adds an event recorded by this tab, with the id that tells it apart from every other
    /// recording (see [`Visitor::merge`]); an id that could not be stored is left out.
    pub fn push_with_id(&mut self, e: Event, text: &str, id: &str) {
        let raw = with_id(text, id);
        self.push(e, Some(raw));
    }

    /// `{"v":1,"events":[…],"ids":[…]}`: each event's text as it was recorded and, at the
    /// same index, its id ("" when unknown; no `ids` when no event has one). Readers of
    /// version 1 that predate ids read `events` and ignore `ids`.
    pub fn to_text(&self) -> String {
        self.to_text_of("")
    }

    /// The same text with only the events whose id starts with `prefix`: one page's own.
    pub fn to_text_of(&self, prefix: &str) -> String {
        let mut out = String::from("{\"v\":1,\"events\":");
        self.write_events(&mut out, prefix, false);
        if self.raw.iter().any(|r| !split(r).1.is_empty()) {
            out.push_str(",\"ids\":");
            self.write_events(&mut out, prefix, true);
        }
        out.push('}');
        out
    }

    /// The stored events as a JSON array, each as recorded.
    pub fn events_text(&self) -> String {
        let mut out = String::new();
        self.write_events(&mut out, "", false);
        out
    }

    /// A JSON array of the stored events whose id starts with `prefix` ("": all): their
    /// texts, or their ids as strings.
    fn write_events(&self, out: &mut String, prefix: &str, ids: bool) {
        out.reserve(2 + self.raw.iter().map(|r| r.len() + 1).sum::<usize>());
        out.push('[');
        let mut first = true;
        for r in self.raw.iter().filter(|r| !r.is_empty()) {
            let (text, id) = split(r);
            if !id.starts_with(prefix) {
                continue;
            }
            if !first {
                out.push(',');
            }
            first = false;
            if ids {
                json::write_str(out, id);
            } else {
                out.push_str(text);
            }
        }
        out.push(']');
    }

    /// Reads saved state. Events the rules no longer accept are dropped and returned as
    /// problems; the rest are kept, with their ids when `ids` lines up with `events` (an
    /// id that is not a short string is unknown, which only weakens how merges match it).
    /// A text that is not state at all is an error.
    pub fn from_text(set: &RuleSet, text: &str) -> Result<(Visitor, Vec<Error>), Error> {
        // Lenient about numbers: an event holding `1e400` is dropped on its own below,
        // rather than the whole state.
        let node = json::parse_lenient(text).map_err(|e| e.into_error(text))?;
        match node.get("v").and_then(|v| v.as_f64()) {
            Some(v) if v == STATE_VERSION as f64 => {}
            _ => {
                let kind = ErrorKind::InvalidValue("not leadscore state of a known version");
                return Err(Error::new(kind, "v"));
            }
        }
        let Some(Value::Arr(items)) = node.get("events").map(|n| &n.value) else {
            let kind = ErrorKind::MissingField("events");
            return Err(Error::new(kind, "events"));
        };
        let ids = match node.get("ids").map(|n| &n.value) {
            Some(Value::Arr(ids)) if ids.len() == items.len() => ids.as_slice(),
            _ => &[],
        };
        let mut events = Vec::with_capacity(items.len());
        let mut raw: Vec<Box<str>> = Vec::with_capacity(items.len());
        let mut dropped = Vec::new();
        for (i, item) in items.iter().enumerate() {
            match set.event(item) {
                Ok(e) => {
                    let id = ids.get(i).and_then(|n| n.as_str()).unwrap_or("");
                    events.push(e);
                    raw.push(with_id(
                        crate::text::slice(text, item.at as usize, item.end as usize),
                        id,
                    ));
                }
                Err(mut e) => {
                    e.path = within(&at_index("events", i), &e.path);
                    dropped.push(e.at(text, item.at));
                }
            }
        }
        // Stored in order; text from elsewhere may not be: one sort, not an insertion
        // per event (quadratic on a long reversed list).
        if !events.windows(2).all(|w| w[0].ts <= w[1].ts) {
            let key = |i: u32| (events[i as usize].ts, i);
            let order = crate::sort::order(events.len(), &|a, b| key(a) < key(b));
            crate::sort::permute(&mut events, &order);
            crate::sort::permute(&mut raw, &order);
        }
        Ok((Visitor { events, raw }, dropped))
    }

    /// Adds the events of `other` that this state does not already hold: how two tabs'
    /// states meet without losing either's events. Says whether anything was added and
    /// whether `other` (as stored) is behind this state.
    ///
    /// Two events are the same recording when both have ids and the ids are equal: the
    /// tag gives every event an id unique to the page that recorded it, because two tabs
    /// can record the same text in the same millisecond (the same page opened twice) and
    /// both count. Without an id on either side (state written before ids), the same text
    /// is the same event, and two id-less page views with the same `ts` and URL are
    /// readings of one view. A later reading of a page view (longer dwell) wins.
    pub fn merge(&mut self, other: Visitor) -> Merged {
        let mut m = Merged {
            gained: false,
            behind: false,
        };
        // Which events of this state `other` holds too (its own additions included).
        let mut seen = vec![false; self.events.len()];
        for (e, r) in other.events.into_iter().zip(other.raw) {
            if r.is_empty() {
                continue;
            }
            match self.find_same(&e, &r) {
                Some(i) => {
                    seen[i] = true;
                    let held = self.events[i].dwell_ms;
                    m.behind |= held > e.dwell_ms;
                    if held < e.dwell_ms {
                        m.gained = true;
                        self.events[i] = e;
                        self.raw[i] = r;
                    }
                }
                None => {
                    m.gained = true;
                    // Where `push` puts it: after the events with the same or an earlier ts.
                    seen.insert(self.events.partition_point(|x| x.ts <= e.ts), true);
                    self.push(e, Some(r));
                }
            }
        }
        // Events without text are never stored, so `other` cannot lack them.
        m.behind |= seen.iter().zip(&self.raw).any(|(s, r)| !s && !r.is_empty());
        m
    }

    /// The held event that `e` (stored as `raw`) is the same recording as, by the rules
    /// on [`Visitor::merge`]. Only events with the same `ts` are compared.
    fn find_same(&self, e: &Event, raw: &str) -> Option<usize> {
        let from = self.events.partition_point(|x| x.ts < e.ts);
        let n = self.events[from..]
            .iter()
            .take_while(|x| x.ts == e.ts)
            .count();
        let (text, id) = split(raw);
        (from..from + n).find(|&i| {
            let (held_text, held_id) = split(&self.raw[i]);
            if !id.is_empty() && !held_id.is_empty() {
                return id == held_id;
            }
            held_text == text
                || (id.is_empty()
                    && held_id.is_empty()
                    && e.ty == PAGE_VIEW
                    && self.events[i].ty == PAGE_VIEW
                    && self.events[i].page == e.page
                    && same_url(held_text, text))
        })
    }

    /// Replaces a page view this tab recorded (the same `id`) by a later reading of it;
    /// adds it when the old one is gone (pruned, or never recorded).
    pub fn update_page_view(&mut self, e: Event, text: &str, id: &str) {
        let raw = with_id(text, id);
        match self
            .find_same(&e, &raw)
            .filter(|&i| self.events[i].ty == PAGE_VIEW)
        {
            Some(i) => {
                self.events[i] = e;
                self.raw[i] = raw;
            }
            None => self.push(e, Some(raw)),
        }
    }

    /// Keeps only the `n` most recent events: the last resort when storage is full.
    pub fn keep_newest(&mut self, n: usize) {
        let cut = self.events.len().saturating_sub(n);
        self.events.drain(..cut);
        self.raw.drain(..cut);
    }

    /// Forgets every event.
    pub fn clear(&mut self) {
        self.events.clear();
        self.raw.clear();
    }
}

/// Separates an event's text from its id in `Visitor::raw`. A NUL is never part of JSON
/// text (control characters must be escaped), so the text cannot contain it; the id rides
/// in the same slot so that every step that keeps, drops or moves an event keeps the pair.
const ID_MARK: char = '\0';
/// Longer ids are not ours: stored without one.
const MAX_ID: usize = 32;

/// Whether two event texts have the same `url`: id-less page views are readings of one view
/// only then (two pages of one category opened in one millisecond are two views).
fn same_url(a: &str, b: &str) -> bool {
    let url = |t| json::read(t).ok()?.get("url")?.as_str().map(String::from);
    matches!((url(a), url(b)), (Some(x), Some(y)) if x == y)
}

fn with_id(text: &str, id: &str) -> Box<str> {
    if id.is_empty() || id.len() > MAX_ID || id.contains(ID_MARK) {
        return text.into();
    }
    [text, "\0", id].concat().into()
}

/// (text, id) of a stored slot; the id is "" when unknown.
fn split(raw: &str) -> (&str, &str) {
    raw.split_once(ID_MARK).unwrap_or((raw, ""))
}
