//! How two tabs' stored states meet (`Visitor::merge`) and how the stored text carries each
//! event's id (`to_text` / `from_text`): every recording is kept once, however many tabs
//! wrote it and whichever wrote last; state written before ids still reads and merges.

use leadscore::state::codec::from_json;
use leadscore::{RuleSet, Visitor};

const RULES: &str = r#"{ "version": "t", "pages": [{ "category": "pricing", "match": ["/pricing/**"] }],
  "events": { "note": { "props": ["n"] } }, "categories": { "c": {} },
  "rules": [{ "id": "v", "category": "c", "points": 1, "when": { "event": "page_view" } }],
  "bands": [{ "name": "all" }] }"#;

fn rules() -> RuleSet {
    RuleSet::from_text(RULES).unwrap()
}

fn view(url: &str, ts: u64, dwell: u64) -> String {
    format!(r#"{{"type":"page_view","ts":{ts},"url":"{url}","dwellMs":{dwell}}}"#)
}

/// A tab's state holding these (text, id) recordings.
fn tab(set: &RuleSet, events: &[(String, &str)]) -> Visitor {
    let mut v = Visitor::default();
    for (text, id) in events {
        v.push_with_id(
            set.event_from_text(text).unwrap(),
            &from_json(text).unwrap(),
            id,
        );
    }
    v
}

/// What another tab reads back: the state through its stored text.
fn stored(set: &RuleSet, v: &Visitor) -> Visitor {
    Visitor::from_text(set, &v.to_text()).unwrap().0
}

#[test]
fn page_views_of_one_category_in_one_millisecond_stay_two() {
    let set = rules();
    let a = tab(&set, &[(view("https://x.example/pricing", 5, 0), "a.0")]);
    let mut b = tab(
        &set,
        &[(view("https://x.example/pricing/team", 5, 0), "b.0")],
    );
    let m = b.merge(stored(&set, &a));
    assert!(m.gained && m.behind, "{m:?}");
    assert_eq!(b.len(), 2);
}

#[test]
fn the_same_text_recorded_by_two_tabs_is_two_events() {
    let set = rules();
    let text = view("https://x.example/pricing", 5, 0);
    let a = tab(&set, &[(text.clone(), "a.0")]);
    let mut b = tab(&set, &[(text, "b.0")]);
    b.merge(stored(&set, &a));
    assert_eq!(b.len(), 2);
    assert_eq!(b.score(&set, 10.0).score, 2.0);
}

#[test]
fn merging_is_a_union_and_idempotent() {
    let set = rules();
    let a = tab(
        &set,
        &[
            (view("/pricing", 1, 0), "a.0"),
            (r#"{"type":"note","ts":2,"props":{"n":"a"}}"#.into(), "a.1"),
        ],
    );
    let mut b = tab(&set, &[(view("/pricing", 1, 0), "b.0")]);
    b.merge(stored(&set, &a));
    assert_eq!(b.len(), 3);
    // Reading back what b wrote adds nothing, and finds nothing missing.
    let m = b.merge(stored(&set, &b.clone()));
    assert!(!m.gained && !m.behind, "{m:?}");
    // a, reading b's union, gains b's view and has nothing b lacks.
    let mut a = a;
    let m = a.merge(stored(&set, &b));
    assert!(m.gained && !m.behind, "{m:?}");
    // The same events (ties in `ts` may sit in another order: each tab's log order).
    let sorted = |v: &Visitor| {
        let mut t: Vec<String> = v.events_text().split("},").map(str::to_string).collect();
        t.sort();
        t
    };
    assert_eq!(sorted(&a), sorted(&b));
}

#[test]
fn a_longer_reading_of_a_page_view_wins_and_only_replaces_its_own_view() {
    let set = rules();
    let mut a = tab(
        &set,
        &[
            (view("/pricing", 1, 0), "a.0"),
            (view("/pricing/b", 1, 0), "b.0"),
        ],
    );
    a.update_page_view(
        set.event_from_text(&view("/pricing", 1, 9000)).unwrap(),
        &from_json(&view("/pricing", 1, 9000)).unwrap(),
        "a.0",
    );
    assert_eq!(a.len(), 2);
    assert!(
        a.events_text()
            .contains(r#""url":"/pricing/b","dwellMs":0"#),
        "{}",
        a.events_text()
    );
    // A stale copy (dwell 0) merged back changes nothing, and is behind.
    let mut stale = tab(&set, &[(view("/pricing", 1, 0), "a.0")]);
    let m = stale.merge(stored(&set, &a));
    assert!(m.gained);
    assert!(stale
        .events_text()
        .contains(r#""url":"/pricing","dwellMs":9000"#));
    let m = a.merge(tab(&set, &[(view("/pricing", 1, 0), "a.0")]));
    assert!(!m.gained && m.behind);
}

#[test]
fn ids_are_stored_beside_the_events_and_left_out_of_the_events_text() {
    let set = rules();
    let a = tab(
        &set,
        &[
            (view("/pricing", 1, 0), "k3j9x.0"),
            (view("/pricing", 2, 0), ""),
        ],
    );
    assert_eq!(
        a.to_text(),
        r#"{"v":1,"events":[{"type":"page_view","ts":1,"url":"/pricing","dwellMs":0},{"type":"page_view","ts":2,"url":"/pricing","dwellMs":0}],"ids":["k3j9x.0",""]}"#
    );
    assert!(!a.events_text().contains("k3j9x"));
    // Without any id, the text is the one written before ids existed.
    let b = tab(&set, &[(view("/pricing", 1, 0), "")]);
    assert_eq!(
        b.to_text(),
        r#"{"v":1,"events":[{"type":"page_view","ts":1,"url":"/pricing","dwellMs":0}]}"#
    );
}

#[test]
fn state_written_before_ids_merges_by_text() {
    let set = rules();
    let old = format!(
        r#"{{"v":1,"events":[{},{}]}}"#,
        view("/pricing", 1, 0),
        view("/pricing", 3, 0)
    );
    let (old, dropped) = Visitor::from_text(&set, &old).unwrap();
    assert!(dropped.is_empty());
    // This tab's own view (with an id) is the stored one with the same text.
    let mut a = tab(&set, &[(view("/pricing", 1, 0), "a.0")]);
    a.merge(old);
    assert_eq!(a.len(), 2);
}

#[test]
fn hostile_ids_are_ignored_not_trusted() {
    let set = rules();
    let long = "x".repeat(100);
    for ids in [
        r#"[1]"#.to_string(),
        r#""a""#.into(),
        r#"["a","b"]"#.into(),
        format!(r#"["{long}"]"#),
        r#"["a\u0000b"]"#.into(),
    ] {
        let text = format!(
            r#"{{"v":1,"events":[{}],"ids":{ids}}}"#,
            view("/pricing", 1, 0)
        );
        let (v, _) = Visitor::from_text(&set, &text).unwrap();
        assert_eq!(v.len(), 1, "{ids}");
        assert!(!v.to_text().contains("\"ids\""), "{ids}: {}", v.to_text());
    }
}

/// The binary state (format 2, what the tag stores): ids and events read back, merges by
/// id as the text did, and an older tag's personal data is cleaned as it is read.
#[test]
fn binary_state_keeps_ids_events_and_page_journals() {
    let set = rules();
    let a = tab(
        &set,
        &[
            (view("/pricing", 1, 0), "p1.0"),
            (view("/pricing", 2, 0), "p2.0"),
            (r#"{"type":"note","ts":3,"props":{"n":"é"}}"#.into(), "p1.1"),
        ],
    );
    let loaded = Visitor::from_bytes(&set, &a.to_bytes()).unwrap();
    assert!(loaded.refused.is_empty() && loaded.damaged.is_none() && !loaded.scrubbed);
    assert_eq!(loaded.visitor.to_text(), a.to_text());
    // One page's journal: only the events with its ids.
    let (journal, n) = a.to_bytes_of("p1.");
    assert_eq!(n, 2);
    let mine = Visitor::from_bytes(&set, &journal).unwrap().visitor;
    assert_eq!(mine.len(), 2);
    // Merging the copy back gains nothing; a copy without one event is behind.
    let mut b = loaded.visitor;
    let m = b.merge(Visitor::from_bytes(&set, &a.to_bytes()).unwrap().visitor);
    assert!(!m.gained && !m.behind);
    let m = b.merge(mine);
    assert!(!m.gained && m.behind);
}

#[test]
fn binary_state_is_cleaned_checked_and_read_up_to_damage() {
    let set = rules();
    let old = r#"{"v":1,"events":[{"type":"page_view","ts":1,"url":"/pricing?email=jo%40x.io","dwellMs":0},{"type":"nope","ts":2},{"type":"page_view","ts":3,"url":"/pricing","dwellMs":0}],"ids":["a.0","a.1","a.2"]}"#;
    // As an older tag's text converted by the page (www/tag/values.js), before any cleaning.
    let mut bytes = b"LS\x02\x03".to_vec();
    let node = leadscore::json::read(old).unwrap();
    let events = node.get("events").unwrap();
    let leadscore::json::Value::Arr(items) = &events.value else {
        panic!()
    };
    for (i, item) in items.iter().enumerate() {
        let id = format!("a.{i}");
        bytes.push(id.len() as u8);
        bytes.extend(id.as_bytes());
        bytes.extend(leadscore::state::codec::encode(&item.value));
    }
    let loaded = Visitor::from_bytes(&set, &bytes).unwrap();
    assert_eq!(loaded.removed, ["url"]);
    assert!(loaded.scrubbed, "to be written back clean");
    assert_eq!(loaded.refused.len(), 1);
    assert_eq!(loaded.refused[0].path, "events[1].type");
    assert_eq!(loaded.visitor.len(), 2);
    assert!(!loaded.visitor.to_text().contains("jo"));
    // Cut inside the last event: the two before it are kept, the damage named.
    let cut = Visitor::from_bytes(&set, &bytes[..bytes.len() - 4]).unwrap();
    assert_eq!(cut.visitor.len(), 1, "the refused one is not kept either");
    assert_eq!(cut.damaged.unwrap().path, "events[2]");
    // Not state at all.
    assert!(Visitor::from_bytes(&set, b"{\"v\":1}").is_err());
    assert!(Visitor::from_bytes(&set, b"LS\x09\x00").is_err());
}

/// LEB128, as the state's counts and lengths are written.
fn varint(out: &mut Vec<u8>, mut n: usize) {
    while n >= 0x80 {
        out.push((n as u8) | 0x80);
        n >>= 7;
    }
    out.push(n as u8);
}

/// Stored state that no tag writes: 20,000 id-less page views in one millisecond, each of
/// another URL. It is read as at most `MAX_EVENTS` (the newest), and merging it with
/// itself keeps those once: the merge compared every event with every other (reading both
/// URLs), 91 s in the tag for this state before the bounds.
#[test]
fn hostile_state_of_many_equal_times_is_read_bounded() {
    let set = rules();
    let n = 20_000;
    let mut bytes = b"LS\x02".to_vec();
    varint(&mut bytes, n);
    for i in 0..n {
        bytes.push(0); // no id
        bytes.extend(from_json(&view(&format!("/pricing/p{i}"), 5, 0)).unwrap());
    }
    let loaded = Visitor::from_bytes(&set, &bytes).unwrap();
    assert_eq!(loaded.visitor.len(), leadscore::state::MAX_EVENTS);
    let mut v = loaded.visitor;
    let again = Visitor::from_bytes(&set, &bytes).unwrap().visitor;
    v.merge(again);
    assert_eq!(v.len(), leadscore::state::MAX_EVENTS, "each kept once");
}
