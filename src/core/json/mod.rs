//! A small JSON reader that keeps the byte offset of every value, and the writing helpers.
//!
//! We read JSON ourselves rather than through serde_json so that every validation problem
//! can name its line and column, duplicate keys can be refused, hostile nesting is bounded,
//! and the browser build carries no general-purpose JSON machinery.

use crate::prelude::*;
use crate::text::slice;

/// A parsed value and the byte offset where it starts in the source text.
use alloc::borrow::Cow;

pub(crate) mod number;
mod position;
#[cfg(feature = "std")]
mod problem;
pub use position::{key_at, Positions};

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

/// Where and why the text is not JSON (or not JSON this reader accepts).
#[derive(Debug, Clone, PartialEq)]
pub struct SyntaxError {
    pub offset: u32,
    pub message: &'static str,
    /// For duplicate keys: the key.
    pub key: Option<String>,
    /// A number beyond the finite doubles (`1e400`): JSON's grammar allows it, but no
    /// number in leadscore may be infinite.
    pub out_of_range: bool,
    /// JSON path of the value being read when the problem was found (`rules[3].when`),
    /// or of the duplicated key; empty at the top level.
    pub path: String,
}

/// Nesting deeper than this is refused: rules and events are shallow, and a deep hostile
/// document must not exhaust the stack.
pub const MAX_DEPTH: u32 = 64;

/// Objects with more keys than this find duplicates by sorting rather than by scanning, so
/// a hostile object with a million keys stays near-linear.
const SCAN_KEYS: usize = 16;

/// Parses `text`; a number too large for a double (`1e400`) is an error.
pub fn parse(text: &str) -> Result<Node<'_>, SyntaxError> {
    parse_with(text, false)
}

/// Parses `text`, reading a number too large for a double as ±infinity instead of
/// failing, for readers that check each item and keep the good ones (stored state): the
/// item holding it is then refused on its own.
pub fn parse_lenient(text: &str) -> Result<Node<'_>, SyntaxError> {
    parse_with(text, true)
}

fn parse_with(text: &str, lenient: bool) -> Result<Node<'_>, SyntaxError> {
    let mut p = Parser {
        text,
        s: text.as_bytes(),
        i: 0,
        lenient,
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
    parse(text).map_err(|e| e.into_error(text))
}

impl SyntaxError {
    /// The engine's error: `duplicate_key`, `out_of_range` or `syntax`, with the path and
    /// the line and column in `text`.
    pub fn into_error(self, text: &str) -> crate::Error {
        use crate::error::{Error, ErrorKind};
        let kind = match self.key {
            Some(k) => ErrorKind::DuplicateKey(k),
            None if self.out_of_range => ErrorKind::OutOfRange(self.message),
            None => ErrorKind::Syntax(self.message),
        };
        Error::new(kind, self.path).at(text, self.offset)
    }

    /// Unwinding out of the value at `key` of an object: the path gains that key.
    fn inside_key(mut self, key: &str) -> Self {
        self.path = crate::error::within(&crate::error::join("", key), &self.path);
        self
    }

    /// Unwinding out of item `i` of an array.
    fn inside_index(mut self, i: usize) -> Self {
        self.path = crate::error::within(&crate::error::at_index("", i), &self.path);
        self
    }
}

struct Parser<'a> {
    text: &'a str,
    s: &'a [u8],
    i: usize,
    /// Read numbers beyond the doubles as infinities (see [`parse_lenient`]).
    lenient: bool,
}

impl<'a> Parser<'a> {
    fn err(&self, message: &'static str) -> SyntaxError {
        SyntaxError {
            offset: self.i as u32,
            message,
            key: None,
            out_of_range: false,
            path: String::new(),
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
            // Small objects (nearly all) scan; large ones are checked once, at the end.
            if fields.len() < SCAN_KEYS && fields.iter().any(|(k, _)| *k == key) {
                return Err(duplicate(key_at, key.into_owned()));
            }
            self.ws();
            if self.s.get(self.i) != Some(&b':') {
                return Err(self.err("expected ':' after the key"));
            }
            self.i += 1;
            self.ws();
            let v = self.value(depth + 1).map_err(|e| e.inside_key(&key))?;
            fields.push((key, v));
            self.ws();
            match self.s.get(self.i) {
                Some(b',') => self.i += 1,
                Some(b'}') => {
                    self.i += 1;
                    if fields.len() > SCAN_KEYS {
                        self.no_duplicates(&fields)?;
                    }
                    return Ok(Value::Obj(fields));
                }
                _ => return Err(self.err("expected ',' or '}'")),
            }
        }
    }

    /// The first repeated key of a large object (in source order), by sorting the keys.
    fn no_duplicates(&self, fields: &[(Cow<'a, str>, Node<'a>)]) -> Result<(), SyntaxError> {
        let repeat = crate::sort::repeats(fields.len(), &|i| fields[i].0.as_ref());
        match repeat.first() {
            None => Ok(()),
            Some(&i) => {
                let (k, v) = &fields[i];
                Err(duplicate(key_at(self.text, v.at), k.to_string()))
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
            let i = items.len();
            items.push(self.value(depth + 1).map_err(|e| e.inside_index(i))?);
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
        let n = number::parse(slice(self.text, start, self.i));
        if !n.is_finite() && !self.lenient {
            self.i = start;
            let mut e = self.err("a number beyond the largest double (about 1.8e308)");
            e.out_of_range = true;
            return Err(e);
        }
        Ok(n)
    }

    fn digits(&mut self) {
        while let Some(b'0'..=b'9') = self.s.get(self.i) {
            self.i += 1;
        }
    }
}

fn duplicate(offset: u32, key: String) -> SyntaxError {
    SyntaxError {
        offset,
        message: "duplicate key",
        path: crate::error::join("", &key),
        key: Some(key),
        out_of_range: false,
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

/// Appends a finite number the way JavaScript's JSON.stringify would read it back:
/// the shortest text that round-trips to the same f64.
#[cfg(feature = "std")]
pub fn write_num(out: &mut String, n: f64) {
    use core::fmt::Write;
    if n.is_finite() {
        let _ = write!(out, "{n}");
    } else {
        out.push_str("null");
    }
}

/// Appends a value as compact JSON text (keys in order), as JavaScript's JSON.stringify
/// writes it save for the spelling of some numbers (`1e21` as digits).
#[cfg(feature = "std")]
pub fn write_value(out: &mut String, v: &Value<'_>) {
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Num(n) => write_num(out, *n),
        Value::Str(s) => write_str(out, s),
        Value::Arr(items) => {
            out.push('[');
            for (i, n) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_value(out, &n.value);
            }
            out.push(']');
        }
        Value::Obj(fields) => {
            out.push('{');
            for (i, (k, n)) in fields.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_str(out, k);
                out.push(':');
                write_value(out, &n.value);
            }
            out.push('}');
        }
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
    }

    #[test]
    fn reports_line_and_column() {
        let text = "{\n  \"a\": 1,\n  \"b\": tru\n}";
        let e = parse(text).unwrap_err();
        assert_eq!(crate::text::line_col(text, e.offset), (3, 8));
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
