//! Recognising personal data in a piece of text: email addresses, phone numbers and
//! social-profile URLs in a value, and personal fields by their key, looked for in the
//! text as given and in every percent-decoding of it.
//!
//! These are heuristics biased towards dropping: a false alarm costs one value that no
//! rule was likely to read, a miss costs a visitor's trust.

use crate::prelude::*;
use alloc::borrow::Cow;

/// Rounds of percent-decoding looked through. Text that still decodes further after this
/// is treated as personal: nothing legitimate is encoded five times, and a bound keeps
/// hostile input linear.
pub const MAX_DECODE: usize = 4;

/// Whether `text`, or any percent-decoding of it, holds an email address, a phone number
/// or a social-profile URL.
pub fn personal_text(text: &str) -> bool {
    any_decoding(text.as_bytes(), |b| {
        has_email(b) || has_phone(b) || has_profile(b)
    })
}

/// Whether a field name (a URL parameter, a trait key) names personal data: an email,
/// phone, name, postal address, birth date, password or token, or a social profile.
/// `user[email]`, `mobileNumber`, `E-Mail`, `fname`, `lastName`, `tel` all do; the key is
/// percent-decoded first.
pub fn personal_key(key: &str) -> bool {
    any_decoding(key.as_bytes(), key_words_personal)
}

/// Whether `test` holds for `text` or one of its percent-decodings. Everything here works
/// on bytes: nothing needs to know where characters begin, and the tag then ships no UTF-8
/// validation for it.
pub(crate) fn any_decoding(text: &[u8], test: fn(&[u8]) -> bool) -> bool {
    let mut cur = Cow::Borrowed(text);
    for _ in 0..=MAX_DECODE {
        if test(&cur) {
            return true;
        }
        match percent_decode(&cur) {
            Some(next) => cur = Cow::Owned(next),
            None => return false,
        }
    }
    true
}

/// A key that names an email address (`email`, `Email`, `work_email`, `e-mail`, `mail`):
/// the tag turns its value into `email_type`.
pub fn email_key(key: &str) -> bool {
    let key = key.as_bytes();
    contains(&flat(key), b"email") || words(key).iter().any(|w| w.eq_ignore_ascii_case(b"mail"))
}

/// Key stems that are personal wherever they appear in the key (letters and digits only,
/// lower-cased: `work_email` is `workemail`).
const STEMS: &str = "email mailaddress phone mobile firstname lastname fullname surname givenname \
    familyname middlename username nickname displayname maidenname password passwd \
    address street postcode zipcode postalcode birth linkedin facebook twitter \
    instagram whatsapp apikey accesstoken";

/// Words that are personal as a whole word of the key (`tel` in `tel_no`, not in `hotel`).
const WORDS: &str =
    "mail tel fax cell sms name fname lname mname zip dob ssn pass pwd token secret \
    auth login addr iban";

/// Words before `name` that make it a person's name (`campaign_name`, `company_name` are
/// not).
const NAME_OWNERS: &str =
    "first last full given family middle sur user display real contact your my nick \
    person customer maiden visitor lead";

fn key_words_personal(key: &[u8]) -> bool {
    let flat = flat(key);
    if list(STEMS).any(|s| contains(&flat, s)) {
        return true;
    }
    let w = words(key);
    let is = |word: &[u8], x: &[u8]| word.eq_ignore_ascii_case(x);
    let one_of = |word: &[u8], words: &'static str| list(words).any(|x| is(word, x));
    w.iter().enumerate().any(|(i, &word)| {
        if is(word, b"name") {
            // Alone, or owned by a person: `name`, `first_name`, `your-name`.
            w.len() == 1 || (i > 0 && one_of(w[i - 1], NAME_OWNERS))
        } else if is(word, b"user") {
            w.len() == 1
        } else {
            one_of(word, WORDS)
        }
    })
}

/// The words of a space-separated list (one string rather than a table of pointers: the
/// lists ship in every page's download).
fn list(words: &'static str) -> impl Iterator<Item = &'static [u8]> {
    words
        .as_bytes()
        .split(|&c| c == b' ')
        .filter(|w| !w.is_empty())
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

/// Letters and digits of a key, ASCII lower-cased.
fn flat(key: &[u8]) -> Vec<u8> {
    key.iter()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(u8::to_ascii_lowercase)
        .collect()
}

/// A key's words: split at anything but letters and digits, and where a lower-case letter
/// or digit meets an upper-case letter (`mobileNumber`).
fn words(key: &[u8]) -> Vec<&[u8]> {
    let mut out = Vec::new();
    let mut start = None;
    for (i, &c) in key.iter().enumerate() {
        let after_lower = i > 0 && (key[i - 1].is_ascii_lowercase() || key[i - 1].is_ascii_digit());
        if !c.is_ascii_alphanumeric() || (c.is_ascii_uppercase() && after_lower) {
            if let Some(s) = start.take() {
                out.push(key.get(s..i).unwrap_or_default());
            }
        }
        if c.is_ascii_alphanumeric() && start.is_none() {
            start = Some(i);
        }
    }
    if let Some(s) = start {
        out.push(key.get(s..).unwrap_or_default());
    }
    out
}

/// One round of `%XX` decoding; `None` when the text holds no valid escape.
pub fn percent_decode(b: &[u8]) -> Option<Vec<u8>> {
    let hex = |c: u8| (c as char).to_digit(16).map(|d| d as u8);
    let mut out = Vec::with_capacity(b.len());
    let mut any = false;
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            if let (Some(h), Some(l)) = (hex(b[i + 1]), hex(b[i + 2])) {
                out.push(h * 16 + l);
                any = true;
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    any.then_some(out)
}

/// The length of an `@` at the start of `b`: the ASCII one, or its full-width (U+FF20) or
/// small (U+FE6B) form in UTF-8; 0 when there is none.
fn at_len(b: &[u8]) -> usize {
    match b {
        [b'@', ..] => 1,
        [0xEF, 0xBC, 0xA0, ..] | [0xEF, 0xB9, 0xAB, ..] => 3,
        _ => 0,
    }
}

/// An address: `local@domain.tld`, where the local part is at least one character and
/// the domain has a dot and a final label of two or more letters.
pub fn has_email(b: &[u8]) -> bool {
    (1..b.len()).any(|i| {
        let rest = b.get(i..).unwrap_or_default();
        let at = at_len(rest);
        at > 0 && local_byte(b[i - 1]) && domain_ok(rest.get(at..).unwrap_or_default())
    })
}

fn local_byte(c: u8) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, b'.' | b'_' | b'%' | b'+' | b'-' | b'\'') || c >= 0x80
}

fn domain_ok(rest: &[u8]) -> bool {
    // A domain name is at most 253 bytes: the bound keeps hostile text (`a＠a＠a＠…`,
    // whose full-width `＠` are domain bytes) linear.
    let n = rest
        .iter()
        .take(MAX_DOMAIN)
        .take_while(|&&c| c.is_ascii_alphanumeric() || c == b'-' || c == b'.' || c >= 0x80)
        .count();
    let mut domain = rest.get(..n).unwrap_or_default();
    while let [head @ .., b'.'] = domain {
        domain = head;
    }
    let Some(dot) = domain.iter().rposition(|&c| c == b'.') else {
        return false;
    };
    let tld = domain.get(dot + 1..).unwrap_or_default();
    dot > 0
        && domain[0] != b'.'
        && tld.len() >= 2
        && tld.iter().all(|&c| c.is_ascii_alphabetic() || c >= 0x80)
}

const MAX_DOMAIN: usize = 256;

/// Characters a written phone number is made of, beside digits.
fn phone_sep(c: u8) -> bool {
    matches!(c, b' ' | b'+' | b'-' | b'.' | b'(' | b')')
}

/// A run of digits and phone separators with at least 8 digits (7 after a `+`) that is
/// not part of a word (`a1234567890`, `sku-12345678` are identifiers), not a date
/// (`2026-11-03`), not a range of two numbers (`1001-5000`) and not a decimal number
/// (`1234567.5`).
pub fn has_phone(b: &[u8]) -> bool {
    let mut i = 0;
    while i < b.len() {
        if !(b[i].is_ascii_digit() || b[i] == b'+' || b[i] == b'(') {
            i += 1;
            continue;
        }
        let start = i;
        while i < b.len() && (b[i].is_ascii_digit() || phone_sep(b[i])) {
            i += 1;
        }
        let mut end = i;
        while end > start && !(b[end - 1].is_ascii_digit() || b[end - 1] == b')') {
            end -= 1;
        }
        if !glued(b, start, end) && phone_run(b.get(start..end).unwrap_or_default()) {
            return true;
        }
    }
    false
}

/// Whether the run `b[start..end]` belongs to a word: a letter or `_` touches it,
/// directly or across one `-`, `.` or `_`.
fn glued(b: &[u8], start: usize, end: usize) -> bool {
    let at = |j: Option<usize>| j.and_then(|j| b.get(j)).copied().unwrap_or(b' ');
    let word = |c: u8| c.is_ascii_alphabetic() || c == b'_';
    let joint = |c: u8| matches!(c, b'-' | b'.' | b'_');
    let (b1, b2) = (at(start.checked_sub(1)), at(start.checked_sub(2)));
    let (a1, a2) = (at(Some(end)), at(Some(end + 1)));
    word(b1) || (joint(b1) && word(b2)) || word(a1) || (joint(a1) && word(a2))
}

fn phone_run(run: &[u8]) -> bool {
    // One pass: digits, digit groups (the first three's lengths), separators but spaces.
    let (mut digits, mut groups, mut lens, mut seps, mut nseps) = (0, 0, [0u8; 3], [0u8; 2], 0);
    let mut in_group = false;
    for &c in run {
        if c.is_ascii_digit() {
            digits += 1;
            if !in_group {
                groups += 1;
                in_group = true;
            }
            if let Some(l) = lens.get_mut(groups - 1) {
                *l = l.saturating_add(1);
            }
        } else {
            in_group = false;
            if c != b' ' {
                if let Some(s) = seps.get_mut(nseps) {
                    *s = c;
                }
                nseps += 1;
            }
        }
    }
    let plus = run.first() == Some(&b'+');
    if digits < 8 && !(plus && digits >= 7) {
        return false;
    }
    if plus || run.contains(&b'(') {
        return true;
    }
    let date = groups == 3
        && nseps == 2
        && seps[0] == seps[1]
        && matches!(lens, [4, 1..=2, 1..=2] | [1..=2, 1..=2, 4]);
    let two = groups == 2 && nseps == 1;
    let range = two && seps[0] == b'-' && run.first() != Some(&b'0');
    let decimal = two && seps[0] == b'.';
    !(date || range || decimal)
}

/// Hosts whose paths are people: a link to one of their pages is a profile.
const PROFILE_HOSTS: &str =
    "linkedin.com/ lnkd.in/ facebook.com/ fb.com/ instagram.com/ twitter.com/ x.com/ \
    github.com/ tiktok.com/ xing.com/ youtube.com/ t.me/ wa.me/ threads.net/ \
    bsky.app/";

/// A link to a page on a social network (`https://www.linkedin.com/in/jane`,
/// `linkedin.com/in/jane`): a host of [`PROFILE_HOSTS`] as a whole host name, followed by
/// a path.
pub fn has_profile(b: &[u8]) -> bool {
    list(PROFILE_HOSTS).any(|h| {
        b.windows(h.len()).enumerate().any(|(i, w)| {
            w.eq_ignore_ascii_case(h)
                && (i == 0 || !(b[i - 1].is_ascii_alphanumeric() || b[i - 1] == b'-'))
                && b.get(i + h.len())
                    .is_some_and(|c| !matches!(c, b'?' | b'#' | b' ' | b'&'))
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails() {
        for yes in [
            "jane.doe@example.com",
            "mailto:jane@example.co.uk",
            "Jane+news@Example.COM",
            "contact jo@acme.io today",
            "jo\u{FF20}acme.io",
            "ö@bücher.de",
        ] {
            assert!(has_email(yes.as_bytes()), "{yes}");
        }
        for no in [
            "@jane",
            "jane@",
            "a@localhost",
            "pkg@1.2.3",
            "/@scope/pkg",
            "x@.com",
            "a@b.c",
        ] {
            assert!(!has_email(no.as_bytes()), "{no}");
        }
    }

    #[test]
    fn phones() {
        for yes in [
            "+1 415 555 1234",
            "+14155551234",
            "(415) 555-1234",
            "415.555.1234",
            "06 12 34 56 78",
            "0612-345678",
            "tel:+33612345678",
            "call +49 30 1234567 now",
            "4155551234",
        ] {
            assert!(has_phone(yes.as_bytes()), "{yes}");
        }
        for no in [
            "201-1000",
            "1001-5000",
            "2026-11-03",
            "03.11.2026",
            "1234567.5",
            "555-1234",
            "a1234567890",
            "id_12345678",
            "sku-12345678",
            "12345678-abc",
            "w-12",
            "1000+",
            "123e4567-e89b-12d3-a456-426614174000",
        ] {
            assert!(!has_phone(no.as_bytes()), "{no}");
        }
    }

    #[test]
    fn profiles() {
        let p = |s: &str| has_profile(s.as_bytes());
        assert!(p("https://www.LinkedIn.com/in/jane-doe"));
        assert!(p("linkedin.com/in/jane"));
        assert!(p("x.com/jane"));
        assert!(!p("fedex.com/track"));
        assert!(!p("https://linkedin.com/?trk=1"));
        assert!(!p("utm_source=linkedin"));
    }

    #[test]
    fn keys() {
        for yes in [
            "email",
            "Email",
            "work_email",
            "e-mail",
            "E_MAIL",
            "phone",
            "Phone",
            "phone_number",
            "tel",
            "mobileNumber",
            "fname",
            "lastName",
            "first_name",
            "user[email]",
            "name",
            "your-name",
            "user",
            "password",
            "linkedin",
            "dob",
            "user%5Bemail%5D",
            "birthDate",
        ] {
            assert!(personal_key(yes), "{yes}");
        }
        for no in [
            "utm_source",
            "utm_campaign",
            "campaign_name",
            "company_name",
            "hotel",
            "page",
            "q",
            "seniority",
            "company_size",
            "user_type",
            "plan",
            "ref",
        ] {
            assert!(!personal_key(no), "{no}");
        }
        assert!(email_key("Email") && email_key("work_email") && email_key("e-mail"));
        assert!(email_key("mail") && !email_key("mailing_list") && !email_key("gmailer"));
    }

    #[test]
    fn decoding() {
        assert_eq!(percent_decode(b"a%40b").as_deref(), Some(&b"a@b"[..]));
        assert_eq!(percent_decode(b"100%"), None);
        assert_eq!(percent_decode(b"%zz%4"), None);
        assert!(personal_text("jane%2540example.com"));
        assert!(personal_text("jane%252540example.com"));
        let deep = ["%", &"25".repeat(6), "41"].concat();
        assert!(
            personal_text(&deep),
            "too deep to look through: treated as personal"
        );
        assert!(!personal_text("100%25"));
        // Hostile text stays linear (this would take minutes if the domain scan were not
        // bounded).
        assert!(!personal_text(&"a\u{FF20}".repeat(20_000)));
    }
}
