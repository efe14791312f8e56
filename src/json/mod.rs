//! A small JSON reader that keeps the byte offset of every value, and the writing helpers.
//!
//! We read JSON ourselves rather than through serde_json so that every validation problem
//! can name its line and column, duplicate keys can be refused, hostile nesting is bounded,
//! and the browser build carries no general-purpose JSON machinery.

use crate::prelude::*;

/// A parsed value and the byte offset where it starts in the source text.
use alloc::borrow::Cow;

mod number;

#[derive(Debug, Clone, PartialEq)]
pub struct Node<'a> {
    pub value: Value<'a>,
    pub at: u32,
    /// Byte offset just past the value, so a value's source text can be kept verbatim.
    pub end: u32,
}

/// Strings borrow from the source text unless they contain escapes, so reading a large
/// events file allocates little.
#[derive(Debug, Clone, PartialEq)]
pub enum Value<'a> {
    Null,
    Bool(bool),
    Num(f64),
    Str(Cow<'a, str>),
    Arr(Vec<Node<'a>>),
    /// Keys in source order; duplicates are a syntax error.
    Obj(Vec<(Cow<'a, str>, Node<'a>)>),
}

/// A value that owns its strings, for what outlives the text (rules, stored events).
pub type Owned = Value<'static>;

/// Where and why the text is not JSON.
#[derive(Debug, Clone, PartialEq)]
pub struct SyntaxError {
    pub offset: u32,
    pub message: &'static str,
    /// For duplicate keys: the key.
    pub key: Option<String>,
}

/// Nesting deeper than this is refused: rules and events are shallow, and a deep hostile
/// document must not exhaust the stack.
const MAX_DEPTH: u32 = 64;

pub fn parse(text: &str) -> Result<Node<'_>, SyntaxError> {
    let mut p = Parser {
        text,
        s: text.as_bytes(),
        i: 0,
    };
    p.ws();
    let node = p.value(0)?;
    p.ws();
    if p.i < p.s.len() {
        return Err(p.err("unexpected text after the JSON value"));
    }
    Ok(node)
}

/// Parses `text`, turning a syntax problem into the engine's [`Error`](crate::Error)
/// (`syntax`, or `duplicate_key`) with its line and column: how every surface reads JSON.
pub fn read(text: &str) -> Result<Node<'_>, crate::Error> {
    use crate::error::{Error, ErrorKind};
    parse(text).map_err(|e| {
        let kind = match e.key {
            Some(k) => ErrorKind::DuplicateKey(k),
            None => ErrorKind::Syntax(e.message),
        };
        Error::new(kind, "").at(text, e.offset)
    })
}

/// 1-based line and column (in characters) of a byte offset.
pub fn line_col(text: &str, offset: u32) -> (u32, u32) {
    let offset = (offset as usize).min(text.len());
    let before = &text.as_bytes()[..offset];
    let line = before.iter().filter(|&&b| b == b'\n').count() as u32 + 1;
    let line_start = before
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |p| p + 1);
    let col = slice(text, line_start, text.len())
        .char_indices()
        .take_while(|(i, _)| line_start + i < offset)
        .count() as u32
        + 1;
    (line, col)
}

/// Objects of up to this many keys find a duplicate key by scanning as each key is read;
/// a larger one (only hostile input has them) is checked once read, in O(n log n), so an
/// object of 100,000 keys is not ten billion comparisons.
const SCAN_KEYS: usize = 16;

/// Not in the site tag: what it reads (its rules, its own storage, its page's calls) comes
/// from the site's own origin, which can hang its own page anyway, and this would add
/// 0.8 KB gzip to every visitor's download. The CLI and servers read the internet's input.
const SORT_LARGE: bool = !cfg!(all(target_arch = "wasm32", not(feature = "playground")));

fn duplicate(offset: u32, key: Cow<'_, str>) -> SyntaxError {
    SyntaxError {
        offset,
        message: "duplicate key",
        key: Some(key.into_owned()),
    }
}

/// In an object of more than [`SCAN_KEYS`] keys, the first key (in text order) that
/// repeats an earlier one.
fn duplicate_in(fields: &[(Cow<'_, str>, Node<'_>)]) -> Option<usize> {
    if fields.len() <= SCAN_KEYS {
        return None;
    }
    let mut order: Vec<usize> = (0..fields.len()).collect();
    heap_sort(&mut order, |&a, &b| (&fields[a].0, a) < (&fields[b].0, b));
    order
        .windows(2)
        .filter(|w| fields[w[0]].0 == fields[w[1]].0)
        .map(|w| w[1])
        .min()
}

/// Sorts in place in O(n log n) whatever the input, without allocating; much smaller in
/// the browser build than the library's sorts.
fn heap_sort<T>(v: &mut [T], less: impl Fn(&T, &T) -> bool) {
    let sift = |v: &mut [T], mut root: usize, end: usize| loop {
        let mut child = 2 * root + 1;
        if child >= end {
            break;
        }
        if child + 1 < end && less(&v[child], &v[child + 1]) {
            child += 1;
        }
        if !less(&v[root], &v[child]) {
            break;
        }
        v.swap(root, child);
        root = child;
    };
    let n = v.len();
    for i in (0..n / 2).rev() {
        sift(v, i, n);
    }
    for end in (1..n).rev() {
        v.swap(0, end);
        sift(v, 0, end);
    }
}

struct Parser<'a> {
    text: &'a str,
    s: &'a [u8],
    i: usize,
}

impl<'a> Parser<'a> {
    fn err(&self, message: &'static str) -> SyntaxError {
        SyntaxError {
            offset: self.i as u32,
            message,
            key: None,
        }
    }

    fn ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.s.get(self.i) {
            self.i += 1;
        }
    }

    fn value(&mut self, depth: u32) -> Result<Node<'a>, SyntaxError> {
        if depth > MAX_DEPTH {
            return Err(self.err("nesting is too deep"));
        }
        let at = self.i as u32;
        let value = match self.s.get(self.i) {
            None => return Err(self.err("unexpected end of input")),
            Some(b'{') => self.object(depth)?,
            Some(b'[') => self.array(depth)?,
            Some(b'"') => Value::Str(self.string()?),
            Some(b't') => self.word(b"true", Value::Bool(true))?,
            Some(b'f') => self.word(b"false", Value::Bool(false))?,
            Some(b'n') => self.word(b"null", Value::Null)?,
            Some(b'-' | b'0'..=b'9') => Value::Num(self.number()?),
            Some(_) => return Err(self.err("expected a JSON value")),
        };
        Ok(Node {
            value,
            at,
            end: self.i as u32,
        })
    }

    fn word(&mut self, w: &[u8], v: Value<'a>) -> Result<Value<'a>, SyntaxError> {
        if self.s[self.i..].starts_with(w) {
            self.i += w.len();
            Ok(v)
        } else {
            Err(self.err("expected a JSON value"))
        }
    }

    fn object(&mut self, depth: u32) -> Result<Value<'a>, SyntaxError> {
        self.i += 1;
        // Events have about six fields: no regrowth on the hot path of a batch.
        let mut fields: Vec<(Cow<'a, str>, Node<'a>)> = Vec::with_capacity(8);
        // Where each key starts, for a duplicate found once the object is read.
        let mut first_ats = [0u32; SCAN_KEYS];
        let mut more_ats = Vec::new();
        self.ws();
        if self.s.get(self.i) == Some(&b'}') {
            self.i += 1;
            return Ok(Value::Obj(fields));
        }
        loop {
            self.ws();
            if self.s.get(self.i) != Some(&b'"') {
                return Err(self.err("expected a key in double quotes"));
            }
            let key_at = self.i as u32;
            let key = self.string()?;
            if SORT_LARGE && fields.len() >= SCAN_KEYS {
                more_ats.push(key_at);
            } else {
                if fields.iter().any(|(k, _)| *k == key) {
                    return Err(duplicate(key_at, key));
                }
                if let Some(at) = first_ats.get_mut(fields.len()) {
                    *at = key_at;
                }
            }
            self.ws();
            if self.s.get(self.i) != Some(&b':') {
                return Err(self.err("expected ':' after the key"));
            }
            self.i += 1;
            self.ws();
            let v = self.value(depth + 1)?;
            fields.push((key, v));
            self.ws();
            match self.s.get(self.i) {
                Some(b',') => self.i += 1,
                Some(b'}') => {
                    self.i += 1;
                    let repeated = if SORT_LARGE {
                        duplicate_in(&fields)
                    } else {
                        None
                    };
                    if let Some(j) = repeated {
                        let at = first_ats.get(j).or(more_ats.get(j - SCAN_KEYS));
                        let key = fields.swap_remove(j).0;
                        return Err(duplicate(at.copied().unwrap_or(0), key));
                    }
                    return Ok(Value::Obj(fields));
                }
                _ => return Err(self.err("expected ',' or '}'")),
            }
        }
    }

    fn array(&mut self, depth: u32) -> Result<Value<'a>, SyntaxError> {
        self.i += 1;
        let mut items = Vec::new();
        self.ws();
        if self.s.get(self.i) == Some(&b']') {
            self.i += 1;
            return Ok(Value::Arr(items));
        }
        loop {
            self.ws();
            items.push(self.value(depth + 1)?);
            self.ws();
            match self.s.get(self.i) {
                Some(b',') => self.i += 1,
                Some(b']') => {
                    self.i += 1;
                    return Ok(Value::Arr(items));
                }
                _ => return Err(self.err("expected ',' or ']'")),
            }
        }
    }

    fn string(&mut self) -> Result<Cow<'a, str>, SyntaxError> {
        self.i += 1;
        let start = self.i;
        // Fast path: no escapes. The input is a &str and quotes are ASCII, so the run
        // between them is on char boundaries: borrow it.
        let run = self.s[start..]
            .iter()
            .position(|&b| b == b'"' || b == b'\\' || b < 0x20)
            .unwrap_or(self.s.len() - start);
        self.i = start + run;
        if self.s.get(self.i) == Some(&b'"') {
            let out = slice(self.text, start, self.i);
            self.i += 1;
            return Ok(Cow::Borrowed(out));
        }
        let mut out: Vec<u8> = self.s[start..self.i].to_vec();
        loop {
            match self.s.get(self.i) {
                None => return Err(self.err("unterminated string")),
                Some(b'"') => {
                    self.i += 1;
                    return String::from_utf8(out)
                        .map(Cow::Owned)
                        .map_err(|_| self.err("invalid UTF-8"));
                }
                Some(b'\\') => {
                    self.i += 1;
                    let c = match self.s.get(self.i) {
                        Some(b'"') => '"',
                        Some(b'\\') => '\\',
                        Some(b'/') => '/',
                        Some(b'b') => '\u{8}',
                        Some(b'f') => '\u{c}',
                        Some(b'n') => '\n',
                        Some(b'r') => '\r',
                        Some(b't') => '\t',
                        Some(b'u') => self.unicode_escape()?,
                        _ => return Err(self.err("invalid escape")),
                    };
                    self.i += 1;
                    let mut buf = [0u8; 4];
                    out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
                }
                Some(0..=0x1f) => return Err(self.err("control character in a string")),
                Some(&b) => {
                    out.push(b);
                    self.i += 1;
                }
            }
        }
    }

    /// Reads `uXXXX` (and a following low surrogate); leaves `i` on the last hex digit.
    fn unicode_escape(&mut self) -> Result<char, SyntaxError> {
        let hi = self.hex4(self.i + 1)?;
        self.i += 4;
        if (0xD800..0xDC00).contains(&hi) {
            if self.s.get(self.i + 1) == Some(&b'\\') && self.s.get(self.i + 2) == Some(&b'u') {
                let lo = self.hex4(self.i + 3)?;
                if (0xDC00..0xE000).contains(&lo) {
                    self.i += 6;
                    let c = 0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00);
                    return char::from_u32(c).ok_or_else(|| self.err("invalid \\u escape"));
                }
            }
            return Ok('\u{FFFD}');
        }
        Ok(char::from_u32(hi).unwrap_or('\u{FFFD}'))
    }

    fn hex4(&self, at: usize) -> Result<u32, SyntaxError> {
        let digits = self
            .s
            .get(at..at + 4)
            .ok_or_else(|| self.err("invalid \\u escape"))?;
        let mut v = 0u32;
        for &d in digits {
            let x = (d as char)
                .to_digit(16)
                .ok_or_else(|| self.err("invalid \\u escape"))?;
            v = v * 16 + x;
        }
        Ok(v)
    }

    fn number(&mut self) -> Result<f64, SyntaxError> {
        let start = self.i;
        if self.s[self.i] == b'-' {
            self.i += 1;
        }
        match self.s.get(self.i) {
            Some(b'0') => self.i += 1,
            Some(b'1'..=b'9') => self.digits(),
            _ => return Err(self.err("invalid number")),
        }
        if self.s.get(self.i) == Some(&b'.') {
            self.i += 1;
            if !matches!(self.s.get(self.i), Some(b'0'..=b'9')) {
                return Err(self.err("invalid number"));
            }
            self.digits();
        }
        if let Some(b'e' | b'E') = self.s.get(self.i) {
            self.i += 1;
            if let Some(b'+' | b'-') = self.s.get(self.i) {
                self.i += 1;
            }
            if !matches!(self.s.get(self.i), Some(b'0'..=b'9')) {
                return Err(self.err("invalid number"));
            }
            self.digits();
        }
        Ok(number::parse(slice(self.text, start, self.i)))
    }

    fn digits(&mut self) {
        while let Some(b'0'..=b'9') = self.s.get(self.i) {
            self.i += 1;
        }
    }
}

impl<'a> Node<'a> {
    pub fn get(&self, key: &str) -> Option<&Node<'a>> {
        match &self.value {
            Value::Obj(fields) => fields.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }
    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }
    pub fn to_owned_node(&self) -> Node<'static> {
        Node {
            value: self.value.to_owned_value(),
            at: self.at,
            end: self.end,
        }
    }
    pub fn as_f64(&self) -> Option<f64> {
        match self.value {
            Value::Num(n) => Some(n),
            _ => None,
        }
    }
}

impl Value<'_> {
    /// The same value with its strings copied, detached from the source text.
    pub fn to_owned_value(&self) -> Owned {
        match self {
            Value::Null => Value::Null,
            Value::Bool(b) => Value::Bool(*b),
            Value::Num(n) => Value::Num(*n),
            Value::Str(s) => Value::Str(Cow::Owned(s.to_string())),
            Value::Arr(items) => Value::Arr(items.iter().map(Node::to_owned_node).collect()),
            Value::Obj(f) => Value::Obj(
                f.iter()
                    .map(|(k, v)| (Cow::Owned(k.to_string()), v.to_owned_node()))
                    .collect(),
            ),
        }
    }

    /// A short name of the JSON type, for messages.
    pub fn kind(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Bool(_) => "a boolean",
            Value::Num(_) => "a number",
            Value::Str(_) => "a string",
            Value::Arr(_) => "an array",
            Value::Obj(_) => "an object",
        }
    }
}

/// Appends `s` as a JSON string literal.
pub fn write_str(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => {
                const HEX: &[u8; 16] = b"0123456789abcdef";
                out.push_str("\\u00");
                out.push(HEX[(c as usize) >> 4] as char);
                out.push(HEX[(c as usize) & 15] as char);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// `&s[from..to]` without the panic path: `str` indexing brings its boundary-error
/// formatting into the wasm, and every caller here slices at ASCII delimiters anyway.
pub(crate) fn slice(s: &str, from: usize, to: usize) -> &str {
    s.get(from..to).unwrap_or("")
}

/// Appends a finite number the way JavaScript's JSON.stringify would read it back:
/// the shortest text that round-trips to the same f64.
#[cfg(not(all(target_arch = "wasm32", not(feature = "playground"))))]
pub fn write_num(out: &mut String, n: f64) {
    use core::fmt::Write;
    if n.is_finite() {
        let _ = write!(out, "{n}");
    } else {
        out.push_str("null");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_remembers_offsets() {
        let n = parse("{\"a\": [1, -2.5e1, \"x\\u00e9\"], \"b\": null}").unwrap();
        let a = n.get("a").unwrap();
        assert_eq!(a.at, 6);
        match &a.value {
            Value::Arr(items) => {
                assert_eq!(items[1].as_f64(), Some(-25.0));
                assert_eq!(items[2].as_str(), Some("xé"));
            }
            _ => panic!(),
        }
    }

    #[test]
    fn finds_a_duplicate_key_in_a_large_object_at_the_key() {
        let keys: Vec<String> = (0..40).map(|i| format!("\"k{i}\": {i}")).collect();
        let mut text = format!("{{{}}}", keys.join(", "));
        assert!(parse(&text).is_ok());
        for dup in ["k3", "k39"] {
            text = text.replacen("\"k30\"", &format!("\"{dup}\""), 1);
            let e = parse(&text).unwrap_err();
            assert_eq!(e.key.as_deref(), Some(dup));
            // The later of the two, whichever was edited in.
            let at = text.rfind(&format!("\"{dup}\"")).unwrap();
            assert_eq!(e.offset as usize, at);
            text = text.replacen(&format!("\"{dup}\": 30"), "\"k30\": 30", 1);
        }
        let mut v: Vec<u32> = (0..1000).map(|i| (i * 7919) % 1009).collect();
        heap_sort(&mut v, |a, b| a < b);
        assert!(v.windows(2).all(|w| w[0] <= w[1]));
    }

    #[test]
    fn reports_line_and_column() {
        let text = "{\n  \"a\": 1,\n  \"b\": tru\n}";
        let e = parse(text).unwrap_err();
        assert_eq!(line_col(text, e.offset), (3, 8));
    }

    #[test]
    fn refuses_duplicates_depth_and_trailing_text() {
        assert_eq!(
            parse("{\"a\":1,\"a\":2}").unwrap_err().key.as_deref(),
            Some("a")
        );
        assert!(parse(&"[".repeat(100)).is_err());
        assert!(parse("1 2").is_err());
        assert!(parse("01").is_err());
        assert!(parse("\"\u{1}\"").is_err());
    }

    #[test]
    fn surrogate_pairs_and_escapes_round_trip() {
        let n = parse("\"\\ud83d\\ude00 \\\"q\\\"\"").unwrap();
        assert_eq!(n.as_str(), Some("😀 \"q\""));
        let mut out = String::new();
        write_str(&mut out, "a\"b\\c\n\u{1}");
        assert_eq!(out, "\"a\\\"b\\\\c\\n\\u0001\"");
        assert_eq!(parse(&out).unwrap().as_str(), Some("a\"b\\c\n\u{1}"));
    }

    #[test]
    fn numbers_print_shortest() {
        let mut out = String::new();
        write_num(&mut out, 40.00020056502934);
        out.push(' ');
        write_num(&mut out, 20.0);
        assert_eq!(out, "40.00020056502934 20");
    }
}
