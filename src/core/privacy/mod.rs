//! What personal data the site tag keeps: none. Every event the tag records (from its
//! collectors, `track()` and `identify()`) and every stored event it reads back passes
//! through [`clean_event`] before it is kept, stored or sent, so what is kept is decided
//! here, once, for all of them:
//!
//! - traits: only those some traits rule reads (a condition's `field`), plus `email_type`.
//!   An address under an email key (`email`, `Email`, `work_email`, `e-mail`, `mail`)
//!   becomes `email_type` (free, competitor, corporate) and is itself dropped. A trait
//!   under a personal key (`first_name`, `phone`, see [`detect::personal_key`]) is dropped
//!   even when a rule reads it.
//! - any trait or prop value, and the form name, that holds an email address, a phone
//!   number or a social-profile URL, in any percent-decoding, is dropped whatever its key
//!   (a form name becomes `redacted`); so is a prop under a personal key.
//! - URLs: see [`url::clean_url`].
//! - the `visitor` field (the CLI's) is not kept.
//!
//! What was dropped is reported by key (`traits.phone`, `props.webinar_id`, `url`), never
//! by value, so the tag can say so once without repeating the data. An identify left with
//! no traits is not recorded at all. Events without personal data keep their exact text.

use crate::prelude::*;
use alloc::borrow::Cow;

use crate::conditions::Field;
use crate::json::{self, write_str, Node, Value};
use crate::rules::{RuleSet, When};
use crate::text::slice;

pub mod detect;
pub mod url;

pub use detect::{personal_key, personal_text};
pub use url::{clean_url, REDACTED};

/// An event as it may be kept.
#[derive(Debug, PartialEq)]
pub struct Cleaned {
    /// Its text, rewritten: the same text when nothing was removed (written compactly, as
    /// the tag's JSON.stringify does); `None` when nothing worth keeping is left (an
    /// identify without traits).
    pub text: Option<String>,
    /// What was removed, by key: `traits.KEY`, `props.KEY`, `url`, `form`.
    pub dropped: Vec<String>,
}

/// An event's JSON text without personal data. Text that is not an event object is
/// returned as it is (reading it reports the problem).
pub fn clean_event(set: &RuleSet, text: &str) -> Cleaned {
    match json::parse(text) {
        Ok(node) => clean_parsed(set, &node, text),
        Err(_) => Cleaned {
            text: Some(text.into()),
            dropped: Vec::new(),
        },
    }
}

/// [`clean_event`] of text already read into `node`: the tag reads each event once.
pub fn clean_parsed(set: &RuleSet, node: &Node<'_>, text: &str) -> Cleaned {
    let mut dropped = Vec::new();
    let mut out = String::with_capacity(text.len());
    let text = clean_node(set, node, text, &mut out, &mut dropped).then_some(out);
    Cleaned { text, dropped }
}

/// Stored state (`{"v":1,"events":[…]}`) with every event cleaned, and what was removed:
/// how personal data stored by an older tag is cleaned on the next load. Text that is not
/// state is returned as it is.
pub fn clean_state(set: &RuleSet, text: &str) -> (String, Vec<String>) {
    let mut dropped = Vec::new();
    let node = json::parse(text).ok();
    let v = node.as_ref().and_then(|n| n.get("v"));
    let events = node.as_ref().and_then(|n| n.get("events"));
    let (
        Some(v),
        Some(Node {
            value: Value::Arr(items),
            ..
        }),
    ) = (v, events)
    else {
        return (text.into(), dropped);
    };
    let mut out = String::with_capacity(text.len());
    out.push_str("{\"v\":");
    out.push_str(raw(text, v));
    out.push_str(",\"events\":[");
    for item in items {
        let mark = out.len();
        if !out.ends_with('[') {
            out.push(',');
        }
        if !clean_node(set, item, text, &mut out, &mut dropped) {
            out.truncate(mark);
        }
    }
    out.push_str("]}");
    (out, dropped)
}

fn raw<'t>(src: &'t str, n: &Node<'_>) -> &'t str {
    slice(src, n.at as usize, n.end as usize)
}

/// Writes the event `node` without personal data to `out`; false when nothing worth
/// keeping is left (what was written is then to be discarded).
fn clean_node(
    set: &RuleSet,
    node: &Node<'_>,
    src: &str,
    out: &mut String,
    dropped: &mut Vec<String>,
) -> bool {
    let Value::Obj(fields) = &node.value else {
        out.push_str(raw(src, node));
        return true;
    };
    let identify = node.get("type").and_then(Node::as_str) == Some("identify");
    let mut traits_left = 0;
    let start = out.len();
    out.push('{');
    for (k, v) in fields {
        if k == "visitor" {
            continue;
        }
        let mark = out.len();
        if out.len() > start + 1 {
            out.push(',');
        }
        write_str(out, k);
        out.push(':');
        match (k.as_ref(), v.as_str()) {
            ("url", Some(u)) => {
                let clean = clean_url(u);
                if matches!(clean, Cow::Owned(_)) {
                    dropped.push("url".into());
                }
                write_str(out, &clean);
            }
            ("form", Some(f)) if personal_text(f) => {
                dropped.push("form".into());
                write_str(out, REDACTED);
            }
            // Props all dropped: no `props` at all, as the tag writes an event without any.
            ("props", _) => {
                if clean_map(set, v, src, false, out, dropped) == 0 {
                    out.truncate(mark);
                }
            }
            ("traits", _) => traits_left = clean_map(set, v, src, true, out, dropped),
            _ => out.push_str(raw(src, v)),
        }
    }
    out.push('}');
    !(identify && traits_left == 0)
}

/// Writes props or traits without personal data; returns how many keys are left.
fn clean_map(
    set: &RuleSet,
    v: &Node<'_>,
    src: &str,
    traits: bool,
    out: &mut String,
    dropped: &mut Vec<String>,
) -> usize {
    let Value::Obj(map) = &v.value else {
        out.push_str(raw(src, v));
        return 1;
    };
    let read = if traits {
        trait_fields(set)
    } else {
        Vec::new()
    };
    // Key and value text, kept in order; a derived `email_type` is a bare word.
    let mut kept: Vec<(&str, &str, bool)> = Vec::new();
    for (k, n) in map {
        if traits && detect::email_key(k) {
            let kind = n
                .as_str()
                .and_then(|s| crate::traits::email_type(s, &set.competitor_domains));
            if let Some(kind) = kind {
                put(&mut kept, ("email_type", kind, true));
                continue;
            }
        }
        let declared = !traits || k == "email_type" || read.contains(&k.as_ref());
        let personal = k != "email_type" && personal_key(k);
        if declared && !personal && !personal_value(&n.value) {
            put(&mut kept, (k, raw(src, n), false));
        } else {
            dropped.push(field_name(if traits { "traits" } else { "props" }, k));
        }
    }
    out.push('{');
    for (i, (k, text, bare)) in kept.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        write_str(out, k);
        out.push(':');
        if *bare {
            write_str(out, text);
        } else {
            out.push_str(text);
        }
    }
    out.push('}');
    kept.len()
}

/// Sets a key in an ordered map, replacing an earlier value in place.
fn put<'a>(kept: &mut Vec<(&'a str, &'a str, bool)>, entry: (&'a str, &'a str, bool)) {
    match kept.iter_mut().find(|e| e.0 == entry.0) {
        Some(slot) => *slot = entry,
        None => kept.push(entry),
    }
}

/// The trait keys the rules read: every traits condition's `field`.
pub fn trait_fields(set: &RuleSet) -> Vec<&str> {
    let mut out: Vec<&str> = Vec::new();
    for r in &set.rules {
        if let When::Traits(conds) = &r.when {
            for c in conds {
                if let Field::Trait(name) = &c.field {
                    if !out.contains(&name.as_str()) {
                        out.push(name);
                    }
                }
            }
        }
    }
    out
}

/// Whether any string in a JSON value (an array's items, an object's keys and values)
/// holds personal data.
fn personal_value(v: &Value<'_>) -> bool {
    match v {
        Value::Str(s) => personal_text(s),
        Value::Arr(items) => items.iter().any(|n| personal_value(&n.value)),
        Value::Obj(fields) => fields
            .iter()
            .any(|(k, n)| personal_text(k) || personal_value(&n.value)),
        _ => false,
    }
}

/// `traits.KEY` for the warning; a key that is itself personal data is not repeated.
fn field_name(prefix: &str, key: &str) -> String {
    let key = if personal_text(key) {
        "(a key holding personal data)"
    } else {
        key
    };
    [prefix, ".", key].concat()
}
