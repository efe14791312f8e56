//! CRM outcomes: what became of each visitor (`meeting`, `opportunity`, `won`, `lost`, …),
//! read from a CSV export, and the question a backtest asks of them: did this visitor
//! convert, and as of when must they be judged so that nothing after the outcome leaks in.
//!
//! CSV as CRMs write it (RFC 4180): a header row, commas, fields in double quotes with `""`
//! for a quote, CRLF or LF. Only `visitor` and `outcome` are required; `at` (ISO 8601 or
//! milliseconds since the epoch) and `account` are read when present; every other column
//! of the export is ignored. Problems name the line, the column and the header field.

use crate::prelude::*;

use crate::error::{Error, ErrorKind};

/// Outcomes that count as a conversion unless the caller says otherwise.
pub const DEFAULT_CONVERSIONS: &[&str] = &[
    "meeting",
    "sql",
    "opportunity",
    "won",
    "closed_won",
    "customer",
];

/// One row of the export.
#[derive(Debug, Clone, PartialEq)]
pub struct OutcomeRow {
    pub visitor: String,
    pub outcome: String,
    /// Milliseconds since the epoch; `None` when the export has no `at` or the cell is empty.
    pub at: Option<f64>,
    pub account: Option<String>,
    /// 1-based line of the row in the file.
    pub line: u32,
}

/// Reads a CSV export. Rows with a problem are returned as errors and skipped; the rest
/// are kept. A missing required header column is one error and no rows.
pub fn read_csv(text: &str) -> (Vec<OutcomeRow>, Vec<Error>) {
    let mut rows = Vec::new();
    let mut errors = Vec::new();
    let mut records = Records::new(text);
    let header = match records.next() {
        None => {
            errors.push(at(ErrorKind::MissingField("visitor"), "", 1, 1));
            return (rows, errors);
        }
        Some(Err(e)) => {
            errors.push(e);
            return (rows, errors);
        }
        Some(Ok(h)) => h,
    };
    let find = |name: &str| {
        header.fields.iter().position(|f| {
            f.trim()
                .trim_start_matches('\u{feff}')
                .eq_ignore_ascii_case(name)
        })
    };
    let (Some(visitor), Some(outcome)) = (find("visitor"), find("outcome")) else {
        let missing = if find("visitor").is_none() {
            "visitor"
        } else {
            "outcome"
        };
        errors.push(at(
            ErrorKind::MissingField(missing),
            missing,
            header.line,
            1,
        ));
        return (rows, errors);
    };
    let at_col = find("at");
    let account_col = find("account");
    for record in records {
        let r = match record {
            Ok(r) => r,
            Err(e) => {
                errors.push(e);
                continue;
            }
        };
        if r.fields.iter().all(|f| f.trim().is_empty()) {
            continue;
        }
        match row(&r, visitor, outcome, at_col, account_col) {
            Ok(x) => rows.push(x),
            Err(e) => errors.push(e),
        }
    }
    (rows, errors)
}

fn row(
    r: &Record,
    visitor: usize,
    outcome: usize,
    at_col: Option<usize>,
    account_col: Option<usize>,
) -> Result<OutcomeRow, Error> {
    let cell = |i: usize| r.fields.get(i).map(|s| s.trim()).unwrap_or("");
    let col = |i: usize| r.columns.get(i).copied().unwrap_or(1);
    let v = cell(visitor);
    if v.is_empty() {
        let kind = ErrorKind::InvalidValue("empty visitor");
        return Err(at(kind, "visitor", r.line, col(visitor)));
    }
    let o = cell(outcome);
    if o.is_empty() {
        let kind = ErrorKind::InvalidValue("empty outcome");
        return Err(at(kind, "outcome", r.line, col(outcome)));
    }
    let when = match at_col.map(cell).filter(|s| !s.is_empty()) {
        None => None,
        Some(s) => Some(parse_time(s).ok_or_else(|| {
            let kind = ErrorKind::InvalidValue(
                "expected an ISO 8601 time (2026-11-03T10:00:00Z) or milliseconds since the epoch",
            );
            at(kind, "at", r.line, col(at_col.unwrap_or(0)))
        })?),
    };
    Ok(OutcomeRow {
        visitor: v.to_string(),
        outcome: o.to_ascii_lowercase(),
        at: when,
        account: account_col
            .map(cell)
            .filter(|s| !s.is_empty())
            .map(str::to_string),
        line: r.line,
    })
}

fn at(kind: ErrorKind, path: &str, line: u32, column: u32) -> Error {
    let mut e = Error::new(kind, path);
    e.line = line;
    e.column = column;
    e
}

/// One CSV record: its fields, the 1-based column each starts at, and its line.
struct Record {
    fields: Vec<String>,
    columns: Vec<u32>,
    line: u32,
}

/// CSV records, one pass over the text; a quoted field may span lines.
struct Records<'t> {
    bytes: &'t [u8],
    text: &'t str,
    pos: usize,
    line: u32,
    line_start: usize,
    /// The last place a column was worked out on this line, (byte, column): columns are
    /// counted on from there, so a row of a million fields is not a million scans of it.
    counted: (usize, u32),
}

impl<'t> Records<'t> {
    fn new(text: &'t str) -> Self {
        Records {
            bytes: text.as_bytes(),
            text,
            pos: 0,
            line: 1,
            line_start: 0,
            counted: (0, 1),
        }
    }

    /// The 1-based column (in characters) of byte `at` on the current line; `at` only moves
    /// forward within a line.
    fn column(&mut self, at: usize) -> u32 {
        let (from, col) = match self.counted {
            (from, col) if from >= self.line_start && from <= at => (from, col),
            _ => (self.line_start, 1),
        };
        let more = self.text.get(from..at).map_or(0, |s| s.chars().count());
        let col = col + more as u32;
        self.counted = (at, col);
        col
    }

    fn newline(&mut self, after: usize) {
        self.line += 1;
        self.line_start = after;
        self.counted = (after, 1);
    }

    fn record(&mut self) -> Result<Record, Error> {
        let mut r = Record {
            fields: Vec::new(),
            columns: Vec::new(),
            line: self.line,
        };
        loop {
            r.columns.push(self.column(self.pos));
            let field = if self.bytes.get(self.pos) == Some(&b'"') {
                self.quoted()?
            } else {
                self.plain()
            };
            r.fields.push(field);
            match self.bytes.get(self.pos) {
                Some(b',') => self.pos += 1,
                Some(b'\r') if self.bytes.get(self.pos + 1) == Some(&b'\n') => {
                    self.pos += 2;
                    self.newline(self.pos);
                    return Ok(r);
                }
                Some(b'\n') | Some(b'\r') => {
                    self.pos += 1;
                    self.newline(self.pos);
                    return Ok(r);
                }
                None => return Ok(r),
                Some(_) => {
                    let col = self.column(self.pos);
                    self.skip_line();
                    let kind = ErrorKind::Syntax("a quoted field must end at a comma or line end");
                    return Err(at(kind, "", r.line, col));
                }
            }
        }
    }

    fn plain(&mut self) -> String {
        let start = self.pos;
        while let Some(&b) = self.bytes.get(self.pos) {
            if matches!(b, b',' | b'\n' | b'\r') {
                break;
            }
            self.pos += 1;
        }
        self.text.get(start..self.pos).unwrap_or("").to_string()
    }

    fn quoted(&mut self) -> Result<String, Error> {
        let (line, col) = (self.line, self.column(self.pos));
        self.pos += 1;
        let mut out = String::new();
        let mut start = self.pos;
        loop {
            match self.bytes.get(self.pos) {
                None => {
                    let kind = ErrorKind::Syntax("unterminated quoted field");
                    return Err(at(kind, "", line, col));
                }
                Some(b'"') if self.bytes.get(self.pos + 1) == Some(&b'"') => {
                    out.push_str(self.text.get(start..=self.pos).unwrap_or(""));
                    self.pos += 2;
                    start = self.pos;
                }
                Some(b'"') => {
                    out.push_str(self.text.get(start..self.pos).unwrap_or(""));
                    self.pos += 1;
                    return Ok(out);
                }
                Some(b'\n') => {
                    self.pos += 1;
                    self.newline(self.pos);
                }
                Some(_) => self.pos += 1,
            }
        }
    }

    fn skip_line(&mut self) {
        while let Some(&b) = self.bytes.get(self.pos) {
            self.pos += 1;
            if b == b'\n' {
                self.newline(self.pos);
                return;
            }
        }
    }
}

impl Iterator for Records<'_> {
    type Item = Result<Record, Error>;
    fn next(&mut self) -> Option<Self::Item> {
        if self.pos >= self.bytes.len() {
            return None;
        }
        Some(self.record())
    }
}

/// Milliseconds since the epoch from `1764000000000` or an ISO 8601 time: a date
/// (`2026-11-03`, midnight UTC), or a date and time with optional seconds, fraction and
/// zone (`Z`, `+02:00`, `-0500`; none means UTC).
pub fn parse_time(s: &str) -> Option<f64> {
    let s = s.trim();
    if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) && s.len() <= 16 {
        return s.parse::<f64>().ok();
    }
    let b = s.as_bytes();
    let num = |from: usize, len: usize| -> Option<i64> {
        let part = b.get(from..from + len)?;
        if !part.iter().all(u8::is_ascii_digit) {
            return None;
        }
        Some(part.iter().fold(0i64, |n, d| n * 10 + (d - b'0') as i64))
    };
    let (y, mo, d) = (num(0, 4)?, num(5, 2)?, num(8, 2)?);
    if b.get(4) != Some(&b'-') || b.get(7) != Some(&b'-') || !(1..=12).contains(&mo) {
        return None;
    }
    if d < 1 || d > days_in_month(y, mo) {
        return None;
    }
    let mut ms = days_from_civil(y, mo, d) * 86_400_000;
    let mut i = 10;
    if i < b.len() {
        if !matches!(b[i], b'T' | b't' | b' ') {
            return None;
        }
        let (h, mi) = (num(i + 1, 2)?, num(i + 4, 2)?);
        if b.get(i + 3) != Some(&b':') || h > 23 || mi > 59 {
            return None;
        }
        ms += (h * 60 + mi) * 60_000;
        i += 6;
        if b.get(i) == Some(&b':') {
            let sec = num(i + 1, 2)?;
            if sec > 60 {
                return None;
            }
            ms += sec * 1000;
            i += 3;
            if matches!(b.get(i), Some(b'.') | Some(b',')) {
                let digits = b[i + 1..].iter().take_while(|c| c.is_ascii_digit()).count();
                if digits == 0 {
                    return None;
                }
                let frac = num(i + 1, digits.min(3))?;
                ms += frac * [100, 10, 1][digits.min(3) - 1];
                i += 1 + digits;
            }
        }
        ms -= zone_offset_ms(b.get(i..)?)?;
    }
    Some(ms as f64)
}

/// The zone suffix as an offset from UTC in ms: "" and "Z" are 0.
fn zone_offset_ms(z: &[u8]) -> Option<i64> {
    match z {
        [] | [b'Z'] | [b'z'] => Some(0),
        [sign @ (b'+' | b'-'), rest @ ..] => {
            let digits: Vec<u8> = rest.iter().copied().filter(|c| *c != b':').collect();
            if digits.len() != 4 || !digits.iter().all(u8::is_ascii_digit) || rest.len() > 5 {
                return None;
            }
            let v = |i: usize| (digits[i] - b'0') as i64;
            let (h, m) = (v(0) * 10 + v(1), v(2) * 10 + v(3));
            if h > 23 || m > 59 {
                return None;
            }
            let off = (h * 60 + m) * 60_000;
            Some(if *sign == b'-' { -off } else { off })
        }
        _ => None,
    }
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times() {
        assert_eq!(parse_time("1764000000000"), Some(1_764_000_000_000.0));
        assert_eq!(parse_time("1970-01-01"), Some(0.0));
        assert_eq!(
            parse_time("2026-11-03T10:00:00Z"),
            Some(1_793_700_000_000.0)
        );
        assert_eq!(
            parse_time("2026-11-03T12:00:00+02:00"),
            Some(1_793_700_000_000.0)
        );
        assert_eq!(
            parse_time("2026-11-03 05:00-0500"),
            Some(1_793_700_000_000.0)
        );
        assert_eq!(
            parse_time("2026-11-03T10:00:00.5Z"),
            Some(1_793_700_000_500.0)
        );
        assert_eq!(parse_time("2024-02-29"), Some(1_709_164_800_000.0));
        for bad in [
            "2025-02-29",
            "2026-13-01",
            "2026-11-03T25:00",
            "soon",
            "",
            "1e400",
        ] {
            assert_eq!(parse_time(bad), None, "{bad}");
        }
    }

    #[test]
    fn csv_quotes_columns_and_errors() {
        let text = "Id,Visitor,\"Outcome\",at,account\r\n1,v1,Meeting,2026-11-03,\"Acme, Inc.\"\n2,v2,\"lo\"\"st\",,\n3,,won,,\n4,v4,won,yesterday,\n";
        let (rows, errors) = read_csv(text);
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].outcome, "meeting");
        assert_eq!(rows[0].account.as_deref(), Some("Acme, Inc."));
        assert_eq!(rows[1].outcome, "lo\"st");
        assert_eq!(rows[1].at, None);
        let where_: Vec<_> = errors
            .iter()
            .map(|e| (e.code(), e.path.as_str(), e.line, e.column))
            .collect();
        assert_eq!(
            where_,
            [
                ("invalid_value", "visitor", 4, 3),
                ("invalid_value", "at", 5, 10)
            ]
        );
        let (_, errors) = read_csv("visitor,stage\nv1,won\n");
        assert_eq!(
            (errors[0].code(), errors[0].path.as_str()),
            ("missing_field", "outcome")
        );
        // A hostile row of a million fields: positions are counted on, not rescanned from
        // the line start for each field (that took minutes), and stay exact far along it.
        let wide = format!("visitor,outcome\nv1,won,{}\"é\"x\n", "é,".repeat(1_000_000));
        let (rows, errors) = read_csv(&wide);
        assert_eq!(rows.len(), 0);
        assert_eq!(
            (errors[0].code(), errors[0].line, errors[0].column),
            ("syntax", 2, 2_000_011)
        );
        let (_, errors) = read_csv("visitor,outcome\nv1,\"won\n");
        assert_eq!(
            (errors[0].code(), errors[0].line, errors[0].column),
            ("syntax", 2, 4)
        );
    }
}
