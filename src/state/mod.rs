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

mod compact;

/// Version of the text written by [`Visitor::to_text`].
pub const STATE_VERSION: u32 = 1;
/// Occurrences kept per rule that has no `maxCount` and no `withinDays`.
pub const UNCAPPED_KEEP: usize = 256;
/// Hard ceiling on stored events, whatever the rules; the oldest go first.
pub const MAX_EVENTS: usize = 2000;

#[derive(Debug, Clone, Default)]
pub struct Visitor {
    events: Vec<Event>,
    /// Source text of each event (empty when unknown), written back verbatim on save.
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

    /// `{"v":1,"events":[…]}` with each event's text as it was recorded.
    pub fn to_text(&self) -> String {
        let mut out = String::from("{\"v\":1,\"events\":");
        self.write_events(&mut out);
        out.push('}');
        out
    }

    /// The stored events as a JSON array, each as recorded.
    pub fn events_text(&self) -> String {
        let mut out = String::new();
        self.write_events(&mut out);
        out
    }

    fn write_events(&self, out: &mut String) {
        out.reserve(2 + self.raw.iter().map(|r| r.len() + 1).sum::<usize>());
        out.push('[');
        for (i, r) in self.raw.iter().filter(|r| !r.is_empty()).enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push_str(r);
        }
        out.push(']');
    }

    /// Reads saved state. Events the rules no longer accept are dropped and returned as
    /// problems; the rest are kept. A text that is not state at all is an error.
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
        let mut events = Vec::with_capacity(items.len());
        let mut raw: Vec<Box<str>> = Vec::with_capacity(items.len());
        let mut dropped = Vec::new();
        for (i, item) in items.iter().enumerate() {
            match set.event(item) {
                Ok(e) => {
                    events.push(e);
                    raw.push(json::slice(text, item.at as usize, item.end as usize).into());
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
    /// states meet without losing either's events. An event is the same as a held one when
    /// its text is; a page view is the same as a held page view with the same `ts` and page,
    /// the longer dwell winning (dwell only grows while the page stays open).
    pub fn merge(&mut self, other: Visitor) {
        for (e, r) in other.events.into_iter().zip(other.raw) {
            if r.is_empty() {
                continue;
            }
            match self.find_same(&e, &r) {
                None => self.push(e, Some(r)),
                Some(i) if self.events[i].dwell_ms < e.dwell_ms => {
                    self.events[i] = e;
                    self.raw[i] = r;
                }
                Some(_) => {}
            }
        }
    }

    /// The held event that `e` is another reading of: one with the same text, else a page
    /// view with the same `ts` and page (a later reading of its dwell).
    fn find_same(&self, e: &Event, raw: &str) -> Option<usize> {
        let from = self.events.partition_point(|x| x.ts < e.ts);
        let same_ts = from..from
            + self.events[from..]
                .iter()
                .take_while(|x| x.ts == e.ts)
                .count();
        same_ts.clone().find(|&i| *self.raw[i] == *raw).or_else(|| {
            same_ts.clone().find(|&i| {
                e.ty == PAGE_VIEW && self.events[i].ty == PAGE_VIEW && self.events[i].page == e.page
            })
        })
    }

    /// Replaces a recorded page view by a later reading of it (same `ts` and page, longer
    /// dwell); adds it when the old one is gone (pruned, or never recorded).
    pub fn update_page_view(&mut self, e: Event, raw: Box<str>) {
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
