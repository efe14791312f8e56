//! URL → page category: the path taken from a URL, and the case-insensitive globs of the
//! contract, compiled once when the rules load.

use crate::prelude::*;

use crate::text::slice;
use alloc::borrow::Cow;

/// Longest URL path we look at; a hostile megabyte-long URL is cut, not scanned.
pub const MAX_PATH: usize = 2048;

/// How `*` behaves: page patterns stop at `/`, form names and `matches` do not.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Flavor {
    Path,
    Text,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Tok {
    Lit(String),
    /// `*`: any run (without `/` for paths).
    Star,
    /// `**`: any run, `/` included.
    Any,
}

/// A compiled glob. The common shapes get a fast path; the rest use a linear-memory DP
/// so a hostile input can never make matching exponential.
#[derive(Debug, Clone, PartialEq)]
pub enum Glob {
    Exact(String),
    /// `/x/**`: `/x` itself or anything under `/x/`.
    Under(String),
    /// `prefix*` in text flavour (e.g. `demo*`).
    Prefix(String),
    /// Tokens, flavour, and for a path pattern ending in `/**` the same pattern without
    /// that ending (`/x/**` also matches `/x`), prepared once.
    General(Vec<Tok>, Flavor, Option<Vec<Tok>>),
}

impl Glob {
    pub fn compile(pattern: &str, flavor: Flavor) -> Result<Glob, &'static str> {
        if pattern.is_empty() {
            return Err("a pattern must not be empty");
        }
        let lower = pattern.to_ascii_lowercase();
        let mut p = lower.as_str();
        if flavor == Flavor::Path {
            if !p.starts_with('/') {
                return Err("a page pattern must start with '/'");
            }
            if crate::text::has(p, "***") {
                return Err("'***' is not a pattern; use '**'");
            }
            if p.len() > 1 && p.ends_with('/') {
                p = p.strip_suffix('/').unwrap_or(p);
            }
        }
        let mut toks = Vec::new();
        let mut lit = String::new();
        let mut chars = p.chars().peekable();
        while let Some(c) = chars.next() {
            if c == '*' {
                if !lit.is_empty() {
                    toks.push(Tok::Lit(core::mem::take(&mut lit)));
                }
                let double = chars.peek() == Some(&'*');
                if double {
                    chars.next();
                }
                let t = if double || flavor == Flavor::Text {
                    Tok::Any
                } else {
                    Tok::Star
                };
                // Adjacent stars mean nothing more than the widest of them.
                match toks.last_mut() {
                    Some(last @ Tok::Star) if t == Tok::Any => *last = Tok::Any,
                    Some(Tok::Star | Tok::Any) => {}
                    _ => toks.push(t),
                }
            } else {
                lit.push(c);
            }
        }
        if !lit.is_empty() {
            toks.push(Tok::Lit(lit));
        }
        Ok(match toks.as_slice() {
            [Tok::Lit(l)] => Glob::Exact(l.clone()),
            [Tok::Lit(l), Tok::Any]
                if flavor == Flavor::Path && l.ends_with('/') && l.len() > 1 =>
            {
                Glob::Under(l.strip_suffix('/').unwrap_or(l).to_string())
            }
            [Tok::Lit(l), Tok::Any] if flavor == Flavor::Text => Glob::Prefix(l.clone()),
            _ => {
                let short = match toks.as_slice() {
                    [.., Tok::Lit(l), Tok::Any] if flavor == Flavor::Path && l.ends_with('/') => {
                        let mut short = toks[..toks.len() - 1].to_vec();
                        if let Some(Tok::Lit(last)) = short.last_mut() {
                            last.pop();
                            if last.is_empty() {
                                short.pop();
                            }
                        }
                        Some(short)
                    }
                    _ => None,
                };
                Glob::General(toks, flavor, short)
            }
        })
    }

    /// `s` must already be lowercased (see [`lower`]).
    pub fn matches(&self, s: &str) -> bool {
        match self {
            Glob::Exact(l) => s == l,
            Glob::Under(l) => {
                s.starts_with(l.as_str()) && (s.len() == l.len() || s.as_bytes()[l.len()] == b'/')
            }
            Glob::Prefix(l) => s.starts_with(l.as_str()),
            Glob::General(toks, _, short) => {
                let one = |t: &[Tok]| match t.contains(&Tok::Star) {
                    false => any_match(t, s),
                    true => dp_match(t, s),
                };
                short.as_ref().is_some_and(|t| one(t)) || one(toks)
            }
        }
    }
}

/// Lowercases ASCII letters, copying only when needed.
///
/// Case folding is ASCII-only: a URL path reaches us percent-encoded (ASCII), and full
/// Unicode tables would cost the browser tag ~20 KB for names that are ASCII in practice.
pub fn lower(s: &str) -> Cow<'_, str> {
    if s.bytes().any(|b| b.is_ascii_uppercase()) {
        Cow::Owned(s.to_ascii_lowercase())
    } else {
        Cow::Borrowed(s)
    }
}

/// Matching by dynamic programming over (token, char) with one row of memory.
/// [`dp_match`] for patterns whose only wildcard is `**` (every `*` of a text pattern):
/// the first literal a prefix, the last a suffix, the others found leftmost in order, which
/// is exact when a wildcard crosses anything. Linear, and allocates nothing: a rule's
/// `matches` runs on every event each time the score is read.
fn any_match(toks: &[Tok], s: &str) -> bool {
    let (mut rest, mut toks) = (s, toks);
    if let [Tok::Lit(l), more @ ..] = toks {
        let Some(r) = rest.strip_prefix(l.as_str()) else {
            return false;
        };
        (rest, toks) = (r, more);
    }
    if let [more @ .., Tok::Lit(l)] = toks {
        let Some(r) = rest.strip_suffix(l.as_str()) else {
            return false;
        };
        (rest, toks) = (r, more);
    }
    for t in toks {
        if let Tok::Lit(l) = t {
            // Bytes compared by hand: `str::find`'s searcher brings formatting code into
            // the tag's wasm (www/build.mjs refuses it). O(text × literal), both short.
            let at = rest
                .as_bytes()
                .windows(l.len().max(1))
                .position(|w| w == l.as_bytes());
            match at {
                Some(i) => rest = rest.get(i + l.len()..).unwrap_or_default(),
                None => return false,
            }
        }
    }
    !toks.is_empty() || rest.is_empty()
}

fn dp_match(toks: &[Tok], s: &str) -> bool {
    let text: Vec<char> = s.chars().collect();
    let n = text.len();
    // cur[j]: tokens so far can match exactly text[..j].
    let mut cur = vec![false; n + 1];
    cur[0] = true;
    for t in toks {
        let mut next = vec![false; n + 1];
        match t {
            Tok::Lit(l) => {
                let lc: Vec<char> = l.chars().collect();
                for j in 0..=n {
                    if cur[j] && j + lc.len() <= n && text[j..j + lc.len()] == lc[..] {
                        next[j + lc.len()] = true;
                    }
                }
            }
            Tok::Star | Tok::Any => {
                let mut on = false;
                for j in 0..=n {
                    if cur[j] {
                        on = true;
                    }
                    next[j] = on;
                    if *t == Tok::Star && j < n && text[j] == '/' {
                        on = false;
                    }
                }
            }
        }
        cur = next;
        if !cur.iter().any(|&b| b) {
            return false;
        }
    }
    cur[n]
}

/// The lower-cased path of a URL: scheme, host, query and fragment dropped; a trailing
/// `/` dropped except for the root. Accepts absolute URLs, `//host/path` and bare paths.
pub fn url_path(url: &str) -> Cow<'_, str> {
    // Byte scans rather than str patterns: this runs once per recorded event.
    let b = url.trim().as_bytes();
    let mut start = 0;
    let scheme = b
        .iter()
        .position(|&c| !(c.is_ascii_alphanumeric() || c == b'+' || c == b'-' || c == b'.'));
    // The host ends at the first '/', '?' or '#': a '/' in the query is not the path.
    let host_end = |from: usize| {
        from + b[from..]
            .iter()
            .position(|&c| c == b'/' || c == b'?' || c == b'#')
            .unwrap_or(b.len() - from)
    };
    if let Some(i) = scheme.filter(|&i| i > 0 && b[i..].starts_with(b"://")) {
        start = host_end(i + 3);
    } else if b.starts_with(b"//") {
        start = host_end(2);
    }
    let end = start
        + b[start..]
            .iter()
            .position(|&c| c == b'?' || c == b'#')
            .unwrap_or(b.len() - start);
    let url = url.trim();
    let mut path = slice(url, start, end);
    if path.len() > MAX_PATH {
        let mut cut = MAX_PATH;
        while !path.is_char_boundary(cut) {
            cut -= 1;
        }
        path = slice(path, 0, cut);
    }
    let clean = path.starts_with('/')
        && (path.len() == 1 || !path.ends_with('/'))
        && !path.bytes().any(|b| b.is_ascii_uppercase());
    if clean {
        return Cow::Borrowed(path);
    }
    let mut out = String::with_capacity(path.len() + 1);
    if !path.starts_with('/') {
        out.push('/');
    }
    out.push_str(&lower(path));
    while out.len() > 1 && out.ends_with('/') {
        out.pop();
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_linear_match_agrees_with_the_dp_on_every_small_case() {
        // Every pattern over `a`, `b`, `/` and `*` up to 5 characters, every text up to 6.
        let words = |alphabet: &[char], max: usize| {
            let mut out = vec![String::new()];
            let mut last = vec![String::new()];
            for _ in 0..max {
                last = last
                    .iter()
                    .flat_map(|w| alphabet.iter().map(move |c| format!("{w}{c}")))
                    .collect();
                out.extend(last.iter().cloned());
            }
            out
        };
        let texts = words(&['a', 'b', '/'], 6);
        for p in words(&['a', 'b', '/', '*'], 5)
            .iter()
            .filter(|p| !p.is_empty())
        {
            let Ok(Glob::General(toks, _, _)) = Glob::compile(p, Flavor::Text) else {
                continue;
            };
            for t in &texts {
                assert_eq!(any_match(&toks, t), dp_match(&toks, t), "{p} on {t}");
            }
        }
    }

    fn page(p: &str, path: &str) -> bool {
        Glob::compile(p, Flavor::Path)
            .unwrap()
            .matches(&url_path(path))
    }

    #[test]
    fn contract_page_patterns() {
        assert!(page("/pricing", "https://acme.example/pricing?utm=x"));
        assert!(page("/pricing", "https://acme.example/Pricing/#top"));
        assert!(!page("/pricing", "https://acme.example/pricing/team"));
        assert!(page("/plans/**", "/plans"));
        assert!(page("/plans/**", "/plans/team/annual"));
        assert!(!page("/plans/**", "/plansx"));
        assert!(page("/security/*", "/security/soc2"));
        assert!(!page("/security/*", "/security/soc2/report"));
        assert!(page("/blog/*/comments", "/blog/post-1/comments"));
        assert!(page("/", "https://acme.example"));
        assert!(page("/", "https://acme.example/"));
        assert!(!page("/", "https://acme.example/x"));
        assert!(page("/docs/**/api", "/docs/v1/ref/api"));
        assert!(!page("/docs/**/api", "/docs/api"));
        assert!(page("/a*b", "/aXYb"));
        assert!(!page("/a*b", "/aX/Yb"));
        assert!(page("/x/**", "/X"));
    }

    #[test]
    fn text_globs() {
        let g = Glob::compile("demo*", Flavor::Text).unwrap();
        assert!(g.matches("demo-request") && g.matches("demo") && !g.matches("xdemo"));
        let g = Glob::compile("*@acme.*", Flavor::Text).unwrap();
        assert!(g.matches("jo@acme.co/uk"));
    }

    #[test]
    fn hostile_inputs_stay_linear() {
        let g = Glob::compile("/*a*a*a*a*a*a*a*a*b", Flavor::Path).unwrap();
        let long = format!("/{}", "a".repeat(3000));
        assert!(!g.matches(&url_path(&long)));
        assert_eq!(url_path(&"/x".repeat(5000)).len(), MAX_PATH);
        assert_eq!(url_path("javascript:alert(1)"), "/javascript:alert(1)");
        assert_eq!(url_path(""), "/");
        assert_eq!(url_path("//cdn.example/a/b/"), "/a/b");
        assert_eq!(url_path("https://acme.example?q=/pricing"), "/");
        assert_eq!(url_path("https://acme.example#/pricing"), "/");
    }

    #[test]
    fn bad_patterns() {
        assert!(Glob::compile("pricing", Flavor::Path).is_err());
        assert!(Glob::compile("", Flavor::Text).is_err());
        assert!(Glob::compile("/a/***", Flavor::Path).is_err());
    }
}
