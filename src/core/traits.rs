//! What the browser may learn about a visitor without keeping personal data: the kind of
//! email address typed (`free`, `competitor`, `corporate`), never the address itself.

use crate::prelude::*;

/// Free mailbox providers. Lower-case; matched on the whole domain or as a parent domain.
pub const FREE_MAIL_DOMAINS: &[&str] = &[
    "gmail.com",
    "googlemail.com",
    "yahoo.com",
    "yahoo.co.uk",
    "yahoo.fr",
    "ymail.com",
    "hotmail.com",
    "hotmail.co.uk",
    "hotmail.fr",
    "outlook.com",
    "live.com",
    "msn.com",
    "icloud.com",
    "me.com",
    "mac.com",
    "aol.com",
    "proton.me",
    "protonmail.com",
    "pm.me",
    "gmx.com",
    "gmx.de",
    "gmx.net",
    "web.de",
    "mail.com",
    "zoho.com",
    "yandex.com",
    "yandex.ru",
    "mail.ru",
    "qq.com",
    "163.com",
    "126.com",
    "naver.com",
    "fastmail.com",
    "hey.com",
    "tutanota.com",
    "tuta.io",
    "free.fr",
    "orange.fr",
    "laposte.net",
    "libero.it",
    "t-online.de",
];

/// `email_type` of an address: `competitor` when its domain (or a parent of it) is listed in
/// `competitors`, `free` for free mailboxes, `corporate` otherwise; `None` when the text is
/// not an address.
pub fn email_type(email: &str, competitors: &[String]) -> Option<&'static str> {
    let (local, domain) = email.trim().rsplit_once('@')?;
    let domain = domain.trim_end_matches('.').to_ascii_lowercase();
    if local.is_empty()
        || !domain.contains('.')
        || domain.starts_with('.')
        || crate::text::has(&domain, "..")
    {
        return None;
    }
    let under = |d: &str| {
        domain == d
            || (domain.len() > d.len()
                && domain.ends_with(d)
                && domain.as_bytes()[domain.len() - d.len() - 1] == b'.')
    };
    if competitors.iter().any(|d| under(d)) {
        Some("competitor")
    } else if FREE_MAIL_DOMAINS.iter().any(|d| under(d)) {
        Some("free")
    } else {
        Some("corporate")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_addresses() {
        let rivals = vec!["rival.example".to_string()];
        assert_eq!(email_type("Jo@Gmail.com", &rivals), Some("free"));
        assert_eq!(
            email_type("jo@eu.rival.example", &rivals),
            Some("competitor")
        );
        assert_eq!(email_type("jo@acme.example", &rivals), Some("corporate"));
        assert_eq!(email_type("jo@notgmail.com", &rivals), Some("corporate"));
        for bad in [
            "",
            "jo",
            "@acme.example",
            "jo@localhost",
            "jo@.x.com",
            "jo@a..b",
        ] {
            assert_eq!(email_type(bad, &rivals), None, "{bad}");
        }
    }
}
