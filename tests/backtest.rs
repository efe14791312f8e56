//! Backtests against CRM outcomes: the library on synthetic journeys with a planted truth
//! (the signal must be recovered, and events after a conversion must not leak into the
//! score judged), and `leadscore backtest` / `leadscore synth` as built binaries.

use leadscore::backtest::{self, AsOf, Options, Report};
use leadscore::json::{self, Value};
use leadscore::outcomes;
use leadscore::{Event, RuleSet};
use std::collections::HashMap;
use std::process::{Command, Output, Stdio};

fn demo_rules() -> RuleSet {
    let path = format!(
        "{}/www/site/leadscore/rules.json",
        env!("CARGO_MANIFEST_DIR")
    );
    RuleSet::from_text(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// Synthetic journeys grouped by visitor, in reading order, and their outcome rows.
fn synthetic(set: &RuleSet, visitors: usize, seed: u64) -> (Vec<(String, Vec<Event>)>, String) {
    let o = leadscore::synth::Options {
        visitors,
        seed,
        ..Default::default()
    };
    let mut csv = format!("{}\n", leadscore::synth::OUTCOMES_HEADER);
    let mut by: HashMap<String, Vec<Event>> = HashMap::new();
    for i in 0..visitors {
        let j = leadscore::synth::journey(&o, i);
        for line in &j.events {
            let node = json::read(line).unwrap();
            let visitor = node.get("visitor").unwrap().as_str().unwrap().to_string();
            by.entry(visitor)
                .or_default()
                .push(set.event(&node).unwrap());
        }
        for row in &j.outcomes {
            csv.push_str(row);
            csv.push('\n');
        }
    }
    let mut journeys: Vec<_> = by.into_iter().collect();
    journeys.sort_by(|a, b| a.0.cmp(&b.0));
    (journeys, csv)
}

/// What a judged result keeps (the names stay with the rules): score, band, categories'
/// values, and each counted rule's index, count and points.
type Numbers = (
    f64,
    Option<String>,
    bool,
    Vec<f64>,
    Vec<(usize, usize, f64)>,
);

fn numbers(r: &leadscore::Outcome) -> Numbers {
    (
        r.score,
        r.band.clone(),
        r.disqualified,
        r.categories.iter().map(|c| c.1).collect(),
        r.explain
            .iter()
            .map(|x| (x.index, x.count, x.points))
            .collect(),
    )
}

fn report(set: &RuleSet, journeys: &[(String, Vec<Event>)], csv: &str, as_of: AsOf) -> Report {
    let (rows, errors) = outcomes::read_csv(csv);
    assert!(errors.is_empty(), "{errors:?}");
    let options = Options {
        as_of,
        ..Default::default()
    };
    let judged = backtest::judge(set, journeys, &rows, &options);
    Report::new(set, &judged, backtest::months_spanned(journeys))
}

#[test]
fn recovers_the_planted_signal_and_ranks_rules_by_it() {
    let set = demo_rules();
    let (journeys, csv) = synthetic(&set, 4000, 7);
    let r = report(&set, &journeys, &csv, AsOf::FirstOutcome);
    assert_eq!(r.visitors, 4000);
    let auc = r.auc.unwrap();
    assert!(auc > 0.7, "the demo rules separate converters: AUC {auc}");
    let top = &r.deciles[0].group;
    assert!(top.lift.unwrap() > 2.0, "top decile lift {:?}", top.lift);
    let lift = |id: &str| r.rules.iter().find(|x| x.rule == id).unwrap().lift.unwrap();
    assert!(lift("pricing-view") > 2.0 && lift("careers-visitor") < 1.2);
    assert!(r.never_fired.contains(&"webinar-attended".to_string()));
    // Higher bands convert better: the thresholds mean something.
    let rate = |b: &str| r.bands.iter().find(|g| g.name == b).unwrap().rate.unwrap();
    assert!(
        rate("hot") > rate("warm")
            && rate("warm") > rate("nurture")
            && rate("nurture") > rate("cold")
    );

    // Rules that reward the wrong signal (career pages) are found out.
    let wrong = RuleSet::from_text(
        r#"{"version":"wrong","pages":[{"category":"careers","match":["/careers/**"]}],
        "categories":{"c":{}},"rules":[{"id":"careers","category":"c","points":10,
        "when":{"event":"page_view","page":"careers"}}],"bands":[{"name":"x","min":10},{"name":"y"}]}"#,
    )
    .unwrap();
    let (journeys, csv) = synthetic(&wrong, 4000, 7);
    let w = report(&wrong, &journeys, &csv, AsOf::FirstOutcome);
    assert!(w.auc.unwrap() < 0.55, "careers rules: AUC {:?}", w.auc);
}

#[test]
fn events_after_the_outcome_never_reach_the_judged_score() {
    let set = demo_rules();
    let line = |ty: &str, ts: i64, rest: &str| format!(r#"{{"type":"{ty}","ts":{ts}{rest}}}"#);
    let demo = r#","url":"https://acme.example/demo","form":"demo-request""#;
    let pricing = r#","url":"https://acme.example/pricing","dwellMs":60000"#;
    let events: Vec<Event> = [
        line("page_view", 1_000, pricing),
        line("form_submit", 5_000, demo), // the submit that became the meeting
        line("page_view", 9_000, pricing),
    ]
    .iter()
    .map(|l| set.event_from_text(l).unwrap())
    .collect();
    let journeys = vec![("v".to_string(), events)];
    let csv = "visitor,outcome,at\nv,meeting,5000\nv,won,20000\n";
    let r = report(&set, &journeys, csv, AsOf::FirstOutcome);
    let pricing_rule = r.rules.iter().find(|x| x.rule == "pricing-view").unwrap();
    let submit_rule = r.rules.iter().find(|x| x.rule == "demo-request").unwrap();
    assert_eq!(
        (pricing_rule.fired_converters, submit_rule.fired_converters),
        (1, 0)
    );
    let (rows, _) = outcomes::read_csv(csv);
    let judged = backtest::judge(&set, &journeys, &rows, &Options::default());
    assert_eq!(judged[0].at, 4_999.0);
    assert_eq!(
        judged[0].result.explain.len(),
        1,
        "one pricing view, before the meeting"
    );
    // Judged at the end of the data instead, all three events count: the leak the
    // default prevents.
    let late = report(&set, &journeys, csv, AsOf::At(10_000.0));
    let late_submit = late
        .rules
        .iter()
        .find(|x| x.rule == "demo-request")
        .unwrap();
    assert_eq!(late_submit.fired_converters, 1);
}

#[test]
fn each_converter_is_judged_on_exactly_the_events_before_their_outcome() {
    let set = demo_rules();
    let (journeys, csv) = synthetic(&set, 2000, 11);
    let (rows, _) = outcomes::read_csv(&csv);
    let judged = backtest::judge(&set, &journeys, &rows, &Options::default());
    let mut checked = 0;
    for (j, (visitor, events)) in judged.iter().zip(&journeys) {
        assert_eq!(&j.visitor, visitor);
        let meeting = rows
            .iter()
            .find(|r| &r.visitor == visitor && r.outcome == "meeting");
        let Some(meeting) = meeting else { continue };
        let before: Vec<Event> = events
            .iter()
            .filter(|e| e.ts < meeting.at.unwrap())
            .cloned()
            .collect();
        assert!(
            before.len() < events.len(),
            "synthetic converters browse on after the meeting"
        );
        let truth = leadscore::score(&set, &before, meeting.at.unwrap() - 1.0);
        assert_eq!(numbers(&j.result), numbers(&truth), "{visitor}");
        checked += 1;
    }
    assert!(checked > 100, "{checked} converters checked");
}

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_leadscore"))
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("the leadscore binary runs")
}

fn temp(name: &str) -> String {
    let dir = std::env::temp_dir().join(format!("leadscore-bt-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name).to_string_lossy().into_owned()
}

#[test]
fn command_line_backtest_with_a_challenger() {
    let (events, outcomes_csv) = (temp("e.jsonl"), temp("o.csv"));
    let out = run(&[
        "synth",
        "--visitors",
        "600",
        "--seed",
        "3",
        "--events",
        &events,
        "--outcomes",
        &outcomes_csv,
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rules = format!(
        "{}/www/site/leadscore/rules.json",
        env!("CARGO_MANIFEST_DIR")
    );
    // The challenger: the same rules with pricing worth far more.
    let text = std::fs::read_to_string(&rules).unwrap();
    let challenger = temp("challenger.json");
    let edited = text
        .replace(
            r#""id": "pricing-view", "category": "intent", "points": 12"#,
            r#""id": "pricing-view", "category": "intent", "points": 40"#,
        )
        .replace(&format!("\"{}\"", demo_rules().version), "\"challenger\"");
    assert_ne!(edited, text);
    std::fs::write(&challenger, edited).unwrap();
    let out = run(&[
        "backtest",
        "--rules",
        &rules,
        "--events",
        &events,
        "--outcomes",
        &outcomes_csv,
        "--challenger",
        &challenger,
        "--json",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    let doc = json::read(stdout.trim()).unwrap();
    let live = doc.get("live").unwrap();
    assert_eq!(live.get("visitors").unwrap().as_f64(), Some(600.0));
    assert_eq!(
        doc.get("challenger")
            .unwrap()
            .get("rulesVersion")
            .unwrap()
            .as_str(),
        Some("challenger")
    );
    let changes = doc.get("bandChanges").unwrap();
    assert!(changes.get("count").unwrap().as_f64().unwrap() > 0.0);
    let Value::Arr(list) = &changes.get("visitors").unwrap().value else {
        panic!()
    };
    assert!(list
        .iter()
        .all(|c| c.get("from").unwrap().as_str() != c.get("to").unwrap().as_str()));
    // Tables for people.
    let out = run(&[
        "backtest",
        "--rules",
        &rules,
        "--events",
        &events,
        "--outcomes",
        &outcomes_csv,
    ]);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("ROC AUC") && text.contains("threshold") && text.contains("never fired"));
}

#[test]
fn command_line_reports_bad_outcome_rows_with_their_place() {
    let events = temp("few.jsonl");
    std::fs::write(
        &events,
        "{\"visitor\":\"a\",\"type\":\"page_view\",\"ts\":1,\"url\":\"/\"}\n",
    )
    .unwrap();
    let csv = temp("bad.csv");
    std::fs::write(
        &csv,
        "visitor,outcome,at\na,won,tomorrow\nb,,1\na,meeting,2\n",
    )
    .unwrap();
    let rules = format!(
        "{}/www/site/leadscore/rules.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let out = run(&[
        "backtest",
        "--rules",
        &rules,
        "--events",
        &events,
        "--outcomes",
        &csv,
        "--json",
    ]);
    assert!(out.status.success());
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains(&format!("{csv}:2:7: at: ")), "{err}");
    assert!(err.contains(&format!("{csv}:3:3: outcome: ")), "{err}");
    let csv2 = temp("nohead.csv");
    std::fs::write(&csv2, "who,stage\n").unwrap();
    let out = run(&[
        "backtest",
        "--rules",
        &rules,
        "--events",
        &events,
        "--outcomes",
        &csv2,
    ]);
    assert_eq!(out.status.code(), Some(2));
    let out = run(&["backtest", "--help"]);
    assert!(out.status.success() && String::from_utf8_lossy(&out.stdout).contains("--challenger"));
}

#[test]
fn suggest_raises_the_held_out_auc_and_writes_a_new_file() {
    let (events, outcomes_csv) = (temp("s-e.jsonl"), temp("s-o.csv"));
    let out = run(&[
        "synth",
        "--visitors",
        "5000",
        "--seed",
        "5",
        "--events",
        &events,
        "--outcomes",
        &outcomes_csv,
    ]);
    assert!(out.status.success());
    let rules = format!(
        "{}/www/site/leadscore/rules.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let before = std::fs::read_to_string(&rules).unwrap();
    let new = temp("suggested.json");
    let out = run(&[
        "suggest",
        "--rules",
        &rules,
        "--events",
        &events,
        "--outcomes",
        &outcomes_csv,
        "-o",
        &new,
        "--json",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc = json::read(String::from_utf8(out.stdout).unwrap().trim())
        .unwrap()
        .to_owned_node();
    let current = doc.get("aucCurrent").unwrap().as_f64().unwrap();
    let suggested = doc.get("aucSuggested").unwrap().as_f64().unwrap();
    assert!(
        suggested > current + 0.02,
        "held-out AUC {suggested} vs {current}"
    );
    let Value::Arr(no_data) = &doc.get("noData").unwrap().value else {
        panic!()
    };
    assert!(no_data
        .iter()
        .any(|n| n.as_str() == Some("webinar-attended")));
    // A new, valid file with a new version; the rules file itself is untouched.
    let written = std::fs::read_to_string(&new).unwrap();
    let set = RuleSet::from_text(&written).unwrap();
    assert_eq!(set.version, format!("{}-suggested", demo_rules().version));
    assert_eq!(std::fs::read_to_string(&rules).unwrap(), before);
    let mins: Vec<f64> = set.bands.iter().filter_map(|b| b.min).collect();
    assert!(mins.windows(2).all(|w| w[0] > w[1]), "{mins:?}");
    let out = run(&[
        "suggest",
        "--rules",
        &rules,
        "--events",
        &events,
        "--outcomes",
        &outcomes_csv,
        "-o",
        &rules,
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(std::fs::read_to_string(&rules).unwrap(), before);
    // A target volume moves the top band's threshold.
    let top = |extra: &[&str]| {
        let mut args = vec![
            "suggest",
            "--rules",
            &rules,
            "--events",
            &events,
            "--outcomes",
            &outcomes_csv,
            "--json",
        ];
        args.extend_from_slice(extra);
        let doc = json::read(String::from_utf8(run(&args).stdout).unwrap().trim())
            .unwrap()
            .to_owned_node();
        let Value::Arr(t) = &doc.get("thresholds").unwrap().value else {
            panic!()
        };
        t[0].get("suggested").unwrap().as_f64().unwrap()
    };
    assert!(top(&["--leads-per-month", "5"]) > top(&[]));
}

fn accounts_rules() -> String {
    format!(
        "{}/tests/fixtures/accounts-rules.json",
        env!("CARGO_MANIFEST_DIR")
    )
}

#[test]
fn accounts_roll_up_contacts_with_targets_roles_and_disqualification() {
    let events = temp("accounts.jsonl");
    let pricing = r#""url":"https://acme.example/pricing","dwellMs":60000"#;
    let demo = r#""url":"https://acme.example/demo","form":"demo-request""#;
    let lines = [
        // Globex, a target account: four contacts, the best three count.
        r#"{"visitor":"g1","type":"identify","ts":1,"traits":{"account":"Globex","seniority":"vp"}}"#.to_string(),
        format!(r#"{{"visitor":"g1","type":"form_submit","ts":2,{demo}}}"#),
        r#"{"visitor":"g2","type":"identify","ts":1,"traits":{"account":"Globex","seniority":"manager"}}"#.to_string(),
        format!(r#"{{"visitor":"g2","type":"page_view","ts":3,{pricing}}}"#),
        r#"{"visitor":"g3","type":"identify","ts":1,"traits":{"account":"Globex"}}"#.to_string(),
        r#"{"visitor":"g4","type":"identify","ts":1,"traits":{"account":"Globex"}}"#.to_string(),
        format!(r#"{{"visitor":"g4","type":"page_view","ts":3,{pricing}}}"#),
        // Initech is disqualified; nobody else has an account.
        r#"{"visitor":"i1","type":"identify","ts":1,"traits":{"account":"initech"}}"#.to_string(),
        format!(r#"{{"visitor":"i1","type":"form_submit","ts":2,{demo}}}"#),
        format!(r#"{{"visitor":"loner","type":"form_submit","ts":2,{demo}}}"#),
    ];
    std::fs::write(&events, lines.join("\n")).unwrap();
    let out = run(&[
        "score",
        "--rules",
        &accounts_rules(),
        "--events",
        &events,
        "--now",
        "10",
        "--accounts",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    let accounts: Vec<_> = text
        .lines()
        .map(|l| json::read(l).unwrap().to_owned_node())
        .collect();
    let names: Vec<_> = accounts
        .iter()
        .map(|a| a.get("account").unwrap().as_str().unwrap())
        .collect();
    assert_eq!(names, ["Globex", "initech"]);
    let g = &accounts[0];
    // Contacts: g1 = vp 20 + demo 30 = 50, g2 = manager 6 + pricing 12 = 18, g4 = pricing 12,
    // g3 = 0. Best three: 50 + 18 + 12 = 80, plus 20 for a target account.
    let score = g.get("score").unwrap().as_f64().unwrap();
    assert!((score - 100.0).abs() < 1e-6, "{score}");
    assert_eq!(g.get("band").unwrap().as_str(), Some("engaged account"));
    assert_eq!(g.get("target").unwrap().value, Value::Bool(true));
    assert_eq!(g.get("contacts").unwrap().as_f64(), Some(4.0));
    // Engaged at 15 or more: g1 and g2, with their roles.
    assert_eq!(g.get("engaged").unwrap().as_f64(), Some(2.0));
    let Value::Arr(roles) = &g.get("roles").unwrap().value else {
        panic!()
    };
    assert_eq!(
        roles
            .iter()
            .map(|r| r.as_str().unwrap())
            .collect::<Vec<_>>(),
        ["manager", "vp"]
    );
    let i = &accounts[1];
    assert_eq!(i.get("band").unwrap().as_str(), Some("disqualified"));
    assert_eq!(i.get("disqualified").unwrap().value, Value::Bool(true));
    // Without the section, --accounts is a usage error.
    let plain = format!(
        "{}/www/site/leadscore/rules.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let out = run(&[
        "score",
        "--rules",
        &plain,
        "--events",
        &events,
        "--accounts",
    ]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn accounts_section_problems_name_their_path() {
    let base = std::fs::read_to_string(accounts_rules()).unwrap();
    let cases = [
        (
            r#""top": 3"#,
            r#""top": 0"#,
            "invalid_value",
            "accounts.top",
        ),
        (
            r#""top": 3"#,
            r#""tops": 3"#,
            "unknown_field",
            "accounts.tops",
        ),
        (
            r#""points": 20, "accounts""#,
            r#""accounts""#,
            "missing_field",
            "accounts.targets.points",
        ),
        (
            r#""disqualified": ["initech"]"#,
            r#""disqualified": "initech""#,
            "wrong_type",
            "accounts.disqualified",
        ),
        (
            r#"{ "name": "quiet account" }"#,
            r#"{ "name": "engaged account" }"#,
            "duplicate_band_name",
            "accounts.bands[2].name",
        ),
    ];
    for (from, to, code, path) in cases {
        let text = base.replacen(from, to, 1);
        assert_ne!(text, base, "{from}");
        let errors = RuleSet::from_text(&text).unwrap_err();
        assert!(
            errors.iter().any(|e| e.code() == code && e.path == path),
            "{code} at {path}: {errors:?}"
        );
    }
    assert!(RuleSet::from_text(&base).unwrap().accounts.is_some());
}

#[test]
fn backtest_reports_accounts_when_the_rules_roll_them_up() {
    let (events, outcomes_csv) = (temp("a-e.jsonl"), temp("a-o.csv"));
    let out = run(&[
        "synth",
        "--visitors",
        "3000",
        "--seed",
        "9",
        "--events",
        &events,
        "--outcomes",
        &outcomes_csv,
    ]);
    assert!(out.status.success());
    let out = run(&[
        "backtest",
        "--rules",
        &accounts_rules(),
        "--events",
        &events,
        "--outcomes",
        &outcomes_csv,
        "--json",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc = json::read(String::from_utf8(out.stdout).unwrap().trim())
        .unwrap()
        .to_owned_node();
    let accounts = doc.get("accounts").expect("an accounts report");
    let n = accounts.get("visitors").unwrap().as_f64().unwrap();
    assert!(
        n > 500.0 && n < 1100.0,
        "about three contacts per account: {n}"
    );
    // Planted: a buying committee shares its intent, so the roll-up ranks accounts.
    let auc = accounts.get("auc").unwrap().as_f64().unwrap();
    assert!(auc > 0.6, "accounts AUC {auc}");
    let Value::Arr(bands) = &accounts.get("bands").unwrap().value else {
        panic!()
    };
    assert_eq!(bands[0].get("band").unwrap().as_str(), Some("hot account"));
}

#[test]
fn threads_change_nothing_but_the_time() {
    // More than one 4 MB chunk of lines, so several threads parse parts of the file.
    let (events, outcomes_csv) = (temp("t-e.jsonl"), temp("t-o.csv"));
    let out = run(&[
        "synth",
        "--visitors",
        "8000",
        "--seed",
        "8",
        "--events",
        &events,
        "--outcomes",
        &outcomes_csv,
    ]);
    assert!(out.status.success());
    // A tie in time at the two ends of the file: the sequence integrations -> pricing
    // completes only when the first line is read first, whichever thread reads it.
    let view = |page: &str| {
        format!("{{\"visitor\":\"tie\",\"type\":\"page_view\",\"ts\":1790000000000,\"url\":\"https://acme.example/{page}\",\"dwellMs\":60000}}\n")
    };
    let text = std::fs::read_to_string(&events).unwrap();
    assert!(text.len() > 5 << 20, "{} bytes", text.len());
    std::fs::write(
        &events,
        format!("{}{text}{}", view("integrations"), view("pricing")),
    )
    .unwrap();
    let csv = std::fs::read_to_string(&outcomes_csv).unwrap();
    std::fs::write(&outcomes_csv, format!("{csv}tie,won,1790000100000,,\n")).unwrap();
    let rules = format!(
        "{}/www/site/leadscore/rules.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let report = |threads: &str| {
        let out = run(&[
            "backtest",
            "--rules",
            &rules,
            "--events",
            &events,
            "--outcomes",
            &outcomes_csv,
            "--json",
            "--threads",
            threads,
        ]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        out.stdout
    };
    let one = report("1");
    for threads in ["2", "3", "7"] {
        assert!(
            report(threads) == one,
            "--threads {threads} changed the report"
        );
    }
}
