//! Reading a JSON document while collecting every problem, each with its path and, when
//! the document came from text, its line and column.

use crate::prelude::*;

use crate::error::{Error, ErrorKind};
use crate::json::{Node, Value};

/// Collects problems while reading a document; each is stamped with its line and column
/// when the document came from text.
pub struct Reader<'t> {
    text: Option<&'t str>,
    pub errors: Vec<Error>,
}

impl<'t> Reader<'t> {
    pub fn new(text: Option<&'t str>) -> Self {
        Reader {
            text,
            errors: Vec::new(),
        }
    }

    pub fn push(&mut self, e: Error, node: Option<&Node>) {
        let e = match (self.text, node) {
            (Some(t), Some(n)) => e.at(t, n.at),
            _ => e,
        };
        self.errors.push(e);
    }

    pub fn fail(&mut self, kind: ErrorKind, path: &str, node: Option<&Node>) {
        self.push(Error::new(kind, path), node);
    }

    pub(crate) fn wrong(&mut self, expected: &'static str, path: &str, node: &Node) {
        let found = node.value.kind();
        self.fail(ErrorKind::WrongType { expected, found }, path, Some(node));
    }

    /// Checks `node` is an object and reports each key outside `allowed`.
    pub fn object<'n, 'j>(
        &mut self,
        node: &'n Node<'j>,
        path: &str,
        allowed: &'static [&'static str],
    ) -> Option<&'n Node<'j>> {
        let Value::Obj(fields) = &node.value else {
            self.wrong("an object", path, node);
            return None;
        };
        for (k, v) in fields {
            if !allowed.contains(&k.as_ref()) {
                let kind = ErrorKind::UnknownField {
                    field: k.to_string(),
                    allowed,
                };
                self.fail(kind, &join(path, k), Some(v));
            }
        }
        Some(node)
    }

    pub fn req_str<'n>(
        &mut self,
        obj: &'n Node<'_>,
        key: &'static str,
        path: &str,
    ) -> Option<&'n str> {
        match obj.get(key) {
            None => {
                self.fail(ErrorKind::MissingField(key), path, Some(obj));
                None
            }
            Some(n) => self.str_of(n, &join(path, key)),
        }
    }

    /// A string that may be empty (a glob: its compiler names the problem as `bad_glob`).
    pub(crate) fn any_str<'n>(&mut self, n: &'n Node<'_>, path: &str) -> Option<&'n str> {
        let s = n.as_str();
        if s.is_none() {
            self.wrong("a string", path, n);
        }
        s
    }

    pub(crate) fn str_of<'n>(&mut self, n: &'n Node<'_>, path: &str) -> Option<&'n str> {
        match n.as_str() {
            Some("") => {
                self.fail(ErrorKind::InvalidValue("must not be empty"), path, Some(n));
                None
            }
            Some(s) => Some(s),
            None => {
                self.wrong("a string", path, n);
                None
            }
        }
    }

    /// An optional number that must satisfy `ok`; `Err(())` when present but invalid.
    pub(crate) fn num(
        &mut self,
        obj: &Node,
        key: &str,
        path: &str,
        ok: fn(f64) -> bool,
        rule: &'static str,
    ) -> Result<Option<f64>, ()> {
        let Some(n) = obj.get(key) else {
            return Ok(None);
        };
        let p = join(path, key);
        match n.as_f64() {
            Some(x) if x.is_finite() && ok(x) => Ok(Some(x)),
            Some(_) => {
                self.fail(ErrorKind::InvalidValue(rule), &p, Some(n));
                Err(())
            }
            None => {
                self.wrong("a number", &p, n);
                Err(())
            }
        }
    }

    pub(crate) fn array<'n, 'j>(
        &mut self,
        n: &'n Node<'j>,
        path: &str,
        what: &'static str,
    ) -> Option<&'n [Node<'j>]> {
        match &n.value {
            Value::Arr(items) if items.is_empty() => {
                self.fail(ErrorKind::EmptyList(what), path, Some(n));
                None
            }
            Value::Arr(items) => Some(items),
            _ => {
                self.wrong("an array", path, n);
                None
            }
        }
    }

    pub(crate) fn fields<'n, 'j>(
        &mut self,
        n: &'n Node<'j>,
        path: &str,
    ) -> &'n [(alloc::borrow::Cow<'j, str>, Node<'j>)] {
        match &n.value {
            Value::Obj(f) => f,
            _ => {
                self.wrong("an object", path, n);
                &[]
            }
        }
    }
}

pub fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        [path, ".", key].concat()
    }
}
