//! Properties of the scoring core over random rule sets and random event logs (proptest),
//! and the deterministic counterexamples they led to.
//!
//! Rule sets: 2–3 categories with random clamps, 3–8 rules mixing event, sequence and
//! traits rules with random maxCount / skipFirst / cooldown / withinDays / halfLife / points (negative
//! included). Logs: 0–150 events (page views, forms, a custom event, identifies) with gaps
//! from 0 (ties) to a few days, so cooldowns, windows and sequence spans all bite.

use leadscore::{Event, Outcome, RuleSet, Visitor};
use proptest::prelude::*;

const MIN: f64 = 60_000.0;
const HOUR: f64 = 60.0 * MIN;
const DAY: f64 = 86_400_000.0;
/// Start of every generated log.
const T0: f64 = 1_760_000_000_000.0;

// ---------------------------------------------------------------------------------------
// Generated rule sets

const PAGES: &str = r#"[
  { "category": "pricing", "match": ["/pricing", "/plans/**"] },
  { "category": "docs", "match": ["/docs/**"] },
  { "category": "careers", "match": ["/careers/*"] }
]"#;
const PAGE_NAMES: [&str; 4] = ["pricing", "docs", "careers", "other"];
const URLS: [&str; 8] = [
    "https://acme.example/pricing?utm=x",
    "https://acme.example/plans/team",
    "https://acme.example/docs/a",
    "https://acme.example/Docs/b/c/",
    "https://acme.example/careers/x",
    "https://acme.example/blog",
    "/",
    "/plans",
];
const FORMS: [&str; 4] = ["demo-request", "contact", "Demo", "newsletter"];
const FORM_GLOBS: [&str; 3] = ["demo*", "*act", "newsletter"];
const TRAIT_CONDS: [&str; 8] = [
    r#"{ "field": "seniority", "op": "in", "value": ["vp", "c_level"] }"#,
    r#"{ "field": "seniority", "op": "ne", "value": "ic" }"#,
    r#"{ "field": "email_type", "op": "eq", "value": "free" }"#,
    r#"{ "field": "email_type", "op": "eq", "value": "competitor" }"#,
    r#"{ "field": "size", "op": "gte", "value": 100 }"#,
    r#"{ "field": "size", "op": "eq", "value": "250" }"#,
    r#"{ "field": "size", "op": "exists", "value": false }"#,
    r#"{ "field": "email", "op": "matches", "value": "*@acme.*" }"#,
];
const TRAITS: [&str; 7] = [
    r#"{"seniority":"vp"}"#,
    r#"{"seniority":"ic","size":250}"#,
    r#"{"email_type":"free"}"#,
    r#"{"email_type":"competitor","size":"250"}"#,
    r#"{"email":"Jo@ACME.io","size":50}"#,
    r#"{"seniority":"c_level","email_type":"corporate"}"#,
    r#"{"size":1000}"#,
];

#[derive(Debug, Clone)]
struct EvCond {
    /// 0 page_view, 1 form_submit, 2 webinar_attended, 3 form_start.
    kind: u8,
    page: Option<usize>,
    form: Option<usize>,
    dwell: Option<u8>,
    webinar: Option<u8>,
}

#[derive(Debug, Clone)]
enum When {
    Event(EvCond),
    Sequence(Vec<EvCond>, f64),
    Traits(Vec<usize>),
}

#[derive(Debug, Clone)]
enum HalfLife {
    Doc,
    Null,
    Days(f64),
}

#[derive(Debug, Clone)]
struct RuleSpec {
    category: usize,
    points: f64,
    max_count: Option<u32>,
    skip_first: Option<u32>,
    cooldown: Option<f64>,
    within: Option<f64>,
    half_life: HalfLife,
    disqualify: bool,
    when: When,
}

#[derive(Debug, Clone)]
struct Spec {
    half_life: Option<f64>,
    categories: Vec<(Option<f64>, Option<f64>)>,
    rules: Vec<RuleSpec>,
}

fn ev_cond() -> impl Strategy<Value = EvCond> {
    (
        prop_oneof![5 => Just(0u8), 2 => Just(1u8), 1 => Just(2u8), 1 => Just(3u8)],
        prop::option::weighted(0.7, 0..PAGE_NAMES.len()),
        prop::option::weighted(0.6, 0..FORM_GLOBS.len()),
        prop::option::weighted(0.3, 0u8..3),
        prop::option::weighted(0.5, 0u8..2),
    )
        .prop_map(|(kind, page, form, dwell, webinar)| EvCond {
            kind,
            page: if kind == 0 { page } else { None },
            form: if kind == 1 { form } else { None },
            dwell: if kind == 0 { dwell } else { None },
            webinar: if kind == 2 { webinar } else { None },
        })
}

fn when() -> impl Strategy<Value = When> {
    prop_oneof![
        5 => ev_cond().prop_map(When::Event),
        3 => (
            prop::collection::vec(ev_cond(), 2..=3),
            prop_oneof![Just(0.0), Just(0.5), Just(1.0), Just(3.0), Just(7.0), Just(30.0)],
        )
            .prop_map(|(s, d)| When::Sequence(s, d)),
        2 => prop::collection::vec(0..TRAIT_CONDS.len(), 1..=2).prop_map(When::Traits),
    ]
}

fn rule_spec(categories: usize) -> impl Strategy<Value = RuleSpec> {
    (
        0..categories,
        prop_oneof![
            (-20i32..=30).prop_map(f64::from),
            (-40i32..=60).prop_map(|p| f64::from(p) / 4.0),
        ],
        prop::option::weighted(0.4, 1u32..=4),
        prop::option::weighted(0.2, 1u32..=3),
        prop::option::weighted(
            0.4,
            prop_oneof![Just(0.0), Just(15.0), Just(30.0), Just(120.0), Just(1440.0), Just(4320.0)],
        ),
        prop::option::weighted(0.4, prop_oneof![Just(0.5), Just(1.0), Just(3.0), Just(7.0), Just(30.0), Just(60.0)]),
        prop_oneof![
            3 => Just(HalfLife::Doc),
            1 => Just(HalfLife::Null),
            2 => prop_oneof![Just(0.5), Just(1.0), Just(7.0), Just(30.0), Just(45.5)].prop_map(HalfLife::Days),
        ],
        prop::bool::weighted(0.1),
        when(),
    )
        .prop_map(
            |(category, points, max_count, skip_first, cooldown, within, half_life, disqualify, when)| RuleSpec {
                category,
                points,
                max_count,
                skip_first,
                cooldown,
                within,
                half_life,
                disqualify,
                when,
            },
        )
}

fn spec() -> impl Strategy<Value = Spec> {
    (2usize..=3)
        .prop_flat_map(|n| {
            (
                prop::option::weighted(0.6, prop_oneof![Just(1.0), Just(7.0), Just(30.0)]),
                prop::collection::vec(
                    (
                        prop::option::weighted(0.5, -60i32..=10),
                        prop::option::weighted(0.5, 0i32..=80),
                    ),
                    n,
                ),
                prop::collection::vec(rule_spec(n), 3..=8),
            )
        })
        .prop_map(|(half_life, cats, rules)| Spec {
            half_life,
            categories: cats
                .into_iter()
                .map(|(lo, hi)| match (lo, hi) {
                    (Some(a), Some(b)) if a > b => (Some(f64::from(b)), Some(f64::from(a))),
                    (a, b) => (a.map(f64::from), b.map(f64::from)),
                })
                .collect(),
            rules,
        })
}

fn cond_json(c: &EvCond) -> String {
    let mut s = format!(
        r#"{{ "event": "{}""#,
        ["page_view", "form_submit", "webinar_attended", "form_start"][c.kind as usize]
    );
    if let Some(p) = c.page {
        s += &format!(r#", "page": "{}""#, PAGE_NAMES[p]);
    }
    if let Some(f) = c.form {
        s += &format!(r#", "form": "{}""#, FORM_GLOBS[f]);
    }
    if let Some(d) = c.dwell {
        s += &format!(r#", "minDwellSeconds": {}"#, [0, 5, 10][d as usize]);
    }
    if let Some(w) = c.webinar {
        s += &format!(
            r#", "where": [ {{ "field": "props.webinar_id", "op": "eq", "value": "w{w}" }} ]"#
        );
    }
    s + " }"
}

impl Spec {
    fn to_json(&self) -> String {
        let hl = self
            .half_life
            .map_or(String::new(), |h| format!(r#""halfLifeDays": {h},"#));
        let cats: Vec<String> = self
            .categories
            .iter()
            .enumerate()
            .map(|(i, (lo, hi))| {
                let mut parts = Vec::new();
                if let Some(lo) = lo {
                    parts.push(format!(r#""min": {lo}"#));
                }
                if let Some(hi) = hi {
                    parts.push(format!(r#""max": {hi}"#));
                }
                format!(r#""c{i}": {{ {} }}"#, parts.join(", "))
            })
            .collect();
        let rules: Vec<String> = self
            .rules
            .iter()
            .enumerate()
            .map(|(i, r)| {
                let mut s = format!(
                    r#"{{ "id": "r{i}", "category": "c{}", "points": {}"#,
                    r.category, r.points
                );
                if r.disqualify {
                    s += r#", "disqualify": true"#;
                }
                let when = match &r.when {
                    When::Event(c) => cond_json(c),
                    When::Sequence(steps, d) => format!(
                        r#"{{ "sequence": [ {} ], "maxSpanDays": {d} }}"#,
                        steps.iter().map(cond_json).collect::<Vec<_>>().join(", ")
                    ),
                    When::Traits(cs) => format!(
                        r#"{{ "traits": [ {} ] }}"#,
                        cs.iter()
                            .map(|&c| TRAIT_CONDS[c])
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                };
                if !matches!(r.when, When::Traits(_)) {
                    if let Some(m) = r.max_count {
                        s += &format!(r#", "maxCount": {m}"#);
                    }
                    if let Some(k) = r.skip_first {
                        s += &format!(r#", "skipFirst": {k}"#);
                    }
                    if let Some(c) = r.cooldown {
                        s += &format!(r#", "cooldownMinutes": {c}"#);
                    }
                    if let Some(w) = r.within {
                        s += &format!(r#", "withinDays": {w}"#);
                    }
                    match r.half_life {
                        HalfLife::Doc => {}
                        HalfLife::Null => s += r#", "halfLifeDays": null"#,
                        HalfLife::Days(d) => s += &format!(r#", "halfLifeDays": {d}"#),
                    }
                }
                s + &format!(r#", "when": {when} }}"#)
            })
            .collect();
        format!(
            r#"{{ "version": "prop", {hl} "pages": {PAGES},
  "events": {{ "webinar_attended": {{ "props": ["webinar_id"] }} }},
  "categories": {{ {} }},
  "rules": [
    {}
  ],
  "bands": [ {{ "name": "hot", "min": 40, "action": "call" }}, {{ "name": "warm", "min": 10 }},
             {{ "name": "cold", "min": -5 }} ] }}"#,
            cats.join(", "),
            rules.join(",\n    ")
        )
    }

    fn compile(&self) -> RuleSet {
        let text = self.to_json();
        RuleSet::from_text(&text)
            .unwrap_or_else(|e| panic!("generated rules invalid: {e:?}\n{text}"))
    }
}

// ---------------------------------------------------------------------------------------
// Generated event logs

#[derive(Debug, Clone)]
enum Kind {
    View { url: usize, dwell: Option<u8> },
    NoUrlView,
    Form(usize),
    FormStart,
    Webinar(u8),
    Identify(usize),
}

fn kind() -> impl Strategy<Value = Kind> {
    prop_oneof![
        12 => (0..URLS.len(), prop::option::weighted(0.6, 0u8..3))
            .prop_map(|(url, dwell)| Kind::View { url, dwell }),
        1 => Just(Kind::NoUrlView),
        4 => (0..FORMS.len()).prop_map(Kind::Form),
        1 => Just(Kind::FormStart),
        2 => (0u8..3).prop_map(Kind::Webinar),
        2 => (0..TRAITS.len()).prop_map(Kind::Identify),
    ]
}

/// Gaps between consecutive events: ties, cooldown-sized, hours, days.
fn gap() -> impl Strategy<Value = f64> {
    prop_oneof![
        2 => Just(0.0),
        1 => Just(MIN),
        2 => Just(10.0 * MIN),
        2 => Just(20.0 * MIN),
        1 => Just(30.0 * MIN),
        1 => Just(45.0 * MIN),
        2 => Just(2.0 * HOUR),
        1 => Just(12.0 * HOUR),
        2 => Just(DAY),
        1 => Just(3.0 * DAY),
        1 => (0u32..=5000).prop_map(|m| f64::from(m) * MIN),
    ]
}

fn event_json(ts: f64, k: &Kind) -> String {
    match k {
        Kind::View { url, dwell } => {
            let d = dwell.map_or(String::new(), |d| {
                format!(r#","dwellMs":{}"#, [1000, 6000, 30000][d as usize])
            });
            format!(
                r#"{{"type":"page_view","ts":{ts},"url":"{}"{d}}}"#,
                URLS[*url]
            )
        }
        Kind::NoUrlView => format!(r#"{{"type":"page_view","ts":{ts}}}"#),
        Kind::Form(f) => format!(
            r#"{{"type":"form_submit","ts":{ts},"url":"https://acme.example/contact","form":"{}"}}"#,
            FORMS[*f]
        ),
        Kind::FormStart => format!(r#"{{"type":"form_start","ts":{ts},"form":"demo-request"}}"#),
        Kind::Webinar(w) => {
            format!(r#"{{"type":"webinar_attended","ts":{ts},"props":{{"webinar_id":"w{w}"}}}}"#)
        }
        Kind::Identify(t) => format!(r#"{{"type":"identify","ts":{ts},"traits":{}}}"#, TRAITS[*t]),
    }
}

/// Event texts in ts order (ties in log order), starting at `start`.
fn log_from(start: f64, items: &[(f64, Kind)]) -> Vec<String> {
    let mut ts = start;
    items
        .iter()
        .map(|(g, k)| {
            ts += g;
            event_json(ts, k)
        })
        .collect()
}

fn log(max: usize) -> impl Strategy<Value = Vec<(f64, Kind)>> {
    prop::collection::vec((gap(), kind()), 0..=max)
}

fn parse(set: &RuleSet, texts: &[String]) -> Vec<Event> {
    texts
        .iter()
        .map(|t| {
            set.event_from_text(t)
                .unwrap_or_else(|e| panic!("{t}: {e:?}"))
        })
        .collect()
}

fn visitor(set: &RuleSet, texts: &[String]) -> Visitor {
    let mut v = Visitor::default();
    for t in texts {
        v.push_text(set.event_from_text(t).unwrap(), t);
    }
    v
}

fn last_ts(events: &[Event]) -> f64 {
    events.iter().map(|e| e.ts).fold(T0, f64::max)
}

/// `PROPTEST_CASES` in the environment overrides `cases` (for longer local runs).
fn config(cases: u32) -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(cases);
    ProptestConfig {
        cases,
        max_shrink_iters: 2000,
        // No proptest-regressions/ files written into the source tree.
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

// ---------------------------------------------------------------------------------------
// Properties

/// Everything that must hold of one result, given its rules.
fn check_outcome(spec: &Spec, set: &RuleSet, out: &Outcome) -> Result<(), TestCaseError> {
    // Explain: rules order, each counted at least once, never more than maxCount; traits
    // rules score their points once, undecayed.
    let mut prev: Option<usize> = None;
    for x in &out.explain {
        let i: usize = x.rule[1..].parse().unwrap();
        prop_assert!(prev.is_none_or(|p| p < i), "explain out of rules order");
        prev = Some(i);
        prop_assert!(x.count >= 1);
        let r = &set.rules[i];
        prop_assert_eq!(&x.category, &format!("c{}", spec.rules[i].category));
        if let Some(m) = r.max_count {
            prop_assert!(
                x.count <= m,
                "{} counted {} > maxCount {}",
                x.rule,
                x.count,
                m
            );
        }
        if let When::Traits(_) = spec.rules[i].when {
            prop_assert_eq!((x.count, x.points), (1, r.points));
        }
        // |contribution| ≤ count·|points|: decay never grows a point.
        prop_assert!(x.points.abs() <= x.count as f64 * r.points.abs());
    }
    // Categories: the clamped sum of their rules' contributions (in rules order), within
    // [min, max]; the score is their sum.
    prop_assert_eq!(out.categories.len(), spec.categories.len());
    let mut total = 0.0;
    for (c, ((name, value), (lo, hi))) in out.categories.iter().zip(&spec.categories).enumerate() {
        prop_assert_eq!(name, &format!("c{c}"));
        let lo = lo.unwrap_or(f64::NEG_INFINITY);
        let hi = hi.unwrap_or(f64::INFINITY);
        prop_assert!(
            lo <= *value && *value <= hi,
            "{name} = {value} outside [{lo}, {hi}]"
        );
        let sum = out
            .explain
            .iter()
            .filter(|x| x.category == *name)
            .fold(0.0, |s, x| s + x.points);
        prop_assert_eq!(*value, sum.max(lo).min(hi));
        total += value;
    }
    prop_assert_eq!(out.score, total);
    // Disqualified exactly when a disqualify rule counted; then band "disqualified".
    let dq = out
        .explain
        .iter()
        .any(|x| spec.rules[x.rule[1..].parse::<usize>().unwrap()].disqualify);
    prop_assert_eq!(out.disqualified, dq);
    let (band, action) = if dq {
        (Some("disqualified"), None)
    } else if out.score >= 40.0 {
        (Some("hot"), Some("call"))
    } else if out.score >= 10.0 {
        (Some("warm"), None)
    } else if out.score >= -5.0 {
        (Some("cold"), None)
    } else {
        (None, None)
    };
    prop_assert_eq!(out.band.as_deref(), band);
    prop_assert_eq!(out.action.as_deref(), action);
    prop_assert_eq!(&out.rules_version, "prop");
    Ok(())
}

proptest! {
    #![proptest_config(config(256))]

    /// Category totals stay within [min, max], the score is their sum, counts never
    /// exceed maxCount, explain is in rules order, bands and disqualification follow.
    #[test]
    fn outcome_is_consistent(spec in spec(), items in log(150), at in 0u32..=130 * 24) {
        let set = spec.compile();
        let events = parse(&set, &log_from(T0, &items));
        let now = T0 + f64::from(at) * HOUR;
        let out = leadscore::score(&set, &events, now);
        check_outcome(&spec, &set, &out)?;
        // Scoring twice gives the same bits.
        prop_assert_eq!(&out, &leadscore::score(&set, &events, now));
    }

    /// score() reads events in ts order (log order on ties): any permutation of the input
    /// slice that keeps the relative order of equal-ts events gives the same result.
    #[test]
    fn input_order_is_irrelevant_beyond_ties(
        spec in spec(),
        items in log(150),
        keys in prop::collection::vec(any::<u32>(), 150),
        at in 0u32..=130 * 24,
    ) {
        let set = spec.compile();
        let events = parse(&set, &log_from(T0, &items));
        // A random permutation, then within each ts the original relative order restored.
        let mut perm: Vec<usize> = (0..events.len()).collect();
        perm.sort_by_key(|&i| (keys[i], i));
        let mut shuffled: Vec<Option<Event>> = vec![None; events.len()];
        let mut groups: Vec<(f64, Vec<usize>)> = Vec::new();
        for (pos, &i) in perm.iter().enumerate() {
            let ts = events[i].ts;
            match groups.iter_mut().find(|(t, _)| *t == ts) {
                Some((_, ps)) => ps.push(pos),
                None => groups.push((ts, vec![pos])),
            }
        }
        for (ts, positions) in &groups {
            let originals = events.iter().filter(|e| e.ts == *ts);
            for (&pos, e) in positions.iter().zip(originals) {
                shuffled[pos] = Some(e.clone());
            }
        }
        let shuffled: Vec<Event> = shuffled.into_iter().map(Option::unwrap).collect();
        let now = T0 + f64::from(at) * HOUR;
        prop_assert_eq!(
            leadscore::score(&set, &events, now),
            leadscore::score(&set, &shuffled, now)
        );
    }

    /// With no new events (all ts ≤ now1 ≤ now2), a rule's |contribution| and count never
    /// grow as now advances, for every event or sequence rule that has no withinDays, or
    /// has withinDays but no cooldown: its counted occurrences at now2 are a subset of those
    /// at now1 (without a window the cooldown walk and maxCount see the same occurrences;
    /// with a window and no cooldown they are the newest maxCount of a shrinking suffix),
    /// and each one's weight 0.5^(age/halfLife) only shrinks. Rules with both withinDays and
    /// a cooldown are excluded: when the window drops the first counted occurrence the walk
    /// restarts and can count a younger one (journeys.rs shows one such case). Traits rules
    /// do not change at all.
    #[test]
    fn decay_never_grows_a_contribution(
        spec in spec(),
        items in log(150),
        after in 0u32..=20 * 24 * 60,
        step in prop_oneof![Just(1.0), Just(MIN), Just(HOUR), Just(DAY), Just(45.0 * DAY)],
    ) {
        let set = spec.compile();
        let events = parse(&set, &log_from(T0, &items));
        let now1 = last_ts(&events) + f64::from(after) * MIN;
        let now2 = now1 + step;
        let a = leadscore::score(&set, &events, now1);
        let b = leadscore::score(&set, &events, now2);
        let get = |o: &Outcome, id: &str| {
            o.explain.iter().find(|x| x.rule == id).map_or((0, 0.0), |x| (x.count, x.points))
        };
        for (i, r) in set.rules.iter().enumerate() {
            let id = format!("r{i}");
            let (c1, p1) = get(&a, &id);
            let (c2, p2) = get(&b, &id);
            match spec.rules[i].when {
                When::Traits(_) => prop_assert_eq!((c1, p1), (c2, p2)),
                _ if r.within_days.is_some() && r.cooldown_minutes > 0.0 => {}
                _ => {
                    prop_assert!(c2 <= c1, "{}: count {} → {}", id, c1, c2);
                    prop_assert!(p2.abs() <= p1.abs(), "{}: |{}| → |{}|", id, p1, p2);
                    if r.within_days.is_none() {
                        prop_assert_eq!(c1, c2);
                        if r.half_life_days.is_none() {
                            prop_assert_eq!(p1, p2);
                        }
                    }
                }
            }
        }
    }

    /// Saved state reads back to the same events and the same scores, exactly.
    #[test]
    fn state_text_round_trips(spec in spec(), items in log(150), at in 0u32..=130 * 24) {
        let set = spec.compile();
        let texts = log_from(T0, &items);
        let v = visitor(&set, &texts);
        let text = v.to_text();
        let (w, dropped) = Visitor::from_text(&set, &text).expect("state reads back");
        prop_assert!(dropped.is_empty(), "{:?}", dropped);
        prop_assert_eq!(v.events(), w.events());
        prop_assert_eq!(&w.to_text(), &text);
        for now in [T0 + f64::from(at) * HOUR, last_ts(v.events()), last_ts(v.events()) + 40.0 * DAY] {
            prop_assert_eq!(v.score(&set, now), w.score(&set, now));
        }
        // Merging a state with its own reloaded copy (another tab) adds nothing. (Skipped
        // when two page views share a ts: see merging_a_state_with_itself_changes_nothing.)
        let views: Vec<f64> = v.events().iter().filter(|e| e.ty == leadscore::rules::PAGE_VIEW).map(|e| e.ts).collect();
        let tied_views = views.windows(2).any(|p| p[0] == p[1]);
        if !tied_views {
            let mut m = v.clone();
            m.merge(w);
            prop_assert_eq!(m.events(), v.events());
            prop_assert_eq!(&m.to_text(), &text);
        }
        // And the visitor scores exactly as score() on the same events.
        let now = T0 + f64::from(at) * HOUR;
        prop_assert_eq!(v.score(&set, now), leadscore::score(&set, &parse(&set, &texts), now));
    }
}

// ---------------------------------------------------------------------------------------
// Compaction

/// Compacts a copy of `v` at `now0` and compares scores at several `now ≥ now0`; then
/// pushes `more` (ts ≥ now0, in ts order) into both and compares again, and compares the
/// compacted state after a save and reload.
fn compaction_agrees(set: &RuleSet, v: &Visitor, now0: f64, more: &[String]) -> Result<(), String> {
    let mut c = v.clone();
    c.compact(set, now0);
    let nows = [
        now0,
        now0 + MIN,
        now0 + HOUR,
        now0 + DAY,
        now0 + 8.0 * DAY,
        now0 + 90.0 * DAY,
    ];
    for &now in &nows {
        let (a, b) = (v.score(set, now), c.score(set, now));
        if a != b {
            return Err(format!(
                "at now0+{}ms: full {a:?}\ncompacted {b:?}",
                now - now0
            ));
        }
    }
    let (mut v, mut c) = (v.clone(), c);
    for t in more {
        let e = set.event_from_text(t).unwrap();
        v.push_text(e.clone(), t);
        c.push_text(e, t);
    }
    let end = last_ts(v.events()).max(now0);
    for now in nows
        .iter()
        .copied()
        .chain([end, end + HOUR, end + 10.0 * DAY])
    {
        let (a, b) = (v.score(set, now), c.score(set, now));
        if a != b {
            return Err(format!(
                "after pushing {} events, at now0+{}ms: full {a:?}\ncompacted {b:?}",
                more.len(),
                now - now0
            ));
        }
    }
    let (r, dropped) = Visitor::from_text(set, &c.to_text()).map_err(|e| e.to_string())?;
    if !dropped.is_empty() || r.events() != c.events() {
        return Err("compacted state does not read back".into());
    }
    Ok(())
}

fn check_compaction(
    spec: &Spec,
    items: &[(f64, Kind)],
    at: u32,
    more: &[(f64, Kind)],
) -> Result<(), TestCaseError> {
    let set = spec.compile();
    let v = visitor(&set, &log_from(T0, items));
    let now0 = T0 + f64::from(at) * HOUR;
    let more = log_from(now0.max(last_ts(v.events())), more);
    compaction_agrees(&set, &v, now0, &more)
        .map_err(|e| TestCaseError::fail(format!("{e}\nrules: {}", spec.to_json())))
}

proptest! {
    // More cases than the other properties: compaction has the subtlest invariants.
    #![proptest_config(config(1000))]

    /// Compaction never changes a score: a visitor built from the events in ts order,
    /// compacted at now0, scores exactly as the uncompacted one at every now ≥ now0, also
    /// after further events (ts ≥ now0) arrive. (With ≤ 150 events the UNCAPPED_KEEP
    /// backstop of 256 occurrences per rule never applies.) The deterministic cases below
    /// pin the shapes that once broke it: sequences, and maxCount + cooldown rules whose
    /// walk another rule's kept events could restart.
    #[test]
    fn compaction_never_changes_a_score(
        spec in spec(),
        items in log(150),
        at in 0u32..=130 * 24,
        more in log(30),
    ) {
        check_compaction(&spec, &items, at, &more)?;
    }
}

// ---------------------------------------------------------------------------------------
// Deterministic compaction cases

fn rules(list: &[&str]) -> RuleSet {
    let text = format!(
        r#"{{ "version": "c", "pages": {PAGES}, "categories": {{ "a": {{}}, "b": {{}}, "c": {{}} }},
  "rules": [ {} ], "bands": [ {{ "name": "all" }} ] }}"#,
        list.join(",\n")
    );
    RuleSet::from_text(&text).unwrap_or_else(|e| panic!("{e:?}\n{text}"))
}

fn view(ts: f64, path: &str, dwell_ms: f64) -> String {
    format!(
        r#"{{"type":"page_view","ts":{ts},"url":"https://acme.example{path}","dwellMs":{dwell_ms}}}"#
    )
}

#[test]
fn compaction_keeps_what_the_contract_example_needs() {
    let set = RuleSet::from_text(include_str!("fixtures/contract-rules.json")).unwrap();
    let texts: Vec<String> = include_str!("fixtures/contract-events.jsonl")
        .lines()
        .map(str::to_string)
        .collect();
    let v = visitor(&set, &texts);
    let now = 1_766_448_000_000.0;
    let mut c = v.clone();
    c.compact(&set, now);
    assert_eq!(c.score(&set, now).score, 40.00020056502934);
    compaction_agrees(&set, &v, now, &[]).unwrap();
}

/// maxCount + cooldown, no window: compaction keeps only the most recent counted occurrence
/// of `cd`, dropping the earlier counted one, but another rule keeps an uncounted
/// occurrence that lies between them; after compaction the cooldown walk starts at that
/// one and counts it instead.
///
/// `cd`: 10 points, cooldown 30 min, maxCount 1, half-life 1 day. Views at t (no dwell),
/// t+20m (dwell 20 s), t+40m (no dwell). Walk: t counted, t+20m (20 < 30) not, t+40m
/// counted; most recent 1: t+40m. `dwell` (any view with ≥ 10 s) keeps t+20m. Compacted:
/// t+20m, t+40m → walk counts t+20m only: 10·0.5^(age of t+20m) instead of t+40m's.
#[test]
fn compaction_with_max_count_and_cooldown_and_an_overlapping_rule() {
    let set = rules(&[
        r#"{ "id": "cd", "category": "a", "points": 10, "cooldownMinutes": 30, "maxCount": 1,
             "halfLifeDays": 1, "when": { "event": "page_view" } }"#,
        r#"{ "id": "dwell", "category": "b", "points": 1, "when": { "event": "page_view", "minDwellSeconds": 10 } }"#,
    ]);
    let t = T0;
    let v = visitor(
        &set,
        &[
            view(t, "/a", 0.0),
            view(t + 20.0 * MIN, "/b", 20_000.0),
            view(t + 40.0 * MIN, "/c", 0.0),
        ],
    );
    let now0 = t + HOUR;
    compaction_agrees(&set, &v, now0, &[]).unwrap();
}

/// Sequence completions outside the window (or not counted) are dropped with their events;
/// an earlier step-0 event kept by another rule then chains with a later last-step event
/// kept by a third rule, and a completion appears that the full log does not have.
///
/// `seq`: integrations → pricing within 7 days, withinDays 1. Events: I1 day 0 (dwell 20 s),
/// I2 day 0 + 1 h, P2 day 0 + 2 h (completes I2 → P2), P3 day 2 (dwell 20 s). Full log:
/// P3 finds no open chain (reset at P2) → no completion inside the window at day 2.5.
/// `long-integrations` keeps I1, `long-pricing` keeps P3; P2's completion is 2.5 days old
/// (outside the 1-day window) so I2 and P2 go. Compacted: I1 → P3 (2 days ≤ 7) completes
/// inside the window: `seq` scores where it did not.
#[test]
fn compaction_of_a_sequence_whose_old_completion_is_dropped() {
    let set = rules(&[
        r#"{ "id": "seq", "category": "a", "points": 10, "withinDays": 1, "when": { "sequence": [
             { "event": "page_view", "page": "docs" }, { "event": "page_view", "page": "pricing" } ],
             "maxSpanDays": 7 } }"#,
        r#"{ "id": "long-docs", "category": "b", "points": 1,
             "when": { "event": "page_view", "page": "docs", "minDwellSeconds": 10 } }"#,
        r#"{ "id": "long-pricing", "category": "c", "points": 1,
             "when": { "event": "page_view", "page": "pricing", "minDwellSeconds": 10 } }"#,
    ]);
    let t = T0;
    let v = visitor(
        &set,
        &[
            view(t, "/docs/a", 20_000.0),
            view(t + HOUR, "/docs/b", 0.0),
            view(t + 2.0 * HOUR, "/pricing", 0.0),
            view(t + 2.0 * DAY, "/pricing", 20_000.0),
        ],
    );
    let now0 = t + 2.5 * DAY;
    assert_eq!(
        v.score(&set, now0)
            .explain
            .iter()
            .filter(|x| x.rule == "seq")
            .count(),
        0
    );
    compaction_agrees(&set, &v, now0, &[]).unwrap();
}

/// The same with a cooldown and maxCount and no window: the counted completion survives
/// but the dropped, uncounted one let an earlier start chain with a later kept event,
/// which changes the cooldown walk.
///
/// `seq`: docs → pricing within 7 days, cooldown 510 min (8.5 h), maxCount 1, half-life
/// 1 day. Events: D1 0 h (dwell), D2 1 h, P2 2 h, P3 3 h (dwell), D3 10 h, P4 11 h.
/// Full: completions P2 (2 h) and P4 (11 h); walk: 2 h, 11 h (9 h ≥ 8.5 h) → maxCount 1
/// keeps 11 h. Compaction keeps D3, P4 (counted), D1 and P3 (other rules). Compacted:
/// D1 → P3 completes at 3 h, P4 at 11 h is only 8 h later → counted: 3 h.
#[test]
fn compaction_of_a_sequence_with_cooldown_and_max_count() {
    let set = rules(&[
        r#"{ "id": "seq", "category": "a", "points": 10, "cooldownMinutes": 510, "maxCount": 1,
             "halfLifeDays": 1, "when": { "sequence": [
             { "event": "page_view", "page": "docs" }, { "event": "page_view", "page": "pricing" } ],
             "maxSpanDays": 7 } }"#,
        r#"{ "id": "long-docs", "category": "b", "points": 1,
             "when": { "event": "page_view", "page": "docs", "minDwellSeconds": 10 } }"#,
        r#"{ "id": "long-pricing", "category": "c", "points": 1,
             "when": { "event": "page_view", "page": "pricing", "minDwellSeconds": 10 } }"#,
    ]);
    let t = T0;
    let v = visitor(
        &set,
        &[
            view(t, "/docs/a", 20_000.0),
            view(t + HOUR, "/docs/b", 0.0),
            view(t + 2.0 * HOUR, "/pricing", 0.0),
            view(t + 3.0 * HOUR, "/pricing", 20_000.0),
            view(t + 10.0 * HOUR, "/docs/c", 0.0),
            view(t + 11.0 * HOUR, "/pricing", 0.0),
        ],
    );
    compaction_agrees(&set, &v, t + 12.0 * HOUR, &[]).unwrap();
}

// ---------------------------------------------------------------------------------------
// State read under changed rules

/// Saved events the rules no longer accept are dropped and reported (code and path), and
/// never reach a score; the rest are kept.
#[test]
fn state_read_under_rules_that_no_longer_accept_an_event() {
    let with_webinar = rules_with_events(
        r#"{ "webinar_attended": { "props": ["webinar_id"] } }"#,
        r#"{ "id": "w", "category": "a", "points": 5, "when": { "event": "page_view" } }"#,
    );
    let texts = [
        view(T0, "/pricing", 0.0),
        format!(
            r#"{{"type":"webinar_attended","ts":{},"props":{{"webinar_id":"w1"}}}}"#,
            T0 + HOUR
        ),
        view(T0 + 2.0 * HOUR, "/docs/a", 0.0),
    ];
    let saved = visitor(&with_webinar, &texts).to_text();
    let without = rules_with_events(
        "{}",
        r#"{ "id": "w", "category": "a", "points": 5, "when": { "event": "page_view" } }"#,
    );
    let (v, dropped) = Visitor::from_text(&without, &saved).expect("still state");
    assert_eq!(v.len(), 2);
    let got: Vec<(&str, &str)> = dropped
        .iter()
        .map(|e| (e.code(), e.path.as_str()))
        .collect();
    assert_eq!(got, [("unknown_event", "events[1].type")]);
    assert_eq!(v.score(&without, T0 + DAY).score, 10.0);
    // Not state at all: an error, not an empty visitor.
    assert!(Visitor::from_text(&without, "[]").is_err());
    assert!(Visitor::from_text(&without, r#"{"v":99,"events":[]}"#).is_err());
    assert!(Visitor::from_text(&without, "{").is_err());
}

fn rules_with_events(events: &str, rule: &str) -> RuleSet {
    let text = format!(
        r#"{{ "version": "s", "pages": {PAGES}, "events": {events}, "categories": {{ "a": {{}} }},
  "rules": [ {rule} ], "bands": [ {{ "name": "all" }} ] }}"#
    );
    RuleSet::from_text(&text).unwrap_or_else(|e| panic!("{e:?}\n{text}"))
}

/// `Visitor::merge` (src/state.rs): "Adds the events of `other` that this state does not
/// already hold". Merging a state with an exact copy of itself must change nothing. With two
/// page views of the same page category at the same ms (here /pricing and /plans/team, both
/// `pricing`), merge takes the copy's second view for a re-reading of the first and
/// overwrites the first's dwell, so a 0-dwell view becomes a 20 s one and starts matching
/// `minDwellSeconds` rules. Not a contract sentence (the contract does not cover merging),
/// but the state's own promise.
#[test]
fn merging_a_state_with_itself_changes_nothing() {
    let set = rules(&[
        r#"{ "id": "long", "category": "a", "points": 1, "when": { "event": "page_view", "minDwellSeconds": 10 } }"#,
    ]);
    let v = visitor(
        &set,
        &[view(T0, "/pricing", 0.0), view(T0, "/plans/team", 20_000.0)],
    );
    let (copy, _) = Visitor::from_text(&set, &v.to_text()).unwrap();
    let mut m = v.clone();
    m.merge(copy);
    assert_eq!(m.events(), v.events());
    assert_eq!(m.score(&set, T0 + HOUR), v.score(&set, T0 + HOUR));
}
