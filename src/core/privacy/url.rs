//! Event URLs without personal data. A URL is cleaned piece by piece, each piece judged by
//! its value in every percent-decoding (see [`super::detect`]) and, for parameters, by its
//! key: the user name and password before the host are removed; a path segment holding an
//! address or a phone number becomes `redacted` (so `/u/*/settings` still matches); a
//! query parameter whose key or value is personal is removed; a fragment holding any is
//! removed. A URL without personal data is kept byte for byte.

use crate::prelude::*;
use alloc::borrow::Cow;

use crate::text::slice;

use super::detect::{any_decoding, has_profile, personal_key, personal_text};

/// What a personal path segment is replaced by.
pub const REDACTED: &str = "redacted";

/// `url` without personal data; borrowed when there was none.
pub fn clean_url(url: &str) -> Cow<'_, str> {
    let (head, rest) = split_authority(url);
    let (rest, fragment) = split_at(rest, b'#');
    let (path, query) = split_at(rest, b'?');

    let mut out = String::with_capacity(url.len());
    let mut changed = clean_head(head, &mut out);
    changed |= clean_path(path, &mut out);
    if let Some(query) = query {
        changed |= clean_query(query, &mut out);
    }
    if let Some(fragment) = fragment {
        if personal_fragment(fragment) {
            changed = true;
        } else {
            out.push('#');
            out.push_str(fragment);
        }
    }
    if changed {
        Cow::Owned(out)
    } else {
        Cow::Borrowed(url)
    }
}

/// `scheme://authority` (or `//authority`, or nothing for a bare path) and the rest.
fn split_authority(url: &str) -> (&str, &str) {
    let b = url.as_bytes();
    let scheme = b
        .iter()
        .position(|&c| !(c.is_ascii_alphanumeric() || c == b'+' || c == b'-' || c == b'.'));
    let from = match scheme {
        Some(i) if i > 0 && b[i..].starts_with(b"://") => i + 3,
        _ if b.starts_with(b"//") => 2,
        _ => return ("", url),
    };
    let end = from
        + b[from..]
            .iter()
            .position(|&c| c == b'/' || c == b'?' || c == b'#')
            .unwrap_or(b.len() - from);
    (slice(url, 0, end), slice(url, end, url.len()))
}

/// Copies the scheme and host, leaving out `user:password@`.
fn clean_head(head: &str, out: &mut String) -> bool {
    // Byte search: a `str` pattern search would bring str slicing's panic path into the tag.
    let start = head
        .as_bytes()
        .windows(2)
        .position(|w| w == b"//")
        .map_or(0, |i| i + 2);
    match head
        .bytes()
        .rposition(|c| c == b'@')
        .filter(|&at| at >= start)
    {
        Some(at) => {
            out.push_str(slice(head, 0, start));
            out.push_str(slice(head, at + 1, head.len()));
            true
        }
        None => {
            out.push_str(head);
            false
        }
    }
}

fn clean_path(path: &str, out: &mut String) -> bool {
    // A profile link written into the path spans segments (`/share/https://x.com/jane`).
    if any_decoding(path.as_bytes(), has_profile) {
        out.push('/');
        out.push_str(REDACTED);
        return true;
    }
    let mut changed = false;
    for (i, seg) in pieces(path, |c| c == b'/').enumerate() {
        if i > 0 {
            out.push('/');
        }
        if personal_text(seg) {
            out.push_str(REDACTED);
            changed = true;
        } else {
            out.push_str(seg);
        }
    }
    changed
}

fn clean_query(query: &str, out: &mut String) -> bool {
    let mut changed = false;
    let mut first = true;
    for param in pieces(query, |c| c == b'&') {
        let (k, v) = split_at(param, b'=');
        let v = v.unwrap_or("");
        if personal_key(k) || personal_text(k) || personal_text(v) {
            changed = true;
            continue;
        }
        out.push(if first { '?' } else { '&' });
        out.push_str(param);
        first = false;
    }
    if first && !changed {
        out.push('?'); // an empty query stays as it was
    }
    changed
}

/// A fragment with personal data in its text or a `key=value` with a personal key
/// (`#/u?email=…`, `#access_token=…`).
fn personal_fragment(fragment: &str) -> bool {
    personal_text(fragment)
        || pieces(fragment, |c| matches!(c, b'&' | b'?' | b';' | b'/' | b'#'))
            .filter_map(|p| match split_at(p, b'=') {
                (k, Some(_)) => Some(k),
                _ => None,
            })
            .any(personal_key)
}

/// `s` before and after the first `c`. Byte scans here and in [`pieces`] rather than `str`
/// patterns: the separators are ASCII, and the tag then ships no char searchers.
fn split_at(s: &str, c: u8) -> (&str, Option<&str>) {
    match s.bytes().position(|b| b == c) {
        Some(i) => (slice(s, 0, i), Some(slice(s, i + 1, s.len()))),
        None => (s, None),
    }
}

/// The pieces of `s` between the bytes `sep` accepts.
fn pieces(s: &str, sep: fn(u8) -> bool) -> impl Iterator<Item = &str> {
    let base = s.as_ptr() as usize;
    s.as_bytes().split(move |&c| sep(c)).map(move |p| {
        let at = p.as_ptr() as usize - base;
        slice(s, at, at + p.len())
    })
}
