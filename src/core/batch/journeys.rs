//! Events grouped by visitor as they are read, in any order. Each visitor's id is kept
//! once; events are appended in file order, so a stable sort by time at the end gives the
//! contract's reading order (time, then log order) without a line number per event.

use crate::prelude::*;

use super::FnvMap;
use crate::events::Event;

#[derive(Default)]
pub struct Journeys {
    index: FnvMap<String, u32>,
    events: Vec<Vec<Event>>,
    count: u64,
}

impl Journeys {
    /// Appends `event` to `visitor`'s journey (events must come in file order).
    pub fn push(&mut self, visitor: &str, event: Event) {
        self.count += 1;
        match self.index.get(visitor) {
            Some(&i) => self.events[i as usize].push(event),
            None => {
                self.index
                    .insert(visitor.to_string(), self.events.len() as u32);
                self.events.push(vec![event]);
            }
        }
    }

    /// Visitors so far.
    pub fn visitors(&self) -> usize {
        self.events.len()
    }

    /// Events so far.
    pub fn events(&self) -> u64 {
        self.count
    }

    /// Each visitor's events in reading order (time, then file order), sorted by visitor.
    pub fn finish(self) -> Vec<(String, Vec<Event>)> {
        let mut events: Vec<Option<Vec<Event>>> = self.events.into_iter().map(Some).collect();
        let mut out: Vec<(String, Vec<Event>)> = self
            .index
            .into_iter()
            .map(|(v, i)| {
                let mut e = events[i as usize].take().unwrap_or_default();
                crate::events::sort(&mut e);
                (v, e)
            })
            .collect();
        out.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        out
    }
}
