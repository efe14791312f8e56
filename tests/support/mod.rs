//! Helpers shared by the tests that run the built `leadscore` binary: running it, reading
//! its output with the crate's own JSON reader, scratch files, and browser-shaped payloads.
#![allow(dead_code)] // each test crate uses its own share

use leadscore::json::{self, Node, Value};
use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

pub const NOW: &str = "1766448000000";
pub const NOW_F: f64 = 1_766_448_000_000.0;
pub const DAY: f64 = 86_400_000.0;

pub fn fixture(name: &str) -> String {
    format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"))
}

pub fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_leadscore"))
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("the leadscore binary runs")
}

pub fn run_with_stdin(args: &[&str], input: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_leadscore"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the leadscore binary runs");
    // Written from a thread while the output is read, so neither side waits on a full
    // pipe; a command that stops reading early (a payload over its limit) is not an error.
    let mut stdin = child.stdin.take().unwrap();
    let input = input.to_string();
    let writer = std::thread::spawn(move || match stdin.write_all(input.as_bytes()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => panic!("stdin: {e}"),
        _ => {}
    });
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap();
    out
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).expect("stdout is UTF-8")
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8(o.stderr.clone()).expect("stderr is UTF-8")
}

pub fn code(o: &Output) -> i32 {
    o.status.code().expect("exited with a code")
}

/// A scratch file with `text`, unique to this test process and `name`.
pub fn scratch(name: &str, text: &str) -> PathBuf {
    let p = std::env::temp_dir().join(format!("leadscore-cli-{}-{name}", std::process::id()));
    std::fs::write(&p, text).unwrap();
    p
}

/// A JSON value of our own, owning its strings and without source offsets, so values
/// read from different texts compare equal.
#[derive(Debug, Clone, PartialEq)]
pub enum J {
    Null,
    Bool(bool),
    Num(f64),
    Str(String),
    Arr(Vec<J>),
    Obj(Vec<(String, J)>),
}

pub fn own(n: &Node) -> J {
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
pub fn parse(text: &str) -> J {
    own(&json::parse(text).unwrap_or_else(|e| panic!("not JSON ({e:?}): {text}")))
}

pub fn get<'a>(v: &'a J, key: &str) -> &'a J {
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

pub fn num(v: &J) -> f64 {
    match v {
        J::Num(n) => *n,
        _ => panic!("not a number: {v:?}"),
    }
}

pub fn str_of(v: &J) -> Option<&str> {
    match v {
        J::Str(s) => Some(s),
        J::Null => None,
        _ => panic!("not a string or null: {v:?}"),
    }
}

pub fn keys(v: &J) -> Vec<&str> {
    match v {
        J::Obj(f) => f.iter().map(|(k, _)| k.as_str()).collect(),
        _ => panic!("not an object: {v:?}"),
    }
}

pub fn explain(v: &J) -> Vec<(String, usize, f64)> {
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

/// The demo site's rules file (what the site's tag is compiled from), as a path.
pub fn demo_rules_path() -> String {
    format!(
        "{}/www/site/leadscore/rules.json",
        env!("CARGO_MANIFEST_DIR")
    )
}

pub fn rules_text() -> String {
    std::fs::read_to_string(fixture("contract-rules.json")).unwrap()
}

/// The contract's events for visitor v1 as the browser stores them and
/// `leadscore.events()` returns them: a JSON array, without `visitor` fields.
pub fn contract_events_array() -> String {
    let text = std::fs::read_to_string(fixture("contract-events.jsonl")).unwrap();
    let items: Vec<String> = text
        .lines()
        .map(|l| l.replace("\"visitor\": \"v1\", ", ""))
        .collect();
    assert!(items.iter().all(|l| !l.contains("visitor")));
    format!("[{}]", items.join(","))
}

/// A payload as the tag's `payloadText` builds it: `{"v":1,"ts":…,"digest":…,"result":…,
/// "events":…}`, the result being what the core gives for `events` at `ts`.
pub fn payload(events: &str, ts: f64) -> String {
    let set = leadscore::RuleSet::from_text(&rules_text()).unwrap();
    let node = json::parse(events).unwrap();
    let Value::Arr(items) = &node.value else {
        panic!("not an array: {events}")
    };
    let list: Vec<leadscore::Event> = items.iter().map(|i| set.event(i).unwrap()).collect();
    let result = leadscore::score(&set, &list, ts).to_json(None);
    let digest = leadscore::payload::digest(events);
    format!(
        "{{\"v\":1,\"ts\":{ts},\"digest\":\"{digest}\",\"result\":{result},\"events\":{events}}}"
    )
}

/// base64url without padding, as the tag posts the payload.
pub fn base64url(text: &str) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::new();
    for chunk in text.as_bytes().chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, &b)| n | (b as u32) << (16 - 8 * i));
        for i in 0..=chunk.len() {
            out.push(A[(n >> (18 - 6 * i) & 63) as usize] as char);
        }
    }
    out
}

/// `FILE:LINE:COL: PATH: message` split into its parts; panics on any other shape.
pub fn compiler_line(l: &str) -> (String, u32, u32, String, String) {
    let mut parts = l.splitn(4, ':');
    let (file, line, col, rest) = (
        parts.next().unwrap(),
        parts.next().and_then(|x| x.parse().ok()),
        parts.next().and_then(|x| x.parse().ok()),
        parts.next(),
    );
    let (Some(line), Some(col), Some(rest)) = (line, col, rest) else {
        panic!("not FILE:LINE:COL: PATH: message: {l}")
    };
    let (path, message) = rest
        .strip_prefix(' ')
        .and_then(|r| r.split_once(": "))
        .unwrap_or_else(|| panic!("no PATH: message in {l}"));
    assert!(
        !path.is_empty() && !path.contains(' ') || path == "(document)",
        "{l}"
    );
    assert!(!message.trim().is_empty(), "{l}");
    (file.into(), line, col, path.into(), message.into())
}
