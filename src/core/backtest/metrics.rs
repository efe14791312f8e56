//! The measures of a backtest: conversion by band and by score decile, ROC AUC of the
//! score and of each category, precision and recall at each band's threshold, and how
//! often each rule fired among converters and among the rest.

use crate::prelude::*;

use super::Judged;
use crate::rules::Band;
use crate::RuleSet;

#[derive(Debug, Clone, PartialEq)]
pub struct Group {
    pub name: String,
    pub visitors: usize,
    pub conversions: usize,
    /// Conversion rate, `None` for an empty group.
    pub rate: Option<f64>,
    /// Rate over the base rate.
    pub lift: Option<f64>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Decile {
    pub group: Group,
    pub min_score: f64,
    pub max_score: f64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Threshold {
    pub band: String,
    pub min: f64,
    /// Visitors at or above `min` (not disqualified): the leads this band would send.
    pub leads: usize,
    pub precision: Option<f64>,
    pub recall: Option<f64>,
    pub leads_per_month: f64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct RuleStat {
    pub rule: String,
    pub category: String,
    pub fired_converters: usize,
    pub fired_others: usize,
    /// Share of converters / of the rest it fired for.
    pub rate_converters: Option<f64>,
    pub rate_others: Option<f64>,
    /// Conversion rate among the visitors it fired for, over the base rate.
    pub lift: Option<f64>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    pub rules_version: String,
    pub visitors: usize,
    pub conversions: usize,
    pub base_rate: Option<f64>,
    pub months: f64,
    /// ROC AUC of the score; `None` without both converters and others.
    pub auc: Option<f64>,
    pub category_auc: Vec<(String, Option<f64>)>,
    pub bands: Vec<Group>,
    pub deciles: Vec<Decile>,
    pub thresholds: Vec<Threshold>,
    pub rules: Vec<RuleStat>,
    pub never_fired: Vec<String>,
    /// The ROC curve, (false positive rate, true positive rate), at most ~100 points.
    pub roc: Vec<(f64, f64)>,
    /// Score histogram: 20 bins from the lowest to the highest score (disqualified
    /// visitors left out): (bin start, converters, others).
    pub distribution: Vec<(f64, usize, usize)>,
}

/// The value a visitor is ranked by: disqualified visitors rank below everyone, as they
/// are never sent to sales whatever their points.
pub(super) fn rank(j: &Judged) -> f64 {
    if j.result.disqualified {
        f64::NEG_INFINITY
    } else {
        j.result.score
    }
}

fn ratio(a: usize, b: usize) -> Option<f64> {
    (b > 0).then(|| a as f64 / b as f64)
}

impl Report {
    /// The report on contacts judged by the rules `set`.
    pub fn new(set: &RuleSet, judged: &[Judged], months: f64) -> Report {
        Report::build(&set.version, &set.bands, Some(set), judged, months)
    }

    /// The report on accounts (judged by [`super::judge_accounts`]) and their bands; no
    /// categories or rules of their own.
    pub fn accounts(set: &RuleSet, bands: &[Band], judged: &[Judged], months: f64) -> Report {
        Report::build(&set.version, bands, None, judged, months)
    }

    fn build(
        version: &str,
        band_list: &[Band],
        set: Option<&RuleSet>,
        judged: &[Judged],
        months: f64,
    ) -> Report {
        let visitors = judged.len();
        let conversions = judged.iter().filter(|j| j.converted).count();
        let base_rate = ratio(conversions, visitors);
        let group = |name: String, members: &mut dyn Iterator<Item = &Judged>| {
            let (mut n, mut c) = (0, 0);
            for j in members {
                n += 1;
                c += j.converted as usize;
            }
            let rate = ratio(c, n);
            Group {
                name,
                visitors: n,
                conversions: c,
                rate,
                lift: rate.zip(base_rate.filter(|b| *b > 0.0)).map(|(r, b)| r / b),
            }
        };
        let scored: Vec<(f64, bool)> = judged.iter().map(|j| (rank(j), j.converted)).collect();
        Report {
            rules_version: version.to_string(),
            visitors,
            conversions,
            base_rate,
            months,
            auc: auc(&scored),
            category_auc: set.map_or(Vec::new(), |s| category_auc(s, judged)),
            bands: bands(band_list, judged, &group),
            deciles: deciles(judged, &group),
            thresholds: thresholds(band_list, judged, conversions, months),
            rules: set.map_or(Vec::new(), |s| rule_stats(s, judged, base_rate)),
            never_fired: set.map_or(Vec::new(), |s| never_fired(s, judged)),
            roc: roc(&scored),
            distribution: distribution(judged),
        }
    }
}

type GroupFn<'a> = dyn Fn(String, &mut dyn Iterator<Item = &Judged>) -> Group + 'a;

fn bands(list: &[Band], judged: &[Judged], group: &GroupFn<'_>) -> Vec<Group> {
    let mut out: Vec<Group> = list
        .iter()
        .map(|b| {
            let name = Some(b.name.as_str());
            let mut members = judged
                .iter()
                .filter(|j| !j.result.disqualified && j.result.band.as_deref() == name);
            group(b.name.clone(), &mut members)
        })
        .collect();
    let mut dq = judged.iter().filter(|j| j.result.disqualified);
    let dq = group("disqualified".to_string(), &mut dq);
    if dq.visitors > 0 {
        out.push(dq);
    }
    let mut none = judged.iter().filter(|j| j.result.band.is_none());
    let none = group("(no band)".to_string(), &mut none);
    if none.visitors > 0 {
        out.push(none);
    }
    out
}

/// Ten groups of (nearly) equal size by score, highest first; ties broken by visitor id so
/// the split is the same on every run.
fn deciles(judged: &[Judged], group: &GroupFn<'_>) -> Vec<Decile> {
    let mut order: Vec<&Judged> = judged.iter().collect();
    order.sort_by(|a, b| {
        rank(b)
            .total_cmp(&rank(a))
            .then_with(|| a.visitor.cmp(&b.visitor))
    });
    let n = order.len();
    (0..10)
        .filter_map(|d| {
            let (from, to) = (n * d / 10, n * (d + 1) / 10);
            let part = order.get(from..to).filter(|p| !p.is_empty())?;
            let scores = part.iter().map(|j| j.result.score);
            let min_score = scores.clone().fold(f64::INFINITY, f64::min);
            let max_score = scores.fold(f64::NEG_INFINITY, f64::max);
            let mut members = part.iter().copied();
            let group = group((d + 1).to_string(), &mut members);
            Some(Decile {
                group,
                min_score,
                max_score,
            })
        })
        .collect()
}

fn thresholds(list: &[Band], judged: &[Judged], conversions: usize, months: f64) -> Vec<Threshold> {
    list.iter()
        .filter_map(|b| {
            let min = b.min?;
            let sent = judged
                .iter()
                .filter(|j| !j.result.disqualified && j.result.score >= min);
            let (leads, hits) = sent.fold((0, 0), |(n, c), j| (n + 1, c + j.converted as usize));
            Some(Threshold {
                band: b.name.clone(),
                min,
                leads,
                precision: ratio(hits, leads),
                recall: ratio(hits, conversions),
                leads_per_month: leads as f64 / months,
            })
        })
        .collect()
}

/// How many times rule `index` counted for a visitor.
fn fired(j: &Judged, index: usize) -> bool {
    j.result
        .explain
        .iter()
        .any(|x| x.index == index && x.count > 0)
}

fn rule_stats(set: &RuleSet, judged: &[Judged], base_rate: Option<f64>) -> Vec<RuleStat> {
    let converters = judged.iter().filter(|j| j.converted).count();
    let others = judged.len() - converters;
    let mut counts = vec![(0usize, 0usize); set.rules.len()];
    for j in judged {
        for x in &j.result.explain {
            if x.count > 0 {
                let slot = &mut counts[x.index];
                if j.converted {
                    slot.0 += 1;
                } else {
                    slot.1 += 1;
                }
            }
        }
    }
    set.rules
        .iter()
        .zip(counts)
        .map(|(r, (fc, fo))| RuleStat {
            rule: r.id.clone(),
            category: set.categories[r.category].name.clone(),
            fired_converters: fc,
            fired_others: fo,
            rate_converters: ratio(fc, converters),
            rate_others: ratio(fo, others),
            lift: ratio(fc, fc + fo)
                .zip(base_rate.filter(|b| *b > 0.0))
                .map(|(r, b)| r / b),
        })
        .collect()
}

fn never_fired(set: &RuleSet, judged: &[Judged]) -> Vec<String> {
    (0..set.rules.len())
        .filter(|&i| !judged.iter().any(|j| fired(j, i)))
        .map(|i| set.rules[i].id.clone())
        .collect()
}

fn category_auc(set: &RuleSet, judged: &[Judged]) -> Vec<(String, Option<f64>)> {
    (0..set.categories.len())
        .map(|c| {
            let scored: Vec<(f64, bool)> = judged
                .iter()
                .map(|j| (j.result.categories[c].1, j.converted))
                .collect();
            (set.categories[c].name.clone(), auc(&scored))
        })
        .collect()
}

fn distribution(judged: &[Judged]) -> Vec<(f64, usize, usize)> {
    let scores = || {
        judged
            .iter()
            .filter(|j| !j.result.disqualified)
            .map(|j| j.result.score)
    };
    let lo = scores().fold(f64::INFINITY, f64::min);
    let hi = scores().fold(f64::NEG_INFINITY, f64::max);
    if !(lo.is_finite() && hi.is_finite()) {
        return Vec::new();
    }
    const BINS: usize = 20;
    let width = ((hi - lo) / BINS as f64).max(f64::MIN_POSITIVE);
    let mut bins: Vec<(f64, usize, usize)> =
        (0..BINS).map(|i| (lo + width * i as f64, 0, 0)).collect();
    for j in judged.iter().filter(|j| !j.result.disqualified) {
        let i = (((j.result.score - lo) / width) as usize).min(BINS - 1);
        if j.converted {
            bins[i].1 += 1;
        } else {
            bins[i].2 += 1;
        }
    }
    bins
}

/// ROC AUC: the chance that a random converter outranks a random non-converter, ties
/// counting half (the Mann-Whitney U statistic over both group sizes). `None` unless both
/// groups are present.
pub fn auc(scored: &[(f64, bool)]) -> Option<f64> {
    let mut sorted: Vec<(f64, bool)> = scored.to_vec();
    sorted.sort_by(|a, b| a.0.total_cmp(&b.0));
    let positives = sorted.iter().filter(|x| x.1).count();
    let negatives = sorted.len() - positives;
    if positives == 0 || negatives == 0 {
        return None;
    }
    // For each run of tied scores: converters in it beat every non-converter below the
    // run, and half of those inside it.
    let (mut below, mut wins, mut i) = (0usize, 0.0f64, 0);
    while i < sorted.len() {
        let mut j = i;
        let (mut pos, mut neg) = (0usize, 0usize);
        while j < sorted.len() && sorted[j].0.total_cmp(&sorted[i].0).is_eq() {
            if sorted[j].1 {
                pos += 1;
            } else {
                neg += 1;
            }
            j += 1;
        }
        wins += pos as f64 * (below as f64 + neg as f64 / 2.0);
        below += neg;
        i = j;
    }
    Some(wins / (positives as f64 * negatives as f64))
}

/// The ROC curve from the highest score down, one point per distinct score, thinned to
/// about 100 points for charts.
fn roc(scored: &[(f64, bool)]) -> Vec<(f64, f64)> {
    let mut sorted: Vec<(f64, bool)> = scored.to_vec();
    sorted.sort_by(|a, b| b.0.total_cmp(&a.0));
    let p = sorted.iter().filter(|x| x.1).count();
    let n = sorted.len() - p;
    if p == 0 || n == 0 {
        return Vec::new();
    }
    let mut points = vec![(0.0, 0.0)];
    let (mut tp, mut fp) = (0usize, 0usize);
    for (i, x) in sorted.iter().enumerate() {
        if x.1 {
            tp += 1;
        } else {
            fp += 1;
        }
        let last_of_tie = sorted
            .get(i + 1)
            .is_none_or(|y| !y.0.total_cmp(&x.0).is_eq());
        if last_of_tie {
            points.push((fp as f64 / n as f64, tp as f64 / p as f64));
        }
    }
    let step = points.len().div_ceil(100).max(1);
    let last = points.len() - 1;
    points
        .into_iter()
        .enumerate()
        .filter(|(i, _)| i % step == 0 || *i == last)
        .map(|(_, pt)| pt)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auc_counts_ties_half() {
        assert_eq!(auc(&[(1.0, true), (0.0, false)]), Some(1.0));
        assert_eq!(auc(&[(0.0, true), (1.0, false)]), Some(0.0));
        assert_eq!(auc(&[(1.0, true), (1.0, false)]), Some(0.5));
        // 3 converters × 2 others: pairs won 1 + 1.5 + 2 = 4.5 of 6.
        let s = [
            (3.0, true),
            (2.0, true),
            (2.0, false),
            (1.0, true),
            (0.5, false),
        ];
        assert_eq!(auc(&s), Some(4.5 / 6.0));
        assert_eq!(auc(&[(1.0, true)]), None);
        assert_eq!(auc(&[(f64::NEG_INFINITY, true), (0.0, false)]), Some(0.0));
    }

    #[test]
    fn roc_runs_from_origin_to_corner() {
        let s = [(3.0, true), (2.0, false), (1.0, true)];
        assert_eq!(roc(&s), [(0.0, 0.0), (0.0, 0.5), (1.0, 0.5), (1.0, 1.0)]);
    }
}
