//! Compiled rules (src/core/compiled): the form the site tag reads. A compiled rule set is the
//! same rule set (every field, every glob, every lookup) and scores the synthetic and the
//! contract's journeys to the same bits as the JSON; every kind of bad file gets its code;
//! hostile bytes (mutated, with and without a checksum made to match) never panic and never
//! yield a rule set that scores a non-finite number.

mod support;

use leadscore::compiled::{self, crc32, FORMAT_VERSION, HEADER, MAGIC};
use leadscore::synth::{journey, Options};
use leadscore::{Event, RuleSet};
use proptest::prelude::*;
use support::fixture;

const DEMO: &str = include_str!("../www/site/leadscore/rules.json");
const CONTRACT: &str = include_str!("fixtures/contract-rules.json");
const ACCOUNTS: &str = include_str!("fixtures/accounts-rules.json");
const NOW: f64 = 1_766_448_000_000.0;

fn set(text: &str) -> RuleSet {
    RuleSet::from_text(text).expect("valid rules")
}

fn round_trip(text: &str) -> (RuleSet, RuleSet) {
    let mut json = set(text);
    let back = compiled::decode(&compiled::encode(&json)).expect("decodes");
    // Not carried: the tag does not read accounts.
    json.accounts = None;
    (json, back)
}

fn code(bytes: &[u8]) -> &'static str {
    compiled::decode(bytes).expect_err("refused").code()
}

/// Every field of the rule set, globs and lookups included, survives the round trip.
#[test]
fn decode_of_encode_is_the_same_rule_set() {
    for text in [DEMO, CONTRACT, ACCOUNTS] {
        let (json, back) = round_trip(text);
        assert_eq!(format!("{json:?}"), format!("{back:?}"));
    }
}

/// The demo site's rules compile smaller than their JSON (the contract measured 907 B
/// against 1,169 B on a prototype).
#[test]
fn compiled_rules_are_smaller_than_the_json() {
    let bytes = compiled::encode(&set(DEMO));
    assert!(
        bytes.len() * 2 < DEMO.len(),
        "{} vs {}",
        bytes.len(),
        DEMO.len()
    );
    assert_eq!(&bytes[..4], &MAGIC);
}

fn same_bits(a: &leadscore::Outcome, b: &leadscore::Outcome) {
    assert_eq!(a, b);
    assert_eq!(a.score.to_bits(), b.score.to_bits());
    for (x, y) in a.categories.iter().zip(&b.categories) {
        assert_eq!(x.1.to_bits(), y.1.to_bits());
    }
    for (x, y) in a.explain.iter().zip(&b.explain) {
        assert_eq!(x.points.to_bits(), y.points.to_bits());
    }
}

fn events(set: &RuleSet, lines: &[String]) -> Vec<Event> {
    lines
        .iter()
        .filter_map(|l| set.event_from_text(l).ok())
        .collect()
}

/// 400 synthetic visitors of the demo site, each scored at several times.
#[test]
fn synthetic_journeys_score_the_same_bits() {
    let (json, back) = round_trip(DEMO);
    let o = Options::default();
    let mut scored = 0;
    for i in 0..400 {
        let j = journey(&o, i);
        let evs = events(&json, &j.events);
        assert_eq!(evs.len(), events(&back, &j.events).len());
        let last = evs.iter().map(|e| e.ts).fold(o.start, f64::max);
        for now in [last, last + 3.6e6, last + 30.0 * 86_400_000.0] {
            let a = leadscore::score(&json, &evs, now);
            let b = leadscore::score(&back, &events(&back, &j.events), now);
            same_bits(&a, &b);
            scored += (a.score != 0.0) as usize;
        }
    }
    assert!(scored > 100, "the journeys score something: {scored}");
}

/// The contract's worked example gives the contract's result from compiled rules.
#[test]
fn contract_journey_scores_the_same_bits() {
    let (json, back) = round_trip(CONTRACT);
    let lines: Vec<String> = std::fs::read_to_string(fixture("contract-events.jsonl"))
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect();
    for now in [NOW, NOW - 86_400_000.0, NOW + 86_400_000.0 * 40.0] {
        let a = leadscore::score(&json, &events(&json, &lines), now);
        let b = leadscore::score(&back, &events(&back, &lines), now);
        same_bits(&a, &b);
    }
}

/// The header with a payload's length and checksum made to match it.
fn framed(payload: &[u8]) -> Vec<u8> {
    let mut out = MAGIC.to_vec();
    out.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
    out.extend_from_slice(&(payload.len() as u32).to_le_bytes());
    out.extend_from_slice(&crc32(payload).to_le_bytes());
    out.extend_from_slice(payload);
    out
}

#[test]
fn each_kind_of_bad_file_has_its_code() {
    let good = compiled::encode(&set(DEMO));
    assert_eq!(code(DEMO.as_bytes()), "not_compiled");
    assert_eq!(code(b"<!doctype html><h1>Not found</h1>"), "not_compiled");
    assert_eq!(code(b""), "truncated");
    assert_eq!(code(&good[..3]), "truncated");
    assert_eq!(code(&good[..HEADER - 1]), "truncated");
    for cut in [HEADER, HEADER + 1, good.len() / 2, good.len() - 1] {
        assert_eq!(code(&good[..cut]), "truncated", "cut at {cut}");
    }
    let mut later = good.clone();
    later[4] = 2;
    assert_eq!(code(&later), "format_version");
    let e = compiled::decode(&later).expect_err("refused");
    assert!(e.message().contains("version 2"), "{}", e.message());
    for at in [HEADER, HEADER + 7, good.len() - 1] {
        let mut flipped = good.clone();
        flipped[at] ^= 0x10;
        assert_eq!(code(&flipped), "corrupt", "flipped at {at}");
    }
    let mut longer = good.clone();
    longer.push(0);
    assert_eq!(code(&longer), "corrupt");
    // A correct checksum over contents that are not a rule set.
    assert_eq!(code(&framed(b"")), "bad_contents");
    assert_eq!(code(&framed(&[0xff; 40])), "bad_contents");
    let mut extra = good[HEADER..].to_vec();
    extra.push(0);
    assert_eq!(code(&framed(&extra)), "bad_contents");
}

/// A count claiming billions of items in a few bytes is refused without allocating.
#[test]
fn hostile_counts_are_bounded() {
    // version "", then a page-name count of 2^62.
    let payload = [0u8, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x40];
    assert_eq!(code(&framed(&payload)), "bad_contents");
    let mut deep = vec![0u8; 1];
    deep.extend(std::iter::repeat_n(5u8, 1)); // not reached: names first
    assert_eq!(code(&framed(&deep)), "bad_contents");
    let big = vec![0x80u8; 5_000_000];
    let t = std::time::Instant::now();
    assert_eq!(code(&framed(&big)), "bad_contents");
    assert!(t.elapsed().as_secs() < 5);
}

const CODES: [&str; 5] = [
    "not_compiled",
    "format_version",
    "truncated",
    "corrupt",
    "bad_contents",
];

#[derive(Debug, Clone)]
enum Edit {
    Flip(usize, u8),
    Set(usize, u8),
    Insert(usize, u8),
    Delete(usize, usize),
    Truncate(usize),
}

fn edit() -> impl Strategy<Value = Edit> {
    let at = 0usize..1 << 16;
    prop_oneof![
        (at.clone(), 1u8..=255).prop_map(|(a, b)| Edit::Flip(a, b)),
        (at.clone(), any::<u8>()).prop_map(|(a, b)| Edit::Set(a, b)),
        (at.clone(), any::<u8>()).prop_map(|(a, b)| Edit::Insert(a, b)),
        (at.clone(), 1usize..20).prop_map(|(a, n)| Edit::Delete(a, n)),
        at.prop_map(Edit::Truncate),
    ]
}

fn mutate(mut b: Vec<u8>, edits: &[Edit]) -> Vec<u8> {
    for e in edits {
        let n = b.len().max(1);
        match *e {
            Edit::Flip(a, x) if !b.is_empty() => b[a % n] ^= x,
            Edit::Set(a, x) if !b.is_empty() => b[a % n] = x,
            Edit::Insert(a, x) => b.insert(a % (b.len() + 1), x),
            Edit::Delete(a, k) => {
                let a = a % n;
                let end = (a + k).min(b.len());
                b.drain(a.min(end)..end);
            }
            Edit::Truncate(a) => b.truncate(a % n),
            _ => {}
        }
    }
    b
}

/// Decoding hostile bytes: an error with a known code, or a rule set that scores the
/// contract's events with finite numbers.
fn check(bytes: &[u8]) -> Result<(), TestCaseError> {
    match compiled::decode(bytes) {
        Err(e) => {
            prop_assert!(CODES.contains(&e.code()), "{e:?}");
            prop_assert!(!e.message().is_empty());
        }
        Ok(set) => {
            let lines = std::fs::read_to_string(fixture("contract-events.jsonl")).unwrap();
            let evs: Vec<Event> = lines
                .lines()
                .filter_map(|l| set.event_from_text(l).ok())
                .collect();
            let out = leadscore::score(&set, &evs, NOW);
            prop_assert!(out.score.is_finite());
            prop_assert!(out.categories.iter().all(|c| c.1.is_finite()));
        }
    }
    Ok(())
}

fn config() -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(500);
    ProptestConfig {
        cases,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

proptest! {
    #![proptest_config(config())]

    /// Mutated files as they arrive: mostly caught by the header and the checksum.
    #[test]
    fn mutated_files_never_panic(
        which in 0usize..3,
        edits in prop::collection::vec(edit(), 1..6),
    ) {
        let good = compiled::encode(&set([DEMO, CONTRACT, ACCOUNTS][which]));
        check(&mutate(good, &edits))?;
    }

    /// Mutated contents under a checksum made to match: the contents reader's own checks.
    #[test]
    fn mutated_contents_with_a_matching_checksum_never_panic(
        which in 0usize..3,
        edits in prop::collection::vec(edit(), 1..6),
    ) {
        let good = compiled::encode(&set([DEMO, CONTRACT, ACCOUNTS][which]));
        check(&framed(&mutate(good[HEADER..].to_vec(), &edits)))?;
    }
}

/// `leadscore compile`: the file it writes is the rule set; invalid rules get `check`'s
/// problem lines and exit 2, and nothing is written.
#[test]
fn compile_command_writes_the_rule_set_or_reports_every_problem() {
    use support::{code as exit, demo_rules_path, run, scratch, stderr, stdout};
    let rules = demo_rules_path();
    let out = scratch("demo.lsc", "");
    let o = run(&["compile", &rules, "-o", out.to_str().unwrap()]);
    assert_eq!(exit(&o), 0, "{}", stderr(&o));
    assert!(stdout(&o).contains("bytes, format 1"), "{}", stdout(&o));
    let bytes = std::fs::read(&out).unwrap();
    assert_eq!(bytes, compiled::encode(&set(DEMO)));

    let broken = fixture("broken-rules.json");
    let bad_out = scratch("broken.lsc", "untouched");
    let o = run(&["compile", &broken, "--out", bad_out.to_str().unwrap()]);
    assert_eq!(exit(&o), 2);
    let check = run(&["check", &broken]);
    let (err, checked) = (stderr(&o), stdout(&check));
    let lines: Vec<&str> = err.lines().collect();
    let expected: Vec<&str> = checked.lines().collect();
    assert!(expected.len() >= 3);
    assert_eq!(&lines[..expected.len()], &expected[..]);
    assert!(lines[expected.len()].contains("invalid rules, nothing written"));
    assert_eq!(std::fs::read_to_string(&bad_out).unwrap(), "untouched");

    assert_eq!(exit(&run(&["compile", &rules])), 2, "-o is required");
    assert_eq!(exit(&run(&["compile", &rules, "-o", &rules])), 2);
    let o = run(&["compile", &rules, "-o", "-"]);
    assert_eq!(o.stdout, bytes);
}

#[test]
fn score_and_verify_read_compiled_rules_as_the_text() {
    use support::{code as exit, demo_rules_path, run, scratch, stderr, stdout};
    let rules = demo_rules_path();
    let lsc = scratch("score.lsc", "");
    assert_eq!(
        exit(&run(&["compile", &rules, "-o", lsc.to_str().unwrap()])),
        0
    );
    let lsc = lsc.to_str().unwrap();
    let events = scratch(
        "score-events.json",
        r#"[{"type":"page_view","ts":1000,"url":"/pricing","dwellMs":40000},
            {"type":"form_submit","ts":5000,"url":"/demo","form":"demo"}]"#,
    );
    let events = events.to_str().unwrap();
    let args = |r: &str| run(&["score", "--rules", r, "--events", events, "--now", "9000"]);
    let (from_text, from_lsc) = (args(&rules), args(lsc));
    assert_eq!(exit(&from_lsc), 0, "{}", stderr(&from_lsc));
    assert!(stdout(&from_text).contains("\"score\""));
    assert_eq!(stdout(&from_lsc), stdout(&from_text));

    // A damaged file is the tag's code and exit 2; the backtests refuse compiled rules
    // (they do not carry `accounts`) rather than report without account rollups.
    let mut bytes = std::fs::read(lsc).unwrap();
    bytes.truncate(20);
    let cut = scratch("cut.lsc", "");
    std::fs::write(&cut, &bytes).unwrap();
    let o = run(&[
        "verify",
        "--rules",
        cut.to_str().unwrap(),
        "--payload",
        events,
    ]);
    assert_eq!(exit(&o), 2);
    assert!(stderr(&o).contains("cut short"), "{}", stderr(&o));
    let o = run(&[
        "backtest",
        "--rules",
        lsc,
        "--events",
        events,
        "--outcomes",
        events,
    ]);
    assert_eq!(exit(&o), 2);
    assert!(stderr(&o).contains("compiled rules"), "{}", stderr(&o));
}
