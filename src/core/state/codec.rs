//! The compact binary form of stored state (format version 2), meant to replace the
//! `{"v":1,…}` text so that the tag's wasm needs no JSON reader for state: events cross
//! and are kept as typed values (the same [`Node`] tree the JSON reader makes, so the
//! rules' event checks read them unchanged), written as bytes and stored as base64.
//! The tag's JavaScript writes events in this form too (www/tag/values.js), so the wasm
//! reads an event with [`read_value`], never with the JSON reader.
//!
//! Layout, all lengths and counts LEB128 varints:
//! - state: `b"LS"`, the version byte `2`, the number of events, then per event its id
//!   (length, UTF-8) and its value (an object);
//! - value: a tag byte, `0` null, `1` false, `2` true, `3` a number (8 bytes, f64
//!   little-endian), `4` a string (length, UTF-8), `5` an array (count, values), `6` an
//!   object (count, then per field its key as a string without the tag, and its value).
//!
//! Reading is hostile-safe: every length and count is checked against the bytes left
//! (each item takes at least one byte), nesting stops at [`MAX_DEPTH`], numbers must be
//! finite, strings valid UTF-8; so the time and memory are linear in the input, and a
//! problem is an [`Error`] (`invalid_value`) naming the event (`events[3]`). An object
//! with a repeated key is unreadable, as it is in JSON.

use crate::prelude::*;
use alloc::borrow::Cow;

use crate::error::{at_index, Error, ErrorKind};
use crate::json::{Node, Value, MAX_DEPTH};

/// The format version written after the magic bytes.
pub const BINARY_VERSION: u8 = 2;
const MAGIC: &[u8] = b"LS";
/// The most room reserved from a count before its items are read (see `read_state`).
const PREALLOC: usize = 16;

/// One stored event: its id ("" when unknown) and its value.
pub type Stored = (String, Node<'static>);

/// The same, borrowed from the state's bytes.
pub type Borrowed<'b> = (&'b str, Node<'b>);

/// The bytes of a state holding `events`.
pub fn encode_state(events: &[Stored]) -> Vec<u8> {
    let mut out = Vec::with_capacity(16 + 64 * events.len());
    out.extend_from_slice(MAGIC);
    out.push(BINARY_VERSION);
    varint(&mut out, events.len());
    for (id, node) in events {
        text(&mut out, id);
        encode_value(&node.value, &mut out);
    }
    out
}

/// The bytes of one value.
pub fn encode(v: &Value<'_>) -> Vec<u8> {
    let mut out = Vec::new();
    encode_value(v, &mut out);
    out
}

/// The bytes of a JSON text's value (the command line's and the tests' way in).
#[cfg(feature = "std")]
pub fn from_json(text: &str) -> Result<Vec<u8>, Error> {
    Ok(encode(&crate::json::read(text)?.value))
}

/// Appends the bytes of one value.
pub fn encode_value(v: &Value<'_>, out: &mut Vec<u8>) {
    match v {
        Value::Null => out.push(0),
        Value::Bool(b) => out.push(1 + *b as u8),
        Value::Num(n) => {
            out.push(3);
            out.extend_from_slice(&n.to_le_bytes());
        }
        Value::Str(s) => {
            out.push(4);
            text(out, s);
        }
        Value::Arr(items) => {
            out.push(5);
            varint(out, items.len());
            items.iter().for_each(|n| encode_value(&n.value, out));
        }
        Value::Obj(fields) => {
            out.push(6);
            varint(out, fields.len());
            for (k, n) in fields {
                text(out, k);
                encode_value(&n.value, out);
            }
        }
    }
}

/// Reads a state. A wrong magic or version, or bytes that end early or hold something
/// unreadable at the top, is an error for the whole; an unreadable event stops the
/// reading there (what follows cannot be located), keeping the events before it, with
/// the problem naming that event.
pub fn decode_state(bytes: &[u8]) -> Result<(Vec<Stored>, Option<Error>), Error> {
    let (events, problem) = read_state(bytes)?;
    let owned = events
        .into_iter()
        .map(|(id, node)| (id.to_string(), unplaced(node.value.to_owned_value())))
        .collect();
    Ok((owned, problem))
}

/// [`decode_state`] without copying: ids and strings borrow from `bytes`, and each
/// event's `at..end` is where its value's bytes are, so they can be kept as they are.
pub fn read_state(bytes: &[u8]) -> Result<(Vec<Borrowed<'_>>, Option<Error>), Error> {
    let bad = |m: &'static str| Error::new(ErrorKind::InvalidValue(m), "");
    if bytes.get(..2) != Some(MAGIC) {
        return Err(bad("not leadscore state"));
    }
    if bytes.get(2) != Some(&BINARY_VERSION) {
        return Err(bad("leadscore state of an unknown version"));
    }
    let mut r = Reader { b: bytes, i: 3 };
    let n = r.count().ok_or_else(|| bad("truncated state"))?;
    // Room grows as items are read, never from a count alone: every nesting level holds
    // its vector at once, so counts sized up front (each checked only against the bytes
    // left) could claim 64 times the input's size.
    let mut events = Vec::with_capacity(n.min(PREALLOC));
    for i in 0..n {
        let item = r.text().and_then(|id| Some((id, r.value(0)?)));
        match item {
            Some((id, node)) if matches!(node.value, Value::Obj(_)) => events.push((id, node)),
            _ => {
                let e = Error::new(
                    ErrorKind::InvalidValue("an unreadable stored event"),
                    at_index("events", i),
                );
                return Ok((events, Some(e)));
            }
        }
    }
    Ok((events, None))
}

/// One value, the whole of `bytes` (what the tag's JavaScript encodes for an event):
/// borrowed, positions in `bytes`. None when it is not exactly one readable value.
pub fn read_value(bytes: &[u8]) -> Option<Node<'_>> {
    let mut r = Reader { b: bytes, i: 0 };
    let node = r.value(0)?;
    (r.i == bytes.len()).then_some(node)
}

/// The bytes of a list of encoded values (each as [`encode_value`] writes it) as one
/// array value: how the tag hands its stored events to JavaScript.
pub fn encode_array<'v>(values: impl ExactSizeIterator<Item = &'v [u8]>) -> Vec<u8> {
    let mut out = vec![5];
    varint(&mut out, values.len());
    for v in values {
        out.extend_from_slice(v);
    }
    out
}

fn unplaced(value: Value<'static>) -> Node<'static> {
    let value = match value {
        Value::Arr(items) => Value::Arr(items.into_iter().map(|n| unplaced(n.value)).collect()),
        Value::Obj(fields) => Value::Obj(
            fields
                .into_iter()
                .map(|(k, n)| (k, unplaced(n.value)))
                .collect(),
        ),
        v => v,
    };
    Node {
        value,
        at: 0,
        end: 0,
    }
}

/// Objects with more keys than this find duplicates by sorting rather than by scanning.
const SCAN_KEYS: usize = 16;

struct Reader<'b> {
    b: &'b [u8],
    i: usize,
}

impl<'b> Reader<'b> {
    fn byte(&mut self) -> Option<u8> {
        let b = *self.b.get(self.i)?;
        self.i += 1;
        Some(b)
    }

    fn varint(&mut self) -> Option<usize> {
        let mut n: u64 = 0;
        for shift in (0..64).step_by(7) {
            let b = self.byte()?;
            n |= ((b & 0x7f) as u64) << shift;
            if b < 0x80 {
                return usize::try_from(n).ok();
            }
        }
        None
    }

    /// A count of items, each at least one byte: never more than the bytes left.
    fn count(&mut self) -> Option<usize> {
        self.varint().filter(|&n| n <= self.b.len() - self.i)
    }

    fn text(&mut self) -> Option<&'b str> {
        let n = self.count()?;
        let s = core::str::from_utf8(self.b.get(self.i..self.i + n)?).ok()?;
        self.i += n;
        Some(s)
    }

    fn value(&mut self, depth: u32) -> Option<Node<'b>> {
        if depth > MAX_DEPTH {
            return None;
        }
        let at = self.i;
        let value = match self.byte()? {
            0 => Value::Null,
            1 => Value::Bool(false),
            2 => Value::Bool(true),
            3 => {
                let bytes: [u8; 8] = self.b.get(self.i..self.i + 8)?.try_into().ok()?;
                self.i += 8;
                Value::Num(Some(f64::from_le_bytes(bytes)).filter(|n| n.is_finite())?)
            }
            4 => Value::Str(Cow::Borrowed(self.text()?)),
            5 => {
                let n = self.count()?;
                let mut items = Vec::with_capacity(n.min(PREALLOC));
                for _ in 0..n {
                    items.push(self.value(depth + 1)?);
                }
                Value::Arr(items)
            }
            6 => {
                let n = self.count()?;
                let mut fields: Vec<(Cow<'b, str>, Node<'b>)> = Vec::with_capacity(n.min(PREALLOC));
                for _ in 0..n {
                    let k = self.text()?;
                    // Duplicate keys are refused, as the JSON reader refuses them: what the
                    // tag scores and what JavaScript hands on must be the same object.
                    if n <= SCAN_KEYS && fields.iter().any(|f| f.0 == k) {
                        return None;
                    }
                    fields.push((Cow::Borrowed(k), self.value(depth + 1)?));
                }
                if n > SCAN_KEYS && !crate::sort::repeats(n, &|i| fields[i].0.as_ref()).is_empty() {
                    return None;
                }
                Value::Obj(fields)
            }
            _ => return None,
        };
        Some(Node {
            value,
            at: at as u32,
            end: self.i as u32,
        })
    }
}

pub(crate) fn varint(out: &mut Vec<u8>, mut n: usize) {
    while n >= 0x80 {
        out.push((n as u8) | 0x80);
        n >>= 7;
    }
    out.push(n as u8);
}

pub(crate) fn text(out: &mut Vec<u8>, s: &str) {
    varint(out, s.len());
    out.extend_from_slice(s.as_bytes());
}

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Standard base64 with padding, what `localStorage` holds.
pub fn base64_encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, &b)| n | (b as u32) << (16 - 8 * i));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(B64[(n >> (18 - 6 * i)) as usize & 63] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// The bytes of base64 text (padding optional); None when it is not base64.
pub fn base64_decode(text: &str) -> Option<Vec<u8>> {
    let body = text.trim_end_matches('=');
    if text.len() - body.len() > 2 || body.len() % 4 == 1 {
        return None;
    }
    crate::payload::sextets_to_bytes(body, false)
}
