//! `skipFirst`, leadscore's extension to the rules format: the first N counted occurrences
//! of an event or sequence rule score nothing. With a cooldown it expresses a return visit
//! (the demo site's `return-visit`): the first visit counts but does not score.

use leadscore::{Outcome, RuleSet};

const HOUR: f64 = 3_600_000.0;
const T0: f64 = 1_766_448_000_000.0;

fn rules(rule: &str) -> String {
    format!(
        r#"{{ "version": "skip-1",
  "pages": [ {{ "category": "home", "match": ["/"] }} ],
  "categories": {{ "engagement": {{}} }},
  "rules": [ {rule} ],
  "bands": [ {{ "name": "any" }} ] }}"#
    )
}

const RETURN_VISIT: &str = r#"{ "id": "return-visit", "category": "engagement", "points": 1,
  "maxCount": 3, "skipFirst": 1, "cooldownMinutes": 720, "when": { "event": "page_view" } }"#;

fn score(rule: &str, times: &[f64], now: f64) -> Outcome {
    let set = RuleSet::from_text(&rules(rule)).expect("valid rules");
    let events: Vec<_> = times
        .iter()
        .map(|t| {
            set.event_from_text(&format!(
                r#"{{"type":"page_view","ts":{t},"url":"https://acme.example/"}}"#
            ))
            .expect("valid event")
        })
        .collect();
    leadscore::score(&set, &events, now)
}

fn points(out: &Outcome) -> (usize, f64) {
    out.explain
        .iter()
        .find(|x| x.rule == "return-visit")
        .map_or((0, 0.0), |x| (x.count, x.points))
}

#[test]
fn the_first_visit_does_not_score_a_return_after_12_hours_does() {
    // A first visit of three pages within an hour: counted once, skipped.
    let first = [T0, T0 + 0.2 * HOUR, T0 + 0.9 * HOUR];
    assert_eq!(points(&score(RETURN_VISIT, &first, T0 + HOUR)), (0, 0.0));
    // Back 11 hours after the first visit began: inside the cooldown, still nothing.
    let early = [&first[..], &[T0 + 11.0 * HOUR]].concat();
    assert_eq!(
        points(&score(RETURN_VISIT, &early, T0 + 12.0 * HOUR)),
        (0, 0.0)
    );
    // Back 13 hours after: a return visit.
    let back = [&first[..], &[T0 + 13.0 * HOUR]].concat();
    assert_eq!(
        points(&score(RETURN_VISIT, &back, T0 + 14.0 * HOUR)),
        (1, 1.0)
    );
    // Five returns a day apart: maxCount keeps the three most recent.
    let days: Vec<f64> = (0..6).map(|d| T0 + f64::from(d) * 24.0 * HOUR).collect();
    assert_eq!(
        points(&score(RETURN_VISIT, &days, T0 + 6.0 * 24.0 * HOUR)),
        (3, 3.0)
    );
}

#[test]
fn skip_first_is_checked_like_max_count() {
    for (value, code) in [
        ("0", "invalid_value"),
        ("1.5", "invalid_value"),
        ("\"1\"", "wrong_type"),
    ] {
        let text =
            rules(&RETURN_VISIT.replace(r#""skipFirst": 1"#, &format!(r#""skipFirst": {value}"#)));
        let errs = RuleSet::from_text(&text).expect_err("invalid");
        assert_eq!(
            errs.iter()
                .map(|e| (e.code(), e.path.as_str()))
                .collect::<Vec<_>>(),
            [(code, "rules[0].skipFirst")],
            "skipFirst: {value}"
        );
    }
    let traits = r#"{ "id": "t", "category": "engagement", "points": 1, "skipFirst": 1,
      "when": { "traits": [ { "field": "x", "op": "exists", "value": true } ] } }"#;
    let errs = RuleSet::from_text(&rules(traits)).expect_err("invalid");
    assert_eq!(errs[0].code(), "not_for_traits");
    assert_eq!(errs[0].path, "rules[0].skipFirst");
}
