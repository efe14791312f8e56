//! Each page's own events, under a key of its own beside the shared state
//! (`<key>:page:<page id>`, the same binary format). It is written on every event the page
//! records (the shared state only when the page folds: see `super::tracker`), so it is
//! what keeps an event of a page that is killed before it folds. The shared key has many writers, and in
//! Chromium a tab's process reads a copy of `localStorage` that another tab's write reaches
//! a little later: a tab can write the union it knows over a write it has not seen yet.
//! The tab that recorded the lost events writes them back when the `storage` event
//! arrives, unless it has navigated away or closed by then. A journal has one writer, the
//! page whose events it holds, so nothing overwrites it: the next page to load merges every
//! journal into the shared state, and removes those of pages that have recorded nothing
//! for [`IDLE_MS`] (by then their events have long been in the shared state, and a page
//! still open writes its journal again with its next event).

use crate::prelude::*;

use super::host::Storage;
use crate::state::codec::base64_encode;
use crate::state::Visitor;

/// A journal whose newest event is older than this is merged and removed.
pub const IDLE_MS: f64 = 10.0 * 60_000.0;

pub struct Journal {
    /// `<key>:page:`, shared by every page's journal.
    prefix: String,
    /// This page's journal: `prefix` and the page id.
    key: String,
    /// What this page's event ids start with: the page id and a dot.
    ids: String,
}

impl Journal {
    /// The journal of page `page` (empty: no journal) beside the state under `key`.
    pub fn new(key: &str, page: &str) -> Journal {
        let prefix = [key, ":page:"].concat();
        let ok =
            !page.is_empty() && page.len() <= 16 && page.bytes().all(|b| b.is_ascii_alphanumeric());
        Journal {
            key: if ok {
                [&prefix, page].concat()
            } else {
                String::new()
            },
            ids: if ok {
                [page, "."].concat()
            } else {
                String::new()
            },
            prefix,
        }
    }

    /// Writes this page's own events (those of `v` with its ids); nothing when it has none.
    /// False when storage refused the write (a full quota).
    pub fn write(&self, s: &Storage, v: &Visitor) -> bool {
        if self.key.is_empty() {
            return true;
        }
        match v.to_bytes_of(&self.ids) {
            (_, 0) => s.remove_item(&self.key).is_ok(),
            (bytes, _) => s.set_item(&self.key, &base64_encode(&bytes)).is_ok(),
        }
    }

    /// Whether `key` is another page's journal.
    pub fn is_other(&self, key: &str) -> bool {
        key.starts_with(&self.prefix) && key != self.key
    }

    /// The keys of every page's journal.
    pub fn keys(&self, s: &Storage) -> Vec<String> {
        let n = s.length().unwrap_or(0);
        let mut keys = Vec::new();
        for i in 0..n {
            if let Ok(Some(k)) = s.key(i) {
                if k.starts_with(&self.prefix) {
                    keys.push(k);
                }
            }
        }
        keys
    }

    /// Removes every page's journal.
    pub fn erase_all(&self, s: &Storage) {
        for k in self.keys(s) {
            let _ = s.remove_item(&k);
        }
    }

    /// Removes this page's journal.
    pub fn remove(&self, s: &Storage) {
        if !self.key.is_empty() {
            let _ = s.remove_item(&self.key);
        }
    }
}
