//! What the site tag keeps of a visitor (src/privacy): URLs cleaned of personal data by key
//! and by value in every encoding, traits kept only when a rule reads them, and nothing
//! that looks like an address, a phone number or a profile link, whatever its key.

use leadscore::privacy::{clean_event, clean_state, clean_url};
use leadscore::RuleSet;
use proptest::prelude::*;

const E: &str = "https://acme.example";

#[test]
fn urls_lose_personal_data_by_key_and_by_value() {
    let cases: &[(&str, &str)] = &[
        // Keys, in the spellings forms and links use.
        ("/p?email=x&utm_source=ads", "/p?utm_source=ads"),
        ("/p?Email=x", "/p"),
        ("/p?e-mail=x&a=1", "/p?a=1"),
        ("/p?Phone=1", "/p"),
        ("/p?phone_number=1&q=ok", "/p?q=ok"),
        ("/p?tel=1", "/p"),
        ("/p?mobileNumber=1", "/p"),
        ("/p?fname=Jane&lname=Doe", "/p"),
        ("/p?firstName=Jane&lastName=Doe", "/p"),
        ("/p?first_name=Jane", "/p"),
        (
            "/p?name=Jane&campaign_name=spring",
            "/p?campaign_name=spring",
        ),
        ("/p?user[email]=x", "/p"),
        ("/p?user%5Bemail%5D=x", "/p"),
        ("/p?contact%5Bphone%5D=x", "/p"),
        ("/p?password=x&token=y", "/p"),
        ("/p?address=1+Main+St", "/p"),
        // Values, whatever the key, in every encoding.
        ("/p?ref=jane.doe@example.com", "/p"),
        ("/p?ref=jane.doe%40example.com", "/p"),
        ("/p?ref=jane.doe%2540example.com", "/p"),
        ("/p?ref=jane.doe%252540example.com", "/p"),
        ("/p?ref=JANE.DOE%40EXAMPLE.COM&x=1", "/p?x=1"),
        ("/p?ref=%6A%61%6E%65%40example.com", "/p"),
        ("/p?c=%2B1%20415%20555%201234", "/p"),
        ("/p?c=+1+415+555+1234", "/p"),
        ("/p?c=(415)%20555-1234", "/p"),
        ("/p?c=tel:+33612345678", "/p"),
        ("/p?li=https%3A%2F%2Fwww.linkedin.com%2Fin%2Fjane-doe", "/p"),
        ("/p?next=%2Fu%3Femail%3Djane%2540x.io", "/p"),
        ("/p?jane@example.com", "/p"),
        // The fragment.
        ("/p#jane@example.com", "/p"),
        ("/p#contact=jane%40example.com", "/p"),
        ("/p#/u?email=x", "/p"),
        ("/p#access_token=abc", "/p"),
        ("/p?a=1#top", "/p?a=1#top"),
        // The path: a segment becomes `redacted`, so `/u/*/settings` still matches.
        ("/u/jane.doe@example.com/settings", "/u/redacted/settings"),
        ("/u/jane.doe%40example.com", "/u/redacted"),
        ("/u/jane.doe%2540example.com/x", "/u/redacted/x"),
        ("/call/+14155551234", "/call/redacted"),
        ("/share/https://linkedin.com/in/jane", "/redacted"),
        // The user name and password before the host.
        (
            "https://jane.doe%40x.com:pw@acme.example/p",
            "https://acme.example/p",
        ),
    ];
    for (input, want) in cases {
        let input = if input.starts_with('/') {
            [E, input].concat()
        } else {
            input.to_string()
        };
        let want = if want.starts_with('/') {
            [E, want].concat()
        } else {
            want.to_string()
        };
        assert_eq!(clean_url(&input), want, "{input}");
    }
}

#[test]
fn ordinary_urls_are_kept_byte_for_byte() {
    for url in [
        "https://acme.example/pricing?utm_source=linkedin&utm_medium=social&utm_campaign=q4",
        "https://acme.example/docs/getting-started#install",
        "https://acme.example/blog/2026/11/03/launch?page=2&sort=new",
        "https://acme.example/plans/team?seats=250&size=1001-5000",
        "https://acme.example/?q=soc+2%20report",
        "https://acme.example/integrations/slack?gclid=Cj0KCQiA-abc_123",
        "https://acme.example/npm/@scope/pkg",
        "https://acme.example/hotel?campaign_name=spring&company_name=Acme",
        "/pricing",
        "https://acme.example",
        "https://acme.example/p?",
        "",
    ] {
        assert_eq!(clean_url(url), url);
        assert!(matches!(clean_url(url), std::borrow::Cow::Borrowed(_)));
    }
}

const RULES: &str = r#"{"version":"p1",
  "pages":[{"category":"account","match":["/u/*/settings"]},{"category":"pricing","match":["/pricing"]}],
  "events":{"webinar_attended":{"props":["webinar_id","host"]}},
  "categories":{"fit":{},"intent":{}},
  "rules":[
    {"id":"vp","category":"fit","points":20,"when":{"traits":[{"field":"seniority","op":"eq","value":"vp"}]}},
    {"id":"free","category":"fit","points":-5,"when":{"traits":[{"field":"email_type","op":"eq","value":"free"}]}},
    {"id":"site","category":"fit","points":1,"when":{"traits":[{"field":"website","op":"exists","value":true}]}},
    {"id":"named","category":"fit","points":1,"when":{"traits":[{"field":"first_name","op":"exists","value":true}]}},
    {"id":"settings","category":"intent","points":3,"when":{"event":"page_view","page":"account"}},
    {"id":"web","category":"intent","points":5,"when":{"event":"webinar_attended"}}],
  "bands":[{"name":"all"}]}"#;

fn rules() -> RuleSet {
    RuleSet::from_text(RULES).unwrap()
}

fn cleaned(text: &str) -> (Option<String>, Vec<String>) {
    let c = clean_event(&rules(), text);
    (c.text, c.dropped)
}

#[test]
fn identify_keeps_only_traits_the_rules_read() {
    let (text, dropped) = cleaned(
        r#"{"type":"identify","ts":1,"traits":{"Email":"Jane.Doe@gmail.com","work_email":"jane@corp.example",
        "firstName":"Jane","lastName":"Doe","Phone":"+1 415 555 1234","linkedin":"https://linkedin.com/in/jane",
        "seniority":"vp","favourite_colour":"blue"}}"#,
    );
    // The last address decides `email_type`; only the declared `seniority` stays.
    assert_eq!(
        text.as_deref(),
        Some(r#"{"type":"identify","ts":1,"traits":{"email_type":"corporate","seniority":"vp"}}"#)
    );
    let names = [
        "traits.firstName",
        "traits.lastName",
        "traits.Phone",
        "traits.linkedin",
        "traits.favourite_colour",
    ];
    assert_eq!(dropped, names);
    let (text, _) = cleaned(r#"{"type":"identify","ts":1,"traits":{"Email":"jo@gmail.com"}}"#);
    assert_eq!(
        text.as_deref(),
        Some(r#"{"type":"identify","ts":1,"traits":{"email_type":"free"}}"#)
    );
}

#[test]
fn a_declared_trait_never_keeps_personal_data() {
    for traits in [
        r#"{"website":"https://www.linkedin.com/in/jane"}"#,
        r#"{"seniority":"jane@corp.example"}"#,
        r#"{"seniority":"+44 20 7946 0958"}"#,
        r#"{"seniority":["vp","call 0612345678"]}"#,
        r#"{"first_name":"Jane"}"#,
        r#"{"jane@corp.example":"vp"}"#,
        r#"{}"#,
    ] {
        let (text, dropped) =
            cleaned(&[r#"{"type":"identify","ts":1,"traits":"#, traits, "}"].concat());
        assert_eq!(text, None, "{traits}: nothing left, nothing recorded");
        assert!(dropped.iter().all(|d| !d.contains('@')), "{dropped:?}");
    }
    let kept = r#"{"type":"identify","ts":1,"traits":{"seniority":"vp","website":"https://corp.example"}}"#;
    let c = clean_event(&rules(), kept);
    assert_eq!((c.text.as_deref(), c.dropped.len()), (Some(kept), 0));
}

#[test]
fn props_forms_and_urls_of_every_event_are_cleaned() {
    let (text, dropped) = cleaned(
        r#"{"type":"webinar_attended","ts":1,"url":"https://acme.example/w?email=jane%40x.io","props":{"webinar_id":"w-12","host":"jane@x.io"}}"#,
    );
    assert_eq!(
        text.as_deref(),
        Some(
            r#"{"type":"webinar_attended","ts":1,"url":"https://acme.example/w","props":{"webinar_id":"w-12"}}"#
        )
    );
    assert_eq!(dropped, ["url", "props.host"]);
    let (text, _) =
        cleaned(r#"{"type":"form_submit","ts":1,"form":"/subscribe/jane@x.io","visitor":"v1"}"#);
    assert_eq!(
        text.as_deref(),
        Some(r#"{"type":"form_submit","ts":1,"form":"redacted"}"#)
    );
}

#[test]
fn page_matching_still_works_on_a_redacted_path() {
    let set = rules();
    let text = r#"{"type":"page_view","ts":1,"url":"https://acme.example/u/jane.doe%40example.com/settings"}"#;
    let clean = clean_event(&set, text).text.unwrap();
    let e = set.event_from_text(&clean).unwrap();
    assert_eq!(e.page, set.page_id("account"));
}

#[test]
fn stored_state_is_cleaned_on_load() {
    let set = rules();
    let state = r#"{"v":1,"events":[{"type":"page_view","ts":1,"url":"/pricing?phone=123"},{"type":"identify","ts":2,"traits":{"email":"x@gmail.com","last_name":"Doe"}},{"type":"identify","ts":3,"traits":{"phone":"1"}}]}"#;
    let (clean, dropped) = clean_state(&set, state);
    assert_eq!(
        clean,
        r#"{"v":1,"events":[{"type":"page_view","ts":1,"url":"/pricing"},{"type":"identify","ts":2,"traits":{"email_type":"free"}}]}"#
    );
    assert_eq!(dropped, ["url", "traits.last_name", "traits.phone"]);
    let (again, none) = clean_state(&set, &clean);
    assert!(again == clean && none.is_empty());
}

// Random personal data, planted anywhere in random URLs in random encodings, never survives.

fn email() -> impl Strategy<Value = String> {
    (
        "[a-z][a-z0-9._+-]{0,12}[a-z0-9]",
        "[a-z][a-z0-9-]{0,10}",
        "(com|io|co\\.uk|example|de)",
    )
        .prop_map(|(l, d, t)| [l.as_str(), "@", &d, ".", &t].concat())
}

fn phone() -> impl Strategy<Value = String> {
    prop_oneof![
        "\\+[1-9][0-9]{0,2} [0-9]{2,4} [0-9]{3,4} [0-9]{3,4}",
        "\\+[1-9][0-9]{9,12}",
        "\\([0-9]{3}\\) [0-9]{3}-[0-9]{4}",
        "0[1-9]( [0-9]{2}){4}",
        "[0-9]{3}\\.[0-9]{3}\\.[0-9]{4}",
    ]
}

fn profile() -> impl Strategy<Value = String> {
    (
        "(https://)?(www\\.)?",
        prop::sample::select(vec![
            "linkedin.com/in/",
            "x.com/",
            "github.com/",
            "facebook.com/",
        ]),
        "[a-z][a-z0-9-]{2,12}",
    )
        .prop_map(|(a, b, c)| [a.as_str(), b, &c].concat())
}

fn pii() -> impl Strategy<Value = String> {
    prop_oneof![email(), phone(), profile()]
}

/// Percent-encodes the characters a browser would, or every character, `levels` times.
fn encode(s: &str, levels: u8, all: bool, upper: bool) -> String {
    let mut cur = s.to_string();
    for _ in 0..levels {
        let mut out = String::new();
        for b in cur.bytes() {
            let keep = b.is_ascii_alphanumeric() && !all || b == b'-' || b == b'_';
            if keep {
                out.push(b as char);
            } else if upper {
                out.push_str(&format!("%{b:02X}"));
            } else {
                out.push_str(&format!("%{b:02x}"));
            }
        }
        cur = out;
    }
    cur
}

fn word() -> impl Strategy<Value = String> {
    "[a-z][a-z0-9-]{0,9}"
}

fn safe_url() -> impl Strategy<Value = (Vec<String>, Vec<(String, String)>, Option<String>)> {
    let keys = prop::sample::select(vec![
        "utm_source",
        "utm_campaign",
        "page",
        "ref",
        "q",
        "lang",
        "sort",
        "plan",
    ]);
    (
        prop::collection::vec(word(), 0..5),
        prop::collection::vec((keys.prop_map(str::to_string), word()), 0..4),
        prop::option::of(word()),
    )
}

fn build(path: &[String], query: &[(String, String)], frag: &Option<String>) -> String {
    let mut u = String::from(E);
    for s in path {
        u.push('/');
        u.push_str(s);
    }
    if path.is_empty() {
        u.push('/');
    }
    for (i, (k, v)) in query.iter().enumerate() {
        u.push(if i == 0 { '?' } else { '&' });
        u.push_str(k);
        u.push('=');
        u.push_str(v);
    }
    if let Some(f) = frag {
        u.push('#');
        u.push_str(f);
    }
    u
}

/// Every text a reader could recover from `s` by percent-decoding it, `s` included.
fn decodings(s: &str) -> Vec<String> {
    let mut out = vec![s.to_string()];
    for _ in 0..6 {
        let last = out.last().unwrap();
        let next = percent_decode_lossy(last);
        if &next == last {
            break;
        }
        out.push(next);
    }
    out
}

fn percent_decode_lossy(s: &str) -> String {
    match leadscore::privacy::detect::percent_decode(s.as_bytes()) {
        Some(b) => String::from_utf8_lossy(&b).into_owned(),
        None => s.to_string(),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn planted_personal_data_never_survives(
        (path, query, frag) in safe_url(),
        secret in pii(),
        levels in 0u8..4,
        all in any::<bool>(),
        upper in any::<bool>(),
        place in 0u8..4,
        at in any::<prop::sample::Index>(),
    ) {
        let planted = encode(&secret, levels, all, upper);
        let (mut path, mut query, mut frag) = (path, query, frag);
        match place {
            0 => { let i = at.index(path.len() + 1); path.insert(i, planted.clone()) }
            1 => { let i = at.index(query.len() + 1); query.insert(i, ("ref".into(), planted.clone())) }
            2 => { let i = at.index(query.len() + 1); query.insert(i, (planted.clone(), "1".into())) }
            _ => frag = Some(["x=", planted.as_str()].concat()),
        }
        let url = build(&path, &query, &frag);
        let clean = clean_url(&url);
        for text in decodings(&clean) {
            prop_assert!(!text.contains(&secret), "{} -> {}", url, clean);
            prop_assert!(!text.contains(&planted), "{} -> {}", url, clean);
        }
    }

    #[test]
    fn urls_without_personal_data_are_unchanged((path, query, frag) in safe_url()) {
        let url = build(&path, &query, &frag);
        prop_assert_eq!(clean_url(&url), url.as_str());
    }
}

#[test]
fn the_tree_cleaner_is_the_text_cleaner() {
    use leadscore::privacy::clean_tree;
    let set = rules();
    let text = r#"{"type":"identify","ts":1,"traits":{"email":"jo@gmail.com","seniority":"vp","phone":"+1 415 555 1234"}}"#;
    let t = clean_tree(&set, &leadscore::json::read(text).unwrap());
    assert!(t.changed);
    assert_eq!(t.dropped, ["traits.phone"]);
    let mut out = String::new();
    leadscore::json::write_value(&mut out, &t.node.unwrap().value);
    assert_eq!(
        out,
        r#"{"type":"identify","ts":1,"traits":{"email_type":"free","seniority":"vp"}}"#
    );
    // Nothing personal: unchanged, nothing dropped.
    let kept = r#"{"type":"webinar_attended","ts":1,"url":"/w","props":{"webinar_id":"w-1"}}"#;
    let t = clean_tree(&set, &leadscore::json::read(kept).unwrap());
    assert!(!t.changed && t.dropped.is_empty());
    // An identify left without traits is not kept.
    let gone = r#"{"type":"identify","ts":1,"traits":{"first_name":"Jo"}}"#;
    assert_eq!(
        clean_tree(&set, &leadscore::json::read(gone).unwrap()).node,
        None
    );
}
