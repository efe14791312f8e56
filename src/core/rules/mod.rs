//! The rules document: reading it, reporting every problem at once (code, JSON path, line
//! and column), and compiling it into an immutable [`RuleSet`] whose globs and lookups are
//! prepared once, so scoring never re-reads the document.

use crate::prelude::*;

use crate::conditions::Cond;
use crate::error::{at_index, Error, ErrorKind};
use crate::json::{self, Node, Value};
use crate::pages::{Flavor, Glob};
use crate::sort::{find, index_by};

#[cfg(feature = "std")]
mod accounts;
mod conditions;
pub mod limits;
mod reader;
mod rule;
mod sections;

pub(crate) use crate::error::join;
#[cfg(feature = "std")]
pub use accounts::{Accounts, ACCOUNTS_FIELDS, TARGETS_FIELDS};
pub use conditions::COND_FIELDS;
pub use reader::Reader;

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
    /// Page category names by id; the last one is always `other`. Shared with the event
    /// conditions that read `page`, rather than copied into each.
    pub page_names: Shared<[String]>,
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
    /// Name lookups by binary search (see `crate::sort::index_by`): a document with 100k
    /// names must not be scanned once per rule or per event.
    pub(crate) page_index: Vec<u32>,
    pub(crate) event_index: Vec<u32>,
    pub(crate) category_index: Vec<u32>,
    /// The `accounts` section (batch and server side; the site tag skips it).
    #[cfg(feature = "std")]
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
    /// Page category names, present only when a condition reads the `page` field.
    pub page_names: Option<Shared<[String]>>,
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
        let marks: Vec<f64> = self
            .rules
            .iter()
            .flat_map(Rule::event_conds)
            .map(|c| c.min_dwell_ms)
            .filter(|&d| d > 0.0)
            .collect();
        let order = crate::sort::order(marks.len(), &|a, b| marks[a as usize] < marks[b as usize]);
        let mut marks = marks;
        crate::sort::permute(&mut marks, &order);
        marks.dedup();
        marks
    }

    /// Parses and validates a rules document; on failure, every problem found.
    pub fn from_text(text: &str) -> Result<RuleSet, Vec<Error>> {
        let node = json::read(text).map_err(|e| vec![e])?;
        let mut r = Reader::new(Some(text));
        match compile(&mut r, &node) {
            Some(set) if r.errors.is_empty() => Ok(set),
            _ => Err(in_text_order(r.errors)),
        }
    }

    /// Derives the name lookups and the `reads_*` flags from the parts: for the reader
    /// here and for compiled rules (src/compiled), which carry only the parts.
    pub(crate) fn index(&mut self) {
        self.page_index = index_by(self.page_names.len(), &|i| &self.page_names[i]);
        self.event_index = index_by(self.event_types.len(), &|i| &self.event_types[i].0);
        self.category_index = index_by(self.categories.len(), &|i| &self.categories[i].name);
        let (mut url, mut form) = (false, false);
        for c in self.rules.iter().flat_map(Rule::event_conds) {
            form |= c.form.is_some();
            for cond in &c.conds {
                url |= cond.field == crate::conditions::Field::Url;
                form |= cond.field == crate::conditions::Field::Form;
            }
        }
        (self.reads_url, self.reads_form) = (url, form);
    }

    pub fn page_id(&self, name: &str) -> Option<u16> {
        find(&self.page_index, &|i| &self.page_names[i], name).map(|i| i as u16)
    }

    pub fn event_id(&self, name: &str) -> Option<u16> {
        find(&self.event_index, &|i| &self.event_types[i].0, name).map(|i| i as u16)
    }

    pub fn category_id(&self, name: &str) -> Option<usize> {
        find(&self.category_index, &|i| &self.categories[i].name, name)
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
        .num(doc, "halfLifeDays", "", &limits::HALF_LIFE)
        .unwrap_or(None);

    let (pages, page_names) = sections::pages(r, doc);

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
            // Declaring a built-in type adds props to it. Keys of one object are unique,
            // so only the built-ins can be met twice.
            match event_types[..BUILTIN_EVENTS.len()]
                .iter_mut()
                .find(|(n, _)| n == name.as_ref())
            {
                Some((_, existing)) => existing.extend(props),
                None => event_types.push((name.to_string(), props)),
            }
        }
    }
    // Props sorted and distinct, looked up by binary search: reading an event with many
    // props against a plan with many stays near-linear.
    for (_, props) in event_types.iter_mut() {
        let order = index_by(props.len(), &|i| &props[i]);
        crate::sort::permute(props, &order);
        props.dedup();
    }

    let mut categories = Vec::new();
    match doc.get("categories") {
        None => r.missing("categories", "", doc),
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
                let min = r.num(c, "min", &path, &limits::POINTS).unwrap_or(None);
                let max = r.num(c, "max", &path, &limits::POINTS).unwrap_or(None);
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
        page_names: page_names.into(),
        event_types,
        categories,
        rules: Vec::new(),
        bands: Vec::new(),
        competitor_domains,
        reads_url: false,
        reads_form: false,
        page_index: Vec::new(),
        event_index: Vec::new(),
        category_index: Vec::new(),
        #[cfg(feature = "std")]
        accounts: None,
    };
    set.index();

    match doc.get("rules") {
        None => r.missing("rules", "", doc),
        Some(list) => {
            let items = match &list.value {
                Value::Arr(items) => items.as_slice(),
                _ => {
                    r.wrong("an array", "rules", list);
                    &[]
                }
            };
            // Which item of `rules` each compiled rule came from.
            let mut item_of = Vec::new();
            for (i, node) in items.iter().enumerate() {
                let path = at_index("rules", i);
                if let Some(rule) = rule::rule(r, &set, node, &path, half_life) {
                    set.rules.push(rule);
                    item_of.push(i);
                }
            }
            // Found by sorting: a pairwise check is quadratic (200k rules: minutes).
            for j in crate::sort::repeats(set.rules.len(), &|j| &set.rules[j].id) {
                let node = &items[item_of[j]];
                r.fail(
                    ErrorKind::DuplicateRuleId(set.rules[j].id.clone()),
                    &join(&at_index("rules", item_of[j]), "id"),
                    node.get("id"),
                );
            }
        }
    }

    set.bands = sections::bands(r, doc, "");
    #[cfg(feature = "std")]
    {
        set.accounts = accounts::read(r, doc, &set.bands);
    }
    set.index();
    Some(set)
}

/// Problems in the order of their place in the text (some, like repeated ids, are found
/// after the whole list is read), as a compiler lists them.
fn in_text_order(mut errors: Vec<Error>) -> Vec<Error> {
    let key = |i: u32| {
        let e = &errors[i as usize];
        (e.line, e.column, i)
    };
    let order = crate::sort::order(errors.len(), &|a, b| key(a) < key(b));
    crate::sort::permute(&mut errors, &order);
    errors
}
