//! What personal data the site tag keeps: none. Every event the tag records (from its
//! collectors, `track()` and `identify()`) and every stored event it reads back passes
//! through [`clean_tree`] before it is kept, stored or sent, so what is kept is decided
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
//! no traits is not recorded at all. Events without personal data are kept as they are.

use crate::prelude::*;
use alloc::borrow::Cow;

use crate::conditions::Field;
use crate::json::{Node, Value};
use crate::rules::{RuleSet, When};

pub mod detect;
pub mod url;

pub use detect::{personal_key, personal_text};
pub use url::{clean_url, REDACTED};

/// An event as it may be kept (text: the command line's and the tests' form).
#[derive(Debug, PartialEq)]
pub struct Cleaned {
    /// Its text, rewritten compactly (as the tag's JSON.stringify writes it); `None` when
    /// nothing worth keeping is left (an identify without traits).
    pub text: Option<String>,
    /// What was removed, by key: `traits.KEY`, `props.KEY`, `url`, `form`.
    pub dropped: Vec<String>,
}

/// An event's value as it may be kept: what [`clean_tree`] returns.
#[derive(Debug, PartialEq)]
pub struct Tree<'a> {
    /// The value without personal data; `None` when nothing worth keeping is left.
    pub node: Option<Node<'a>>,
    /// Whether anything was removed or rewritten (else `node` equals the input).
    pub changed: bool,
    /// What was removed, by key: `traits.KEY`, `props.KEY`, `url`, `form`.
    pub dropped: Vec<String>,
}

/// An event's JSON text without personal data. Text that is not an event object is
/// returned as it is (reading it reports the problem).
#[cfg(feature = "std")]
pub fn clean_event(set: &RuleSet, text: &str) -> Cleaned {
    let Ok(node) = crate::json::parse(text) else {
        return Cleaned {
            text: Some(text.into()),
            dropped: Vec::new(),
        };
    };
    let t = clean_tree(set, &node);
    let text = t.node.map(|n| match t.changed {
        false => text.to_string(),
        true => {
            let mut out = String::with_capacity(text.len());
            crate::json::write_value(&mut out, &n.value);
            out
        }
    });
    Cleaned {
        text,
        dropped: t.dropped,
    }
}

/// Stored state text (`{"v":1,"events":[…]}`) with every event cleaned, and what was
/// removed. Text that is not state is returned as it is. (The tag cleans its binary state
/// as it reads it: `Visitor::from_bytes`.)
#[cfg(feature = "std")]
pub fn clean_state(set: &RuleSet, text: &str) -> (String, Vec<String>) {
    use crate::json::write_value;
    let mut dropped = Vec::new();
    let node = crate::json::parse(text).ok();
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
    write_value(&mut out, &v.value);
    out.push_str(",\"events\":[");
    for item in items {
        let t = clean_tree(set, item);
        dropped.extend(t.dropped);
        if let Some(n) = t.node {
            if !out.ends_with('[') {
                out.push(',');
            }
            write_value(&mut out, &n.value);
        }
    }
    out.push_str("]}");
    (out, dropped)
}

/// The event `node` without personal data (see the module): the one place that decides
/// what is kept, for events recorded and events read back from storage alike.
pub fn clean_tree<'a>(set: &RuleSet, node: &Node<'a>) -> Tree<'a> {
    let mut t = Tree {
        node: None,
        changed: false,
        dropped: Vec::new(),
    };
    let Value::Obj(fields) = &node.value else {
        t.node = Some(node.clone());
        return t;
    };
    let identify = node.get("type").and_then(Node::as_str) == Some("identify");
    let mut traits_left = 0;
    let mut out: Vec<(Cow<'a, str>, Node<'a>)> = Vec::with_capacity(fields.len());
    for (k, v) in fields {
        let value = match (k.as_ref(), v.as_str()) {
            ("visitor", _) => None,
            ("url", Some(u)) => match clean_url(u) {
                Cow::Owned(clean) => {
                    t.dropped.push("url".into());
                    Some(Value::Str(Cow::Owned(clean)))
                }
                Cow::Borrowed(_) => Some(v.value.clone()),
            },
            ("form", Some(f)) if personal_text(f) => {
                t.dropped.push("form".into());
                Some(Value::Str(Cow::Borrowed(REDACTED)))
            }
            // Props all dropped: no `props` at all, as the tag writes an event without any.
            ("props", _) => clean_map(set, v, false, &mut t)
                .filter(|(_, n)| *n > 0)
                .map(|(m, _)| m),
            ("traits", _) => clean_map(set, v, true, &mut t).map(|(m, n)| {
                traits_left = n;
                m
            }),
            _ => Some(v.value.clone()),
        };
        match value {
            Some(value) => out.push((k.clone(), placed(value))),
            None => t.changed = true,
        }
    }
    t.changed |= !t.dropped.is_empty();
    if !(identify && traits_left == 0) {
        t.node = Some(placed(Value::Obj(out)));
    }
    t
}

fn placed(value: Value<'_>) -> Node<'_> {
    Node {
        value,
        at: 0,
        end: 0,
    }
}

/// Props or traits without personal data, and how many keys are left; a value that is not
/// an object is kept as it is (reading the event reports it).
fn clean_map<'a>(
    set: &RuleSet,
    v: &Node<'a>,
    traits: bool,
    t: &mut Tree<'a>,
) -> Option<(Value<'a>, usize)> {
    let Value::Obj(map) = &v.value else {
        return Some((v.value.clone(), 1));
    };
    let read = if traits {
        trait_fields(set)
    } else {
        Vec::new()
    };
    let mut kept: Vec<(Cow<'a, str>, Node<'a>)> = Vec::with_capacity(map.len());
    for (k, n) in map {
        if traits && detect::email_key(k) {
            let kind = n
                .as_str()
                .and_then(|s| crate::traits::email_type(s, &set.competitor_domains));
            if let Some(kind) = kind {
                t.changed = true;
                let kind = placed(Value::Str(Cow::Owned(kind.into())));
                put(&mut kept, Cow::Borrowed("email_type"), kind);
                continue;
            }
        }
        let declared = !traits || k == "email_type" || read.contains(&k.as_ref());
        let personal = k != "email_type" && personal_key(k);
        if declared && !personal && !personal_value(&n.value) {
            // The readers refuse repeated keys, so only `email_type`, which an email key
            // also yields, can be here already: looked up for it alone (a search per key
            // made a stored event with 100,000 props keys take seconds).
            if k == "email_type" {
                let before = kept.len();
                put(&mut kept, k.clone(), n.clone());
                t.changed |= kept.len() == before;
            } else {
                kept.push((k.clone(), n.clone()));
            }
        } else {
            t.dropped
                .push(field_name(if traits { "traits" } else { "props" }, k));
        }
    }
    let n = kept.len();
    t.changed |= n == 0;
    Some((Value::Obj(kept), n))
}

/// Sets a key in an ordered map, replacing an earlier value in place.
fn put<'a>(kept: &mut Vec<(Cow<'a, str>, Node<'a>)>, k: Cow<'a, str>, v: Node<'a>) {
    match kept.iter_mut().find(|e| e.0 == k) {
        Some(slot) => slot.1 = v,
        None => kept.push((k, v)),
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
