//! Validation of rules documents (contract §1): one document per mistake, each checked by
//! its stable error code, its JSON path and, since every document here is multi-line text,
//! the line and column of the offending value. Never the message text.

use leadscore::{Error, RuleSet};

/// A valid multi-line document with `rules` spliced in (each rule on its own line(s)).
fn doc(rules: &str) -> String {
    doc_with(
        rules,
        r#"{ "name": "hot", "min": 40, "action": "call" },
    { "name": "cold" }"#,
    )
}

fn doc_with(rules: &str, bands: &str) -> String {
    format!(
        r#"{{
  "version": "t1",
  "halfLifeDays": 30,
  "pages": [
    {{ "category": "pricing", "match": ["/pricing", "/plans/**"] }},
    {{ "category": "docs", "match": ["/docs/**"] }}
  ],
  "events": {{ "webinar_attended": {{ "props": ["webinar_id"] }} }},
  "categories": {{
    "fit": {{ "min": -50, "max": 50 }},
    "intent": {{ "max": 60 }}
  }},
  "rules": [
{rules}
  ],
  "bands": [
    {bands}
  ]
}}"#
    )
}

/// A plain event rule, valid in `doc`.
const OK_RULE: &str =
    r#"    { "id": "ok", "category": "intent", "points": 5, "when": { "event": "page_view" } }"#;

fn errors(text: &str) -> Vec<Error> {
    match RuleSet::from_text(text) {
        Ok(_) => panic!("expected the document to be invalid:\n{text}"),
        Err(e) => e,
    }
}

fn codes(errs: &[Error]) -> Vec<(&'static str, String)> {
    errs.iter().map(|e| (e.code(), e.path.clone())).collect()
}

/// 1-based line and column (in characters) of a byte offset, computed independently.
fn line_col(text: &str, offset: usize) -> (u32, u32) {
    let before = &text[..offset];
    let line = before.matches('\n').count() as u32 + 1;
    let start = before.rfind('\n').map_or(0, |i| i + 1);
    (line, text[start..offset].chars().count() as u32 + 1)
}

/// Byte offset of the value that follows the `nth` (0-based) occurrence of `needle`.
fn after(text: &str, needle: &str, nth: usize) -> usize {
    let mut j = start(text, needle, nth) + needle.len();
    while text[j..].starts_with([' ', '\n', '\t']) {
        j += 1;
    }
    j
}

/// Byte offset of the `nth` (0-based) occurrence of `needle`.
fn start(text: &str, needle: &str, nth: usize) -> usize {
    text.match_indices(needle)
        .nth(nth)
        .unwrap_or_else(|| panic!("needle {needle:?} #{nth} not in document"))
        .0
}

/// Asserts the document has exactly one problem, with this code and path, and that its
/// line and column are those of byte offset `at`.
#[track_caller]
fn one(text: &str, code: &str, path: &str, at: usize) {
    let errs = errors(text);
    assert_eq!(codes(&errs), vec![(code, path.to_string())], "{text}");
    let e = &errs[0];
    assert_eq!(
        (e.line, e.column),
        line_col(text, at),
        "position of {code} at {path}"
    );
}

/// A rule line for `doc`.
fn rule(body: &str) -> String {
    format!("    {{ {body} }}")
}

// ---------------------------------------------------------------------------------------
// The contract's own example is valid.

#[test]
fn contract_rules_are_valid() {
    let set = RuleSet::from_text(include_str!("fixtures/contract-rules.json"))
        .expect("the contract's example rules are valid");
    assert_eq!(set.version, "2026-11-q4-a");
    assert_eq!(set.rules.len(), 7);
    assert_eq!(set.categories.len(), 3);
    assert_eq!(set.bands.len(), 4);
}

#[test]
fn base_document_is_valid() {
    RuleSet::from_text(&doc(OK_RULE)).expect("the base document is valid");
    RuleSet::from_text(&doc("")).expect("an empty rules list is valid");
}

// ---------------------------------------------------------------------------------------
// unknown_field at every level: reported at the key, which an editor underlines

#[test]
fn unknown_field_top_level() {
    let text = doc(OK_RULE).replacen(
        r#""version": "t1","#,
        r#""version": "t1", "verison": "x","#,
        1,
    );
    one(
        &text,
        "unknown_field",
        "verison",
        start(&text, r#""verison":"#, 0),
    );
}

#[test]
fn unknown_empty_key_is_named_not_the_document() {
    // `""` is a legal key; its path must not be the whole document's empty one.
    let text = doc(OK_RULE).replacen(r#""version": "t1","#, r#""version": "t1", "": 1,"#, 1);
    one(&text, "unknown_field", r#"[""]"#, start(&text, r#""":"#, 0));
    let text = doc(&rule(
        r#""id": "a", "category": "intent", "points": 1, "": 2, "when": { "event": "page_view" }"#,
    ));
    one(
        &text,
        "unknown_field",
        r#"rules[0][""]"#,
        start(&text, r#""":"#, 0),
    );
}

#[test]
fn unknown_field_in_page_entry() {
    let text = doc(OK_RULE).replacen(
        r#"{ "category": "docs", "match""#,
        r#"{ "category": "docs", "matches": 1, "match""#,
        1,
    );
    one(
        &text,
        "unknown_field",
        "pages[1].matches",
        start(&text, r#""matches":"#, 0),
    );
}

#[test]
fn unknown_field_in_category() {
    let text = doc(OK_RULE).replacen(r#""max": 60"#, r#""max": 60, "cap": 3"#, 1);
    one(
        &text,
        "unknown_field",
        "categories.intent.cap",
        start(&text, r#""cap":"#, 0),
    );
}

#[test]
fn unknown_field_in_event_declaration() {
    let text = doc(OK_RULE).replacen(
        r#"{ "props": ["webinar_id"] }"#,
        r#"{ "props": ["webinar_id"], "prop": [] }"#,
        1,
    );
    one(
        &text,
        "unknown_field",
        "events.webinar_attended.prop",
        start(&text, r#""prop":"#, 0),
    );
}

#[test]
fn unknown_field_in_rule() {
    let text = doc(&format!(
        "{OK_RULE},\n{}",
        rule(
            r#""id": "b", "category": "intent", "points": 1, "maxCont": 3, "when": { "event": "page_view" }"#
        )
    ));
    one(
        &text,
        "unknown_field",
        "rules[1].maxCont",
        start(&text, r#""maxCont":"#, 0),
    );
}

#[test]
fn unknown_field_in_event_when() {
    let text = doc(&rule(
        r#""id": "a", "category": "intent", "points": 1, "when": { "event": "page_view", "pgae": "pricing" }"#,
    ));
    one(
        &text,
        "unknown_field",
        "rules[0].when.pgae",
        start(&text, r#""pgae":"#, 0),
    );
}

#[test]
fn unknown_field_in_sequence_when() {
    let text = doc(&rule(
        r#""id": "a", "category": "intent", "points": 1, "when": { "sequence": [ { "event": "page_view" }, { "event": "form_submit" } ], "maxSpanDays": 7, "span": 3 }"#,
    ));
    one(
        &text,
        "unknown_field",
        "rules[0].when.span",
        start(&text, r#""span":"#, 0),
    );
}

#[test]
fn unknown_field_in_traits_when() {
    let text = doc(&rule(
        r#""id": "a", "category": "fit", "points": 1, "when": { "traits": [ { "field": "x", "op": "exists", "value": true } ], "all": true }"#,
    ));
    one(
        &text,
        "unknown_field",
        "rules[0].when.all",
        start(&text, r#""all":"#, 0),
    );
}

#[test]
fn unknown_field_in_sequence_step() {
    let text = doc(&rule(
        r#""id": "a", "category": "intent", "points": 1, "when": { "sequence": [ { "event": "page_view" }, { "event": "form_submit", "froms": "demo*" } ], "maxSpanDays": 7 }"#,
    ));
    one(
        &text,
        "unknown_field",
        "rules[0].when.sequence[1].froms",
        start(&text, r#""froms":"#, 0),
    );
}

#[test]
fn unknown_field_in_traits_cond() {
    let text = doc(&rule(
        r#""id": "a", "category": "fit", "points": 1, "when": { "traits": [ { "field": "x", "op": "eq", "value": 1 }, { "field": "y", "op": "eq", "vlaue": 2, "value": 2 } ] }"#,
    ));
    one(
        &text,
        "unknown_field",
        "rules[0].when.traits[1].vlaue",
        start(&text, r#""vlaue":"#, 0),
    );
}

#[test]
fn unknown_field_in_where_cond() {
    let text = doc(&rule(
        r#""id": "a", "category": "intent", "points": 1, "when": { "event": "webinar_attended", "where": [ { "field": "props.webinar_id", "op": "eq", "value": "w", "case": 1 } ] }"#,
    ));
    one(
        &text,
        "unknown_field",
        "rules[0].when.where[0].case",
        start(&text, r#""case":"#, 0),
    );
}

#[test]
fn unknown_field_in_band() {
    let text = doc_with(
        OK_RULE,
        r#"{ "name": "hot", "min": 40, "actoin": "call" },
    { "name": "cold" }"#,
    );
    one(
        &text,
        "unknown_field",
        "bands[0].actoin",
        start(&text, r#""actoin":"#, 0),
    );
}

// ---------------------------------------------------------------------------------------
// Cross-references

#[test]
fn duplicate_rule_id() {
    let text = doc(&format!(
        "{OK_RULE},\n{},\n{}",
        rule(
            r#""id": "twice", "category": "intent", "points": 1, "when": { "event": "page_view" }"#
        ),
        rule(
            r#""id": "twice", "category": "fit", "points": 2, "when": { "event": "form_submit" }"#
        )
    ));
    one(
        &text,
        "duplicate_rule_id",
        "rules[2].id",
        after(&text, r#""id":"#, 2),
    );
}

#[test]
fn unknown_category() {
    let text = doc(&rule(
        r#""id": "a", "category": "intnet", "points": 1, "when": { "event": "page_view" }"#,
    ));
    one(
        &text,
        "unknown_category",
        "rules[0].category",
        start(&text, r#""intnet""#, 0),
    );
}

#[test]
fn unknown_page_category_as_in_the_contract() {
    // The contract's example line: `rules[3].when.page: unknown page category "prcing"`.
    let text = include_str!("fixtures/contract-rules.json").replacen(
        r#""page": "careers""#,
        r#""page": "prcing""#,
        1,
    );
    one(
        &text,
        "unknown_page_category",
        "rules[3].when.page",
        start(&text, r#""prcing""#, 0),
    );
    let e = &errors(&text)[0];
    assert_eq!(
        e.line, 27,
        "the careers rule's `when` is on line 27 of the fixture"
    );
}

#[test]
fn unknown_page_category_in_sequence_step() {
    let text = doc(&rule(
        r#""id": "a", "category": "intent", "points": 1, "when": { "sequence": [ { "event": "page_view", "page": "docs" }, { "event": "page_view", "page": "pricnig" } ], "maxSpanDays": 7 }"#,
    ));
    one(
        &text,
        "unknown_page_category",
        "rules[0].when.sequence[1].page",
        start(&text, r#""pricnig""#, 0),
    );
}

#[test]
fn page_category_other_is_always_known() {
    let text = doc(&rule(
        r#""id": "a", "category": "intent", "points": 1, "when": { "event": "page_view", "page": "other" }"#,
    ));
    RuleSet::from_text(&text).expect("`other` is the category of unmatched URLs");
}

#[test]
fn unknown_event() {
    let text = doc(&rule(
        r#""id": "a", "category": "intent", "points": 1, "when": { "event": "chat_opened" }"#,
    ));
    one(
        &text,
        "unknown_event",
        "rules[0].when.event",
        start(&text, r#""chat_opened""#, 0),
    );
}

#[test]
fn unknown_event_in_sequence_step() {
    let text = doc(&rule(
        r#""id": "a", "category": "intent", "points": 1, "when": { "sequence": [ { "event": "page_view" }, { "event": "webinar" } ], "maxSpanDays": 1 }"#,
    ));
    one(
        &text,
        "unknown_event",
        "rules[0].when.sequence[1].event",
        start(&text, r#""webinar""#, 0),
    );
}

#[test]
fn where_on_undeclared_prop() {
    let text = doc(&rule(
        r#""id": "a", "category": "intent", "points": 1, "when": { "event": "webinar_attended", "where": [ { "field": "props.seat", "op": "eq", "value": "3" } ] }"#,
    ));
    one(
        &text,
        "unknown_prop",
        "rules[0].when.where[0].field",
        start(&text, r#""props.seat""#, 0),
    );
    // A built-in event declares no props unless the document adds some.
    let text = doc(&rule(
        r#""id": "a", "category": "intent", "points": 1, "when": { "event": "page_view", "where": [ { "field": "props.webinar_id", "op": "exists", "value": true } ] }"#,
    ));
    one(
        &text,
        "unknown_prop",
        "rules[0].when.where[0].field",
        start(&text, r#""props.webinar_id", "op""#, 0),
    );
}

#[test]
fn where_on_unknown_event_field_and_op() {
    let text = doc(&rule(
        r#""id": "a", "category": "intent", "points": 1, "when": { "event": "page_view", "where": [ { "field": "title", "op": "eq", "value": "x" } ] }"#,
    ));
    one(
        &text,
        "unknown_condition_field",
        "rules[0].when.where[0].field",
        start(&text, r#""title""#, 0),
    );
    let text = doc(&rule(
        r#""id": "a", "category": "fit", "points": 1, "when": { "traits": [ { "field": "title", "op": "like", "value": "x" } ] }"#,
    ));
    one(
        &text,
        "unknown_op",
        "rules[0].when.traits[0].op",
        start(&text, r#""like""#, 0),
    );
}

// ---------------------------------------------------------------------------------------
// Rule shapes

#[test]
fn not_for_traits() {
    for (field, value) in [
        ("maxCount", "2"),
        ("cooldownMinutes", "30"),
        ("withinDays", "7"),
        ("halfLifeDays", "10"),
        ("halfLifeDays", "null"),
    ] {
        let text = doc(&rule(&format!(
            r#""id": "t", "category": "fit", "points": 5, "{field}": {value}, "when": {{ "traits": [ {{ "field": "x", "op": "exists", "value": true }} ] }}"#
        )));
        one(
            &text,
            "not_for_traits",
            &format!("rules[0].{field}"),
            // At the key: the key is what does not belong. The document's own
            // `halfLifeDays` comes first.
            start(
                &text,
                &format!("\"{field}\":"),
                usize::from(field == "halfLifeDays"),
            ),
        );
    }
}

#[test]
fn sequence_too_short() {
    let text = doc(&rule(
        r#""id": "s", "category": "intent", "points": 1, "when": { "sequence": [ { "event": "page_view" } ], "maxSpanDays": 7 }"#,
    ));
    one(
        &text,
        "sequence_too_short",
        "rules[0].when.sequence",
        after(&text, r#""sequence":"#, 0),
    );
    let text = doc(&rule(
        r#""id": "s", "category": "intent", "points": 1, "when": { "sequence": [], "maxSpanDays": 7 }"#,
    ));
    one(
        &text,
        "sequence_too_short",
        "rules[0].when.sequence",
        after(&text, r#""sequence":"#, 0),
    );
}

#[test]
fn sequence_needs_max_span_days() {
    let text = doc(&rule(
        r#""id": "s", "category": "intent", "points": 1, "when": { "sequence": [ { "event": "page_view" }, { "event": "page_view" } ] }"#,
    ));
    one(
        &text,
        "missing_field",
        "rules[0].when.maxSpanDays",
        after(&text, r#""when":"#, 0),
    );
    let text = doc(&rule(
        r#""id": "s", "category": "intent", "points": 1, "when": { "sequence": [ { "event": "page_view" }, { "event": "page_view" } ], "maxSpanDays": -1 }"#,
    ));
    one(
        &text,
        "invalid_value",
        "rules[0].when.maxSpanDays",
        after(&text, r#""maxSpanDays":"#, 0),
    );
}

#[test]
fn bad_page_glob_not_starting_with_slash() {
    let text = doc(OK_RULE).replacen(r#""/docs/**""#, r#""docs/**""#, 1);
    one(
        &text,
        "bad_glob",
        "pages[1].match[0]",
        start(&text, r#""docs/**""#, 0),
    );
}

#[test]
fn bad_glob_empty_matches_value() {
    let text = doc(&rule(
        r#""id": "a", "category": "fit", "points": 1, "when": { "traits": [ { "field": "email", "op": "matches", "value": "" } ] }"#,
    ));
    one(
        &text,
        "bad_glob",
        "rules[0].when.traits[0].value",
        after(&text, r#""value":"#, 0),
    );
}

/// The brief expects an empty page pattern to be a `bad_glob`, like an empty `matches`
/// value. The contract names no codes, so this is a consistency finding, not a contract
/// breach: see the report.
#[test]
fn bad_glob_empty_page_pattern_and_form() {
    let text = doc(OK_RULE).replacen(r#""/docs/**""#, r#""""#, 1);
    one(
        &text,
        "bad_glob",
        "pages[1].match[0]",
        start(&text, r#""""#, 0),
    );
    let text = doc(&rule(
        r#""id": "a", "category": "intent", "points": 1, "when": { "event": "form_submit", "form": "" }"#,
    ));
    one(
        &text,
        "bad_glob",
        "rules[0].when.form",
        after(&text, r#""form":"#, 0),
    );
}

#[test]
fn empty_page_pattern_is_rejected() {
    // Whatever its code, an empty pattern never passes validation, at the right path.
    let text = doc(OK_RULE).replacen(r#""/docs/**""#, r#""""#, 1);
    let errs = errors(&text);
    assert_eq!(errs.len(), 1);
    assert_eq!(errs[0].path, "pages[1].match[0]");
    let text = doc(&rule(
        r#""id": "a", "category": "intent", "points": 1, "when": { "event": "form_submit", "form": "" }"#,
    ));
    let errs = errors(&text);
    assert_eq!(errs.len(), 1);
    assert_eq!(errs[0].path, "rules[0].when.form");
}

#[test]
fn invalid_numbers() {
    // `invalid_value` breaks the field's rule; `out_of_range` is beyond its documented
    // limits, or beyond the doubles altogether (`1e999`).
    let ev = r#""when": { "event": "page_view" }"#;
    for (field, value, code) in [
        ("maxCount", "1e999", "out_of_range"),
        ("maxCount", "1e10", "out_of_range"),
        ("maxCount", "-1", "invalid_value"),
        ("maxCount", "0", "invalid_value"),
        ("maxCount", "1.5", "invalid_value"),
        ("cooldownMinutes", "-1", "invalid_value"),
        ("cooldownMinutes", "1e999", "out_of_range"),
        ("cooldownMinutes", "2e9", "out_of_range"),
        ("withinDays", "0", "invalid_value"),
        ("withinDays", "-3", "invalid_value"),
        ("withinDays", "1000001", "out_of_range"),
        ("halfLifeDays", "0", "invalid_value"),
        ("halfLifeDays", "-30", "invalid_value"),
        ("halfLifeDays", "1e999", "out_of_range"),
        ("halfLifeDays", "1e300", "out_of_range"),
        ("points", "1e999", "out_of_range"),
        ("points", "-1e999", "out_of_range"),
        ("points", "1e308", "out_of_range"),
        ("points", "-1000000001", "out_of_range"),
    ] {
        let text = doc(&rule(&format!(
            r#""id": "a", "category": "intent", "points": 1, "{field}": {value}, {ev}"#
        ))
        .replacen(r#""points": 1, "points""#, r#""points""#, 1));
        one(
            &text,
            code,
            &format!("rules[0].{field}"),
            // The document's own `halfLifeDays` comes first.
            after(
                &text,
                &format!("\"{field}\":"),
                usize::from(field == "halfLifeDays"),
            ),
        );
    }
}

#[test]
fn invalid_document_half_life_and_dwell() {
    let text = doc(OK_RULE).replacen(r#""halfLifeDays": 30"#, r#""halfLifeDays": 0"#, 1);
    one(
        &text,
        "invalid_value",
        "halfLifeDays",
        after(&text, r#""halfLifeDays":"#, 0),
    );
    let text = doc(OK_RULE).replacen(r#""halfLifeDays": 30"#, r#""halfLifeDays": 1e999"#, 1);
    one(
        &text,
        "out_of_range",
        "halfLifeDays",
        after(&text, r#""halfLifeDays":"#, 0),
    );
    let text = doc(&rule(
        r#""id": "a", "category": "intent", "points": 1, "when": { "event": "page_view", "minDwellSeconds": -5 }"#,
    ));
    one(
        &text,
        "invalid_value",
        "rules[0].when.minDwellSeconds",
        after(&text, r#""minDwellSeconds":"#, 0),
    );
}

#[test]
fn category_min_above_max() {
    let text = doc(OK_RULE).replacen(r#""max": 60"#, r#""min": 70, "max": 60"#, 1);
    one(
        &text,
        "invalid_value",
        "categories.intent",
        after(&text, r#""intent":"#, 0),
    );
}

#[test]
fn ambiguous_when() {
    let text = doc(&rule(
        r#""id": "a", "category": "intent", "points": 1, "when": { "event": "page_view", "traits": [ { "field": "x", "op": "exists", "value": true } ] }"#,
    ));
    one(
        &text,
        "ambiguous_when",
        "rules[0].when",
        after(&text, r#""when":"#, 0),
    );
    let text = doc(&rule(
        r#""id": "a", "category": "intent", "points": 1, "when": { }"#,
    ));
    one(
        &text,
        "ambiguous_when",
        "rules[0].when",
        after(&text, r#""when":"#, 0),
    );
    let text = doc(&rule(
        r#""id": "a", "category": "intent", "points": 1, "when": { "event": "page_view", "sequence": [ { "event": "page_view" }, { "event": "page_view" } ], "maxSpanDays": 1 }"#,
    ));
    one(
        &text,
        "ambiguous_when",
        "rules[0].when",
        after(&text, r#""when":"#, 0),
    );
}

// ---------------------------------------------------------------------------------------
// Bands

#[test]
fn duplicate_band_min() {
    let text = doc_with(
        OK_RULE,
        r#"{ "name": "hot", "min": 40 },
    { "name": "warm", "min": 40 },
    { "name": "cold" }"#,
    );
    // `"min":` #0 is the fit category's.
    one(
        &text,
        "duplicate_band_min",
        "bands[1].min",
        after(&text, r#""min":"#, 2),
    );
}

#[test]
fn second_catch_all_band() {
    let text = doc_with(
        OK_RULE,
        r#"{ "name": "hot", "min": 40 },
    { "name": "cold" },
    { "name": "frozen" }"#,
    );
    one(
        &text,
        "second_catch_all_band",
        "bands[2]",
        start(&text, r#"{ "name": "frozen""#, 0),
    );
}

#[test]
fn duplicate_band_name() {
    let text = doc_with(
        OK_RULE,
        r#"{ "name": "hot", "min": 40 },
    { "name": "hot", "min": 10 }"#,
    );
    one(
        &text,
        "duplicate_band_name",
        "bands[1].name",
        after(&text, r#""name":"#, 1),
    );
}

// ---------------------------------------------------------------------------------------
// Missing fields and wrong types

#[test]
fn missing_top_level_fields() {
    // A missing field is reported on the object that lacks it (the document, at 1:1), and
    // its path names the field, as the contract's `version: missing required field`.
    for (cut, field) in [
        ("  \"version\": \"t1\",\n", "version"),
        (
            "  \"categories\": {\n    \"fit\": { \"min\": -50, \"max\": 50 },\n    \"intent\": { \"max\": 60 }\n  },\n",
            "categories",
        ),
        ("  \"rules\": [\n\n  ],\n", "rules"),
        (
            ",\n  \"bands\": [\n    { \"name\": \"hot\", \"min\": 40, \"action\": \"call\" },\n    { \"name\": \"cold\" }\n  ]",
            "bands",
        ),
    ] {
        let base = doc("");
        assert!(base.contains(cut), "{field}");
        let text = base.replacen(cut, "", 1);
        let errs = errors(&text);
        assert_eq!(codes(&errs), vec![("missing_field", field.to_string())], "{field}");
        assert_eq!((errs[0].line, errs[0].column), (1, 1), "{field}");
    }
}

#[test]
fn missing_rule_fields() {
    // Reported on the rule object, which starts its line after four spaces of indent; the
    // path names the missing field.
    for (body, field) in [
        (
            r#""category": "intent", "points": 1, "when": { "event": "page_view" }"#,
            "id",
        ),
        (
            r#""id": "a", "points": 1, "when": { "event": "page_view" }"#,
            "category",
        ),
        (
            r#""id": "a", "category": "intent", "when": { "event": "page_view" }"#,
            "points",
        ),
        (r#""id": "a", "category": "intent", "points": 1"#, "when"),
    ] {
        let line = rule(body);
        let text = doc(&line);
        one(
            &text,
            "missing_field",
            &format!("rules[0].{field}"),
            start(&text, &line, 0) + 4,
        );
    }
    let text = doc(&rule(
        r#""id": "a", "category": "intent", "points": 1, "when": { "sequence": [ { "page": "docs" }, { "event": "page_view" } ], "maxSpanDays": 1 }"#,
    ));
    one(
        &text,
        "missing_field",
        "rules[0].when.sequence[0].event",
        start(&text, r#"{ "page""#, 0),
    );
    let text = doc_with(OK_RULE, r#"{ "min": 40 }"#);
    one(
        &text,
        "missing_field",
        "bands[0].name",
        start(&text, r#"{ "min": 40 }"#, 0),
    );
}

#[test]
fn empty_lists() {
    let text = doc_with(OK_RULE, "");
    one(&text, "empty_list", "bands", after(&text, r#""bands":"#, 0));
    let text = doc(OK_RULE).replacen(
        "{\n    \"fit\": { \"min\": -50, \"max\": 50 },\n    \"intent\": { \"max\": 60 }\n  }",
        "{ }",
        1,
    );
    let errs = errors(&text);
    // No categories: the rule's category is unknown too.
    assert_eq!(
        codes(&errs),
        vec![
            ("empty_list", "categories".to_string()),
            ("unknown_category", "rules[0].category".to_string())
        ]
    );
}

#[test]
fn wrong_types() {
    let r = |body: &str| doc(&rule(body));
    let cases: Vec<(String, &str, &str, usize, bool)> = vec![
        (
            doc("").replacen(r#""version": "t1""#, r#""version": 3"#, 1),
            "version",
            r#""version":"#,
            0,
            true,
        ),
        (
            doc("").replacen(r#""halfLifeDays": 30"#, r#""halfLifeDays": "30""#, 1),
            "halfLifeDays",
            r#""halfLifeDays":"#,
            0,
            true,
        ),
        (
            doc("").replacen(
                r#""events": { "webinar_attended": { "props": ["webinar_id"] } }"#,
                r#""events": [ ]"#,
                1,
            ),
            "events",
            r#""events":"#,
            0,
            true,
        ),
        (
            doc("").replacen(r#""match": ["/docs/**"]"#, r#""match": "/docs/**""#, 1),
            "pages[1].match",
            r#""match":"#,
            1,
            true,
        ),
        (
            doc("").replacen(r#""category": "docs""#, r#""category": 2"#, 1),
            "pages[1].category",
            r#""category":"#,
            1,
            true,
        ),
        (
            doc("").replacen(r#""max": 60"#, r#""max": "60""#, 1),
            "categories.intent.max",
            r#""max":"#,
            1,
            true,
        ),
        (
            doc("").replacen(r#""fit": { "min": -50, "max": 50 }"#, r#""fit": 50"#, 1),
            "categories.fit",
            r#""fit":"#,
            0,
            true,
        ),
        (
            doc_with("", r#"{ "name": "hot", "min": "40" }"#),
            "bands[0].min",
            r#""min":"#,
            1,
            true,
        ),
        (
            doc_with("", r#"{ "name": "hot", "min": 40, "action": 1 }"#),
            "bands[0].action",
            r#""action":"#,
            0,
            true,
        ),
        (doc_with("", r#""hot""#), "bands[0]", r#""hot""#, 0, false),
        (
            r(r#""id": 7, "category": "intent", "points": 1, "when": { "event": "page_view" }"#),
            "rules[0].id",
            r#""id":"#,
            0,
            true,
        ),
        (
            r(
                r#""id": "a", "category": "intent", "points": "15", "when": { "event": "page_view" }"#,
            ),
            "rules[0].points",
            r#""points":"#,
            0,
            true,
        ),
        (
            r(
                r#""id": "a", "category": "intent", "points": 1, "maxCount": "3", "when": { "event": "page_view" }"#,
            ),
            "rules[0].maxCount",
            r#""maxCount":"#,
            0,
            true,
        ),
        (
            r(
                r#""id": "a", "category": "intent", "points": 1, "halfLifeDays": false, "when": { "event": "page_view" }"#,
            ),
            "rules[0].halfLifeDays",
            r#""halfLifeDays":"#,
            1,
            true,
        ),
        (
            r(
                r#""id": "a", "category": "intent", "points": 1, "disqualify": "yes", "when": { "event": "page_view" }"#,
            ),
            "rules[0].disqualify",
            r#""disqualify":"#,
            0,
            true,
        ),
        (
            r(r#""id": "a", "category": "intent", "points": 1, "when": [ ]"#),
            "rules[0].when",
            r#""when":"#,
            0,
            true,
        ),
        (
            r(r#""id": "a", "category": "intent", "points": 1, "when": { "event": 3 }"#),
            "rules[0].when.event",
            r#""event":"#,
            0,
            true,
        ),
        (
            r(
                r#""id": "a", "category": "intent", "points": 1, "when": { "event": "page_view", "minDwellSeconds": "5" }"#,
            ),
            "rules[0].when.minDwellSeconds",
            r#""minDwellSeconds":"#,
            0,
            true,
        ),
        (
            r(
                r#""id": "a", "category": "intent", "points": 1, "when": { "sequence": { }, "maxSpanDays": 1 }"#,
            ),
            "rules[0].when.sequence",
            r#""sequence":"#,
            0,
            true,
        ),
        (
            r(r#""id": "a", "category": "fit", "points": 1, "when": { "traits": { } }"#),
            "rules[0].when.traits",
            r#""traits":"#,
            0,
            true,
        ),
        (
            r(
                r#""id": "a", "category": "fit", "points": 1, "when": { "traits": [ { "field": "x", "op": "in", "value": "vp" } ] }"#,
            ),
            "rules[0].when.traits[0].value",
            r#""value":"#,
            0,
            true,
        ),
        (
            r(
                r#""id": "a", "category": "fit", "points": 1, "when": { "traits": [ { "field": "x", "op": "exists", "value": "yes" } ] }"#,
            ),
            "rules[0].when.traits[0].value",
            r#""value":"#,
            0,
            true,
        ),
        (
            r(
                r#""id": "a", "category": "fit", "points": 1, "when": { "traits": [ { "field": "x", "op": "gt", "value": [1] } ] }"#,
            ),
            "rules[0].when.traits[0].value",
            r#""value":"#,
            0,
            true,
        ),
    ];
    for (text, path, needle, nth, is_after) in cases {
        let at = if is_after {
            after(&text, needle, nth)
        } else {
            start(&text, needle, nth)
        };
        one(&text, "wrong_type", path, at);
    }
}

#[test]
fn wrong_container_types() {
    // `rules`, `pages`, `categories`, `bands` of the wrong type; only that problem each.
    for (from, to, path) in [
        ("\"rules\": [\n\n  ]", "\"rules\": { }", "rules"),
        (
            "\"pages\": [\n    { \"category\": \"pricing\", \"match\": [\"/pricing\", \"/plans/**\"] },\n    { \"category\": \"docs\", \"match\": [\"/docs/**\"] }\n  ]",
            "\"pages\": { }",
            "pages",
        ),
        (
            "\"categories\": {\n    \"fit\": { \"min\": -50, \"max\": 50 },\n    \"intent\": { \"max\": 60 }\n  }",
            "\"categories\": [ ]",
            "categories",
        ),
        (
            "\"bands\": [\n    { \"name\": \"hot\", \"min\": 40, \"action\": \"call\" },\n    { \"name\": \"cold\" }\n  ]",
            "\"bands\": \"all\"",
            "bands",
        ),
    ] {
        let base = doc("");
        assert!(base.contains(from), "{path}");
        let text = base.replacen(from, to, 1);
        one(&text, "wrong_type", path, after(&text, &format!("\"{path}\":"), 0));
    }
    // A document that is not an object at all.
    let errs = errors("[\n  1\n]");
    assert_eq!(codes(&errs), vec![("wrong_type", String::new())]);
    assert_eq!((errs[0].line, errs[0].column), (1, 1));
}

// ---------------------------------------------------------------------------------------
// JSON itself

#[test]
fn syntax_errors_with_line_and_column() {
    // The path is the value being read when the text stopped being JSON.
    for (text, path, line, column) in [
        (
            "{\n  \"version\": \"x\",\n  \"rules\": [1 2]\n}",
            "rules",
            3,
            15,
        ),
        ("{\n  \"version\": \"x\",\n}", "", 3, 1),
        ("{\n  \"version\": tru\n}", "version", 2, 14),
        ("{\n  \"version\": \"x\n\"}", "version", 2, 16),
        ("", "", 1, 1),
        ("{\n  \"a\": 1\n}\n{}", "", 4, 1),
        ("{\n  \"a\": 01\n}", "", 2, 9),
        ("{\n  \"é\": [1,]\n}", "é[1]", 2, 11),
        (
            "{\n  \"rules\": [{}, {\"when\": {\"event\": [nul]}}]\n}",
            "rules[1].when.event[0]",
            2,
            37,
        ),
    ] {
        let errs = errors(text);
        assert_eq!(codes(&errs), vec![("syntax", path.to_string())], "{text:?}");
        assert_eq!((errs[0].line, errs[0].column), (line, column), "{text:?}");
    }
}

#[test]
fn duplicate_keys_with_line_and_column() {
    // At the second key; the path names it.
    let text = "{\n  \"version\": \"a\",\n  \"version\": \"b\"\n}";
    let errs = errors(text);
    assert_eq!(codes(&errs), vec![("duplicate_key", "version".to_string())]);
    assert_eq!((errs[0].line, errs[0].column), (3, 3));
    // Deep inside a rule, too.
    let text = doc(&rule(
        r#""id": "a", "category": "intent", "points": 1, "points": 2, "when": { "event": "page_view" }"#,
    ));
    let errs = errors(&text);
    assert_eq!(
        codes(&errs),
        vec![("duplicate_key", "rules[0].points".to_string())]
    );
    assert_eq!(
        (errs[0].line, errs[0].column),
        line_col(&text, start(&text, r#""points""#, 1))
    );
    // In an object too large to scan for each key (found by sorting, same answer).
    let many: Vec<String> = (0..40).map(|i| format!("\"k{i}\": {i}")).collect();
    let text = format!(
        "{{\n  \"events\": {{ {}, \"k7\": 0, \"k3\": 1 }}\n}}",
        many.join(", ")
    );
    let errs = errors(&text);
    assert_eq!(
        codes(&errs),
        vec![("duplicate_key", "events.k7".to_string())]
    );
    assert_eq!(
        (errs[0].line, errs[0].column),
        line_col(&text, start(&text, r#""k7""#, 1))
    );
}

// ---------------------------------------------------------------------------------------
// Every problem at once

#[test]
fn several_mistakes_are_all_reported() {
    let rules = [
        rule(r#""id": "a", "category": "intent", "points": 1, "maxCont": 2, "when": { "event": "page_view" }"#),
        rule(r#""id": "b", "category": "intnet", "points": 1, "when": { "event": "page_view" }"#),
        rule(r#""id": "c", "category": "intent", "points": 1, "when": { "event": "page_view", "page": "prcing" }"#),
        rule(r#""id": "d", "category": "fit", "points": 1, "withinDays": 3, "when": { "traits": [ { "field": "x", "op": "exists", "value": true } ] }"#),
        rule(r#""id": "e", "category": "intent", "points": 1, "cooldownMinutes": -1, "when": { "event": "page_view" }"#),
        rule(r#""id": "f", "category": "intent", "points": 1, "when": { "sequence": [ { "event": "page_view" } ], "maxSpanDays": 1 }"#),
        rule(r#""id": "g", "category": "intent", "points": 1, "when": { "event": "chat" }"#),
        rule(r#""id": "h", "category": "intent", "points": 1, "when": { "event": "form_start" }"#),
        rule(r#""id": "h", "category": "intent", "points": 1, "when": { "event": "page_view" }"#),
        rule(r#""id": "i", "category": "intent", "points": 1, "when": { "event": "page_view", "traits": [] }"#),
    ]
    .join(",\n");
    let text = doc_with(
        &rules,
        r#"{ "name": "hot", "min": 40 },
    { "name": "warm", "min": 40 },
    { "name": "cold" },
    { "name": "frozen" }"#,
    )
    .replacen(
        r#""version": "t1","#,
        r#""version": "t1", "extra": true,"#,
        1,
    )
    .replacen(r#""/docs/**""#, r#""docs""#, 1);
    let errs = errors(&text);
    let mut got = codes(&errs);
    got.sort();
    let mut want: Vec<(&str, String)> = [
        ("unknown_field", "extra"),
        ("bad_glob", "pages[1].match[0]"),
        ("unknown_field", "rules[0].maxCont"),
        ("unknown_category", "rules[1].category"),
        ("unknown_page_category", "rules[2].when.page"),
        ("not_for_traits", "rules[3].withinDays"),
        ("invalid_value", "rules[4].cooldownMinutes"),
        ("sequence_too_short", "rules[5].when.sequence"),
        ("unknown_event", "rules[6].when.event"),
        ("duplicate_rule_id", "rules[8].id"),
        ("ambiguous_when", "rules[9].when"),
        ("duplicate_band_min", "bands[1].min"),
        ("second_catch_all_band", "bands[3]"),
    ]
    .into_iter()
    .map(|(c, p)| (c, p.to_string()))
    .collect();
    want.sort();
    assert_eq!(got, want);
    assert_eq!(errs.len(), 13);
    // Every problem of a text document carries its position.
    assert!(errs.iter().all(|e| e.line > 0 && e.column > 0), "{errs:?}");
    // And each is on the line where its rule is written.
    for e in &errs {
        if let Some(rest) = e.path.strip_prefix("rules[") {
            let i: usize = rest[..rest.find(']').unwrap()].parse().unwrap();
            let id = ["a", "b", "c", "d", "e", "f", "g", "h", "h", "i"][i];
            let needle = format!("\"id\": \"{id}\"");
            let nth = if i == 8 { 1 } else { 0 };
            let want_line = line_col(&text, start(&text, &needle, nth)).0;
            assert_eq!(e.line, want_line, "{}", e.path);
        }
    }
}

#[test]
fn errors_display_as_path_colon_message() {
    let text = doc(&rule(
        r#""id": "c", "category": "intent", "points": 1, "when": { "event": "page_view", "page": "prcing" }"#,
    ));
    let e = &errors(&text)[0];
    assert!(e.to_string().starts_with("rules[0].when.page: "), "{e}");
}

// ---------------------------------------------------------------------------------------
// Numbers at the edge of the format (issue #12): every number is finite and inside its
// documented range, or a clear error with a code, a path and a message.

#[test]
fn every_number_field_beyond_its_range_is_a_clear_error() {
    let seq = r#""when": { "sequence": [ { "event": "page_view" }, { "event": "page_view" } ], "maxSpanDays": 1 }"#;
    // (where the number goes, as a replacement in `doc`, and the path of the field)
    let sites: Vec<(String, &str)> = vec![
        (
            doc(OK_RULE).replacen(r#""halfLifeDays": 30"#, r#""halfLifeDays": N"#, 1),
            "halfLifeDays",
        ),
        (
            doc(OK_RULE).replacen(r#""min": -50"#, r#""min": N"#, 1),
            "categories.fit.min",
        ),
        (
            doc(OK_RULE).replacen(r#""max": 60"#, r#""max": N"#, 1),
            "categories.intent.max",
        ),
        (
            doc(OK_RULE).replacen(r#""min": 40"#, r#""min": N"#, 1),
            "bands[0].min",
        ),
        (
            doc(&rule(
                r#""id": "a", "category": "intent", "points": N, "when": { "event": "page_view" }"#,
            )),
            "rules[0].points",
        ),
        (
            doc(&rule(
                r#""id": "a", "category": "intent", "points": 1, "maxCount": N, "when": { "event": "page_view" }"#,
            )),
            "rules[0].maxCount",
        ),
        (
            doc(&rule(
                r#""id": "a", "category": "intent", "points": 1, "cooldownMinutes": N, "when": { "event": "page_view" }"#,
            )),
            "rules[0].cooldownMinutes",
        ),
        (
            doc(&rule(
                r#""id": "a", "category": "intent", "points": 1, "withinDays": N, "when": { "event": "page_view" }"#,
            )),
            "rules[0].withinDays",
        ),
        (
            doc(&rule(
                r#""id": "a", "category": "intent", "points": 1, "halfLifeDays": N, "when": { "event": "page_view" }"#,
            )),
            "rules[0].halfLifeDays",
        ),
        (
            doc(&rule(
                r#""id": "a", "category": "intent", "points": 1, "when": { "event": "page_view", "minDwellSeconds": N }"#,
            )),
            "rules[0].when.minDwellSeconds",
        ),
        (
            doc(&rule(&format!(
                r#""id": "a", "category": "intent", "points": 1, {}"#,
                seq.replace("\"maxSpanDays\": 1", "\"maxSpanDays\": N")
            ))),
            "rules[0].when.maxSpanDays",
        ),
        (
            doc(&rule(
                r#""id": "a", "category": "fit", "points": 1, "when": { "traits": [ { "field": "x", "op": "gt", "value": N } ] }"#,
            )),
            "rules[0].when.traits[0].value",
        ),
        (
            doc(&rule(
                r#""id": "a", "category": "intent", "points": 1, "when": { "event": "webinar_attended", "where": [ { "field": "props.webinar_id", "op": "in", "value": [1, N] } ] }"#,
            )),
            "rules[0].when.where[0].value[1]",
        ),
    ];
    for (template, path) in &sites {
        for n in [
            "1e400",
            "-1e400",
            "1e308",
            "-1.7976931348623157e308",
            "5e9",
            "-2e9",
        ] {
            let text = template.replacen(" N", &format!(" {n}"), 1);
            let errs = match RuleSet::from_text(&text) {
                // Only condition values take any finite number.
                Ok(_) => {
                    assert!(
                        path.contains("value") && !n.contains("e400"),
                        "{path} = {n}"
                    );
                    continue;
                }
                Err(errs) => errs,
            };
            assert_eq!(errs.len(), 1, "{path} = {n}: {errs:?}");
            let e = &errs[0];
            assert!(
                ["out_of_range", "invalid_value"].contains(&e.code()),
                "{path} = {n}: {e:?}"
            );
            assert_eq!(e.path, *path, "{n}");
            assert!(!e.message().is_empty(), "{path} = {n}");
            // At the number itself.
            let at = text.find(&format!(" {n}")).unwrap() + 1;
            assert_eq!((e.line, e.column), line_col(&text, at), "{path} = {n}");
        }
    }
}

#[test]
fn numbers_at_their_limits_score_finite() {
    // Every limit at once: the largest points, the widest clamps, no cap on occurrences,
    // the extreme half-lives, and events at both ends of the time range.
    let text = r#"{
  "version": "edge", "halfLifeDays": 1e-300,
  "categories": { "a": { "min": -1e9, "max": 1e9 }, "b": { "min": 1e9 }, "c": { "max": -1e9 }, "d": {} },
  "rules": [
    { "id": "p", "category": "d", "points": 1e9, "halfLifeDays": null, "when": { "event": "page_view" } },
    { "id": "n", "category": "d", "points": -1e9, "halfLifeDays": 1e6, "when": { "event": "form_submit" } },
    { "id": "q", "category": "a", "points": 1e9, "cooldownMinutes": 1e9, "withinDays": 1e6, "maxCount": 4294967295, "when": { "event": "page_view", "minDwellSeconds": 1e9 } },
    { "id": "s", "category": "b", "points": 1e9, "when": { "sequence": [ { "event": "page_view" }, { "event": "form_submit" } ], "maxSpanDays": 1e6 } },
    { "id": "t", "category": "c", "points": -1e9, "when": { "traits": [ { "field": "x", "op": "lt", "value": 1.7976931348623157e308 } ] } }
  ],
  "bands": [ { "name": "top", "min": 1e9 }, { "name": "bottom", "min": -1e9 }, { "name": "rest" } ]
}"#;
    let set = RuleSet::from_text(text).expect("limits are valid");
    let mut events = Vec::new();
    for (i, ts) in [-8.64e15, -1.0, 0.0, 1e15, 8.64e15].iter().enumerate() {
        for line in [
            format!(r#"{{"type":"page_view","ts":{ts},"dwellMs":8.64e15}}"#),
            format!(r#"{{"type":"form_submit","ts":{ts}}}"#),
            format!(
                r#"{{"type":"identify","ts":{ts},"traits":{{"x":{}}}}}"#,
                -1.7e308 + i as f64
            ),
        ] {
            events.push(set.event_from_text(&line).expect(&line));
        }
    }
    for _ in 0..2000 {
        events.push(
            set.event_from_text(r#"{"type":"page_view","ts":8.64e15}"#)
                .unwrap(),
        );
    }
    for now in [-8.64e15, 0.0, 8.64e15, 1.7e308, f64::MAX] {
        let out = leadscore::score(&set, &events, now);
        assert!(out.score.is_finite(), "{now}: {}", out.score);
        assert!(out.categories.iter().all(|(_, v)| v.is_finite()), "{now}");
        assert!(out.explain.iter().all(|x| x.points.is_finite()), "{now}");
    }
}
