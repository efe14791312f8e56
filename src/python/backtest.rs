//! `rules.backtest(...)`: the library's backtest on Arrow events and outcomes, composed as
//! `leadscore backtest --json` composes it (the contacts' report, the accounts' report
//! when the rules have the section, or the comparison with a challenger).

use super::columns::{self, column, visitor_at, Problem};
use crate::error::Error;
use crate::json::Value;
use crate::outcomes::{parse_time, OutcomeRow};
use crate::{Event, RuleSet};
use arrow_array::RecordBatch;
use leadscore::backtest::{self, AsOf, Comparison, Options, Report};

pub fn options(as_of: Option<f64>, conversions: Option<Vec<String>>, threads: usize) -> Options {
    let mut o = Options {
        threads: threads.max(1),
        as_of: as_of.map_or(AsOf::FirstOutcome, AsOf::At),
        ..Options::default()
    };
    if let Some(list) = conversions {
        o.conversions = list
            .iter()
            .map(|s| s.trim().to_ascii_lowercase())
            .filter(|s| !s.is_empty())
            .collect();
    }
    o
}

type Owned = Vec<(String, Vec<Event>)>;

fn owned(set: &RuleSet, batches: &[RecordBatch]) -> Result<(Owned, Vec<Problem>), String> {
    let (journeys, problems) = columns::journeys(set, batches)?;
    let journeys = journeys
        .into_iter()
        .map(|(v, e)| (v.into_owned(), e))
        .collect();
    Ok((journeys, problems))
}

/// The report as JSON text, and the event rows the live rules refused.
pub fn run(
    live: &RuleSet,
    challenger: Option<&RuleSet>,
    batches: &[RecordBatch],
    rows: &[OutcomeRow],
    options: &Options,
) -> Result<(String, Vec<Problem>), String> {
    let (journeys, problems) = owned(live, batches)?;
    let months = backtest::months_spanned(&journeys);
    let judged = backtest::judge(live, &journeys, rows, options);
    let report = Report::new(live, &judged, months);
    let json = match challenger {
        None => {
            let accounts = backtest::accounts_report(live, &journeys, rows, options, months);
            backtest::report_json(&report, accounts.as_ref())
        }
        Some(set) => {
            // The challenger may declare other event types: its own reading of the events.
            let (journeys_c, _) = owned(set, batches)?;
            let judged_c = backtest::judge(set, &journeys_c, rows, options);
            let other = Report::new(set, &judged_c, months);
            Comparison::new(report, other, &judged, &judged_c).to_json()
        }
    };
    Ok((json, problems))
}

/// Outcome rows from Arrow columns `visitor`, `outcome` (required), `at` (ms, a timestamp
/// or ISO 8601 text) and `account`; a row's `line` is its 1-based position.
pub fn outcome_rows(batches: &[RecordBatch]) -> Result<(Vec<OutcomeRow>, Vec<Error>), String> {
    use crate::error::ErrorKind;
    let (mut rows, mut bad) = (Vec::new(), Vec::new());
    let mut row0 = 0;
    for batch in batches {
        let visitor = column(batch, "visitor")?.ok_or("outcomes: no column \"visitor\"")?;
        let outcome = column(batch, "outcome")?.ok_or("outcomes: no column \"outcome\"")?;
        let at = column(batch, "at")?;
        let account = column(batch, "account")?;
        for i in 0..batch.num_rows() {
            let line = (row0 + i + 1) as u32;
            let mut fail = |e: Error| {
                let mut e = e;
                e.line = line;
                e.column = 1;
                bad.push(e);
            };
            let v = match visitor_at(&visitor, i) {
                Ok(v) => v.into_owned(),
                Err(e) => {
                    fail(e);
                    continue;
                }
            };
            let Some(Value::Str(o)) = outcome.value(i) else {
                fail(Error::new(ErrorKind::MissingField("outcome"), "outcome"));
                continue;
            };
            let when = match at.as_ref().and_then(|c| c.value(i)) {
                None => None,
                Some(Value::Num(ms)) if ms.is_finite() => Some(ms),
                Some(Value::Str(s)) if s.trim().is_empty() => None,
                Some(Value::Str(s)) => match parse_time(&s) {
                    Some(t) => Some(t),
                    None => {
                        let why = "must be ISO 8601 (2026-11-03T10:00:00Z), a date or milliseconds";
                        fail(Error::new(ErrorKind::InvalidValue(why), "at"));
                        continue;
                    }
                },
                Some(_) => {
                    fail(Error::new(ErrorKind::InvalidValue("must be a time"), "at"));
                    continue;
                }
            };
            let account = match account.as_ref().and_then(|c| c.value(i)) {
                Some(Value::Str(s)) if !s.trim().is_empty() => Some(s.into_owned()),
                _ => None,
            };
            rows.push(OutcomeRow {
                visitor: v,
                outcome: o.trim().to_ascii_lowercase(),
                at: when,
                account,
                line,
            });
        }
        row0 += batch.num_rows();
    }
    Ok((rows, bad))
}
