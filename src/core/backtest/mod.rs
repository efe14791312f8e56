//! Backtests: score every visitor as of just before their CRM outcome (so nothing that
//! happened after the conversion leaks into the score being judged) and measure how well
//! the score, its bands and each rule separate converters from the rest.
//!
//! Pure like the engine: journeys and outcomes in, a [`Report`] out. The command line,
//! and later other surfaces, only read files and print.

mod metrics;
mod report;
mod suggest;

pub use metrics::{auc, Report};
pub use report::Comparison;
pub use suggest::{suggest, SuggestOptions, Suggestion, Target};

use crate::prelude::*;
use core::sync::atomic::{AtomicBool, Ordering::Relaxed};

/// Visitor ids of a batch: FNV, not SipHash (see [`crate::batch::Fnv`]).
type HashMap<K, V> = crate::batch::FnvMap<K, V>;

use crate::events::Event;
use crate::explain::Outcome;
use crate::outcomes::OutcomeRow;
use crate::RuleSet;

/// When each visitor is judged.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum AsOf {
    /// Just before the visitor's first conversion (or, without one, their first outcome);
    /// visitors without an outcome time: the end of the data.
    FirstOutcome,
    /// Everybody as of this time (ms since the epoch); outcomes count whenever they came.
    At(f64),
}

#[derive(Debug, Clone)]
pub struct Options {
    /// Outcome values (lowercase) that count as a conversion.
    pub conversions: Vec<String>,
    pub as_of: AsOf,
    /// Threads that score visitors (natively; 1 in the browser). The results are the
    /// same bits whatever the count: each visitor is scored alone.
    pub threads: usize,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            conversions: crate::outcomes::DEFAULT_CONVERSIONS
                .iter()
                .map(|s| s.to_string())
                .collect(),
            as_of: AsOf::FirstOutcome,
            threads: 1,
        }
    }
}

/// One visitor as the backtest sees them: whether they converted, when they are judged,
/// and the result the rules gave them as of then (its numbers, band and fired rules by
/// index; names are left to the rules, see [`lean`]).
#[derive(Debug, Clone)]
pub struct Judged {
    pub visitor: String,
    pub account: Option<String>,
    pub converted: bool,
    /// The `now` the visitor was scored at.
    pub at: f64,
    pub result: Outcome,
}

/// What a visitor's outcome rows say: converted or not, the time to judge them at
/// (`None`: the end of the data), and their account.
#[derive(Debug, Default)]
struct Fate {
    converted: bool,
    first_conversion: Option<f64>,
    first_outcome: Option<f64>,
    account: Option<String>,
    /// Set when a visitor with events looked this fate up: the others are judged on no
    /// events. A flag, not a search of the journeys for each outcome's visitor (a tenth
    /// of a backtest's time at a million visitors, in string comparisons).
    looked_up: AtomicBool,
}

fn fates<'o>(outcomes: &'o [OutcomeRow], conversions: &[String]) -> HashMap<&'o str, Fate> {
    let mut map: HashMap<&str, Fate> = HashMap::default();
    let earliest = |slot: &mut Option<f64>, t: Option<f64>| {
        if let Some(t) = t {
            *slot = Some(slot.map_or(t, |s: f64| s.min(t)));
        }
    };
    for row in outcomes {
        let f = map.entry(row.visitor.as_str()).or_default();
        if conversions.contains(&row.outcome) {
            f.converted = true;
            earliest(&mut f.first_conversion, row.at);
        }
        earliest(&mut f.first_outcome, row.at);
        if f.account.is_none() {
            f.account = row.account.clone();
        }
    }
    map
}

/// The judging time of one visitor.
fn judging_time(fate: Option<&Fate>, as_of: AsOf, end: f64) -> f64 {
    match as_of {
        AsOf::At(t) => t,
        // One millisecond before the outcome: an event logged at the very moment of the
        // conversion (the demo form that created the meeting) is part of it, not a cause.
        AsOf::FirstOutcome => fate
            .and_then(|f| f.first_conversion.or(f.first_outcome))
            .map_or(end, |t| t - 1.0),
    }
}

/// Scores every visitor that has events or an outcome. `journeys` holds each visitor's
/// events in reading order (ts, log order on ties); a visitor with an outcome and no
/// events is judged on no events (score 0), as the rules would have seen them.
pub fn judge(
    set: &RuleSet,
    journeys: &[(String, Vec<Event>)],
    outcomes: &[OutcomeRow],
    options: &Options,
) -> Vec<Judged> {
    let fates = fates(outcomes, &options.conversions);
    let end = end_of_data(journeys);
    let mut out = Vec::with_capacity(journeys.len());
    out.extend(in_parallel(
        journeys,
        options.threads,
        |(visitor, events)| {
            let fate = fates.get(visitor.as_str());
            if let Some(f) = fate {
                f.looked_up.store(true, Relaxed);
            }
            judged(set, visitor, events, fate, options.as_of, end)
        },
    ));
    let mut without_events: Vec<_> = fates
        .iter()
        .filter(|(_, f)| !f.looked_up.load(Relaxed))
        .collect();
    without_events.sort_unstable_by(|a, b| a.0.cmp(b.0));
    for (visitor, fate) in without_events {
        out.push(judged(set, visitor, &[], Some(fate), options.as_of, end));
    }
    out
}

fn judged(
    set: &RuleSet,
    visitor: &str,
    events: &[Event],
    fate: Option<&Fate>,
    as_of: AsOf,
    end: f64,
) -> Judged {
    let at = judging_time(fate, as_of, end);
    Judged {
        visitor: visitor.to_string(),
        account: fate.and_then(|f| f.account.clone()),
        converted: fate.is_some_and(|f| f.converted),
        at,
        result: lean(crate::engine::score(set, events, at)),
    }
}

/// The result without the names the rules already hold (rules version, category and rule
/// names, the action): a report reads the numbers, the band and which rules fired (by
/// index), and a million visitors each keeping a dozen copies of the same short names was
/// most of a backtest's memory and a good share of its time.
fn lean(mut r: Outcome) -> Outcome {
    r.rules_version = String::new();
    r.action = None;
    for c in &mut r.categories {
        c.0 = String::new();
    }
    for x in &mut r.explain {
        x.rule = String::new();
        x.category = String::new();
    }
    r
}

/// `f` of every item, in order, computed by up to `threads` threads on contiguous parts.
#[cfg(not(target_arch = "wasm32"))]
pub fn in_parallel<T: Sync, R: Send>(
    items: &[T],
    threads: usize,
    f: impl Fn(&T) -> R + Sync,
) -> Vec<R> {
    let threads = threads.clamp(1, 64).min(items.len().max(1));
    if threads == 1 {
        return items.iter().map(&f).collect();
    }
    // Small parts taken in turn, so a thread that finishes early takes more; each result
    // written in its place, with no second copy of the results.
    const PART: usize = 1024;
    let mut out: Vec<Option<R>> = Vec::with_capacity(items.len());
    out.resize_with(items.len(), || None);
    let slots = std::sync::Mutex::new(out.chunks_mut(PART).zip(items.chunks(PART)));
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| loop {
                let next = slots.lock().map(|mut s| s.next());
                let Ok(Some((slots, items))) = next else {
                    return;
                };
                for (slot, item) in slots.iter_mut().zip(items) {
                    *slot = Some(f(item));
                }
            });
        }
    });
    out.into_iter()
        .map(|r| r.expect("a scoring thread panicked"))
        .collect()
}

/// In the browser there is one thread.
#[cfg(target_arch = "wasm32")]
pub fn in_parallel<T, R>(items: &[T], _threads: usize, f: impl Fn(&T) -> R) -> Vec<R> {
    items.iter().map(f).collect()
}

/// The time of the last event of all (0 without events): when visitors without an outcome
/// time are judged.
fn end_of_data(journeys: &[(String, Vec<Event>)]) -> f64 {
    let end = journeys
        .iter()
        .filter_map(|(_, events)| events.last().map(|e| e.ts))
        .fold(f64::NEG_INFINITY, f64::max);
    if end.is_finite() {
        end
    } else {
        0.0
    }
}

/// The months the data spans (first to last event), at least one: the denominator of
/// "leads per month".
pub fn months_spanned(journeys: &[(String, Vec<Event>)]) -> f64 {
    let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
    for (_, events) in journeys {
        if let (Some(a), Some(b)) = (events.first(), events.last()) {
            lo = lo.min(a.ts);
            hi = hi.max(b.ts);
        }
    }
    const MONTH_MS: f64 = 30.436_875 * 86_400_000.0;
    if hi > lo {
        ((hi - lo) / MONTH_MS).max(1.0)
    } else {
        1.0
    }
}

/// The accounts' report, when the rules have an `accounts` section and some visitor has an
/// account: what `leadscore backtest` reports beside the contacts'.
pub fn accounts_report(
    set: &RuleSet,
    journeys: &[(String, Vec<Event>)],
    rows: &[OutcomeRow],
    options: &Options,
    months: f64,
) -> Option<Report> {
    let cfg = set.accounts.as_ref()?;
    let judged = judge_accounts(set, cfg, journeys, rows, options);
    (!judged.is_empty()).then(|| Report::accounts(set, &cfg.bands, &judged, months))
}

/// `leadscore backtest --json` without a challenger: the contacts' report, with the
/// accounts' report as its `accounts` member when there is one.
pub fn report_json(contacts: &Report, accounts: Option<&Report>) -> String {
    let text = contacts.to_json();
    match accounts {
        None => text,
        Some(a) => {
            let body = text.strip_suffix('}').unwrap_or(&text);
            [body, ",\"accounts\":", &a.to_json(), "}"].concat()
        }
    }
}

/// Accounts judged like contacts: an account converts when any of its contacts does, and
/// is judged just before its first conversion (without one: at the end of the data), with
/// every contact scored as of that moment. A contact's account is the outcomes' `account`
/// column, else the account trait. The result's score and band are the account's.
pub fn judge_accounts(
    set: &RuleSet,
    cfg: &crate::rules::Accounts,
    journeys: &[(String, Vec<Event>)],
    outcomes: &[OutcomeRow],
    options: &Options,
) -> Vec<Judged> {
    let fates = fates(outcomes, &options.conversions);
    let end = end_of_data(journeys);
    let mut members: Vec<(String, usize)> = journeys
        .iter()
        .enumerate()
        .filter_map(|(i, (v, events))| {
            let column = fates.get(v.as_str()).and_then(|f| f.account.clone());
            let account =
                column.or_else(|| crate::accounts::trait_value(events, &cfg.trait_name, end))?;
            Some((account, i))
        })
        .collect();
    members.sort();
    let mut out = Vec::new();
    for group in members.chunk_by(|a, b| a.0 == b.0) {
        let fate = |i: usize| fates.get(journeys[i].0.as_str());
        let converted = group
            .iter()
            .any(|&(_, i)| fate(i).is_some_and(|f| f.converted));
        let at = match options.as_of {
            AsOf::At(t) => t,
            AsOf::FirstOutcome => {
                group
                    .iter()
                    .filter_map(|&(_, i)| fate(i).and_then(|f| f.first_conversion))
                    .fold(f64::INFINITY, f64::min)
                    .min(end + 1.0)
                    - 1.0
            }
        };
        let results: Vec<Outcome> = group
            .iter()
            .map(|&(_, i)| crate::engine::score(set, &journeys[i].1, at))
            .collect();
        let contacts: Vec<crate::accounts::Contact> = group
            .iter()
            .zip(&results)
            .map(|(&(_, i), result)| crate::accounts::Contact {
                visitor: &journeys[i].0,
                result,
                role: cfg
                    .role_trait
                    .as_deref()
                    .and_then(|t| crate::accounts::trait_value(&journeys[i].1, t, at)),
            })
            .collect();
        let a = crate::accounts::roll_up(cfg, &group[0].0, &contacts);
        out.push(Judged {
            visitor: a.account.clone(),
            account: Some(a.account),
            converted,
            at,
            result: Outcome {
                score: a.score,
                categories: Vec::new(),
                band: a.band,
                action: a.action,
                disqualified: a.disqualified,
                rules_version: set.version.clone(),
                explain: Vec::new(),
                band_index: None,
            },
        });
    }
    out
}
