//! The playground's wasm (`leadscore_playground_bg.wasm`, also `leadscore/server` in the
//! npm package): [`scorer::Scorer`] for the editor, [`history::History`] for the History
//! view, [`server::ServerRules`] and `checkRules` for the server API, and `compileRules`
//! for the Ship button. With std: panic messages reach the console, results cross through
//! serde-wasm-bindgen. wasm32 only.

// The engine's modules at this crate's root, so the binding reads `crate::rules::RuleSet`
// as it did inside the one crate.
pub use leadscore::*;
use leadscore_wasm::{js_error, js_problem, set};
use wasm_bindgen::prelude::*;

mod history;
mod scorer;
mod server;

/// The compiled form of a rules text (src/core/compiled), for the playground's Ship button;
/// throws the first problem when the rules are invalid.
#[wasm_bindgen(js_name = compileRules)]
pub fn compile_rules(text: &str) -> Result<Vec<u8>, JsValue> {
    let set = crate::rules::RuleSet::from_text(text).map_err(|e| js_error(&e[0]))?;
    Ok(crate::compiled::encode(&set))
}

#[wasm_bindgen(start)]
fn start() {
    console_error_panic_hook::set_once();
}
