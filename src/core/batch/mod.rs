//! The batch path: large JSON-lines event files read into each visitor's journey, for
//! `leadscore score`, `backtest` and `suggest`, and for the playground's History worker.
//! [`LineReader`] reads one line straight into an [`Event`](crate::Event) (no JSON tree);
//! [`Journeys`] groups events by visitor as they come, in any order, and hands back each
//! visitor's journey in reading order (time, then file order).
//!
//! ```
//! use leadscore::batch::{Journeys, LineReader};
//! # let set = leadscore::RuleSet::from_text(r#"{"version":"v","categories":{"i":{}},"rules":[],"bands":[{"name":"all"}]}"#).unwrap();
//! let mut reader = LineReader::new(&set);
//! let mut journeys = Journeys::default();
//! for (n, line) in "{\"visitor\":\"a\",\"type\":\"page_view\",\"ts\":1}\n".lines().enumerate() {
//!     match reader.read(line) {
//!         Ok((visitor, event)) => journeys.push(&visitor, event),
//!         Err(mut e) => e.line = n as u32 + 1, // report it: FILE:LINE:COL
//!     }
//! }
//! let journeys = journeys.finish(); // [(visitor, events)], sorted by visitor
//! assert_eq!(journeys[0].1.len(), 1);
//! ```

mod journeys;
mod lines;

pub use journeys::Journeys;
pub use lines::{read_line, LineReader};

/// FNV-1a: visitor ids and URLs are short, and this is a batch reader, not a hash-flooding
/// target; SipHash cost a visible share of the run.
#[derive(Default)]
pub struct Fnv(u64);

impl core::hash::Hasher for Fnv {
    fn write(&mut self, bytes: &[u8]) {
        let mut h = if self.0 == 0 {
            0xcbf2_9ce4_8422_2325
        } else {
            self.0
        };
        for &b in bytes {
            h = (h ^ b as u64).wrapping_mul(0x0000_0100_0000_01b3);
        }
        self.0 = h;
    }
    fn finish(&self) -> u64 {
        self.0
    }
}

/// A hash map keyed by short strings, with [`Fnv`].
pub type FnvMap<K, V> = std::collections::HashMap<K, V, core::hash::BuildHasherDefault<Fnv>>;
