//! A visitor's stored events: kept in reading order, pruned to what some rule can still
//! count, and written in a compact versioned binary form ([`codec`]) for the browser to
//! persist (the command line still reads and writes the `{"v":1,…}` text).
//!
//! Pruning (see `compact`) only ever drops events whose absence cannot change a score at
//! the same or a later `now` (for events that arrive in time order), so re-scoring the
//! kept events, as the CLI does with `leadscore.events()`, gives the browser's number
//! exactly. The lossy steps are backstops: for rules with neither `maxCount` nor
//! `withinDays` the [`UNCAPPED_KEEP`] most recent counted occurrences are kept, and no
//! visitor keeps more than [`MAX_EVENTS`] events.

use crate::prelude::*;

use crate::error::{at_index, within, Error};
use crate::events::Event;
use crate::explain::Outcome;
#[cfg(feature = "std")]
use crate::json::{self, Value};
use crate::rules::{RuleSet, PAGE_VIEW};

pub mod codec;
mod compact;

/// Version of the text written by `Visitor::to_text` (the binary form is version 2).
pub const STATE_VERSION: u32 = 1;
/// Occurrences kept per rule that has no `maxCount` and no `withinDays`.
pub const UNCAPPED_KEEP: usize = 256;
/// Hard ceiling on stored events, whatever the rules; the oldest go first.
pub const MAX_EVENTS: usize = 2000;
/// Id-less page views (an older tag's) of the same millisecond whose URLs a merge compares
/// with one event: honest state has a handful.
const MAX_URL_CHECKS: usize = 64;

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
    /// Each event's value as recorded (the codec's bytes: see [`codec`]) and its id, at
    /// the same index as `events`.
    raw: Vec<Slot>,
}

/// An event's value in the codec's bytes (empty when unknown: such an event is never
/// stored) and its id ("" when unknown). One slot, so every step that keeps, drops or
/// moves an event keeps the pair.
#[derive(Debug, Clone, Default, PartialEq)]
struct Slot {
    value: Box<[u8]>,
    id: Box<str>,
}

/// Longer ids, or ids with control characters, are not ours: stored without one.
const MAX_ID: usize = 32;

impl Slot {
    fn new(value: &[u8], id: &str) -> Slot {
        let ours = id.len() <= MAX_ID && !id.bytes().any(|b| b < 0x20);
        let id = if ours { id } else { "" };
        Slot {
            value: value.into(),
            id: id.into(),
        }
    }
}

/// What [`Visitor::from_bytes`] read.
#[derive(Debug, Default)]
pub struct Loaded {
    pub visitor: Visitor,
    /// Events the rules do not accept (dropped), each with its path (`events[3]…`).
    pub refused: Vec<Error>,
    /// Where the bytes stopped being readable: the events before it are kept.
    pub damaged: Option<Error>,
    /// Personal data removed from stored events (by key, as `privacy` names it), and
    /// whether anything was: state written by an older tag is to be written back clean.
    pub removed: Vec<String>,
    pub scrubbed: bool,
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

    /// Adds an event in `ts` order, with its value's bytes ([`codec::encode_value`]; None
    /// when it is not to be stored); an event tied with stored ones goes after them.
    pub fn push(&mut self, e: Event, value: Option<&[u8]>) {
        self.push_slot(e, Slot::new(value.unwrap_or_default(), ""));
    }

    fn push_slot(&mut self, e: Event, slot: Slot) {
        let at = self.events.partition_point(|x| x.ts <= e.ts);
        self.events.insert(at, e);
        self.raw.insert(at, slot);
    }

    pub fn score(&self, set: &RuleSet, now: f64) -> Outcome {
        crate::engine::score_sorted(set, &self.events, now)
    }

    /// Drops every event that no rule can count again at `now` or later; returns how many.
    pub fn compact(&mut self, set: &RuleSet, now: f64) -> usize {
        // A first page view has nothing to prune: the pruning code is not even compiled
        // (the browser compiles a wasm function on its first call).
        if self.events.is_empty() {
            return 0;
        }
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

    /// Adds an event recorded by this tab (its value's bytes), with the id that tells it
    /// apart from every other recording (see [`Visitor::merge`]); an id that could not be
    /// stored is left out.
    pub fn push_with_id(&mut self, e: Event, value: &[u8], id: &str) {
        self.push_slot(e, Slot::new(value, id));
    }

    /// The stored state, format 2 ([`codec`]): every stored event's id and value.
    pub fn to_bytes(&self) -> Vec<u8> {
        self.to_bytes_of("").0
    }

    /// The same with only the events whose id starts with `prefix` (one page's own), and
    /// how many there are.
    pub fn to_bytes_of(&self, prefix: &str) -> (Vec<u8>, usize) {
        let kept = || {
            self.raw
                .iter()
                .filter(move |r| !r.value.is_empty() && r.id.starts_with(prefix))
        };
        let n = kept().count();
        let size: usize = kept().map(|r| r.value.len() + r.id.len() + 2).sum();
        let mut out = Vec::with_capacity(8 + size);
        out.extend_from_slice(b"LS");
        out.push(codec::BINARY_VERSION);
        codec::varint(&mut out, n);
        for r in kept() {
            codec::text(&mut out, &r.id);
            out.extend_from_slice(&r.value);
        }
        (out, n)
    }

    /// The stored events as one array value ([`codec`]), each as recorded: what the tag's
    /// JavaScript turns into `events()` and the payload's text.
    pub fn events_bytes(&self) -> Vec<u8> {
        let values = self.raw.iter().filter(|r| !r.value.is_empty());
        codec::encode_array(values.map(|r| &*r.value).collect::<Vec<_>>().into_iter())
    }

    /// Reads stored state (format 2, [`codec`]). Each event is cleaned of personal data
    /// (state an older tag wrote may hold some), then checked against the rules: those
    /// they no longer accept are dropped and listed. Bytes damaged part way keep the
    /// events before the damage. Bytes that are not state at all are an error.
    pub fn from_bytes(set: &RuleSet, bytes: &[u8]) -> Result<Loaded, Error> {
        let (items, damaged) = codec::read_state(bytes)?;
        let mut out = Loaded {
            damaged,
            ..Loaded::default()
        };
        let mut events = Vec::with_capacity(items.len());
        let mut raw = Vec::with_capacity(items.len());
        for (i, (id, node)) in items.into_iter().enumerate() {
            let clean = crate::privacy::clean_tree(set, &node);
            out.removed.extend(clean.dropped);
            out.scrubbed |= clean.changed;
            let Some(kept) = clean.node else { continue };
            let encoded;
            let value = match clean.changed {
                false => &bytes[node.at as usize..node.end as usize],
                true => {
                    encoded = codec::encode(&kept.value);
                    &encoded[..]
                }
            };
            match set.event(&kept) {
                Ok(e) => {
                    events.push(e);
                    raw.push(Slot::new(value, id));
                }
                Err(mut e) => {
                    e.path = within(&at_index("events", i), &e.path);
                    out.refused.push(e);
                }
            }
        }
        out.visitor = Visitor::sorted(events, raw);
        // No tag stores more (compaction's backstop); a state holding more is not one of
        // ours, and merging it whole would compare every event with its equals in time.
        if out.visitor.len() > MAX_EVENTS {
            out.visitor.keep_newest(MAX_EVENTS);
        }
        Ok(out)
    }

    /// Stored in order; bytes from elsewhere may not be: one sort, not an insertion per
    /// event (quadratic on a long reversed list).
    fn sorted(mut events: Vec<Event>, mut raw: Vec<Slot>) -> Visitor {
        if !events.windows(2).all(|w| w[0].ts <= w[1].ts) {
            let key = |i: u32| (events[i as usize].ts, i);
            let order = crate::sort::order(events.len(), &|a, b| key(a) < key(b));
            crate::sort::permute(&mut events, &order);
            crate::sort::permute(&mut raw, &order);
        }
        Visitor { events, raw }
    }

    /// Adds the events of `other` that this state does not already hold: how two tabs'
    /// states meet without losing either's events. Says whether anything was added and
    /// whether `other` (as stored) is behind this state.
    ///
    /// Two events are the same recording when both have ids and the ids are equal: the
    /// tag gives every event an id unique to the page that recorded it, because two tabs
    /// can record the same event in the same millisecond (the same page opened twice) and
    /// both count. Without an id on either side (state written before ids), the same value
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
            if r.value.is_empty() {
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
                    self.push_slot(e, r);
                }
            }
        }
        // Events without a value are never stored, so `other` cannot lack them.
        m.behind |= seen
            .iter()
            .zip(&self.raw)
            .any(|(s, r)| !s && !r.value.is_empty());
        m
    }

    /// The held event that `e` (stored as `slot`) is the same recording as, by the rules
    /// on [`Visitor::merge`]. Only events with the same `ts` are compared.
    fn find_same(&self, e: &Event, slot: &Slot) -> Option<usize> {
        let from = self.events.partition_point(|x| x.ts < e.ts);
        let n = self.events[from..]
            .iter()
            .take_while(|x| x.ts == e.ts)
            .count();
        // Comparing URLs reads both values: bounded per event, so hostile state of
        // thousands of id-less page views in one millisecond is not a quadratic read.
        let mut url_checks = 0;
        (from..from + n).find(|&i| {
            let held = &self.raw[i];
            if !slot.id.is_empty() && !held.id.is_empty() {
                return slot.id == held.id;
            }
            if held.value == slot.value {
                return true;
            }
            let both_views = slot.id.is_empty()
                && held.id.is_empty()
                && e.ty == PAGE_VIEW
                && self.events[i].ty == PAGE_VIEW
                && self.events[i].page == e.page;
            both_views && {
                url_checks += 1;
                url_checks <= MAX_URL_CHECKS && same_url(&held.value, &slot.value)
            }
        })
    }

    /// Replaces a page view this tab recorded (the same `id`) by a later reading of it;
    /// adds it when the old one is gone (pruned, or never recorded).
    pub fn update_page_view(&mut self, e: Event, value: &[u8], id: &str) {
        let slot = Slot::new(value, id);
        match self
            .find_same(&e, &slot)
            .filter(|&i| self.events[i].ty == PAGE_VIEW)
        {
            Some(i) => {
                self.events[i] = e;
                self.raw[i] = slot;
            }
            None => self.push_slot(e, slot),
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

/// Whether two events' values have the same `url`: id-less page views are readings of one
/// view only then (two pages of one category opened in one millisecond are two views).
fn same_url(a: &[u8], b: &[u8]) -> bool {
    let (Some(a), Some(b)) = (codec::read_value(a), codec::read_value(b)) else {
        return false;
    };
    matches!((a.get("url").and_then(|n| n.as_str()), b.get("url").and_then(|n| n.as_str())), (Some(x), Some(y)) if x == y)
}

/// The stored text of version 1, `{"v":1,"events":[…],"ids":[…]}`: what the command line,
/// the tests and earlier tags read and write. The tag's wasm reads and writes only the
/// binary form (it has no JSON reader; its JavaScript converts version 1 on first read).
#[cfg(feature = "std")]
impl Visitor {
    /// Adds an event with its JSON text (as `push`).
    pub fn push_text(&mut self, e: Event, text: &str) {
        let value = codec::from_json(text).unwrap_or_default();
        self.push(e, Some(&value));
    }

    /// `{"v":1,"events":[…],"ids":[…]}`: each event's value written as JSON and, at the
    /// same index, its id ("" when unknown; no `ids` when no event has one). Readers of
    /// version 1 that predate ids read `events` and ignore `ids`.
    pub fn to_text(&self) -> String {
        let mut out = String::from("{\"v\":1,\"events\":");
        self.write_events(&mut out, false);
        if self.raw.iter().any(|r| !r.id.is_empty()) {
            out.push_str(",\"ids\":");
            self.write_events(&mut out, true);
        }
        out.push('}');
        out
    }

    /// The stored events as a JSON array, each as recorded.
    pub fn events_text(&self) -> String {
        let mut out = String::new();
        self.write_events(&mut out, false);
        out
    }

    /// A JSON array of the stored events: their values, or their ids as strings.
    fn write_events(&self, out: &mut String, ids: bool) {
        out.push('[');
        for (i, r) in self.raw.iter().filter(|r| !r.value.is_empty()).enumerate() {
            if i > 0 {
                out.push(',');
            }
            if ids {
                json::write_str(out, &r.id);
            } else if let Some(node) = codec::read_value(&r.value) {
                json::write_value(out, &node.value);
            }
        }
        out.push(']');
    }

    /// Reads saved text (version 1). Events the rules no longer accept are dropped and
    /// returned as problems; the rest are kept, with their ids when `ids` lines up with
    /// `events` (an id that is not a short string is unknown, which only weakens how
    /// merges match it). A text that is not state at all is an error.
    pub fn from_text(set: &RuleSet, text: &str) -> Result<(Visitor, Vec<Error>), Error> {
        // Lenient about numbers: an event holding `1e400` is dropped on its own below,
        // rather than the whole state.
        let node = json::parse_lenient(text).map_err(|e| e.into_error(text))?;
        match node.get("v").and_then(|v| v.as_f64()) {
            Some(v) if v == STATE_VERSION as f64 => {}
            _ => {
                let kind =
                    crate::error::ErrorKind::InvalidValue("not leadscore state of a known version");
                return Err(Error::new(kind, "v"));
            }
        }
        let Some(Value::Arr(items)) = node.get("events").map(|n| &n.value) else {
            let kind = crate::error::ErrorKind::MissingField("events");
            return Err(Error::new(kind, "events"));
        };
        let ids = match node.get("ids").map(|n| &n.value) {
            Some(Value::Arr(ids)) if ids.len() == items.len() => ids.as_slice(),
            _ => &[],
        };
        let mut events = Vec::with_capacity(items.len());
        let mut raw = Vec::with_capacity(items.len());
        let mut dropped = Vec::new();
        for (i, item) in items.iter().enumerate() {
            match set.event(item) {
                Ok(e) => {
                    let id = ids.get(i).and_then(|n| n.as_str()).unwrap_or("");
                    events.push(e);
                    raw.push(Slot::new(&codec::encode(&item.value), id));
                }
                Err(mut e) => {
                    e.path = within(&at_index("events", i), &e.path);
                    dropped.push(e.at(text, item.at));
                }
            }
        }
        Ok((Visitor::sorted(events, raw), dropped))
    }
}
