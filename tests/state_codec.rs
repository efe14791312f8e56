//! The binary state codec (src/core/state/codec.rs): what it writes reads back the same, and
//! whatever bytes it is given (mutated state, noise, hostile lengths and nesting) it never
//! panics, answers in time linear in the input, and yields only finite numbers.
use leadscore::json::{Node, Value};
use leadscore::state::codec::{
    base64_decode, base64_encode, decode_state, encode, encode_array, encode_state, read_state,
    read_value, Stored,
};
use proptest::prelude::*;
use std::borrow::Cow;
use std::time::{Duration, Instant};

fn node(value: Value<'static>) -> Node<'static> {
    Node {
        value,
        at: 0,
        end: 0,
    }
}

fn value() -> impl Strategy<Value = Value<'static>> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<f64>()
            .prop_filter("finite", |n| n.is_finite())
            .prop_map(Value::Num),
        ".{0,12}".prop_map(|s: String| Value::Str(Cow::Owned(s))),
    ];
    leaf.prop_recursive(4, 32, 5, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone().prop_map(node), 0..5).prop_map(Value::Arr),
            // Keys unique, as in JSON: the reader refuses an object with a repeated key.
            prop::collection::btree_map("[a-z_]{0,8}", inner.prop_map(node), 0..5)
                .prop_map(|f| Value::Obj(f.into_iter().map(|(k, v)| (Cow::Owned(k), v)).collect())),
        ]
    })
}

fn events() -> impl Strategy<Value = Vec<Stored>> {
    let event = (
        "[a-z0-9.]{0,12}",
        prop::collection::btree_map("[a-zA-Z]{1,8}", value().prop_map(node), 0..6),
    )
        .prop_map(|(id, f)| {
            (
                id,
                node(Value::Obj(
                    f.into_iter().map(|(k, v)| (Cow::Owned(k), v)).collect(),
                )),
            )
        });
    prop::collection::vec(event, 0..12)
}

fn finite(v: &Value<'_>) -> bool {
    match v {
        Value::Num(n) => n.is_finite(),
        Value::Arr(items) => items.iter().all(|n| finite(&n.value)),
        Value::Obj(f) => f.iter().all(|(_, n)| finite(&n.value)),
        _ => true,
    }
}

proptest! {
    #[test]
    fn what_is_written_reads_back_the_same(evs in events()) {
        let bytes = encode_state(&evs);
        let (back, problem) = decode_state(&bytes).expect("reads");
        prop_assert!(problem.is_none());
        prop_assert_eq!(back, evs);
        prop_assert_eq!(base64_decode(&base64_encode(&bytes)), Some(bytes));
    }

    #[test]
    fn mutated_state_never_panics_and_keeps_what_precedes_the_damage(
        evs in events(),
        edits in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>(), 0u8..3), 1..6),
    ) {
        let mut bytes = encode_state(&evs);
        for (at, b, kind) in edits {
            if bytes.is_empty() { break; }
            let i = at.index(bytes.len());
            match kind {
                0 => bytes[i] = b,
                1 => { bytes.insert(i, b); }
                _ => { bytes.truncate(i); }
            }
        }
        let t = Instant::now();
        if let Ok((back, _)) = decode_state(&bytes) {
            prop_assert!(back.len() <= bytes.len());
            prop_assert!(back.iter().all(|(_, n)| finite(&n.value)));
        }
        prop_assert!(t.elapsed() < Duration::from_millis(200));
    }

    #[test]
    fn noise_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..400), text in ".{0,64}") {
        let _ = decode_state(&bytes);
        let mut with_magic = b"LS\x02".to_vec();
        with_magic.extend_from_slice(&bytes);
        let _ = decode_state(&with_magic);
        let _ = base64_decode(&text);
    }
}

#[test]
fn hostile_headers_lengths_and_nesting_are_errors_in_bounded_time() {
    // Wrong magic, wrong version, truncated.
    for bytes in [
        &b""[..],
        b"{\"v\":1",
        b"LS\x01\x00",
        b"LS\x03\x00",
        b"LS\x02",
    ] {
        assert!(decode_state(bytes).is_err(), "{bytes:?}");
    }
    // A count of 2^63 events, and a string claiming 4 GB: refused before any allocation.
    let mut huge = b"LS\x02".to_vec();
    huge.extend([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f]);
    assert!(decode_state(&huge).is_err());
    let mut long = b"LS\x02\x01".to_vec();
    long.extend([0xff, 0xff, 0xff, 0xff, 0x0f]);
    let (evs, problem) = decode_state(&long).unwrap();
    assert!(evs.is_empty());
    assert_eq!(problem.unwrap().path, "events[0]");
    // Nesting a million arrays deep: stops at the depth limit, no stack overflow.
    let mut deep = b"LS\x02\x01\x00".to_vec();
    deep.extend(std::iter::repeat_n([5u8, 1], 1_000_000).flatten());
    let t = Instant::now();
    let (_, problem) = decode_state(&deep).unwrap();
    assert!(problem.is_some());
    assert!(t.elapsed() < Duration::from_secs(1));
    // A non-finite number is unreadable, not an infinity.
    let mut inf = b"LS\x02\x01\x00\x06\x01\x01x\x03".to_vec();
    inf.extend(f64::INFINITY.to_le_bytes());
    assert!(decode_state(&inf).unwrap().1.is_some());
}

#[test]
fn good_events_before_a_damaged_one_are_kept() {
    let ev = |id: &str, n: f64| -> Stored {
        (
            id.into(),
            node(Value::Obj(vec![(Cow::Borrowed("ts"), node(Value::Num(n)))])),
        )
    };
    let evs = vec![ev("a.0", 1.0), ev("a.1", 2.0), ev("a.2", 3.0)];
    let bytes = encode_state(&evs);
    let (back, problem) = decode_state(&bytes[..bytes.len() - 3]).unwrap();
    assert_eq!(back, evs[..2]);
    assert_eq!(problem.unwrap().path, "events[2]");
}

#[test]
fn base64_is_the_standard_alphabet() {
    assert_eq!(base64_encode(b"leadscore"), "bGVhZHNjb3Jl");
    assert_eq!(base64_encode(b"ab"), "YWI=");
    assert_eq!(base64_decode("YWI="), Some(b"ab".to_vec()));
    assert_eq!(base64_decode("YWI"), Some(b"ab".to_vec()));
    assert_eq!(base64_decode("Y"), None);
    assert_eq!(base64_decode("YW!="), None);
}

#[test]
fn a_repeated_key_is_unreadable_in_small_and_large_objects() {
    let obj = |keys: &[String]| {
        let fields = keys
            .iter()
            .map(|k| (Cow::Owned(k.clone()), node(Value::Null)))
            .collect();
        encode(&Value::Obj(fields))
    };
    for n in [2, 40] {
        let mut keys: Vec<String> = (0..n).map(|i| format!("k{i}")).collect();
        assert!(read_value(&obj(&keys)).is_some(), "{n} distinct keys");
        keys[n - 1] = "k0".into();
        assert!(read_value(&obj(&keys)).is_none(), "{n} keys, one repeated");
    }
}

#[test]
fn a_value_is_read_whole_in_place_and_borrowed() {
    let v = Value::Obj(vec![
        (
            Cow::Borrowed("type"),
            node(Value::Str(Cow::Borrowed("page_view"))),
        ),
        (Cow::Borrowed("ts"), node(Value::Num(1.5))),
    ]);
    let bytes = encode(&v);
    let n = read_value(&bytes).unwrap();
    assert_eq!((n.at, n.end as usize), (0, bytes.len()));
    assert!(matches!(
        n.get("type").unwrap().value,
        Value::Str(Cow::Borrowed("page_view"))
    ));
    // Trailing bytes, or bytes cut short, are not one value.
    let mut longer = bytes.clone();
    longer.push(0);
    assert!(read_value(&longer).is_none());
    assert!(read_value(&bytes[..bytes.len() - 1]).is_none());
    // Each stored event's `at..end` is its value's bytes, as `encode_array` strings them.
    let state = encode_state(&[("a.0".into(), node(v.clone())), ("a.1".into(), node(v))]);
    let (events, problem) = read_state(&state).unwrap();
    assert!(problem.is_none());
    let spans: Vec<&[u8]> = events
        .iter()
        .map(|(_, n)| &state[n.at as usize..n.end as usize])
        .collect();
    assert!(spans.iter().all(|s| *s == &bytes[..]));
    let array = encode_array(spans.into_iter());
    let back = read_value(&array).unwrap();
    assert!(matches!(&back.value, Value::Arr(items) if items.len() == 2));
}
