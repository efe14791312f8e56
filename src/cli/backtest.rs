//! `leadscore backtest` and `leadscore synth`: files in, the library's backtest out.

use crate::args::Flags;
use crate::output::{broken_pipe, name, problem_line};
use crate::read;
use leadscore::backtest::{self, AsOf, Comparison, Options, Report};
use leadscore::outcomes::{self, OutcomeRow};
use leadscore::synth;
use leadscore::RuleSet;
use std::io::Write;
use std::process::ExitCode;

pub const BACKTEST_HELP: &str = "\
usage: leadscore backtest --rules RULES.json --events EVENTS.jsonl --outcomes OUTCOMES.csv
                          [--challenger RULES.json] [--as-of first-outcome|MS]
                          [--conversions LIST] [--json]

Scores every visitor as of just before their CRM outcome and measures the rules against
what became of them: conversion and lift per band and per score decile, the ROC AUC of the
score and of each category, precision, recall and leads per month at each band threshold,
and how often each rule fired among converters and among the rest.

  --rules F          the rules to judge (the live rules)
  --events F         JSON lines, one event per line with a \"visitor\" field; any order
  --outcomes F       CSV with a header: visitor, outcome (required); at (ISO 8601 or ms),
                     account (optional); other columns are ignored
  --challenger F     a second rules file judged on the same visitors, side by side, with
                     the visitors whose band changes
  --as-of WHEN       first-outcome (default): each visitor just before their first
                     conversion (else their first outcome; without a time: the end of the
                     data); or MS: everyone as of that time
  --conversions L    comma-separated outcome values that count as a conversion
                     (default: meeting,sql,opportunity,won,closed_won,customer)
  --threads N        threads that read and score (default: every core); the numbers are
                     the same whatever the count
  --json             one JSON object instead of tables
  -h, --help         this help

exit codes: 0 done, 2 usage error, unreadable input or invalid rules";

pub const SYNTH_HELP: &str = "\
usage: leadscore synth --events OUT.jsonl --outcomes OUT.csv [--visitors N] [--seed S]

Writes synthetic journeys of the demo site (www/site) with a planted ground truth: a hidden
intent per visitor drives the pages read, dwell, forms, traits and conversion. Labelled
synthetic (visitor ids, the outcomes' latent_intent column). Deterministic per seed.

  --visitors N   how many visitors (default 1000)
  --seed S       the seed (default 1)
  -h, --help     this help

exit codes: 0 written, 2 usage error or a file that cannot be written";

pub fn backtest(args: &[String]) -> Result<ExitCode, String> {
    let f = Flags::parse(
        args,
        &[
            "rules",
            "events",
            "outcomes",
            "challenger",
            "as-of",
            "conversions",
            "threads",
        ],
        &["json"],
    )?;
    let (rules_path, events_path, outcomes_path) = inputs(&f)?;
    let mut options = options(&f)?;
    options.as_of = match f.get("as-of") {
        None | Some("first-outcome") => AsOf::FirstOutcome,
        Some(ms) => AsOf::At(outcomes::parse_time(ms).ok_or(format!(
            "--as-of must be first-outcome, milliseconds or an ISO 8601 time, got {ms:?}"
        ))?),
    };
    let Some(live) = load_rules_or_report(rules_path)? else {
        return Ok(ExitCode::from(2));
    };
    let challenger = match f.get("challenger") {
        Some(p) => match load_rules_or_report(p)? {
            Some(set) => Some(set),
            None => return Ok(ExitCode::from(2)),
        },
        None => None,
    };
    let rows = read_outcomes(outcomes_path)?;
    let journeys = crate::journeys::read(&live, events_path, options.threads)?;
    let months = backtest::months_spanned(&journeys);
    let judged = backtest::judge(&live, &journeys, &rows, &options);
    let report = Report::new(&live, &judged, months);
    let accounts = backtest::accounts_report(&live, &journeys, &rows, &options, months);
    let text = match &challenger {
        None if f.has("json") => backtest::report_json(&report, accounts.as_ref()),
        None => match &accounts {
            Some(a) => format!("{}\n== accounts ==\n{}", report.to_text(), a.to_text()),
            None => report.to_text(),
        },
        Some(set) => {
            // The challenger may declare other event types: read the events with its plan.
            let journeys = crate::journeys::read(set, events_path, options.threads)?;
            let judged_c = backtest::judge(set, &journeys, &rows, &options);
            let other = Report::new(set, &judged_c, months);
            let cmp = Comparison::new(report, other, &judged, &judged_c);
            let text = if f.has("json") {
                cmp.to_json()
            } else {
                cmp.to_text()
            };
            left_for_the_exit((journeys, judged_c));
            text
        }
    };
    left_for_the_exit((journeys, judged, rows));
    print(&text)
}

/// Millions of events and results are not freed one by one just before the process ends
/// (a quarter of the CPU time at 10 M events): the system takes the memory back at once.
pub fn left_for_the_exit<T>(data: T) {
    std::mem::forget(data);
}

fn print(text: &str) -> Result<ExitCode, String> {
    let mut out = std::io::stdout().lock();
    match writeln!(out, "{text}").and_then(|_| out.flush()) {
        Ok(()) => Ok(ExitCode::SUCCESS),
        Err(e) => broken_pipe(e),
    }
}

/// The rules, or `None` after printing each problem (invalid rules: exit 2, as for `score`).
fn load_rules_or_report(path: &str) -> Result<Option<RuleSet>, String> {
    Ok(crate::rules_or_exit(path, false)?.ok())
}

/// The three files both commands read: the rules, the events and the outcomes.
fn inputs(f: &Flags) -> Result<(&str, &str, &str), String> {
    Ok((f.need("rules")?, f.need("events")?, f.need("outcomes")?))
}

/// The options both commands share: which outcomes count as a conversion, and threads.
fn options(f: &Flags) -> Result<Options, String> {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let mut options = Options {
        threads: f.count("threads", cores)?.max(1),
        ..Options::default()
    };
    if let Some(list) = f.get("conversions") {
        options.conversions = list
            .split(',')
            .map(|s| s.trim().to_ascii_lowercase())
            .filter(|s| !s.is_empty())
            .collect();
    }
    Ok(options)
}

fn read_outcomes(path: &str) -> Result<Vec<OutcomeRow>, String> {
    let text = read(path)?;
    let (rows, errors) = outcomes::read_csv(&text);
    for e in errors.iter().take(20) {
        eprintln!("{}", problem_line(name(path), e));
    }
    if errors.len() > 20 {
        eprintln!("{path}: … {} more problems", errors.len() - 20);
    }
    if rows.is_empty() {
        return Err(format!("{path}: no usable outcome rows"));
    }
    Ok(rows)
}

pub fn synth(args: &[String]) -> Result<ExitCode, String> {
    let f = Flags::parse(args, &["events", "outcomes", "visitors", "seed"], &[])?;
    let mut o = synth::Options::default();
    if let Some(v) = f.get("visitors") {
        o.visitors = v
            .parse()
            .map_err(|_| format!("--visitors must be a count, got {v:?}"))?;
    }
    if let Some(s) = f.get("seed") {
        o.seed = s
            .parse()
            .map_err(|_| format!("--seed must be a whole number, got {s:?}"))?;
    }
    let events_path = f
        .get("events")
        .ok_or(format!("synth needs --events\n{SYNTH_HELP}"))?;
    let outcomes_path = f
        .get("outcomes")
        .ok_or(format!("synth needs --outcomes\n{SYNTH_HELP}"))?;
    let create = |p: &str| {
        std::fs::File::create(p)
            .map(|f| std::io::BufWriter::with_capacity(1 << 20, f))
            .map_err(|e| format!("{p}: {e}"))
    };
    let (mut ev, mut out) = (create(events_path)?, create(outcomes_path)?);
    let io = |e: std::io::Error| format!("write: {e}");
    writeln!(out, "{}", synth::OUTCOMES_HEADER).map_err(io)?;
    let (mut events, mut converted) = (0usize, 0usize);
    for i in 0..o.visitors {
        let j = synth::journey(&o, i);
        events += j.events.len();
        converted += j.converted as usize;
        for line in &j.events {
            writeln!(ev, "{line}").map_err(io)?;
        }
        for line in &j.outcomes {
            writeln!(out, "{line}").map_err(io)?;
        }
    }
    ev.flush().map_err(io)?;
    out.flush().map_err(io)?;
    eprintln!(
        "leadscore: wrote {events} synthetic events of {} visitors ({converted} converted)",
        o.visitors
    );
    Ok(ExitCode::SUCCESS)
}

pub const SUGGEST_HELP: &str = "\
usage: leadscore suggest --rules RULES.json --events EVENTS.jsonl --outcomes OUTCOMES.csv
                         [-o NEW.json] [--leads-per-month N | --precision P]
                         [--holdout SHARE] [--conversions LIST] [--json]

Fits a regularised logistic regression of conversion on each visitor's per-rule counts (as
of just before their outcome) on the visitors who arrived first, turns the weights into
whole points on the scale of today's scores, and compares the ROC AUC of current and
suggested points on the visitors who arrived last (held out). Never edits RULES.json.

  -o F, --out F         write the suggested rules (points, band minimums, a new version)
  --leads-per-month N   put the top band's threshold where it sends about N leads a month
  --precision P         or at the lowest threshold whose leads convert at rate P (0..1)
                        (default: every band keeps the share of visitors it holds today)
  --holdout SHARE       share of visitors held out, the latest to arrive (default 0.3)
  --conversions L       outcome values that count as a conversion (as for backtest)
  --threads N           threads that read and score (default: every core)
  --json                the suggestion as one JSON object
  -h, --help            this help

exit codes: 0 done, 1 nothing to fit (no signal, or no converters among the earlier visitors),\n2 usage error, unreadable input or invalid rules";

pub fn suggest(args: &[String]) -> Result<ExitCode, String> {
    use leadscore::backtest::{SuggestOptions, Target};
    let args: Vec<String> = args
        .iter()
        .map(|a| {
            if a == "-o" {
                "--out".to_string()
            } else {
                a.clone()
            }
        })
        .collect();
    let f = Flags::parse(
        &args,
        &[
            "rules",
            "events",
            "outcomes",
            "out",
            "leads-per-month",
            "precision",
            "holdout",
            "conversions",
            "threads",
        ],
        &["json"],
    )?;
    let (rules_path, events_path, outcomes_path) = inputs(&f)?;
    let number = |name: &str, lo: f64, hi: f64| -> Result<Option<f64>, String> {
        f.get(name)
            .map(|s| {
                s.parse::<f64>()
                    .ok()
                    .filter(|v| v.is_finite() && *v >= lo && *v <= hi)
                    .ok_or(format!(
                        "--{name} must be a number from {lo} to {hi}, got {s:?}"
                    ))
            })
            .transpose()
    };
    let target = match (
        number("leads-per-month", 0.0, 1e9)?,
        number("precision", 0.0, 1.0)?,
    ) {
        (Some(_), Some(_)) => return Err("give --leads-per-month or --precision, not both".into()),
        (Some(n), None) => Target::LeadsPerMonth(n),
        (None, Some(p)) => Target::Precision(p),
        (None, None) => Target::KeepVolumes,
    };
    let mut so = SuggestOptions {
        target,
        ..Default::default()
    };
    if let Some(h) = number("holdout", 0.05, 0.95)? {
        so.holdout = h;
    }
    let options = options(&f)?;
    if let Some(out) = f.get("out") {
        let same = std::fs::canonicalize(out)
            .ok()
            .is_some_and(|o| std::fs::canonicalize(rules_path).ok() == Some(o));
        if same {
            return Err(format!(
                "-o {out} would overwrite the rules file: suggest never edits it"
            ));
        }
    }
    let text = read(rules_path)?;
    let Some(set) = load_rules_or_report(rules_path)? else {
        return Ok(ExitCode::from(2));
    };
    let rows = read_outcomes(outcomes_path)?;
    let journeys = crate::journeys::read(&set, events_path, options.threads)?;
    let s = match leadscore::backtest::suggest(&text, &set, &journeys, &rows, &options, &so) {
        Ok(s) => s,
        Err(why) => {
            eprintln!("leadscore: suggest: {why}");
            return Ok(ExitCode::from(2));
        }
    };
    if let Some(out) = f.get("out") {
        std::fs::write(out, &s.rules_text).map_err(|e| format!("{out}: {e}"))?;
    }
    print(&if f.has("json") {
        s.to_json()
    } else {
        s.to_text()
    })
}
