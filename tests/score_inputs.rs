//! `leadscore score` on what support is handed from the browser: the array
//! `leadscore.events()` returns, and a payload as `leadscore.payload()` returns it or as
//! the `leadscore_payload` form field posts it (base64url); each gives the browser's result.

mod support;

use std::process::Output;
use support::*;

/// Runs `score` on `input` (a scratch file, or standard input) at `now`.
fn score_input(input: &str, now: Option<&str>, stdin: bool) -> Output {
    static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let p = scratch(&format!("input-{n}"), input);
    let rules = fixture("contract-rules.json");
    let source = if stdin { "-" } else { p.to_str().unwrap() };
    let mut args = vec!["score", "--rules", &rules, "--events", source];
    if let Some(n) = now {
        args.extend(["--now", n]);
    }
    let o = run_with_stdin(&args, if stdin { input } else { "" });
    std::fs::remove_file(p).ok();
    o
}

/// The contract's §3 result: what the browser shows for visitor v1 at NOW.
fn contract_result() -> J {
    parse(&std::fs::read_to_string(fixture("contract-result.json")).unwrap())
}

#[test]
fn score_reads_the_array_leadscore_events_returns() {
    let compact = contract_events_array();
    // As copied from the browser's console: indented over many lines.
    let indented = compact
        .replace("[{", "[\n  {")
        .replace("},{", "},\n  {")
        .replace("}]", "}\n]");
    assert!(indented.lines().count() > 4);
    for text in [&compact, &indented] {
        for stdin in [false, true] {
            let o = score_input(text, Some(NOW), stdin);
            assert_eq!(code(&o), 0, "{}", stderr(&o));
            assert_eq!(stderr(&o), "");
            assert_eq!(stdout(&o).lines().count(), 1);
            // The browser's result, value for value: no "visitor" added.
            assert_eq!(parse(&stdout(&o)), contract_result());
        }
    }
}

#[test]
fn score_reads_a_payload_as_json_or_as_the_posted_form_field() {
    // Made 15 minutes after the last event, the contract's §3 time.
    let json = payload(&contract_events_array(), NOW_F);
    for text in [
        json.clone(),
        base64url(&json),
        format!("{}\n", base64url(&json)),
    ] {
        // Without --now: as of the payload's own time, the score the browser showed.
        let o = score_input(&text, None, true);
        assert_eq!(code(&o), 0, "{}", stderr(&o));
        assert_eq!(parse(&stdout(&o)), contract_result());
        // With --now: as of then (a day later, decayed).
        let later = format!("{}", NOW_F + DAY);
        let o = score_input(&text, Some(&later), false);
        assert_eq!(code(&o), 0, "{}", stderr(&o));
        let score = num(get(&parse(&stdout(&o)), "score"));
        assert!(score < 40.00020056502934 && score > 39.0, "{score}");
    }
}

#[test]
fn score_reports_a_bad_event_of_an_array_or_payload_by_its_path() {
    let events = contract_events_array().replace("\"webinar_attended\"", "\"chat_opened\"");
    let o = score_input(&events, Some(NOW), false);
    assert_eq!(code(&o), 0, "the other events still score: {}", stderr(&o));
    let err = stderr(&o);
    let line = err.lines().next().unwrap();
    let (_, l, c, path, _) = compiler_line(line);
    let at = events.find("\"chat_opened\"").unwrap() as u32 + 1;
    assert_eq!((l, c, path.as_str()), (1, at, "[3].type"), "{err}");

    let json =
        payload(&contract_events_array(), NOW_F).replace("\"webinar_attended\"", "\"chat_opened\"");
    let o = score_input(&json, None, false);
    let (_, _, _, path, _) = compiler_line(stderr(&o).lines().next().unwrap());
    assert_eq!(path, "events[3].type");
    // base64url: no position in the file, the path still names the event.
    let o = score_input(&base64url(&json), None, false);
    let first = stderr(&o).lines().next().unwrap().to_string();
    assert!(first.contains(": events[3].type: "), "{first}");
    assert!(!first.contains(":1:"), "{first}");
    // --strict: skipped events make it exit 1.
    let rules = fixture("contract-rules.json");
    let o = run_with_stdin(
        &["score", "--rules", &rules, "--events", "-", "--strict"],
        &json,
    );
    assert_eq!(code(&o), 1);
}

#[test]
fn score_refuses_an_array_that_is_not_json() {
    let o = score_input("[{\"type\": \"page_view\",\n  \"ts\": }]", Some(NOW), false);
    assert_eq!(code(&o), 2);
    assert_eq!(stdout(&o), "");
    let line = stderr(&o).lines().next().unwrap().to_string();
    let (_, l, c, path, _) = compiler_line(line.strip_prefix("leadscore: ").unwrap_or(&line));
    // The path being read when the text stopped being JSON.
    assert_eq!((l, c, path.as_str()), (2, 9, "[0].ts"));
}
