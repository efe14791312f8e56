//! The browser binding, and the only module that knows wasm-bindgen, js-sys and web-sys.
//! It turns text from JavaScript into engine calls and engine values into JS values;
//! every core error becomes a real JS `Error` in one place, [`js_error`].
//!
//! Two builds come from here. The site tag's (default) is `no_std`: a panic traps and the
//! tag's JavaScript turns the trap into an inert tag, and results cross as numbers, so no
//! formatting code ships. The playground's (`--features playground`) adds [`Scorer`],
//! std, panic messages and serde-wasm-bindgen.

use crate::error::Error;
use js_sys::{Object, Reflect};
use wasm_bindgen::prelude::*;

mod heap;
#[cfg(feature = "playground")]
mod history;
mod journal;
#[cfg(feature = "playground")]
mod scorer;
#[cfg(feature = "playground")]
mod server;
mod tracker;

/// A core error as a JS `Error` carrying `code`, `path`, `line` and `column`.
pub(crate) fn js_error(e: &Error) -> JsValue {
    let err = js_sys::Error::new(&e.message());
    fill(&err, e);
    err.into()
}

/// The same fields and `message` on a plain object, for problems that are not thrown.
pub(crate) fn js_problem(e: &Error) -> JsValue {
    let o = Object::new();
    fill(&o, e);
    set(&o, "message", e.message().into());
    o.into()
}

fn set(target: &JsValue, key: &str, value: JsValue) {
    let _ = Reflect::set(target, &key.into(), &value);
}

fn fill(target: &JsValue, e: &Error) {
    let pos = |n: u32| if e.line > 0 { n.into() } else { JsValue::NULL };
    set(target, "code", e.code().into());
    set(target, "path", e.path.as_str().into());
    set(target, "line", pos(e.line));
    set(target, "column", pos(e.column));
}

/// The tag's build has no unwinding and no panic messages: a panic traps, the call into
/// the wasm throws a `RuntimeError`, and the tag's guard makes it inert with one console
/// error (www/tag/api.js). The state in storage is untouched by a trap.
#[cfg(not(feature = "playground"))]
#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    core::arch::wasm32::unreachable()
}

/// The compiled form of a rules text (src/compiled), for the playground's Ship button;
/// throws the first problem when the rules are invalid.
#[cfg(feature = "playground")]
#[wasm_bindgen(js_name = compileRules)]
pub fn compile_rules(text: &str) -> Result<Vec<u8>, JsValue> {
    let set = crate::rules::RuleSet::from_text(text).map_err(|e| js_error(&e[0]))?;
    Ok(crate::compiled::encode(&set))
}

#[cfg(feature = "playground")]
#[wasm_bindgen(start)]
fn start() {
    console_error_panic_hook::set_once();
}
