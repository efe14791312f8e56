//! One events line (`{"visitor":…,"type":…,"ts":…}`) read straight into an [`Event`],
//! without building the JSON tree. The typed parse only ever answers for lines it fully
//! understands (flat fields, strings without escapes, props and traits of plain values);
//! anything else, every error included, goes through the general reader, so what is
//! accepted, the event built and each problem's code, path, line and column are exactly
//! those of `json::read` + [`RuleSet::event_in`].

use crate::prelude::*;
use alloc::borrow::Cow;

use super::FnvMap;
use crate::error::{Error, ErrorKind};
use crate::events::{Event, Extra};
use crate::json::{self, Node, Owned, Value};
use crate::rules::limits::MAX_TS;
use crate::rules::{RuleSet, IDENTIFY};

/// URLs remembered with their page category (and URL-and-form pairs with their shared
/// texts), at most: a batch has few distinct pages, a hostile file many, and past this the
/// work is simply done again.
const CACHE: usize = 1 << 16;
/// Longest URL remembered.
const CACHED_URL: usize = 512;

/// Reads events lines for one rule set. Keeps a cache of URL → page category, so hold one
/// per thread and reuse it for every line.
pub struct LineReader<'s> {
    set: &'s RuleSet,
    pages: FnvMap<Box<str>, u16>,
    extras: FnvMap<Box<str>, Option<Shared<Extra>>>,
    key: String,
}

impl<'s> LineReader<'s> {
    pub fn new(set: &'s RuleSet) -> Self {
        LineReader {
            set,
            pages: FnvMap::default(),
            extras: FnvMap::default(),
            key: String::new(),
        }
    }

    /// The visitor id and the event of one line (the line's own text: an error's line is 1
    /// and its column counts in `line`; the caller sets the file's line number).
    pub fn read<'t>(&mut self, line: &'t str) -> Result<(Cow<'t, str>, Event), Error> {
        match self.typed(line) {
            Some(ok) => Ok(ok),
            None => read_line(self.set, line),
        }
    }

    /// The typed parse: `None` for whatever it does not handle (the general reader decides).
    fn typed<'t>(&mut self, line: &'t str) -> Option<(Cow<'t, str>, Event)> {
        let f = Fields::scan(line)?;
        let set = self.set;
        let ty = set.event_id(f.ty?)?;
        let ts = f.ts?;
        if !(-MAX_TS..=MAX_TS).contains(&ts) {
            return None;
        }
        let dwell_ms = match f.dwell {
            None => 0.0,
            Some(d) if (0.0..=MAX_TS).contains(&d) => d,
            Some(_) => return None,
        };
        let visitor = match f.visitor? {
            Scalar::Str(s) if !s.is_empty() => Cow::Borrowed(s),
            Scalar::Num(n) if n.fract() == 0.0 => Cow::Owned(format!("{n}")),
            _ => return None,
        };
        let allowed = &set.event_types[ty as usize].1;
        let props = match f.props {
            None => Vec::new(),
            Some(p) => {
                // The plan's props are sorted (see `rules::compile`).
                let declared = |k: &str| allowed.binary_search_by(|a| a.as_str().cmp(k)).is_ok();
                if !p.iter().all(|(k, _)| declared(k)) {
                    return None;
                }
                owned(p)
            }
        };
        if f.traits.is_some() && ty != IDENTIFY {
            return None;
        }
        let page = f.url.map(|u| self.page(u));
        let url = f.url.filter(|_| set.reads_url);
        let form = f.form.filter(|_| set.reads_form);
        let event = if props.is_empty() {
            let extra = self.shared(url, form, f.traits, f.traits_text);
            Event::with_extra(ty, page, ts, dwell_ms, extra)
        } else {
            let (url, form) = (url.map(str::to_string), form.map(str::to_string));
            let traits = f.traits.map(owned).unwrap_or_default();
            Event::from_parts(ty, page, ts, dwell_ms, url, form, props, traits)
        };
        Some((visitor, event))
    }

    fn page(&mut self, url: &str) -> u16 {
        if let Some(&p) = self.pages.get(url) {
            return p;
        }
        let p = self.set.classify(url);
        if url.len() <= CACHED_URL && self.pages.len() < CACHE {
            self.pages.insert(url.into(), p);
        }
        p
    }

    /// What an event with this URL, form and traits (the object's text) carries, one
    /// shared copy per distinct combination: millions of events, a few hundred pages, and
    /// a visitor's identify repeated with the same traits.
    fn shared(
        &mut self,
        url: Option<&str>,
        form: Option<&str>,
        traits: Option<Vec<(&str, Scalar<'_>)>>,
        traits_text: &str,
    ) -> Option<Shared<Extra>> {
        if url.is_none() && form.is_none() && traits.is_none() {
            return None;
        }
        let (u, f) = (url.unwrap_or(""), form.unwrap_or(""));
        let make = |traits: Option<Vec<(&str, Scalar<'_>)>>| {
            let traits = traits.map(owned).unwrap_or_default();
            let (url, form) = (url.map(str::to_string), form.map(str::to_string));
            Event::extra(url, form, Vec::new(), traits)
        };
        if u.len() + f.len() + traits_text.len() > CACHED_URL {
            return make(traits);
        }
        // The key tells "no URL" from an empty one (and the same for the form); the typed
        // parse takes no string holding a control character, so the markers are
        // unambiguous, and the same traits text always reads as the same traits.
        self.key.clear();
        for part in [url, form] {
            match part {
                None => self.key.push('\u{0}'),
                Some(p) => {
                    self.key.push('\u{1}');
                    self.key.push_str(p);
                    self.key.push('\u{0}');
                }
            }
        }
        self.key.push_str(traits_text);
        if let Some(x) = self.extras.get(self.key.as_str()) {
            return x.clone();
        }
        let x = make(traits);
        if self.extras.len() < CACHE {
            self.extras.insert(self.key.as_str().into(), x.clone());
        }
        x
    }
}

/// One line through the general reader: the JSON tree, then the event checked against the
/// plan. Where every problem of a line gets its code, path and column.
pub fn read_line<'t>(set: &RuleSet, line: &'t str) -> Result<(Cow<'t, str>, Event), Error> {
    let node = json::read(line)?;
    let visitor = match node.get("visitor") {
        Some(Node {
            value: Value::Str(s),
            ..
        }) if !s.is_empty() => s.clone(),
        Some(Node {
            value: Value::Num(n),
            ..
        }) if n.fract() == 0.0 => Cow::Owned(format!("{n}")),
        Some(v) => {
            let kind = ErrorKind::WrongType {
                expected: "a non-empty string",
                found: v.value.kind(),
            };
            return Err(Error::new(kind, "visitor").at(line, v.at));
        }
        None => {
            return Err(Error::new(ErrorKind::MissingField("visitor"), "visitor").at(line, node.at))
        }
    };
    let event = set.event_in(&node, line)?;
    Ok((visitor, event))
}

fn owned(fields: Vec<(&str, Scalar<'_>)>) -> Vec<(String, Owned)> {
    fields
        .into_iter()
        .map(|(k, v)| {
            let v = match v {
                Scalar::Str(s) => Value::Str(Cow::Owned(s.to_string())),
                Scalar::Num(n) => Value::Num(n),
                Scalar::Bool(b) => Value::Bool(b),
                Scalar::Null => Value::Null,
            };
            (k.to_string(), v)
        })
        .collect()
}

#[derive(Clone, Copy)]
enum Scalar<'t> {
    Str(&'t str),
    Num(f64),
    Bool(bool),
    Null,
}

/// The fields of an event line, as far as the typed parse goes.
#[derive(Default)]
struct Fields<'t> {
    visitor: Option<Scalar<'t>>,
    ty: Option<&'t str>,
    ts: Option<f64>,
    url: Option<&'t str>,
    dwell: Option<f64>,
    form: Option<&'t str>,
    props: Option<Vec<(&'t str, Scalar<'t>)>>,
    traits: Option<Vec<(&'t str, Scalar<'t>)>>,
    /// The traits object's text (empty without one).
    traits_text: &'t str,
}

/// Objects holding more keys than this go to the general reader (its duplicate check).
const FLAT_KEYS: usize = 16;

impl<'t> Fields<'t> {
    fn scan(line: &'t str) -> Option<Fields<'t>> {
        let mut s = Scan { t: line, i: 0 };
        let mut f = Fields::default();
        let mut seen = 0u8;
        s.ws();
        s.eat(b'{')?;
        loop {
            s.ws();
            let key = s.string()?;
            s.ws();
            s.eat(b':')?;
            s.ws();
            let bit = match key {
                "visitor" => 0,
                "type" => 1,
                "ts" => 2,
                "url" => 3,
                "dwellMs" => 4,
                "form" => 5,
                "props" => 6,
                "traits" => 7,
                _ => return None,
            };
            if seen & (1 << bit) != 0 {
                return None;
            }
            seen |= 1 << bit;
            match bit {
                0 => f.visitor = Some(s.scalar()?),
                1 => f.ty = Some(s.string()?),
                2 => f.ts = Some(s.number()?),
                3 => f.url = Some(s.string()?),
                4 => f.dwell = Some(s.number()?),
                5 => f.form = Some(s.string()?),
                6 => f.props = Some(s.flat_object()?),
                _ => {
                    let start = s.i;
                    f.traits = Some(s.flat_object()?);
                    f.traits_text = line.get(start..s.i)?;
                }
            }
            s.ws();
            match s.next()? {
                b',' => continue,
                b'}' => break,
                _ => return None,
            }
        }
        s.ws();
        (s.i == line.len()).then_some(f)
    }
}

/// A cursor over a line, following the JSON grammar of `json::parse` for what it accepts.
struct Scan<'t> {
    t: &'t str,
    i: usize,
}

impl<'t> Scan<'t> {
    fn bytes(&self) -> &'t [u8] {
        self.t.as_bytes()
    }
    fn ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.bytes().get(self.i) {
            self.i += 1;
        }
    }
    fn next(&mut self) -> Option<u8> {
        let b = *self.bytes().get(self.i)?;
        self.i += 1;
        Some(b)
    }
    fn eat(&mut self, b: u8) -> Option<()> {
        (self.next()? == b).then_some(())
    }

    /// A string without escapes or control characters (those go to the general reader).
    fn string(&mut self) -> Option<&'t str> {
        self.eat(b'"')?;
        let start = self.i;
        let run = self.bytes()[start..]
            .iter()
            .position(|&b| b == b'"' || b == b'\\' || b < 0x20)?;
        self.i = start + run;
        self.eat(b'"')?;
        // Quotes are ASCII: the run lies on char boundaries.
        self.t.get(start..start + run)
    }

    fn number(&mut self) -> Option<f64> {
        let s = self.bytes();
        let start = self.i;
        if s.get(self.i) == Some(&b'-') {
            self.i += 1;
        }
        match s.get(self.i)? {
            b'0' => self.i += 1,
            b'1'..=b'9' => self.digits(),
            _ => return None,
        }
        if s.get(self.i) == Some(&b'.') {
            self.i += 1;
            if !s.get(self.i)?.is_ascii_digit() {
                return None;
            }
            self.digits();
        }
        if let Some(b'e' | b'E') = s.get(self.i) {
            self.i += 1;
            if let Some(b'+' | b'-') = s.get(self.i) {
                self.i += 1;
            }
            if !s.get(self.i)?.is_ascii_digit() {
                return None;
            }
            self.digits();
        }
        let n = json::number::parse(self.t.get(start..self.i)?);
        n.is_finite().then_some(n)
    }

    fn digits(&mut self) {
        while let Some(b'0'..=b'9') = self.bytes().get(self.i) {
            self.i += 1;
        }
    }

    fn word(&mut self, w: &str) -> Option<()> {
        self.t
            .get(self.i..)?
            .starts_with(w)
            .then(|| self.i += w.len())
    }

    fn scalar(&mut self) -> Option<Scalar<'t>> {
        Some(match self.bytes().get(self.i)? {
            b'"' => Scalar::Str(self.string()?),
            b'-' | b'0'..=b'9' => Scalar::Num(self.number()?),
            b't' => self.word("true").map(|_| Scalar::Bool(true))?,
            b'f' => self.word("false").map(|_| Scalar::Bool(false))?,
            b'n' => self.word("null").map(|_| Scalar::Null)?,
            _ => return None,
        })
    }

    /// `{"k": scalar, …}` with distinct keys, in source order.
    fn flat_object(&mut self) -> Option<Vec<(&'t str, Scalar<'t>)>> {
        self.eat(b'{')?;
        let mut out = Vec::new();
        self.ws();
        if self.bytes().get(self.i) == Some(&b'}') {
            self.i += 1;
            return Some(out);
        }
        loop {
            self.ws();
            let k = self.string()?;
            if out.len() >= FLAT_KEYS || out.iter().any(|(seen, _)| *seen == k) {
                return None;
            }
            self.ws();
            self.eat(b':')?;
            self.ws();
            out.push((k, self.scalar()?));
            self.ws();
            match self.next()? {
                b',' => continue,
                b'}' => return Some(out),
                _ => return None,
            }
        }
    }
}
