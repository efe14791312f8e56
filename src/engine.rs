//! Scoring: events and `now` in, an explained [`Outcome`] out. Pure: the same rules, events
//! and `now` give the same bits on every platform.

use crate::prelude::*;

use crate::conditions::{Field, Val};
use crate::decay;
use crate::events::Event;
use crate::explain::{Explained, Outcome};
use crate::json::Owned;
use crate::occurrences::{candidates, counted, Index};
use crate::rules::{RuleSet, When, IDENTIFY};

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

/// The final value of each trait a rule reads: every identify with `ts ≤ now`, later ones
/// overriding earlier. Only the keys in `read` are kept, so the merge costs the events'
/// traits times the rules' few keys: an identify with 100,000 traits (hostile input) is
/// one pass, not a quadratic merge of keys no rule looks at.
pub fn traits<'e>(read: &[&str], events: &'e [Event], now: f64) -> Vec<(&'e str, &'e Owned)> {
    let mut out: Vec<(&str, &Owned)> = Vec::new();
    for e in events.iter().take_while(|e| e.ts <= now) {
        if e.ty != IDENTIFY {
            continue;
        }
        for (k, v) in e
            .traits()
            .iter()
            .filter(|(k, _)| read.contains(&k.as_str()))
        {
            match out.iter_mut().find(|(n, _)| n == k) {
                Some(slot) => slot.1 = v,
                None => out.push((k, v)),
            }
        }
    }
    out
}

/// The trait keys the rules' traits conditions read.
fn trait_keys(set: &RuleSet) -> Vec<&str> {
    let mut keys: Vec<&str> = Vec::new();
    for rule in &set.rules {
        if let When::Traits(conds) = &rule.when {
            for c in conds {
                if let Field::Trait(key) = &c.field {
                    if !keys.contains(&key.as_str()) {
                        keys.push(key);
                    }
                }
            }
        }
    }
    keys
}

/// Scores events already in reading order (as a [`crate::Visitor`] keeps them).
pub(crate) fn score_sorted(set: &RuleSet, events: &[Event], now: f64) -> Outcome {
    let traits = traits(&trait_keys(set), events, now);
    let index = Index::new(set, events, now);
    let mut totals = vec![0.0f64; set.categories.len()];
    let mut explain = Vec::new();
    let mut disqualified = false;
    for (rule_index, rule) in set.rules.iter().enumerate() {
        let (count, points) = match &rule.when {
            When::Traits(conds) => {
                let all = conds.iter().all(|c| {
                    let Field::Trait(key) = &c.field else {
                        return false;
                    };
                    let v = traits
                        .iter()
                        .find(|(k, _)| k == key)
                        .map(|(_, v)| Val::Json(v));
                    c.holds(v)
                });
                if all {
                    (1, rule.points)
                } else {
                    (0, 0.0)
                }
            }
            _ => {
                let cands = candidates(rule, events, &index);
                let hits = counted(rule, events, &cands, now);
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
        explain.push(Explained {
            index: rule_index,
            rule: rule.id.clone(),
            category: set.categories[rule.category].name.clone(),
            count,
            points,
        });
    }
    let mut score = 0.0;
    let mut categories = Vec::with_capacity(totals.len());
    for (c, total) in set.categories.iter().zip(totals) {
        let v = total.max(c.min).min(c.max);
        score += v;
        categories.push((c.name.clone(), v));
    }
    let band_index = if disqualified {
        None
    } else {
        set.bands
            .iter()
            .position(|b| b.min.is_none_or(|m| m <= score))
    };
    let band = band_index.map(|i| &set.bands[i]);
    Outcome {
        score,
        categories,
        band: if disqualified {
            Some("disqualified".to_string())
        } else {
            band.map(|b| b.name.clone())
        },
        action: band.and_then(|b| b.action.clone()),
        disqualified,
        rules_version: set.version.clone(),
        explain,
        band_index,
    }
}
