//! Reading a large JSON-lines events file into each visitor's journey, on several threads:
//! this thread reads chunks of whole lines, the others parse them. Every event keeps its
//! line number until the end, so events at the same time stay in the file's order
//! whichever thread read them, and the journeys are the same as a one-thread read.

use crate::output::{name, problem_line};
use crate::score::parse_line;
use leadscore::{Error, Event, RuleSet};
use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read};
use std::sync::mpsc::{sync_channel, Receiver};
use std::sync::Mutex;

/// Bytes of whole lines handed to a parser at a time.
const CHUNK: u64 = 4 << 20;
/// Problems printed at most (all are counted).
const SHOWN: usize = 20;

type Numbered = Vec<(u64, Event)>;

/// What one parser thread read: events by visitor, with line numbers; problems.
#[derive(Default)]
struct Parsed {
    visitors: HashMap<String, Numbered>,
    problems: Vec<(u64, Error)>,
    skipped: usize,
}

/// Each visitor's events in reading order (time, then line), sorted by visitor.
pub fn read(
    set: &RuleSet,
    path: &str,
    threads: usize,
) -> Result<Vec<(String, Vec<Event>)>, String> {
    let file = std::fs::File::open(path).map_err(|e| format!("{path}: {e}"))?;
    let threads = threads.clamp(1, 64);
    let (tx, rx) = sync_channel::<(u64, String)>(threads * 2);
    let rx = Mutex::new(rx);
    let (parsed, lines) = std::thread::scope(|scope| {
        let parsers: Vec<_> = (0..threads)
            .map(|_| scope.spawn(|| parse_all(set, &rx)))
            .collect();
        let lines = feed(file, path, |first, text| tx.send((first, text)).is_ok());
        drop(tx);
        let parsed: Vec<Parsed> = parsers
            .into_iter()
            .map(|p| p.join().expect("a parsing thread panicked"))
            .collect();
        (parsed, lines)
    });
    let lines = lines?;
    Ok(merge(parsed, path, lines))
}

/// Reads chunks of whole lines and hands each to `send` with the number of its first line
/// (0-based); returns the number of lines.
fn feed(
    file: std::fs::File,
    path: &str,
    mut send: impl FnMut(u64, String) -> bool,
) -> Result<u64, String> {
    let mut reader = BufReader::with_capacity(1 << 20, file);
    let mut line = 0u64;
    loop {
        let mut buf = Vec::with_capacity(CHUNK as usize + 4096);
        let io = |e: std::io::Error| format!("{path}:{}: {e}", line + 1);
        (&mut reader)
            .take(CHUNK)
            .read_to_end(&mut buf)
            .map_err(io)?;
        if buf.is_empty() {
            return Ok(line);
        }
        if buf.last() != Some(&b'\n') {
            reader.read_until(b'\n', &mut buf).map_err(io)?;
        }
        let count = buf.iter().filter(|&&b| b == b'\n').count() as u64
            + u64::from(buf.last() != Some(&b'\n'));
        let text = String::from_utf8(buf)
            .map_err(|_| format!("{path}: not UTF-8 text after line {line}"))?;
        if !send(line, text) {
            return Ok(line);
        }
        line += count;
    }
}

fn parse_all(set: &RuleSet, rx: &Mutex<Receiver<(u64, String)>>) -> Parsed {
    let mut out = Parsed::default();
    loop {
        let next = rx.lock().map(|r| r.recv());
        let Ok(Ok((first, text))) = next else {
            return out;
        };
        for (i, line) in text.split('\n').enumerate() {
            let line = line.trim_end();
            if line.trim().is_empty() {
                continue;
            }
            let n = first + i as u64 + 1;
            match parse_line(set, line) {
                Ok((visitor, event)) => match out.visitors.get_mut(visitor.as_ref()) {
                    Some(v) => v.push((n, event)),
                    None => {
                        out.visitors.insert(visitor.into_owned(), vec![(n, event)]);
                    }
                },
                Err(e) => {
                    out.skipped += 1;
                    if out.problems.len() < SHOWN {
                        out.problems.push((n, e));
                    }
                }
            }
        }
    }
}

/// One map from the parsers' maps, each journey in time order (line order on ties), and
/// the first problems of the file printed in line order.
fn merge(parsed: Vec<Parsed>, path: &str, lines: u64) -> Vec<(String, Vec<Event>)> {
    let mut visitors: HashMap<String, Numbered> = HashMap::new();
    let (mut problems, mut skipped) = (Vec::new(), 0);
    for p in parsed {
        skipped += p.skipped;
        problems.extend(p.problems);
        if visitors.is_empty() {
            visitors = p.visitors;
            continue;
        }
        for (k, v) in p.visitors {
            visitors.entry(k).or_default().extend(v);
        }
    }
    problems.sort_by_key(|p| p.0);
    for (n, mut e) in problems.into_iter().take(SHOWN) {
        e.line = n as u32;
        e.column = e.column.max(1);
        eprintln!("{}", problem_line(name(path), &e));
    }
    if skipped > 0 {
        eprintln!("leadscore: skipped {skipped} invalid event lines of {lines}");
    }
    let mut out: Vec<(String, Vec<Event>)> = visitors
        .into_iter()
        .map(|(k, mut v)| {
            v.sort_by(|a, b| a.1.ts.total_cmp(&b.1.ts).then(a.0.cmp(&b.0)));
            (k, v.into_iter().map(|(_, e)| e).collect())
        })
        .collect();
    out.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    out
}
