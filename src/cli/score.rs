//! `leadscore score`: events in, results out. Reads the three shapes support is handed:
//! JSON lines of many visitors, one visitor's `leadscore.events()` array, and a
//! `leadscore.payload()` (JSON, or base64url as posted in the `leadscore_payload` field).

use crate::args::{clock, Flags};
use crate::output::{broken_pipe, name, pretty, problem_line};
use leadscore::json::{self, Node};
use leadscore::{Error, Event, RuleSet};
use std::borrow::Cow;
use std::cell::Cell;
use std::io::Write;
use std::io::{BufRead, Read};
use std::process::ExitCode;

pub const HELP: &str = "\
usage: leadscore score --rules RULES.json --events INPUT [--now MS] [--pretty] [--strict]

Scores events with the rules, exactly as the browser does. INPUT is a file, or - for
standard input, holding one of:
  - JSON lines, one event per line, each with a \"visitor\" field: prints one result per
    visitor as a JSON line, sorted by visitor, with \"visitor\" added;
  - a JSON array of events, what leadscore.events() returns in the browser: prints that
    visitor's result (no \"visitor\" field);
  - a payload, what leadscore.payload() returns, or its base64url text as posted in the
    leadscore_payload form field: prints the result of its events as of the payload's
    own time (the score the browser showed at the submit) unless --now is given.
The result is the contract's (score, categories, band, action, disqualified,
rulesVersion, explain). A payload's claimed result and digest are not checked here: that
is leadscore verify.

  --rules FILE    the rules file (its JSON, or compiled by `leadscore compile`)
  --events INPUT  the events (see above)
  --now MS        score as of this time, in milliseconds since the epoch (default: the
                  current time; for a payload, its own time)
  --accounts   print one line per account instead (the rules' \"accounts\" section):
               account, score, band, action, disqualified, target, contacts, engaged,
               roles and the top contacts; JSON lines input only
  --pretty        indent each result over several lines
  --strict        exit 1 when any event was skipped
  -h, --help      this help

An event the rules do not accept is reported on stderr and skipped; the rest still score:
  FILE:LINE:COL: PATH: message
(PATH is the event's field, e.g. events[3].type in a payload; in a base64url payload, with
no position in the file, FILE: PATH: message).

exit codes: 0 scored, 1 events were skipped and --strict was given, 2 usage error,
unreadable file or input, or invalid rules";

pub fn run(args: &[String]) -> Result<ExitCode, String> {
    let f = Flags::parse(
        args,
        &["rules", "events", "now"],
        &["pretty", "strict", "accounts"],
    )?;
    if let Some(a) = f.positional.first() {
        return Err(format!("unexpected argument {a:?}"));
    }
    let rules_path = f.need("rules")?;
    let events_path = f.need("events")?;
    let now = f.now()?;
    let set = match crate::rules_or_exit(rules_path, true)? {
        Ok(set) => set,
        Err(code) => return Ok(code),
    };
    let file = name(events_path);
    let skipped = Cell::new(0);
    let report = |e: &Error| {
        skipped.set(skipped.get() + 1);
        eprintln!("{}", problem_line(file, e));
    };
    let mut report = report;
    let text = match batch_or_text(&set, events_path, &mut report)? {
        Input::Batch(journeys) => {
            if f.has("accounts") {
                return accounts(&f, &set, rules_path, journeys, now);
            }
            let results = journeys
                .iter()
                .map(|(v, e)| (Some(Cow::Borrowed(v.as_str())), Cow::Borrowed(&e[..]), None));
            let code = print_results(&f, &set, results, now, skipped.get());
            crate::backtest::left_for_the_exit(journeys);
            return code;
        }
        Input::Text(text) => text,
    };
    if f.has("accounts") {
        if !matches!(shape(&text), Shape::Lines) {
            return Err("--accounts scores a batch: JSON lines with a \"visitor\" on each".into());
        }
        let journeys = read_lines(&set, &text, &mut report);
        return accounts(&f, &set, rules_path, journeys, now);
    }
    let results: Vec<ToScore> = match shape(&text) {
        Shape::Lines => read_lines(&set, &text, &mut report)
            .into_iter()
            .map(|(v, events)| (Some(Cow::Owned(v)), Cow::Owned(events), None))
            .collect(),
        Shape::Broken(e) => return Err(problem_line(file, &e)),
        Shape::Array(node) => {
            let events = set
                .events_array(&node, "", &text, usize::MAX, &mut |e| report(&e))
                .map_err(|e| problem_line(file, &e))?;
            vec![(None, Cow::Owned(events), None)]
        }
        Shape::Payload(json, base64) => {
            let node = json::read(&json).map_err(|e| unreadable(file, &e, base64))?;
            let ts = node
                .get("ts")
                .and_then(Node::as_f64)
                .filter(|t| t.is_finite());
            let at = if base64 { "" } else { &text };
            let events = set
                .events_array(&node, "events", at, usize::MAX, &mut |e| report(&e))
                .map_err(|e| unreadable(file, &e, base64))?;
            vec![(None, Cow::Owned(events), ts)]
        }
    };
    print_results(&f, &set, results, now, skipped.get())
}

/// Prints one result per visitor (or one for an array or payload), scored on every core a
/// block at a time, printed in order.
fn print_results<'t>(
    f: &Flags,
    set: &RuleSet,
    results: impl IntoIterator<Item = ToScore<'t>>,
    now: Option<f64>,
    skipped: usize,
) -> Result<ExitCode, String> {
    let clock = clock()?;
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let mut results = results.into_iter().peekable();
    while results.peek().is_some() {
        let block: Vec<ToScore> = results.by_ref().take(BLOCK).collect();
        let lines = leadscore::backtest::in_parallel(&block, cores, |(visitor, events, ts)| {
            // The engine reads unsorted events in reading order (a sorted copy).
            let at = now.or(*ts).unwrap_or(clock);
            let line = leadscore::score(set, events, at).to_json(visitor.as_deref());
            if f.has("pretty") {
                pretty(&line)
            } else {
                line
            }
        });
        for text in lines {
            if let Err(e) = writeln!(out, "{text}") {
                return broken_pipe(e);
            }
        }
    }
    if let Err(e) = out.flush() {
        return broken_pipe(e);
    }
    if skipped > 0 {
        eprintln!("leadscore: skipped {skipped} events the rules do not accept");
    }
    Ok(ExitCode::from(u8::from(skipped > 0 && f.has("strict"))))
}

/// Visitors scored at a time before their lines are printed.
const BLOCK: usize = 16_384;

/// One result to print: the visitor's id (none for one visitor's array or payload),
/// the events, and the time to score at when --now is not given (a payload's own).
type ToScore<'t> = (Option<Cow<'t, str>>, Cow<'t, [Event]>, Option<f64>);

/// What an events input holds.
enum Shape<'t> {
    Lines,
    Array(Node<'t>),
    /// An array that is not JSON.
    Broken(Error),
    /// The payload's JSON text, and whether it came as base64url.
    Payload(Cow<'t, str>, bool),
}

/// JSON lines unless the whole text is one array (events), one object with `events`
/// (a payload) or base64url of a payload.
fn shape(text: &str) -> Shape<'_> {
    let start = text.trim_start();
    if start.starts_with('[') {
        return match json::read(text) {
            Ok(node) => Shape::Array(node),
            Err(e) => Shape::Broken(e),
        };
    }
    if start.starts_with('{') {
        // One object over the whole text with an event list; an events line has none.
        return match json::parse(text) {
            Ok(node) if node.get("events").is_some() => Shape::Payload(Cow::Borrowed(text), false),
            _ => Shape::Lines,
        };
    }
    match leadscore::payload::json_text(start) {
        Ok(Cow::Owned(json)) if json.trim_start().starts_with('{') => {
            Shape::Payload(Cow::Owned(json), true)
        }
        _ => Shape::Lines,
    }
}

/// An input that cannot be read at all: the command fails (exit 2).
fn unreadable(file: &str, e: &Error, base64: bool) -> String {
    let mut e = e.clone();
    if base64 {
        (e.line, e.column) = (0, 0); // a place in the decoded text is none in the file
    }
    problem_line(file, &e)
}

/// An events input: JSON lines streamed into journeys, or the whole text of anything else.
enum Input {
    Batch(Vec<(String, Vec<Event>)>),
    Text(String),
}

/// JSON lines (a first line that is a whole object, and more after it) are streamed
/// through the batch reader on every core; anything else (an array, a payload, one line)
/// is read whole and told apart by [`shape`], as before.
fn batch_or_text(
    set: &RuleSet,
    path: &str,
    report: &mut dyn FnMut(&Error),
) -> Result<Input, String> {
    let source: Box<dyn Read + Send> = if path == "-" {
        Box::new(std::io::stdin())
    } else {
        let file = std::fs::File::open(path).map_err(|e| format!("{path}: {e}"))?;
        let size = file.metadata().map_or(0, |m| m.len());
        crate::journeys::TOTAL.store(size, std::sync::atomic::Ordering::Relaxed);
        Box::new(file)
    };
    let mut source = std::io::BufReader::new(source);
    let (head, lines) = head(&mut source).map_err(|e| format!("{path}: {e}"))?;
    let head = std::io::Cursor::new(head);
    if lines {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        let batch = crate::journeys::read_from(set, head.chain(source), path, cores, report)?;
        return Ok(Input::Batch(batch.journeys));
    }
    let mut text = String::new();
    head.chain(source)
        .read_to_string(&mut text)
        .map_err(|e| format!("{path}: {e}"))?;
    Ok(Input::Text(text))
}

/// The input up to its second non-blank line, and whether it is JSON lines: the first
/// non-blank line is a whole JSON object and something follows it (so the whole text is
/// not one JSON value, which [`shape`] would read as lines too).
fn head(source: &mut impl BufRead) -> std::io::Result<(Vec<u8>, bool)> {
    let mut head = Vec::new();
    let mut first: Option<(usize, usize)> = None;
    loop {
        let start = head.len();
        if source.read_until(b'\n', &mut head)? == 0 {
            return Ok((head, false));
        }
        if head[start..].iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let Some((a, b)) = first else {
            first = Some((start, head.len()));
            continue;
        };
        let line = std::str::from_utf8(&head[a..b]).unwrap_or("");
        let object = line.trim_start().starts_with('{') && json::parse(line).is_ok();
        return Ok((head, object));
    }
}

/// JSON lines held whole (a one-line file): events grouped by visitor, sorted by visitor.
fn read_lines(
    set: &RuleSet,
    text: &str,
    report: &mut dyn FnMut(&Error),
) -> Vec<(String, Vec<Event>)> {
    let mut reader = leadscore::batch::LineReader::new(set);
    let mut journeys = leadscore::batch::Journeys::default();
    for (n, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        match reader.read(line) {
            Ok((visitor, event)) => journeys.push(&visitor, event),
            Err(mut e) => {
                // The line's text is one line: its position is line 1, column C.
                e.line = n as u32 + 1;
                e.column = e.column.max(1);
                report(&e);
            }
        }
    }
    journeys.finish()
}

/// `--accounts`: one line per account of a JSON-lines batch (the rules' `accounts` section).
fn accounts(
    f: &Flags,
    set: &RuleSet,
    rules_path: &str,
    visitors: Vec<(String, Vec<Event>)>,
    now: Option<f64>,
) -> Result<ExitCode, String> {
    let Some(cfg) = &set.accounts else {
        return Err(format!(
            "--accounts: {rules_path} has no \"accounts\" section"
        ));
    };
    let at = match now {
        Some(t) => t,
        None => clock()?,
    };
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    for account in leadscore::accounts::score_accounts(set, cfg, &visitors, at) {
        let line = account.to_json();
        let text = if f.has("pretty") { pretty(&line) } else { line };
        if let Err(e) = writeln!(out, "{text}") {
            return broken_pipe(e);
        }
    }
    if let Err(e) = out.flush() {
        return broken_pipe(e);
    }
    Ok(ExitCode::SUCCESS)
}
