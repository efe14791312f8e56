//! The server's exports (`leadscore/server` in the npm package, Node ≥ 20): rules read
//! once, then payloads verified and events scored, each answer as the JSON text the
//! `leadscore` command prints (`verify`, `score`, `check --json`) from the same writers,
//! so a form handler and the command can never disagree. Built with the playground's
//! wasm (it has `std`); the site tag does not carry it.

use super::js_error;
use super::scorer::js_errors;
use crate::error::Error;
use crate::events::Event;
use crate::json::{self, Node};
use crate::payload::{self, Check, Limits};
use crate::rules::RuleSet;
use wasm_bindgen::prelude::*;

/// A rule set read once, for any number of payloads.
#[wasm_bindgen]
pub struct ServerRules {
    set: RuleSet,
}

/// `NaN` stands for "not given" across the boundary (a number is cheaper than an Option).
fn given(n: f64) -> Option<f64> {
    Some(n).filter(|n| !n.is_nan())
}

fn limits(max_bytes: f64, max_events: f64, max_skew_ms: f64) -> Limits {
    Limits {
        max_bytes: max_bytes as usize,
        max_events: max_events as usize,
        max_skew_ms,
    }
}

#[wasm_bindgen]
impl ServerRules {
    /// Reads rules text; throws the first problem as an `Error` (code, path, line,
    /// column), with every problem under `problems`, as `leadscore check` lists them.
    #[wasm_bindgen(constructor)]
    pub fn new(text: &str) -> Result<ServerRules, JsValue> {
        RuleSet::from_text(text)
            .map(|set| ServerRules { set })
            .map_err(|e| js_errors(&e))
    }

    /// Reads a compiled rule set (`leadscore compile`, the file the site tag loads), so a
    /// form handler checks payloads against the very bytes its pages were given. Throws
    /// the code of what is wrong with them, as the tag reports it: `not_compiled`,
    /// `format_version`, `truncated`, `corrupt` or `bad_contents`.
    #[wasm_bindgen(js_name = fromCompiled)]
    pub fn from_compiled(bytes: &[u8]) -> Result<ServerRules, JsValue> {
        crate::compiled::decode(bytes)
            .map(|set| ServerRules { set })
            .map_err(|e| js_error(&e))
    }

    #[wasm_bindgen(getter)]
    pub fn version(&self) -> String {
        self.set.version.clone()
    }

    /// What `leadscore verify --json` prints for `payload` (JSON or base64url), as text.
    /// `clock` is the server's time; `now` (NaN: the payload's own time) when to compute
    /// the authoritative result. Throws what the command reports with exit code 2.
    pub fn verify(
        &self,
        payload: &str,
        clock: f64,
        now: f64,
        max_bytes: f64,
        max_events: f64,
        max_skew_ms: f64,
    ) -> Result<String, JsValue> {
        let check = Check {
            clock,
            now: given(now),
            limits: limits(max_bytes, max_events, max_skew_ms),
        };
        payload::verify(&self.set, payload, &check)
            .map(|v| v.to_json())
            .map_err(|mut e| {
                if !payload.trim_start().starts_with('{') {
                    (e.line, e.column) = (0, 0); // a place in the decoded text is none here
                }
                js_error(&e)
            })
    }

    /// Scores one visitor's events: a JSON array (`leadscore.events()`) or a payload (JSON
    /// or base64url, scored as of its own time unless `now` is given). Returns
    /// `{"result":…,"skipped":[problem,…]}` as text: `result` is what `leadscore score`
    /// prints, `skipped` the events it reports on stderr and leaves out.
    pub fn score(
        &self,
        input: &str,
        now: f64,
        clock: f64,
        max_bytes: f64,
        max_events: f64,
    ) -> Result<String, JsValue> {
        let limits = limits(max_bytes, max_events, 0.0);
        payload::check_size(input.len(), &limits).map_err(|e| js_error(&e))?;
        let mut skipped = String::new();
        let (mut events, ts) =
            read_input(&self.set, input, &limits, &mut skipped).map_err(|e| js_error(&e))?;
        crate::events::sort(&mut events);
        let at = given(now).or(ts).unwrap_or(clock);
        let result = crate::engine::score(&self.set, &events, at).to_json(None);
        Ok(["{\"result\":", &result, ",\"skipped\":[", &skipped, "]}"].concat())
    }
}

/// What `leadscore check --json` prints for a rules text; never throws.
#[wasm_bindgen(js_name = checkRules)]
pub fn check_rules(text: &str) -> String {
    let problems = RuleSet::from_text(text).err().unwrap_or_default();
    let items: Vec<String> = problems.iter().map(Error::to_json).collect();
    let ok = if problems.is_empty() { "true" } else { "false" };
    ["{\"ok\":", ok, ",\"problems\":[", &items.join(","), "]}"].concat()
}

/// The events of an array or a payload, and the payload's time; each event the rules do
/// not accept is appended to `skipped` as a problem, as `leadscore score` reports it.
fn read_input(
    set: &RuleSet,
    input: &str,
    limits: &Limits,
    skipped: &mut String,
) -> Result<(Vec<Event>, Option<f64>), Error> {
    if input.trim_start().starts_with('[') {
        let node = json::read(input)?;
        let events = read_events(set, &node, "", input, limits, skipped)?;
        return Ok((events, None));
    }
    let text = payload::json_text(input)?;
    let base64 = !input.trim_start().starts_with('{');
    let node = json::read(&text).map_err(|mut e| {
        if base64 {
            (e.line, e.column) = (0, 0);
        }
        e
    })?;
    let ts = node
        .get("ts")
        .and_then(Node::as_f64)
        .filter(|t| t.is_finite());
    // Positions only where they point into what the caller sent.
    let at = if base64 { "" } else { &text };
    let events = read_events(set, &node, "events", at, limits, skipped)?;
    Ok((events, ts))
}

/// The events under `key` of `node` (`node` itself when `key` is empty), within the limit;
/// the refused ones go into `skipped` as JSON.
fn read_events(
    set: &RuleSet,
    node: &Node,
    key: &str,
    text: &str,
    limits: &Limits,
    skipped: &mut String,
) -> Result<Vec<Event>, Error> {
    set.events_array(node, key, text, limits.max_events, &mut |e| {
        if !skipped.is_empty() {
            skipped.push(',');
        }
        skipped.push_str(&e.to_json());
    })
}
