//! `leadscore verify` as a server runs it: its output, every exit code (0 consistent,
//! 1 findings, 2 could not verify), its limits and options, and agreement with `score`
//! on what invalid rules mean.

mod support;

use std::process::Output;
use support::*;

fn verify_stdin(payload: &str, extra: &[&str]) -> Output {
    let rules = fixture("contract-rules.json");
    let mut args = vec!["verify", "--rules", &rules, "--payload", "-"];
    args.extend(extra);
    run_with_stdin(&args, payload)
}

fn genuine() -> String {
    payload(&contract_events_array(), NOW_F)
}

/// Codes of the findings in verify's output.
fn codes(o: &Output) -> Vec<String> {
    let v = parse(&stdout(o));
    let J::Arr(items) = get(&v, "findings") else {
        panic!("{}", stdout(o))
    };
    items
        .iter()
        .map(|f| str_of(get(f, "code")).unwrap().to_string())
        .collect()
}

#[test]
fn a_consistent_payload_exits_0_with_the_authoritative_result() {
    for text in [genuine(), base64url(&genuine())] {
        let o = verify_stdin(&text, &["--now", NOW]);
        assert_eq!(code(&o), 0, "{}", stderr(&o));
        let v = parse(&stdout(&o));
        assert_eq!(keys(&v), ["consistent", "findings", "payloadTs", "result"]);
        assert_eq!(get(&v, "consistent"), &J::Bool(true));
        assert_eq!(num(get(&v, "payloadTs")), NOW_F);
        let want = parse(&std::fs::read_to_string(fixture("contract-result.json")).unwrap());
        assert_eq!(get(&v, "result"), &want);
    }
    // The payload as text on the command line and as @FILE.
    let rules = fixture("contract-rules.json");
    let text = base64url(&genuine());
    let o = run(&[
        "verify",
        "--rules",
        &rules,
        "--payload",
        &text,
        "--now",
        NOW,
    ]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let p = scratch("payload.txt", &text);
    let at = format!("@{}", p.display());
    let o = run(&["verify", "--rules", &rules, "--payload", &at, "--now", NOW]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    std::fs::remove_file(p).ok();
}

#[test]
fn a_tampered_claim_exits_1_with_each_finding_as_code_path_message() {
    let g = genuine();
    let text = g
        .replace("\"score\":40.00020056502934", "\"score\":95")
        .replace("\"band\":\"sales review\"", "\"band\":\"hot\"");
    let o = verify_stdin(&text, &["--now", NOW]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    let v = parse(&stdout(&o));
    assert_eq!(get(&v, "consistent"), &J::Bool(false));
    let J::Arr(findings) = get(&v, "findings") else {
        panic!()
    };
    let got: Vec<(&str, &str, &str)> = findings
        .iter()
        .map(|f| {
            assert_eq!(keys(f), ["code", "path", "message"]);
            (
                str_of(get(f, "code")).unwrap(),
                str_of(get(f, "path")).unwrap(),
                str_of(get(f, "message")).unwrap(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            (
                "score_edited",
                "result.score",
                "claimed score 95, the events give 40.00020056502934"
            ),
            (
                "band_edited",
                "result.band",
                "claimed band \"hot\", the events give \"sales review\""
            ),
        ]
    );
    // The result is still the authoritative one.
    assert_eq!(num(get(get(&v, "result"), "score")), 40.00020056502934);
}

#[test]
fn forged_infinity_is_never_consistent() {
    let g = genuine();
    for inf in ["1e400", "-1e400"] {
        for (from, to) in [
            ("\"score\":40.00020056502934", format!("\"score\":{inf}")),
            ("\"fit\":20", format!("\"fit\":{inf}")),
            ("\"ts\":1766448000000", format!("\"ts\":{inf}")),
        ] {
            let o = verify_stdin(&g.replace(from, &to), &["--now", NOW]);
            assert_ne!(code(&o), 0, "{to}: {}", stdout(&o));
            if code(&o) == 1 {
                assert!(codes(&o).contains(&"not_finite".to_string()), "{to}");
            }
        }
    }
}

#[test]
fn a_payload_from_the_future_is_a_finding_with_or_without_now() {
    // Events and time moved a year ahead of the real clock, digest and result remade.
    let clock = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as f64;
    let by = (clock - NOW_F).max(0.0) + 365.0 * DAY;
    let mut events = contract_events_array();
    for ts in ["1763856000000", "1763856060000", "1763856900000"] {
        let t: f64 = ts.parse().unwrap();
        events = events.replace(ts, &format!("{}", t + by));
    }
    let forged = payload(&events, NOW_F + by);
    let year_later = format!("{}", NOW_F + by);
    // Consistent at its own time: only the server's clock catches it.
    let o = verify_stdin(&forged, &["--now", &year_later]);
    assert_eq!((code(&o), codes(&o)), (0, vec![]), "{}", stderr(&o));
    for args in [&["--now", NOW][..], &[]] {
        let o = verify_stdin(&forged, args);
        assert_eq!(code(&o), 1, "{args:?}");
        assert_eq!(codes(&o), ["from_future"], "{args:?}");
    }
    // --max-skew-ms widens what clock difference is allowed.
    let wide = format!("{}", 2.0 * by);
    let o = verify_stdin(&forged, &["--now", NOW, "--max-skew-ms", &wide]);
    assert_eq!(code(&o), 0, "{}", stdout(&o));
}

/// Exit 2, nothing on stdout, one problem line naming `path` on stderr.
fn assert_cannot_verify(o: &Output, path: &str) {
    assert_eq!(code(o), 2, "{}", stderr(o));
    assert_eq!(stdout(o), "");
    let err = stderr(o);
    assert!(
        err.lines().next().unwrap().contains(&format!(": {path}: ")),
        "{path}: {err}"
    );
}

#[test]
fn a_payload_that_cannot_be_read_exits_2() {
    let g = genuine();
    let not_json = "this is not base64 or JSON!";
    assert_cannot_verify(&verify_stdin(not_json, &[]), "(document)");
    assert_cannot_verify(&verify_stdin("", &[]), "(document)");
    let o = verify_stdin("{\"v\":1,\n \"ts\": }", &[]);
    // A syntax error names the value being read.
    assert_cannot_verify(&o, "ts");
    assert!(stderr(&o).starts_with("<stdin>:2:8: "), "{}", stderr(&o));
    let no_ts = g.replace("\"ts\":1766448000000,", "");
    assert_cannot_verify(&verify_stdin(&no_ts, &[]), "ts");
    // In base64url, no position: the path still says where.
    let o = verify_stdin(&base64url(&no_ts), &[]);
    assert_cannot_verify(&o, "ts");
    assert!(stderr(&o).starts_with("<stdin>: ts: "), "{}", stderr(&o));
}

#[test]
fn a_payload_over_a_limit_exits_2_before_it_is_read() {
    let g = genuine();
    let tight = format!("{}", g.len() - 1);
    let o = verify_stdin(&g, &["--max-bytes", &tight]);
    assert_cannot_verify(&o, "(document)");
    assert!(stderr(&o).contains("--max-bytes"), "{}", stderr(&o));
    let o = verify_stdin(&g, &["--max-events", "3"]);
    assert_cannot_verify(&o, "events");
    assert!(stderr(&o).contains("--max-events"), "{}", stderr(&o));
    // The default limit: 4,000,000 bytes, whatever the text is.
    let o = verify_stdin(&"A".repeat(4_000_001), &[]);
    assert_cannot_verify(&o, "(document)");
    let o = verify_stdin(&g, &["--max-bytes", &format!("{}", g.len())]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
}

#[test]
fn invalid_rules_exit_2_for_verify_and_score_alike() {
    let rules = fixture("broken-rules.json");
    let o = run_with_stdin(&["verify", "--rules", &rules, "--payload", "-"], &genuine());
    assert_eq!(code(&o), 2);
    assert!(
        stderr(&o).contains(":27:47: rules[3].when.page: "),
        "{}",
        stderr(&o)
    );
    let o = run_with_stdin(&["score", "--rules", &rules, "--events", "-"], &genuine());
    assert_eq!(code(&o), 2);
    assert!(
        stderr(&o).contains(":27:47: rules[3].when.page: "),
        "{}",
        stderr(&o)
    );
}

#[test]
fn usage_errors_exit_2() {
    let rules = fixture("contract-rules.json");
    let cases: Vec<Vec<&str>> = vec![
        vec!["verify"],
        vec!["verify", "--rules", &rules],
        vec!["verify", "--payload", "-"],
        vec!["verify", "--rules", &rules, "--payload", "-", "--now", "x"],
        vec![
            "verify",
            "--rules",
            &rules,
            "--payload",
            "-",
            "--max-bytes",
            "-1",
        ],
        vec![
            "verify",
            "--rules",
            &rules,
            "--payload",
            "-",
            "--max-events",
            "many",
        ],
        vec![
            "verify",
            "--rules",
            &rules,
            "--payload",
            "-",
            "--max-skew-ms",
            "-5",
        ],
        vec!["verify", "--rules", &rules, "--payload", "@/no/such/file"],
        vec!["verify", "--rules", &rules, "--payload", "-", "extra"],
    ];
    for args in cases {
        let o = run_with_stdin(&args, &genuine());
        assert_eq!(code(&o), 2, "{args:?}: {}", stderr(&o));
        assert_eq!(stdout(&o), "", "{args:?}");
        assert!(!stderr(&o).trim().is_empty(), "{args:?}");
    }
}
