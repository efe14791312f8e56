//! `leadscore`: the engine on the command line, for CI checks of a rules file and for
//! server-side (re-)scoring. A thin shell: argument parsing, files, exit codes.

use leadscore::json::{self, Value};
use leadscore::{Error, Event, RuleSet};
use std::borrow::Cow;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::io::{Read, Write};
use std::process::ExitCode;

#[path = "leadscore/backtest.rs"]
mod backtest;

const USAGE: &str = "\
usage:
  leadscore check RULES.json [--json]
  leadscore score --rules RULES.json --events EVENTS.jsonl [--now MS] [--pretty] [--accounts]
  leadscore verify --rules RULES.json --payload PAYLOAD [--now MS] [--pretty]
  leadscore backtest --rules RULES.json --events EVENTS.jsonl --outcomes OUTCOMES.csv [--challenger RULES.json] [--json]
  leadscore suggest --rules RULES.json --events EVENTS.jsonl --outcomes OUTCOMES.csv [-o NEW.json]
  leadscore synth --events OUT.jsonl --outcomes OUT.csv [--visitors N] [--seed S]
  leadscore schema

check   validates a rules file: exit 0 with a summary, or exit 1 with one line per problem
        (PATH: message); --json prints the problems as JSON lines with code, path, line, column.
score   scores every visitor of a JSON-lines events file (each event has a \"visitor\" field)
        as of --now (milliseconds since the epoch; default: the current time) and prints one
        result per visitor as a JSON line, sorted by visitor. Invalid lines are reported on
        stderr (file:line: code: message) and skipped. EVENTS may be - for standard input.
        --accounts prints one line per account instead (the rules' \"accounts\" section).
verify  re-scores a form post's leadscore_payload (base64url or JSON; PAYLOAD is the text,
        @FILE, or - for standard input) and prints one JSON object (consistent, findings, result):
        the authoritative result (as of --now, default the payload's own time) and each
        way the browser's claim disagrees with its events. Exit 0 consistent, 1 not.
backtest scores each visitor as of just before their CRM outcome and measures the rules
        against the outcomes (leadscore backtest --help).
suggest fits points and thresholds to the outcomes (leadscore suggest --help).
synth   writes synthetic journeys with a planted ground truth (leadscore synth --help).
schema  prints the JSON Schema of the rules format (for editors; point a rules file's \"$schema\" at it).
exit codes: 0 ok, 1 invalid rules (or an invalid events line with --strict), 2 usage or I/O error";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("check") => check(&args[1..]),
        Some("score") => score(&args[1..]),
        Some("verify") => verify(&args[1..]),
        Some("backtest") => backtest::backtest(&args[1..]),
        Some("suggest") => backtest::suggest(&args[1..]),
        Some("synth") => backtest::synth(&args[1..]),
        Some("schema") => out(&leadscore::schema::rules_schema()),
        Some("-h" | "--help" | "help") => out(USAGE),
        Some("-V" | "--version") => out(&format!("leadscore {}", env!("CARGO_PKG_VERSION"))),
        _ => Err(format!("expected a command\n{USAGE}")),
    };
    result.unwrap_or_else(|msg| {
        eprintln!("leadscore: {msg}");
        ExitCode::from(2)
    })
}

/// Prints a line; a reader that went away (`| head`) is not an error.
fn out(text: &str) -> Result<ExitCode, String> {
    let _ = writeln!(std::io::stdout(), "{text}");
    Ok(ExitCode::SUCCESS)
}

/// Flags of the form `--name value`, `--name=value`, and bare switches.
struct Flags {
    positional: Vec<String>,
    named: Vec<(String, Option<String>)>,
}

impl Flags {
    fn parse(args: &[String], with_value: &[&str], switches: &[&str]) -> Result<Flags, String> {
        let mut f = Flags {
            positional: Vec::new(),
            named: Vec::new(),
        };
        let mut it = args.iter();
        while let Some(a) = it.next() {
            let Some(name) = a.strip_prefix("--") else {
                f.positional.push(a.clone());
                continue;
            };
            let (name, inline) = match name.split_once('=') {
                Some((n, v)) => (n, Some(v.to_string())),
                None => (name, None),
            };
            if with_value.contains(&name) {
                let v = inline.or_else(|| it.next().cloned());
                let v = v.ok_or(format!("--{name} needs a value"))?;
                f.named.push((name.to_string(), Some(v)));
            } else if switches.contains(&name) {
                f.named.push((name.to_string(), None));
            } else {
                return Err(format!("unknown option --{name}\n{USAGE}"));
            }
        }
        Ok(f)
    }
    fn get(&self, name: &str) -> Option<&str> {
        self.named
            .iter()
            .rev()
            .find(|(n, _)| n == name)
            .and_then(|(_, v)| v.as_deref())
    }
    fn has(&self, name: &str) -> bool {
        self.named.iter().any(|(n, _)| n == name)
    }
}

fn read(path: &str) -> Result<String, String> {
    if path == "-" {
        let mut s = String::new();
        std::io::stdin()
            .read_to_string(&mut s)
            .map_err(|e| format!("stdin: {e}"))?;
        return Ok(s);
    }
    std::fs::read_to_string(path).map_err(|e| format!("{path}: {e}"))
}

fn load_rules(path: &str) -> Result<Result<RuleSet, Vec<Error>>, String> {
    Ok(RuleSet::from_text(&read(path)?))
}

fn check(args: &[String]) -> Result<ExitCode, String> {
    let f = Flags::parse(args, &[], &["json"])?;
    let [path] = f.positional.as_slice() else {
        return Err(format!("check takes one rules file\n{USAGE}"));
    };
    match load_rules(path)? {
        Ok(set) => {
            println!(
                "{path}: ok, version \"{}\": {} rules, {} categories, {} bands, {} page categories",
                set.version,
                set.rules.len(),
                set.categories.len(),
                set.bands.len(),
                set.page_names.len() - 1
            );
            Ok(ExitCode::SUCCESS)
        }
        Err(errors) => {
            let mut out = std::io::stdout().lock();
            for e in &errors {
                let _ = if f.has("json") {
                    writeln!(out, "{}", problem_json(e))
                } else {
                    writeln!(out, "{e}")
                };
            }
            Ok(ExitCode::from(1))
        }
    }
}

fn problem_json(e: &Error) -> String {
    let mut o = String::from("{\"code\":");
    json::write_str(&mut o, e.code());
    o.push_str(",\"path\":");
    json::write_str(&mut o, &e.path);
    if e.line > 0 {
        o.push_str(&format!(",\"line\":{},\"column\":{}", e.line, e.column));
    }
    o.push_str(",\"message\":");
    json::write_str(&mut o, &e.message());
    o.push('}');
    o
}

fn score(args: &[String]) -> Result<ExitCode, String> {
    let f = Flags::parse(
        args,
        &["rules", "events", "now"],
        &["pretty", "strict", "accounts"],
    )?;
    if !f.positional.is_empty() {
        return Err(format!("unexpected argument {}\n{USAGE}", f.positional[0]));
    }
    let rules_path = f
        .get("rules")
        .ok_or(format!("score needs --rules\n{USAGE}"))?;
    let events_path = f
        .get("events")
        .ok_or(format!("score needs --events\n{USAGE}"))?;
    let now = match now_flag(&f)? {
        Some(n) => n,
        None => std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_err(|e| e.to_string())?
            .as_millis() as f64,
    };
    let set = match load_rules(rules_path)? {
        Ok(set) => set,
        Err(errors) => {
            for e in &errors {
                eprintln!("{rules_path}: {e}");
            }
            return Ok(ExitCode::from(1));
        }
    };
    let text = read(events_path)?;
    let (visitors, skipped) = read_events(&set, &text, events_path);
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let lines: Box<dyn Iterator<Item = String>> = if f.has("accounts") {
        let Some(cfg) = &set.accounts else {
            return Err(format!(
                "--accounts: {rules_path} has no \"accounts\" section"
            ));
        };
        let accounts = leadscore::accounts::score_accounts(&set, cfg, &visitors, now);
        Box::new(accounts.into_iter().map(|a| a.to_json()))
    } else {
        Box::new(
            visitors
                .iter()
                .map(|(v, events)| leadscore::score(&set, events, now).to_json(Some(v))),
        )
    };
    for line in lines {
        let text = if f.has("pretty") { pretty(&line) } else { line };
        if let Err(e) = writeln!(out, "{text}") {
            return broken_pipe(e);
        }
    }
    if let Err(e) = out.flush() {
        return broken_pipe(e);
    }
    if skipped > 0 {
        eprintln!(
            "leadscore: scored {} visitors; skipped {skipped} invalid lines",
            visitors.len()
        );
    }
    Ok(if skipped > 0 && f.has("strict") {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn verify(args: &[String]) -> Result<ExitCode, String> {
    let f = Flags::parse(args, &["rules", "payload", "now"], &["pretty"])?;
    let rules_path = f
        .get("rules")
        .ok_or(format!("verify needs --rules\n{USAGE}"))?;
    let payload = match f
        .get("payload")
        .ok_or(format!("verify needs --payload\n{USAGE}"))?
    {
        "-" => read("-")?,
        p => match p.strip_prefix('@') {
            Some(file) => read(file)?,
            None => p.to_string(),
        },
    };
    let now = now_flag(&f)?;
    let set = match load_rules(rules_path)? {
        Ok(set) => set,
        Err(errors) => {
            for e in &errors {
                eprintln!("{rules_path}: {e}");
            }
            return Ok(ExitCode::from(2));
        }
    };
    let verdict = match leadscore::payload::verify(&set, &payload, now) {
        Ok(v) => v,
        Err(e) => {
            eprintln!("leadscore: payload: {}: {e}", e.code());
            return Ok(ExitCode::from(1));
        }
    };
    let mut o = String::from("{\"consistent\":");
    o.push_str(if verdict.consistent() {
        "true"
    } else {
        "false"
    });
    o.push_str(",\"findings\":[");
    for (i, x) in verdict.findings.iter().enumerate() {
        if i > 0 {
            o.push(',');
        }
        o.push_str("{\"code\":");
        json::write_str(&mut o, x.code);
        o.push_str(",\"message\":");
        json::write_str(&mut o, &x.message);
        o.push('}');
    }
    o.push_str("],\"payloadTs\":");
    json::write_num(&mut o, verdict.ts);
    o.push_str(",\"result\":");
    o.push_str(&verdict.authoritative.to_json(None));
    o.push('}');
    let text = if f.has("pretty") { pretty(&o) } else { o };
    if let Err(e) = writeln!(std::io::stdout(), "{text}") {
        return broken_pipe(e);
    }
    Ok(if verdict.consistent() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// `--now MS`, when given: milliseconds since the epoch.
fn now_flag(f: &Flags) -> Result<Option<f64>, String> {
    f.get("now")
        .map(|s| {
            s.parse::<f64>()
                .ok()
                .filter(|n| n.is_finite())
                .ok_or(format!(
                    "--now must be milliseconds since the epoch, got {s:?}"
                ))
        })
        .transpose()
}

/// A closed pipe ends the output quietly; any other write error is reported.
fn broken_pipe(e: std::io::Error) -> Result<ExitCode, String> {
    if e.kind() == std::io::ErrorKind::BrokenPipe {
        Ok(ExitCode::SUCCESS)
    } else {
        Err(format!("stdout: {e}"))
    }
}

/// FNV-1a: visitor ids are short and this is a batch tool, not a hash-flooding target;
/// SipHash cost a visible share of the run.
#[derive(Default)]
struct Fnv(u64);

impl Hasher for Fnv {
    fn write(&mut self, bytes: &[u8]) {
        let mut h = if self.0 == 0 {
            0xcbf2_9ce4_8422_2325
        } else {
            self.0
        };
        for &b in bytes {
            h = (h ^ b as u64).wrapping_mul(0x0000_0100_0000_01b3);
        }
        self.0 = h;
    }
    fn finish(&self) -> u64 {
        self.0
    }
}

/// One visitor's id and events.
type Journey<'t> = (Cow<'t, str>, Vec<Event>);

/// Events grouped by visitor (sorted by visitor), and the count of lines skipped.
fn read_events<'t>(set: &RuleSet, text: &'t str, name: &str) -> (Vec<Journey<'t>>, usize) {
    let mut visitors: HashMap<Cow<'t, str>, Vec<Event>, BuildHasherDefault<Fnv>> =
        HashMap::default();
    let mut skipped = 0;
    let stderr = std::io::stderr();
    let mut err = stderr.lock();
    for (n, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        match parse_line(set, line) {
            Ok((visitor, event)) => visitors.entry(visitor).or_default().push(event),
            Err(e) => {
                skipped += 1;
                let _ = writeln!(err, "{name}:{}: {}: {e}", n + 1, e.code());
            }
        }
    }
    let mut out: Vec<_> = visitors.into_iter().collect();
    out.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    // Read each visitor's events in ts order, log order on ties (a stable sort).
    for (_, events) in out.iter_mut() {
        leadscore::events::sort(events);
    }
    (out, skipped)
}

fn parse_line<'t>(set: &RuleSet, line: &'t str) -> Result<(Cow<'t, str>, Event), Error> {
    use leadscore::ErrorKind;
    let node = json::read(line)?;
    let visitor = match node.get("visitor").map(|v| &v.value) {
        Some(Value::Str(s)) if !s.is_empty() => s.clone(),
        Some(Value::Num(n)) if n.fract() == 0.0 => Cow::Owned(format!("{n}")),
        Some(v) => {
            let kind = ErrorKind::WrongType {
                expected: "a non-empty string",
                found: v.kind(),
            };
            return Err(Error::new(kind, "visitor"));
        }
        None => return Err(Error::new(ErrorKind::MissingField("visitor"), "")),
    };
    let event = set.event(&node)?;
    Ok((visitor, event))
}

/// Re-indents one line of compact JSON (our own output: no whitespace inside).
fn pretty(compact: &str) -> String {
    let mut out = String::with_capacity(compact.len() * 2);
    let mut depth = 0usize;
    let mut in_str = false;
    let mut escaped = false;
    let mut chars = compact.chars().peekable();
    let newline = |out: &mut String, depth: usize| {
        out.push('\n');
        out.push_str(&"  ".repeat(depth));
    };
    while let Some(c) = chars.next() {
        if in_str {
            out.push(c);
            match c {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '"' => in_str = false,
                _ => {}
            }
            continue;
        }
        match c {
            '"' => {
                in_str = true;
                out.push(c);
            }
            '{' | '[' => {
                out.push(c);
                if matches!(chars.peek(), Some('}' | ']')) {
                    out.push(chars.next().unwrap());
                } else {
                    depth += 1;
                    newline(&mut out, depth);
                }
            }
            '}' | ']' => {
                depth = depth.saturating_sub(1);
                newline(&mut out, depth);
                out.push(c);
            }
            ',' => {
                out.push(c);
                newline(&mut out, depth);
            }
            ':' => out.push_str(": "),
            c => out.push(c),
        }
    }
    out
}
