//! The native command (contract §4), run as a built binary: `check` and `score`, their
//! output lines, stderr reports and exit codes.

use leadscore::json::{self, Node, Value};
use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

const NOW: &str = "1766448000000";
const NOW_F: f64 = 1_766_448_000_000.0;
const DAY: f64 = 86_400_000.0;

fn fixture(name: &str) -> String {
    format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"))
}

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_leadscore"))
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("the leadscore binary runs")
}

fn run_with_stdin(args: &[&str], input: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_leadscore"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the leadscore binary runs");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).expect("stdout is UTF-8")
}

fn stderr(o: &Output) -> String {
    String::from_utf8(o.stderr.clone()).expect("stderr is UTF-8")
}

fn code(o: &Output) -> i32 {
    o.status.code().expect("exited with a code")
}

/// A scratch file with `text`, unique to this test process and `name`.
fn scratch(name: &str, text: &str) -> PathBuf {
    let p = std::env::temp_dir().join(format!("leadscore-cli-{}-{name}", std::process::id()));
    std::fs::write(&p, text).unwrap();
    p
}

/// A JSON value of our own, owning its strings and without source offsets, so values
/// read from different texts compare equal.
#[derive(Debug, Clone, PartialEq)]
enum J {
    Null,
    Bool(bool),
    Num(f64),
    Str(String),
    Arr(Vec<J>),
    Obj(Vec<(String, J)>),
}

fn own(n: &Node) -> J {
    match &n.value {
        Value::Null => J::Null,
        Value::Bool(b) => J::Bool(*b),
        Value::Num(x) => J::Num(*x),
        Value::Str(s) => J::Str(s.to_string()),
        Value::Arr(items) => J::Arr(items.iter().map(own).collect()),
        Value::Obj(f) => J::Obj(f.iter().map(|(k, v)| (k.to_string(), own(v))).collect()),
    }
}

/// Parses with the crate's own reader (`leadscore::json::parse`).
fn parse(text: &str) -> J {
    own(&json::parse(text).unwrap_or_else(|e| panic!("not JSON ({e:?}): {text}")))
}

fn get<'a>(v: &'a J, key: &str) -> &'a J {
    match v {
        J::Obj(f) => {
            &f.iter()
                .find(|(k, _)| k == key)
                .unwrap_or_else(|| panic!("no {key} in {v:?}"))
                .1
        }
        _ => panic!("not an object: {v:?}"),
    }
}

fn num(v: &J) -> f64 {
    match v {
        J::Num(n) => *n,
        _ => panic!("not a number: {v:?}"),
    }
}

fn str_of(v: &J) -> Option<&str> {
    match v {
        J::Str(s) => Some(s),
        J::Null => None,
        _ => panic!("not a string or null: {v:?}"),
    }
}

fn keys(v: &J) -> Vec<&str> {
    match v {
        J::Obj(f) => f.iter().map(|(k, _)| k.as_str()).collect(),
        _ => panic!("not an object: {v:?}"),
    }
}

fn explain(v: &J) -> Vec<(String, usize, f64)> {
    match get(v, "explain") {
        J::Arr(items) => items
            .iter()
            .map(|x| {
                (
                    str_of(get(x, "rule")).unwrap().to_string(),
                    num(get(x, "count")) as usize,
                    num(get(x, "points")),
                )
            })
            .collect(),
        v => panic!("explain is not an array: {v:?}"),
    }
}

// ---------------------------------------------------------------------------------------
// check

#[test]
fn check_accepts_the_contract_rules_with_one_summary_line() {
    let o = run(&["check", &fixture("contract-rules.json")]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let out = stdout(&o);
    assert_eq!(out.lines().count(), 1, "{out}");
    assert!(!out.trim().is_empty());
    assert!(out.ends_with('\n'));
    assert_eq!(stderr(&o), "");
}

#[test]
fn check_reports_every_problem_as_path_colon_message() {
    // broken-rules.json is the contract's rules with three mistakes: rules[0] has
    // "cooldownMinute", rules[3] names page "prcing", and "nurture" repeats min 40.
    let o = run(&["check", &fixture("broken-rules.json")]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    let out = stdout(&o);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 3, "{out}");
    let mut paths: Vec<&str> = lines
        .iter()
        .map(|l| {
            let (path, message) = l
                .split_once(": ")
                .unwrap_or_else(|| panic!("not PATH: message: {l}"));
            assert!(!message.trim().is_empty(), "{l}");
            assert!(!path.contains(' '), "{l}");
            path
        })
        .collect();
    paths.sort();
    assert_eq!(
        paths,
        [
            "bands[2].min",
            "rules[0].cooldownMinute",
            "rules[3].when.page"
        ]
    );
    assert!(
        lines.iter().any(|l| l.starts_with("rules[3].when.page: ")),
        "{out}"
    );
    let page = lines
        .iter()
        .find(|l| l.starts_with("rules[3].when.page: "))
        .unwrap();
    assert!(
        page.contains("prcing"),
        "the message names the unknown category: {page}"
    );
}

#[test]
fn check_json_lines_carry_code_path_line_and_column() {
    let o = run(&["check", &fixture("broken-rules.json"), "--json"]);
    assert_eq!(code(&o), 1);
    let mut got: Vec<(String, String, f64)> = stdout(&o)
        .lines()
        .map(|l| {
            let v = parse(l);
            (
                str_of(get(&v, "code")).unwrap().to_string(),
                str_of(get(&v, "path")).unwrap().to_string(),
                num(get(&v, "line")),
            )
        })
        .collect();
    got.sort_by(|a, b| a.1.cmp(&b.1));
    // Lines of the offending values in the fixture.
    assert_eq!(
        got,
        [
            (
                "duplicate_band_min".to_string(),
                "bands[2].min".to_string(),
                38.0
            ),
            (
                "unknown_field".to_string(),
                "rules[0].cooldownMinute".to_string(),
                18.0
            ),
            (
                "unknown_page_category".to_string(),
                "rules[3].when.page".to_string(),
                27.0
            ),
        ]
    );
}

#[test]
fn check_reports_a_syntax_error_with_its_position() {
    let p = scratch(
        "syntax.json",
        "{\n  \"version\": \"x\",\n  \"rules\": [1 2]\n}\n",
    );
    let o = run(&["check", p.to_str().unwrap()]);
    assert_eq!(code(&o), 1);
    let out = stdout(&o);
    assert_eq!(out.lines().count(), 1, "{out}");
    assert!(out.contains("line 3, column 15"), "{out}");
    let o = run(&["check", p.to_str().unwrap(), "--json"]);
    let v = parse(stdout(&o).trim());
    assert_eq!(str_of(get(&v, "code")), Some("syntax"));
    assert_eq!((num(get(&v, "line")), num(get(&v, "column"))), (3.0, 15.0));
    std::fs::remove_file(p).ok();
}

// ---------------------------------------------------------------------------------------
// score

#[test]
fn score_prints_the_contract_result_for_v1() {
    let o = run(&[
        "score",
        "--rules",
        &fixture("contract-rules.json"),
        "--events",
        &fixture("contract-events.jsonl"),
        "--now",
        NOW,
    ]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(stderr(&o), "");
    let out = stdout(&o);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 1, "{out}");
    let got = parse(lines[0]);
    assert_eq!(num(get(&got, "score")), 40.00020056502934);
    assert_eq!(
        keys(&got),
        [
            "visitor",
            "score",
            "categories",
            "band",
            "action",
            "disqualified",
            "rulesVersion",
            "explain"
        ]
    );
    assert_eq!(str_of(get(&got, "visitor")), Some("v1"));
    // Everything but "visitor" is the contract's §3 result, value for value.
    let want = parse(&std::fs::read_to_string(fixture("contract-result.json")).unwrap());
    let J::Obj(mut fields) = got else {
        unreachable!()
    };
    fields.retain(|(k, _)| k != "visitor");
    assert_eq!(J::Obj(fields), want);
}

#[test]
fn score_many_visitors_sorted_and_bad_lines_skipped() {
    // visitors.jsonl, scored with the contract's rules (half-life 30 days) at NOW:
    //  zoe:  pricing view 1 day old, 8 s dwell → 15·0.5^(1/30); careers view at now → −10
    //        (maxCount 1). engagement −10, intent 15·0.5^(1/30) ≈ 14.54; score ≈ 4.54 → "new".
    //  adam: Demo-Request form 1 day old → 25·0.5^(1/30); identify email_type competitor →
    //        disqualified (competitor explained with 0 points); line 5 (unknown event type)
    //        and line 10 (undeclared prop) are his but skipped.
    //  mia:  only an identify 1 ms after now → nothing counts: score 0, band "new".
    // Line 4 is not JSON, line 6 has no visitor; line 7 is blank (ignored, not an error).
    let o = run(&[
        "score",
        "--rules",
        &fixture("contract-rules.json"),
        "--events",
        &fixture("visitors.jsonl"),
        "--now",
        NOW,
    ]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let out = stdout(&o);
    let results: Vec<J> = out.lines().map(parse).collect();
    let visitors: Vec<&str> = results
        .iter()
        .map(|r| str_of(get(r, "visitor")).unwrap())
        .collect();
    assert_eq!(visitors, ["adam", "mia", "zoe"]);

    let f = libm::pow(0.5, 1.0 / 30.0);
    let adam = &results[0];
    assert_eq!(num(get(adam, "score")), 0.0 + 0.0 + 25.0 * f);
    assert_eq!(get(adam, "disqualified"), &J::Bool(true));
    assert_eq!(str_of(get(adam, "band")), Some("disqualified"));
    assert_eq!(str_of(get(adam, "action")), None);
    assert_eq!(
        explain(adam),
        [
            ("demo-request".to_string(), 1, 25.0 * f),
            ("competitor".to_string(), 1, 0.0)
        ]
    );

    let mia = &results[1];
    assert_eq!(num(get(mia, "score")), 0.0);
    assert_eq!(str_of(get(mia, "band")), Some("new"));
    assert_eq!(get(mia, "disqualified"), &J::Bool(false));
    assert!(explain(mia).is_empty());

    let zoe = &results[2];
    let intent = 15.0 * f;
    assert_eq!(num(get(zoe, "score")), (0.0 + -10.0) + intent);
    assert_eq!(num(get(get(zoe, "categories"), "engagement")), -10.0);
    assert_eq!(num(get(get(zoe, "categories"), "intent")), intent);
    assert_eq!(str_of(get(zoe, "band")), Some("new"));
    assert_eq!(
        explain(zoe),
        [
            ("pricing-view".to_string(), 1, intent),
            ("careers-visitor".to_string(), 1, -10.0)
        ]
    );

    // Each skipped line is reported on stderr with its line number; no other line is.
    let err = stderr(&o);
    let reported: Vec<usize> = err
        .lines()
        .filter_map(|l| {
            let rest = l.split_once("visitors.jsonl:")?.1;
            rest.split(':').next()?.parse().ok()
        })
        .collect();
    assert_eq!(reported, [4, 5, 6, 10], "{err}");
    let line_of = |n: usize| {
        err.lines()
            .find(|l| l.contains(&format!("visitors.jsonl:{n}:")))
            .unwrap()
            .to_string()
    };
    assert!(line_of(4).contains("syntax"), "{err}");
    assert!(line_of(5).contains("unknown_event"), "{err}");
    assert!(line_of(6).contains("visitor"), "{err}");
    assert!(line_of(10).contains("unknown_prop"), "{err}");
}

#[test]
fn score_reads_events_in_ts_order_whatever_the_file_order() {
    // The contract's events in reverse file order give the same result.
    let text = std::fs::read_to_string(fixture("contract-events.jsonl")).unwrap();
    let reversed: Vec<&str> = text.lines().rev().collect();
    let p = scratch("reversed.jsonl", &(reversed.join("\n") + "\n"));
    let o = run(&[
        "score",
        "--rules",
        &fixture("contract-rules.json"),
        "--events",
        p.to_str().unwrap(),
        "--now",
        NOW,
    ]);
    assert_eq!(code(&o), 0);
    let v = parse(stdout(&o).trim());
    assert_eq!(num(get(&v, "score")), 40.00020056502934);
    std::fs::remove_file(p).ok();
}

#[test]
fn score_reads_standard_input() {
    let text = std::fs::read_to_string(fixture("contract-events.jsonl")).unwrap();
    let o = run_with_stdin(
        &[
            "score",
            "--rules",
            &fixture("contract-rules.json"),
            "--events",
            "-",
            "--now",
            NOW,
        ],
        &text,
    );
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let v = parse(stdout(&o).trim());
    assert_eq!(num(get(&v, "score")), 40.00020056502934);
}

#[test]
fn pretty_output_parses_to_the_same_values() {
    let args = |pretty: bool| {
        let mut a = vec![
            "score".to_string(),
            "--rules".into(),
            fixture("contract-rules.json"),
            "--events".into(),
            fixture("visitors.jsonl"),
            format!("--now={NOW}"),
        ];
        if pretty {
            a.push("--pretty".into());
        }
        a
    };
    let plain = Command::new(env!("CARGO_BIN_EXE_leadscore"))
        .args(args(false))
        .output()
        .unwrap();
    let pretty = Command::new(env!("CARGO_BIN_EXE_leadscore"))
        .args(args(true))
        .output()
        .unwrap();
    assert_eq!((code(&plain), code(&pretty)), (0, 0));
    let compact: Vec<J> = stdout(&plain).lines().map(parse).collect();
    // Pretty results are multi-line objects, each closed by a `}` alone on its line.
    let text = stdout(&pretty);
    assert!(
        text.lines().count() > compact.len(),
        "pretty output is indented:\n{text}"
    );
    let mut values = Vec::new();
    let mut current = String::new();
    for line in text.lines() {
        current.push_str(line);
        current.push('\n');
        if line == "}" {
            values.push(parse(&current));
            current.clear();
        }
    }
    assert!(current.trim().is_empty(), "trailing text: {current}");
    assert_eq!(values, compact);
    assert_eq!(values.len(), 3);
}

#[test]
fn score_with_invalid_rules_exits_1_and_reports_them() {
    let o = run(&[
        "score",
        "--rules",
        &fixture("broken-rules.json"),
        "--events",
        &fixture("contract-events.jsonl"),
        "--now",
        NOW,
    ]);
    assert_eq!(code(&o), 1);
    assert_eq!(stdout(&o), "");
    assert!(
        stderr(&o).contains("rules[3].when.page: "),
        "{}",
        stderr(&o)
    );
}

#[test]
fn score_default_now_is_the_current_time() {
    // Without --now the events (2025) are in the past: the result is the contract's rules
    // scored later than §3's now, so the behaviour points have decayed further.
    let o = run(&[
        "score",
        "--rules",
        &fixture("contract-rules.json"),
        "--events",
        &fixture("contract-events.jsonl"),
    ]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let v = parse(stdout(&o).trim());
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as f64;
    if now > NOW_F + DAY {
        assert!(num(get(&v, "score")) < 40.00020056502934);
    }
    assert_eq!(num(get(get(&v, "categories"), "fit")), 20.0);
}

// ---------------------------------------------------------------------------------------
// Usage errors

#[test]
fn usage_errors_exit_2() {
    let rules = fixture("contract-rules.json");
    let events = fixture("contract-events.jsonl");
    let missing = fixture("no-such-file.json");
    let cases: Vec<Vec<&str>> = vec![
        vec![],
        vec!["frobnicate"],
        vec!["check"],
        vec!["check", &rules, &rules],
        vec!["check", &rules, "--strict-ish"],
        vec!["check", &missing],
        vec!["score"],
        vec!["score", "--rules", &rules],
        vec!["score", "--events", &events],
        vec![
            "score", "--rules", &rules, "--events", &events, "--now", "soon",
        ],
        vec![
            "score", "--rules", &rules, "--events", &events, "--now", "inf",
        ],
        vec!["score", "--rules", &rules, "--events", &events, "--now"],
        vec!["score", "--rules", &rules, "--events", &events, "--colour"],
        vec!["score", "--rules", &rules, "--events", &events, "extra"],
        vec![
            "score", "--rules", &missing, "--events", &events, "--now", NOW,
        ],
        vec![
            "score", "--rules", &rules, "--events", &missing, "--now", NOW,
        ],
    ];
    for args in cases {
        let o = run(&args);
        assert_eq!(code(&o), 2, "{args:?}: {}", stderr(&o));
        assert_eq!(stdout(&o), "", "{args:?}");
        assert!(
            !stderr(&o).trim().is_empty(),
            "{args:?} explains itself on stderr"
        );
    }
}

#[test]
fn help_and_version_exit_0() {
    for flag in ["--help", "-V"] {
        let o = run(&[flag]);
        assert_eq!(code(&o), 0, "{flag}");
        assert!(!stdout(&o).trim().is_empty(), "{flag}");
    }
}
