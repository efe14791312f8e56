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
    let mut cur = Cow::Borrowed(text);
    for _ in 0..=MAX_DECODE {
        if has_email(&cur) || has_phone(&cur) || has_profile(&cur) {
            return true;
        }
        match percent_decode(&cur) {
            Some(next) => cur = Cow::Owned(next),
            None => return false,
        }
    }
    true
}

/// Whether a field name (a URL parameter, a trait key) names personal data: an email,
/// phone, name, postal address, birth date, password or token, or a social profile.
/// `user[email]`, `mobileNumber`, `E-Mail`, `fname`, `lastName`, `tel` all do; the key is
/// percent-decoded first.
pub fn personal_key(key: &str) -> bool {
    let mut cur = Cow::Borrowed(key);
    for _ in 0..=MAX_DECODE {
        if key_words_personal(&cur) {
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
    let flat = flat(key);
    crate::conditions::has(&flat, "email") || words(key).iter().any(|w| w == "mail")
}

/// Key stems that are personal wherever they appear in the key (letters and digits only,
/// lower-cased: `work_email` is `workemail`).
const STEMS: &[&str] = &[
    "email",
    "mailaddress",
    "phone",
    "mobile",
    "firstname",
    "lastname",
    "fullname",
    "surname",
    "givenname",
    "familyname",
    "middlename",
    "username",
    "nickname",
    "displayname",
    "maidenname",
    "password",
    "passwd",
    "address",
    "street",
    "postcode",
    "zipcode",
    "postalcode",
    "birth",
    "linkedin",
    "facebook",
    "twitter",
    "instagram",
    "whatsapp",
    "apikey",
    "accesstoken",
];

/// Words that are personal as a whole word of the key (`tel` in `tel_no`, not in `hotel`).
const WORDS: &[&str] = &[
    "mail", "tel", "fax", "cell", "sms", "name", "fname", "lname", "mname", "zip", "dob", "ssn",
    "pass", "pwd", "token", "secret", "auth", "login", "user", "addr", "iban",
];

/// Words before `name` that make it a person's name (`campaign_name`, `company_name` are
/// not).
const NAME_OWNERS: &[&str] = &[
    "first", "last", "full", "given", "family", "middle", "sur", "user", "display", "real",
    "contact", "your", "my", "nick", "person", "customer", "maiden", "visitor", "lead",
];

fn key_words_personal(key: &str) -> bool {
    let flat = flat(key);
    if STEMS.iter().any(|s| crate::conditions::has(&flat, s)) {
        return true;
    }
    let w = words(key);
    w.iter().enumerate().any(|(i, word)| {
        if word == "name" {
            // Alone, or owned by a person: `name`, `first_name`, `your-name`.
            w.len() == 1 || (i > 0 && NAME_OWNERS.contains(&w[i - 1].as_str()))
        } else if word == "user" {
            w.len() == 1
        } else {
            WORDS.contains(&word.as_str())
        }
    })
}

/// Letters and digits of a key, ASCII lower-cased.
fn flat(key: &str) -> String {
    key.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// A key's words: split at anything but letters and digits, and where a lower-case letter
/// meets an upper-case one (`mobileNumber`), lower-cased.
fn words(key: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut cur = String::new();
    let mut prev_lower = false;
    for c in key.chars() {
        if !c.is_ascii_alphanumeric() {
            if !cur.is_empty() {
                out.push(core::mem::take(&mut cur));
            }
            prev_lower = false;
            continue;
        }
        if c.is_ascii_uppercase() && prev_lower && !cur.is_empty() {
            out.push(core::mem::take(&mut cur));
        }
        prev_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
        cur.push(c.to_ascii_lowercase());
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// One round of `%XX` decoding; `None` when the text holds no valid escape. Bytes that do
/// not form UTF-8 become U+FFFD.
pub fn percent_decode(s: &str) -> Option<String> {
    let b = s.as_bytes();
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
    any.then(|| String::from_utf8_lossy(&out).into_owned())
}

/// Characters that stand for `@`: the ASCII one and its full-width and small forms.
fn is_at(c: char) -> bool {
    matches!(c, '@' | '\u{FF20}' | '\u{FE6B}')
}

/// An address: `local@domain.tld`, where the local part is at least one character and
/// the domain has a dot and a final label of two or more letters.
pub fn has_email(s: &str) -> bool {
    let chars: Vec<char> = s.chars().collect();
    chars.iter().enumerate().any(|(i, &c)| {
        is_at(c)
            && i > 0
            && local_char(chars[i - 1])
            && domain_ok(chars.get(i + 1..).unwrap_or_default())
    })
}

fn local_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '%' | '+' | '-' | '\'') || !c.is_ascii()
}

fn domain_ok(rest: &[char]) -> bool {
    let n = rest
        .iter()
        .take_while(|&&c| {
            c.is_ascii_alphanumeric() || c == '-' || c == '.' || (!c.is_ascii() && !is_at(c))
        })
        .count();
    let mut domain = rest.get(..n).unwrap_or_default();
    while let [head @ .., '.'] = domain {
        domain = head;
    }
    let Some(dot) = domain.iter().rposition(|&c| c == '.') else {
        return false;
    };
    let tld = domain.get(dot + 1..).unwrap_or_default();
    dot > 0
        && domain[0] != '.'
        && tld.len() >= 2
        && tld
            .iter()
            .all(|&c| c.is_ascii_alphabetic() || !c.is_ascii())
}

/// Characters a written phone number is made of, beside digits.
fn phone_sep(c: u8) -> bool {
    matches!(c, b' ' | b'+' | b'-' | b'.' | b'(' | b')')
}

/// A run of digits and phone separators with at least 8 digits (7 after a `+`) that is
/// not part of a word (`a1234567890`, `sku-12345678` are identifiers), not a date
/// (`2026-11-03`), not a range of two numbers (`1001-5000`) and not a decimal number
/// (`1234567.5`).
pub fn has_phone(s: &str) -> bool {
    let b = s.as_bytes();
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
    let digits = run.iter().filter(|c| c.is_ascii_digit()).count();
    let plus = run.first() == Some(&b'+');
    if digits < 8 && !(plus && digits >= 7) {
        return false;
    }
    if plus || run.contains(&b'(') {
        return true;
    }
    let groups: Vec<&[u8]> = run
        .split(|c| !c.is_ascii_digit())
        .filter(|g| !g.is_empty())
        .collect();
    let seps: Vec<u8> = run
        .iter()
        .copied()
        .filter(|&c| c != b' ' && !c.is_ascii_digit())
        .collect();
    let date = groups.len() == 3
        && seps.len() == 2
        && seps[0] == seps[1]
        && matches!(
            (groups[0].len(), groups[1].len(), groups[2].len()),
            (4, 1..=2, 1..=2) | (1..=2, 1..=2, 4)
        );
    let range = groups.len() == 2 && seps == [b'-'] && groups[0][0] != b'0';
    let decimal = groups.len() == 2 && seps == [b'.'];
    !(date || range || decimal)
}

/// Hosts whose paths are people: a link to one of their pages is a profile.
const PROFILE_HOSTS: &[&str] = &[
    "linkedin.com/",
    "lnkd.in/",
    "facebook.com/",
    "fb.com/",
    "instagram.com/",
    "twitter.com/",
    "x.com/",
    "github.com/",
    "tiktok.com/",
    "xing.com/",
    "youtube.com/",
    "t.me/",
    "wa.me/",
    "threads.net/",
    "bsky.app/",
];

/// A link to a page on a social network (`https://www.linkedin.com/in/jane`,
/// `linkedin.com/in/jane`): a host of [`PROFILE_HOSTS`] as a whole host name, followed by
/// a path.
pub fn has_profile(s: &str) -> bool {
    let low = crate::pages::lower(s);
    let b = low.as_bytes();
    PROFILE_HOSTS.iter().any(|h| {
        let h = h.as_bytes();
        b.windows(h.len()).enumerate().any(|(i, w)| {
            w == h
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
            assert!(has_email(yes), "{yes}");
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
            assert!(!has_email(no), "{no}");
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
            assert!(has_phone(yes), "{yes}");
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
            assert!(!has_phone(no), "{no}");
        }
    }

    #[test]
    fn profiles() {
        assert!(has_profile("https://www.LinkedIn.com/in/jane-doe"));
        assert!(has_profile("linkedin.com/in/jane"));
        assert!(has_profile("x.com/jane"));
        assert!(!has_profile("fedex.com/track"));
        assert!(!has_profile("https://linkedin.com/?trk=1"));
        assert!(!has_profile("utm_source=linkedin"));
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
        assert_eq!(percent_decode("a%40b").as_deref(), Some("a@b"));
        assert_eq!(percent_decode("100%"), None);
        assert_eq!(percent_decode("%zz%4"), None);
        assert!(personal_text("jane%2540example.com"));
        assert!(personal_text("jane%252540example.com"));
        let deep = ["%", &"25".repeat(6), "41"].concat();
        assert!(
            personal_text(&deep),
            "too deep to look through: treated as personal"
        );
        assert!(!personal_text("100%25"));
    }
}
