//! The playground's History view: the same backtest as `leadscore backtest`, fed in chunks
//! by a web worker (so the page stays responsive and can show progress), with the report
//! handed back as the command's JSON; and the points `leadscore suggest` would suggest for
//! the live rules on the same visitors. Playground build only.

use super::js_problem;
use crate::backtest::{self, Comparison, Options, Report, SuggestOptions, Target};
use crate::batch::LineReader;
use crate::events::Event;
use crate::outcomes::{self, OutcomeRow};
use crate::rules::RuleSet;
use js_sys::Array;
use std::collections::HashMap;
use wasm_bindgen::prelude::*;

/// Every visitor's events, read with the live rules and, when one is pinned, with the
/// challenger's (each rule set has its own tracking plan): the same visitors at the same
/// positions in both lists. Put in the backtest's order in place (by visitor, each journey
/// by time, line order on ties), never copied: 2 million events are a lot to copy.
#[derive(Default)]
struct Journeys {
    live: Vec<(String, Vec<Event>)>,
    /// Empty without a challenger.
    other: Vec<(String, Vec<Event>)>,
    at: HashMap<String, usize>,
    ordered: bool,
}

impl Journeys {
    fn push(&mut self, visitor: &str, live: Option<Event>, other: Option<Event>, two: bool) {
        let i = match self.at.get(visitor) {
            Some(&i) => i,
            None => {
                self.at.insert(visitor.to_string(), self.live.len());
                self.live.push((visitor.to_string(), Vec::new()));
                if two {
                    self.other.push((visitor.to_string(), Vec::new()));
                }
                self.live.len() - 1
            }
        };
        self.live[i].1.extend(live);
        if two {
            self.other[i].1.extend(other);
        }
        self.ordered = false;
    }

    /// The order `leadscore backtest` reads journeys in. The sort is stable, so events
    /// added after an earlier ordering still follow the lines read before them on ties.
    fn order(&mut self) {
        if self.ordered {
            return;
        }
        for list in [&mut self.live, &mut self.other] {
            list.sort_unstable_by(|a, b| a.0.cmp(&b.0));
            for (_, events) in list.iter_mut() {
                crate::events::sort(events);
            }
        }
        self.at = (self.live.iter().enumerate())
            .map(|(i, (v, _))| (v.clone(), i))
            .collect();
        self.ordered = true;
    }
}

#[wasm_bindgen]
pub struct History {
    live: RuleSet,
    /// The live rules as written: a suggestion edits this text.
    live_text: String,
    challenger: Option<RuleSet>,
    journeys: Journeys,
    outcomes: Vec<OutcomeRow>,
    lines: u32,
    skipped: u32,
}

#[wasm_bindgen]
impl History {
    /// Throws an `Error` (code, path, line, column) when either rules text is invalid.
    #[wasm_bindgen(constructor)]
    pub fn new(rules: &str, challenger: Option<String>) -> Result<History, JsValue> {
        let read = |t: &str| RuleSet::from_text(t).map_err(|e| super::js_error(&e[0]));
        Ok(History {
            live: read(rules)?,
            live_text: rules.to_string(),
            challenger: challenger.as_deref().map(read).transpose()?,
            journeys: Journeys::default(),
            outcomes: Vec::new(),
            lines: 0,
            skipped: 0,
        })
    }

    /// Reads whole JSON lines of events (each with a `visitor`); returns the lines read.
    /// Each rule set reads a line with its own tracking plan, as the command does, through
    /// the command's batch reader (typed, no JSON tree for the common line).
    #[wasm_bindgen(js_name = addEvents)]
    pub fn add_events(&mut self, chunk: &str) -> u32 {
        let mut live = LineReader::new(&self.live);
        let mut other = self.challenger.as_ref().map(LineReader::new);
        let two = other.is_some();
        let mut n = 0;
        for line in chunk.lines().filter(|l| !l.trim().is_empty()) {
            n += 1;
            let a = live.read(line).ok();
            let b = other.as_mut().and_then(|r| r.read(line).ok());
            let visitor = match (&a, &b) {
                (Some((v, _)), _) | (None, Some((v, _))) => v.to_string(),
                (None, None) => {
                    self.skipped += 1;
                    continue;
                }
            };
            self.journeys
                .push(&visitor, a.map(|x| x.1), b.map(|x| x.1), two);
        }
        self.lines += n;
        n
    }

    /// `addEvents` on UTF-8 bytes, as read from a file: whole lines (cut at a newline, which
    /// never falls inside a character); bytes that are not UTF-8 read as U+FFFD, as the
    /// browser's `TextDecoder` would have read them. Saves decoding to a JavaScript string
    /// and encoding it back into the wasm's memory.
    #[wasm_bindgen(js_name = addEventBytes)]
    pub fn add_event_bytes(&mut self, bytes: &[u8]) -> u32 {
        self.add_events(&String::from_utf8_lossy(bytes))
    }

    /// Reads the outcomes CSV; returns its problems (rows with one are skipped).
    pub fn outcomes(&mut self, csv: &str) -> Array {
        let (rows, errors) = outcomes::read_csv(csv);
        self.outcomes = rows;
        errors.iter().map(js_problem).collect()
    }

    #[wasm_bindgen(getter)]
    pub fn skipped(&self) -> u32 {
        self.skipped
    }

    /// Event lines read (skipped ones included).
    #[wasm_bindgen(getter)]
    pub fn lines(&self) -> u32 {
        self.lines
    }

    /// The report as `leadscore backtest --json` prints it (with `--challenger` when one
    /// is pinned).
    pub fn report(&mut self) -> String {
        self.journeys.order();
        let live = &self.journeys.live;
        let options = Options::default();
        let months = backtest::months_spanned(live);
        let judged = backtest::judge(&self.live, live, &self.outcomes, &options);
        let report = Report::new(&self.live, &judged, months);
        match &self.challenger {
            None => report.to_json(),
            Some(set) => {
                let other = &self.journeys.other;
                let judged_c = backtest::judge(set, other, &self.outcomes, &options);
                let c = Report::new(set, &judged_c, months);
                Comparison::new(report, c, &judged, &judged_c).to_json()
            }
        }
    }

    /// The suggestion for the live rules as `leadscore suggest --json` prints it (the same
    /// defaults; `leadsPerMonth` or `precision` place the top band as the command's options
    /// do). Throws an `Error` with code `nothing_to_fit` when the data carry no signal.
    pub fn suggest(
        &mut self,
        leads_per_month: Option<f64>,
        precision: Option<f64>,
    ) -> Result<String, JsValue> {
        let target = match (leads_per_month, precision) {
            (Some(n), _) if n.is_finite() && n >= 0.0 => Target::LeadsPerMonth(n),
            (_, Some(p)) if (0.0..=1.0).contains(&p) => Target::Precision(p),
            _ => Target::KeepVolumes,
        };
        let so = SuggestOptions {
            target,
            ..Default::default()
        };
        self.journeys.order();
        backtest::suggest(
            &self.live_text,
            &self.live,
            &self.journeys.live,
            &self.outcomes,
            &Options::default(),
            &so,
        )
        .map(|s| s.to_json())
        .map_err(|why| {
            let err = js_sys::Error::new(&why);
            let _ = js_sys::Reflect::set(&err, &"code".into(), &"nothing_to_fit".into());
            err.into()
        })
    }
}
