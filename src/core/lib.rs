//! leadscore: a provisional lead intent score computed from a visitor's events and the
//! rules marketing writes. This crate is the platform-free engine: `now` and events are
//! arguments, nothing here reads a clock, touches storage or knows about the browser.
//! The bindings are crates of their own (src/tag, src/playground, src/cli, src/python).
//!
//! `no_std` + `alloc`. The feature `std` (default) adds the data modules (backtest,
//! batch, outcomes, accounts, synth) and the JSON writers; the site tag's wasm is built
//! without it: `std` brings its panic and formatting machinery into every page's
//! download, and the tag needs nothing from it but `alloc`.
#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

/// What `std`'s prelude would bring, from `alloc`, so the engine (and the `no_std`
/// bindings) read the same either way.
pub mod prelude {
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

#[cfg(feature = "std")]
pub mod accounts;
#[cfg(feature = "std")]
pub mod backtest;
#[cfg(feature = "std")]
pub mod batch;
pub mod compiled;
pub mod conditions;
pub mod decay;
pub mod engine;
pub mod error;
pub mod events;
pub mod explain;
pub mod json;
pub mod matched;
pub mod occurrences;
#[cfg(feature = "std")]
pub mod outcomes;
pub mod pages;
pub mod payload;
pub mod privacy;
pub mod rules;
pub mod schema;
mod sort;
pub mod state;
#[cfg(feature = "std")]
pub mod synth;
pub mod text;
pub mod traits;

pub use engine::score;
pub use error::{Error, ErrorKind};
pub use events::Event;
pub use explain::{Explained, Outcome};
pub use rules::RuleSet;
pub use state::Visitor;
