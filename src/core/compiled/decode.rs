//! The reader of compiled rules' payload (the header is checked in `super`). Every count is
//! bounded by the bytes left before anything is allocated, nesting by the JSON reader's
//! depth, and every index and number is held to what validation of the JSON allows, so a
//! hostile file with a correct checksum yields `bad_contents`, never a panic or a rule set
//! the engine could not score with finite numbers.

use crate::prelude::*;

use super::tag;
use crate::conditions::{Cond, Field, Op};
use crate::error::{Error, ErrorKind};
use crate::json::{Node, Owned, Value, MAX_DEPTH};
use crate::pages::{Flavor, Glob};
use crate::rules::limits::{self, Limit};
use crate::rules::{
    Band, Category, EventCond, Rule, RuleSet, When, BUILTIN_EVENTS, MAX_STEPS, OTHER_PAGE,
};
use alloc::borrow::Cow;

type Read<T> = Result<T, &'static str>;

pub(super) fn rule_set(payload: &[u8]) -> Result<RuleSet, Error> {
    let mut r = Reader { b: payload, at: 0 };
    let set = read_set(&mut r).map_err(|m| Error::new(ErrorKind::BadContents(m), ""))?;
    if r.at != payload.len() {
        return Err(Error::new(
            ErrorKind::BadContents("bytes after the rule set"),
            "",
        ));
    }
    Ok(set)
}

fn read_set(r: &mut Reader) -> Read<RuleSet> {
    let version = r.string()?;
    let page_names = r.list(|r| r.string())?;
    if page_names.last().map(String::as_str) != Some(OTHER_PAGE) {
        return Err("the page categories must end with \"other\"");
    }
    let pages = r.list(|r| {
        let glob = r.glob(Flavor::Path)?;
        Ok((glob, r.index(page_names.len())? as u16))
    })?;
    let mut event_types = Vec::new();
    for name in BUILTIN_EVENTS {
        event_types.push((name.to_string(), props(r)?));
    }
    event_types.extend(r.list(|r| Ok((r.string()?, props(r)?)))?);
    if event_types.len() > u16::MAX as usize {
        return Err("too many event types");
    }
    let categories = r.list(|r| {
        let name = r.string()?;
        let (min, max) = (r.num()?, r.num()?);
        let bound = |x: f64| x.is_infinite() || x.abs() <= limits::MAX_POINTS;
        if !(bound(min) && bound(max) && min <= max) {
            return Err("a category's min and max");
        }
        Ok(Category { name, min, max })
    })?;
    if categories.is_empty() {
        return Err("no categories");
    }
    let mut set = RuleSet {
        version,
        pages,
        page_names: page_names.into(),
        event_types,
        categories,
        rules: Vec::new(),
        bands: Vec::new(),
        competitor_domains: Vec::new(),
        reads_url: false,
        reads_form: false,
        page_index: Vec::new(),
        event_index: Vec::new(),
        category_index: Vec::new(),
        #[cfg(feature = "std")]
        accounts: None,
    };
    set.rules = r.list(|r| rule(r, &set))?;
    set.bands = r.list(band)?;
    // Greatest min first, the one catch-all last: the order the engine picks a band in.
    let key = |b: &Band| b.min.unwrap_or(f64::NEG_INFINITY);
    let catch_alls = set.bands.iter().filter(|b| b.min.is_none()).count();
    let sorted = set.bands.windows(2).all(|w| key(&w[0]) > key(&w[1]));
    if catch_alls > 1 || !sorted {
        return Err("the bands' order");
    }
    set.competitor_domains = r.list(|r| r.string())?;
    set.index();
    Ok(set)
}

/// An event type's props, sorted and distinct (looked up by binary search).
fn props(r: &mut Reader) -> Read<Vec<String>> {
    let props = r.list(|r| r.string())?;
    if props.windows(2).any(|w| w[0] >= w[1]) {
        return Err("an event type's props must be sorted");
    }
    Ok(props)
}

fn rule(r: &mut Reader, set: &RuleSet) -> Read<Rule> {
    let id = r.string()?;
    let category = r.index(set.categories.len())?;
    let points = r.limited(&limits::POINTS)?;
    let flags = r.byte()?;
    let skip_first = r.uint()?;
    let cooldown_minutes = r.limited(&limits::COOLDOWN)?;
    let count = |n: u64| (n <= limits::MAX_COUNT.hi as u64).then_some(n as usize);
    let skip_first = count(skip_first).ok_or("skipFirst")?;
    let max_count = match flags & 1 {
        0 => None,
        _ => Some(count(r.uint()?).filter(|&n| n >= 1).ok_or("maxCount")?),
    };
    let within_days = r.maybe(flags & 2 != 0, &limits::WITHIN_DAYS)?;
    let half_life_days = r.maybe(flags & 4 != 0, &limits::HALF_LIFE)?;
    let when = match r.byte()? {
        tag::WHEN_EVENT => When::Event(event_cond(r, set)?),
        tag::WHEN_SEQUENCE => {
            let steps = r.list(|r| event_cond(r, set))?;
            if !(2..=MAX_STEPS).contains(&steps.len()) {
                return Err("a sequence has 2 to 8 steps");
            }
            let max_span_days = r.limited(&limits::SPAN_DAYS)?;
            When::Sequence {
                steps,
                max_span_days,
            }
        }
        tag::WHEN_TRAITS => When::Traits(r.list(|r| cond(r, set, true))?),
        _ => return Err("a rule's when"),
    };
    Ok(Rule {
        id,
        category,
        points,
        max_count,
        skip_first,
        cooldown_minutes,
        within_days,
        half_life_days,
        disqualify: flags & 8 != 0,
        when,
    })
}

fn event_cond(r: &mut Reader, set: &RuleSet) -> Read<EventCond> {
    let event = r.index(set.event_types.len())? as u16;
    let flags = r.byte()?;
    let page = match flags & 1 {
        0 => None,
        _ => Some(r.index(set.page_names.len())? as u16),
    };
    let form = match flags & 2 {
        0 => None,
        _ => Some(r.glob(Flavor::Text)?),
    };
    let dwell = &limits::DWELL;
    let min_dwell_ms = r.num()?;
    if !(min_dwell_ms >= 0.0 && min_dwell_ms <= dwell.hi * 1000.0) {
        return Err("minDwellSeconds");
    }
    let conds = r.list(|r| cond(r, set, false))?;
    let page_names = conds
        .iter()
        .any(|c| c.field == Field::Page)
        .then(|| set.page_names.clone());
    Ok(EventCond {
        event,
        page,
        form,
        min_dwell_ms,
        conds,
        page_names,
    })
}

fn cond(r: &mut Reader, _set: &RuleSet, traits: bool) -> Read<Cond> {
    let field = match r.byte()? {
        tag::FIELD_URL if !traits => Field::Url,
        tag::FIELD_FORM if !traits => Field::Form,
        tag::FIELD_PAGE if !traits => Field::Page,
        tag::FIELD_PROP if !traits => Field::Prop(r.string()?),
        tag::FIELD_TRAIT if traits => Field::Trait(r.string()?),
        _ => return Err("a condition's field"),
    };
    let op = match r.byte()? {
        0 => Op::Eq(r.value(0)?),
        1 => Op::Ne(r.value(0)?),
        2 => Op::In(r.list(|r| r.value(1))?),
        3 => Op::NotIn(r.list(|r| r.value(1))?),
        n @ 4..=7 => {
            let v = r.value(0)?;
            if !matches!(v, Value::Num(_) | Value::Str(_)) {
                return Err("a comparison takes a number or a string");
            }
            match n {
                4 => Op::Gt(v),
                5 => Op::Gte(v),
                6 => Op::Lt(v),
                _ => Op::Lte(v),
            }
        }
        8 => Op::Contains(r.value(0)?),
        9 => Op::Matches(r.glob(Flavor::Text)?),
        10 => Op::Exists(r.flag()?),
        _ => return Err("a condition's op"),
    };
    Ok(Cond { field, op })
}

fn band(r: &mut Reader) -> Read<Band> {
    let name = r.string()?;
    let flags = r.byte()?;
    let min = r.maybe(flags & 1 != 0, &limits::POINTS)?;
    let action = match flags & 2 {
        0 => None,
        _ => Some(r.string()?),
    };
    Ok(Band { name, min, action })
}

struct Reader<'a> {
    b: &'a [u8],
    at: usize,
}

impl Reader<'_> {
    fn byte(&mut self) -> Read<u8> {
        let b = *self.b.get(self.at).ok_or("ends early")?;
        self.at += 1;
        Ok(b)
    }

    fn flag(&mut self) -> Read<bool> {
        match self.byte()? {
            0 => Ok(false),
            1 => Ok(true),
            _ => Err("a flag"),
        }
    }

    /// LEB128, at most 10 bytes.
    fn uint(&mut self) -> Read<u64> {
        let mut n = 0u64;
        for shift in (0..70).step_by(7) {
            let b = self.byte()?;
            n |= ((b & 0x7f) as u64).checked_shl(shift).unwrap_or(0);
            if b & 0x80 == 0 {
                return Ok(n);
            }
        }
        Err("a number too long")
    }

    /// A count of items of at least one byte each: never more than the bytes left, so a
    /// hostile count cannot make the reader allocate.
    fn count(&mut self) -> Read<usize> {
        let n = self.uint()?;
        let left = (self.b.len() - self.at) as u64;
        if n > left {
            return Err("a count beyond the end");
        }
        Ok(n as usize)
    }

    fn index(&mut self, len: usize) -> Read<usize> {
        let i = self.uint()?;
        if i >= len as u64 {
            return Err("an index out of range");
        }
        Ok(i as usize)
    }

    fn string(&mut self) -> Read<String> {
        let n = self.count()?;
        let bytes = &self.b[self.at..self.at + n];
        self.at += n;
        core::str::from_utf8(bytes)
            .map(String::from)
            .map_err(|_| "text that is not UTF-8")
    }

    fn num(&mut self) -> Read<f64> {
        let n = self.uint()?;
        Ok(match n {
            tag::RAW => {
                let end = self.at + 8;
                let bytes = self.b.get(self.at..end).ok_or("ends early")?;
                self.at = end;
                let mut raw = [0u8; 8];
                raw.copy_from_slice(bytes);
                f64::from_bits(u64::from_le_bytes(raw))
            }
            tag::POS_INF => f64::INFINITY,
            tag::NEG_INF => f64::NEG_INFINITY,
            _ if n & 1 == 1 => return Err("a number"),
            _ => {
                let z = n >> 1;
                ((z >> 1) as i64 ^ -((z & 1) as i64)) as f64
            }
        })
    }

    /// A number held to a field's limits (finite, its rule, its range).
    fn limited(&mut self, l: &Limit) -> Read<f64> {
        let x = self.num()?;
        if x.is_finite() && (l.ok)(x) && x >= l.lo && x <= l.hi {
            Ok(x)
        } else {
            Err(l.range)
        }
    }

    fn maybe(&mut self, present: bool, l: &Limit) -> Read<Option<f64>> {
        present.then(|| self.limited(l)).transpose()
    }

    fn glob(&mut self, flavor: Flavor) -> Read<Glob> {
        let text = self.string()?;
        Glob::compile(&text, flavor).map_err(|_| "a pattern")
    }

    fn list<T>(&mut self, mut each: impl FnMut(&mut Self) -> Read<T>) -> Read<Vec<T>> {
        let n = self.count()?;
        // A count is at most the bytes left, but an item may be far larger than a byte.
        let mut out = Vec::with_capacity(n.min(16));
        for _ in 0..n {
            out.push(each(self)?);
        }
        Ok(out)
    }

    /// A condition's JSON value, nested at most as deep as the JSON reader allows.
    fn value(&mut self, depth: u32) -> Read<Owned> {
        if depth > MAX_DEPTH {
            return Err("values nested too deep");
        }
        let node = |value| Node {
            value,
            at: 0,
            end: 0,
        };
        Ok(match self.byte()? {
            tag::NULL => Value::Null,
            tag::FALSE => Value::Bool(false),
            tag::TRUE => Value::Bool(true),
            tag::NUM => Value::Num(
                Some(self.num()?)
                    .filter(|x| x.is_finite())
                    .ok_or("a number")?,
            ),
            tag::STR => Value::Str(Cow::Owned(self.string()?)),
            tag::ARR => Value::Arr(self.list(|r| Ok(node(r.value(depth + 1)?)))?),
            tag::OBJ => Value::Obj(self.list(|r| {
                let k = Cow::Owned(r.string()?);
                Ok((k, node(r.value(depth + 1)?)))
            })?),
            _ => Err("a value")?,
        })
    }
}
