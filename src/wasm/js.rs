//! Core errors as JS values, for the playground's wasm-bindgen binding (feature `js`).

use js_sys::{Object, Reflect};
use leadscore::error::Error;
use wasm_bindgen::prelude::*;

/// A core error as a JS `Error` carrying `code`, `path`, `line` and `column`.
pub fn js_error(e: &Error) -> JsValue {
    let err = js_sys::Error::new(&e.message());
    fill(&err, e);
    err.into()
}

/// The same fields and `message` on a plain object, for problems that are not thrown.
pub fn js_problem(e: &Error) -> JsValue {
    let o = Object::new();
    fill(&o, e);
    set(&o, "message", e.message().into());
    o.into()
}

/// `target[key] = value`, ignoring the (impossible on plain objects) failure.
pub fn set(target: &JsValue, key: &str, value: JsValue) {
    let _ = Reflect::set(target, &key.into(), &value);
}

fn fill(target: &JsValue, e: &Error) {
    let pos = |n: u32| if e.line > 0 { n.into() } else { JsValue::NULL };
    set(target, "code", e.code().into());
    set(target, "path", e.path.as_str().into());
    set(target, "line", pos(e.line));
    set(target, "column", pos(e.column));
}
