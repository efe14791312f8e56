//! Core benchmark (`cargo bench --bench core`, run by `npm run bench`): batch throughput of
//! `leadscore score` on 10,000 visitors × 100 events with 30 rules, and the time to re-score
//! one visitor with 1,000 stored events and 50 rules, side by side with 100 events so the
//! ratio shows whether the cost stays flat; and `check` of 10,000 vs 100,000 rules, valid and
//! broken, whose ratio shows whether validation stays near-linear. Prints a table, writes
//! target/bench/core.json.

use leadscore::{RuleSet, Visitor};
use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::Command;
use std::time::Instant;

const DAY: f64 = 86_400_000.0;
const T0: f64 = 1_763_856_000_000.0;
const PAGES: [&str; 10] = [
    "pricing",
    "security",
    "integrations",
    "docs",
    "blog",
    "careers",
    "demo",
    "customers",
    "about",
    "partners",
];

/// A deterministic xorshift, so every run scores the same data.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn rules(n: usize) -> String {
    let mut r = String::new();
    let pages: Vec<String> = PAGES
        .iter()
        .map(|p| format!("{{\"category\":\"{p}\",\"match\":[\"/{p}/**\"]}}"))
        .collect();
    let mut list = Vec::new();
    for i in 0..n {
        let p = PAGES[i % PAGES.len()];
        let rule = match i % 6 {
            0 => format!("\"category\":\"intent\",\"points\":{},\"maxCount\":3,\"cooldownMinutes\":30,\"when\":{{\"event\":\"page_view\",\"page\":\"{p}\",\"minDwellSeconds\":5}}", 5 + i % 7),
            1 => format!("\"category\":\"engagement\",\"points\":2,\"withinDays\":30,\"when\":{{\"event\":\"page_view\",\"page\":\"{p}\"}}"),
            2 => format!("\"category\":\"intent\",\"points\":10,\"maxCount\":1,\"when\":{{\"sequence\":[{{\"event\":\"page_view\",\"page\":\"{p}\"}},{{\"event\":\"page_view\",\"page\":\"pricing\"}}],\"maxSpanDays\":7}}"),
            3 => "\"category\":\"intent\",\"points\":25,\"maxCount\":2,\"when\":{\"event\":\"form_submit\",\"form\":\"demo*\"}".to_string(),
            4 => format!("\"category\":\"fit\",\"points\":{},\"when\":{{\"traits\":[{{\"field\":\"seniority\",\"op\":\"in\",\"value\":[\"vp\",\"c_level\"]}}]}}", 5 + i),
            _ => "\"category\":\"engagement\",\"points\":-5,\"maxCount\":1,\"when\":{\"event\":\"form_abandon\"}".to_string(),
        };
        list.push(format!("{{\"id\":\"r{i}\",{rule}}}"));
    }
    let _ = write!(
        r,
        "{{\"version\":\"bench\",\"halfLifeDays\":30,\"pages\":[{}],\"categories\":{{\"fit\":{{\"min\":-50,\"max\":50}},\"engagement\":{{\"max\":30}},\"intent\":{{\"max\":60}}}},\"rules\":[{}],\"bands\":[{{\"name\":\"hot\",\"min\":70,\"action\":\"route_to_sales\"}},{{\"name\":\"warm\",\"min\":40}},{{\"name\":\"cold\"}}]}}",
        pages.join(","),
        list.join(",")
    );
    r
}

/// One visitor's events over ~90 days, in time order.
fn journey(rng: &mut Rng, visitor: Option<&str>, n: usize) -> Vec<String> {
    let mut ts = T0 + rng.below(30) as f64 * DAY;
    let v = visitor
        .map(|v| format!("\"visitor\":\"{v}\","))
        .unwrap_or_default();
    (0..n)
        .map(|_| {
            ts += rng.below(20 * 3_600_000) as f64;
            match rng.below(20) {
                0 => format!("{{{v}\"type\":\"form_submit\",\"ts\":{ts},\"url\":\"https://acme.example/demo\",\"form\":\"demo-request\"}}"),
                1 => format!("{{{v}\"type\":\"form_abandon\",\"ts\":{ts},\"url\":\"https://acme.example/demo\",\"form\":\"demo-request\"}}"),
                2 => format!("{{{v}\"type\":\"identify\",\"ts\":{ts},\"traits\":{{\"seniority\":\"vp\",\"company_size\":250}}}}"),
                _ => {
                    let p = PAGES[rng.below(PAGES.len() as u64) as usize];
                    let dwell = rng.below(60_000);
                    format!("{{{v}\"type\":\"page_view\",\"ts\":{ts},\"url\":\"https://acme.example/{p}/x?utm_source=ads\",\"dwellMs\":{dwell}}}")
                }
            }
        })
        .collect()
}

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    xs[xs.len() / 2]
}

fn visitor(set: &RuleSet, n: usize) -> (Visitor, f64) {
    let mut rng = Rng(42);
    let mut v = Visitor::default();
    for line in journey(&mut rng, None, n) {
        v.push(set.event_from_text(&line).unwrap(), None);
    }
    let now = v.events().last().unwrap().ts + DAY;
    (v, now)
}

/// Median microseconds for one compaction pass over `n` stored events.
fn compact_us(set: &RuleSet, n: usize) -> f64 {
    let (v, now) = visitor(set, n);
    let samples = (0..50)
        .map(|_| {
            let mut c = v.clone();
            let t = Instant::now();
            c.compact(set, now);
            t.elapsed().as_secs_f64() * 1e6
        })
        .collect();
    median(samples)
}

/// Median microseconds to re-score one visitor holding `n` events, compacted or not.
fn rescore_us(set: &RuleSet, n: usize, compacted: bool) -> (f64, usize) {
    let (mut v, now) = visitor(set, n);
    if compacted {
        v.compact(set, now);
    }
    let iters = 2000;
    let mut samples = Vec::with_capacity(iters);
    for _ in 0..iters {
        let t = Instant::now();
        std::hint::black_box(v.score(set, std::hint::black_box(now)));
        samples.push(t.elapsed().as_secs_f64() * 1e6);
    }
    (median(samples), v.len())
}

/// A browser-shaped payload of `n` events listed newest first (the order a hostile post
/// would choose: inserting each in place made verification quadratic).
fn payload(set: &RuleSet, n: usize) -> String {
    let mut rng = Rng(11);
    let mut lines = journey(&mut rng, None, n);
    lines.reverse();
    let events_text = format!("[{}]", lines.join(","));
    let events: Vec<_> = lines
        .iter()
        .map(|l| set.event_from_text(l).unwrap())
        .collect();
    let ts = events.iter().map(|e| e.ts).fold(T0, f64::max);
    let result = leadscore::score(set, &events, ts).to_json(None);
    let digest = leadscore::payload::digest(&events_text);
    format!("{{\"v\":1,\"ts\":{ts},\"digest\":\"{digest}\",\"result\":{result},\"events\":{events_text}}}")
}

/// Median milliseconds for `leadscore verify`'s work on a payload of `n` events.
fn verify_ms(set: &RuleSet, n: usize) -> f64 {
    use leadscore::payload::{verify, Check, Limits, DEFAULT_LIMITS};
    let text = payload(set, n);
    let check = Check {
        clock: f64::MAX,
        now: None,
        limits: Limits {
            max_bytes: usize::MAX,
            max_events: usize::MAX,
            ..DEFAULT_LIMITS
        },
    };
    let samples = (0..5)
        .map(|_| {
            let t = Instant::now();
            let v = verify(set, &text, &check).unwrap();
            assert!(v.consistent(), "{:?}", v.findings.first());
            t.elapsed().as_secs_f64() * 1e3
        })
        .collect();
    median(samples)
}

/// Median milliseconds of `RuleSet::from_text` (what `leadscore check` does) on `text`,
/// and the number of problems found.
fn check_ms(text: &str) -> (f64, usize) {
    let mut problems = 0;
    let samples = (0..3)
        .map(|_| {
            let t = Instant::now();
            problems = match RuleSet::from_text(std::hint::black_box(text)) {
                Ok(_) => 0,
                Err(e) => e.len(),
            };
            t.elapsed().as_secs_f64() * 1e3
        })
        .collect();
    (median(samples), problems)
}

/// `n` rules that each have two problems (a repeated id, a misspelt key), on one line,
/// as a minified file would be: the reader's cost per problem must not grow with `n`.
fn broken_rules(n: usize) -> String {
    rules(n).replace("{\"id\":\"r", "{\"maxCont\":1,\"id\":\"same\",\"x\":\"r")
}

/// Check of 10,000 vs 100,000 rules (valid, and all broken): near-linear means a ratio
/// near 10. `cargo bench --bench core -- check` runs only this part.
fn check_table() -> String {
    let mut json = String::from("{");
    println!("\nleadscore check (RuleSet::from_text), median of 3");
    println!("{:<58} {:>14} {:>10}", "measure", "value", "target");
    for (name, make) in [
        ("valid", rules as fn(usize) -> String),
        ("broken", broken_rules),
    ] {
        let small = make(10_000);
        let large = make(100_000);
        let (ms10k, p10k) = check_ms(&small);
        let (ms100k, p100k) = check_ms(&large);
        println!(
            "{:<58} {:>14.1} {:>10}",
            format!("check 10,000 {name} rules ({p10k} problems): ms"),
            ms10k,
            ""
        );
        println!(
            "{:<58} {:>14.1} {:>10}",
            format!("check 100,000 {name} rules ({p100k} problems): ms"),
            ms100k,
            ""
        );
        println!(
            "{:<58} {:>14.2} {:>10}",
            format!("ratio 100,000 / 10,000 {name} rules"),
            ms100k / ms10k,
            "~10"
        );
        let _ = write!(
            json,
            "{}\"{name}\":{{\"ms10000\":{ms10k},\"ms100000\":{ms100k},\"ratio\":{}}}",
            if json.len() > 1 { "," } else { "" },
            ms100k / ms10k
        );
    }
    json.push('}');
    json
}

fn main() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let dir = root.join("target/bench");
    std::fs::create_dir_all(&dir).unwrap();
    if std::env::args().any(|a| a == "check") {
        check_table();
        return;
    }

    // Batch: the real binary, as CI and servers run it.
    let status = Command::new("cargo")
        .args(["build", "--release", "--quiet", "--bin", "leadscore"])
        .current_dir(&root)
        .status()
        .unwrap();
    assert!(status.success());
    let (visitors, per) = (10_000usize, 100usize);
    let rules_path = dir.join("rules30.json");
    std::fs::write(&rules_path, rules(30)).unwrap();
    let events_path = dir.join("events-10k.jsonl");
    let mut rng = Rng(7);
    let mut text = String::with_capacity(visitors * per * 120);
    for i in 0..visitors {
        for line in journey(&mut rng, Some(&format!("v{i:05}")), per) {
            text.push_str(&line);
            text.push('\n');
        }
    }
    std::fs::write(&events_path, &text).unwrap();
    let mut runs = Vec::new();
    for _ in 0..3 {
        let t = Instant::now();
        let out = Command::new(root.join("target/release/leadscore"))
            .args(["score", "--rules"])
            .arg(&rules_path)
            .arg("--events")
            .arg(&events_path)
            .args(["--now", &format!("{}", T0 + 120.0 * DAY)])
            .output()
            .unwrap();
        runs.push(t.elapsed().as_secs_f64());
        assert!(out.status.success());
        assert_eq!(out.stdout.iter().filter(|&&b| b == b'\n').count(), visitors);
    }
    let batch_s = median(runs);
    let events = (visitors * per) as f64;
    let eps = events / batch_s;

    // Re-score: 50 rules, 1,000 stored events, beside 100 and 10,000 for the ratio.
    let set = RuleSet::from_text(&rules(50)).unwrap();
    let (us100, kept100) = rescore_us(&set, 100, true);
    let (us1k, kept1k) = rescore_us(&set, 1000, true);
    let (us10k, kept10k) = rescore_us(&set, 10_000, true);
    let (raw1k, _) = rescore_us(&set, 1000, false);
    let compact1k = compact_us(&set, 1000);
    // Verify: one form post's payload of 10,000 and 100,000 events, 30 rules.
    let set30 = RuleSet::from_text(&rules(30)).unwrap();
    let verify10k = verify_ms(&set30, 10_000);
    let verify100k = verify_ms(&set30, 100_000);

    println!("\nleadscore core benchmark (1 thread)");
    println!("{:<58} {:>14} {:>10}", "measure", "value", "target");
    println!(
        "{:<58} {:>14.0} {:>10}",
        "batch score: events/s (10k visitors × 100 events, 30 rules)", eps, ">= 2e6"
    );
    println!(
        "{:<58} {:>14.3} {:>10}",
        "batch score: seconds, whole run incl. parsing", batch_s, ""
    );
    println!(
        "{:<58} {:>14.1} {:>10}",
        format!("re-score 1,000 events (kept {kept1k}), 50 rules: µs"),
        us1k,
        "< 100"
    );
    println!(
        "{:<58} {:>14.1} {:>10}",
        format!("re-score 100 events (kept {kept100}), 50 rules: µs"),
        us100,
        ""
    );
    println!(
        "{:<58} {:>14.1} {:>10}",
        format!("re-score 10,000 events (kept {kept10k}), 50 rules: µs"),
        us10k,
        ""
    );
    println!(
        "{:<58} {:>14.1} {:>10}",
        "re-score 1,000 events not compacted, 50 rules: µs", raw1k, ""
    );
    println!(
        "{:<58} {:>14.1} {:>10}",
        "one compaction pass over 1,000 events, 50 rules: µs", compact1k, ""
    );
    println!(
        "{:<58} {:>14.2} {:>10}",
        "ratio 1,000 / 100 events",
        us1k / us100,
        ""
    );
    println!(
        "{:<58} {:>14.2} {:>10}",
        "ratio 10,000 / 100 events",
        us10k / us100,
        ""
    );
    println!(
        "{:<58} {:>14.1} {:>10}",
        "verify a payload of 10,000 events (newest first): ms", verify10k, ""
    );
    println!(
        "{:<58} {:>14.1} {:>10}",
        "verify a payload of 100,000 events (newest first): ms", verify100k, ""
    );
    println!(
        "{:<58} {:>14.2} {:>10}",
        "ratio verify 100,000 / 10,000 events",
        verify100k / verify10k,
        "~10"
    );

    let check = check_table();
    let json = format!(
        "{{\"check\":{check},\"batch\":{{\"visitors\":{visitors},\"eventsPerVisitor\":{per},\"rules\":30,\"seconds\":{batch_s},\"eventsPerSecond\":{eps}}},\
\"rescore\":{{\"rules\":50,\"us100\":{us100},\"us1000\":{us1k},\"us10000\":{us10k},\"kept100\":{kept100},\"kept1000\":{kept1k},\"kept10000\":{kept10k},\"us1000Uncompacted\":{raw1k},\"compact1000\":{compact1k}}},\
\"verify\":{{\"rules\":30,\"ms10000\":{verify10k},\"ms100000\":{verify100k}}}}}"
    );
    std::fs::write(dir.join("core.json"), json + "\n").unwrap();
    println!("\nwrote target/bench/core.json");
}
