//! The site tag's wasm (`leadscore_core_bg.wasm`): [`tracker::Tracker`] and the per-page
//! journal it writes to localStorage. A thin binding over the engine, `no_std`: a panic
//! traps and the tag's JavaScript turns the trap into an inert tag, and results cross as
//! numbers, so no formatting code ships (README, "Size"). Its interface to JavaScript is a
//! few plain functions (`abi`) and imports (`host`) that www/tag/core.js pairs with by
//! hand: no generated glue. wasm32 only.
#![no_std]

extern crate alloc;

// The engine's modules at this crate's root, so the binding reads `crate::rules::RuleSet`
// as it did inside the one crate.
pub use leadscore::*;
// The allocator the two wasm builds share (its `#[global_allocator]`).
use leadscore_wasm as _;

mod abi;
mod host;
mod journal;
mod legacy;
mod tracker;

/// The tag's build has no unwinding and no panic messages: a panic traps, the call into
/// the wasm throws a `RuntimeError`, and the tag's guard makes it inert with one console
/// error (www/tag/api.js). The state in storage is untouched by a trap.
#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    core::arch::wasm32::unreachable()
}
