//! What the two wasm bindings (src/tag, src/playground) share: the allocator both builds
//! use ([`heap`]) and, with the feature `js` (the playground's; the only place besides it
//! that knows wasm-bindgen and js-sys), every core error as a real JS `Error` in one
//! place, [`js_error`]. The site tag has its own small interface (src/tag/abi.rs) and takes
//! only the allocator. `no_std`, so the tag's build stays free of std; natively `cargo
//! test` runs the allocator's tests.
#![no_std]

#[cfg(test)]
#[macro_use]
extern crate std;

/// The allocator is the wasm builds' own; natively only its tests run, over an arena.
#[cfg(any(target_arch = "wasm32", test))]
mod heap;

#[cfg(feature = "js")]
mod js;
#[cfg(feature = "js")]
pub use js::{js_error, js_problem, set};
