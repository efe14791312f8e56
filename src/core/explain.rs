//! The result of scoring (contract §3) and how it explains itself: every rule that counted,
//! how often, and the points it gave before its category's clamp; and, for the tag's debug
//! panel, why each other rule has not scored yet ([`pending`]).

use crate::prelude::*;

use crate::events::Event;
use crate::occurrences::{matches, matches_besides_dwell};
use crate::rules::{RuleSet, When};

use serde::ser::{Serialize, SerializeMap, SerializeStruct, Serializer};

#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    pub score: f64,
    /// Category totals after clamping, in the document's order.
    pub categories: Vec<(String, f64)>,
    pub band: Option<String>,
    pub action: Option<String>,
    pub disqualified: bool,
    pub rules_version: String,
    pub explain: Vec<Explained>,
    /// Position of `band` in the rules' bands (`None` when there is none or when
    /// disqualified): how the tag's wasm refers to it without sending the name.
    pub band_index: Option<usize>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Explained {
    /// Position of the rule in the rules document.
    pub index: usize,
    pub rule: String,
    pub category: String,
    pub count: usize,
    pub points: f64,
}

impl Outcome {
    /// The result as one line of JSON, keys in the contract's order; `visitor` first when given.
    #[cfg(feature = "std")]
    pub fn to_json(&self, visitor: Option<&str>) -> String {
        use crate::json::{write_num, write_str};
        let mut o = String::with_capacity(256);
        o.push('{');
        if let Some(v) = visitor {
            o.push_str("\"visitor\":");
            write_str(&mut o, v);
            o.push(',');
        }
        o.push_str("\"score\":");
        write_num(&mut o, self.score);
        o.push_str(",\"categories\":{");
        for (i, (name, v)) in self.categories.iter().enumerate() {
            if i > 0 {
                o.push(',');
            }
            write_str(&mut o, name);
            o.push(':');
            write_num(&mut o, *v);
        }
        o.push_str("},\"band\":");
        opt_str(&mut o, self.band.as_deref());
        o.push_str(",\"action\":");
        opt_str(&mut o, self.action.as_deref());
        o.push_str(",\"disqualified\":");
        o.push_str(if self.disqualified { "true" } else { "false" });
        o.push_str(",\"rulesVersion\":");
        write_str(&mut o, &self.rules_version);
        o.push_str(",\"explain\":[");
        for (i, x) in self.explain.iter().enumerate() {
            if i > 0 {
                o.push(',');
            }
            o.push_str("{\"rule\":");
            write_str(&mut o, &x.rule);
            o.push_str(",\"category\":");
            write_str(&mut o, &x.category);
            o.push_str(",\"count\":");
            o.push_str(&x.count.to_string());
            o.push_str(",\"points\":");
            write_num(&mut o, x.points);
            o.push('}');
        }
        o.push_str("]}");
        o
    }
}

#[cfg(feature = "std")]
fn opt_str(o: &mut String, s: Option<&str>) {
    match s {
        Some(s) => crate::json::write_str(o, s),
        None => o.push_str("null"),
    }
}

/// Category totals serialise as a JSON object in document order.
struct Categories<'a>(&'a [(String, f64)]);

impl Serialize for Categories<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in self.0 {
            m.serialize_entry(k, v)?;
        }
        m.end()
    }
}

impl Serialize for Outcome {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut st = s.serialize_struct("Outcome", 7)?;
        st.serialize_field("score", &self.score)?;
        st.serialize_field("categories", &Categories(&self.categories))?;
        st.serialize_field("band", &self.band)?;
        st.serialize_field("action", &self.action)?;
        st.serialize_field("disqualified", &self.disqualified)?;
        st.serialize_field("rulesVersion", &self.rules_version)?;
        st.serialize_field("explain", &self.explain)?;
        st.end()
    }
}

impl Serialize for Explained {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut st = s.serialize_struct("Explained", 4)?;
        st.serialize_field("rule", &self.rule)?;
        st.serialize_field("category", &self.category)?;
        st.serialize_field("count", &(self.count as u32))?;
        st.serialize_field("points", &self.points)?;
        st.end()
    }
}

/// Why a rule has not scored (yet) as of some `now`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Pending {
    /// No event matches its condition.
    NoEvent,
    /// Events match but for `minDwellSeconds`: the longest dwell so far and the one needed.
    Dwell { best_ms: f64, need_ms: f64 },
    /// Matching events exist, but none counts (`withinDays`, a sequence's `maxSpanDays`).
    NotCounted,
    /// A sequence whose first `done` of `of` steps have matched, in order.
    Steps { done: usize, of: usize },
    /// A traits rule whose conditions do not hold.
    Traits,
}

/// For every rule that did not count in `scored` (the score of these `events`, in reading
/// order, at `now`): its index and why. Reads the rules' own conditions, so the debug panel
/// says exactly what the engine would need; only events with `ts <= now` are read.
pub fn pending(
    set: &RuleSet,
    events: &[Event],
    now: f64,
    scored: &Outcome,
) -> Vec<(usize, Pending)> {
    let seen = &events[..events.partition_point(|e| e.ts <= now)];
    let mut out = Vec::new();
    for (i, rule) in set.rules.iter().enumerate() {
        if scored.explain.iter().any(|x| x.index == i) {
            continue;
        }
        let why = match &rule.when {
            When::Traits(_) => Pending::Traits,
            When::Event(c) => {
                let mut best = -1.0f64;
                let mut any = false;
                for e in seen {
                    if matches_besides_dwell(c, e) {
                        any |= e.dwell_ms >= c.min_dwell_ms;
                        best = best.max(e.dwell_ms);
                    }
                }
                if best < 0.0 {
                    Pending::NoEvent
                } else if any {
                    Pending::NotCounted
                } else {
                    Pending::Dwell {
                        best_ms: best,
                        need_ms: c.min_dwell_ms,
                    }
                }
            }
            When::Sequence { steps, .. } => {
                let mut done = 0;
                for e in seen {
                    if done < steps.len() && matches(&steps[done], e) {
                        done += 1;
                    }
                }
                if done == steps.len() {
                    Pending::NotCounted
                } else {
                    Pending::Steps {
                        done,
                        of: steps.len(),
                    }
                }
            }
        };
        out.push((i, why));
    }
    out
}
