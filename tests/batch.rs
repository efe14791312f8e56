//! The batch path equals the general one: the typed line reader gives, line for line, the
//! same event or the same problem (code, path, line, column, message) as the JSON tree and
//! `RuleSet::event_in`, on synthetic journeys, the fixtures and hostile edits of them; the
//! journeys it groups are the reading order; `leadscore score` and `backtest` on a shuffled
//! file with bad lines give the engine's numbers; and memory that cannot be had is a
//! message with exit code 2.

use leadscore::batch::{read_line, Journeys, LineReader};
use leadscore::{Event, RuleSet};
use std::process::Command;

fn rules(path: &str) -> RuleSet {
    let text = std::fs::read_to_string(format!("{}/{path}", env!("CARGO_MANIFEST_DIR"))).unwrap();
    RuleSet::from_text(&text).unwrap()
}

fn sets() -> Vec<RuleSet> {
    vec![
        rules("www/site/leadscore/rules.json"),
        rules("tests/fixtures/contract-rules.json"),
        rules("tests/fixtures/accounts-rules.json"),
    ]
}

fn synthetic_lines(visitors: usize, seed: u64) -> Vec<String> {
    let o = leadscore::synth::Options {
        visitors,
        seed,
        ..Default::default()
    };
    (0..visitors)
        .flat_map(|i| leadscore::synth::journey(&o, i).events)
        .collect()
}

fn fixture_lines() -> Vec<String> {
    [
        "tests/fixtures/visitors.jsonl",
        "tests/fixtures/contract-events.jsonl",
    ]
    .iter()
    .flat_map(|p| {
        let text = std::fs::read_to_string(format!("{}/{p}", env!("CARGO_MANIFEST_DIR"))).unwrap();
        text.lines().map(str::to_string).collect::<Vec<_>>()
    })
    .collect()
}

/// Lines every reader must refuse or read the same way: each a trap for a typed parse.
const HOSTILE: &[&str] = &[
    r#"{"visitor":"a","type":"page_view","ts":1,"ts":2}"#,
    r#"{"visitor":"a","visitor":"b","type":"page_view","ts":1}"#,
    r#"{"visitor":"","type":"page_view","ts":1}"#,
    r#"{"visitor":1.5,"type":"page_view","ts":1}"#,
    r#"{"visitor":-0,"type":"page_view","ts":1}"#,
    r#"{"visitor":12,"type":"page_view","ts":1e3}"#,
    r#"{"visitor":null,"type":"page_view","ts":1}"#,
    r#"{"visitor":"a","type":"page_view","ts":1e400}"#,
    r#"{"visitor":"a","type":"page_view","ts":9e15}"#,
    r#"{"visitor":"a","type":"page_view","ts":-8.64e15}"#,
    r#"{"visitor":"a","type":"page_view","ts":01}"#,
    r#"{"visitor":"a","type":"page_view","ts":1.}"#,
    r#"{"visitor":"a","type":"page_view","ts":-}"#,
    r#"{"visitor":"a","type":"page_view","ts":"1"}"#,
    r#"{"visitor":"a","type":"page_view","ts":1,"dwellMs":-1}"#,
    r#"{"visitor":"a","type":"page_view","ts":1,"dwellMs":-0}"#,
    r#"{"visitor":"a","type":"page_view","ts":1,"dwellMs":1e16}"#,
    r#"{"visitor":"a","type":"page_view","ts":1,"dwellMs":null}"#,
    r#"{"visitor":"a","type":"page_view","ts":1,"url":"/pric\u0069ng"}"#,
    r#"{"visitor":"a\"b","type":"page_view","ts":1,"url":"/pricing"}"#,
    r#"{"visitor":"a","type":"page_view","ts":1,"url":null}"#,
    r#"{"visitor":"a","type":"page_view","ts":1,"url":"/x","url":"/y"}"#,
    r#"{"visitor":"a","type":"form_submit","ts":1,"form":"demo-request","form":"x"}"#,
    r#"{"visitor":"a","type":"page_vie","ts":1}"#,
    r#"{"visitor":"a","ts":1}"#,
    r#"{"visitor":"a","type":"page_view"}"#,
    r#"{"visitor":"a","type":"page_view","ts":1,"tz":3}"#,
    r#"{"visitor":"a","type":"page_view","ts":1,"traits":{}}"#,
    r#"{"visitor":"a","type":"identify","ts":1,"traits":{"a":1,"a":2}}"#,
    r#"{"visitor":"a","type":"identify","ts":1,"traits":{"a":[1]}}"#,
    r#"{"visitor":"a","type":"identify","ts":1,"traits":{"a":{"b":-1e999}}}"#,
    r#"{"visitor":"a","type":"identify","ts":1,"traits":{"a":true,"b":false,"c":null,"d":-2.5e-3}}"#,
    r#"{"visitor":"a","type":"identify","ts":1,"traits":[]}"#,
    r#"{"visitor":"a","type":"identify","ts":1,"traits":{"k0":0,"k1":1,"k2":2,"k3":3,"k4":4,"k5":5,"k6":6,"k7":7,"k8":8,"k9":9,"k10":10,"k11":11,"k12":12,"k13":13,"k14":14,"k15":15,"k16":16,"k0":0}}"#,
    r#"{"visitor":"a","type":"webinar_attended","ts":1,"props":{"webinar_id":"w"}}"#,
    r#"{"visitor":"a","type":"webinar_attended","ts":1,"props":{"seat":"3"}}"#,
    r#"{"visitor":"a","type":"page_view","ts":1,"props":{}}"#,
    r#"{"visitor":"a","type":"page_view","ts":1}  x"#,
    r#"  {"visitor":"a","type":"page_view","ts":1}	 "#,
    r#"{"visitor":"a","type":"page_view","ts":1,}"#,
    r#"{"visitor":"a","type":"page_view","ts":truex}"#,
    r#"{"visitor":"a" "type":"page_view","ts":1}"#,
    r#"{"visitor":"a","type":"page_view","ts":1"#,
    r#"{}"#,
    r#"[]"#,
    r#"null"#,
    "{\"visitor\":\"a\",\"type\":\"page_view\",\"ts\":1,\"url\":\"/\u{1}\"}",
    "{\"visitor\":\"é\",\"type\":\"page_view\",\"ts\":1,\"url\":\"/prix/é\"}",
];

/// A small deterministic generator (xorshift), for edits.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

const TOKENS: &[&str] = &[
    "\"",
    "\\",
    "{",
    "}",
    "[",
    "]",
    ",",
    ":",
    "0",
    "1",
    "-",
    ".",
    "e",
    "E",
    "+",
    " ",
    "\t",
    "null",
    "true",
    "\"ts\":",
    "\"url\":\"/pricing\",",
    "\"props\":{\"a\":1},",
    "\"traits\":",
    "1e999",
    "\\u00e9",
    "\u{1}",
    "é",
    "\"visitor\":",
    "\"dwellMs\":5,",
    "9e15",
];

/// One to three byte-level edits, made valid UTF-8 again.
fn edit(line: &str, rng: &mut Rng) -> String {
    let mut b = line.as_bytes().to_vec();
    for _ in 0..1 + rng.below(3) {
        let at = rng.below(b.len() + 1);
        match rng.below(4) {
            0 => {
                let end = (at + 1 + rng.below(8)).min(b.len());
                b.drain(at.min(end)..end);
            }
            1 => {
                b.splice(at..at, TOKENS[rng.below(TOKENS.len())].bytes());
            }
            2 => {
                let end = (at + TOKENS.len()).min(b.len());
                let t = TOKENS[rng.below(TOKENS.len())];
                b.splice(at.min(end)..(at + t.len()).min(end), t.bytes());
            }
            _ => b.truncate(at),
        }
    }
    String::from_utf8_lossy(&b).into_owned()
}

/// The typed reader and the general one agree on `line`, events and problems alike.
fn agree(reader: &mut LineReader, set: &RuleSet, line: &str) -> bool {
    let typed = reader.read(line);
    let general = read_line(set, line);
    assert_eq!(typed, general, "{line}");
    typed.is_ok()
}

#[test]
fn typed_lines_equal_the_general_reader_on_synthetic_and_fixture_lines() {
    for set in &sets() {
        let mut reader = LineReader::new(set);
        let mut ok = 0;
        let lines = synthetic_lines(400, 3);
        for line in lines.iter().chain(&fixture_lines()) {
            ok += agree(&mut reader, set, line) as usize;
        }
        // The plans differ; the demo's accepts every synthetic line.
        assert!(ok > 0);
    }
    let demo = &sets()[0];
    let mut reader = LineReader::new(demo);
    for line in synthetic_lines(400, 3) {
        assert!(agree(&mut reader, demo, &line), "{line}");
    }
}

#[test]
fn typed_lines_equal_the_general_reader_on_hostile_lines() {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let seeds: Vec<String> = synthetic_lines(40, 5)
        .into_iter()
        .chain(fixture_lines())
        .chain(HOSTILE.iter().map(|s| s.to_string()))
        .collect();
    for set in &sets() {
        let mut reader = LineReader::new(set);
        let (mut ok, mut bad) = (0, 0);
        for line in HOSTILE {
            agree(&mut reader, set, line);
        }
        for i in 0..20_000 {
            let line = edit(&seeds[i % seeds.len()], &mut rng);
            if agree(&mut reader, set, &line) {
                ok += 1;
            } else {
                bad += 1;
            }
        }
        // Both kinds are exercised.
        assert!(ok > 1000 && bad > 1000, "{ok} read, {bad} refused");
    }
}

#[test]
fn journeys_are_in_reading_order_whatever_the_file_order() {
    let set = &sets()[0];
    let mut lines = synthetic_lines(300, 9);
    // Ties in time: the file's order decides.
    lines.push(r#"{"visitor":"tie","type":"page_view","ts":5,"url":"/pricing"}"#.into());
    lines.push(r#"{"visitor":"tie","type":"page_view","ts":5,"url":"/careers"}"#.into());
    let mut rng = Rng(7);
    for i in (1..lines.len()).rev() {
        lines.swap(i, rng.below(i + 1));
    }
    let mut reader = LineReader::new(set);
    let mut journeys = Journeys::default();
    let mut reference: Vec<(String, usize, Event)> = Vec::new();
    for (n, line) in lines.iter().enumerate() {
        let (v, e) = reader.read(line).unwrap();
        journeys.push(&v, e.clone());
        reference.push((v.into_owned(), n, e));
    }
    reference.sort_by(|a, b| {
        a.0.cmp(&b.0)
            .then(a.2.ts.total_cmp(&b.2.ts))
            .then(a.1.cmp(&b.1))
    });
    let flat: Vec<(String, Event)> = journeys
        .finish()
        .into_iter()
        .flat_map(|(v, es)| es.into_iter().map(move |e| (v.clone(), e)))
        .collect();
    let expected: Vec<(String, Event)> = reference.into_iter().map(|(v, _, e)| (v, e)).collect();
    assert_eq!(flat, expected);
}

fn temp(name: &str) -> String {
    let dir = std::env::temp_dir().join(format!("leadscore-batch-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name).to_string_lossy().into_owned()
}

/// A shuffled synthetic file with hostile lines among the good ones.
fn shuffled_file(visitors: usize) -> (String, Vec<String>) {
    let mut lines = synthetic_lines(visitors, 4);
    let mut rng = Rng(11);
    for i in (1..lines.len()).rev() {
        lines.swap(i, rng.below(i + 1));
    }
    for (i, h) in HOSTILE.iter().enumerate() {
        let at = (i * 37) % lines.len();
        lines.insert(at, h.to_string());
    }
    (lines.join("\n") + "\n", lines)
}

#[test]
fn score_command_streams_lines_to_the_engines_numbers_and_problems() {
    let set = &sets()[0];
    let (text, lines) = shuffled_file(3000);
    let events = temp("score.jsonl");
    std::fs::write(&events, &text).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_leadscore"))
        .args(["score", "--rules"])
        .arg(format!(
            "{}/www/site/leadscore/rules.json",
            env!("CARGO_MANIFEST_DIR")
        ))
        .args(["--events", &events, "--now", "1800000000000"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    // The general reader, line by line; the engine on each visitor.
    let mut by: std::collections::BTreeMap<String, Vec<Event>> = Default::default();
    let mut problems = Vec::new();
    for (n, line) in lines.iter().enumerate() {
        match read_line(set, line) {
            Ok((v, e)) => by.entry(v.into_owned()).or_default().push(e),
            Err(mut e) => {
                e.line = n as u32 + 1;
                e.column = e.column.max(1);
                problems.push(format!("score.jsonl:{}:{}: {}", e.line, e.column, e.code()));
            }
        }
    }
    let expected: String = by
        .iter()
        .map(|(v, es)| leadscore::score(set, es, 1.8e12).to_json(Some(v)) + "\n")
        .collect();
    assert_eq!(String::from_utf8_lossy(&out.stdout), expected);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let printed: Vec<&str> = stderr
        .lines()
        .filter(|l| l.contains("score.jsonl:"))
        .collect();
    assert_eq!(printed.len(), problems.len(), "{stderr}");
    for (p, want) in printed.iter().zip(&problems) {
        // FILE:LINE:COL: the place is the general reader's, in line order.
        let place = |s: &str| {
            s.split(": ")
                .next()
                .unwrap()
                .rsplit('/')
                .next()
                .unwrap()
                .to_string()
        };
        assert_eq!(place(p), place(want), "{p} / {want}");
    }
}

#[test]
fn backtest_reads_the_same_on_one_thread_and_two_with_bad_lines() {
    // Several chunks of a megabyte: the parsers' results are merged in file order.
    let (text, _) = shuffled_file(4000);
    assert!(text.len() > 3 << 20);
    let events = temp("bt.jsonl");
    std::fs::write(&events, &text).unwrap();
    let o = leadscore::synth::Options {
        visitors: 4000,
        seed: 4,
        ..Default::default()
    };
    let mut csv = format!("{}\n", leadscore::synth::OUTCOMES_HEADER);
    for i in 0..4000 {
        for row in leadscore::synth::journey(&o, i).outcomes {
            csv.push_str(&row);
            csv.push('\n');
        }
    }
    let outcomes = temp("bt.csv");
    std::fs::write(&outcomes, csv).unwrap();
    let run = |threads: &str| {
        Command::new(env!("CARGO_BIN_EXE_leadscore"))
            .args(["backtest", "--rules"])
            .arg(format!(
                "{}/www/site/leadscore/rules.json",
                env!("CARGO_MANIFEST_DIR")
            ))
            .args(["--events", &events, "--outcomes", &outcomes, "--json"])
            .args(["--threads", threads])
            .output()
            .unwrap()
    };
    let (one, two) = (run("1"), run("2"));
    assert_eq!(one.status.code(), Some(0));
    assert_eq!(one.stdout, two.stdout);
    assert_eq!(one.stderr, two.stderr);
    let set = &sets()[0];
    let bad = HOSTILE
        .iter()
        .filter(|h| read_line(set, h).is_err())
        .count();
    let stderr = String::from_utf8_lossy(&one.stderr);
    assert!(
        stderr.contains(&format!("skipped {bad} invalid event lines")),
        "{stderr}"
    );
}

/// Under a memory limit (`ulimit -v`), a file too large for it is refused with a message
/// naming how much was asked and about how much the file needs, exit code 2 (not an abort);
/// a small file still goes through under the same limit.
#[cfg(target_os = "linux")]
#[test]
fn memory_that_cannot_be_had_is_a_message_and_exit_code_2() {
    let rules = format!(
        "{}/www/site/leadscore/rules.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let outcomes = temp("mem.csv");
    std::fs::write(&outcomes, "visitor,outcome\nv0,won\n").unwrap();
    let limited = |events: &str| {
        Command::new("sh")
            .arg("-c")
            .arg("ulimit -v 98304 && exec \"$0\" \"$@\"")
            .arg(env!("CARGO_BIN_EXE_leadscore"))
            .args(["backtest", "--rules", &rules, "--events", events])
            .args(["--outcomes", &outcomes, "--threads", "1"])
            .output()
            .unwrap()
    };
    let small = temp("mem-small.jsonl");
    std::fs::write(
        &small,
        "{\"visitor\":\"v0\",\"type\":\"page_view\",\"ts\":1}\n",
    )
    .unwrap();
    let out = limited(&small);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // A million visitors of one event each: far more than the limit once read.
    let large = temp("mem-large.jsonl");
    let text: String = (0..1_000_000)
        .map(|i| format!("{{\"visitor\":\"v{i}\",\"type\":\"page_view\",\"ts\":{i}}}\n"))
        .collect();
    std::fs::write(&large, text).unwrap();
    let out = limited(&large);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("out of memory"), "{stderr}");
    assert!(stderr.contains("the whole file needs about"), "{stderr}");
}
