//! The CRM payload: what the browser hands on with a form post (its provisional result, the
//! rules version and the visitor's events), and its verification on the server.
//!
//! A score computed in the visitor's browser is a claim. Verification re-scores the events
//! with the same core and reports each way the claim disagrees with them. It catches a
//! visitor who edits the score, the band or the event list on its own; the digest is not a
//! signature, so someone who rewrites events *and* result consistently is bounded only by
//! the other checks (valid events, nothing after the submit). The re-computed result is the
//! authoritative one either way.

use crate::prelude::*;

use crate::error::{Error, ErrorKind};
use crate::explain::Outcome;
use crate::json::{self, Node, Value};
use crate::rules::RuleSet;
use crate::state::Visitor;

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

/// One way a payload disagrees with its own events.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    /// Stable: `events_edited`, `invalid_event`, `future_event`, `rules_version`,
    /// `score_edited`, `band_edited`, `categories_edited`, `disqualified_edited`.
    pub code: &'static str,
    pub message: String,
}

#[derive(Debug, Clone)]
pub struct Verdict {
    /// When the browser made the payload (ms).
    pub ts: f64,
    pub claimed_score: Option<f64>,
    /// The result re-computed from the events, as of the requested `now`.
    pub authoritative: Outcome,
    pub findings: Vec<Finding>,
}

impl Verdict {
    pub fn consistent(&self) -> bool {
        self.findings.is_empty()
    }
}

/// Decodes base64url (padding optional); `None` when the text is not base64url.
pub fn base64url_decode(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let (mut acc, mut bits) = (0u32, 0u32);
    for b in text.trim().trim_end_matches('=').bytes() {
        let v = match b {
            b'A'..=b'Z' => b - b'A',
            b'a'..=b'z' => b - b'a' + 26,
            b'0'..=b'9' => b - b'0' + 52,
            b'-' | b'+' => 62,
            b'_' | b'/' => 63,
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

/// Verifies a payload (JSON text, or its base64url form as posted in `leadscore_payload`)
/// against `set`. The claim is checked as of the payload's own `ts`; the authoritative
/// result is computed as of `now` (default: that same `ts`).
pub fn verify(set: &RuleSet, payload: &str, now: Option<f64>) -> Result<Verdict, Error> {
    let decoded;
    let text = if payload.trim_start().starts_with('{') {
        payload
    } else {
        let bytes =
            base64url_decode(payload).ok_or_else(|| bad("not JSON and not base64url", ""))?;
        decoded = String::from_utf8(bytes)
            .map_err(|_| bad("base64url of something that is not text", ""))?;
        &decoded
    };
    let node = json::read(text)?;
    if node.get("v").and_then(Node::as_f64) != Some(1.0) {
        return Err(bad("not a leadscore payload of a known version", "v"));
    }
    let ts = node
        .get("ts")
        .and_then(Node::as_f64)
        .filter(|t| t.is_finite())
        .ok_or_else(|| bad("missing or not a number", "ts"))?;
    let events = node
        .get("events")
        .ok_or_else(|| Error::new(ErrorKind::MissingField("events"), ""))?;
    let Value::Arr(items) = &events.value else {
        return Err(bad("must be an array", "events"));
    };
    let claimed = node
        .get("result")
        .ok_or_else(|| Error::new(ErrorKind::MissingField("result"), ""))?;

    let mut findings = Vec::new();
    let mut note = |code: &'static str, message: String| findings.push(Finding { code, message });
    let events_text = &text[events.at as usize..events.end as usize];
    match node.get("digest").and_then(Node::as_str) {
        Some(d) if d == digest(events_text) => {}
        _ => note(
            "events_edited",
            "the event list does not match the digest it was sent with".into(),
        ),
    }
    let mut visitor = Visitor::default();
    for (i, item) in items.iter().enumerate() {
        match set.event(item) {
            Ok(e) if e.ts > ts => note(
                "future_event",
                format!("events[{i}] is later than the payload itself"),
            ),
            Ok(e) => visitor.push(e, None),
            Err(e) => note(
                "invalid_event",
                format!("events[{i}].{}: {}", e.path, e.message()),
            ),
        }
    }
    let at_submit = visitor.score(set, ts);
    let str_at = |key: &str| claimed.get(key).and_then(Node::as_str);
    if str_at("rulesVersion") != Some(set.version.as_str()) {
        note(
            "rules_version",
            format!(
                "scored with rules {:?}, verified with {:?}",
                str_at("rulesVersion").unwrap_or("?"),
                set.version
            ),
        );
    }
    let claimed_score = claimed.get("score").and_then(Node::as_f64);
    if !claimed_score.is_some_and(|s| close(s, at_submit.score)) {
        note(
            "score_edited",
            format!(
                "claimed score {:?}, the events give {}",
                claimed_score, at_submit.score
            ),
        );
    }
    if str_at("band") != at_submit.band.as_deref() {
        note(
            "band_edited",
            format!(
                "claimed band {:?}, the events give {:?}",
                str_at("band"),
                at_submit.band
            ),
        );
    }
    let claimed_dq = matches!(
        claimed.get("disqualified").map(|n| &n.value),
        Some(Value::Bool(true))
    );
    if claimed_dq != at_submit.disqualified {
        note(
            "disqualified_edited",
            format!("claimed disqualified = {claimed_dq}"),
        );
    }
    let cats_ok = at_submit.categories.iter().all(|(name, v)| {
        claimed
            .get("categories")
            .and_then(|c| c.get(name))
            .and_then(Node::as_f64)
            .is_some_and(|x| close(x, *v))
    });
    if !cats_ok {
        note(
            "categories_edited",
            "claimed category totals differ from the events'".into(),
        );
    }
    let authoritative = match now {
        Some(n) if n != ts => visitor.score(set, n),
        _ => at_submit,
    };
    Ok(Verdict {
        ts,
        claimed_score,
        authoritative,
        findings,
    })
}

/// Equal up to the last bits: JSON printing on the way may not be the same shortest form.
fn close(a: f64, b: f64) -> bool {
    a == b || (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1.0)
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
}
