//! The rules document: reading it, reporting every problem at once (code, JSON path, line
//! and column), and compiling it into an immutable [`RuleSet`] whose globs and lookups are
//! prepared once, so scoring never re-reads the document.

use crate::prelude::*;

use crate::conditions::Cond;
use crate::error::{at_index, Error, ErrorKind};
use crate::json::{self, Node, Value};
use crate::pages::{Flavor, Glob};

#[cfg(not(all(target_arch = "wasm32", not(feature = "playground"))))]
mod accounts;
mod reader;
mod rule;

#[cfg(not(all(target_arch = "wasm32", not(feature = "playground"))))]
pub use accounts::{Accounts, ACCOUNTS_FIELDS, TARGETS_FIELDS};
pub use reader::{join, Reader};

/// The five event types every rule set knows, in their fixed id order.
pub const BUILTIN_EVENTS: [&str; 5] = [
    "page_view",
    "form_start",
    "form_submit",
    "form_abandon",
    "identify",
];
pub const PAGE_VIEW: u16 = 0;
pub const IDENTIFY: u16 = 4;
/// The page category of a URL that no `pages` entry matches.
pub const OTHER_PAGE: &str = "other";

const DOC_FIELDS: &[&str] = &[
    "$schema",
    "version",
    "description",
    "halfLifeDays",
    "pages",
    "events",
    "categories",
    "rules",
    "bands",
    "competitorDomains",
    "accounts",
];
const PAGE_FIELDS: &[&str] = &["category", "match"];
const EVENT_DECL_FIELDS: &[&str] = &["props", "description"];
const CATEGORY_FIELDS: &[&str] = &["min", "max", "description"];
pub(crate) const RULE_FIELDS: &[&str] = &[
    "id",
    "description",
    "category",
    "points",
    "when",
    "maxCount",
    "skipFirst",
    "cooldownMinutes",
    "withinDays",
    "halfLifeDays",
    "disqualify",
];
pub(crate) const EVENT_COND_FIELDS: &[&str] =
    &["event", "page", "form", "minDwellSeconds", "where"];
pub(crate) const SEQUENCE_FIELDS: &[&str] = &["sequence", "maxSpanDays"];
pub(crate) const TRAITS_FIELDS: &[&str] = &["traits"];
const BAND_FIELDS: &[&str] = &["name", "min", "action"];

/// The keys each kind of object accepts, for the schema generator (and its test).
pub struct Fields {
    pub doc: &'static [&'static str],
    pub page: &'static [&'static str],
    pub event_decl: &'static [&'static str],
    pub category: &'static [&'static str],
    pub rule: &'static [&'static str],
    pub event_cond: &'static [&'static str],
    pub sequence: &'static [&'static str],
    pub traits: &'static [&'static str],
    pub band: &'static [&'static str],
}

pub fn fields() -> Fields {
    Fields {
        doc: DOC_FIELDS,
        page: PAGE_FIELDS,
        event_decl: EVENT_DECL_FIELDS,
        category: CATEGORY_FIELDS,
        rule: RULE_FIELDS,
        event_cond: EVENT_COND_FIELDS,
        sequence: SEQUENCE_FIELDS,
        traits: TRAITS_FIELDS,
        band: BAND_FIELDS,
    }
}

pub const DAY_MS: f64 = 86_400_000.0;
/// Longest sequence; chains are tracked in fixed arrays of this size.
pub const MAX_STEPS: usize = 8;

#[derive(Debug, Clone)]
pub struct RuleSet {
    pub version: String,
    /// URL patterns in document order, each with its page id.
    pub pages: Vec<(Glob, u16)>,
    /// Page category names by id; the last one is always `other`.
    pub page_names: Vec<String>,
    /// Event types by id (built-ins first) with their allowed props.
    pub event_types: Vec<(String, Vec<String>)>,
    pub categories: Vec<Category>,
    pub rules: Vec<Rule>,
    /// Bands with the greatest `min` first; the catch-all (no `min`) last.
    pub bands: Vec<Band>,
    /// Extension: email domains that make `email_type` = `competitor` in the browser tag.
    pub competitor_domains: Vec<String>,
    /// Whether any rule reads an event's `url` / `form` text (beyond its page category);
    /// when none does, events need not keep a copy.
    pub reads_url: bool,
    pub reads_form: bool,
    /// The `accounts` section (batch and server side; the site tag skips it).
    #[cfg(not(all(target_arch = "wasm32", not(feature = "playground"))))]
    pub accounts: Option<Accounts>,
}

#[derive(Debug, Clone)]
pub struct Category {
    pub name: String,
    pub min: f64,
    pub max: f64,
}

#[derive(Debug, Clone)]
pub struct Band {
    pub name: String,
    pub min: Option<f64>,
    pub action: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Rule {
    pub id: String,
    pub category: usize,
    pub points: f64,
    pub max_count: Option<usize>,
    /// leadscore extension: the first this many counted occurrences do not score (0: none).
    pub skip_first: usize,
    /// Units as written in the document, so every comparison is the contract's formula.
    pub cooldown_minutes: f64,
    pub within_days: Option<f64>,
    /// The half-life that applies to this rule, the document's unless overridden.
    pub half_life_days: Option<f64>,
    pub disqualify: bool,
    pub when: When,
}

#[derive(Debug, Clone)]
pub enum When {
    Event(EventCond),
    Sequence {
        steps: Vec<EventCond>,
        max_span_days: f64,
    },
    Traits(Vec<Cond>),
}

#[derive(Debug, Clone)]
pub struct EventCond {
    pub event: u16,
    pub page: Option<u16>,
    pub form: Option<Glob>,
    pub min_dwell_ms: f64,
    pub conds: Vec<Cond>,
    /// Page category names, copied here only when a condition reads the `page` field.
    pub page_names: Vec<String>,
}

impl Rule {
    /// The event conditions the rule reads: its `when`, or each step of its sequence.
    pub fn event_conds(&self) -> &[EventCond] {
        match &self.when {
            When::Event(c) => core::slice::from_ref(c),
            When::Sequence { steps, .. } => steps,
            When::Traits(_) => &[],
        }
    }
}

impl RuleSet {
    /// The distinct `minDwellSeconds` of all rules, in ms, ascending: the moments at which a
    /// page view's growing dwell can change a score.
    pub fn dwell_marks(&self) -> Vec<f64> {
        let mut marks: Vec<f64> = Vec::new();
        for c in self.rules.iter().flat_map(Rule::event_conds) {
            if c.min_dwell_ms > 0.0 && !marks.contains(&c.min_dwell_ms) {
                marks.push(c.min_dwell_ms);
            }
        }
        insertion_sort_by(&mut marks, |a, b| a < b);
        marks
    }

    /// Parses and validates a rules document; on failure, every problem found.
    pub fn from_text(text: &str) -> Result<RuleSet, Vec<Error>> {
        let node = json::read(text).map_err(|e| vec![e])?;
        let mut r = Reader::new(Some(text));
        match compile(&mut r, &node) {
            Some(set) if r.errors.is_empty() => Ok(set),
            _ => Err(r.errors),
        }
    }

    pub fn page_id(&self, name: &str) -> Option<u16> {
        self.page_names
            .iter()
            .position(|n| n == name)
            .map(|i| i as u16)
    }

    pub fn event_id(&self, name: &str) -> Option<u16> {
        self.event_types
            .iter()
            .position(|(n, _)| n == name)
            .map(|i| i as u16)
    }

    /// The page category id of a URL: the first `pages` entry that matches, else `other`.
    pub fn classify(&self, url: &str) -> u16 {
        let path = crate::pages::url_path(url);
        self.pages
            .iter()
            .find(|(g, _)| g.matches(&path))
            .map_or(self.page_names.len() as u16 - 1, |(_, id)| *id)
    }
}

fn compile(r: &mut Reader, doc: &Node) -> Option<RuleSet> {
    r.object(doc, "", DOC_FIELDS)?;
    let version = r
        .req_str(doc, "version", "")
        .unwrap_or_default()
        .to_string();
    let half_life = r
        .num(doc, "halfLifeDays", "", |x| x > 0.0, "must be a number > 0")
        .unwrap_or(None);

    // Pages: names get ids in order of first appearance; `other` is always last.
    let mut page_names: Vec<String> = Vec::new();
    let mut pages = Vec::new();
    if let Some(list) = doc.get("pages") {
        let items = match &list.value {
            Value::Arr(items) => items.as_slice(),
            _ => {
                r.wrong("an array", "pages", list);
                &[]
            }
        };
        for (i, p) in items.iter().enumerate() {
            let path = at_index("pages", i);
            let Some(p) = r.object(p, &path, PAGE_FIELDS) else {
                continue;
            };
            let Some(name) = r.req_str(p, "category", &path) else {
                continue;
            };
            let id = match page_names.iter().position(|n| n == name) {
                Some(id) => id,
                None => {
                    page_names.push(name.to_string());
                    page_names.len() - 1
                }
            } as u16;
            let mpath = join(&path, "match");
            let Some(m) = p.get("match") else {
                r.fail(ErrorKind::MissingField("match"), &path, Some(p));
                continue;
            };
            for (j, g) in r
                .array(m, &mpath, "match")
                .unwrap_or(&[])
                .iter()
                .enumerate()
            {
                let gpath = at_index(&mpath, j);
                let Some(s) = r.any_str(g, &gpath) else {
                    continue;
                };
                match Glob::compile(s, Flavor::Path) {
                    Ok(glob) => pages.push((glob, id)),
                    Err(m) => r.fail(ErrorKind::BadGlob(m), &gpath, Some(g)),
                }
            }
        }
    }
    if !page_names.iter().any(|n| n == OTHER_PAGE) {
        page_names.push(OTHER_PAGE.to_string());
    } else {
        // Keep "other" last so an unmatched URL and a declared "other" share an id.
        let at = page_names.iter().position(|n| n == OTHER_PAGE).unwrap();
        let last = page_names.len() - 1;
        page_names.swap(at, last);
        for (_, id) in pages.iter_mut() {
            *id = if *id as usize == at {
                last as u16
            } else if *id as usize == last {
                at as u16
            } else {
                *id
            };
        }
    }

    let mut event_types: Vec<(String, Vec<String>)> = BUILTIN_EVENTS
        .iter()
        .map(|n| (n.to_string(), Vec::new()))
        .collect();
    if let Some(evs) = doc.get("events") {
        for (name, decl) in r.fields(evs, "events") {
            let path = join("events", name);
            let Some(decl) = r.object(decl, &path, EVENT_DECL_FIELDS) else {
                continue;
            };
            let mut props = Vec::new();
            if let Some(list) = decl.get("props") {
                let ppath = join(&path, "props");
                match &list.value {
                    Value::Arr(items) => {
                        for (j, p) in items.iter().enumerate() {
                            if let Some(s) = r.str_of(p, &at_index(&ppath, j)) {
                                props.push(s.to_string());
                            }
                        }
                    }
                    _ => r.wrong("an array", &ppath, list),
                }
            }
            // Declaring a built-in type adds props to it.
            match event_types.iter_mut().find(|(n, _)| n == name.as_ref()) {
                Some((_, existing)) => existing.extend(props),
                None => event_types.push((name.to_string(), props)),
            }
        }
    }

    let mut categories = Vec::new();
    match doc.get("categories") {
        None => r.fail(ErrorKind::MissingField("categories"), "", Some(doc)),
        Some(cats) => {
            let fields = r.fields(cats, "categories");
            if fields.is_empty() && matches!(cats.value, Value::Obj(_)) {
                r.fail(ErrorKind::EmptyList("categories"), "categories", Some(cats));
            }
            for (name, c) in fields {
                let path = join("categories", name);
                let Some(c) = r.object(c, &path, CATEGORY_FIELDS) else {
                    continue;
                };
                let min = r.num(c, "min", &path, |_| true, "").unwrap_or(None);
                let max = r.num(c, "max", &path, |_| true, "").unwrap_or(None);
                let (min, max) = (
                    min.unwrap_or(f64::NEG_INFINITY),
                    max.unwrap_or(f64::INFINITY),
                );
                if min > max {
                    r.fail(
                        ErrorKind::InvalidValue("min must not exceed max"),
                        &path,
                        Some(c),
                    );
                }
                categories.push(Category {
                    name: name.to_string(),
                    min,
                    max,
                });
            }
        }
    }

    let competitor_domains = match doc.get("competitorDomains") {
        None => Vec::new(),
        Some(n) => r
            .array(n, "competitorDomains", "competitorDomains")
            .unwrap_or(&[])
            .iter()
            .enumerate()
            .filter_map(|(i, d)| r.str_of(d, &at_index("competitorDomains", i)))
            .map(|d| d.to_ascii_lowercase())
            .collect(),
    };

    let mut set = RuleSet {
        version,
        pages,
        page_names,
        event_types,
        categories,
        rules: Vec::new(),
        bands: Vec::new(),
        competitor_domains,
        reads_url: false,
        reads_form: false,
        #[cfg(not(all(target_arch = "wasm32", not(feature = "playground"))))]
        accounts: None,
    };

    match doc.get("rules") {
        None => r.fail(ErrorKind::MissingField("rules"), "", Some(doc)),
        Some(list) => {
            let items = match &list.value {
                Value::Arr(items) => items.as_slice(),
                _ => {
                    r.wrong("an array", "rules", list);
                    &[]
                }
            };
            for (i, node) in items.iter().enumerate() {
                let path = at_index("rules", i);
                if let Some(rule) = rule::rule(r, &set, node, &path, half_life) {
                    if set.rules.iter().any(|x| x.id == rule.id) {
                        let idp = join(&path, "id");
                        r.fail(
                            ErrorKind::DuplicateRuleId(rule.id.clone()),
                            &idp,
                            node.get("id"),
                        );
                    }
                    set.rules.push(rule);
                }
            }
        }
    }

    set.bands = bands(r, doc, "");
    #[cfg(not(all(target_arch = "wasm32", not(feature = "playground"))))]
    {
        set.accounts = accounts::read(r, doc, &set.bands);
    }
    for c in set.rules.iter().flat_map(Rule::event_conds) {
        set.reads_form |= c.form.is_some();
        for cond in &c.conds {
            set.reads_url |= cond.field == crate::conditions::Field::Url;
            set.reads_form |= cond.field == crate::conditions::Field::Form;
        }
    }
    Some(set)
}

/// The `bands` list of `parent` (the document, or its `accounts` section at `prefix`).
fn bands(r: &mut Reader, parent: &Node, prefix: &str) -> Vec<Band> {
    let Some(list) = parent.get("bands") else {
        r.fail(ErrorKind::MissingField("bands"), prefix, Some(parent));
        return Vec::new();
    };
    let list_path = join(prefix, "bands");
    let mut out: Vec<Band> = Vec::new();
    for (i, b) in r
        .array(list, &list_path, "bands")
        .unwrap_or(&[])
        .iter()
        .enumerate()
    {
        let path = at_index(&list_path, i);
        let Some(b) = r.object(b, &path, BAND_FIELDS) else {
            continue;
        };
        let Some(name) = r.req_str(b, "name", &path) else {
            continue;
        };
        let Ok(min) = r.num(b, "min", &path, |_| true, "") else {
            continue;
        };
        let action = match b.get("action") {
            None
            | Some(Node {
                value: Value::Null, ..
            }) => None,
            Some(a) => r.str_of(a, &join(&path, "action")).map(str::to_string),
        };
        if out.iter().any(|x| x.name == name) {
            r.fail(
                ErrorKind::DuplicateBandName(name.into()),
                &join(&path, "name"),
                b.get("name"),
            );
        } else if min.is_none() && out.iter().any(|x| x.min.is_none()) {
            r.fail(ErrorKind::SecondCatchAllBand, &path, Some(b));
        } else if min.is_some() && out.iter().any(|x| x.min == min) {
            r.fail(
                ErrorKind::DuplicateBandMin,
                &join(&path, "min"),
                b.get("min"),
            );
        }
        out.push(Band {
            name: name.to_string(),
            min,
            action,
        });
    }
    // Greatest min first, the catch-all last.
    let key = |b: &Band| b.min.unwrap_or(f64::NEG_INFINITY);
    insertion_sort_by(&mut out, |a, b| key(a) > key(b));
    out
}

/// A stable insertion sort (`before(a, b)`: a goes first). The lists are a handful of
/// items, and the library sort would add kilobytes to the browser build.
fn insertion_sort_by<T>(v: &mut [T], before: impl Fn(&T, &T) -> bool) {
    for i in 1..v.len() {
        let mut j = i;
        while j > 0 && before(&v[j], &v[j - 1]) {
            v.swap(j - 1, j);
            j -= 1;
        }
    }
}
