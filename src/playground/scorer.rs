//! The playground's export: validates rules with every problem listed and scores whole
//! journeys. In the playground's crate only, so the site tag does not carry it.

use super::{js_error, js_problem, set};
use crate::error::{at_index, within, Error, ErrorKind};
use crate::json::{self, Value};
use crate::rules::RuleSet;
use crate::state::Visitor;
use js_sys::{Array, Object};
use wasm_bindgen::prelude::*;

/// The first problem thrown as an `Error`, with all of them under `problems`.
pub(super) fn js_errors(errors: &[Error]) -> JsValue {
    let first = js_error(&errors[0]);
    let all: Array = errors.iter().map(js_problem).collect();
    set(&first, "problems", all.into());
    first
}

fn to_js<T: serde::Serialize>(v: &T) -> JsValue {
    v.serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .unwrap_or(JsValue::NULL)
}

#[wasm_bindgen]
pub struct Scorer {
    set: RuleSet,
}

#[wasm_bindgen]
impl Scorer {
    /// Throws an `Error` (code, path, line, column, problems) when the rules are invalid.
    #[wasm_bindgen(constructor)]
    pub fn new(rules: &str) -> Result<Scorer, JsValue> {
        RuleSet::from_text(rules)
            .map(|set| Scorer { set })
            .map_err(|e| js_errors(&e))
    }

    /// Every problem of a rules text as `{code, path, line, column, message}`; never throws.
    pub fn check(rules: &str) -> Array {
        match RuleSet::from_text(rules) {
            Ok(_) => Array::new(),
            Err(errors) => errors.iter().map(js_problem).collect(),
        }
    }

    #[wasm_bindgen(getter)]
    pub fn version(&self) -> String {
        self.set.version.clone()
    }

    /// Page category names declared by the rules (plus `other`).
    #[wasm_bindgen(js_name = pageCategories)]
    pub fn page_categories(&self) -> Array {
        self.set
            .page_names
            .iter()
            .map(|n| JsValue::from_str(n))
            .collect()
    }

    /// The page category of a URL under these rules (`other` when no pattern matches).
    #[wasm_bindgen(js_name = pageCategory)]
    pub fn page_category(&self, url: &str) -> String {
        self.set.page_names[self.set.classify(url) as usize].clone()
    }

    /// Event types the rules accept, as `[name, [props…]]` pairs.
    #[wasm_bindgen(js_name = eventTypes)]
    pub fn event_types(&self) -> Array {
        self.set
            .event_types
            .iter()
            .map(|(n, props)| {
                let p: Array = props.iter().map(|x| JsValue::from_str(x)).collect();
                JsValue::from(Array::of2(&n.as_str().into(), &p))
            })
            .collect()
    }

    /// Scores a JSON array of events as of `now`. Returns `{ result, rejected }` where
    /// `rejected` lists the events that were not valid (`index` plus the problem fields).
    pub fn score(&self, events: &str, now: f64) -> Result<JsValue, JsValue> {
        let node = json::read(events).map_err(|e| js_error(&e))?;
        let Value::Arr(items) = &node.value else {
            let kind = ErrorKind::WrongType {
                expected: "an array of events",
                found: node.value.kind(),
            };
            return Err(js_error(&Error::new(kind, "")));
        };
        let mut visitor = Visitor::default();
        let rejected = Array::new();
        for (i, item) in items.iter().enumerate() {
            match self.set.event(item) {
                Ok(e) => visitor.push(e, None),
                Err(mut e) => {
                    e.path = within(&at_index("", i), &e.path);
                    let p = js_problem(&e.at(events, item.at));
                    set(&p, "index", (i as u32).into());
                    rejected.push(&p);
                }
            }
        }
        let out = Object::new();
        set(&out, "result", to_js(&visitor.score(&self.set, now)));
        set(&out, "rejected", rejected.into());
        Ok(out.into())
    }
}
