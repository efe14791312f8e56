//! The writer of compiled rules (native and the playground; the tag only reads). The
//! payload's order is the reader's (src/compiled/decode.rs): version, page categories,
//! page patterns, event types, categories, rules, bands, competitor domains.

use crate::prelude::*;

use super::{crc32, tag, FORMAT_VERSION, MAGIC};
use crate::conditions::{Cond, Field, Op};
use crate::json::{Owned, Value};
use crate::pages::{Glob, Tok};
use crate::rules::{EventCond, Rule, RuleSet, When, BUILTIN_EVENTS};

/// The compiled form of a validated rule set: header, then payload.
pub fn encode(set: &RuleSet) -> Vec<u8> {
    let mut w = Writer(Vec::new());
    w.str(&set.version);
    w.list(&set.page_names[..], |w, n| w.str(n));
    w.list(&set.pages, |w, (g, id)| {
        w.str(&pattern(g));
        w.uint(*id as u64);
    });
    let (builtin, declared) = set.event_types.split_at(BUILTIN_EVENTS.len());
    for (_, props) in builtin {
        w.list(props, |w, p| w.str(p));
    }
    w.list(declared, |w, (name, props)| {
        w.str(name);
        w.list(props, |w, p| w.str(p));
    });
    w.list(&set.categories, |w, c| {
        w.str(&c.name);
        w.num(c.min);
        w.num(c.max);
    });
    w.list(&set.rules, rule);
    w.list(&set.bands, |w, b| {
        w.str(&b.name);
        w.0.push(b.min.is_some() as u8 | (b.action.is_some() as u8) << 1);
        if let Some(m) = b.min {
            w.num(m);
        }
        if let Some(a) = &b.action {
            w.str(a);
        }
    });
    w.list(&set.competitor_domains, |w, d| w.str(d));

    let payload = w.0;
    let mut out = Vec::with_capacity(super::HEADER + payload.len());
    out.extend_from_slice(&MAGIC);
    out.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
    out.extend_from_slice(&(payload.len() as u32).to_le_bytes());
    out.extend_from_slice(&crc32(&payload).to_le_bytes());
    out.extend_from_slice(&payload);
    out
}

fn rule(w: &mut Writer, r: &Rule) {
    w.str(&r.id);
    w.uint(r.category as u64);
    w.num(r.points);
    let flags = r.max_count.is_some() as u8
        | (r.within_days.is_some() as u8) << 1
        | (r.half_life_days.is_some() as u8) << 2
        | (r.disqualify as u8) << 3;
    w.0.push(flags);
    w.uint(r.skip_first as u64);
    w.num(r.cooldown_minutes);
    if let Some(m) = r.max_count {
        w.uint(m as u64);
    }
    if let Some(d) = r.within_days {
        w.num(d);
    }
    if let Some(h) = r.half_life_days {
        w.num(h);
    }
    match &r.when {
        When::Event(c) => {
            w.0.push(tag::WHEN_EVENT);
            event_cond(w, c);
        }
        When::Sequence {
            steps,
            max_span_days,
        } => {
            w.0.push(tag::WHEN_SEQUENCE);
            w.list(steps, event_cond);
            w.num(*max_span_days);
        }
        When::Traits(conds) => {
            w.0.push(tag::WHEN_TRAITS);
            w.list(conds, cond);
        }
    }
}

fn event_cond(w: &mut Writer, c: &EventCond) {
    w.uint(c.event as u64);
    w.0.push(c.page.is_some() as u8 | (c.form.is_some() as u8) << 1);
    if let Some(p) = c.page {
        w.uint(p as u64);
    }
    if let Some(f) = &c.form {
        w.str(&pattern(f));
    }
    w.num(c.min_dwell_ms);
    w.list(&c.conds, cond);
}

fn cond(w: &mut Writer, c: &Cond) {
    match &c.field {
        Field::Url => w.0.push(tag::FIELD_URL),
        Field::Form => w.0.push(tag::FIELD_FORM),
        Field::Page => w.0.push(tag::FIELD_PAGE),
        Field::Prop(p) => {
            w.0.push(tag::FIELD_PROP);
            w.str(p);
        }
        Field::Trait(t) => {
            w.0.push(tag::FIELD_TRAIT);
            w.str(t);
        }
    }
    let (op, value): (u8, Option<&Owned>) = match &c.op {
        Op::Eq(v) => (0, Some(v)),
        Op::Ne(v) => (1, Some(v)),
        Op::In(_) => (2, None),
        Op::NotIn(_) => (3, None),
        Op::Gt(v) => (4, Some(v)),
        Op::Gte(v) => (5, Some(v)),
        Op::Lt(v) => (6, Some(v)),
        Op::Lte(v) => (7, Some(v)),
        Op::Contains(v) => (8, Some(v)),
        Op::Matches(_) => (9, None),
        Op::Exists(_) => (10, None),
    };
    w.0.push(op);
    match (&c.op, value) {
        (_, Some(v)) => w.value(v),
        (Op::In(xs) | Op::NotIn(xs), _) => w.list(xs, Writer::value),
        (Op::Matches(g), _) => w.str(&pattern(g)),
        (Op::Exists(b), _) => w.0.push(*b as u8),
        _ => {}
    }
}

/// The text a glob was compiled from (lowercased, a page pattern's trailing `/` dropped):
/// compiling it again gives the same glob (tested on every pattern of the fixtures).
fn pattern(g: &Glob) -> String {
    match g {
        Glob::Exact(l) => l.clone(),
        Glob::Under(l) => [l, "/**"].concat(),
        Glob::Prefix(l) => [l, "*"].concat(),
        Glob::General(toks, _, _) => toks
            .iter()
            .map(|t| match t {
                Tok::Lit(l) => l.as_str(),
                Tok::Star => "*",
                Tok::Any => "**",
            })
            .collect(),
    }
}

struct Writer(Vec<u8>);

impl Writer {
    /// LEB128.
    fn uint(&mut self, mut n: u64) {
        loop {
            let b = (n & 0x7f) as u8;
            n >>= 7;
            if n == 0 {
                self.0.push(b);
                return;
            }
            self.0.push(b | 0x80);
        }
    }

    fn str(&mut self, s: &str) {
        self.uint(s.len() as u64);
        self.0.extend_from_slice(s.as_bytes());
    }

    /// Whole numbers (most of a rules file's) in one or two bytes; the rest as the double's
    /// own bits, so nothing is rounded.
    fn num(&mut self, x: f64) {
        const EXACT: f64 = (1u64 << 52) as f64;
        if x == x.trunc() && x.abs() < EXACT && !(x == 0.0 && x.is_sign_negative()) {
            let i = x as i64;
            self.uint((((i << 1) ^ (i >> 63)) as u64) << 1);
        } else if x == f64::INFINITY {
            self.uint(tag::POS_INF);
        } else if x == f64::NEG_INFINITY {
            self.uint(tag::NEG_INF);
        } else {
            self.uint(tag::RAW);
            self.0.extend_from_slice(&x.to_bits().to_le_bytes());
        }
    }

    fn list<T>(&mut self, items: &[T], mut each: impl FnMut(&mut Writer, &T)) {
        self.uint(items.len() as u64);
        for item in items {
            each(self, item);
        }
    }

    fn value(&mut self, v: &Owned) {
        match v {
            Value::Null => self.0.push(tag::NULL),
            Value::Bool(b) => self.0.push(if *b { tag::TRUE } else { tag::FALSE }),
            Value::Num(n) => {
                self.0.push(tag::NUM);
                self.num(*n);
            }
            Value::Str(s) => {
                self.0.push(tag::STR);
                self.str(s);
            }
            Value::Arr(items) => {
                self.0.push(tag::ARR);
                self.list(items, |w, n| w.value(&n.value));
            }
            Value::Obj(fields) => {
                self.0.push(tag::OBJ);
                self.list(fields, |w, (k, n)| {
                    w.str(k);
                    w.value(&n.value);
                });
            }
        }
    }
}
