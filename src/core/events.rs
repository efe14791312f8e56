//! Visitor events: the contract's event shape, checked against the rules' tracking plan
//! (undeclared types and props are rejected with a reason and never reach a score), with
//! each event's page category worked out once, when it is read.

use crate::prelude::*;

use crate::error::join;
use crate::error::{at_index, within, Error, ErrorKind};
use crate::json::{self, Node, Owned, Value};
use crate::rules::limits::MAX_TS;
use crate::rules::{RuleSet, IDENTIFY};

pub(crate) const EVENT_FIELDS: &[&str] = &[
    "type", "ts", "url", "dwellMs", "form", "props", "traits", "visitor",
];

#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// Index into the rule set's event types.
    pub ty: u16,
    /// Page category id of the URL; `None` when the event has no URL.
    pub page: Option<u16>,
    /// Milliseconds since the epoch.
    pub ts: f64,
    pub dwell_ms: f64,
    /// What most events lack, behind a pointer: a batch holds millions of events, and a
    /// 32-byte event instead of 120 is a third of the memory traffic. Shared, not boxed:
    /// compaction re-reads copies of kept events, and a copy should not deep-clone
    /// strings and JSON values (nor ship the code that would, in the tag's wasm).
    extra: Option<Shared<Extra>>,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub(crate) struct Extra {
    /// The URL and form name, kept only when a rule reads them (see `RuleSet::reads_url`).
    url: Option<String>,
    form: Option<String>,
    props: Vec<(String, Owned)>,
    traits: Vec<(String, Owned)>,
}

impl Event {
    /// The same event, but perhaps for its dwell, without reading its texts: the same
    /// numbers and the very same extras (shared, so an event holding them keeps them from
    /// being freed and their address reused). For [`crate::matched::Matched`].
    pub(crate) fn same_besides_dwell(&self, other: &Event) -> bool {
        let extras = match (&self.extra, &other.extra) {
            (None, None) => true,
            (Some(a), Some(b)) => Shared::ptr_eq(a, b),
            _ => false,
        };
        self.ty == other.ty
            && self.page == other.page
            && self.ts.to_bits() == other.ts.to_bits()
            && extras
    }
    pub fn url(&self) -> Option<&str> {
        self.extra.as_ref()?.url.as_deref()
    }
    pub fn form(&self) -> Option<&str> {
        self.extra.as_ref()?.form.as_deref()
    }
    pub fn prop(&self, name: &str) -> Option<&Owned> {
        let props = &self.extra.as_ref()?.props;
        props.iter().find(|(k, _)| k == name).map(|(_, v)| v)
    }
    pub fn traits(&self) -> &[(String, Owned)] {
        self.extra.as_ref().map_or(&[], |x| x.traits.as_slice())
    }
}

impl RuleSet {
    /// Reads one event from JSON text; the error names the field at fault.
    pub fn event_from_text(&self, text: &str) -> Result<Event, Error> {
        self.event_in(&json::read(text)?, text)
    }

    /// The events of an array (`key` of `node`, or `node` itself when `key` is empty), at
    /// most `max` of them. Each event the plan refuses is left out and handed to `refused`
    /// with its path and, when `text` is what was parsed, its position.
    pub fn events_array(
        &self,
        node: &Node<'_>,
        key: &str,
        text: &str,
        max: usize,
        refused: &mut impl FnMut(Error),
    ) -> Result<Vec<Event>, Error> {
        let list = if key.is_empty() {
            Some(node)
        } else {
            node.get(key)
        };
        let Some(Node {
            value: Value::Arr(items),
            ..
        }) = list
        else {
            let kind = ErrorKind::InvalidValue("must be an array of events");
            return Err(Error::new(kind, key));
        };
        if items.len() > max {
            let kind = ErrorKind::TooLarge {
                limit: max,
                unit: "events",
            };
            return Err(Error::new(kind, key));
        }
        let mut events = Vec::with_capacity(items.len());
        for (i, item) in items.iter().enumerate() {
            let read = if text.is_empty() {
                self.event(item)
            } else {
                self.event_in(item, text)
            };
            match read {
                Ok(e) => events.push(e),
                Err(mut e) => {
                    e.path = within(&at_index(key, i), &e.path);
                    refused(e);
                }
            }
        }
        Ok(events)
    }

    /// Reads one event parsed from `text`; an error gets the line and column where the user
    /// looks: the key for a problem about a key, the object for a missing field, else the
    /// field at fault or the event itself.
    pub fn event_in(&self, node: &Node<'_>, text: &str) -> Result<Event, Error> {
        self.event(node).map_err(|e| {
            let at = match e.kind {
                ErrorKind::MissingField(_) => Some(node.at),
                ErrorKind::UnknownField { .. } | ErrorKind::UnknownProp { .. } => {
                    node_at(node, &e.path).map(|at| json::key_at(text, at))
                }
                _ => node_at(node, &e.path),
            };
            e.at(text, at.unwrap_or(node.at))
        })
    }

    /// Reads one event from a parsed value.
    pub fn event(&self, node: &Node<'_>) -> Result<Event, Error> {
        let Value::Obj(fields) = &node.value else {
            return Err(wrong("an object", "", node));
        };
        // One pass over the fields: this runs for every line of a large events file.
        let mut f: [Option<&Node<'_>>; 7] = [None; 7];
        for (k, v) in fields {
            let slot = match k.as_ref() {
                "type" => 0,
                "ts" => 1,
                "url" => 2,
                "dwellMs" => 3,
                "form" => 4,
                "props" => 5,
                "traits" => 6,
                "visitor" => continue,
                _ => {
                    let kind = ErrorKind::UnknownField {
                        field: k.to_string(),
                        allowed: EVENT_FIELDS,
                    };
                    return Err(Error::new(kind, join("", k)));
                }
            };
            f[slot] = Some(v);
        }
        let [ty_node, ts_node, url_node, dwell_node, form_node, props_node, traits_node] = f;
        let ty_name = match ty_node {
            None => return Err(Error::new(ErrorKind::MissingField("type"), "type")),
            Some(n) => n.as_str().ok_or_else(|| wrong("a string", "type", n))?,
        };
        let ty = self
            .event_id(ty_name)
            .ok_or_else(|| Error::new(ErrorKind::UnknownEvent(ty_name.to_string()), "type"))?;
        let ts = match ts_node {
            None => return Err(Error::new(ErrorKind::MissingField("ts"), "ts")),
            Some(n) => n.as_f64().ok_or_else(|| wrong("a number", "ts", n))?,
        };
        // NaN fails the test too. Infinities only arrive through the lenient state reader.
        if !(-MAX_TS..=MAX_TS).contains(&ts) {
            return Err(Error::new(
                ErrorKind::OutOfRange("must be within ±8.64e15 ms of 1970 (JavaScript dates)"),
                "ts",
            ));
        }
        let url = opt_str(url_node, "url")?;
        let form = opt_str(form_node, "form")?;
        let page = url.map(|u| self.classify(u));
        // Keep the texts only when a rule reads them: a batch holds millions of events.
        let url = url.filter(|_| self.reads_url).map(str::to_string);
        let form = form.filter(|_| self.reads_form).map(str::to_string);
        let dwell_ms = match dwell_node {
            None => 0.0,
            Some(n) => match n.as_f64() {
                Some(d) if (0.0..=MAX_TS).contains(&d) => d,
                Some(d) if d < 0.0 => {
                    return Err(Error::new(
                        ErrorKind::InvalidValue("must be a number >= 0"),
                        "dwellMs",
                    ))
                }
                Some(_) => {
                    return Err(Error::new(
                        ErrorKind::OutOfRange("must be at most 8.64e15"),
                        "dwellMs",
                    ))
                }
                None => return Err(wrong("a number", "dwellMs", n)),
            },
        };
        let allowed = &self.event_types[ty as usize].1;
        let props = match props_node {
            None => Vec::new(),
            Some(Node {
                value: Value::Obj(p),
                ..
            }) => {
                // The plan's props are sorted (see `rules::compile`).
                let declared = |k: &str| allowed.binary_search_by(|a| a.as_str().cmp(k)).is_ok();
                if let Some((k, _)) = p.iter().find(|(k, _)| !declared(k)) {
                    return Err(Error::new(
                        ErrorKind::UnknownProp {
                            event: ty_name.to_string(),
                            prop: k.to_string(),
                        },
                        join("props", k),
                    ));
                }
                finite(p, "props")?;
                p.iter()
                    .map(|(k, v)| (k.to_string(), v.value.to_owned_value()))
                    .collect()
            }
            Some(n) => return Err(wrong("an object", "props", n)),
        };
        let traits = match traits_node {
            None => Vec::new(),
            Some(Node {
                value: Value::Obj(t),
                ..
            }) if ty == IDENTIFY => {
                finite(t, "traits")?;
                t.iter()
                    .map(|(k, v)| (k.to_string(), v.value.to_owned_value()))
                    .collect()
            }
            Some(n) if ty == IDENTIFY => return Err(wrong("an object", "traits", n)),
            Some(_) => {
                return Err(Error::new(
                    ErrorKind::InvalidValue("only identify events carry traits"),
                    "traits",
                ))
            }
        };
        Ok(Event::from_parts(
            ty, page, ts, dwell_ms, url, form, props, traits,
        ))
    }
}

impl Event {
    /// An event from fields already checked against the plan (by [`RuleSet::event`] or the
    /// batch reader's typed parse, which must build the same value from the same line).
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn from_parts(
        ty: u16,
        page: Option<u16>,
        ts: f64,
        dwell_ms: f64,
        url: Option<String>,
        form: Option<String>,
        props: Vec<(String, Owned)>,
        traits: Vec<(String, Owned)>,
    ) -> Event {
        let extra = Event::extra(url, form, props, traits);
        Event::with_extra(ty, page, ts, dwell_ms, extra)
    }

    /// An event sharing the texts of others with the same URL and form (the batch reader
    /// keeps one copy of each: millions of events, a few hundred pages).
    pub(crate) fn with_extra(
        ty: u16,
        page: Option<u16>,
        ts: f64,
        dwell_ms: f64,
        extra: Option<Shared<Extra>>,
    ) -> Event {
        Event {
            ty,
            page,
            ts,
            dwell_ms,
            extra,
        }
    }

    /// What an event carries besides its numbers (`None` when it is nothing): the URL and
    /// form (each kept only when a rule reads it), props and traits.
    pub(crate) fn extra(
        url: Option<String>,
        form: Option<String>,
        props: Vec<(String, Owned)>,
        traits: Vec<(String, Owned)>,
    ) -> Option<Shared<Extra>> {
        (url.is_some() || form.is_some() || !props.is_empty() || !traits.is_empty()).then(|| {
            Shared::new(Extra {
                url,
                form,
                props,
                traits,
            })
        })
    }
}

/// Every number inside these fields is finite. The strict reader never makes an infinity;
/// the lenient one (stored state) can, and the event holding it is refused here.
fn finite(fields: &[(alloc::borrow::Cow<'_, str>, Node<'_>)], path: &str) -> Result<(), Error> {
    fn bad(n: &Node<'_>) -> bool {
        match &n.value {
            Value::Num(x) => !x.is_finite(),
            Value::Arr(items) => items.iter().any(bad),
            Value::Obj(f) => f.iter().any(|(_, v)| bad(v)),
            _ => false,
        }
    }
    match fields.iter().find(|(_, v)| bad(v)) {
        None => Ok(()),
        Some((k, _)) => Err(Error::new(
            ErrorKind::OutOfRange("a number beyond the largest double (about 1.8e308)"),
            join(path, k),
        )),
    }
}

fn wrong(expected: &'static str, path: &str, n: &Node<'_>) -> Error {
    Error::new(
        ErrorKind::WrongType {
            expected,
            found: n.value.kind(),
        },
        path,
    )
}

fn opt_str<'n>(node: Option<&'n Node<'_>>, key: &'static str) -> Result<Option<&'n str>, Error> {
    match node {
        None => Ok(None),
        Some(n) => n
            .as_str()
            .map(Some)
            .ok_or_else(|| wrong("a string", key, n)),
    }
}

/// Offset of the value at a path (`props.webinar_id`, `traits.a.b[0]`), for line/column;
/// `None` when the path leads nowhere (the caller then points at the event).
fn node_at(node: &Node<'_>, path: &str) -> Option<u32> {
    let mut cur = node;
    let mut rest = path;
    while !rest.is_empty() {
        // A key may itself contain dots; try the whole remainder first.
        if let Some(n) = cur.get(rest) {
            return Some(n.at);
        }
        let (next, tail) = match rest.strip_prefix('[') {
            Some(r) => {
                let close = r.find(']')?;
                let digits = crate::text::slice(r, 0, close);
                let i = digits.bytes().try_fold(0usize, |n, d| {
                    d.is_ascii_digit()
                        .then(|| n.checked_mul(10)?.checked_add((d - b'0') as usize))?
                })?;
                match &cur.value {
                    Value::Arr(items) => (items.get(i)?, crate::text::slice(r, close + 1, r.len())),
                    _ => return None,
                }
            }
            None => {
                let cut = rest.find(['.', '[']).unwrap_or(rest.len());
                (
                    cur.get(crate::text::slice(rest, 0, cut))?,
                    crate::text::slice(rest, cut, rest.len()),
                )
            }
        };
        cur = next;
        rest = tail.strip_prefix('.').unwrap_or(tail);
    }
    Some(cur.at)
}

/// Sorts events by `ts`, keeping log order on ties (the contract's reading order).
pub fn sort(events: &mut [Event]) {
    events.sort_by(|a, b| a.ts.total_cmp(&b.ts));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set() -> RuleSet {
        RuleSet::from_text(
            r#"{"version":"t","pages":[{"category":"pricing","match":["/pricing"]}],
            "events":{"webinar_attended":{"props":["webinar_id"]}},
            "categories":{"intent":{}},"rules":[],"bands":[{"name":"all"}]}"#,
        )
        .unwrap()
    }

    #[test]
    fn reads_contract_events() {
        let s = set();
        let e = s
            .event_from_text(r#"{ "type": "page_view", "ts": 1763856000000, "url": "https://acme.example/pricing?utm=x", "dwellMs": 12000 }"#)
            .unwrap();
        assert_eq!(e.page, s.page_id("pricing"));
        assert_eq!(e.dwell_ms, 12000.0);
        let e = s
            .event_from_text(r#"{"type":"webinar_attended","ts":1,"props":{"webinar_id":"w-12"}}"#)
            .unwrap();
        assert_eq!(e.prop("webinar_id"), Some(&Value::Str("w-12".into())));
        let e = s
            .event_from_text(r#"{"type":"page_view","ts":1,"url":"/blog"}"#)
            .unwrap();
        assert_eq!(e.page, s.page_id("other"));
    }

    #[test]
    fn rejects_with_codes_and_paths() {
        let s = set();
        for (text, code, path) in [
            (r#"{"type":"chat_opened","ts":1}"#, "unknown_event", "type"),
            (
                r#"{"type":"webinar_attended","ts":1,"props":{"seat":"3"}}"#,
                "unknown_prop",
                "props.seat",
            ),
            (r#"{"type":"page_view"}"#, "missing_field", "ts"),
            (r#"{"type":"page_view","ts":"1"}"#, "wrong_type", "ts"),
            (
                r#"{"type":"page_view","ts":1,"dwellMs":-5}"#,
                "invalid_value",
                "dwellMs",
            ),
            (r#"{"type":"page_view","ts":1e999}"#, "out_of_range", "ts"),
            (r#"{"type":"page_view","ts":9e15}"#, "out_of_range", "ts"),
            (
                r#"{"type":"page_view","ts":1,"dwellMs":1e16}"#,
                "out_of_range",
                "dwellMs",
            ),
            (
                r#"{"type":"identify","ts":1,"traits":{"a":{"b":[1e400]}}}"#,
                "out_of_range",
                "traits.a.b[0]",
            ),
            (
                r#"{"type":"page_view","ts":1,"tz":3}"#,
                "unknown_field",
                "tz",
            ),
            (
                r#"{"type":"page_view","ts":1,"traits":{}}"#,
                "invalid_value",
                "traits",
            ),
            (r#"[1]"#, "wrong_type", ""),
            (r#"{"type":"#, "syntax", "type"),
        ] {
            let e = s.event_from_text(text).unwrap_err();
            assert_eq!((e.code(), e.path.as_str()), (code, path), "{text}");
        }
        let e = s
            .event_from_text("{\"type\":\"webinar_attended\",\"ts\":1,\n \"props\":{\"seat\":3}}")
            .unwrap_err();
        // At the prop's key: the key is what is not declared.
        assert_eq!((e.line, e.column), (2, 11));
        // Inside lists too.
        let e = s
            .event_from_text(
                "{\"type\":\"identify\",\"ts\":1,\n \"traits\":{\"a\":[0,{\"b\":[\"x\",-1e999]}]}}",
            )
            .unwrap_err();
        assert_eq!(e.path, "traits.a[1].b[1]");
        assert_eq!((e.line, e.column), (2, 29));
    }
}
