//! From events to counted occurrences: which events match a condition, where sequences
//! complete, and which occurrences count once `withinDays`, cooldowns and `maxCount` apply.
//!
//! Every function takes events sorted by `ts` (log order on ties) and works on indices into
//! that slice, so the state's compaction can reuse exactly the walks the score uses.

use crate::conditions::{Field, Val};
use crate::events::Event;
use crate::pages::lower;
use crate::rules::{EventCond, Rule, When, DAY_MS, MAX_STEPS};

/// Whether one event satisfies an event condition (a rule's `when` or a sequence step).
pub fn matches(c: &EventCond, e: &Event) -> bool {
    if e.ty != c.event || e.dwell_ms < c.min_dwell_ms {
        return false;
    }
    if c.page.is_some() && e.page != c.page {
        return false;
    }
    if let Some(g) = &c.form {
        match &e.form {
            Some(f) if g.matches(&lower(f)) => {}
            _ => return false,
        }
    }
    c.conds.iter().all(|cond| {
        let v = match &cond.field {
            Field::Url => e.url.as_deref().map(Val::Str),
            Field::Form => e.form.as_deref().map(Val::Str),
            Field::Page => e
                .page
                .and_then(|p| c.page_names.get(p as usize))
                .map(|n| Val::Str(n.as_str())),
            Field::Prop(p) => e.prop(p).map(Val::Json),
            Field::Trait(_) => None,
        };
        cond.holds(v)
    })
}

/// A completed sequence: the indices of its events, step by step.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Chain {
    pub events: [u32; MAX_STEPS],
    pub len: u8,
}

impl Chain {
    pub fn last(&self) -> usize {
        self.events[self.len as usize - 1] as usize
    }
    pub fn indices(&self) -> &[u32] {
        &self.events[..self.len as usize]
    }
}

/// Sequence completions among `events[..upto]`, taken as early as possible (contract §1).
///
/// Besides `s[i]` (the latest start among partial chains through step i) we carry one
/// chain that achieves it, so compaction knows which events keep a partial chain alive.
/// Returns the completions and the open partial chains.
pub fn completions(
    steps: &[EventCond],
    max_span_days: f64,
    events: &[Event],
    upto: usize,
) -> (Vec<Chain>, Vec<Chain>) {
    let k = steps.len();
    let mut open: [Option<(f64, Chain)>; MAX_STEPS] = [None; MAX_STEPS];
    let mut done = Vec::new();
    'events: for (idx, e) in events[..upto].iter().enumerate() {
        for i in (1..k).rev() {
            let Some((start, chain)) = open[i - 1] else {
                continue;
            };
            if (e.ts - start) / DAY_MS > max_span_days || !matches(&steps[i], e) {
                continue;
            }
            let mut chain = chain;
            chain.events[i] = idx as u32;
            chain.len = i as u8 + 1;
            if i == k - 1 {
                done.push(chain);
                open = [None; MAX_STEPS];
                continue 'events;
            }
            if open[i].is_none_or(|(s, _)| start > s) {
                open[i] = Some((start, chain));
            }
        }
        if matches(&steps[0], e) {
            let mut chain = Chain {
                events: [0; MAX_STEPS],
                len: 1,
            };
            chain.events[0] = idx as u32;
            open[0] = Some((e.ts, chain));
        }
    }
    let partial = open[..k - 1].iter().flatten().map(|(_, c)| *c).collect();
    (done, partial)
}

/// Indices of the occurrences of `rule` (matching events, or completing events of a
/// sequence) among events with `ts ≤ now`, in order, before any counting.
pub fn candidates(rule: &Rule, events: &[Event], now: f64) -> Vec<usize> {
    let upto = events.partition_point(|e| e.ts <= now);
    match &rule.when {
        When::Event(c) => (0..upto).filter(|&i| matches(c, &events[i])).collect(),
        When::Sequence {
            steps,
            max_span_days,
        } => completions(steps, *max_span_days, events, upto)
            .0
            .iter()
            .map(Chain::last)
            .collect(),
        When::Traits(_) => Vec::new(),
    }
}

/// The counted occurrences among `candidates`: inside `withinDays`, outside the cooldown
/// of the previous counted one, and only the most recent `maxCount`.
pub fn counted(rule: &Rule, events: &[Event], candidates: &[usize], now: f64) -> Vec<usize> {
    let mut out: Vec<usize> = Vec::new();
    let mut last: Option<f64> = None;
    for &i in candidates {
        let ts = events[i].ts;
        if rule.within_days.is_some_and(|w| (now - ts) / DAY_MS > w) {
            continue;
        }
        if last.is_none_or(|l| (ts - l) / 60_000.0 >= rule.cooldown_minutes) {
            out.push(i);
            last = Some(ts);
        }
    }
    if let Some(m) = rule.max_count {
        if out.len() > m {
            out.drain(..out.len() - m);
        }
    }
    out
}
