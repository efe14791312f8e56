//! What the command prints: problems in the compiler convention, JSON problem objects,
//! indented JSON, and writing to a reader that may go away.

use leadscore::Error;
use std::io::Write;
use std::process::ExitCode;

/// The PATH printed for a problem of the whole text (a JSON syntax error, say).
pub const WHOLE: &str = "(document)";

/// A problem as editors and CI annotators parse it: `FILE:LINE:COL: PATH: message`.
/// Without a position (a problem not found in text, or in text the reader never saw, such
/// as a base64url payload's decoded JSON): `FILE: PATH: message`.
pub fn problem_line(file: &str, e: &Error) -> String {
    let path = if e.path.is_empty() { WHOLE } else { &e.path };
    let message = e.message();
    if e.line > 0 {
        format!("{file}:{}:{}: {path}: {message}", e.line, e.column)
    } else {
        format!("{file}: {path}: {message}")
    }
}

/// `{"code":…,"path":…,"line":…,"column":…,"message":…}`, line and column only when known.
pub fn problem_json(e: &Error) -> String {
    e.to_json()
}

/// The name a file is reported under: `<stdin>` for `-`.
pub fn name(path: &str) -> &str {
    if path == "-" {
        "<stdin>"
    } else {
        path
    }
}

/// Prints a line; a reader that went away (`| head`) is not an error.
pub fn out(text: &str) -> Result<ExitCode, String> {
    let _ = writeln!(std::io::stdout(), "{text}");
    Ok(ExitCode::SUCCESS)
}

/// A closed pipe ends the output quietly; any other write error is reported.
pub fn broken_pipe(e: std::io::Error) -> Result<ExitCode, String> {
    if e.kind() == std::io::ErrorKind::BrokenPipe {
        Ok(ExitCode::SUCCESS)
    } else {
        Err(format!("stdout: {e}"))
    }
}

/// Re-indents one line of compact JSON (our own output: no whitespace inside).
pub fn pretty(compact: &str) -> String {
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
