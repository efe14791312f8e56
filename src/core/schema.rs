//! The JSON Schema of the rules format, for editors (completion, hover docs, first-line
//! checks). Generated from the validator's own field tables (a test holds them equal),
//! with a sentence of documentation per field. `leadscore schema` prints it; the build
//! ships it as `rules.schema.json` beside the tag and in the npm package.

use crate::prelude::*;

use crate::json::write_str;
use crate::rules::BUILTIN_EVENTS;

/// One property: name, JSON Schema body (without `description`), documentation.
type Prop = (&'static str, &'static str, &'static str);

const NUM_POS: &str = r#""type":"number","exclusiveMinimum":0"#;
const NUM_NONNEG: &str = r#""type":"number","minimum":0"#;
const STR: &str = r#""type":"string","minLength":1"#;

const DOC: &[Prop] = &[
    ("$schema", r#""type":"string""#, "Where editors find this schema."),
    ("version", STR, "Required. Stamped into every result as `rulesVersion`, so a score can be traced to the rules that made it."),
    ("description", r#""type":"string""#, "Free text for the people who maintain these rules."),
    ("halfLifeDays", NUM_POS, "Default half-life of behaviour points, in days: a point earned that long ago counts half. Absent: no decay."),
    ("pages", r##""type":"array","items":{"$ref":"#/definitions/page"}"##, "URL path patterns → page categories. The first entry that matches wins; no match is category `other`."),
    ("events", r##""type":"object","additionalProperties":{"$ref":"#/definitions/eventDecl"}"##, "Tracking plan: custom event types and their allowed props. page_view, form_start, form_submit, form_abandon and identify are always allowed."),
    ("categories", r##""type":"object","minProperties":1,"additionalProperties":{"$ref":"#/definitions/category"}"##, "Required. Score categories (e.g. fit, engagement, intent), each optionally clamped to [min, max]."),
    ("rules", r##""type":"array","items":{"$ref":"#/definitions/rule"}"##, "Required. The scoring rules, applied in this order (the explanation lists them in this order too)."),
    ("bands", r##""type":"array","minItems":1,"items":{"$ref":"#/definitions/band"}"##, "Required. Score thresholds: a score falls in the band with the greatest `min` at or below it."),
    ("competitorDomains", r#""type":"array","items":{"type":"string","minLength":1}"#, "leadscore extension: email domains whose addresses make `email_type` = competitor in the browser tag."),
    ("accounts", r##""$ref":"#/definitions/accounts""##, "leadscore extension: how contacts roll up into account scores (batch and server side: `leadscore score --accounts`, backtests). The site tag skips it."),
];
const ACCOUNTS: &[Prop] = &[
    ("description", r#""type":"string""#, "What this account model is for."),
    ("trait", STR, "The trait that names a contact's account (default `account`); a backtest also reads the outcomes' `account` column."),
    ("top", r#""type":"integer","minimum":1,"maximum":1000"#, "The account score is the sum of its best `top` contacts' scores (default 3)."),
    ("engagedMin", r#""type":"number""#, "A contact at or above this score counts as engaged (default: the lowest band minimum)."),
    ("roleTrait", STR, "A trait (e.g. seniority) whose values list the roles engaged in an account."),
    ("targets", r##""$ref":"#/definitions/targets""##, "Target accounts and the fit points they add to the account score."),
    ("disqualified", r#""type":"array","items":{"type":"string","minLength":1}"#, "Accounts (case-insensitive) whose account band is `disqualified` and whose contacts are all listed as disqualified."),
    ("bands", r##""type":"array","minItems":1,"items":{"$ref":"#/definitions/band"}"##, "Required. Account bands, read like the document's bands."),
];
const TARGETS: &[Prop] = &[
    (
        "points",
        r#""type":"number""#,
        "Required: fit points a target account adds.",
    ),
    (
        "accounts",
        r#""type":"array","items":{"type":"string","minLength":1}"#,
        "Required: the target accounts (case-insensitive).",
    ),
];
const PAGE: &[Prop] = &[
    ("category", STR, "Page category name used by rules' `page`."),
    ("match", r#""type":"array","minItems":1,"items":{"type":"string","pattern":"^/"}"#, "Case-insensitive globs on the URL path: `*` stops at `/`, `**` crosses it, `/x/**` also matches `/x`."),
];
const EVENT_DECL: &[Prop] = &[
    (
        "props",
        r#""type":"array","items":{"type":"string","minLength":1}"#,
        "Props this event may carry; any other prop is rejected.",
    ),
    ("description", r#""type":"string""#, "What the event means."),
];
const CATEGORY: &[Prop] = &[
    (
        "min",
        r#""type":"number""#,
        "Lowest total this category can contribute.",
    ),
    (
        "max",
        r#""type":"number""#,
        "Highest total this category can contribute.",
    ),
    (
        "description",
        r#""type":"string""#,
        "What the category measures.",
    ),
];
const RULE: &[Prop] = &[
    (
        "id",
        STR,
        "Required, unique: names the rule in explanations.",
    ),
    ("description", r#""type":"string""#, "Why this rule exists."),
    (
        "category",
        STR,
        "Required: a category declared in `categories`.",
    ),
    (
        "points",
        r#""type":"number""#,
        "Required: points per counted occurrence; negative for negative signals.",
    ),
    (
        "when",
        r##""oneOf":[{"$ref":"#/definitions/eventCond"},{"$ref":"#/definitions/sequence"},{"$ref":"#/definitions/traits"}]"##,
        "Required: an event condition, a sequence, or a traits condition.",
    ),
    (
        "maxCount",
        r#""type":"integer","minimum":1"#,
        "Only the most recent N counted occurrences score (event and sequence rules).",
    ),
    (
        "skipFirst",
        r#""type":"integer","minimum":1"#,
        "leadscore extension: the first N counted occurrences do not score (1 with a cooldown: a return visit).",
    ),
    (
        "cooldownMinutes",
        NUM_NONNEG,
        "An occurrence closer than this to the previous counted one is not counted.",
    ),
    (
        "withinDays",
        NUM_POS,
        "Only occurrences at most this many days old count.",
    ),
    (
        "halfLifeDays",
        r#""type":["number","null"],"exclusiveMinimum":0"#,
        "Overrides the document's half-life for this rule; null: no decay.",
    ),
    (
        "disqualify",
        r#""type":"boolean""#,
        "When the rule scores, the lead is disqualified (band `disqualified`).",
    ),
];
const EVENT_COND: &[Prop] = &[
    (
        "event",
        STR,
        "Event type: a built-in one or one declared in `events`.",
    ),
    (
        "page",
        STR,
        "Page category of the event's URL (declared in `pages`, or `other`).",
    ),
    (
        "form",
        r#""type":"string","minLength":1"#,
        "Case-insensitive glob on the form name; `*` matches anything.",
    ),
    (
        "minDwellSeconds",
        NUM_NONNEG,
        "Minimum visible time on the page, in seconds.",
    ),
    (
        "where",
        r##""type":"array","minItems":1,"items":{"$ref":"#/definitions/cond"}"##,
        "Conditions on url, form, page or props.NAME.",
    ),
];
const SEQUENCE: &[Prop] = &[
    (
        "sequence",
        r##""type":"array","minItems":2,"maxItems":8,"items":{"$ref":"#/definitions/eventCond"}"##,
        "Steps that must happen in this order (e.g. integrations then pricing).",
    ),
    (
        "maxSpanDays",
        NUM_NONNEG,
        "Required: most days between the first and the last step.",
    ),
];
const TRAITS: &[Prop] = &[(
    "traits",
    r##""type":"array","minItems":1,"items":{"$ref":"#/definitions/cond"}"##,
    "Conditions on the visitor's latest traits (from identify events); scores once, without decay.",
)];
const COND: &[Prop] = &[
    (
        "field",
        STR,
        "Trait name, or for events: url, form, page, props.NAME.",
    ),
    (
        "op",
        r#""enum":["eq","ne","in","notIn","gt","gte","lt","lte","contains","matches","exists"]"#,
        "Comparison; different types are never equal.",
    ),
    (
        "value",
        "",
        "The value compared with: a list for in/notIn, true/false for exists, a glob for matches.",
    ),
];
const BAND: &[Prop] = &[
    ("name", STR, "Band name handed to forms, chat and CRM."),
    (
        "min",
        r#""type":"number""#,
        "Lowest score in this band; one band may omit it to catch everything below.",
    ),
    (
        "action",
        r#""type":["string","null"]"#,
        "Optional routing label handed on with the band, e.g. route_to_sales.",
    ),
];

/// One event (not part of a rules document: the tag records these, `leadscore score` reads
/// them a line each). Here so the format reference is generated with the rules' fields,
/// and editors can check event files; `type`'s `examples` are the built-in types.
const EVENT: &[Prop] = &[
    (
        "type",
        STR,
        "Required: a built-in event type (its `examples`) or one declared in the rules' `events`.",
    ),
    (
        "ts",
        r#""type":"number""#,
        "Required: when it happened, in milliseconds since 1970-01-01 UTC (a finite number).",
    ),
    (
        "url",
        r#""type":"string""#,
        "The page's URL; its path decides the page category. Without it the event has no page category.",
    ),
    (
        "dwellMs",
        NUM_NONNEG,
        "Page views: how long the page was visible, in milliseconds. Missing counts as 0.",
    ),
    (
        "form",
        r#""type":"string""#,
        "Form events: the form's name, matched by a condition's `form` glob.",
    ),
    (
        "props",
        r#""type":"object""#,
        "Custom event data: only props the rules declare for the type in `events`.",
    ),
    (
        "traits",
        r#""type":"object""#,
        "identify only: trait values (e.g. seniority); a later identify overrides a key.",
    ),
    (
        "visitor",
        r#""type":["string","integer"]"#,
        "`leadscore score` only: which visitor the line belongs to (required there); ignored elsewhere.",
    ),
];

fn object(out: &mut String, props: &[Prop], required: &[&str]) {
    out.push_str(r#"{"type":"object","additionalProperties":false,"properties":{"#);
    for (i, (name, body, doc)) in props.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        write_str(out, name);
        out.push_str(":{");
        out.push_str(body);
        if !body.is_empty() {
            out.push(',');
        }
        out.push_str("\"description\":");
        write_str(out, doc);
        out.push('}');
    }
    out.push_str("},\"required\":[");
    for (i, r) in required.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        write_str(out, r);
    }
    out.push_str("]}");
}

/// The schema as JSON text (draft-07).
pub fn rules_schema() -> String {
    let mut o = String::with_capacity(8192);
    o.push_str(r#"{"$schema":"http://json-schema.org/draft-07/schema#","$id":"https://leadscore.dev/rules.schema.json","title":"leadscore rules","#);
    o.push_str("\"definitions\":{");
    let defs: [(&str, &[Prop], &[&str]); 11] = [
        ("page", PAGE, &["category", "match"]),
        ("eventDecl", EVENT_DECL, &[]),
        ("category", CATEGORY, &[]),
        ("rule", RULE, &["id", "category", "points", "when"]),
        ("eventCond", EVENT_COND, &["event"]),
        ("sequence", SEQUENCE, &["sequence", "maxSpanDays"]),
        ("traits", TRAITS, &["traits"]),
        ("cond", COND, &["field", "op", "value"]),
        ("band", BAND, &["name"]),
        ("accounts", ACCOUNTS, &["bands"]),
        ("targets", TARGETS, &["points", "accounts"]),
    ];
    for (i, (name, props, req)) in defs.iter().enumerate() {
        if i > 0 {
            o.push(',');
        }
        write_str(&mut o, name);
        o.push(':');
        object(&mut o, props, req);
    }
    o.push_str(",\"event\":");
    let mut event = String::new();
    object(&mut event, EVENT, &["type", "ts"]);
    // The built-in types, from the one list the engine uses.
    let types = event
        .find("\"type\":{")
        .map(|at| at + "\"type\":{".len())
        .unwrap_or(0);
    let mut examples = String::from("\"examples\":[");
    for (i, name) in BUILTIN_EVENTS.iter().enumerate() {
        if i > 0 {
            examples.push(',');
        }
        write_str(&mut examples, name);
    }
    examples.push_str("],");
    event.insert_str(types, &examples);
    o.push_str(&event);
    o.push_str("},");
    let mut top = String::new();
    object(&mut top, DOC, &["version", "categories", "rules", "bands"]);
    o.push_str(&top[1..]);
    o
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::fields;

    fn names(p: &[Prop]) -> Vec<&str> {
        p.iter().map(|x| x.0).collect()
    }

    #[test]
    fn schema_keys_are_the_validators_keys() {
        let f = fields();
        assert_eq!(names(DOC), f.doc);
        assert_eq!(names(PAGE), f.page);
        assert_eq!(names(EVENT_DECL), f.event_decl);
        assert_eq!(names(CATEGORY), f.category);
        assert_eq!(names(RULE), f.rule);
        assert_eq!(names(EVENT_COND), f.event_cond);
        assert_eq!(names(SEQUENCE), f.sequence);
        assert_eq!(names(TRAITS), f.traits);
        assert_eq!(names(BAND), f.band);
        assert_eq!(names(COND), crate::rules::COND_FIELDS);
        assert_eq!(names(ACCOUNTS), crate::rules::ACCOUNTS_FIELDS);
        assert_eq!(names(TARGETS), crate::rules::TARGETS_FIELDS);
        assert_eq!(names(EVENT), crate::events::EVENT_FIELDS);
    }

    #[test]
    fn event_lists_the_builtin_types() {
        let text = rules_schema();
        let node = crate::json::parse(&text).expect("valid JSON");
        let ty = node
            .get("definitions")
            .and_then(|d| d.get("event"))
            .and_then(|e| e.get("properties"))
            .and_then(|p| p.get("type"))
            .expect("definitions.event.properties.type");
        let crate::json::Value::Arr(items) = &ty.get("examples").expect("examples").value else {
            panic!("examples is a list");
        };
        let names: Vec<&str> = items.iter().filter_map(|i| i.as_str()).collect();
        assert_eq!(names, BUILTIN_EVENTS);
    }

    #[test]
    fn schema_is_json() {
        let text = rules_schema();
        let node = crate::json::parse(&text).expect("valid JSON");
        assert!(node
            .get("definitions")
            .and_then(|d| d.get("rule"))
            .is_some());
        assert!(node
            .get("properties")
            .and_then(|p| p.get("rules"))
            .is_some());
    }
}
