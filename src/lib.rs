//! leadscore: a provisional lead intent score computed from a visitor's events and the
//! rules marketing writes. This crate is the platform-free engine: `now` and events are
//! arguments, nothing here reads a clock, touches storage or knows about the browser.
//! The browser binding lives in `web` (wasm32 only); the CLI in `src/bin`.

pub mod conditions;
pub mod decay;
pub mod engine;
pub mod error;
pub mod events;
pub mod explain;
pub mod json;
pub mod occurrences;
pub mod pages;
pub mod payload;
pub mod rules;
pub mod schema;
pub mod state;
pub mod traits;

#[cfg(target_arch = "wasm32")]
mod web;

pub use engine::score;
pub use error::{Error, ErrorKind};
pub use events::Event;
pub use explain::{Explained, Outcome};
pub use rules::RuleSet;
pub use state::Visitor;
