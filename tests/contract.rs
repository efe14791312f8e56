//! The contract's own example (rules-format.md §1–3), through the library.

use leadscore::RuleSet;

const RULES: &str = include_str!("fixtures/contract-rules.json");
const EVENTS: &str = include_str!("fixtures/contract-events.jsonl");
const NOW: f64 = 1766448000000.0;

#[test]
fn contract_example_scores_exactly() {
    let set = RuleSet::from_text(RULES).expect("the contract's rules are valid");
    let events: Vec<_> = EVENTS
        .lines()
        .map(|l| set.event_from_text(l).expect("valid event"))
        .collect();
    let out = leadscore::score(&set, &events, NOW);
    assert_eq!(out.score, 40.00020056502934);
    assert_eq!(
        out.categories,
        vec![
            ("fit".to_string(), 20.0),
            ("engagement".to_string(), 0.0),
            ("intent".to_string(), 20.00020056502934)
        ]
    );
    assert_eq!(out.band.as_deref(), Some("sales review"));
    assert_eq!(out.action, None);
    assert!(!out.disqualified);
    assert_eq!(out.rules_version, "2026-11-q4-a");
    let explain: Vec<_> = out
        .explain
        .iter()
        .map(|x| (x.rule.as_str(), x.category.as_str(), x.count, x.points))
        .collect();
    assert_eq!(
        explain,
        vec![
            ("pricing-view", "intent", 1, 7.5),
            ("demo-request", "intent", 1, 12.500200565029337),
            ("senior-buyer", "fit", 1, 20.0),
        ]
    );
}

#[test]
fn contract_example_json_matches_section_3() {
    let set = RuleSet::from_text(RULES).unwrap();
    let events: Vec<_> = EVENTS
        .lines()
        .map(|l| set.event_from_text(l).unwrap())
        .collect();
    let text = leadscore::score(&set, &events, NOW).to_json(None);
    let got = leadscore::json::parse(&text).unwrap();
    let want = leadscore::json::parse(include_str!("fixtures/contract-result.json")).unwrap();
    assert_eq!(strip(got), strip(want));
}

/// Offsets differ between the two texts; compare values only.
fn strip(n: leadscore::json::Node<'_>) -> leadscore::json::Owned {
    use leadscore::json::{Node, Value};
    match n.value {
        Value::Arr(items) => Value::Arr(
            items
                .into_iter()
                .map(|i| Node {
                    value: strip(i),
                    at: 0,
                    end: 0,
                })
                .collect(),
        ),
        Value::Obj(f) => Value::Obj(
            f.into_iter()
                .map(|(k, v)| {
                    (
                        k.into_owned().into(),
                        Node {
                            value: strip(v),
                            at: 0,
                            end: 0,
                        },
                    )
                })
                .collect(),
        ),
        v => v.to_owned_value(),
    }
}
