//! Property tests of the payload reader (proptest, in `cargo test`): whatever text arrives
//! in the form field (a genuine payload mutated byte by byte, JSON tokens spliced in,
//! truncated, base64url-wrapped, or noise), `payload::verify` never panics, and gives
//! either a verdict whose numbers are all finite or an error with a code and a message.

mod support;

use leadscore::json::{Node, Value};
use leadscore::payload::{verify, Check, Verdict, DEFAULT_LIMITS};
use leadscore::RuleSet;
use proptest::prelude::*;
use support::*;

/// What hostile edits splice in: non-finite and edge numbers, JSON punctuation, types.
const TOKENS: [&str; 20] = [
    "1e400",
    "-1e400",
    "1E+309",
    "NaN",
    "Infinity",
    "null",
    "true",
    "\"x\"",
    "{",
    "}",
    "[",
    "]",
    ",",
    ":",
    "\"",
    "-0",
    "1e-400",
    "4.9e-324",
    "\\u0000",
    "99999999999999999999999",
];

/// `PROPTEST_CASES` in the environment overrides `cases` (for longer local runs).
fn config(cases: u32) -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(cases);
    ProptestConfig {
        cases,
        // No proptest-regressions/ files written into the source tree.
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

#[derive(Debug, Clone)]
enum Mutation {
    Insert(prop::sample::Index, usize),
    Delete(prop::sample::Index, usize),
    Replace(prop::sample::Index, u8),
    /// Replaces the number starting at or after a place with a token.
    Number(prop::sample::Index, usize),
    Truncate(prop::sample::Index),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<prop::sample::Index>(), 0..TOKENS.len()).prop_map(|(i, t)| Mutation::Insert(i, t)),
        (any::<prop::sample::Index>(), 1usize..12).prop_map(|(i, n)| Mutation::Delete(i, n)),
        (any::<prop::sample::Index>(), any::<u8>()).prop_map(|(i, b)| Mutation::Replace(i, b)),
        (any::<prop::sample::Index>(), 0..TOKENS.len()).prop_map(|(i, t)| Mutation::Number(i, t)),
        any::<prop::sample::Index>().prop_map(Mutation::Truncate),
    ]
}

fn apply(text: &mut Vec<u8>, m: &Mutation) {
    let at = |i: &prop::sample::Index, len: usize| i.index(len + 1);
    match m {
        Mutation::Insert(i, t) => {
            let p = at(i, text.len());
            text.splice(p..p, TOKENS[*t].bytes());
        }
        Mutation::Delete(i, n) => {
            let p = at(i, text.len());
            text.drain(p..(p + n).min(text.len()));
        }
        Mutation::Replace(i, b) => {
            if !text.is_empty() {
                let p = i.index(text.len());
                text[p] = *b;
            }
        }
        Mutation::Number(i, t) => {
            let from = at(i, text.len());
            let start = text[from..].iter().position(u8::is_ascii_digit);
            if let Some(s) = start.map(|s| s + from) {
                let len = text[s..]
                    .iter()
                    .take_while(|b| b.is_ascii_digit() || b".eE+-".contains(b))
                    .count();
                text.splice(s..s + len, TOKENS[*t].bytes());
            }
        }
        Mutation::Truncate(i) => {
            let p = at(i, text.len());
            text.truncate(p);
        }
    }
}

fn assert_sound(input: &str) {
    let set = RuleSet::from_text(&rules_text()).unwrap();
    let check = Check {
        clock: NOW_F,
        now: None,
        limits: DEFAULT_LIMITS,
    };
    match verify(&set, input, &check) {
        Ok(v) => assert_finite(&v),
        Err(e) => {
            assert!(!e.code().is_empty());
            assert!(!e.message().is_empty(), "{}", e.code());
        }
    }
}

fn assert_finite(v: &Verdict) {
    let a = &v.authoritative;
    assert!(v.ts.is_none_or(f64::is_finite));
    assert!(a.score.is_finite(), "{}", a.score);
    assert!(a.categories.iter().all(|(_, x)| x.is_finite()));
    assert!(a.explain.iter().all(|x| x.points.is_finite()));
    for f in &v.findings {
        assert!(!f.message.is_empty() && !f.code.is_empty());
    }
}

/// Byte ranges of every number in a JSON text, found with the crate's own reader.
fn number_spans(text: &str) -> Vec<(usize, usize)> {
    fn walk(n: &Node, out: &mut Vec<(usize, usize)>) {
        match &n.value {
            Value::Num(_) => out.push((n.at as usize, n.end as usize)),
            Value::Arr(items) => items.iter().for_each(|i| walk(i, out)),
            Value::Obj(fields) => fields.iter().for_each(|(_, v)| walk(v, out)),
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(&leadscore::json::parse(text).unwrap(), &mut out);
    out
}

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn a_non_finite_number_anywhere_is_never_consistent(
        which in any::<prop::sample::Index>(),
        token in prop::sample::select(vec!["1e400", "-1e400", "1E+309", "-2e308"]),
        base64 in any::<bool>(),
    ) {
        let genuine = payload(&contract_events_array(), NOW_F);
        let spans = number_spans(&genuine);
        let (from, to) = spans[which.index(spans.len())];
        let text = format!("{}{token}{}", &genuine[..from], &genuine[to..]);
        let set = RuleSet::from_text(&rules_text()).unwrap();
        let check = Check { clock: NOW_F, now: None, limits: DEFAULT_LIMITS };
        let input = if base64 { base64url(&text) } else { text.clone() };
        // Refused outright (should the reader ever refuse such numbers) or not consistent.
        if let Ok(v) = verify(&set, &input, &check) {
            assert_finite(&v);
            prop_assert!(
                v.findings.iter().any(|f| f.code == "not_finite"),
                "{token} at {from}: {:?}", v.findings
            );
        }
    }

    #[test]
    fn mutated_payloads_give_a_verdict_or_an_error(
        mutations in prop::collection::vec(mutation(), 1..6),
        base64 in any::<bool>(),
    ) {
        let mut bytes = payload(&contract_events_array(), NOW_F).into_bytes();
        for m in &mutations {
            apply(&mut bytes, m);
        }
        let text = String::from_utf8_lossy(&bytes).into_owned();
        assert_sound(&if base64 { base64url(&text) } else { text.clone() });
        // A non-finite number in place of a claimed number is never consistent.
        if mutations.iter().all(|m| matches!(m, Mutation::Number(..))) {
            let set = RuleSet::from_text(&rules_text()).unwrap();
            let check = Check { clock: NOW_F, now: None, limits: DEFAULT_LIMITS };
            let infinite = ["1e400", "-1e400", "1E+309", "99999999999999999999999"];
            // What reached the text: a mutation past the last digit splices nothing.
            let spliced = infinite[..3].iter().any(|t| text.contains(t));
            if spliced {
                if let Ok(v) = verify(&set, &text, &check) {
                    prop_assert!(!v.consistent(), "{text}");
                }
            }
        }
    }

    #[test]
    fn noise_gives_a_verdict_or_an_error(text in "\\PC{0,200}", wrap in "[{}\\[\\]\"0-9a-z:,.eE+-]{0,80}") {
        assert_sound(&text);
        assert_sound(&format!("{{\"v\":1,\"ts\":1,\"result\":{{}},\"events\":[{wrap}]}}"));
        assert_sound(&base64url(&text));
    }
}
