//! The playground's History view: the same backtest as `leadscore backtest`, fed in chunks
//! by a web worker (so the page stays responsive and can show progress), with the report
//! handed back as the command's JSON; and the points `leadscore suggest` would suggest for
//! the live rules on the same visitors. Playground build only.

use super::js_problem;
use crate::backtest::{self, Comparison, Options, Report, SuggestOptions, Target};
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

    /// Event lines read (skipped ones included).
    #[wasm_bindgen(getter)]
    pub fn lines(&self) -> u32 {
        self.lines
    }

    /// The report as `leadscore backtest --json` prints it (with `--challenger` when one
    /// is pinned).
    pub fn report(&self) -> String {
        let live = self.journeys(|j| &j.0);
        let options = Options::default();
        let months = backtest::months_spanned(&live);
        let judged = backtest::judge(&self.live, &live, &self.outcomes, &options);
        let report = Report::new(&self.live, &judged, months);
        match &self.challenger {
            None => report.to_json(),
            Some(set) => {
                let other = self.journeys(|j| &j.1);
                let judged_c = backtest::judge(set, &other, &self.outcomes, &options);
                let c = Report::new(set, &judged_c, months);
                Comparison::new(report, c, &judged, &judged_c).to_json()
            }
        }
    }

    /// The suggestion for the live rules as `leadscore suggest --json` prints it (the same
    /// defaults; `leadsPerMonth` or `precision` place the top band as the command's options
    /// do). Throws an `Error` with code `nothing_to_fit` when the data carry no signal.
    pub fn suggest(
        &self,
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
        let live = self.journeys(|j| &j.0);
        backtest::suggest(
            &self.live_text,
            &self.live,
            &live,
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

impl History {
    /// Every visitor's events (one side of the pair), sorted by visitor, each journey in
    /// reading order (time, then line): what the command's reader hands the backtest.
    fn journeys(
        &self,
        side: impl Fn(&(Vec<Event>, Vec<Event>)) -> &Vec<Event>,
    ) -> Vec<(String, Vec<Event>)> {
        let mut ids: Vec<&String> = self.journeys.keys().collect();
        ids.sort_unstable();
        ids.into_iter()
            .map(|id| {
                let mut v = side(&self.journeys[id]).clone();
                crate::events::sort(&mut v);
                (id.clone(), v)
            })
            .collect()
    }

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
