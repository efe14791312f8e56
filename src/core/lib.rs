//! leadscore: a provisional lead intent score computed from a visitor's events and the
//! rules marketing writes. This crate is the platform-free engine: `now` and events are
//! arguments, nothing here reads a clock, touches storage or knows about the browser.
//! The browser binding lives in `web` (wasm32 only); the CLI in `src/bin`.
//!
//! The site tag's wasm is built without `std` (the playground's, with the `playground`
//! feature, has it): `std` brings its panic and formatting machinery into every page's
//! download, and the engine needs nothing from it but `alloc`.
#![cfg_attr(all(target_arch = "wasm32", not(feature = "playground")), no_std)]

extern crate alloc;

/// What `std`'s prelude would bring, from `alloc`, so the engine reads the same either way.
pub(crate) mod prelude {
    pub use alloc::boxed::Box;
    pub use alloc::string::{String, ToString};
    pub use alloc::vec::Vec;
    pub use alloc::{format, vec};

    /// Shared immutable data: `Rc` in the browser (one thread, less code), `Arc` natively,
    /// where backtests read and score visitors on several threads.
    #[cfg(target_arch = "wasm32")]
    pub use alloc::rc::Rc as Shared;
    #[cfg(not(target_arch = "wasm32"))]
    pub use alloc::sync::Arc as Shared;
}

#[cfg(not(all(target_arch = "wasm32", not(feature = "playground"))))]
pub mod accounts;
#[cfg(not(all(target_arch = "wasm32", not(feature = "playground"))))]
pub mod backtest;
#[cfg(not(all(target_arch = "wasm32", not(feature = "playground"))))]
pub mod batch;
pub mod compiled;
pub mod conditions;
pub mod decay;
pub mod engine;
pub mod error;
pub mod events;
pub mod explain;
pub mod json;
pub mod occurrences;
#[cfg(not(all(target_arch = "wasm32", not(feature = "playground"))))]
pub mod outcomes;
pub mod pages;
pub mod payload;
pub mod privacy;
#[cfg(all(feature = "python", not(target_arch = "wasm32")))]
mod python;
pub mod rules;
pub mod schema;
mod sort;
pub mod state;
#[cfg(not(target_arch = "wasm32"))]
pub mod synth;
pub mod text;
pub mod traits;

/// The tag's allocator, tested natively over an arena (its wasm half stays wasm-only).
#[cfg(all(test, not(target_arch = "wasm32")))]
#[path = "web/heap.rs"]
mod heap;
#[cfg(target_arch = "wasm32")]
mod web;

pub use engine::score;
pub use error::{Error, ErrorKind};
pub use events::Event;
pub use explain::{Explained, Outcome};
pub use rules::RuleSet;
pub use state::Visitor;
