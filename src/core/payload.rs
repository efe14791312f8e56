//! The CRM payload: what the browser hands on with a form post (its provisional result, the
//! rules version and the visitor's events), and its verification on the server.
//!
//! A score computed in the visitor's browser is a claim. Verification re-scores the events
//! with the same core and reports each way the claim disagrees with them. It catches a
//! visitor who edits the score, the band or the event list on its own; the digest is not a
//! signature, so someone who rewrites events *and* result consistently is bounded only by
//! the other checks (valid events, nothing after the submit, nothing dated after the
//! server's clock). The re-computed result is the authoritative one either way.
//!
//! A payload is hostile input: its size is checked before anything is read, its events are
//! sorted once (never inserted one by one), and a number that is not finite is a finding
//! wherever it appears rather than a value that compares as close to anything.

use crate::prelude::*;
use alloc::borrow::Cow;

use crate::error::{at_index, within, Error, ErrorKind};
use crate::events::Event;
use crate::explain::Outcome;
use crate::json::{self, Node, Value};
use crate::rules::RuleSet;

/// FNV-1a 64 of the events' text, as hex: ties the claimed result to the event list sent.
pub fn digest(events_text: &str) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in events_text.bytes() {
        h ^= b as u64;
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    let mut out = String::with_capacity(16);
    for i in (0..16).rev() {
        out.push(char::from_digit(((h >> (i * 4)) & 15) as u32, 16).unwrap_or('0'));
    }
    out
}

/// What a payload may hold, and how far ahead of the server's clock it may be dated.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Limits {
    /// Bytes of the payload as received (base64url or JSON text).
    pub max_bytes: usize,
    /// Events in the payload.
    pub max_events: usize,
    /// How far (ms) the payload's `ts` may be ahead of the server's clock: clocks differ.
    pub max_skew_ms: f64,
}

/// Generous for real visitors: the tag stores at most 2,000 events (a few hundred KB).
pub const DEFAULT_LIMITS: Limits = Limits {
    max_bytes: 4_000_000,
    max_events: 10_000,
    max_skew_ms: 300_000.0,
};

/// The server's side of a verification: its clock, the time to score as of, the limits.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Check {
    /// The server's clock (ms): a payload dated later than this plus the skew is a finding.
    pub clock: f64,
    /// When to compute the authoritative result; `None`: as of the payload's own time
    /// (the server's clock when that time cannot be trusted).
    pub now: Option<f64>,
    pub limits: Limits,
}

/// One way a payload disagrees with its own events.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    /// Stable: `events_edited`, `invalid_event`, `future_event`, `not_finite`,
    /// `from_future`, `rules_version`, `score_edited`, `band_edited`, `categories_edited`,
    /// `disqualified_edited`.
    pub code: &'static str,
    /// JSON path in the payload of what disagrees (`result.score`, `events[3].ts`).
    pub path: String,
    pub message: String,
}

#[derive(Debug, Clone)]
pub struct Verdict {
    /// When the browser made the payload (ms); `None` when that is not a finite number.
    pub ts: Option<f64>,
    /// The result re-computed from the events, as of the requested `now`.
    pub authoritative: Outcome,
    pub findings: Vec<Finding>,
}

impl Verdict {
    pub fn consistent(&self) -> bool {
        self.findings.is_empty()
    }

    /// `{"consistent":…,"findings":[…],"payloadTs":…,"result":{…}}`: what `leadscore
    /// verify` prints and `leadscore/server`'s `verify` returns, from this one writer.
    #[cfg(feature = "std")]
    pub fn to_json(&self) -> String {
        let mut o = String::from("{\"consistent\":");
        o.push_str(if self.consistent() { "true" } else { "false" });
        o.push_str(",\"findings\":[");
        for (i, x) in self.findings.iter().enumerate() {
            if i > 0 {
                o.push(',');
            }
            o.push_str("{\"code\":");
            json::write_str(&mut o, x.code);
            o.push_str(",\"path\":");
            json::write_str(&mut o, &x.path);
            o.push_str(",\"message\":");
            json::write_str(&mut o, &x.message);
            o.push('}');
        }
        o.push_str("],\"payloadTs\":");
        match self.ts {
            Some(ts) => json::write_num(&mut o, ts),
            None => o.push_str("null"),
        }
        o.push_str(",\"result\":");
        o.push_str(&self.authoritative.to_json(None));
        o.push('}');
        o
    }
}

/// Decodes base64url (padding optional); `None` when the text is not base64url.
pub fn base64url_decode(text: &str) -> Option<Vec<u8>> {
    sextets_to_bytes(text.trim().trim_end_matches('='), true)
}

/// The bytes of base64 digits without padding: the standard alphabet, and with `url` the
/// URL-safe one too. The one decoder of the crate (payloads, stored state).
pub(crate) fn sextets_to_bytes(body: &str, url: bool) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(body.len() * 3 / 4);
    let (mut acc, mut bits) = (0u32, 0u32);
    for b in body.bytes() {
        let v = match b {
            b'A'..=b'Z' => b - b'A',
            b'a'..=b'z' => b - b'a' + 26,
            b'0'..=b'9' => b - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            b'-' if url => 62,
            b'_' if url => 63,
            _ => return None,
        } as u32;
        acc = (acc << 6) | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Some(out)
}

fn bad(message: &'static str, path: &str) -> Error {
    Error::new(ErrorKind::InvalidValue(message), path)
}

/// The payload's JSON text: as given, or decoded from its base64url form (as posted in
/// the `leadscore_payload` form field).
pub fn json_text(payload: &str) -> Result<Cow<'_, str>, Error> {
    if payload.trim_start().starts_with('{') {
        return Ok(Cow::Borrowed(payload));
    }
    let bytes = base64url_decode(payload).ok_or_else(|| bad("not JSON and not base64url", ""))?;
    String::from_utf8(bytes)
        .map(Cow::Owned)
        .map_err(|_| bad("base64url of something that is not text", ""))
}

/// The payload's event list.
pub fn events_of<'n, 'a>(node: &'n Node<'a>) -> Result<&'n [Node<'a>], Error> {
    match node.get("events").map(|n| &n.value) {
        Some(Value::Arr(items)) => Ok(items),
        Some(_) => Err(bad("must be an array", "events")),
        None => Err(Error::new(ErrorKind::MissingField("events"), "events")),
    }
}

/// Refuses a payload of more than `limits.max_bytes` bytes (as received) before any work.
pub fn check_size(bytes: usize, limits: &Limits) -> Result<(), Error> {
    if bytes <= limits.max_bytes {
        return Ok(());
    }
    let kind = ErrorKind::TooLarge {
        limit: limits.max_bytes,
        unit: "bytes",
    };
    Err(Error::new(kind, ""))
}

/// Verifies a payload (JSON text, or its base64url form) against `set`. The claim is
/// checked as of the payload's own `ts`. Errors are payloads that cannot be verified at
/// all (unreadable, or over a limit, checked before any work); findings are claims that
/// disagree with their events.
pub fn verify(set: &RuleSet, payload: &str, check: &Check) -> Result<Verdict, Error> {
    check_size(payload.len(), &check.limits)?;
    let text = json_text(payload)?;
    let node = json::read(&text)?;
    let (items, ts, claimed) = parts(&node, &check.limits)?;
    let mut findings = Findings(Vec::new());
    // Every number outside the events (the events are checked one by one).
    if let Value::Obj(fields) = &node.value {
        for (key, value) in fields.iter().filter(|(k, _)| k != "events") {
            findings.non_finite(value, &mut key.to_string());
        }
    }
    let (from, to) = node.get("events").map_or((0, 0), |n| (n.at, n.end));
    let events_text = crate::text::slice(&text, from as usize, to as usize);
    if node.get("digest").and_then(Node::as_str) != Some(digest(events_text).as_str()) {
        findings.note(
            "events_edited",
            "events".into(),
            "the event list does not match the digest it was sent with".into(),
        );
    }
    let trusted = findings.dated(ts, check);
    // A time that is no number at all cannot date the claim: the server's clock stands in.
    let at = if ts.is_finite() { ts } else { check.clock };
    let events = read_events(set, items, at, &mut findings);
    let at_submit = crate::engine::score(set, &events, at);
    compare(set, claimed, &at_submit, &mut findings);
    let now = check.now.unwrap_or(if trusted { ts } else { check.clock });
    let authoritative = if now == at {
        at_submit
    } else {
        crate::engine::score(set, &events, now)
    };
    Ok(Verdict {
        ts: Some(ts).filter(|t| t.is_finite()),
        authoritative,
        findings: findings.0,
    })
}

/// The payload's events (within the limit), time and claimed result, or why it is no
/// leadscore payload.
fn parts<'n, 'a>(
    node: &'n Node<'a>,
    limits: &Limits,
) -> Result<(&'n [Node<'a>], f64, &'n Node<'a>), Error> {
    if node.get("v").and_then(Node::as_f64) != Some(1.0) {
        return Err(bad("not a leadscore payload of a known version", "v"));
    }
    let items = events_of(node)?;
    if items.len() > limits.max_events {
        let kind = ErrorKind::TooLarge {
            limit: limits.max_events,
            unit: "events",
        };
        return Err(Error::new(kind, "events"));
    }
    let ts = match node.get("ts") {
        Some(n) => n.as_f64().ok_or_else(|| bad("must be a number", "ts"))?,
        None => return Err(Error::new(ErrorKind::MissingField("ts"), "ts")),
    };
    match node.get("result") {
        Some(
            n @ Node {
                value: Value::Obj(_),
                ..
            },
        ) => Ok((items, ts, n)),
        Some(_) => Err(bad("must be an object", "result")),
        None => Err(Error::new(ErrorKind::MissingField("result"), "result")),
    }
}

/// Milliseconds as seconds, to the millisecond: for messages.
fn seconds(ms: f64) -> String {
    format!("{}", libm::round(ms) / 1000.0)
}

struct Findings(Vec<Finding>);

impl Findings {
    fn note(&mut self, code: &'static str, path: String, message: String) {
        self.0.push(Finding {
            code,
            path,
            message,
        });
    }

    /// Notes a payload dated after the server's clock, beyond the skew clocks may have;
    /// true when its time can be trusted (finite, and not from the future).
    fn dated(&mut self, ts: f64, check: &Check) -> bool {
        let skew = check.limits.max_skew_ms;
        if ts.is_finite() && ts > check.clock + skew {
            self.note(
                "from_future",
                "ts".into(),
                format!(
                    "the payload is dated {} s after the server's clock; clocks may differ by {} s",
                    seconds(ts - check.clock),
                    seconds(skew)
                ),
            );
            return false;
        }
        ts.is_finite()
    }

    /// Notes every number under `node` that is not finite (`1e400` reads as infinity);
    /// `path` is the node's path, restored on return. True when there was one.
    fn non_finite(&mut self, node: &Node, path: &mut String) -> bool {
        let mut found = false;
        match &node.value {
            Value::Num(n) if !n.is_finite() => {
                self.note(
                    "not_finite",
                    path.clone(),
                    "a number too large to be finite (it reads as infinity); \
                     every number in a payload must be finite"
                        .into(),
                );
                found = true;
            }
            Value::Arr(items) => {
                for (i, item) in items.iter().enumerate() {
                    let len = path.len();
                    *path = at_index(path, i);
                    found |= self.non_finite(item, path);
                    path.truncate(len);
                }
            }
            Value::Obj(fields) => {
                for (key, value) in fields {
                    let len = path.len();
                    *path = within(path, key);
                    found |= self.non_finite(value, path);
                    path.truncate(len);
                }
            }
            _ => {}
        }
        found
    }
}

/// The events that count, in reading order (sorted once: a payload may list them in any
/// order, and inserting each in place would be quadratic); findings for the others.
fn read_events(set: &RuleSet, items: &[Node], ts: f64, findings: &mut Findings) -> Vec<Event> {
    let mut events = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let mut path = at_index("events", i);
        if findings.non_finite(item, &mut path) {
            continue;
        }
        match set.event(item) {
            Ok(e) if e.ts > ts => findings.note(
                "future_event",
                within(&path, "ts"),
                format!(
                    "the event is dated {} s after the payload itself",
                    seconds(e.ts - ts)
                ),
            ),
            Ok(e) => events.push(e),
            Err(e) => findings.note("invalid_event", within(&path, &e.path), e.message()),
        }
    }
    crate::events::sort(&mut events);
    events
}

/// Each way the claimed result differs from the one its events give at the same time.
fn compare(set: &RuleSet, claimed: &Node, truth: &Outcome, findings: &mut Findings) {
    let field = |key: &str| claimed.get(key).map(|n| &n.value);
    let version = field("rulesVersion").and_then(as_str);
    if version != Some(set.version.as_str()) {
        findings.note(
            "rules_version",
            "result.rulesVersion".into(),
            format!(
                "scored with rules {}, verified with {}",
                quoted(version),
                quoted(Some(&set.version))
            ),
        );
    }
    match field("score") {
        Some(Value::Num(n)) if !n.is_finite() => {} // noted as not_finite
        Some(Value::Num(n)) if close(*n, truth.score) => {}
        claim => findings.note(
            "score_edited",
            "result.score".into(),
            format!(
                "{}, the events give {}",
                claim_text("score", claim),
                truth.score
            ),
        ),
    }
    let band = field("band").and_then(as_str);
    if band != truth.band.as_deref() {
        findings.note(
            "band_edited",
            "result.band".into(),
            format!(
                "claimed band {}, the events give {}",
                quoted(band),
                quoted(truth.band.as_deref())
            ),
        );
    }
    let dq = matches!(field("disqualified"), Some(Value::Bool(true)));
    if dq != truth.disqualified {
        findings.note(
            "disqualified_edited",
            "result.disqualified".into(),
            format!(
                "claimed disqualified {dq}, the events give {}",
                truth.disqualified
            ),
        );
    }
    compare_categories(claimed.get("categories"), truth, findings);
}

/// Category totals: the CRM receives each as its own form field, so each edited one is
/// named; a claimed category the rules do not have is one too.
fn compare_categories(claimed: Option<&Node>, truth: &Outcome, findings: &mut Findings) {
    let Some(Node {
        value: Value::Obj(fields),
        ..
    }) = claimed
    else {
        findings.note(
            "categories_edited",
            "result.categories".into(),
            "no category totals claimed".into(),
        );
        return;
    };
    for (name, v) in &truth.categories {
        let claim = fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, n)| &n.value);
        match claim {
            Some(Value::Num(n)) if !n.is_finite() => {} // noted as not_finite
            Some(Value::Num(n)) if close(*n, *v) => {}
            claim => findings.note(
                "categories_edited",
                within("result.categories", name),
                format!(
                    "{}, the events give {v}",
                    claim_text(&[name, " total"].concat(), claim)
                ),
            ),
        }
    }
    for (name, _) in fields {
        if !truth.categories.iter().any(|(k, _)| k == name) {
            findings.note(
                "categories_edited",
                within("result.categories", name),
                format!("claimed category \"{name}\" is not one of the rules'"),
            );
        }
    }
}

fn as_str<'v>(v: &'v Value) -> Option<&'v str> {
    match v {
        Value::Str(s) => Some(s),
        _ => None,
    }
}

/// `"hot"`, or `none`.
fn quoted(s: Option<&str>) -> String {
    match s {
        Some(s) => {
            let mut out = String::new();
            json::write_str(&mut out, s);
            out
        }
        None => "none".into(),
    }
}

/// What was claimed for `what`, as a person reads it.
fn claim_text(what: &str, claim: Option<&Value>) -> String {
    match claim {
        Some(Value::Num(n)) => format!("claimed {what} {n}"),
        Some(other) => format!("claimed {what} is {}", other.kind()),
        None => format!("no {what} claimed"),
    }
}

/// Equal up to the last bits: JSON printing on the way may not be the same shortest form.
/// Both must be finite: infinity would be "close" to anything.
fn close(a: f64, b: f64) -> bool {
    a.is_finite()
        && b.is_finite()
        && (a == b || (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64url_round_trip_and_digest_shape() {
        assert_eq!(base64url_decode("eyJ2IjoxfQ").unwrap(), b"{\"v\":1}");
        assert_eq!(base64url_decode("eyJ2IjoxfQ==").unwrap(), b"{\"v\":1}");
        assert!(base64url_decode("not base64!").is_none());
        assert_eq!(digest("").len(), 16);
        assert_ne!(digest("[1]"), digest("[2]"));
    }

    #[test]
    fn infinity_is_close_to_nothing() {
        assert!(!close(f64::INFINITY, 40.0));
        assert!(!close(f64::INFINITY, f64::INFINITY));
        assert!(!close(f64::NAN, 40.0));
        assert!(close(40.000000000000001, 40.0));
    }
}
