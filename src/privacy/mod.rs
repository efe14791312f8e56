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
use crate::json::{self, slice, write_str, Node, Value};
use crate::rules::{RuleSet, When};

pub mod detect;
pub mod url;

pub use detect::{personal_key, personal_text};
pub use url::{clean_url, REDACTED};

/// An event as it may be kept.
#[derive(Debug, PartialEq)]
pub struct Cleaned<'t> {
    /// Its text: the original when nothing was removed; `None` when nothing worth keeping
    /// is left (an identify without traits).
    pub text: Option<Cow<'t, str>>,
    /// What was removed, by key: `traits.KEY`, `props.KEY`, `url`, `form`.
    pub dropped: Vec<String>,
}

/// An event's JSON text without personal data. Text that is not an event object is
/// returned as it is (reading it reports the problem).
pub fn clean_event<'t>(set: &RuleSet, text: &'t str) -> Cleaned<'t> {
    match json::parse(text) {
        Ok(node) => clean_node(set, &node, text),
        Err(_) => Cleaned {
            text: Some(Cow::Borrowed(text)),
            dropped: Vec::new(),
        },
    }
}

/// Stored state (`{"v":1,"events":[…]}`) with every event cleaned, and what was removed:
/// how personal data stored by an older tag is cleaned on the next load. Borrowed when
/// nothing changed; text that is not state is returned as it is.
pub fn clean_state<'t>(set: &RuleSet, text: &'t str) -> (Cow<'t, str>, Vec<String>) {
    let mut dropped = Vec::new();
    let Ok(node) = json::parse(text) else {
        return (Cow::Borrowed(text), dropped);
    };
    let (Some(v), Some(Value::Arr(items))) = (node.get("v"), node.get("events").map(|n| &n.value))
    else {
        return (Cow::Borrowed(text), dropped);
    };
    let mut changed = false;
    let mut out = String::with_capacity(text.len());
    out.push_str("{\"v\":");
    out.push_str(raw(text, v));
    out.push_str(",\"events\":[");
    let mut first = true;
    for item in items {
        let c = clean_node(set, item, text);
        dropped.extend(c.dropped);
        match c.text {
            Some(t) => {
                changed |= matches!(t, Cow::Owned(_));
                if !first {
                    out.push(',');
                }
                out.push_str(&t);
                first = false;
            }
            None => changed = true,
        }
    }
    out.push_str("]}");
    if changed {
        (Cow::Owned(out), dropped)
    } else {
        (Cow::Borrowed(text), dropped)
    }
}

fn raw<'t>(src: &'t str, n: &Node<'_>) -> &'t str {
    slice(src, n.at as usize, n.end as usize)
}

fn clean_node<'t>(set: &RuleSet, node: &Node<'_>, src: &'t str) -> Cleaned<'t> {
    let whole = raw(src, node);
    let mut dropped = Vec::new();
    let Value::Obj(fields) = &node.value else {
        return Cleaned {
            text: Some(Cow::Borrowed(whole)),
            dropped,
        };
    };
    let identify = node.get("type").and_then(Node::as_str) == Some("identify");
    let mut changed = false;
    let mut traits_left = 0;
    let mut out = String::with_capacity(whole.len());
    out.push('{');
    for (k, v) in fields {
        let text: Cow<str> = match k.as_ref() {
            "url" => match v.as_str().map(clean_url) {
                Some(Cow::Owned(u)) => {
                    dropped.push("url".into());
                    Cow::Owned(string(&u))
                }
                _ => Cow::Borrowed(raw(src, v)),
            },
            "form" if v.as_str().is_some_and(personal_text) => {
                dropped.push("form".into());
                Cow::Owned(string(REDACTED))
            }
            "props" => clean_map(set, v, src, false, &mut dropped).0,
            "traits" => {
                let (text, left) = clean_map(set, v, src, true, &mut dropped);
                traits_left = left;
                text
            }
            "visitor" => {
                changed = true;
                continue;
            }
            _ => Cow::Borrowed(raw(src, v)),
        };
        changed |= matches!(text, Cow::Owned(_));
        if out.len() > 1 {
            out.push(',');
        }
        write_str(&mut out, k);
        out.push(':');
        out.push_str(&text);
    }
    out.push('}');
    let text = if identify && traits_left == 0 {
        None
    } else if changed {
        Some(Cow::Owned(out))
    } else {
        Some(Cow::Borrowed(whole))
    };
    Cleaned { text, dropped }
}

/// Props or traits without personal data: the object text (borrowed when unchanged) and
/// how many keys are left.
fn clean_map<'t>(
    set: &RuleSet,
    v: &Node<'_>,
    src: &'t str,
    traits: bool,
    dropped: &mut Vec<String>,
) -> (Cow<'t, str>, usize) {
    let Value::Obj(map) = &v.value else {
        return (Cow::Borrowed(raw(src, v)), 1);
    };
    let read = if traits {
        trait_fields(set)
    } else {
        Vec::new()
    };
    let mut kept: Vec<(&str, Cow<str>)> = Vec::new();
    let mut changed = false;
    for (k, n) in map {
        if traits && detect::email_key(k) {
            let kind = n
                .as_str()
                .and_then(|s| crate::traits::email_type(s, &set.competitor_domains));
            if let Some(kind) = kind {
                put(&mut kept, "email_type", Cow::Owned(string(kind)));
                changed = true;
                continue;
            }
        }
        let declared = !traits || k == "email_type" || read.contains(&k.as_ref());
        let personal = k != "email_type" && personal_key(k);
        if declared && !personal && !personal_value(&n.value) {
            put(&mut kept, k, Cow::Borrowed(raw(src, n)));
        } else {
            changed = true;
            dropped.push(field_name(if traits { "traits" } else { "props" }, k));
        }
    }
    if !changed {
        return (Cow::Borrowed(raw(src, v)), kept.len());
    }
    let mut out = String::from("{");
    for (i, (k, text)) in kept.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        write_str(&mut out, k);
        out.push(':');
        out.push_str(text);
    }
    out.push('}');
    (Cow::Owned(out), kept.len())
}

/// Sets `key` in an ordered map, replacing an earlier value in place.
fn put<'k, 't>(kept: &mut Vec<(&'k str, Cow<'t, str>)>, key: &'k str, text: Cow<'t, str>) {
    match kept.iter_mut().find(|(k, _)| *k == key) {
        Some(slot) => slot.1 = text,
        None => kept.push((key, text)),
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

fn string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    write_str(&mut out, s);
    out
}
