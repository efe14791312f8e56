//! The browser binding, and the only module that knows wasm-bindgen, js-sys, web-sys and
//! gloo. It turns text from JavaScript into engine calls and engine values into JS values;
//! every core error becomes a real JS `Error` in one place, [`js_error`].

use crate::error::Error;
use crate::json::{self, Value};
use crate::rules::RuleSet;
use crate::state::Visitor;
use js_sys::{Array, Object, Reflect};
use wasm_bindgen::prelude::*;

mod tracker;

/// A core error as a JS `Error` carrying `code`, `path`, `line` and `column`.
pub(crate) fn js_error(e: &Error) -> JsValue {
    let err = js_sys::Error::new(&e.to_string());
    fill(&err, e);
    err.into()
}

/// The same fields on a plain object, for lists of problems.
pub(crate) fn js_problem(e: &Error) -> JsValue {
    let o = Object::new();
    fill(&o, e);
    let _ = Reflect::set(&o, &"message".into(), &e.message().into());
    o.into()
}

fn fill(target: &JsValue, e: &Error) {
    let set = |k: &str, v: JsValue| {
        let _ = Reflect::set(target, &k.into(), &v);
    };
    set("code", e.code().into());
    set("path", e.path.as_str().into());
    set(
        "line",
        if e.line > 0 {
            e.line.into()
        } else {
            JsValue::NULL
        },
    );
    set(
        "column",
        if e.line > 0 {
            e.column.into()
        } else {
            JsValue::NULL
        },
    );
}

/// The first problem thrown as an `Error`, with all of them under `problems`.
pub(crate) fn js_errors(errors: &[Error]) -> JsValue {
    let first = js_error(&errors[0]);
    let all: Array = errors.iter().map(js_problem).collect();
    let _ = Reflect::set(&first, &"problems".into(), &all);
    first
}

pub(crate) fn to_js<T: serde::Serialize>(v: &T) -> JsValue {
    v.serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .unwrap_or(JsValue::NULL)
}

#[wasm_bindgen(start)]
fn start() {
    console_error_panic_hook::set_once();
}

/// Validates rules and scores whole journeys; what the playground uses.
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
            let kind = crate::error::ErrorKind::WrongType {
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
                    e.path = prefix(i, &e.path);
                    let p = js_problem(&e.at(events, item.at));
                    let _ = Reflect::set(&p, &"index".into(), &(i as u32).into());
                    rejected.push(&p);
                }
            }
        }
        let out = Object::new();
        let result = to_js(&visitor.score(&self.set, now));
        let _ = Reflect::set(&out, &"result".into(), &result);
        let _ = Reflect::set(&out, &"rejected".into(), &rejected);
        Ok(out.into())
    }
}

fn prefix(i: usize, path: &str) -> String {
    if path.is_empty() {
        format!("[{i}]")
    } else {
        format!("[{i}].{path}")
    }
}
