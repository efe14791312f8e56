//! `COND`s: `{ field, op, value }`, compiled when the rules load and evaluated against an
//! event's fields or the visitor's traits, with the contract's typing rules.

use crate::prelude::*;

use crate::json::{Owned, Value};
use crate::pages::{lower, Glob};
use crate::text::has;

#[derive(Debug, Clone, PartialEq)]
pub enum Op {
    Eq(Owned),
    Ne(Owned),
    In(Vec<Owned>),
    NotIn(Vec<Owned>),
    Gt(Owned),
    Gte(Owned),
    Lt(Owned),
    Lte(Owned),
    Contains(Owned),
    Matches(Glob),
    Exists(bool),
}

/// What a condition reads: for events one of the built-in fields or a prop, for traits a key.
#[derive(Debug, Clone, PartialEq)]
pub enum Field {
    Url,
    Form,
    Page,
    Prop(String),
    Trait(String),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Cond {
    pub field: Field,
    pub op: Op,
}

/// A field's value as the condition sees it; strings from events are borrowed, not copied.
#[derive(Clone, Copy)]
pub enum Val<'a> {
    Str(&'a str),
    Json(&'a Value<'a>),
}

impl<'a> Val<'a> {
    fn as_str(self) -> Option<&'a str> {
        match self {
            Val::Str(s) => Some(s),
            Val::Json(Value::Str(s)) => Some(s),
            _ => None,
        }
    }
}

impl Cond {
    pub fn holds(&self, v: Option<Val<'_>>) -> bool {
        let Some(v) = v else {
            return self.op == Op::Exists(false);
        };
        match &self.op {
            Op::Exists(want) => *want,
            Op::Eq(x) => equal(v, x),
            Op::Ne(x) => !equal(v, x),
            Op::In(xs) => xs.iter().any(|x| equal(v, x)),
            Op::NotIn(xs) => !xs.iter().any(|x| equal(v, x)),
            Op::Gt(x) => compare(v, x).is_some_and(|o| o.is_gt()),
            Op::Gte(x) => compare(v, x).is_some_and(|o| o.is_ge()),
            Op::Lt(x) => compare(v, x).is_some_and(|o| o.is_lt()),
            Op::Lte(x) => compare(v, x).is_some_and(|o| o.is_le()),
            Op::Contains(x) => match (v, x) {
                (_, Value::Str(x)) if v.as_str().is_some() => v.as_str().is_some_and(|s| has(s, x)),
                (Val::Json(Value::Arr(items)), x) => {
                    items.iter().any(|i| equal(Val::Json(&i.value), x))
                }
                _ => false,
            },
            Op::Matches(g) => v.as_str().is_some_and(|s| g.matches(&lower(s))),
        }
    }
}

fn equal(v: Val<'_>, x: &Value<'_>) -> bool {
    match v {
        Val::Str(s) => matches!(x, Value::Str(t) if t == s),
        Val::Json(v) => json_equal(v, x),
    }
}

/// Deep equality where numbers compare as f64 and different types are never equal.
fn json_equal(a: &Value<'_>, b: &Value<'_>) -> bool {
    match (a, b) {
        (Value::Arr(x), Value::Arr(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| json_equal(&p.value, &q.value))
        }
        (Value::Obj(x), Value::Obj(y)) => {
            x.len() == y.len()
                && x.iter().all(|(k, p)| {
                    y.iter()
                        .find(|(l, _)| l == k)
                        .is_some_and(|(_, q)| json_equal(&p.value, &q.value))
                })
        }
        _ => a == b,
    }
}

fn compare(v: Val<'_>, x: &Value<'_>) -> Option<core::cmp::Ordering> {
    match (v, x) {
        // Bytewise comparison of UTF-8 is code point order.
        (_, Value::Str(t)) => v.as_str().map(|s| s.as_bytes().cmp(t.as_bytes())),
        (Val::Json(Value::Num(a)), Value::Num(b)) => a.partial_cmp(b),
        _ => None,
    }
}
