//! Compiled rules: the binary form `leadscore compile` writes and the site tag reads, so
//! the tag ships no JSON reader and a visitor's browser never meets a rules problem (they
//! are all reported at compile time, as `check` reports them).
//!
//! Layout (all integers little-endian):
//!
//! ```text
//! magic "LSCR" | format version u16 | payload length u32 | CRC-32 of the payload u32 | payload
//! ```
//!
//! The payload is the [`RuleSet`] after validation: names, numbers and indices, with
//! lists as a LEB128 count and their items, strings as a length and UTF-8 bytes, numbers
//! as a zigzag integer when they are one and the 8 bytes of the double otherwise (see
//! [`encode`] for the order). Globs travel as their pattern text and are compiled again
//! on reading. The `accounts` section is not carried: the tag does not use it.
//!
//! Reading is hostile-input safe: every count is checked against the bytes left before
//! anything is allocated, nesting is bounded, every index and number is checked against
//! what the JSON reader would have allowed, so a rule set read from here can do nothing a
//! validated one could not. Problems are [`ErrorKind::NotCompiled`], `FormatVersion`,
//! `Truncated`, `Corrupt` (checksum) and `BadContents`.

use crate::error::{Error, ErrorKind};
use crate::rules::RuleSet;

mod decode;
#[cfg(feature = "std")]
mod encode;

#[cfg(feature = "std")]
pub use encode::encode;

/// The first four bytes of every compiled rule set.
pub const MAGIC: [u8; 4] = *b"LSCR";
/// The payload layout's version; a reader refuses any other.
pub const FORMAT_VERSION: u16 = 1;
/// Magic, version, length, checksum.
pub const HEADER: usize = 14;

/// Reads compiled rules: the header first (what the bytes are, which version, whole and
/// undamaged), then the contents.
pub fn decode(bytes: &[u8]) -> Result<RuleSet, Error> {
    let payload = payload(bytes)?;
    decode::rule_set(payload)
}

/// The payload of well-formed compiled rules, or why the bytes are not that.
fn payload(bytes: &[u8]) -> Result<&[u8], Error> {
    let fail = |kind| Err(Error::new(kind, ""));
    let head = bytes.len().min(4);
    if bytes[..head] != MAGIC[..head] {
        return fail(ErrorKind::NotCompiled);
    }
    if bytes.len() < HEADER {
        return fail(ErrorKind::Truncated);
    }
    let version = u16::from_le_bytes([bytes[4], bytes[5]]);
    if version != FORMAT_VERSION {
        return fail(ErrorKind::FormatVersion {
            found: version,
            reads: FORMAT_VERSION,
        });
    }
    let len = u32_at(bytes, 6) as usize;
    let rest = &bytes[HEADER..];
    if rest.len() < len {
        return fail(ErrorKind::Truncated);
    }
    // Bytes beyond the stated length are damage too (two files concatenated, say).
    if rest.len() > len || crc32(rest) != u32_at(bytes, 10) {
        return fail(ErrorKind::Corrupt);
    }
    Ok(rest)
}

fn u32_at(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

/// CRC-32 (IEEE, as zlib and PNG), bitwise: a table would add 1 KB to the tag's wasm for
/// a payload of about a kilobyte.
pub fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in bytes {
        crc ^= b as u32;
        for _ in 0..8 {
            crc = (crc >> 1) ^ (0xEDB8_8320 & (crc & 1).wrapping_neg());
        }
    }
    !crc
}

/// Tags of the payload, shared by the writer and the reader.
pub(crate) mod tag {
    pub const WHEN_EVENT: u8 = 0;
    pub const WHEN_SEQUENCE: u8 = 1;
    pub const WHEN_TRAITS: u8 = 2;

    pub const FIELD_URL: u8 = 0;
    pub const FIELD_FORM: u8 = 1;
    pub const FIELD_PAGE: u8 = 2;
    pub const FIELD_PROP: u8 = 3;
    pub const FIELD_TRAIT: u8 = 4;

    pub const NULL: u8 = 0;
    pub const FALSE: u8 = 1;
    pub const TRUE: u8 = 2;
    pub const NUM: u8 = 3;
    pub const STR: u8 = 4;
    pub const ARR: u8 = 5;
    pub const OBJ: u8 = 6;

    /// A number: `zigzag(n) << 1` for an integer, else one of these and (for RAW) 8 bytes.
    pub const RAW: u64 = 1;
    pub const POS_INF: u64 = 3;
    pub const NEG_INF: u64 = 5;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc_matches_zlib() {
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
        assert_eq!(crc32(b""), 0);
    }
}
