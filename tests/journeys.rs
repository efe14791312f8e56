//! Hand-computed journeys through the library: each test builds rules and an event log,
//! scores it at a chosen `now`, and compares with numbers worked out by hand (in the
//! comments) from the contract's formulas (rules-format.md §1, "Occurrences and points").
//!
//! Times are chosen so the expected numbers are exact in f64: ages are whole multiples of
//! the half-life (0.5^k is exact), and points are small integers or halves.

use leadscore::{Event, Outcome, RuleSet};

const MIN: f64 = 60_000.0;
const HOUR: f64 = 60.0 * MIN;
const DAY: f64 = 86_400_000.0;
/// The contract's `now` (a whole day since the epoch).
const NOW: f64 = 1_766_448_000_000.0;

/// A rules document with the journeys' pages, a custom event, three unclamped categories
/// (`a`, `b`, `c`), a clamped `fit`, and a catch-all band; `half_life` is the document's.
fn doc(half_life: Option<f64>, rules: &[&str]) -> String {
    let hl = half_life.map_or(String::new(), |h| format!("\"halfLifeDays\": {h},"));
    format!(
        r#"{{ "version": "journeys-1", {hl}
  "pages": [
    {{ "category": "pricing", "match": ["/pricing", "/plans/**"] }},
    {{ "category": "docs", "match": ["/docs/*"] }},
    {{ "category": "integrations", "match": ["/integrations/**"] }},
    {{ "category": "careers", "match": ["/careers/**", "/jobs/**"] }},
    {{ "category": "first", "match": ["/x/**"] }},
    {{ "category": "second", "match": ["/x/y", "/y"] }}
  ],
  "events": {{ "webinar_attended": {{ "props": ["webinar_id", "minutes"] }} }},
  "categories": {{ "a": {{}}, "b": {{}}, "c": {{}}, "fit": {{ "min": -50, "max": 50 }} }},
  "rules": [ {} ],
  "bands": [ {{ "name": "any" }} ]
}}"#,
        rules.join(",\n")
    )
}

fn set(half_life: Option<f64>, rules: &[&str]) -> RuleSet {
    let text = doc(half_life, rules);
    RuleSet::from_text(&text).unwrap_or_else(|e| panic!("invalid rules {e:?}\n{text}"))
}

fn ev(set: &RuleSet, json: &str) -> Event {
    set.event_from_text(json)
        .unwrap_or_else(|e| panic!("invalid event {json}: {e:?}"))
}

fn evs(set: &RuleSet, json: &[String]) -> Vec<Event> {
    json.iter().map(|j| ev(set, j)).collect()
}

/// A page view of `path` on the site, at `ts`.
fn pv(ts: f64, path: &str) -> String {
    format!(r#"{{"type":"page_view","ts":{ts},"url":"https://acme.example{path}"}}"#)
}

fn pv_dwell(ts: f64, path: &str, dwell_ms: f64) -> String {
    format!(
        r#"{{"type":"page_view","ts":{ts},"url":"https://acme.example{path}","dwellMs":{dwell_ms}}}"#
    )
}

fn form(ts: f64, name: &str) -> String {
    format!(
        r#"{{"type":"form_submit","ts":{ts},"url":"https://acme.example/contact","form":"{name}"}}"#
    )
}

fn identify(ts: f64, traits: &str) -> String {
    format!(r#"{{"type":"identify","ts":{ts},"traits":{traits}}}"#)
}

fn score(set: &RuleSet, events: &[String], now: f64) -> Outcome {
    leadscore::score(set, &evs(set, events), now)
}

/// (count, points) of a rule in `explain`; (0, 0) when it is not listed.
fn hit(out: &Outcome, rule: &str) -> (usize, f64) {
    out.explain
        .iter()
        .find(|x| x.rule == rule)
        .map_or((0, 0.0), |x| (x.count, x.points))
}

fn cat(out: &Outcome, name: &str) -> f64 {
    out.categories
        .iter()
        .find(|(n, _)| n == name)
        .unwrap_or_else(|| panic!("no category {name}"))
        .1
}

fn explained(out: &Outcome) -> Vec<&str> {
    out.explain.iter().map(|x| x.rule.as_str()).collect()
}

// ---------------------------------------------------------------------------------------
// Cooldowns, windows, maxCount, decay

#[test]
fn cooldown_counts_one_per_window() {
    // 30-min cooldown, pricing views 20 min apart at 0, 20, 40, 60, 80 min:
    // 0 counts; 20 (20 < 30 after 0) no; 40 (40 ≥ 30) counts; 60 (20 after 40) no;
    // 80 (40 after 40) counts. 3 × 10 = 30, no decay.
    let s = set(
        None,
        &[
            r#"{ "id": "cd", "category": "a", "points": 10, "cooldownMinutes": 30,
               "when": { "event": "page_view", "page": "pricing" } }"#,
        ],
    );
    let t = NOW - 2.0 * HOUR;
    let log: Vec<String> = [0.0, 20.0, 40.0, 60.0, 80.0]
        .iter()
        .map(|m| pv(t + m * MIN, "/pricing"))
        .collect();
    let out = score(&s, &log, NOW);
    assert_eq!(hit(&out, "cd"), (3, 30.0));
    assert_eq!(out.score, 30.0);

    // Exactly the cooldown after the last counted one counts (≥): 0, 20, 30, 55, 60.
    // 0 counts; 20 no; 30 (30 ≥ 30) counts; 55 (25) no; 60 (30) counts → 3.
    let log: Vec<String> = [0.0, 20.0, 30.0, 55.0, 60.0]
        .iter()
        .map(|m| pv(t + m * MIN, "/pricing"))
        .collect();
    assert_eq!(hit(&score(&s, &log, NOW), "cd"), (3, 30.0));

    // The cooldown is measured from the last *counted* one, not the last seen one:
    // every 20 min for 2 hours (0..=120): counted 0, 40, 80, 120 → 4.
    let log: Vec<String> = (0..=6)
        .map(|i| pv(t + 20.0 * i as f64 * MIN, "/pricing"))
        .collect();
    assert_eq!(hit(&score(&s, &log, NOW), "cd"), (4, 40.0));
}

#[test]
fn within_days_drops_old_events_and_the_cooldown_walk_restarts() {
    // withinDays 7, cooldown 30 min, 10 points, no decay.
    // e1 = now−7d−10m, e2 = now−7d+10m, e3 = now−7d+35m.
    // At now: e1 is 7d+10m old (> 7d), dropped; the walk starts at e2 (counted);
    //   e3 is 25 min after e2 (< 30): not counted → 1 × 10.
    // At now−30m: e1 is 7d−20m old, inside; walk e1 counted, e2 (20 min) no,
    //   e3 (45 min after e1) counted → 2 × 10.
    let s = set(
        None,
        &[
            r#"{ "id": "w", "category": "a", "points": 10, "withinDays": 7, "cooldownMinutes": 30,
               "when": { "event": "page_view", "page": "pricing" } }"#,
        ],
    );
    let base = NOW - 7.0 * DAY;
    let log = vec![
        pv(base - 10.0 * MIN, "/pricing"),
        pv(base + 10.0 * MIN, "/pricing"),
        pv(base + 35.0 * MIN, "/pricing"),
    ];
    assert_eq!(hit(&score(&s, &log, NOW), "w"), (1, 10.0));
    assert_eq!(hit(&score(&s, &log, NOW - 30.0 * MIN), "w"), (2, 20.0));
    // Everything outside the window: the rule does not count and is not explained.
    let out = score(&s, &log, NOW + DAY);
    assert_eq!(hit(&out, "w"), (0, 0.0));
    assert!(out.explain.is_empty());
}

#[test]
fn within_days_boundary_is_inclusive() {
    // now − ts ≤ withinDays days counts: an event exactly 7 days old counts, 1 ms older not.
    let s = set(
        None,
        &[
            r#"{ "id": "w", "category": "a", "points": 4, "withinDays": 7,
               "when": { "event": "page_view" } }"#,
        ],
    );
    let log = vec![pv(NOW - 7.0 * DAY - 1.0, "/a"), pv(NOW - 7.0 * DAY, "/b")];
    assert_eq!(hit(&score(&s, &log, NOW), "w"), (1, 4.0));
    // Fractional windows: 0.5 days = 12 h.
    let s = set(
        None,
        &[
            r#"{ "id": "w", "category": "a", "points": 4, "withinDays": 0.5,
               "when": { "event": "page_view" } }"#,
        ],
    );
    let log = vec![
        pv(NOW - 12.0 * HOUR - 1.0, "/a"),
        pv(NOW - 12.0 * HOUR, "/b"),
    ];
    assert_eq!(hit(&score(&s, &log, NOW), "w"), (1, 4.0));
}

#[test]
fn max_count_keeps_the_most_recent_occurrences() {
    // halfLifeDays 1, maxCount 2, 8 points; views 3, 2 and 1 days old.
    // The most recent two: 8·0.5² + 8·0.5¹ = 2 + 4 = 6. (The oldest two would give 1 + 2 = 3.)
    let s = set(
        None,
        &[
            r#"{ "id": "m", "category": "a", "points": 8, "maxCount": 2, "halfLifeDays": 1,
               "when": { "event": "page_view" } }"#,
        ],
    );
    let log = vec![
        pv(NOW - 3.0 * DAY, "/a"),
        pv(NOW - 2.0 * DAY, "/b"),
        pv(NOW - DAY, "/c"),
    ];
    let out = score(&s, &log, NOW);
    assert_eq!(hit(&out, "m"), (2, 6.0));
    assert_eq!(out.score, 6.0);
    // maxCount after the cooldown: views at −3d, −3d+10m, −2d, −1d with a 60-min cooldown:
    // counted −3d, −2d, −1d (−3d+10m is in the cooldown); the most recent 2: 2 + 4 = 6.
    let s = set(
        None,
        &[
            r#"{ "id": "m", "category": "a", "points": 8, "maxCount": 2, "halfLifeDays": 1,
               "cooldownMinutes": 60, "when": { "event": "page_view" } }"#,
        ],
    );
    let log = vec![
        pv(NOW - 3.0 * DAY, "/a"),
        pv(NOW - 3.0 * DAY + 10.0 * MIN, "/a"),
        pv(NOW - 2.0 * DAY, "/b"),
        pv(NOW - DAY, "/c"),
    ];
    assert_eq!(hit(&score(&s, &log, NOW), "m"), (2, 6.0));
}

#[test]
fn half_life_override_and_null() {
    // Document half-life 30 days; one pricing view 30 days old, 12 points per rule:
    //   rule-level 10 days: 12·0.5³ = 1.5;  null: 12 (no decay);  default: 12·0.5 = 6.
    let s = set(
        Some(30.0),
        &[
            r#"{ "id": "ten", "category": "a", "points": 12, "halfLifeDays": 10,
                 "when": { "event": "page_view" } }"#,
            r#"{ "id": "none", "category": "b", "points": 12, "halfLifeDays": null,
                 "when": { "event": "page_view" } }"#,
            r#"{ "id": "doc", "category": "c", "points": 12, "when": { "event": "page_view" } }"#,
        ],
    );
    let log = vec![pv(NOW - 30.0 * DAY, "/pricing")];
    let out = score(&s, &log, NOW);
    assert_eq!(hit(&out, "ten"), (1, 1.5));
    assert_eq!(hit(&out, "none"), (1, 12.0));
    assert_eq!(hit(&out, "doc"), (1, 6.0));
    assert_eq!(out.score, 19.5);
    // No document half-life: only the rule's own applies. 12·0.5^(30/15) = 3.
    let s = set(
        None,
        &[
            r#"{ "id": "fifteen", "category": "a", "points": 12, "halfLifeDays": 15,
                 "when": { "event": "page_view" } }"#,
            r#"{ "id": "plain", "category": "b", "points": 12, "when": { "event": "page_view" } }"#,
        ],
    );
    let out = score(&s, &log, NOW);
    assert_eq!(hit(&out, "fifteen"), (1, 3.0));
    assert_eq!(hit(&out, "plain"), (1, 12.0));
    // Negative points decay too: −12·0.5^(30/10) = −1.5.
    let s = set(
        None,
        &[
            r#"{ "id": "neg", "category": "a", "points": -12, "halfLifeDays": 10,
               "when": { "event": "page_view" } }"#,
        ],
    );
    assert_eq!(hit(&score(&s, &log, NOW), "neg"), (1, -1.5));
    // An event at `now` has age 0: full points.
    let s = set(
        Some(1.0),
        &[r#"{ "id": "fresh", "category": "a", "points": 7, "when": { "event": "page_view" } }"#],
    );
    assert_eq!(hit(&score(&s, &[pv(NOW, "/")], NOW), "fresh"), (1, 7.0));
}

#[test]
fn decay_uses_the_contract_formula() {
    // The contract's §3 numbers: a 15-point view exactly one half-life old gives 7.5, and a
    // 25-point form 60 s younger gives 25·0.5^((30·86400000 − 60000)/86400000/30).
    let s = set(
        Some(30.0),
        &[r#"{ "id": "f", "category": "a", "points": 25, "when": { "event": "form_submit" } }"#],
    );
    let out = score(&s, &[form(NOW - 30.0 * DAY + MIN, "demo")], NOW);
    assert_eq!(hit(&out, "f"), (1, 12.500200565029337));
}

// ---------------------------------------------------------------------------------------
// Categories, bands, actions, disqualification, explain

#[test]
fn category_clamps_min_and_max() {
    // fit ∈ [−50, 50]; hot ≤ 60; floor ≥ 5; no decay.
    // fit: −40 (free mailbox) − 30 (tiny company) = −70 → clamped to −50.
    // hot: 3 demo forms × 25 = 75 → clamped to 60.
    // floor: nothing scores, 0 → clamped up to its min 5.
    // score = −50 + 60 + 5 = 15; explain shows points before the clamp.
    let text = r#"{ "version": "clamps",
      "categories": { "fit": { "min": -50, "max": 50 }, "hot": { "max": 60 }, "floor": { "min": 5 } },
      "rules": [
        { "id": "free", "category": "fit", "points": -40,
          "when": { "traits": [ { "field": "email_type", "op": "eq", "value": "free" } ] } },
        { "id": "tiny", "category": "fit", "points": -30,
          "when": { "traits": [ { "field": "size", "op": "lt", "value": 10 } ] } },
        { "id": "demo", "category": "hot", "points": 25, "when": { "event": "form_submit" } },
        { "id": "never", "category": "floor", "points": 1, "when": { "event": "form_abandon" } }
      ],
      "bands": [ { "name": "all" } ] }"#;
    let s = RuleSet::from_text(text).unwrap();
    let log = vec![
        identify(NOW - DAY, r#"{"email_type":"free","size":3}"#),
        form(NOW - 3.0 * HOUR, "a"),
        form(NOW - 2.0 * HOUR, "b"),
        form(NOW - HOUR, "c"),
    ];
    let out = score(&s, &log, NOW);
    assert_eq!(cat(&out, "fit"), -50.0);
    assert_eq!(cat(&out, "hot"), 60.0);
    assert_eq!(cat(&out, "floor"), 5.0);
    assert_eq!(out.score, 15.0);
    assert_eq!(hit(&out, "free"), (1, -40.0));
    assert_eq!(hit(&out, "tiny"), (1, -30.0));
    assert_eq!(hit(&out, "demo"), (3, 75.0));
    // Categories come out in the document's order.
    let names: Vec<&str> = out.categories.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["fit", "hot", "floor"]);
    // Above fit's max: a +80 trait rule alone gives 50.
    let s = RuleSet::from_text(&text.replace("-40", "80").replace("\"lt\"", "\"gt\"")).unwrap();
    let out = score(&s, &log[..1], NOW);
    assert_eq!(cat(&out, "fit"), 50.0);
    assert_eq!(hit(&out, "free"), (1, 80.0));
    assert_eq!(out.score, 55.0);
}

fn banded(points: f64, bands: &str) -> Outcome {
    let text = format!(
        r#"{{ "version": "bands", "categories": {{ "x": {{}} }},
      "rules": [ {{ "id": "p", "category": "x", "points": {points},
                    "when": {{ "traits": [ {{ "field": "k", "op": "exists", "value": true }} ] }} }} ],
      "bands": [ {bands} ] }}"#
    );
    let s = RuleSet::from_text(&text).unwrap();
    score(&s, &[identify(NOW - DAY, r#"{"k":1}"#)], NOW)
}

#[test]
fn bands_take_the_greatest_min_at_or_below_the_score() {
    // Written out of order on purpose; the catch-all first.
    let bands = r#"{ "name": "new" }, { "name": "nurture", "min": 15 },
        { "name": "high priority", "min": 70, "action": "route_to_sales" },
        { "name": "sales review", "min": 40, "action": "review_queue" },
        { "name": "cold", "min": -10 }"#;
    for (points, band, action) in [
        (100.0, "high priority", Some("route_to_sales")),
        (70.0, "high priority", Some("route_to_sales")),
        (69.99, "sales review", Some("review_queue")),
        (40.0, "sales review", Some("review_queue")),
        (39.5, "nurture", None),
        (15.0, "nurture", None),
        (14.5, "cold", None),
        (0.0, "cold", None),
        (-10.0, "cold", None),
        (-10.5, "new", None),
        (-1000.0, "new", None),
    ] {
        let out = banded(points, bands);
        assert_eq!(out.score, points);
        assert_eq!(out.band.as_deref(), Some(band), "score {points}");
        assert_eq!(out.action.as_deref(), action, "score {points}");
        assert!(!out.disqualified);
    }
}

#[test]
fn no_band_fits_gives_null_band_and_action() {
    let bands = r#"{ "name": "hot", "min": 10, "action": "call" }"#;
    let out = banded(5.0, bands);
    assert_eq!((out.band, out.action), (None, None));
    let out = banded(10.0, bands);
    assert_eq!(out.band.as_deref(), Some("hot"));
    assert_eq!(out.action.as_deref(), Some("call"));
    // And in JSON: "band":null,"action":null.
    let json = banded(5.0, bands).to_json(None);
    assert!(json.contains(r#""band":null,"action":null"#), "{json}");
}

#[test]
fn disqualification() {
    // demo 80 points would reach "high priority" (action route_to_sales); a competitor
    // email disqualifies: band "disqualified", action null, the score still reported,
    // and the disqualifying rule (0 points) listed in explain in rules order.
    let text = r#"{ "version": "dq",
      "pages": [ { "category": "careers", "match": ["/careers/**"] } ],
      "categories": { "fit": { "min": -50, "max": 50 }, "intent": {} },
      "rules": [
        { "id": "demo", "category": "intent", "points": 80, "when": { "event": "form_submit" } },
        { "id": "competitor", "category": "fit", "points": 0, "disqualify": true,
          "when": { "traits": [ { "field": "email_type", "op": "eq", "value": "competitor" } ] } },
        { "id": "careers", "category": "intent", "points": -5, "disqualify": true, "withinDays": 30,
          "when": { "event": "page_view", "page": "careers" } }
      ],
      "bands": [ { "name": "high priority", "min": 70, "action": "route_to_sales" }, { "name": "new" } ] }"#;
    let s = RuleSet::from_text(text).unwrap();

    let clean = vec![
        form(NOW - HOUR, "demo"),
        identify(NOW - HOUR, r#"{"email_type":"corporate"}"#),
    ];
    let out = score(&s, &clean, NOW);
    assert!(!out.disqualified);
    assert_eq!(out.band.as_deref(), Some("high priority"));
    assert_eq!(out.action.as_deref(), Some("route_to_sales"));
    assert_eq!(explained(&out), ["demo"]);

    let competitor = vec![
        form(NOW - HOUR, "demo"),
        identify(NOW - HOUR, r#"{"email_type":"competitor"}"#),
    ];
    let out = score(&s, &competitor, NOW);
    assert!(out.disqualified);
    assert_eq!(out.band.as_deref(), Some("disqualified"));
    assert_eq!(out.action, None);
    assert_eq!(out.score, 80.0);
    assert_eq!(explained(&out), ["demo", "competitor"]);
    assert_eq!(hit(&out, "competitor"), (1, 0.0));
    let json = out.to_json(None);
    assert!(
        json.contains(r#""band":"disqualified","action":null,"disqualified":true"#),
        "{json}"
    );

    // An event rule disqualifies when it scores at least once...
    let mut careers = clean.clone();
    careers.push(pv(NOW - 2.0 * DAY, "/careers/open-roles"));
    let out = score(&s, &careers, NOW);
    assert!(out.disqualified);
    assert_eq!(out.band.as_deref(), Some("disqualified"));
    assert_eq!(out.action, None);
    assert_eq!(hit(&out, "careers"), (1, -5.0));
    assert_eq!(out.score, 75.0);
    // ...and not when its only occurrence is outside its window (it did not score).
    let mut old = clean.clone();
    old.push(pv(NOW - 31.0 * DAY, "/careers/open-roles"));
    let out = score(&s, &old, NOW);
    assert!(!out.disqualified);
    assert_eq!(out.band.as_deref(), Some("high priority"));
    // ...nor when it happens after `now`.
    let mut later = clean;
    later.push(pv(NOW + 1.0, "/careers"));
    assert!(!score(&s, &later, NOW).disqualified);
}

#[test]
fn explain_lists_counted_rules_in_rules_order() {
    // Events arrive webinar, form, docs view; rules are docs, form, traits (unmet),
    // webinar, a zero-point rule that counts, and one whose only event is after now.
    let s = set(
        None,
        &[
            r#"{ "id": "r-docs", "category": "a", "points": 1, "when": { "event": "page_view", "page": "docs" } }"#,
            r#"{ "id": "r-form", "category": "b", "points": 2, "when": { "event": "form_submit" } }"#,
            r#"{ "id": "r-traits", "category": "a", "points": 4,
                 "when": { "traits": [ { "field": "seniority", "op": "eq", "value": "vp" } ] } }"#,
            r#"{ "id": "r-webinar", "category": "c", "points": 8, "when": { "event": "webinar_attended" } }"#,
            r#"{ "id": "r-zero", "category": "c", "points": 0, "when": { "event": "webinar_attended" } }"#,
            r#"{ "id": "r-later", "category": "c", "points": 16, "when": { "event": "form_start" } }"#,
        ],
    );
    let log = vec![
        r#"{"type":"webinar_attended","ts":1766440000000,"props":{"webinar_id":"w-1"}}"#
            .to_string(),
        form(NOW - 2.0 * HOUR, "contact"),
        pv(NOW - HOUR, "/docs/api"),
        r#"{"type":"form_start","ts":1766448000001,"form":"x"}"#.to_string(),
    ];
    let out = score(&s, &log, NOW);
    assert_eq!(explained(&out), ["r-docs", "r-form", "r-webinar", "r-zero"]);
    let cats: Vec<&str> = out.explain.iter().map(|x| x.category.as_str()).collect();
    assert_eq!(cats, ["a", "b", "c", "c"]);
    assert_eq!(hit(&out, "r-zero"), (1, 0.0));
    assert_eq!(out.score, 11.0);
}

// ---------------------------------------------------------------------------------------
// Traits and conditions

fn traits_rule(cond: &str) -> RuleSet {
    let rule = format!(
        r#"{{ "id": "t", "category": "fit", "points": 10, "when": {{ "traits": [ {cond} ] }} }}"#
    );
    set(Some(1.0), &[&rule])
}

#[test]
fn traits_later_identify_overrides_and_future_ones_are_ignored() {
    let s = traits_rule(r#"{ "field": "seniority", "op": "in", "value": ["vp", "c_level"] }"#);
    let vp = |ts| identify(ts, r#"{"seniority":"vp"}"#);
    let ic = |ts| identify(ts, r#"{"seniority":"ic"}"#);
    // Later ts wins whatever the log order; traits points do not decay (half-life 1 day).
    assert_eq!(
        hit(
            &score(&s, &[ic(NOW - 9.0 * DAY), vp(NOW - 5.0 * DAY)], NOW),
            "t"
        ),
        (1, 10.0)
    );
    assert_eq!(
        hit(
            &score(&s, &[vp(NOW - 5.0 * DAY), ic(NOW - 9.0 * DAY)], NOW),
            "t"
        ),
        (1, 10.0)
    );
    assert_eq!(
        hit(
            &score(&s, &[vp(NOW - 9.0 * DAY), ic(NOW - 5.0 * DAY)], NOW),
            "t"
        ),
        (0, 0.0)
    );
    assert_eq!(
        hit(
            &score(&s, &[ic(NOW - 5.0 * DAY), vp(NOW - 9.0 * DAY)], NOW),
            "t"
        ),
        (0, 0.0)
    );
    // Same ts: log order decides, the later line wins.
    assert_eq!(
        hit(&score(&s, &[ic(NOW - DAY), vp(NOW - DAY)], NOW), "t"),
        (1, 10.0)
    );
    assert_eq!(
        hit(&score(&s, &[vp(NOW - DAY), ic(NOW - DAY)], NOW), "t"),
        (0, 0.0)
    );
    // An identify after now is ignored; it applies once now reaches it (ts ≤ now).
    let log = [ic(NOW - DAY), vp(NOW + 1.0)];
    assert_eq!(hit(&score(&s, &log, NOW), "t"), (0, 0.0));
    assert_eq!(hit(&score(&s, &log, NOW + 1.0), "t"), (1, 10.0));
    let log = [vp(NOW + 1.0)];
    assert_eq!(hit(&score(&s, &log, NOW), "t"), (0, 0.0));
    // A later identify only overrides the keys it sets.
    let s = traits_rule(
        r#"{ "field": "seniority", "op": "eq", "value": "vp" },
           { "field": "email_type", "op": "eq", "value": "corporate" }"#,
    );
    let log = [
        identify(NOW - 3.0 * DAY, r#"{"seniority":"vp","email_type":"free"}"#),
        identify(NOW - 2.0 * DAY, r#"{"email_type":"corporate"}"#),
    ];
    assert_eq!(hit(&score(&s, &log, NOW), "t"), (1, 10.0));
    // ...and every COND of the rule must hold.
    assert_eq!(hit(&score(&s, &log[..1], NOW), "t"), (0, 0.0));
}

#[test]
fn every_cond_op_on_traits() {
    // (COND, traits of the one identify, whether the rule scores)
    let cases: &[(&str, &str, bool)] = &[
        // eq / ne: typed equality; 250 and 250.0 are equal, 250 and "250" are not.
        (r#""op": "eq", "value": 250"#, r#"250"#, true),
        (r#""op": "eq", "value": 250"#, r#"250.0"#, true),
        (r#""op": "eq", "value": 250"#, r#""250""#, false),
        (r#""op": "eq", "value": "250""#, r#"250"#, false),
        (r#""op": "eq", "value": "vp""#, r#""VP""#, false),
        (r#""op": "eq", "value": true"#, r#"true"#, true),
        (r#""op": "eq", "value": null"#, r#"null"#, true),
        (r#""op": "eq", "value": null"#, r#"0"#, false),
        (r#""op": "eq", "value": [1, "a"]"#, r#"[1.0, "a"]"#, true),
        (r#""op": "ne", "value": 250"#, r#""250""#, true),
        (r#""op": "ne", "value": 250"#, r#"250"#, false),
        (r#""op": "ne", "value": 250"#, r#"250.0"#, false),
        // in / notIn
        (
            r#""op": "in", "value": ["vp", "c_level"]"#,
            r#""c_level""#,
            true,
        ),
        (
            r#""op": "in", "value": ["vp", "c_level"]"#,
            r#""VP""#,
            false,
        ),
        (r#""op": "in", "value": [250]"#, r#""250""#, false),
        (r#""op": "in", "value": [250]"#, r#"250.0"#, true),
        (r#""op": "in", "value": []"#, r#""x""#, false),
        (r#""op": "notIn", "value": ["vp"]"#, r#""ic""#, true),
        (r#""op": "notIn", "value": ["vp"]"#, r#""vp""#, false),
        (r#""op": "notIn", "value": [250]"#, r#""250""#, true),
        (r#""op": "notIn", "value": []"#, r#""x""#, true),
        // ordering: numbers with numbers, strings with strings by code point
        (r#""op": "gt", "value": 200"#, r#"250"#, true),
        (r#""op": "gt", "value": 250"#, r#"250"#, false),
        (r#""op": "gte", "value": 250"#, r#"250"#, true),
        (r#""op": "gte", "value": 250.5"#, r#"250"#, false),
        (r#""op": "lt", "value": 300"#, r#"250"#, true),
        (r#""op": "lt", "value": 250"#, r#"250"#, false),
        (r#""op": "lte", "value": 250"#, r#"250"#, true),
        (r#""op": "lte", "value": -1"#, r#"-2"#, true),
        (r#""op": "gt", "value": 200"#, r#""250""#, false),
        (r#""op": "lt", "value": "300""#, r#"250"#, false),
        (r#""op": "gt", "value": "b""#, r#""c""#, true),
        (r#""op": "gt", "value": "B""#, r#""a""#, true),
        (r#""op": "lt", "value": "a""#, r#""Z""#, true),
        (r#""op": "gte", "value": "9""#, r#""10""#, false),
        (r#""op": "lte", "value": "abc""#, r#""abc""#, true),
        (r#""op": "gt", "value": "z""#, r#""é""#, true),
        (r#""op": "gt", "value": 0"#, r#"true"#, false),
        (r#""op": "lt", "value": 1"#, r#"null"#, false),
        (r#""op": "gt", "value": 0"#, r#"[1]"#, false),
        // contains: substring (case-sensitive) or list element
        (
            r#""op": "contains", "value": "Ops""#,
            r#""RevOps lead""#,
            true,
        ),
        (
            r#""op": "contains", "value": "Ops""#,
            r#""revops lead""#,
            false,
        ),
        (
            r#""op": "contains", "value": "Ops""#,
            r#"["a", "Ops"]"#,
            true,
        ),
        (
            r#""op": "contains", "value": "Ops""#,
            r#"["a", "RevOps"]"#,
            false,
        ),
        (r#""op": "contains", "value": 2"#, r#"[1, 2.0]"#, true),
        (r#""op": "contains", "value": 2"#, r#"["2"]"#, false),
        (r#""op": "contains", "value": "25""#, r#"250"#, false),
        (r#""op": "contains", "value": "a""#, r#"{"a": 1}"#, false),
        // matches: case-insensitive glob, `*` crosses '/'; false for non-strings
        (
            r#""op": "matches", "value": "*@acme.*""#,
            r#""Jo@ACME.io""#,
            true,
        ),
        (
            r#""op": "matches", "value": "*@acme.*""#,
            r#""jo@acme""#,
            false,
        ),
        (
            r#""op": "matches", "value": "*/docs/*""#,
            r#""a/b/docs/c/d""#,
            true,
        ),
        (r#""op": "matches", "value": "vp""#, r#""VP""#, true),
        (r#""op": "matches", "value": "vp""#, r#""vp2""#, false),
        // Any other character matches itself: '?', '[', '.' are literals.
        (r#""op": "matches", "value": "what?""#, r#""What?""#, true),
        (r#""op": "matches", "value": "what?""#, r#""whatx""#, false),
        (r#""op": "matches", "value": "[a]*""#, r#""[A]b""#, true),
        (r#""op": "matches", "value": "[a]*""#, r#""ab""#, false),
        (r#""op": "matches", "value": "a.c""#, r#""abc""#, false),
        (r#""op": "matches", "value": "2*""#, r#"250"#, false),
        // exists
        (r#""op": "exists", "value": true"#, r#""x""#, true),
        (r#""op": "exists", "value": true"#, r#"null"#, true),
        (r#""op": "exists", "value": false"#, r#""x""#, false),
    ];
    for (cond, value, want) in cases {
        let s = traits_rule(&format!(r#"{{ "field": "k", {cond} }}"#));
        let log = [identify(
            NOW - DAY,
            &format!(r#"{{"k":{value},"other":1}}"#),
        )];
        let got = hit(&score(&s, &log, NOW), "t").0 == 1;
        assert_eq!(got, *want, "{cond} on {value}");
    }
}

#[test]
fn missing_field_fails_every_cond_but_exists_false() {
    for (cond, want) in [
        (r#""op": "eq", "value": 1"#, false),
        (r#""op": "ne", "value": 1"#, false),
        (r#""op": "in", "value": [1]"#, false),
        (r#""op": "notIn", "value": [1]"#, false),
        (r#""op": "gt", "value": 1"#, false),
        (r#""op": "gte", "value": 1"#, false),
        (r#""op": "lt", "value": 1"#, false),
        (r#""op": "lte", "value": 1"#, false),
        (r#""op": "contains", "value": "a""#, false),
        (r#""op": "matches", "value": "*""#, false),
        (r#""op": "exists", "value": true"#, false),
        (r#""op": "exists", "value": false"#, true),
    ] {
        let s = traits_rule(&format!(r#"{{ "field": "k", {cond} }}"#));
        // With an identify that lacks `k`, and with no identify at all.
        let with = [identify(NOW - DAY, r#"{"other":1}"#)];
        assert_eq!(hit(&score(&s, &with, NOW), "t").0 == 1, want, "{cond}");
        assert_eq!(
            hit(&score(&s, &[], NOW), "t").0 == 1,
            want,
            "{cond} (no identify)"
        );
    }
}

#[test]
fn where_conds_read_event_fields() {
    let s = set(
        None,
        &[
            r#"{ "id": "long-webinar", "category": "a", "points": 1, "when": { "event": "webinar_attended",
                 "where": [ { "field": "props.minutes", "op": "gte", "value": 30 } ] } }"#,
            r#"{ "id": "w-12", "category": "b", "points": 1, "when": { "event": "webinar_attended",
                 "where": [ { "field": "props.webinar_id", "op": "eq", "value": "w-12" } ] } }"#,
            r#"{ "id": "no-id", "category": "c", "points": 1, "when": { "event": "webinar_attended",
                 "where": [ { "field": "props.webinar_id", "op": "exists", "value": false } ] } }"#,
            r#"{ "id": "page-field", "category": "a", "points": 100, "when": { "event": "page_view",
                 "where": [ { "field": "page", "op": "eq", "value": "docs" },
                            { "field": "url", "op": "contains", "value": "?ref=" } ] } }"#,
        ],
    );
    let web = |props: &str| {
        format!(
            r#"{{"type":"webinar_attended","ts":{},"props":{props}}}"#,
            NOW - HOUR
        )
    };
    let out = score(&s, &[web(r#"{"webinar_id":"w-12","minutes":45}"#)], NOW);
    assert_eq!(explained(&out), ["long-webinar", "w-12"]);
    let out = score(&s, &[web(r#"{"webinar_id":"w-13","minutes":"45"}"#)], NOW);
    assert!(explained(&out).is_empty(), "\"45\" is not a number");
    let out = score(&s, &[web(r#"{"minutes":10}"#)], NOW);
    assert_eq!(explained(&out), ["no-id"]);
    let out = score(
        &s,
        &[
            pv(NOW - HOUR, "/docs/api?ref=x"),
            pv(NOW - HOUR, "/docs/api"),
        ],
        NOW,
    );
    assert_eq!(hit(&out, "page-field"), (1, 100.0));
}

// ---------------------------------------------------------------------------------------
// Events after now, ordering

#[test]
fn events_after_now_are_ignored() {
    let s = set(
        None,
        &[
            r#"{ "id": "v", "category": "a", "points": 1, "when": { "event": "page_view" } }"#,
            r#"{ "id": "seq", "category": "b", "points": 10, "when": { "sequence": [
                 { "event": "page_view", "page": "integrations" }, { "event": "page_view", "page": "pricing" } ],
                 "maxSpanDays": 7 } }"#,
        ],
    );
    let log = vec![
        pv(NOW - HOUR, "/integrations"),
        pv(NOW, "/blog"),
        pv(NOW + 1.0, "/pricing"),
    ];
    let out = score(&s, &log, NOW);
    assert_eq!(
        hit(&out, "v"),
        (2, 2.0),
        "ts ≤ now counts, ts > now does not"
    );
    assert_eq!(
        hit(&out, "seq"),
        (0, 0.0),
        "a completion after now does not count"
    );
    let out = score(&s, &log, NOW + 1.0);
    assert_eq!(hit(&out, "v"), (3, 3.0));
    assert_eq!(hit(&out, "seq"), (1, 10.0));
}

#[test]
fn input_order_does_not_matter_but_ties_keep_log_order() {
    let s = set(
        None,
        &[
            r#"{ "id": "seq", "category": "a", "points": 10, "when": { "sequence": [
                 { "event": "page_view", "page": "integrations" }, { "event": "page_view", "page": "pricing" } ],
                 "maxSpanDays": 0 } }"#,
            r#"{ "id": "cd", "category": "b", "points": 1, "cooldownMinutes": 30,
                 "when": { "event": "form_submit" } }"#,
        ],
    );
    let t = NOW - DAY;
    // Same ts: integrations then pricing in log order completes (span 0 ≤ 0)...
    let log = vec![pv(t, "/integrations"), pv(t, "/pricing")];
    assert_eq!(hit(&score(&s, &log, NOW), "seq"), (1, 10.0));
    // ...pricing then integrations does not: pricing is read first.
    let log = vec![pv(t, "/pricing"), pv(t, "/integrations")];
    assert_eq!(hit(&score(&s, &log, NOW), "seq"), (0, 0.0));
    // Different ts: the slice order is irrelevant, events are read in ts order.
    let forward = vec![
        pv(t, "/integrations"),
        form(t + 10.0 * MIN, "a"),
        form(t + 20.0 * MIN, "b"),
        pv(t + 30.0 * MIN, "/pricing"),
        form(t + 40.0 * MIN, "c"),
    ];
    let mut backward = forward.clone();
    backward.reverse();
    let a = score(&s, &forward, NOW);
    let b = score(&s, &backward, NOW);
    assert_eq!(a, b);
    // span 0: integrations at t, pricing at t+30m → no completion; forms: t+10 and t+40.
    assert_eq!(hit(&a, "seq"), (0, 0.0));
    assert_eq!(hit(&a, "cd"), (2, 2.0));
}

// ---------------------------------------------------------------------------------------
// Page patterns, forms, dwell

#[test]
fn page_patterns() {
    let s = set(
        None,
        &[
            r#"{ "id": "pricing", "category": "a", "points": 1, "when": { "event": "page_view", "page": "pricing" } }"#,
            r#"{ "id": "docs", "category": "a", "points": 1, "when": { "event": "page_view", "page": "docs" } }"#,
            r#"{ "id": "careers", "category": "a", "points": 1, "when": { "event": "page_view", "page": "careers" } }"#,
            r#"{ "id": "first", "category": "a", "points": 1, "when": { "event": "page_view", "page": "first" } }"#,
            r#"{ "id": "second", "category": "a", "points": 1, "when": { "event": "page_view", "page": "second" } }"#,
            r#"{ "id": "other", "category": "a", "points": 1, "when": { "event": "page_view", "page": "other" } }"#,
        ],
    );
    for (url, want) in [
        ("https://acme.example/pricing", "pricing"),
        ("https://acme.example/pricing?utm=x", "pricing"),
        ("https://acme.example/pricing#faq", "pricing"),
        ("https://acme.example/pricing/?a=1#b", "pricing"),
        ("https://acme.example/PRICING", "pricing"),
        ("https://ACME.example/Pricing/", "pricing"),
        ("http://other.example:8080/pricing", "pricing"),
        ("/pricing", "pricing"),
        ("https://acme.example/pricing/team", "other"),
        ("https://acme.example/pricingx", "other"),
        ("https://acme.example/a/pricing", "other"),
        // `/plans/**` matches `/plans` itself and everything below it.
        ("https://acme.example/plans", "pricing"),
        ("https://acme.example/plans/", "pricing"),
        ("https://acme.example/Plans/Team/Annual?x=/y", "pricing"),
        ("https://acme.example/plansx", "other"),
        ("https://acme.example/plan", "other"),
        // `*` does not cross '/'.
        ("https://acme.example/docs/api", "docs"),
        ("https://acme.example/docs/api/", "docs"),
        ("https://acme.example/docs/api/v2", "other"),
        ("https://acme.example/jobs/12", "careers"),
        ("https://acme.example/jobs", "careers"),
        // The first entry that matches wins: `/x/**` is listed before `/x/y`.
        ("https://acme.example/x/y", "first"),
        ("https://acme.example/X", "first"),
        ("https://acme.example/y", "second"),
        ("https://acme.example/", "other"),
        ("https://acme.example", "other"),
        ("https://acme.example/?q=/pricing", "other"),
        ("https://acme.example/#/pricing", "other"),
    ] {
        let log = [format!(
            r#"{{"type":"page_view","ts":{},"url":"{url}"}}"#,
            NOW - HOUR
        )];
        let out = score(&s, &log, NOW);
        assert_eq!(explained(&out), [want], "{url}");
    }
    // An event without a URL has no page category, not even `other`.
    let log = [format!(r#"{{"type":"page_view","ts":{}}}"#, NOW - HOUR)];
    assert!(score(&s, &log, NOW).explain.is_empty());
}

/// Contract §1, page patterns: "the URL's path only (scheme, host, query and fragment
/// ignored)". A URL without a path whose query or fragment contains a `/` has the path
/// `/`; the host ends at `?` or `#` as well as at `/`. (Found failing while these tests
/// were written; fixed in src/core/pages.rs since.)
#[test]
fn query_or_fragment_right_after_the_host_is_not_the_path() {
    let s = set(
        None,
        &[
            r#"{ "id": "pricing", "category": "a", "points": 1, "when": { "event": "page_view", "page": "pricing" } }"#,
        ],
    );
    for url in [
        "https://acme.example?q=/pricing",
        "https://acme.example#/pricing",
        "//acme.example?next=/pricing",
    ] {
        let log = [format!(
            r#"{{"type":"page_view","ts":{},"url":"{url}"}}"#,
            NOW - HOUR
        )];
        assert!(
            score(&s, &log, NOW).explain.is_empty(),
            "{url} is not a pricing page"
        );
    }
}

#[test]
fn root_pattern_matches_only_the_root() {
    let text = r#"{ "version": "root", "pages": [ { "category": "home", "match": ["/"] } ],
      "categories": { "a": {} },
      "rules": [ { "id": "home", "category": "a", "points": 1, "when": { "event": "page_view", "page": "home" } } ],
      "bands": [ { "name": "any" } ] }"#;
    let s = RuleSet::from_text(text).unwrap();
    for (url, want) in [
        ("https://acme.example/", 1),
        ("https://acme.example", 1),
        ("https://acme.example/?utm=1", 1),
        ("https://acme.example/x", 0),
    ] {
        let log = [format!(
            r#"{{"type":"page_view","ts":{},"url":"{url}"}}"#,
            NOW - HOUR
        )];
        assert_eq!(hit(&score(&s, &log, NOW), "home").0, want, "{url}");
    }
}

#[test]
fn page_patterns_are_case_insensitive_and_ignore_a_trailing_slash() {
    // Patterns written with capitals or a trailing '/' match like their plain form.
    let text = r#"{ "version": "pat", "pages": [
        { "category": "about", "match": ["/About/"] },
        { "category": "blog", "match": ["/Blog/*/"] },
        { "category": "q", "match": ["/what?"] } ],
      "categories": { "a": {} },
      "rules": [
        { "id": "about", "category": "a", "points": 1, "when": { "event": "page_view", "page": "about" } },
        { "id": "blog", "category": "a", "points": 1, "when": { "event": "page_view", "page": "blog" } },
        { "id": "q", "category": "a", "points": 1, "when": { "event": "page_view", "page": "q" } } ],
      "bands": [ { "name": "any" } ] }"#;
    let s = RuleSet::from_text(text).unwrap();
    for (url, want) in [
        ("https://acme.example/about", vec!["about"]),
        ("https://acme.example/ABOUT/", vec!["about"]),
        ("https://acme.example/about/team", vec![]),
        ("https://acme.example/blog/post-1", vec!["blog"]),
        ("https://acme.example/BLOG/Post-1/", vec!["blog"]),
        ("https://acme.example/blog", vec![]),
        // '?' in a pattern is a literal character (in a URL it starts the query).
        ("https://acme.example/what%3F", vec![]),
        ("https://acme.example/whatx", vec![]),
    ] {
        let log = [format!(
            r#"{{"type":"page_view","ts":{},"url":"{url}"}}"#,
            NOW - HOUR
        )];
        assert_eq!(explained(&score(&s, &log, NOW)), want, "{url}");
    }
}

#[test]
fn form_globs() {
    let s = set(
        None,
        &[
            r#"{ "id": "demo", "category": "a", "points": 1, "when": { "event": "form_submit", "form": "demo*" } }"#,
            r#"{ "id": "request", "category": "b", "points": 1, "when": { "event": "form_submit", "form": "*-request" } }"#,
            r#"{ "id": "exact", "category": "c", "points": 1, "when": { "event": "form_submit", "form": "Contact" } }"#,
        ],
    );
    for (name, want) in [
        ("demo-request", vec!["demo", "request"]),
        ("Demo-Request", vec!["demo", "request"]),
        ("DEMO", vec!["demo"]),
        ("demo", vec!["demo"]),
        ("xdemo", vec![]),
        ("sales/pricing-request", vec!["request"]),
        ("request", vec![]),
        ("contact", vec!["exact"]),
        ("contact-us", vec![]),
    ] {
        let out = score(&s, &[form(NOW - HOUR, name)], NOW);
        assert_eq!(explained(&out), want, "{name}");
    }
    // A form_submit without a form name never matches a `form` glob.
    let log = [format!(r#"{{"type":"form_submit","ts":{}}}"#, NOW - HOUR)];
    assert!(score(&s, &log, NOW).explain.is_empty());
}

#[test]
fn min_dwell_seconds_with_missing_dwell() {
    let s = set(
        None,
        &[
            r#"{ "id": "five", "category": "a", "points": 1, "when": { "event": "page_view", "minDwellSeconds": 5 } }"#,
            r#"{ "id": "zero", "category": "b", "points": 1, "when": { "event": "page_view", "minDwellSeconds": 0 } }"#,
            r#"{ "id": "half", "category": "c", "points": 1, "when": { "event": "page_view", "minDwellSeconds": 0.5 } }"#,
        ],
    );
    for (event, want) in [
        (pv(NOW - HOUR, "/a"), vec!["zero"]),
        (pv_dwell(NOW - HOUR, "/a", 0.0), vec!["zero"]),
        (pv_dwell(NOW - HOUR, "/a", 499.0), vec!["zero"]),
        (pv_dwell(NOW - HOUR, "/a", 500.0), vec!["zero", "half"]),
        (pv_dwell(NOW - HOUR, "/a", 4999.0), vec!["zero", "half"]),
        (
            pv_dwell(NOW - HOUR, "/a", 5000.0),
            vec!["five", "zero", "half"],
        ),
    ] {
        assert_eq!(
            explained(&score(&s, std::slice::from_ref(&event), NOW)),
            want,
            "{event}"
        );
    }
}

// ---------------------------------------------------------------------------------------
// Sequences

const SEQ_IP: &str = r#"{ "id": "seq", "category": "a", "points": 8, "when": { "sequence": [
    { "event": "page_view", "page": "integrations" }, { "event": "page_view", "page": "pricing" } ],
    "maxSpanDays": 7 } }"#;

fn seq_count(s: &RuleSet, log: &[String]) -> usize {
    hit(&score(s, log, NOW), "seq").0
}

#[test]
fn sequence_completes_as_early_as_possible() {
    let s = set(None, &[SEQ_IP]);
    let i = |d: f64| pv(NOW - d * DAY, "/integrations");
    let p = |d: f64| pv(NOW - d * DAY, "/pricing");
    // I P P: completes at the first P; the second P has no open chain → 1.
    assert_eq!(seq_count(&s, &[i(5.0), p(4.0), p(3.0)]), 1);
    // I I P P → 1; I P I P → 2; P I P → 1 (a P before any I is nothing).
    assert_eq!(seq_count(&s, &[i(5.0), i(4.5), p(4.0), p(3.0)]), 1);
    assert_eq!(seq_count(&s, &[i(5.0), p(4.0), i(3.0), p(2.0)]), 2);
    assert_eq!(seq_count(&s, &[p(6.0), i(5.0), p(4.0)]), 1);
    // The completion's ts is its last event's: with a 1-day half-life, I −3d, P −2d, P −1d
    // gives one completion at −2d: 8·0.5² = 2 (not 8·0.5 = 4 from the later P).
    let s = set(Some(1.0), &[SEQ_IP]);
    let out = score(&s, &[i(3.0), p(2.0), p(1.0)], NOW);
    assert_eq!(hit(&out, "seq"), (1, 2.0));
}

#[test]
fn sequence_last_step_never_starts_the_next_chain() {
    // Steps: any page view, then a pricing view. X P1 P2 P3:
    // P1 completes (X, P1); P1 does not start a chain; P2 starts one; P3 completes → 2.
    // (If P1 also started a chain, P2 would complete it, and P3 would start one: also 2,
    // but with completions at P1 and P2; the half-life tells them apart.)
    let rule = r#"{ "id": "seq", "category": "a", "points": 8, "halfLifeDays": 1, "when": { "sequence": [
        { "event": "page_view" }, { "event": "page_view", "page": "pricing" } ], "maxSpanDays": 7 } }"#;
    let s = set(None, &[rule]);
    let log = vec![
        pv(NOW - 4.0 * DAY, "/blog"),
        pv(NOW - 3.0 * DAY, "/pricing"),
        pv(NOW - 2.0 * DAY, "/pricing"),
        pv(NOW - DAY, "/pricing"),
    ];
    // Completions at −3d and −1d: 8·0.5³ + 8·0.5 = 1 + 4 = 5.
    assert_eq!(hit(&score(&s, &log, NOW), "seq"), (2, 5.0));
    // Two steps that every page view matches: 4 views → 2 completions, 5 → 2, 6 → 3.
    let rule = r#"{ "id": "seq", "category": "a", "points": 1, "when": { "sequence": [
        { "event": "page_view" }, { "event": "page_view" } ], "maxSpanDays": 7 } }"#;
    let s = set(None, &[rule]);
    let views: Vec<String> = (0..6)
        .map(|k| pv(NOW - (6 - k) as f64 * HOUR, "/a"))
        .collect();
    assert_eq!(seq_count(&s, &views[..1]), 0);
    assert_eq!(seq_count(&s, &views[..2]), 1);
    assert_eq!(seq_count(&s, &views[..3]), 1);
    assert_eq!(seq_count(&s, &views[..4]), 2);
    assert_eq!(seq_count(&s, &views[..5]), 2);
    assert_eq!(seq_count(&s, &views[..6]), 3);
    // Three steps that every view matches: no event serves two steps: 2 views → 0, 3 → 1.
    let rule = r#"{ "id": "seq", "category": "a", "points": 1, "when": { "sequence": [
        { "event": "page_view" }, { "event": "page_view" }, { "event": "page_view" } ], "maxSpanDays": 7 } }"#;
    let s = set(None, &[rule]);
    assert_eq!(seq_count(&s, &views[..2]), 0);
    assert_eq!(seq_count(&s, &views[..3]), 1);
    assert_eq!(seq_count(&s, &views[..5]), 1);
    assert_eq!(seq_count(&s, &views[..6]), 2);
}

#[test]
fn sequence_max_span_boundary() {
    let s = set(None, &[SEQ_IP]);
    let t = NOW - 20.0 * DAY;
    // ts(last) − ts(first) ≤ 7 days: exactly 7 days completes, 1 ms more does not.
    assert_eq!(
        seq_count(&s, &[pv(t, "/integrations"), pv(t + 7.0 * DAY, "/pricing")]),
        1
    );
    assert_eq!(
        seq_count(
            &s,
            &[pv(t, "/integrations"), pv(t + 7.0 * DAY + 1.0, "/pricing")]
        ),
        0
    );
    // maxSpanDays 0: only same-ts chains (in log order).
    let s0 = set(
        None,
        &[&SEQ_IP.replace(r#""maxSpanDays": 7"#, r#""maxSpanDays": 0"#)],
    );
    assert_eq!(
        seq_count(&s0, &[pv(t, "/integrations"), pv(t, "/pricing")]),
        1
    );
    assert_eq!(
        seq_count(&s0, &[pv(t, "/integrations"), pv(t + 1.0, "/pricing")]),
        0
    );
}

#[test]
fn sequence_later_start_replaces_a_too_old_one() {
    let s = set(None, &[SEQ_IP]);
    let t = NOW - 30.0 * DAY;
    // I t, P t+8d: too far apart → 0.
    assert_eq!(
        seq_count(&s, &[pv(t, "/integrations"), pv(t + 8.0 * DAY, "/pricing")]),
        0
    );
    // I t, I t+5d, P t+10d: the later start (5 days before P) completes → 1.
    let log = [
        pv(t, "/integrations"),
        pv(t + 5.0 * DAY, "/integrations"),
        pv(t + 10.0 * DAY, "/pricing"),
    ];
    assert_eq!(seq_count(&s, &log), 1);
    // A too-late P does not consume anything: I t, P t+8d (no), I t+9d, P t+10d → 1.
    let log = [
        pv(t, "/integrations"),
        pv(t + 8.0 * DAY, "/pricing"),
        pv(t + 9.0 * DAY, "/integrations"),
        pv(t + 10.0 * DAY, "/pricing"),
    ];
    assert_eq!(seq_count(&s, &log), 1);
}

#[test]
fn three_step_sequences_keep_the_latest_start() {
    let rule = r#"{ "id": "seq", "category": "a", "points": 1, "when": { "sequence": [
        { "event": "page_view", "page": "integrations" }, { "event": "page_view", "page": "docs" },
        { "event": "page_view", "page": "pricing" } ], "maxSpanDays": 7 } }"#;
    let s = set(None, &[rule]);
    let t = NOW - 40.0 * DAY;
    let i = |d: f64| pv(t + d * DAY, "/integrations");
    let d = |d: f64| pv(t + d * DAY, "/docs/a");
    let p = |d: f64| pv(t + d * DAY, "/pricing");
    // I0 D1 I5 D6 P9: the chain I5 D6 P9 spans 4 days → 1.
    assert_eq!(seq_count(&s, &[i(0.0), d(1.0), i(5.0), d(6.0), p(9.0)]), 1);
    // I0 I3 D4 P9: D4 extends the chain started at 3 (the latest), P9 − 3 = 6 ≤ 7 → 1.
    assert_eq!(seq_count(&s, &[i(0.0), i(3.0), d(4.0), p(9.0)]), 1);
    // I0 D1 P8: 8 days → 0.
    assert_eq!(seq_count(&s, &[i(0.0), d(1.0), p(8.0)]), 0);
    // I0 D1 I2 D3 P9: s[1] = max(0, 2) = 2, P9 − 2 = 7 ≤ 7 → 1 (boundary); 1 ms later → 0.
    assert_eq!(seq_count(&s, &[i(0.0), d(1.0), i(2.0), d(3.0), p(9.0)]), 1);
    let late = pv(t + 9.0 * DAY + 1.0, "/pricing");
    assert_eq!(seq_count(&s, &[i(0.0), d(1.0), i(2.0), d(3.0), late]), 0);
    // Steps must come in order: D0 I1 P2 → 0. A P with no D before it is skipped and
    // consumes nothing: I0 P1 D2 P3 → 1 (the chain I0 D2 P3).
    assert_eq!(seq_count(&s, &[d(0.0), i(1.0), p(2.0)]), 0);
    assert_eq!(seq_count(&s, &[i(0.0), p(1.0), d(2.0), p(3.0)]), 1);
    // An I after D does not restart what D already extended: I0 D1 I2 P3 → 1 (chain I0 D1 P3).
    assert_eq!(seq_count(&s, &[i(0.0), d(1.0), i(2.0), p(3.0)]), 1);
}

#[test]
fn sequence_with_max_count_and_cooldown() {
    // Completions (integrations 1 h before pricing) at −4d, −3d, −2d, −1d; cooldown 1.5 days
    // (2160 min); maxCount 1; half-life 1 day; 16 points.
    // Walk: −4d counted; −3d (1 day after) no; −2d (2 days) counted; −1d (1 day) no.
    // The most recent counted: −2d → 16·0.5² = 4.
    let rule = r#"{ "id": "seq", "category": "a", "points": 16, "maxCount": 1, "cooldownMinutes": 2160,
        "halfLifeDays": 1, "when": { "sequence": [
        { "event": "page_view", "page": "integrations" }, { "event": "page_view", "page": "pricing" } ],
        "maxSpanDays": 7 } }"#;
    let s = set(None, &[rule]);
    let mut log = Vec::new();
    for d in [4.0, 3.0, 2.0, 1.0] {
        log.push(pv(NOW - d * DAY - HOUR, "/integrations"));
        log.push(pv(NOW - d * DAY, "/pricing"));
    }
    assert_eq!(hit(&score(&s, &log, NOW), "seq"), (1, 4.0));
    // Without maxCount: −4d and −2d count: 16·(0.5⁴ + 0.5²) = 1 + 4 = 5.
    let s = set(None, &[&rule.replace(r#""maxCount": 1, "#, "")]);
    assert_eq!(hit(&score(&s, &log, NOW), "seq"), (2, 5.0));
}

#[test]
fn sequence_within_days_uses_the_completion_time() {
    // withinDays 7: the completion's ts (the last step's) decides. I −9d, P −6d → counts.
    let s = set(
        None,
        &[&SEQ_IP.replace(r#""points": 8,"#, r#""points": 8, "withinDays": 7,"#)],
    );
    let log = [
        pv(NOW - 9.0 * DAY, "/integrations"),
        pv(NOW - 6.0 * DAY, "/pricing"),
    ];
    assert_eq!(seq_count(&s, &log), 1);
    let log = [
        pv(NOW - 9.0 * DAY, "/integrations"),
        pv(NOW - 8.0 * DAY, "/pricing"),
    ];
    assert_eq!(seq_count(&s, &log), 0);
}

// ---------------------------------------------------------------------------------------
// Decay and windows as `now` moves

#[test]
fn a_window_restart_can_raise_a_decayed_contribution() {
    // Why the decay property (tests/properties.rs) excludes rules with both withinDays and
    // a cooldown: withinDays 1, cooldown 30 min, half-life 1 day, 8 points.
    // Views at t and t+20m. At now1 = t+1d: both inside; t counts, t+20m is in its
    //   cooldown → 8·0.5^1 = 4.
    // At now2 = t+1d+10m: t is outside, the walk restarts at t+20m (age 1d−10m) →
    //   8·0.5^((1440−10)/1440) > 4. The contract's formulas say so; it is not a bug.
    let s = set(
        None,
        &[
            r#"{ "id": "w", "category": "a", "points": 8, "withinDays": 1, "cooldownMinutes": 30,
               "halfLifeDays": 1, "when": { "event": "page_view" } }"#,
        ],
    );
    let t = NOW - 2.0 * DAY;
    let log = [pv(t, "/a"), pv(t + 20.0 * MIN, "/b")];
    let (c1, p1) = hit(&score(&s, &log, t + DAY), "w");
    let (c2, p2) = hit(&score(&s, &log, t + DAY + 10.0 * MIN), "w");
    assert_eq!((c1, p1), (1, 4.0));
    assert_eq!(c2, 1);
    assert!(p2 > p1, "{p2} > {p1}");
    assert_eq!(p2, 8.0 * libm::pow(0.5, (DAY - 10.0 * MIN) / DAY / 1.0));
}

// ---------------------------------------------------------------------------------------
// The contract's example, end to end through the library

#[test]
fn contract_example_at_other_times() {
    let s = RuleSet::from_text(include_str!("fixtures/contract-rules.json")).unwrap();
    let log: Vec<String> = include_str!("fixtures/contract-events.jsonl")
        .lines()
        .map(str::to_string)
        .collect();
    // At the first event's own ts only the pricing view (age 0, 15 points) has been read;
    // 1 ms earlier nothing has.
    let first = 1_763_856_000_000.0;
    let out = score(&s, &log, first);
    assert_eq!(explained(&out), ["pricing-view"]);
    assert_eq!(out.score, 15.0);
    assert_eq!(out.band.as_deref(), Some("nurture"));
    let out = score(&s, &log, first - 1.0);
    assert!(out.explain.is_empty());
    assert_eq!(out.score, 0.0);
    assert_eq!(out.band.as_deref(), Some("new"));
    // Two half-lives after the first event: view 15·0.25 = 3.75; senior-buyer 20 (no decay).
    let out = score(&s, &log, first + 60.0 * DAY);
    assert_eq!(hit(&out, "pricing-view"), (1, 3.75));
    assert_eq!(hit(&out, "senior-buyer"), (1, 20.0));
    // The section-3 result itself.
    let out = score(&s, &log, NOW);
    assert_eq!(out.score, 40.00020056502934);
    assert_eq!(
        explained(&out),
        ["pricing-view", "demo-request", "senior-buyer"]
    );
}
