//! The site tag's wasm (`leadscore_core_bg.wasm`): [`tracker::Tracker`] and the per-page
//! journal it writes to localStorage. A thin binding over the engine, `no_std`: a panic
//! traps and the tag's JavaScript turns the trap into an inert tag, and results cross as
//! numbers, so no formatting code ships (README, "Size"). wasm32 only.
#![no_std]

// The engine's modules at this crate's root, so the binding reads `crate::rules::RuleSet`
// as it did inside the one crate (and the allocator and error conversion it shares with
// the playground's binding).
pub use leadscore::*;
use leadscore_wasm::{js_error, js_problem};

mod journal;
mod tracker;

/// The tag's build has no unwinding and no panic messages: a panic traps, the call into
/// the wasm throws a `RuntimeError`, and the tag's guard makes it inert with one console
/// error (www/tag/api.js). The state in storage is untouched by a trap.
#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    core::arch::wasm32::unreachable()
}
