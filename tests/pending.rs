//! Why a rule has not scored yet (`explain::pending`, the tag's debug panel): each reason
//! read from the rules' own conditions on a small journey.

use leadscore::explain::{pending, Pending};
use leadscore::{score, Event, RuleSet};

const T: f64 = 1_766_448_000_000.0;
const DAY: f64 = 86_400_000.0;

const RULES: &str = r#"{ "version": "p1",
  "pages": [ { "category": "pricing", "match": ["/pricing"] },
             { "category": "docs", "match": ["/docs/**"] } ],
  "categories": { "intent": {} },
  "rules": [
    { "id": "pricing-read", "category": "intent", "points": 10,
      "when": { "event": "page_view", "page": "pricing", "minDwellSeconds": 10 } },
    { "id": "docs-view", "category": "intent", "points": 1, "withinDays": 1,
      "when": { "event": "page_view", "page": "docs" } },
    { "id": "docs-then-pricing", "category": "intent", "points": 5,
      "when": { "sequence": [ { "event": "page_view", "page": "pricing" },
                              { "event": "page_view", "page": "docs" },
                              { "event": "page_view", "page": "pricing" } ], "maxSpanDays": 7 } },
    { "id": "demo", "category": "intent", "points": 30, "when": { "event": "form_submit" } },
    { "id": "vp", "category": "intent", "points": 20,
      "when": { "traits": [ { "field": "seniority", "op": "eq", "value": "vp" } ] } },
    { "id": "any-page", "category": "intent", "points": 1, "when": { "event": "page_view" } }
  ],
  "bands": [ { "name": "all" } ] }"#;

fn ev(set: &RuleSet, ts: f64, path: &str, dwell: f64) -> Event {
    let text = format!(
        r#"{{"type":"page_view","ts":{ts},"url":"https://x.example{path}","dwellMs":{dwell}}}"#
    );
    set.event_from_text(&text).unwrap()
}

#[test]
fn says_why_each_rule_has_not_scored() {
    let set = RuleSet::from_text(RULES).unwrap();
    let events = vec![
        ev(&set, T - 3.0 * DAY, "/docs/a", 0.0),
        ev(&set, T - 2.0 * DAY, "/pricing", 4_000.0),
        ev(&set, T - DAY / 2.0, "/pricing", 6_000.0),
    ];
    let now = T;
    let scored = score(&set, &events, now);
    let why = pending(&set, &events, now, &scored);
    let id = |i: usize| set.rules[i].id.as_str();
    let got: Vec<(&str, Pending)> = why.iter().map(|&(i, w)| (id(i), w)).collect();
    assert_eq!(
        got,
        vec![
            (
                "pricing-read",
                Pending::Dwell {
                    best_ms: 6_000.0,
                    need_ms: 10_000.0
                }
            ),
            ("docs-view", Pending::NotCounted),
            ("docs-then-pricing", Pending::Steps { done: 1, of: 3 }),
            ("demo", Pending::NoEvent),
            ("vp", Pending::Traits),
        ]
    );
    // A rule that counted is not listed; events after `now` are not read.
    assert!(scored.explain.iter().any(|x| x.rule == "any-page"));
    let early = score(&set, &events, T - 2.5 * DAY);
    let why = pending(&set, &events, T - 2.5 * DAY, &early);
    assert_eq!(why[0], (0, Pending::NoEvent));
}
