//! The playground's History view: the same backtest as `leadscore backtest`, fed in chunks
//! by a web worker (so the page stays responsive and can show progress), with the report
//! handed back as the command's JSON. Playground build only.

use super::js_problem;
use crate::backtest::{self, Comparison, Options, Report};
use crate::events::Event;
use crate::json::{self, Value};
use crate::outcomes::{self, OutcomeRow};
use crate::rules::RuleSet;
use js_sys::Array;
use std::collections::HashMap;
use wasm_bindgen::prelude::*;

/// One visitor's events, read with the live rules and, when one is pinned, the challenger's
/// (each rule set has its own tracking plan).
type Journeys = HashMap<String, (Vec<Event>, Vec<Event>)>;

#[wasm_bindgen]
pub struct History {
    live: RuleSet,
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
            challenger: challenger.as_deref().map(read).transpose()?,
            journeys: HashMap::new(),
            outcomes: Vec::new(),
            lines: 0,
            skipped: 0,
        })
    }

    /// Reads whole JSON lines of events (each with a `visitor`); returns the lines read.
    #[wasm_bindgen(js_name = addEvents)]
    pub fn add_events(&mut self, chunk: &str) -> u32 {
        let mut n = 0;
        for line in chunk.lines().filter(|l| !l.trim().is_empty()) {
            n += 1;
            if !self.add_line(line) {
                self.skipped += 1;
            }
        }
        self.lines += n;
        n
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

    /// The report as `leadscore backtest --json` prints it (with `--challenger` when one
    /// is pinned).
    pub fn report(&self) -> String {
        let mut live: Vec<(String, Vec<Event>)> = Vec::with_capacity(self.journeys.len());
        let mut other: Vec<(String, Vec<Event>)> = Vec::new();
        let mut ids: Vec<&String> = self.journeys.keys().collect();
        ids.sort_unstable();
        for id in ids {
            let (a, b) = &self.journeys[id];
            let sorted = |v: &Vec<Event>| {
                let mut v = v.clone();
                crate::events::sort(&mut v);
                v
            };
            live.push((id.clone(), sorted(a)));
            if self.challenger.is_some() {
                other.push((id.clone(), sorted(b)));
            }
        }
        let options = Options::default();
        let months = backtest::months_spanned(&live);
        let judged = backtest::judge(&self.live, &live, &self.outcomes, &options);
        let report = Report::new(&self.live, &judged, months);
        match &self.challenger {
            None => report.to_json(),
            Some(set) => {
                let judged_c = backtest::judge(set, &other, &self.outcomes, &options);
                let c = Report::new(set, &judged_c, months);
                Comparison::new(report, c, &judged, &judged_c).to_json()
            }
        }
    }
}

impl History {
    fn add_line(&mut self, line: &str) -> bool {
        let Ok(node) = json::read(line) else {
            return false;
        };
        let visitor = match node.get("visitor").map(|v| &v.value) {
            Some(Value::Str(s)) if !s.is_empty() => s.to_string(),
            _ => return false,
        };
        // Each rule set reads the line with its own tracking plan, as the command does.
        let live = self.live.event(&node).ok();
        let other = self
            .challenger
            .as_ref()
            .and_then(|set| set.event(&node).ok());
        if live.is_none() && other.is_none() {
            return false;
        }
        let slot = self.journeys.entry(visitor).or_default();
        slot.0.extend(live);
        slot.1.extend(other);
        true
    }
}
