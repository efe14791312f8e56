//! Which events each event condition of the rules matches, kept across the scores of one
//! visitor whose events grow: the site tag scores after every event, and matching (page
//! categories, globs over URLs, forms and props) was most of a score's cost although only
//! the new event needed it.
//!
//! A [`Matched`] remembers the events it matched and, on each score, re-matches only from
//! the first event that is not the same one (`Event::same_besides_dwell`): appending
//! matches one event, a compaction or an insert re-matches from there. Matches are kept
//! without `minDwellSeconds`, which is checked at each score, so a page view read for
//! longer does not re-match it. The score is [`crate::engine::score_with`], the loop the
//! plain score runs, over the same candidates in the same order: the same bits.

use crate::prelude::*;

use crate::engine::{tally_sorted, tally_with, Tally};
use crate::events::Event;
use crate::explain::Outcome;
use crate::occurrences::{matches_besides_dwell, sequence_ends};
use crate::rules::{RuleSet, When};

/// The matches of one visitor's events under one rule set (its owner's: a `Matched` is
/// never shared between rule sets).
#[derive(Debug, Clone, Default)]
pub struct Matched {
    /// The events matched so far (copies: they share the events' texts).
    seen: Vec<Event>,
    /// Per event condition (each event rule's `when`, each step of each sequence, in rule
    /// order), the indices into `seen` of the events it matches but for dwell, ascending.
    lists: Vec<Vec<u32>>,
    /// Per rule, its first condition's place in `lists`.
    first: Vec<usize>,
}

impl Matched {
    /// Scores `events` (in reading order, as a [`crate::Visitor`] keeps them) as of `now`,
    /// re-matching only what changed since the last call.
    pub fn score(&mut self, set: &RuleSet, events: &[Event], now: f64) -> Outcome {
        self.tally(set, events, now).outcome(set)
    }

    /// [`Matched::score`] as numbers and indices (the site tag's result).
    pub fn tally(&mut self, set: &RuleSet, events: &[Event], now: f64) -> Tally {
        // Events after `now` are not read at all; the plain score handles that case.
        if events.last().is_some_and(|e| e.ts > now) {
            return tally_sorted(set, events, now);
        }
        self.update(set, events);
        let (lists, first) = (&self.lists, &self.first);
        tally_with(set, events, now, &|i, rule| match &rule.when {
            When::Event(c) => {
                // Sized once: a filtered collect would grow it step by step, every score.
                let list = &lists[first[i]];
                let mut out = Vec::with_capacity(list.len());
                let long_enough = |&i: &usize| events[i].dwell_ms >= c.min_dwell_ms;
                out.extend(list.iter().map(|&i| i as usize).filter(long_enough));
                out
            }
            When::Sequence {
                steps,
                max_span_days,
            } => {
                let mine = lists[first[i]..first[i] + steps.len()].iter();
                sequence_ends(steps, *max_span_days, events, mine.map(Vec::as_slice))
            }
            When::Traits(_) => Vec::new(),
        })
    }

    /// Forgets everything (the next score matches every event).
    pub fn clear(&mut self) {
        self.seen.clear();
        self.lists.clear();
        self.first.clear();
    }

    fn update(&mut self, set: &RuleSet, events: &[Event]) {
        if self.first.len() != set.rules.len() {
            self.clear();
            let mut slot = 0;
            for rule in &set.rules {
                self.first.push(slot);
                slot += rule.event_conds().len();
            }
            self.lists.resize(slot, Vec::new());
        }
        let same = self
            .seen
            .iter()
            .zip(events)
            .take_while(|(a, b)| a.same_besides_dwell(b))
            .count();
        self.seen.truncate(same);
        for list in &mut self.lists {
            list.truncate(list.partition_point(|&i| (i as usize) < same));
        }
        for (i, e) in events.iter().enumerate().skip(same) {
            let conds = set.rules.iter().flat_map(|r| r.event_conds());
            for (slot, c) in conds.enumerate() {
                if matches_besides_dwell(c, e) {
                    self.lists[slot].push(i as u32);
                }
            }
            self.seen.push(e.clone());
        }
    }
}
