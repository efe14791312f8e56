//! Where things are in a JSON text: the line and column of a byte offset (one at a time,
//! or many through a line index), and the key that belongs to a value.

use crate::prelude::*;

/// Byte offset of the key whose value starts at `value_at`: problems about a key (an
/// unknown field, a key not allowed here) point at the key, not at its value. Walks back
/// over `"key" :` (keys are kept without their offsets, which most readers never need).
pub fn key_at(text: &str, value_at: u32) -> u32 {
    let s = text.as_bytes();
    let ws = |b: u8| matches!(b, b' ' | b'\t' | b'\n' | b'\r');
    let mut i = (value_at as usize).min(s.len());
    while i > 0 && ws(s[i - 1]) {
        i -= 1;
    }
    if i == 0 || s[i - 1] != b':' {
        return value_at;
    }
    i -= 1;
    while i > 0 && ws(s[i - 1]) {
        i -= 1;
    }
    if i == 0 || s[i - 1] != b'"' {
        return value_at;
    }
    // The closing quote is at i - 1. Inside a key every quote is escaped, i.e. preceded by
    // an odd run of backslashes; the opening quote is the first one that is not.
    let mut j = i - 1;
    while j > 0 {
        j -= 1;
        if s[j] == b'"' {
            let run = s[..j].iter().rev().take_while(|&&b| b == b'\\').count();
            if run % 2 == 0 {
                return j as u32;
            }
        }
    }
    value_at
}

/// Line and column of many offsets in one text, each in time independent of the text's
/// size: a document with 100,000 problems on one minified line must not be re-scanned
/// from its start for each.
pub struct Positions {
    /// Byte offset where each line starts.
    lines: Vec<u32>,
    /// UTF-8 continuation bytes before each multiple of [`STRIDE`].
    cont: Vec<u32>,
}

const STRIDE: usize = 256;

impl Positions {
    pub fn new(text: &str) -> Positions {
        let s = text.as_bytes();
        let mut lines = vec![0u32];
        let mut cont = Vec::with_capacity(s.len() / STRIDE + 1);
        let mut n = 0u32;
        for (i, &b) in s.iter().enumerate() {
            if i % STRIDE == 0 {
                cont.push(n);
            }
            if b == b'\n' {
                lines.push(i as u32 + 1);
            }
            n += (b & 0xC0 == 0x80) as u32;
        }
        Positions { lines, cont }
    }

    /// Continuation bytes before `offset`.
    fn cont_before(&self, s: &[u8], offset: usize) -> u32 {
        let k = offset / STRIDE;
        let base = self.cont.get(k).copied().unwrap_or(0);
        base + s[k * STRIDE..offset]
            .iter()
            .filter(|&&b| b & 0xC0 == 0x80)
            .count() as u32
    }

    /// 1-based line and column (in characters) of a byte offset.
    pub fn line_col(&self, text: &str, offset: u32) -> (u32, u32) {
        let s = text.as_bytes();
        let offset = (offset as usize).min(s.len());
        let line = self.lines.partition_point(|&l| l as usize <= offset);
        let start = self.lines[line - 1] as usize;
        let chars =
            (offset - start) as u32 - (self.cont_before(s, offset) - self.cont_before(s, start));
        (line as u32, chars + 1)
    }
}
