//! The state an older tag kept under the base key itself (`leadscore:v1`): `{"v":1,…}` text
//! from a tag before the binary state, or this tag's binary state from before it moved to
//! `<key>:state`. This tag writes its state under `<key>:state` only, so a site that rolls
//! back to an older tag finds that tag's own text where it left it, not a form it cannot
//! read (which it would reset, losing every returning visitor's history).
//!
//! What is under the base key is merged when this page loads and when another tab (an older
//! tag's) writes it. Its digest is kept under `<key>:legacy` once merged, so that an
//! unchanged text is not read again on every page, while events an older tag added during a
//! rollback are merged on the first page after it. Text that held personal data (cleaned
//! as it was read) or that an older tag cannot read (the binary state, or damaged text) is
//! removed once the state under `<key>:state` holds what it had; a reset or a withdrawal
//! removes it with the rest.

use crate::prelude::*;

use crate::host::Storage;

pub struct Legacy {
    /// The base key, where an older tag keeps its state.
    key: String,
    /// Where the digest of the text last merged is kept.
    mark: String,
    /// What to do once the merged events are in the state under `<key>:state`.
    due: Option<Due>,
}

enum Due {
    /// Keep the text (an older tag reads it), marked as merged.
    Mark(String),
    /// Remove it: personal data, or a form no older tag reads.
    Remove,
}

impl Legacy {
    pub fn new(base: &str) -> Legacy {
        Legacy {
            key: base.to_string(),
            mark: [base, ":legacy"].concat(),
            due: None,
        }
    }

    /// Whether `key` is the base key.
    pub fn is(&self, key: &str) -> bool {
        key == self.key
    }

    /// The text under the base key and its digest, when it has not been merged as it is.
    pub fn unmerged(&self, s: &Storage) -> Option<(String, String)> {
        let text = s.get_item(&self.key).ok()??;
        let digest = crate::payload::digest(&text);
        let mark = s.get_item(&self.mark).ok().flatten();
        (mark.as_deref() != Some(digest.as_str())).then_some((text, digest))
    }

    /// The text of `digest` is merged: kept (`keep`) or removed once the state is saved.
    pub fn merged(&mut self, digest: String, keep: bool) {
        self.due = Some(if keep { Due::Mark(digest) } else { Due::Remove });
    }

    /// The state under `<key>:state` now holds what was merged: mark or remove the text.
    pub fn settle(&mut self, s: &Storage) {
        match self.due.take() {
            Some(Due::Mark(digest)) => {
                let _ = s.set_item(&self.mark, &digest);
            }
            Some(Due::Remove) => self.erase(s),
            None => {}
        }
    }

    /// Removes the text and its mark (a reset, a withdrawal).
    pub fn erase(&self, s: &Storage) {
        let _ = s.remove_item(&self.key);
        let _ = s.remove_item(&self.mark);
    }
}
