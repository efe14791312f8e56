//! From events to counted occurrences: which events match a condition, where sequences
//! complete, and which occurrences count once `withinDays`, cooldowns and `maxCount` apply.
//!
//! Every function takes events sorted by `ts` (log order on ties) and works on indices into
//! that slice, so the state's compaction can reuse exactly the walks the score uses.

use crate::prelude::*;

use crate::conditions::{Field, Val};
use crate::events::Event;
use crate::pages::lower;
use crate::rules::{EventCond, Rule, RuleSet, When, DAY_MS, MAX_STEPS};

/// Whether one event satisfies an event condition (a rule's `when` or a sequence step).
pub fn matches(c: &EventCond, e: &Event) -> bool {
    e.dwell_ms >= c.min_dwell_ms && matches_besides_dwell(c, e)
}

/// [`matches`] but for `minDwellSeconds`: what a page view still reading may yet satisfy.
pub fn matches_besides_dwell(c: &EventCond, e: &Event) -> bool {
    if e.ty != c.event {
        return false;
    }
    if c.page.is_some() && e.page != c.page {
        return false;
    }
    if let Some(g) = &c.form {
        match e.form() {
            Some(f) if g.matches(&lower(f)) => {}
            _ => return false,
        }
    }
    c.conds.iter().all(|cond| {
        let v = match &cond.field {
            Field::Url => e.url().map(Val::Str),
            Field::Form => e.form().map(Val::Str),
            Field::Page => e
                .page
                .and_then(|p| c.page_names.as_ref()?.get(p as usize))
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
/// Returns the completions and, per step i < k−1, `s[i]` with a chain achieving it.
pub fn completions(
    steps: &[EventCond],
    max_span_days: f64,
    events: &[Event],
    upto: usize,
) -> (Vec<Chain>, Vec<Option<(f64, Chain)>>) {
    completions_over(steps, max_span_days, events, 0..upto)
}

/// [`completions`] over the events at `order` (ascending indices); events that match no
/// step can be left out, which changes nothing.
pub fn completions_over(
    steps: &[EventCond],
    max_span_days: f64,
    events: &[Event],
    order: impl Iterator<Item = usize>,
) -> (Vec<Chain>, Vec<Option<(f64, Chain)>>) {
    let k = steps.len();
    let mut open: [Option<(f64, Chain)>; MAX_STEPS] = [None; MAX_STEPS];
    let mut done = Vec::new();
    'events: for idx in order {
        let e = &events[idx];
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
    (done, open[..k - 1].to_vec())
}

/// Events with `ts ≤ now`, bucketed by type and by (type, page category) with a stable
/// counting sort, so an event rule walks only the events that can match it, in order.
pub struct Index {
    pages: usize,
    by_type: Vec<u32>,
    type_at: Vec<u32>,
    by_key: Vec<u32>,
    key_at: Vec<u32>,
}

impl Index {
    pub fn new(set: &RuleSet, events: &[Event], now: f64) -> Index {
        let upto = events.partition_point(|e| e.ts <= now);
        // One slot per page category plus one for events without a URL.
        let pages = set.page_names.len() + 1;
        let types = set.event_types.len();
        let key = |e: &Event| e.ty as usize * pages + e.page.map_or(pages - 1, usize::from);
        let bucket = |n: usize, k: &dyn Fn(&Event) -> usize| {
            let mut at = vec![0u32; n + 1];
            for e in &events[..upto] {
                at[k(e) + 1] += 1;
            }
            for i in 0..n {
                at[i + 1] += at[i];
            }
            let mut next = at.clone();
            let mut order = vec![0u32; upto];
            for (i, e) in events[..upto].iter().enumerate() {
                let slot = &mut next[k(e)];
                order[*slot as usize] = i as u32;
                *slot += 1;
            }
            (order, at)
        };
        let (by_type, type_at) = bucket(types, &|e| e.ty as usize);
        let (by_key, key_at) = bucket(types * pages, &key);
        Index {
            pages,
            by_type,
            type_at,
            by_key,
            key_at,
        }
    }

    /// Indices of the events that have the condition's type (and page, if it names one).
    fn bucket(&self, c: &EventCond) -> &[u32] {
        let t = c.event as usize;
        match c.page {
            Some(p) => {
                let k = t * self.pages + p as usize;
                &self.by_key[self.key_at[k] as usize..self.key_at[k + 1] as usize]
            }
            None => &self.by_type[self.type_at[t] as usize..self.type_at[t + 1] as usize],
        }
    }
}

/// Indices of the occurrences of `rule` (matching events, or completing events of a
/// sequence) among events with `ts ≤ now`, in order, before any counting.
pub fn candidates(rule: &Rule, events: &[Event], index: &Index) -> Vec<usize> {
    match &rule.when {
        When::Event(c) => {
            // Sized once: a filtered collect grows step by step, and this runs for every
            // rule each time the tag reads the score.
            let bucket = index.bucket(c);
            let mut out = Vec::with_capacity(bucket.len());
            for &i in bucket {
                if matches(c, &events[i as usize]) {
                    out.push(i as usize);
                }
            }
            out
        }
        When::Sequence {
            steps,
            max_span_days,
        } => {
            // Only events that can match some step, in order: the union of the steps'
            // buckets.
            let buckets = steps.iter().map(|s| index.bucket(s));
            sequence_ends(steps, *max_span_days, events, buckets)
        }
        When::Traits(_) => Vec::new(),
    }
}

/// Where a sequence completes, walking only the events in `lists` (one per step, each a
/// superset of the events that can match that step).
pub(crate) fn sequence_ends<'a>(
    steps: &[EventCond],
    max_span_days: f64,
    events: &[Event],
    lists: impl Iterator<Item = &'a [u32]>,
) -> Vec<usize> {
    // Merged by marking (no sort: it would cost the browser build ~3 KB).
    let mut mark = vec![false; events.len()];
    for list in lists {
        for &i in list {
            mark[i as usize] = true;
        }
    }
    let order = (0..events.len()).filter(|&i| mark[i]);
    completions_over(steps, max_span_days, events, order)
        .0
        .iter()
        .map(Chain::last)
        .collect()
}

/// The occurrences that score among `candidates`: inside `withinDays`, outside the
/// cooldown of the previous counted one, past the first `skipFirst` counted ones, and only
/// the most recent `maxCount`.
pub fn counted(rule: &Rule, events: &[Event], candidates: &[usize], now: f64) -> Vec<usize> {
    let mut out = counted_within(rule, events, candidates, now, None);
    out.drain(..rule.skip_first.min(out.len()));
    if let Some(m) = rule.max_count {
        if out.len() > m {
            out.drain(..out.len() - m);
        }
    }
    out
}

/// Every counted occurrence (the cooldown walk inside `withinDays`, nothing skipped), then
/// only the most recent `max_count` (`None`: every one).
pub fn counted_within(
    rule: &Rule,
    events: &[Event],
    candidates: &[usize],
    now: f64,
    max_count: Option<usize>,
) -> Vec<usize> {
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
    if let Some(m) = max_count {
        if out.len() > m {
            out.drain(..out.len() - m);
        }
    }
    out
}
