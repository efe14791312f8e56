//! `leadscore`: the engine on the command line, for CI checks of a rules file and for
//! server-side (re-)scoring. A thin shell: arguments, files, output and exit codes.
//!
//! Exit codes, the same for every command: 0 the answer is yes (valid, scored,
//! consistent); 1 the answer is no (`check`: the rules have problems; `verify`: the claim
//! disagrees with its events; `score --strict`: events were skipped); 2 the command could
//! not do its job (usage, a file it cannot read, input it cannot read or refuses, invalid
//! rules for `score` and `verify`).

mod args;
mod backtest;
mod compile;
mod journeys;
mod memory;
mod output;
mod score;
mod verify;

use args::Flags;
use leadscore::{Error, RuleSet};
use output::{name, out, problem_json, problem_line};
use std::io::{Read, Write};
use std::process::ExitCode;

const OVERVIEW: &str = "\
leadscore: the lead-scoring engine on the command line

usage:
  leadscore check RULES.json [--json]
  leadscore compile RULES.json -o RULES.lsc
  leadscore score --rules RULES.json --events INPUT [--now MS] [--pretty] [--strict]
  leadscore verify --rules RULES.json --payload PAYLOAD [--now MS] [--pretty]
                   [--max-bytes N] [--max-events N] [--max-skew-ms MS]
  leadscore backtest --rules RULES.json --events EVENTS.jsonl --outcomes OUTCOMES.csv
                     [--challenger RULES.json] [--as-of first-outcome|MS] [--json]
  leadscore suggest --rules RULES.json --events EVENTS.jsonl --outcomes OUTCOMES.csv [-o NEW.json]
  leadscore synth --events OUT.jsonl --outcomes OUT.csv [--visitors N] [--seed S]
  leadscore schema
  leadscore COMMAND --help     (or leadscore help COMMAND) for a command's options
  leadscore --version

check   validates a rules file
compile validates a rules file and writes the compiled form the site tag reads
score   scores events: JSON lines of many visitors, or one visitor's leadscore.events()
        array or leadscore.payload() (JSON or base64url)
verify  re-checks a form post's leadscore_payload and prints the authoritative result
backtest  scores each visitor just before their CRM outcome and measures the rules against
        the outcomes (bands, lift, ROC AUC, thresholds, rules; a challenger side by side)
suggest fits points and band thresholds to the outcomes; writes an edited copy with -o
synth   writes synthetic journeys and outcomes with a planted ground truth
schema  prints the JSON Schema of the rules format

exit codes: 0 yes (valid, compiled, scored, consistent), 1 no (problems in the rules, a claim that
disagrees with its events, skipped events with --strict), 2 could not do it (usage,
unreadable file or input, input over a limit, invalid rules for score and verify)";

const CHECK: &str = "\
usage: leadscore check RULES.json [--json]

Validates a rules file (RULES.json may be - for standard input).

  --json       print one JSON object, valid or not:
               {\"ok\":true,\"problems\":[]} or
               {\"ok\":false,\"problems\":[{\"code\",\"path\",\"line\",\"column\",\"message\"},…]}
               (line and column only for problems found at a place in the text)
  -h, --help   this help

Without --json: a one-line summary, or one line per problem in the compiler convention
  FILE:LINE:COL: PATH: message
where LINE:COL is where the offending key or value starts and PATH its JSON path
((document) for the whole text, as for a JSON syntax error). A problem without a place in
the text prints FILE: PATH: message.

exit codes: 0 valid, 1 problems found, 2 usage error or unreadable file";

const SCHEMA: &str = "\
usage: leadscore schema

Prints the JSON Schema of the rules format, for editors: point a rules file's \"$schema\"
at it.

  -h, --help   this help

exit codes: 0";

#[global_allocator]
static ALLOCATOR: memory::Guard = memory::Guard;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let command = args.first().map(String::as_str).unwrap_or("");
    let rest = args.get(1..).unwrap_or(&[]);
    let help = help_of(command);
    let wants_help = rest.iter().any(|a| a == "-h" || a == "--help");
    let result = match command {
        _ if wants_help && help.is_some() => out(help.unwrap_or(OVERVIEW)),
        "check" => check(rest),
        "compile" => compile::run(rest),
        "score" => score::run(rest),
        "verify" => verify::run(rest),
        "backtest" => backtest::backtest(rest),
        "suggest" => backtest::suggest(rest),
        "synth" => backtest::synth(rest),
        "schema" => schema(rest),
        "help" | "-h" | "--help" => match rest.first() {
            None => out(OVERVIEW),
            Some(c) => help_of(c)
                .map(out)
                .unwrap_or_else(|| Err(format!("no command {c:?}"))),
        },
        "-V" | "--version" => out(&format!("leadscore {}", env!("CARGO_PKG_VERSION"))),
        "" => Err("expected a command".into()),
        c => Err(format!("unknown command {c:?}")),
    };
    result.unwrap_or_else(|msg| {
        let hint = match help {
            Some(_) => format!("leadscore {command} --help"),
            None => "leadscore --help".into(),
        };
        eprintln!("leadscore: {msg}\n(see {hint})");
        ExitCode::from(2)
    })
}

fn help_of(command: &str) -> Option<&'static str> {
    match command {
        "check" => Some(CHECK),
        "compile" => Some(compile::HELP),
        "score" => Some(score::HELP),
        "verify" => Some(verify::HELP),
        "backtest" => Some(backtest::BACKTEST_HELP),
        "suggest" => Some(backtest::SUGGEST_HELP),
        "synth" => Some(backtest::SYNTH_HELP),
        "schema" => Some(SCHEMA),
        _ => None,
    }
}

/// A file's text; `-` is standard input.
pub fn read(path: &str) -> Result<String, String> {
    text(path, read_bytes(path)?)
}

fn text(path: &str, bytes: Vec<u8>) -> Result<String, String> {
    let name = if path == "-" { "<stdin>" } else { path };
    String::from_utf8(bytes).map_err(|e| format!("{name}: not UTF-8 text ({e})"))
}

/// A file's bytes; `-` is standard input.
fn read_bytes(path: &str) -> Result<Vec<u8>, String> {
    if path == "-" {
        let mut b = Vec::new();
        std::io::stdin()
            .read_to_end(&mut b)
            .map_err(|e| format!("<stdin>: {e}"))?;
        return Ok(b);
    }
    std::fs::read(path).map_err(|e| format!("{path}: {e}"))
}

/// The rules for `score`, `verify` and the backtests: invalid rules are reported and the
/// command cannot do its job (exit 2), whatever its inputs. `score` and `verify` also read
/// a compiled rule set (`leadscore compile`: the bytes the site tag was given); the
/// backtests need the text, as a compiled set does not carry `accounts`.
pub fn rules_or_exit(path: &str, compiled: bool) -> Result<Result<RuleSet, ExitCode>, String> {
    let bytes = read_bytes(path)?;
    let read = match bytes.starts_with(&leadscore::compiled::MAGIC) {
        true if compiled => leadscore::compiled::decode(&bytes).map_err(|e| vec![e]),
        true => return Err(format!(
            "{path}: compiled rules: this command reads the rules JSON (a compiled set does not carry `accounts`)"
        )),
        false => RuleSet::from_text(&text(path, bytes)?),
    };
    Ok(read.map_err(|errors| {
        let mut err = std::io::stderr().lock();
        for e in &errors {
            let _ = writeln!(err, "{}", problem_line(name(path), e));
        }
        let _ = writeln!(err, "leadscore: {path}: invalid rules");
        ExitCode::from(2)
    }))
}

fn schema(args: &[String]) -> Result<ExitCode, String> {
    if let Some(a) = args.first() {
        return Err(format!("schema takes no arguments, got {a:?}"));
    }
    out(&leadscore::schema::rules_schema())
}

fn check(args: &[String]) -> Result<ExitCode, String> {
    let f = Flags::parse(args, &[], &["json"])?;
    let [path] = f.positional.as_slice() else {
        return Err("check takes one rules file".into());
    };
    let result = RuleSet::from_text(&read(path)?);
    let problems: &[Error] = result.as_ref().err().map_or(&[], Vec::as_slice);
    let text = if f.has("json") {
        let items: Vec<String> = problems.iter().map(problem_json).collect();
        format!(
            "{{\"ok\":{},\"problems\":[{}]}}\n",
            problems.is_empty(),
            items.join(",")
        )
    } else if let Ok(set) = &result {
        format!(
            "{}: ok, version \"{}\": {} rules, {} categories, {} bands, {} page categories\n",
            name(path),
            set.version,
            set.rules.len(),
            set.categories.len(),
            set.bands.len(),
            set.page_names.len() - 1
        )
    } else {
        problems
            .iter()
            .map(|e| problem_line(name(path), e) + "\n")
            .collect()
    };
    if let Err(e) = std::io::stdout().write_all(text.as_bytes()) {
        return output::broken_pipe(e);
    }
    Ok(ExitCode::from(u8::from(result.is_err())))
}
