//! Which stored events some rule can still count: the exact pruning behind bounded state.
//!
//! Re-scoring reads every kept event with every rule, so an event kept for one rule also
//! takes part in the others' walks (cooldowns restart on it, sequences chain through it).
//! Hence two stages: each rule first keeps what it needs on its own; then each rule's
//! *signature* (everything its result at `now` or later depends on) is computed on the
//! kept events and compared with the full log's, and a rule that differs keeps more, until
//! all agree. Keeping more never breaks agreement for good, and at worst a rule keeps all
//! its relevant events, so this ends, and ends exact.

use crate::prelude::*;

use super::UNCAPPED_KEEP;
use crate::events::Event;
use crate::occurrences::{candidates, completions, counted, counted_within, matches, Index};
use crate::rules::{Rule, RuleSet, When, DAY_MS, IDENTIFY};

/// What a rule's result at `now` or later depends on, in original event indices.
#[derive(PartialEq, Debug)]
enum Signature {
    /// `withinDays`: every candidate still inside the window (its walk restarts as the
    /// window moves).
    Window(Vec<usize>),
    /// No window: the counted occurrences that score (the last one also carries the
    /// cooldown into the future), after the first `skipFirst` counted ones (which decide
    /// that later ones score).
    Walk(Vec<usize>),
    /// A sequence: its completions as above, plus the open partial chains' starts.
    Sequence {
        occurrences: Box<Signature>,
        open: Vec<Option<f64>>,
    },
    None,
}

pub(super) fn needed(set: &RuleSet, ev: &[Event], now: f64) -> Vec<bool> {
    let upto = ev.partition_point(|e| e.ts <= now);
    // Events not yet read at `now` may all count later.
    let mut keep: Vec<bool> = (0..ev.len()).map(|i| i >= upto).collect();
    keep_trait_setters(ev, upto, &mut keep);
    let all: Vec<usize> = (0..ev.len()).collect();
    let index = Index::new(set, ev, now);
    let full: Vec<Signature> = set
        .rules
        .iter()
        .map(|r| signature(r, ev, &index, &all, now))
        .collect();
    for (rule, sig) in set.rules.iter().zip(&full) {
        first_choice(rule, sig, ev, upto, &mut keep);
    }
    for _ in 0..32 {
        let map: Vec<usize> = (0..ev.len()).filter(|&i| keep[i]).collect();
        let sub: Vec<Event> = map.iter().map(|&i| ev[i].clone()).collect();
        let sub_index = Index::new(set, &sub, now);
        let mut changed = false;
        for (rule, want) in set.rules.iter().zip(&full) {
            if signature(rule, &sub, &sub_index, &map, now) != *want {
                escalate(rule, want, ev, upto, now, &mut keep);
                changed = true;
            }
        }
        if !changed {
            return keep;
        }
    }
    // Not reached in practice; keeping every relevant event is always exact.
    for rule in &set.rules {
        for (i, e) in ev[..upto].iter().enumerate() {
            keep[i] |= relevant(rule, e);
        }
    }
    keep
}

/// Identify: the last event that set each trait key decides the final traits.
fn keep_trait_setters(ev: &[Event], upto: usize, keep: &mut [bool]) {
    // Every setting in reading order with its event, then the last of each key.
    let mut settings = Vec::new();
    let mut setter = Vec::new();
    for (i, e) in ev[..upto]
        .iter()
        .enumerate()
        .filter(|(_, e)| e.ty == IDENTIFY)
    {
        for (k, v) in e.traits() {
            settings.push((k.as_str(), v));
            setter.push(i);
        }
    }
    for j in crate::engine::last_per_key(&settings) {
        keep[setter[j]] = true;
    }
}

/// The signature of `rule` over `events` (a subsequence of the log; `map` gives each one's
/// index in the full log).
fn signature(rule: &Rule, events: &[Event], index: &Index, map: &[usize], now: f64) -> Signature {
    let occurrences = |occ: Vec<usize>| -> Signature {
        match rule.within_days {
            Some(w) => {
                let inside: Vec<usize> = occ
                    .into_iter()
                    .filter(|&i| (now - events[i].ts) / DAY_MS <= w)
                    .map(|i| map[i])
                    .collect();
                // With no cooldown every candidate in the window counts, so only the
                // newest `maxCount` can ever score, whatever the window drops later
                // (unless `skipFirst` counts the older ones).
                let skip = match rule.max_count {
                    Some(m) if rule.cooldown_minutes == 0.0 && rule.skip_first == 0 => {
                        inside.len().saturating_sub(m)
                    }
                    _ => 0,
                };
                Signature::Window(inside[skip..].to_vec())
            }
            None => {
                let hits = counted(rule, events, &occ, now);
                let tail = hits.len().saturating_sub(UNCAPPED_KEEP);
                let skipped = skipped(rule, events, &occ, now);
                Signature::Walk(
                    skipped
                        .iter()
                        .chain(&hits[tail..])
                        .map(|&i| map[i])
                        .collect(),
                )
            }
        }
    };
    match &rule.when {
        When::Traits(_) => Signature::None,
        When::Event(_) => occurrences(candidates(rule, events, index)),
        When::Sequence {
            steps,
            max_span_days,
        } => {
            let upto = events.partition_point(|e| e.ts <= now);
            let (done, open) = completions(steps, *max_span_days, events, upto);
            Signature::Sequence {
                occurrences: Box::new(occurrences(done.iter().map(|c| c.last()).collect())),
                open: open.iter().map(|o| o.map(|(start, _)| start)).collect(),
            }
        }
    }
}

/// What a rule keeps on its own: the occurrences in its signature, with the whole chain of
/// each sequence completion and of each open partial chain.
fn first_choice(rule: &Rule, sig: &Signature, ev: &[Event], upto: usize, keep: &mut [bool]) {
    match (sig, &rule.when) {
        (Signature::Window(occ) | Signature::Walk(occ), When::Event(_)) => {
            occ.iter().for_each(|&i| keep[i] = true);
        }
        (
            Signature::Sequence { occurrences, .. },
            When::Sequence {
                steps,
                max_span_days,
            },
        ) => {
            let (done, open) = completions(steps, *max_span_days, ev, upto);
            let wanted = match occurrences.as_ref() {
                Signature::Window(o) | Signature::Walk(o) => o.as_slice(),
                _ => &[],
            };
            for c in done.iter().filter(|c| wanted.contains(&c.last())) {
                c.indices().iter().for_each(|&i| keep[i as usize] = true);
            }
            for (_, c) in open.iter().flatten() {
                c.indices().iter().for_each(|&i| keep[i as usize] = true);
            }
        }
        _ => {}
    }
}

/// A rule whose view of the kept events differs from the full log keeps more.
fn escalate(rule: &Rule, want: &Signature, ev: &[Event], upto: usize, now: f64, keep: &mut [bool]) {
    match &rule.when {
        When::Traits(_) => {}
        When::Event(c) => {
            let index_all: Vec<usize> = (0..upto).filter(|&i| matches(c, &ev[i])).collect();
            match want {
                // Windowed: keep every candidate inside the window.
                Signature::Window(_) => {
                    for &i in &index_all {
                        if rule
                            .within_days
                            .is_some_and(|w| (now - ev[i].ts) / DAY_MS <= w)
                        {
                            keep[i] = true;
                        }
                    }
                }
                // The walk restarts on the earliest kept candidate: keep every counted
                // occurrence from the last one at or before it, so the walk is the same.
                // The first `skipFirst` counted ones are kept anyway, so they do not
                // count as that earliest one.
                _ => {
                    let all_counted = counted_within(rule, ev, &index_all, now, None);
                    let prefix = &all_counted[..rule.skip_first.min(all_counted.len())];
                    prefix.iter().for_each(|&i| keep[i] = true);
                    let first_kept = index_all
                        .iter()
                        .copied()
                        .find(|&i| keep[i] && !prefix.contains(&i));
                    let from = first_kept
                        .and_then(|f| all_counted.iter().rposition(|&c| c <= f))
                        .unwrap_or(0);
                    all_counted[from..].iter().for_each(|&i| keep[i] = true);
                }
            }
        }
        When::Sequence {
            steps,
            max_span_days,
        } => {
            // Cut at a completion (its walk state is empty there) before every kept step
            // event, and keep every step event after it: the walk from there is the same.
            let (done, _) = completions(steps, *max_span_days, ev, upto);
            let is_step = |e: &Event| relevant(rule, e);
            let first_kept = (0..upto)
                .find(|&i| keep[i] && is_step(&ev[i]))
                .unwrap_or(upto);
            let cut = done
                .iter()
                .map(|c| c.last())
                .rfind(|&last| last < first_kept);
            let from = cut.map_or(0, |c| c + 1);
            for i in from..upto {
                if is_step(&ev[i]) {
                    keep[i] = true;
                }
            }
        }
    }
}

/// The first `skipFirst` counted occurrences (they score nothing but decide what does).
fn skipped(rule: &Rule, events: &[Event], occ: &[usize], now: f64) -> Vec<usize> {
    if rule.skip_first == 0 {
        return Vec::new();
    }
    let mut all = counted_within(rule, events, occ, now, None);
    all.truncate(rule.skip_first);
    all
}

/// Whether `e` matches the rule's event condition or one of its sequence steps.
fn relevant(rule: &Rule, e: &Event) -> bool {
    rule.event_conds().iter().any(|c| matches(c, e))
}
