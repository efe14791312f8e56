//! Fuzzing in `cargo test` (issue #12): hostile rules texts, event texts and stored state,
//! generated and mutated by proptest. Whatever the text, the readers never panic, answer
//! with a result or with problems that each carry a known code, a well-formed path and a
//! position inside the text, and a result never holds a number outside its range.
//!
//! Each target runs a few hundred cases here; `PROPTEST_CASES=100000 cargo test --release
//! --test fuzz` is the long run (README, "Reliability").

use leadscore::{Error, RuleSet, Visitor};
use proptest::prelude::*;

/// Every code the README documents.
const CODES: &[&str] = &[
    "syntax",
    "duplicate_key",
    "wrong_type",
    "missing_field",
    "unknown_field",
    "invalid_value",
    "out_of_range",
    "duplicate_rule_id",
    "unknown_category",
    "unknown_page_category",
    "unknown_event",
    "unknown_prop",
    "not_for_traits",
    "ambiguous_when",
    "sequence_too_short",
    "bad_glob",
    "unknown_op",
    "unknown_condition_field",
    "duplicate_band_min",
    "duplicate_band_name",
    "second_catch_all_band",
    "empty_list",
];

const CONTRACT_RULES: &str = include_str!("fixtures/contract-rules.json");
const DEMO_RULES: &str = include_str!("../www/site/leadscore/rules.json");
const BROKEN_RULES: &str = include_str!("fixtures/broken-rules.json");
const EVENTS: &str = include_str!("fixtures/contract-events.jsonl");
const VISITORS: &str = include_str!("fixtures/visitors.jsonl");

/// Fragments a mutation inserts: JSON's punctuation, the format's keys, and the values at
/// the edges (huge numbers, lone surrogates, control characters, deep nesting).
const TOKENS: &[&str] = &[
    "{",
    "}",
    "[",
    "]",
    "\"",
    ",",
    ":",
    " ",
    "\n",
    "\\",
    "1e400",
    "-1e400",
    "1e308",
    "-0",
    "0.5",
    "4294967296",
    "1e-400",
    "null",
    "true",
    "false",
    "\"\"",
    "\"x\"",
    "\"\\ud800\"",
    "\"\\u0000\"",
    "\"é\"",
    "\"😀\"",
    "\"points\"",
    "\"maxCount\"",
    "\"when\"",
    "\"event\"",
    "\"sequence\"",
    "\"traits\"",
    "\"page\"",
    "\"min\"",
    "\"max\"",
    "\"id\"",
    "\"rules\"",
    "\"bands\"",
    "\"categories\"",
    "\"version\"",
    "\"halfLifeDays\": 0,",
    "\"maxSpanDays\"",
    "{\"event\":\"page_view\"}",
    "[[[[[[[[[[[[[[[[",
    "]]]]]]]]",
    "\"/x/**\"",
    "\"*\"",
    "\"**\"",
    "\"page_view\"",
    "\"identify\"",
    "\"props\"",
    "\"ts\"",
    "\"dwellMs\"",
    "\"type\"",
    "\"url\"",
    "\"form\"",
    "\"where\"",
    "\"field\"",
    "\"op\"",
    "\"value\"",
    "\"in\"",
    "\"matches\"",
    "\"exists\"",
    "\"props.webinar_id\"",
    "\"v\"",
    "\"events\"",
    "99999999999999999999",
    "1.7976931348623157e308",
    "8.64e15",
    "-8.64e15",
];

#[derive(Debug, Clone)]
enum Edit {
    Delete(usize, usize),
    Insert(usize, usize),
    Duplicate(usize, usize),
    Replace(usize, usize),
    Truncate(usize),
    Swap(usize, usize),
}

fn edit() -> impl Strategy<Value = Edit> {
    let at = 0usize..1 << 16;
    prop_oneof![
        (at.clone(), 1usize..40).prop_map(|(a, n)| Edit::Delete(a, n)),
        (at.clone(), 0..TOKENS.len()).prop_map(|(a, t)| Edit::Insert(a, t)),
        (at.clone(), 1usize..200).prop_map(|(a, n)| Edit::Duplicate(a, n)),
        (at.clone(), 0..TOKENS.len()).prop_map(|(a, t)| Edit::Replace(a, t)),
        at.clone().prop_map(Edit::Truncate),
        (at.clone(), at).prop_map(|(a, b)| Edit::Swap(a, b)),
    ]
}

/// Applies byte-level edits; the result is made valid UTF-8 the way a browser would.
fn mutate(seed: &str, edits: &[Edit]) -> String {
    let mut b = seed.as_bytes().to_vec();
    for e in edits {
        let n = b.len().max(1);
        match *e {
            Edit::Delete(a, k) => {
                let a = a % n;
                let end = (a + k).min(b.len());
                b.drain(a.min(end)..end);
            }
            Edit::Insert(a, t) => {
                let a = a % (b.len() + 1);
                b.splice(a..a, TOKENS[t].bytes());
            }
            Edit::Duplicate(a, k) => {
                let a = a % n;
                let end = (a + k).min(b.len());
                let piece = b[a.min(end)..end].to_vec();
                b.splice(end..end, piece);
            }
            Edit::Replace(a, t) => {
                let a = a % n;
                let end = (a + TOKENS[t].len()).min(b.len());
                b.splice(a.min(end)..end, TOKENS[t].bytes());
            }
            Edit::Truncate(a) => b.truncate(a % n),
            Edit::Swap(x, y) => {
                if !b.is_empty() {
                    let (x, y) = (x % b.len(), y % b.len());
                    b.swap(x, y);
                }
            }
        }
    }
    String::from_utf8_lossy(&b).into_owned()
}

/// Arbitrary short texts from JSON's alphabet and the format's tokens.
fn soup() -> impl Strategy<Value = String> {
    prop::collection::vec(0..TOKENS.len(), 0..60)
        .prop_map(|ts| ts.iter().map(|&t| TOKENS[t]).collect::<String>())
}

/// The problem is well-formed: a known code, a message, a path unless it is about the
/// whole document, and, from text, a line and column inside the text.
fn well_formed(text: &str, e: &Error) -> Result<(), TestCaseError> {
    prop_assert!(CODES.contains(&e.code()), "unknown code {e:?}");
    prop_assert!(!e.message().is_empty(), "{e:?}");
    // Keys may hold any character, so a path is not always parseable; but only a problem
    // of the whole document (not JSON, not an object, a number beyond the doubles) has no
    // path.
    if e.path.is_empty() {
        prop_assert!(
            ["syntax", "wrong_type", "out_of_range"].contains(&e.code()),
            "{e:?}"
        );
    }
    prop_assert!(e.line >= 1, "no position: {e:?}");
    let lines: Vec<&str> = text.split('\n').collect();
    prop_assert!((e.line as usize) <= lines.len(), "{e:?}");
    let chars = lines[e.line as usize - 1].chars().count();
    prop_assert!(e.column >= 1 && e.column as usize <= chars + 1, "{e:?}");
    Ok(())
}

fn check_rules(text: &str) -> Result<(), TestCaseError> {
    match RuleSet::from_text(text) {
        Err(errs) => {
            prop_assert!(!errs.is_empty());
            for e in &errs {
                well_formed(text, e)?;
            }
        }
        Ok(set) => {
            // Whatever was accepted scores finite numbers.
            let events: Vec<_> = EVENTS
                .lines()
                .filter_map(|l| set.event_from_text(l).ok())
                .collect();
            for now in [0.0, 1_766_448_000_000.0, 8.64e15] {
                let out = leadscore::score(&set, &events, now);
                prop_assert!(out.score.is_finite());
                prop_assert!(out.categories.iter().all(|(_, v)| v.is_finite()));
            }
            let marks = set.dwell_marks();
            prop_assert!(marks.windows(2).all(|w| w[0] < w[1]));
        }
    }
    Ok(())
}

fn rules_seed() -> impl Strategy<Value = &'static str> {
    prop::sample::select(vec![CONTRACT_RULES, DEMO_RULES, BROKEN_RULES])
}

/// `PROPTEST_CASES` in the environment overrides `cases` (for the long runs).
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

fn event_lines() -> Vec<&'static str> {
    EVENTS
        .lines()
        .chain(VISITORS.lines())
        .filter(|l| !l.trim().is_empty())
        .collect()
}

/// The event lines that are JSON (the fixtures hold a deliberately broken one), as items
/// of a stored state must be.
fn json_lines() -> Vec<&'static str> {
    event_lines()
        .into_iter()
        .filter(|l| leadscore::json::parse(l).is_ok())
        .collect()
}

fn sets() -> [RuleSet; 2] {
    [
        RuleSet::from_text(CONTRACT_RULES).unwrap(),
        RuleSet::from_text(DEMO_RULES).unwrap(),
    ]
}

fn check_event(set: &RuleSet, text: &str) -> Result<(), TestCaseError> {
    match set.event_from_text(text) {
        Ok(e) => {
            prop_assert!(e.ts.is_finite() && e.ts.abs() <= 8.64e15, "{text}");
            prop_assert!(e.dwell_ms.is_finite() && e.dwell_ms >= 0.0, "{text}");
        }
        Err(e) => well_formed(text, &e)?,
    }
    Ok(())
}

/// Items of a state that are JSON but not events these rules accept.
const BAD_ITEMS: &[&str] = &[
    r#"{"type":"nope","ts":1}"#,
    r#"{"type":"page_view","ts":1e400}"#,
    r#"{"type":"page_view","ts":-1e999,"url":"/"}"#,
    r#"{"type":"page_view","ts":9e15}"#,
    r#"{"type":"page_view","ts":"1"}"#,
    r#"{"type":"page_view","ts":1,"dwellMs":-1}"#,
    r#"{"type":"page_view","ts":1,"dwellMs":1e400}"#,
    r#"{"type":"webinar_attended","ts":1,"props":{"seat":1}}"#,
    r#"{"type":"webinar_attended","ts":1,"props":{"webinar_id":[1e999]}}"#,
    r#"{"type":"identify","ts":1,"traits":{"a":{"b":-1e999}}}"#,
    r#"{"type":"identify","ts":1,"traits":[]}"#,
    r#"{"ts":1}"#,
    r#"{}"#,
    r#"[1]"#,
    r#"null"#,
    r#""page_view""#,
    r#"{"type":"page_view","ts":1,"extra":true}"#,
    r#"[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]"#,
];

proptest! {
    #![proptest_config(config(300))]

    /// Mutated real rules files: never a panic; problems well-formed; or rules that score
    /// finite numbers.
    #[test]
    fn rules_reader_survives_mutated_documents(
        seed in rules_seed(),
        edits in prop::collection::vec(edit(), 1..8),
    ) {
        check_rules(&mutate(seed, &edits))?;
    }

    /// Token soup: mostly not JSON, sometimes nearly.
    #[test]
    fn rules_reader_survives_token_soup(text in soup()) {
        check_rules(&text)?;
    }

    /// Mutated event lines against two plans.
    #[test]
    fn event_reader_survives_mutated_events(
        line in prop::sample::select(event_lines()),
        edits in prop::collection::vec(edit(), 1..6),
        soup_text in soup(),
    ) {
        let text = mutate(line, &edits);
        for set in &sets() {
            check_event(set, &text)?;
            check_event(set, &soup_text)?;
        }
    }

    /// Stored state with good events and hostile items in any order: every good event is
    /// kept (in ts order), every bad item is reported at `events[i]`, nothing panics.
    #[test]
    fn state_reader_keeps_every_good_event(
        items in prop::collection::vec(
            prop_oneof![
                prop::sample::select(json_lines()).prop_map(|l| (true, l)),
                prop::sample::select(BAD_ITEMS.to_vec()).prop_map(|l| (false, l)),
            ],
            0..40,
        ),
    ) {
        let set = &sets()[0];
        let good: Vec<_> = items
            .iter()
            .filter(|(ok, _)| *ok)
            .filter_map(|(_, l)| set.event_from_text(l).ok())
            .collect();
        let rejected = items.len() - good.len();
        let text = format!(
            "{{\"v\":1,\"events\":[{}]}}",
            items.iter().map(|(_, l)| *l).collect::<Vec<_>>().join(",")
        );
        let (v, dropped) = Visitor::from_text(set, &text).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(v.len(), good.len());
        prop_assert_eq!(dropped.len(), rejected);
        let mut want = good.clone();
        leadscore::events::sort(&mut want);
        prop_assert_eq!(v.events(), want.as_slice());
        for e in &dropped {
            prop_assert!(e.path.starts_with("events["), "{e:?}");
            well_formed(&text, e)?;
        }
        // What is kept reads back the same.
        let (again, none) = Visitor::from_text(set, &v.to_text()).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert!(none.is_empty());
        prop_assert_eq!(again.events(), v.events());
    }

    /// Mutated state text: an error or a state, never a panic; kept events in range.
    #[test]
    fn state_reader_survives_mutated_state(
        n in 0usize..20,
        edits in prop::collection::vec(edit(), 1..8),
    ) {
        let set = &sets()[1];
        let lines = event_lines();
        let text = format!(
            "{{\"v\":1,\"events\":[{}]}}",
            lines.iter().cycle().take(n).copied().collect::<Vec<_>>().join(",")
        );
        let text = mutate(&text, &edits);
        match Visitor::from_text(set, &text) {
            Err(e) => prop_assert!(CODES.contains(&e.code()), "{e:?}"),
            Ok((v, dropped)) => {
                prop_assert!(v.events().windows(2).all(|w| w[0].ts <= w[1].ts));
                prop_assert!(v.events().iter().all(|e| e.ts.is_finite() && e.dwell_ms.is_finite()));
                for e in &dropped {
                    prop_assert!(CODES.contains(&e.code()), "{e:?}");
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------------------
// Hostile shapes at sizes proptest does not reach

#[test]
fn deep_nesting_is_a_clear_error_not_a_stack_overflow() {
    for depth in [65, 1_000, 1_000_000] {
        for (open, close) in [("[", "]"), ("{\"a\":", "}")] {
            let text = format!("{}1{}", open.repeat(depth), close.repeat(depth));
            let errs = RuleSet::from_text(&text).unwrap_err();
            assert_eq!(errs.len(), 1);
            assert_eq!(errs[0].code(), "syntax");
            assert!(errs[0].line == 1 && errs[0].column > 1);
        }
    }
    let set = &sets()[0];
    let e = set.event_from_text(&"[".repeat(100_000)).unwrap_err();
    assert_eq!(e.code(), "syntax");
    let e = Visitor::from_text(set, &"{\"v\":[".repeat(100_000)).unwrap_err();
    assert_eq!(e.code(), "syntax");
}

#[test]
fn huge_objects_and_strings_are_read_once() {
    // A 200,000-key object with one repeat at the end, a 10 MB string: answers, with the
    // repeat found at its place (the speed is the benchmark's business).
    let mut text = String::from("{\"events\": {");
    for i in 0..200_000 {
        text.push_str(&format!("\"e{i}\": {{}},"));
    }
    text.push_str("\"e17\": {} }, \"version\": \"");
    text.push_str(&"é".repeat(5_000_000));
    text.push_str("\" }");
    let errs = RuleSet::from_text(&text).unwrap_err();
    assert_eq!(errs.len(), 1);
    assert_eq!(
        (errs[0].code(), errs[0].path.as_str()),
        ("duplicate_key", "events.e17")
    );
}
