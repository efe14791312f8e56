//! The one error type of the engine: a stable machine code, the JSON path of the problem,
//! and, when the input was text, its line and column.
//!
//! Every surface (CLI lines, JS `Error` objects, playground markers) is made from this,
//! so codes and paths are the same everywhere. Tests match on `code()`, never on wording.

use crate::prelude::*;

use core::fmt;

#[derive(Debug, Clone, PartialEq)]
pub enum ErrorKind {
    /// The text is not JSON.
    Syntax(&'static str),
    /// An object has the same key twice.
    DuplicateKey(String),
    /// A value has the wrong JSON type; the text says what was expected.
    WrongType {
        expected: &'static str,
        found: &'static str,
    },
    MissingField(&'static str),
    UnknownField {
        field: String,
        allowed: &'static [&'static str],
    },
    /// A value has the right type but breaks its field's rule (`> 0`, a whole number,
    /// `min` ≤ `max`); the text says what is allowed.
    InvalidValue(&'static str),
    /// A number beyond its documented limits (or beyond the finite doubles, like `1e400`),
    /// where sums, decay or caps could otherwise reach infinity; the text gives the limits.
    OutOfRange(&'static str),
    DuplicateRuleId(String),
    UnknownCategory(String),
    UnknownPageCategory(String),
    UnknownEvent(String),
    UnknownProp {
        event: String,
        prop: String,
    },
    /// `maxCount`, `cooldownMinutes`, `withinDays` or `halfLifeDays` on a traits rule.
    NotForTraits(&'static str),
    /// `when` must hold exactly one of `event`, `sequence`, `traits`.
    AmbiguousWhen,
    SequenceTooShort,
    BadGlob(&'static str),
    UnknownOp(String),
    /// A condition field an event does not have (`url`, `form`, `page`, `props.NAME`).
    UnknownConditionField(String),
    DuplicateBandMin,
    DuplicateBandName(String),
    /// More than one band without `min`.
    SecondCatchAllBand,
    EmptyList(&'static str),
    /// An input over a size limit (a payload's bytes or events), refused before reading it.
    TooLarge {
        limit: usize,
        unit: &'static str,
    },
    /// Compiled rules (src/compiled): the bytes do not start with the format's magic (a
    /// rules JSON file, an HTML error page).
    NotCompiled,
    /// Compiled rules of another format version than this build reads: the version found
    /// and the one this build reads (carried here so that `error` does not reach `compiled`).
    FormatVersion {
        found: u16,
        reads: u16,
    },
    /// Compiled rules that end before their stated length.
    Truncated,
    /// Compiled rules whose checksum does not match their bytes.
    Corrupt,
    /// Compiled rules whose checksum matches but whose contents are not a valid rule set
    /// (an index out of range, a number beyond its limits); the text says what.
    BadContents(&'static str),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Error {
    pub kind: ErrorKind,
    /// JSON path such as `rules[3].when.page`. A missing field's path is where it belongs
    /// (`version`, `rules[2].points`); empty only for the whole document (not an object,
    /// or not JSON before any value).
    pub path: String,
    /// 1-based; 0 when the input did not come from text.
    pub line: u32,
    pub column: u32,
}

impl Error {
    pub fn new(kind: ErrorKind, path: impl Into<String>) -> Self {
        Error {
            kind,
            path: path.into(),
            line: 0,
            column: 0,
        }
    }

    /// Stable identifier of the kind of problem; part of the public contract.
    pub fn code(&self) -> &'static str {
        use ErrorKind::*;
        match &self.kind {
            Syntax(_) => "syntax",
            DuplicateKey(_) => "duplicate_key",
            WrongType { .. } => "wrong_type",
            MissingField(_) => "missing_field",
            UnknownField { .. } => "unknown_field",
            InvalidValue(_) => "invalid_value",
            OutOfRange(_) => "out_of_range",
            DuplicateRuleId(_) => "duplicate_rule_id",
            UnknownCategory(_) => "unknown_category",
            UnknownPageCategory(_) => "unknown_page_category",
            UnknownEvent(_) => "unknown_event",
            UnknownProp { .. } => "unknown_prop",
            NotForTraits(_) => "not_for_traits",
            AmbiguousWhen => "ambiguous_when",
            SequenceTooShort => "sequence_too_short",
            BadGlob(_) => "bad_glob",
            UnknownOp(_) => "unknown_op",
            UnknownConditionField(_) => "unknown_condition_field",
            DuplicateBandMin => "duplicate_band_min",
            DuplicateBandName(_) => "duplicate_band_name",
            SecondCatchAllBand => "second_catch_all_band",
            EmptyList(_) => "empty_list",
            TooLarge { .. } => "too_large",
            NotCompiled => "not_compiled",
            FormatVersion { .. } => "format_version",
            Truncated => "truncated",
            Corrupt => "corrupt",
            BadContents(_) => "bad_contents",
        }
    }

    pub fn message(&self) -> String {
        self.kind.message()
    }

    /// Fills line and column from the byte offset of the offending value in `text`.
    pub fn at(mut self, text: &str, offset: u32) -> Self {
        let (line, column) = crate::text::line_col(text, offset);
        self.line = line;
        self.column = column;
        self
    }
}

impl ErrorKind {
    /// The human text. Built by concatenation rather than `format!`, which would bring
    /// the formatting machinery into the site tag's wasm for a handful of strings.
    pub fn message(&self) -> String {
        use ErrorKind::*;
        let parts: &[&str] = match self {
            Syntax(m) => &["invalid JSON: ", m],
            DuplicateKey(k) => &["duplicate key \"", k, "\""],
            WrongType { expected, found } => &["expected ", expected, ", found ", found],
            MissingField(name) => &["missing required field \"", name, "\""],
            UnknownField { field, allowed } => match closest(field, allowed) {
                Some(close) => &[
                    "unknown field \"",
                    field,
                    "\" (did you mean \"",
                    close,
                    "\"?)",
                ],
                None => &["unknown field \"", field, "\""],
            },
            InvalidValue(m) => &[m],
            OutOfRange(m) => &["out of range: ", m],
            DuplicateRuleId(id) => &["duplicate rule id \"", id, "\""],
            UnknownCategory(c) => &[
                "unknown category \"",
                c,
                "\" (declare it in \"categories\")",
            ],
            UnknownPageCategory(c) => &["unknown page category \"", c, "\""],
            UnknownEvent(t) => &[
                "unknown event type \"",
                t,
                "\" (declare it in the rules' \"events\")",
            ],
            UnknownProp { event, prop } => &[
                "prop \"",
                prop,
                "\" is not declared for event \"",
                event,
                "\"",
            ],
            NotForTraits(field) => &["\"", field, "\" does not apply to a traits rule"],
            AmbiguousWhen => {
                &["\"when\" needs exactly one of \"event\", \"sequence\" or \"traits\""]
            }
            SequenceTooShort => &["a sequence needs at least two steps"],
            BadGlob(m) => &["bad pattern: ", m],
            UnknownOp(op) => &[
                "unknown operator \"",
                op,
                "\" (eq, ne, in, notIn, gt, gte, lt, lte, contains, matches, exists)",
            ],
            UnknownConditionField(name) => &[
                "unknown event field \"",
                name,
                "\" (use url, form, page or props.NAME)",
            ],
            DuplicateBandMin => &["another band has the same min"],
            DuplicateBandName(n) => &["duplicate band name \"", n, "\""],
            SecondCatchAllBand => &["only one band may omit \"min\""],
            EmptyList(what) => &[what, " must not be empty"],
            TooLarge { limit, unit } => {
                return ["more than the limit of ", &decimal(*limit), " ", unit].concat()
            }
            NotCompiled => {
                &["not a compiled rule set (compile rules.json with `leadscore compile`)"]
            }
            FormatVersion { found, reads } => {
                return [
                    "compiled rules of format version ",
                    &decimal(*found as usize),
                    "; this build reads version ",
                    &decimal(*reads as usize),
                    " (compile them again with this version's `leadscore compile`)",
                ]
                .concat()
            }
            Truncated => &["compiled rules cut short (an incomplete download?)"],
            Corrupt => &["compiled rules damaged: the checksum does not match"],
            BadContents(m) => &["compiled rules not valid: ", m],
        };
        parts.concat()
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message())
    }
}

impl fmt::Display for Error {
    /// `PATH: message`, the CLI's line format. A syntax error's path is only the value
    /// being read when the text stopped being JSON, so its position follows the message.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            f.write_str("(document): ")?;
        } else {
            write!(f, "{}: ", self.path)?;
        }
        fmt::Display::fmt(&self.kind, f)?;
        if self.line > 0 && matches!(self.kind, ErrorKind::Syntax(_)) {
            write!(f, " at line {}, column {}", self.line, self.column)?;
        }
        Ok(())
    }
}

#[cfg(feature = "std")]
impl std::error::Error for Error {}

/// `path.key`. The empty key (legal JSON) is written `[""]`, so that no problem inside
/// the document ends up with the whole document's empty path.
pub fn join(path: &str, key: &str) -> String {
    if key.is_empty() {
        [path, "[\"\"]"].concat()
    } else if path.is_empty() {
        key.to_string()
    } else {
        [path, ".", key].concat()
    }
}

/// `path` inside `prefix`: the one way a path is nested (`events[3]` + `ts` is
/// `events[3].ts`, + `[0]` is `events[3][0]`, + the empty path is `events[3]` itself).
pub fn within(prefix: &str, path: &str) -> String {
    if prefix.is_empty() || path.is_empty() || path.starts_with('[') {
        [prefix, path].concat()
    } else {
        [prefix, ".", path].concat()
    }
}

/// `n` in decimal, without `format!` (see [`ErrorKind::message`]).
fn decimal(n: usize) -> String {
    let indexed = at_index("", n);
    crate::text::slice(&indexed, 1, indexed.len() - 1).to_string()
}

/// `path[i]`. JSON paths are built by hand rather than with `format!`, for the reason
/// given on [`ErrorKind::message`].
pub fn at_index(path: &str, i: usize) -> String {
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    let mut n = i;
    loop {
        at -= 1;
        digits[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    let mut s = String::with_capacity(path.len() + 2 + digits.len() - at);
    s.push_str(path);
    s.push('[');
    s.extend(digits[at..].iter().map(|&d| d as char));
    s.push(']');
    s
}

/// A suggestion for a misspelt key: the allowed name within two edits, if any.
fn closest<'a>(word: &str, allowed: &[&'a str]) -> Option<&'a str> {
    allowed
        .iter()
        .map(|a| (edit_distance(word, a), *a))
        .filter(|(d, _)| *d <= 2)
        .min_by_key(|(d, _)| *d)
        .map(|(_, a)| a)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = if ca == *cb {
                prev
            } else {
                1 + prev.min(cur).min(row[j])
            };
            prev = cur;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cli_line_format() {
        let e = Error::new(
            ErrorKind::UnknownPageCategory("prcing".into()),
            "rules[3].when.page",
        );
        assert_eq!(
            e.to_string(),
            "rules[3].when.page: unknown page category \"prcing\""
        );
        assert_eq!(e.code(), "unknown_page_category");
    }

    #[test]
    fn suggests_close_keys() {
        let e = ErrorKind::UnknownField {
            field: "maxCont".into(),
            allowed: &["maxCount", "points"],
        };
        assert!(e.to_string().contains("did you mean \"maxCount\""));
    }
}
