//! The native command (contract §4), run as a built binary: `check` and `score`, their
//! output lines, stderr reports and exit codes.

mod support;

use std::process::Command;
use support::*;

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
fn check_prints_file_line_col_path_message_for_every_problem() {
    // broken-rules.json is the contract's rules with three mistakes: rules[0] has
    // "cooldownMinute", rules[3] names page "prcing", and "nurture" repeats min 40.
    let file = fixture("broken-rules.json");
    let o = run(&["check", &file]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    let out = stdout(&o);
    let mut got: Vec<_> = out.lines().map(compiler_line).collect();
    got.sort_by(|a, b| a.3.cmp(&b.3));
    let places: Vec<(&str, u32, &str)> = got
        .iter()
        .map(|(f, line, _, path, _)| (f.as_str(), *line, path.as_str()))
        .collect();
    assert_eq!(
        places,
        [
            (file.as_str(), 38, "bands[2].min"),
            (file.as_str(), 18, "rules[0].cooldownMinute"),
            (file.as_str(), 27, "rules[3].when.page"),
        ]
    );
    assert!(got.iter().all(|g| g.2 > 0), "{out}");
    assert!(got[2].4.contains("prcing"), "names the category: {out}");
}

#[test]
fn check_prints_root_level_problems_with_file_and_position() {
    // No "version" (a problem of the whole document) and an unknown top-level key.
    let p = scratch(
        "root.json",
        "{\n  \"rules\": [],\n  \"bands\": [{\"name\": \"a\"}],\n  \"categories\": {\"x\": {}},\n  \"extra\": 1\n}\n",
    );
    let file = p.to_str().unwrap();
    let o = run(&["check", file]);
    assert_eq!(code(&o), 1);
    let out = stdout(&o);
    let got: Vec<_> = out.lines().map(compiler_line).collect();
    assert_eq!(got.len(), 2, "{out}");
    assert!(got.iter().all(|g| g.0 == file && g.1 > 0), "{out}");
    assert!(got.iter().any(|g| g.3 == "extra" && g.1 == 5), "{out}");
    std::fs::remove_file(p).ok();
}

#[test]
fn check_json_is_one_object_with_code_path_line_and_column() {
    let o = run(&["check", &fixture("broken-rules.json"), "--json"]);
    assert_eq!(code(&o), 1);
    let out = stdout(&o);
    assert_eq!(out.lines().count(), 1, "{out}");
    let v = parse(&out);
    assert_eq!(get(&v, "ok"), &J::Bool(false));
    let J::Arr(problems) = get(&v, "problems") else {
        panic!("{out}")
    };
    let mut got: Vec<(String, String, f64)> = problems
        .iter()
        .map(|p| {
            assert!(num(get(p, "column")) > 0.0);
            assert!(!str_of(get(p, "message")).unwrap().is_empty());
            (
                str_of(get(p, "code")).unwrap().to_string(),
                str_of(get(p, "path")).unwrap().to_string(),
                num(get(p, "line")),
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
fn check_json_of_a_valid_file_has_the_same_shape() {
    let o = run(&["check", &fixture("contract-rules.json"), "--json"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let v = parse(&stdout(&o));
    assert_eq!(get(&v, "ok"), &J::Bool(true));
    assert_eq!(get(&v, "problems"), &J::Arr(vec![]));
}

#[test]
fn check_reports_a_syntax_error_with_file_and_position() {
    let p = scratch(
        "syntax.json",
        "{\n  \"version\": \"x\",\n  \"rules\": [1 2]\n}\n",
    );
    let file = p.to_str().unwrap();
    let o = run(&["check", file]);
    assert_eq!(code(&o), 1);
    let out = stdout(&o);
    assert_eq!(out.lines().count(), 1, "{out}");
    let (f, line, col, path, _) = compiler_line(out.trim_end());
    assert_eq!(
        (f.as_str(), line, col, path.as_str()),
        // The path being read when the text stopped being JSON.
        (file, 3, 15, "rules")
    );
    let o = run(&["check", file, "--json"]);
    let v = parse(stdout(&o).trim());
    let J::Arr(problems) = get(&v, "problems") else {
        panic!()
    };
    assert_eq!(str_of(get(&problems[0], "code")), Some("syntax"));
    let at = (
        num(get(&problems[0], "line")),
        num(get(&problems[0], "column")),
    );
    assert_eq!(at, (3.0, 15.0));
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

    // Each skipped line is reported on stderr as FILE:LINE:COL: PATH: message, LINE the
    // line in the file and COL where the field at fault starts; no other line is.
    let err = stderr(&o);
    let file = fixture("visitors.jsonl");
    let reported: Vec<(u32, u32, String)> = err
        .lines()
        .filter(|l| l.starts_with(&file))
        .map(|l| {
            let (_, line, col, path, _) = compiler_line(l);
            (line, col, path)
        })
        .collect();
    let text = std::fs::read_to_string(&file).unwrap();
    let col_of = |line: u32, needle: &str| {
        text.lines()
            .nth(line as usize - 1)
            .unwrap()
            .find(needle)
            .unwrap() as u32
            + 1
    };
    assert_eq!(
        reported,
        [
            (4, 1, "(document)".to_string()),
            (5, col_of(5, "\"chat_opened\""), "type".to_string()),
            (6, 1, "visitor".to_string()),
            // An undeclared prop is an unknown key: reported at the key (contract §4).
            (10, col_of(10, "\"seat\""), "props.seat".to_string()),
        ],
        "{err}"
    );
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
fn score_with_invalid_rules_exits_2_and_reports_them() {
    let o = run(&[
        "score",
        "--rules",
        &fixture("broken-rules.json"),
        "--events",
        &fixture("contract-events.jsonl"),
        "--now",
        NOW,
    ]);
    assert_eq!(code(&o), 2, "as for verify: the command cannot do its job");
    assert_eq!(stdout(&o), "");
    assert!(
        stderr(&o).contains(&format!(
            "{}:27:47: rules[3].when.page: ",
            fixture("broken-rules.json")
        )),
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
    for flag in ["--help", "-h", "help", "-V", "--version"] {
        let o = run(&[flag]);
        assert_eq!(code(&o), 0, "{flag}");
        assert!(!stdout(&o).trim().is_empty(), "{flag}");
    }
}

/// The options each command takes (what its parser accepts).
const OPTIONS: [(&str, &[&str]); 8] = [
    ("check", &["--json"]),
    ("compile", &["-o", "--out"]),
    (
        "score",
        &[
            "--rules",
            "--events",
            "--now",
            "--pretty",
            "--strict",
            "--accounts",
        ],
    ),
    (
        "backtest",
        &[
            "--rules",
            "--events",
            "--outcomes",
            "--challenger",
            "--as-of",
            "--conversions",
            "--threads",
            "--json",
        ],
    ),
    (
        "suggest",
        &[
            "--rules",
            "--events",
            "--outcomes",
            "--out",
            "--leads-per-month",
            "--precision",
            "--holdout",
            "--conversions",
            "--threads",
            "--json",
        ],
    ),
    ("synth", &["--events", "--outcomes", "--visitors", "--seed"]),
    (
        "verify",
        &[
            "--rules",
            "--payload",
            "--now",
            "--pretty",
            "--max-bytes",
            "--max-events",
            "--max-skew-ms",
        ],
    ),
    ("schema", &[]),
];

#[test]
fn every_command_has_help_listing_every_option() {
    for (command, options) in OPTIONS {
        let forms = [
            vec![command, "--help"],
            vec![command, "-h"],
            vec!["help", command],
            // Help wins over whatever else is on the line.
            vec![command, "--rules", "x.json", "--help"],
        ];
        for args in forms {
            let o = run(&args);
            assert_eq!(code(&o), 0, "{args:?}: {}", stderr(&o));
            let help = stdout(&o);
            assert!(
                help.starts_with(&format!("usage: leadscore {command}")),
                "{args:?}: {help}"
            );
            for option in options.iter().chain(&["--help", "-h"]) {
                assert!(help.contains(option), "{command} --help lists {option}");
            }
            assert!(help.contains("exit codes"), "{command} --help: {help}");
        }
        // And every option the help names is one the command takes.
        let help = stdout(&run(&[command, "--help"]));
        for word in help.split(|c: char| !(c.is_ascii_alphanumeric() || c == '-')) {
            if word.starts_with("--") && word.len() > 2 && word != "--help" {
                assert!(options.contains(&word), "{command} --help names {word}");
            }
        }
    }
}
