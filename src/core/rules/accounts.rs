//! The rules' optional `accounts` section (a leadscore extension): how contacts roll up
//! into an account score for account-based marketing. Read and validated like the rest of
//! the document; used by the batch and server side only (the site tag accepts the section
//! and skips it: a browser never sees other visitors).

use crate::prelude::*;

use super::limits::{self, Limit};
use super::reader::Reader;
use super::Band;
use crate::error::join;
use crate::error::{at_index, ErrorKind};
use crate::json::{Node, Value};

pub const ACCOUNTS_FIELDS: &[&str] = &[
    "description",
    "trait",
    "top",
    "engagedMin",
    "roleTrait",
    "targets",
    "disqualified",
    "bands",
];
pub const TARGETS_FIELDS: &[&str] = &["points", "accounts"];

/// `top`: how many contacts make an account's score.
const TOP: Limit = Limit {
    ok: |x| x >= 1.0 && x.fract() == 0.0,
    rule: "must be a whole number >= 1",
    lo: 1.0,
    hi: 1000.0,
    range: "must be at most 1000",
};

#[derive(Debug, Clone)]
pub struct Accounts {
    /// The trait that names a contact's account (default `account`).
    pub trait_name: String,
    /// The account score is the sum of its best `top` contacts' scores (default 3).
    pub top: usize,
    /// A contact at or above this score is engaged (default: the lowest band minimum of
    /// the document, else 0).
    pub engaged_min: f64,
    /// A trait whose values (e.g. seniority) list the roles engaged in an account.
    pub role_trait: Option<String>,
    /// Target accounts (case-insensitive names) and the fit points they add.
    pub targets: Vec<String>,
    pub target_points: f64,
    /// Accounts whose every contact is disqualified (customers, competitors, partners).
    pub disqualified: Vec<String>,
    /// Account bands, greatest `min` first, as the document's bands.
    pub bands: Vec<Band>,
}

/// Reads `doc.accounts`; `None` when absent or invalid (problems are in `r`).
pub(super) fn read(r: &mut Reader, doc: &Node, contact_bands: &[Band]) -> Option<Accounts> {
    let node = doc.get("accounts")?;
    let path = "accounts";
    let a = r.object(node, path, ACCOUNTS_FIELDS)?;
    let text = |r: &mut Reader, key: &str| a.get(key).and_then(|n| r.str_of(n, &join(path, key)));
    let trait_name = text(r, "trait").unwrap_or("account").to_string();
    let role_trait = text(r, "roleTrait").map(str::to_string);
    let top = r.num(a, "top", path, &TOP).ok()?.map_or(3, |x| x as usize);
    let lowest = contact_bands
        .iter()
        .filter_map(|b| b.min)
        .fold(f64::INFINITY, f64::min);
    let engaged_min = r
        .num(a, "engagedMin", path, &limits::POINTS)
        .ok()?
        .unwrap_or(if lowest.is_finite() { lowest } else { 0.0 });
    let (targets, target_points) = match a.get("targets") {
        None => (Vec::new(), 0.0),
        Some(t) => {
            let tpath = join(path, "targets");
            let t = r.object(t, &tpath, TARGETS_FIELDS)?;
            let points = r.num(t, "points", &tpath, &limits::POINTS).ok()?;
            let Some(points) = points else {
                r.fail(
                    ErrorKind::MissingField("points"),
                    &join(&tpath, "points"),
                    Some(t),
                );
                return None;
            };
            (
                names(r, t.get("accounts"), &join(&tpath, "accounts"))?,
                points,
            )
        }
    };
    let disqualified = match a.get("disqualified") {
        None => Vec::new(),
        Some(list) => names(r, Some(list), &join(path, "disqualified"))?,
    };
    let bands = match a.get("bands") {
        Some(_) => super::sections::bands(r, a, path),
        None => {
            r.fail(
                ErrorKind::MissingField("bands"),
                &join(path, "bands"),
                Some(a),
            );
            return None;
        }
    };
    Some(Accounts {
        trait_name,
        top,
        engaged_min,
        role_trait,
        targets,
        target_points,
        disqualified,
        bands,
    })
}

/// A list of account names, lowercased for case-insensitive matching.
fn names(r: &mut Reader, list: Option<&Node>, path: &str) -> Option<Vec<String>> {
    let Some(list) = list else {
        r.fail(ErrorKind::MissingField("accounts"), path, None);
        return None;
    };
    let Value::Arr(items) = &list.value else {
        r.wrong("an array", path, list);
        return None;
    };
    let mut out = Vec::with_capacity(items.len());
    for (i, n) in items.iter().enumerate() {
        out.push(r.str_of(n, &at_index(path, i))?.to_ascii_lowercase());
    }
    Some(out)
}
