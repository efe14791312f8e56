//! Reading a large JSON-lines events file into each visitor's journey, streamed: one
//! thread reads chunks of whole lines, the others parse them with the library's typed line
//! reader, and this thread adds the events to the journeys chunk by chunk in file order,
//! so neither the file nor a JSON tree is ever held whole, and a visitor's events at the
//! same time stay in the file's order whoever parsed them. Bad lines are reported in line
//! order as `FILE:LINE:COL: PATH: message`.

use crate::output::{name, problem_line};
use leadscore::batch::{Journeys, LineReader};
use leadscore::{Error, Event};
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read};
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::mpsc::sync_channel;
use std::sync::Mutex;

/// Bytes of whole lines handed to a parser at a time.
const CHUNK: u64 = 1 << 20;
/// Problems a parser keeps per chunk; past them the lines are read again for their
/// problems when the chunk is merged (hostile files only), so memory stays bounded.
const KEPT: usize = 1024;
/// Problems `backtest` and `suggest` print (all are counted).
const SHOWN: usize = 20;

/// Visitors and events read so far, for the out-of-memory message.
pub static VISITORS: AtomicU64 = AtomicU64::new(0);
pub static EVENTS: AtomicU64 = AtomicU64::new(0);
pub static BYTES: AtomicU64 = AtomicU64::new(0);
/// The events file's size, when known.
pub static TOTAL: AtomicU64 = AtomicU64::new(0);

/// What a file held: the journeys (sorted by visitor, each in reading order), the number
/// of lines and of bad lines.
pub struct Batch {
    pub journeys: Vec<(String, Vec<Event>)>,
    pub lines: u64,
    pub skipped: u64,
}

/// `backtest` and `suggest`: the journeys of the file at `path`; the first problems are
/// printed, then how many lines were skipped.
pub fn read(
    set: &leadscore::RuleSet,
    path: &str,
    threads: usize,
) -> Result<Vec<(String, Vec<Event>)>, String> {
    let file = std::fs::File::open(path).map_err(|e| format!("{path}: {e}"))?;
    TOTAL.store(file.metadata().map_or(0, |m| m.len()), Relaxed);
    let mut shown = 0;
    let batch = read_from(set, file, path, threads, &mut |e| {
        if shown < SHOWN {
            shown += 1;
            eprintln!("{}", problem_line(name(path), e));
        }
    })?;
    if batch.skipped > 0 {
        eprintln!(
            "leadscore: skipped {} invalid event lines of {}",
            batch.skipped, batch.lines
        );
    }
    Ok(batch.journeys)
}

/// Reads events lines from `source` (named `path` in messages) on `threads` parsing
/// threads, handing each bad line's problem to `problem` in line order.
pub fn read_from(
    set: &leadscore::RuleSet,
    source: impl Read + Send,
    path: &str,
    threads: usize,
    problem: &mut dyn FnMut(&Error),
) -> Result<Batch, String> {
    let threads = threads.clamp(1, 64);
    let mut merger = Merger {
        journeys: Journeys::default(),
        reader: LineReader::new(set),
        skipped: 0,
        problem,
    };
    let lines = if threads == 1 {
        let mut reader = LineReader::new(set);
        feed(source, path, |first, text| {
            let chunk = parse(&mut reader, first, text);
            merger.merge(chunk);
            true
        })?
    } else {
        in_threads(set, source, path, threads, &mut merger)?
    };
    Ok(Batch {
        journeys: merger.journeys.finish(),
        lines,
        skipped: merger.skipped,
    })
}

/// The reader on its own thread, `threads` parsers, and the merge here, in chunk order.
fn in_threads(
    set: &leadscore::RuleSet,
    source: impl Read + Send,
    path: &str,
    threads: usize,
    merger: &mut Merger,
) -> Result<u64, String> {
    let (jobs, job_rx) = sync_channel::<(u64, u64, String)>(threads);
    let job_rx = Mutex::new(job_rx);
    let (done, done_rx) = sync_channel::<(u64, Chunk)>(threads * 2);
    std::thread::scope(|scope| {
        for _ in 0..threads {
            let (done, job_rx) = (done.clone(), &job_rx);
            scope.spawn(move || {
                let mut reader = LineReader::new(set);
                while let Ok(Ok((index, first, text))) = job_rx.lock().map(|r| r.recv()) {
                    if done.send((index, parse(&mut reader, first, text))).is_err() {
                        return;
                    }
                }
            });
        }
        drop(done);
        let feeder = scope.spawn(move || {
            let mut index = 0;
            feed(source, path, |first, text| {
                index += 1;
                jobs.send((index - 1, first, text)).is_ok()
            })
        });
        let mut order = InOrder::default();
        for (index, chunk) in done_rx {
            order.put(index, chunk, |chunk| merger.merge(chunk));
        }
        feeder.join().expect("the reading thread panicked")
    })
}

/// Items numbered 0, 1, 2, … arriving in any order, handed on in their order.
struct InOrder<T> {
    next: u64,
    waiting: BTreeMap<u64, T>,
}

impl<T> Default for InOrder<T> {
    fn default() -> Self {
        InOrder {
            next: 0,
            waiting: BTreeMap::new(),
        }
    }
}

impl<T> InOrder<T> {
    fn put(&mut self, index: u64, item: T, mut then: impl FnMut(T)) {
        self.waiting.insert(index, item);
        while let Some(item) = self.waiting.remove(&self.next) {
            then(item);
            self.next += 1;
        }
    }
}

/// Reads chunks of whole lines and hands each to `send` with the number of its first line
/// (0-based); returns the number of lines.
fn feed(
    source: impl Read,
    path: &str,
    mut send: impl FnMut(u64, String) -> bool,
) -> Result<u64, String> {
    let mut reader = BufReader::with_capacity(1 << 20, source);
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
        BYTES.fetch_add(buf.len() as u64, Relaxed);
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

/// A chunk's visitor id: where it is in the chunk's text, or made (a number's).
enum Vis {
    At(u32, u32),
    Made(String),
}

/// One parsed chunk: its text, its events with their visitors, and its first problems.
struct Chunk {
    text: String,
    first: u64,
    events: Vec<(Vis, Event)>,
    problems: Vec<Error>,
    /// Where the problems past the kept ones start again: (byte offset, line index).
    more: Option<(usize, u64)>,
}

/// The lines of a chunk, each with its index in the chunk and its text (without `\r`),
/// blank lines left out; from byte `from`, line index `line`.
fn lines(text: &str, from: usize, line: u64) -> impl Iterator<Item = (usize, u64, &str)> {
    let mut at = from;
    text[from..]
        .split('\n')
        .zip(line..)
        .map(move |(l, i)| {
            let start = at;
            at += l.len() + 1;
            (start, i, l.strip_suffix('\r').unwrap_or(l))
        })
        .filter(|(_, _, l)| !l.trim().is_empty())
}

fn parse(reader: &mut LineReader, first: u64, text: String) -> Chunk {
    let mut events = Vec::with_capacity(text.len() / 100);
    let (mut problems, mut more) = (Vec::new(), None);
    let base = text.as_ptr() as usize;
    for (start, i, line) in lines(&text, 0, 0) {
        match reader.read(line) {
            Ok((visitor, event)) => {
                let vis = match visitor {
                    Cow::Borrowed(s) => {
                        let at = (s.as_ptr() as usize - base) as u32;
                        Vis::At(at, at + s.len() as u32)
                    }
                    Cow::Owned(s) => Vis::Made(s),
                };
                events.push((vis, event));
            }
            Err(e) if problems.len() < KEPT => problems.push(numbered(e, first + i)),
            Err(_) => {
                more.get_or_insert((start, i));
            }
        }
    }
    Chunk {
        text,
        first,
        events,
        problems,
        more,
    }
}

fn numbered(mut e: Error, index: u64) -> Error {
    e.line = (index + 1).min(u32::MAX as u64) as u32;
    e.column = e.column.max(1);
    e
}

/// Adds chunks to the journeys, in file order.
struct Merger<'s, 'p> {
    journeys: Journeys,
    /// For the problems a parser did not keep.
    reader: LineReader<'s>,
    skipped: u64,
    problem: &'p mut dyn FnMut(&Error),
}

impl Merger<'_, '_> {
    fn merge(&mut self, chunk: Chunk) {
        for (vis, event) in chunk.events {
            let visitor = match &vis {
                Vis::At(a, b) => &chunk.text[*a as usize..*b as usize],
                Vis::Made(s) => s.as_str(),
            };
            self.journeys.push(visitor, event);
        }
        for e in &chunk.problems {
            self.skipped += 1;
            (self.problem)(e);
        }
        if let Some((from, line)) = chunk.more {
            for (_, i, text) in lines(&chunk.text, from, line) {
                if let Err(e) = self.reader.read(text) {
                    self.skipped += 1;
                    (self.problem)(&numbered(e, chunk.first + i));
                }
            }
        }
        VISITORS.store(self.journeys.visitors() as u64, Relaxed);
        EVENTS.store(self.journeys.events(), Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::InOrder;

    #[test]
    fn chunks_are_merged_in_file_order_whatever_order_parsers_finish_in() {
        let mut order = InOrder::default();
        let mut seen = Vec::new();
        for i in [3u64, 1, 0, 4, 2, 5] {
            order.put(i, i, |x| seen.push(x));
        }
        assert_eq!(seen, [0, 1, 2, 3, 4, 5]);
    }
}
