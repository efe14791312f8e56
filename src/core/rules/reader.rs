//! Reading a JSON document while collecting every problem, each with its path and, when
//! the document came from text, its line and column.

use crate::prelude::*;

use super::limits::Limit;
use crate::error::{join, Error, ErrorKind};
use crate::json::{key_at, Node, Positions, Value};

/// Collects problems while reading a document; each is stamped with its line and column
/// when the document came from text.
pub struct Reader<'t> {
    text: Option<&'t str>,
    /// Built at the first problem, so many problems cost no re-scan of the text each.
    positions: Option<Positions>,
    pub errors: Vec<Error>,
}

impl<'t> Reader<'t> {
    pub fn new(text: Option<&'t str>) -> Self {
        Reader {
            text,
            positions: None,
            errors: Vec::new(),
        }
    }

    /// Records `e` at byte offset `at` of the text (when there is one).
    fn push_at(&mut self, mut e: Error, at: Option<u32>) {
        if let (Some(t), Some(at)) = (self.text, at) {
            let (line, column) = self
                .positions
                .get_or_insert_with(|| Positions::new(t))
                .line_col(t, at);
            e.line = line;
            e.column = column;
        }
        self.errors.push(e);
    }

    /// Records `e` at the value `node`.
    pub fn push(&mut self, e: Error, node: Option<&Node>) {
        self.push_at(e, node.map(|n| n.at));
    }

    pub fn fail(&mut self, kind: ErrorKind, path: &str, node: Option<&Node>) {
        self.push(Error::new(kind, path), node);
    }

    /// A problem about a key (unknown, or not allowed here), at the key rather than at
    /// its value: `node` is the key's value.
    pub fn fail_key(&mut self, kind: ErrorKind, path: &str, node: &Node) {
        let at = self.text.map(|t| key_at(t, node.at));
        self.push_at(Error::new(kind, path), at);
    }

    /// A required field that is absent: the path names the field, the position is the
    /// object that lacks it.
    pub fn missing(&mut self, key: &'static str, path: &str, obj: &Node) {
        self.fail(ErrorKind::MissingField(key), &join(path, key), Some(obj));
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
                self.fail_key(kind, &join(path, k), v);
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
                self.missing(key, path, obj);
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

    /// An optional number within `limit`; `Err(())` when present but invalid.
    pub(crate) fn num(
        &mut self,
        obj: &Node,
        key: &str,
        path: &str,
        limit: &Limit,
    ) -> Result<Option<f64>, ()> {
        let Some(n) = obj.get(key) else {
            return Ok(None);
        };
        let p = join(path, key);
        let kind = match n.as_f64() {
            None => {
                self.wrong("a number", &p, n);
                return Err(());
            }
            Some(x) if !(limit.ok)(x) => ErrorKind::InvalidValue(limit.rule),
            Some(x) if x.is_finite() && limit.lo <= x && x <= limit.hi => return Ok(Some(x)),
            Some(_) => ErrorKind::OutOfRange(limit.range),
        };
        self.fail(kind, &p, Some(n));
        Err(())
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
