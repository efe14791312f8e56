//! Scoring: events and `now` in, an explained [`Outcome`] out. Pure: the same rules, events
//! and `now` give the same bits on every platform.

use crate::prelude::*;

use crate::conditions::{Field, Val};
use crate::decay;
use crate::events::Event;
use crate::explain::{Explained, Outcome};
use crate::json::Owned;
use crate::occurrences::{candidates, counted, Index};
use crate::rules::{Rule, RuleSet, When, IDENTIFY};

/// Scores `events` (any order; read in `ts` order, log order on ties) as of `now`.
pub fn score(set: &RuleSet, events: &[Event], now: f64) -> Outcome {
    if events.windows(2).all(|w| w[0].ts <= w[1].ts) {
        score_sorted(set, events, now)
    } else {
        let mut sorted = events.to_vec();
        crate::events::sort(&mut sorted);
        score_sorted(set, &sorted, now)
    }
}

/// The final value of trait `key` in `events` (in reading order): from the last identify
/// with `ts ≤ now` that sets it.
/// Looked up per traits condition, so the cost is the events' traits times the rules' few
/// conditions: an identify with 100,000 traits (hostile input) is a scan, not a quadratic
/// merge of keys no rule reads.
pub fn final_trait<'e>(events: &'e [Event], now: f64, key: &str) -> Option<&'e Owned> {
    final_trait_of(identifies(events, now).map(|i| &events[i]), key)
}

/// The indices of the identifies with `ts ≤ now`, newest first (`events` in reading order).
fn identifies(events: &[Event], now: f64) -> impl Iterator<Item = usize> + '_ {
    let upto = events.partition_point(|e| e.ts <= now);
    (0..upto).rev().filter(|&i| events[i].ty == IDENTIFY)
}

/// [`final_trait`] over identifies given newest first: the first that sets `key`.
fn final_trait_of<'e>(
    newest_first: impl Iterator<Item = &'e Event>,
    key: &str,
) -> Option<&'e Owned> {
    newest_first
        .flat_map(|e| e.traits().iter().find(|(k, _)| k == key))
        .map(|(_, v)| v)
        .next()
}

/// Indices of the last item of each key, in key order.
pub(crate) fn last_per_key(items: &[(&str, &Owned)]) -> Vec<usize> {
    let order = crate::sort::index_by(items.len(), &|i| items[i].0);
    (0..order.len())
        .filter(|&j| {
            j + 1 == order.len() || items[order[j] as usize].0 != items[order[j + 1] as usize].0
        })
        .map(|j| order[j] as usize)
        .collect()
}

/// Scores events already in reading order (as a [`crate::Visitor`] keeps them).
pub(crate) fn score_sorted(set: &RuleSet, events: &[Event], now: f64) -> Outcome {
    tally_sorted(set, events, now).outcome(set)
}

/// [`score_sorted`] as a [`Tally`].
pub(crate) fn tally_sorted(set: &RuleSet, events: &[Event], now: f64) -> Tally {
    let index = Index::new(set, events, now);
    tally_with(set, events, now, &|_, rule| {
        candidates(rule, events, &index)
    })
}

/// A score as numbers and indices, before any name is copied into an [`Outcome`]: what
/// the site tag hands to its page (it has the names already), without an allocation per
/// rule that counted.
#[derive(Debug, Clone, PartialEq)]
pub struct Tally {
    pub score: f64,
    /// Category totals after clamping, in the document's order.
    pub categories: Vec<f64>,
    pub disqualified: bool,
    /// Position of the band in the rules' bands (`None`: none, or disqualified).
    pub band_index: Option<usize>,
    /// Per rule that counted, in document order: (rule index, count, points).
    pub hits: Vec<(usize, usize, f64)>,
}

/// The score, given where each event or sequence rule's occurrences come from (`cands`:
/// rule index and rule → the candidates among `events` with `ts ≤ now`, in order): walked
/// afresh through an [`Index`], or kept across calls by [`crate::matched::Matched`]. One
/// loop for both, so both give the same bits.
pub(crate) fn tally_with(
    set: &RuleSet,
    events: &[Event],
    now: f64,
    cands: &dyn Fn(usize, &Rule) -> Vec<usize>,
) -> Tally {
    let mut totals = vec![0.0f64; set.categories.len()];
    let mut hits = Vec::new();
    let mut disqualified = false;
    // Found once for every traits condition, at the first (none without traits rules):
    // each reads only the identifies, not every event again (a dozen traits rules walked
    // the whole visitor a dozen times per score).
    let mut found: Option<Vec<usize>> = None;
    for (rule_index, rule) in set.rules.iter().enumerate() {
        let (count, points) = match &rule.when {
            When::Traits(conds) => {
                let identifies = found.get_or_insert_with(|| identifies(events, now).collect());
                let all = conds.iter().all(|c| {
                    let Field::Trait(key) = &c.field else {
                        return false;
                    };
                    let newest_first = identifies.iter().map(|&i| &events[i]);
                    let v = final_trait_of(newest_first, key).map(Val::Json);
                    c.holds(v)
                });
                if all {
                    (1, rule.points)
                } else {
                    (0, 0.0)
                }
            }
            _ => {
                let hits = counted(rule, events, &cands(rule_index, rule), now);
                let points = hits.iter().fold(0.0, |sum, &i| {
                    sum + rule.points * decay::factor(now, events[i].ts, rule.half_life_days)
                });
                (hits.len(), points)
            }
        };
        if count == 0 {
            continue;
        }
        totals[rule.category] += points;
        disqualified |= rule.disqualify;
        hits.push((rule_index, count, points));
    }
    let mut score = 0.0;
    for (c, total) in set.categories.iter().zip(totals.iter_mut()) {
        *total = total.max(c.min).min(c.max);
        score += *total;
    }
    let band_index = if disqualified {
        None
    } else {
        set.bands
            .iter()
            .position(|b| b.min.is_none_or(|m| m <= score))
    };
    Tally {
        score,
        categories: totals,
        disqualified,
        band_index,
        hits,
    }
}

impl Tally {
    /// The result with its names, as every surface but the tag's hand-over reports it.
    pub fn outcome(self, set: &RuleSet) -> Outcome {
        let band = self.band_index.map(|i| &set.bands[i]);
        let names = set.categories.iter().map(|c| c.name.clone());
        Outcome {
            score: self.score,
            categories: names.zip(self.categories).collect(),
            band: if self.disqualified {
                Some("disqualified".to_string())
            } else {
                band.map(|b| b.name.clone())
            },
            action: band.and_then(|b| b.action.clone()),
            disqualified: self.disqualified,
            rules_version: set.version.clone(),
            explain: self
                .hits
                .into_iter()
                .map(|(index, count, points)| {
                    let rule = &set.rules[index];
                    Explained {
                        index,
                        rule: rule.id.clone(),
                        category: set.categories[rule.category].name.clone(),
                        count,
                        points,
                    }
                })
                .collect(),
            band_index: self.band_index,
        }
    }
}
