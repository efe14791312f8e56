//! `leadscore verify`: a form post's payload re-checked on the server, within limits set
//! before anything is read.

use crate::args::{clock, Flags};
use crate::output::{broken_pipe, name, pretty, problem_line};
use leadscore::payload::{self, Check, Limits, DEFAULT_LIMITS};
use leadscore::{Error, ErrorKind};
use std::io::{Read, Write};
use std::process::ExitCode;

pub const HELP: &str = "\
usage: leadscore verify --rules RULES.json --payload PAYLOAD [--now MS] [--pretty]
                        [--max-bytes N] [--max-events N] [--max-skew-ms MS]

Re-checks what a browser claims: re-scores a payload's events with the rules and prints
one JSON object
  {\"consistent\":true|false,\"findings\":[{\"code\",\"path\",\"message\"},…],
   \"payloadTs\":MS,\"result\":{…}}
where result is the authoritative result and each finding a way the claim disagrees with
its events (codes: events_edited, invalid_event, future_event, not_finite, from_future,
rules_version, score_edited, band_edited, categories_edited, disqualified_edited).

  --rules FILE        the rules file (its JSON, or compiled by `leadscore compile`)
  --payload PAYLOAD   the leadscore_payload form field (base64url) or the payload's JSON:
                      the text itself, @FILE, or - for standard input
  --now MS            compute the result as of this time, in ms since the epoch (default:
                      the payload's own time); also the server's clock for from_future
                      (default: the current time)
  --pretty            indent the output over several lines
  --max-bytes N       refuse a payload of more than N bytes as given (default 4000000)
  --max-events N      refuse a payload of more than N events (default 10000)
  --max-skew-ms MS    how far a payload may be dated after the server's clock before it
                      is from_future (default 300000, 5 minutes)
  -h, --help          this help

A payload that cannot be verified at all (not base64url or JSON, not a leadscore payload,
over a limit) prints nothing on stdout, and on stderr the problem as
  NAME:LINE:COL: PATH: message   (NAME: PATH: message for base64url input)

exit codes: 0 consistent, 1 not consistent (findings), 2 usage error, unreadable file,
invalid rules, or a payload that is unreadable or over a limit";

pub fn run(args: &[String]) -> Result<ExitCode, String> {
    let f = Flags::parse(
        args,
        &[
            "rules",
            "payload",
            "now",
            "max-bytes",
            "max-events",
            "max-skew-ms",
        ],
        &["pretty"],
    )?;
    if let Some(a) = f.positional.first() {
        return Err(format!("unexpected argument {a:?}"));
    }
    let rules_path = f.need("rules")?;
    let source = f.need("payload")?;
    let now = f.now()?;
    let limits = limits(&f)?;
    let check = Check {
        clock: match now {
            Some(n) => n,
            None => clock()?,
        },
        now,
        limits,
    };
    let set = match crate::rules_or_exit(rules_path, true)? {
        Ok(set) => set,
        Err(code) => return Ok(code),
    };
    // Never more than one byte over the limit is read: enough to refuse it.
    let (label, text) = match source.strip_prefix('@') {
        _ if source == "-" => (
            "<stdin>",
            read_at_most(std::io::stdin(), "<stdin>", &limits)?,
        ),
        Some(file) => match std::fs::File::open(file) {
            Ok(r) => (name(file), read_at_most(r, file, &limits)?),
            Err(e) => return Err(format!("{file}: {e}")),
        },
        None => (
            "payload",
            payload::check_size(source.len(), &limits).map(|_| source.into()),
        ),
    };
    let verdict = match text.and_then(|text| {
        payload::verify(&set, &text, &check).map_err(|mut e| {
            if !text.trim_start().starts_with('{') {
                (e.line, e.column) = (0, 0); // a place in the decoded text is none here
            }
            e
        })
    }) {
        Ok(v) => v,
        Err(e) => {
            let hint = match (e.code(), e.path.as_str()) {
                ("too_large", "events") => " (see --max-events)",
                ("too_large", _) => " (see --max-bytes)",
                _ => "",
            };
            eprintln!("{}{hint}", problem_line(label, &e));
            eprintln!("leadscore: the payload cannot be verified");
            return Ok(ExitCode::from(2));
        }
    };
    let o = verdict.to_json();
    let text = if f.has("pretty") { pretty(&o) } else { o };
    if let Err(e) = writeln!(std::io::stdout(), "{text}") {
        return broken_pipe(e);
    }
    Ok(ExitCode::from(u8::from(!verdict.consistent())))
}

fn limits(f: &Flags) -> Result<Limits, String> {
    let skew = match f.get("max-skew-ms") {
        None => DEFAULT_LIMITS.max_skew_ms,
        Some(s) => s
            .parse::<f64>()
            .ok()
            .filter(|n| n.is_finite() && *n >= 0.0)
            .ok_or(format!(
                "--max-skew-ms must be milliseconds >= 0, got {s:?}"
            ))?,
    };
    Ok(Limits {
        max_bytes: f.count("max-bytes", DEFAULT_LIMITS.max_bytes)?,
        max_events: f.count("max-events", DEFAULT_LIMITS.max_events)?,
        max_skew_ms: skew,
    })
}

/// At most one byte over the limit: enough to refuse it.
fn read_at_most(
    r: impl Read,
    label: &str,
    limits: &Limits,
) -> Result<Result<String, Error>, String> {
    let mut bytes = Vec::new();
    r.take(limits.max_bytes as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("{label}: {e}"))?;
    Ok(payload::check_size(bytes.len(), limits)
        .and_then(|_| String::from_utf8(bytes).map_err(|_| unreadable("not UTF-8 text"))))
}

fn unreadable(why: &'static str) -> Error {
    Error::new(ErrorKind::InvalidValue(why), "")
}
