//! Arrow columns in, the core's events out. Each cell becomes the JSON value an events
//! line would hold (a null cell: the field is absent) and the rules read it with
//! `RuleSet::event`, the same reader the command line uses: so an Arrow row is accepted,
//! refused and scored exactly as its JSON line would be. Strings borrow from the Arrow
//! buffers; nothing passes through Python objects.

use crate::batch::FnvMap;
use crate::error::{within, Error, ErrorKind};
use crate::json::{self, Node, Value};
use crate::{Event, RuleSet};
use arrow_array::cast::AsArray;
use arrow_array::types::*;
use arrow_array::{Array, ArrayRef, RecordBatch};
use arrow_schema::{DataType, TimeUnit};
use std::borrow::Cow;

/// One column of a batch, its type looked at once rather than per cell.
pub enum Column<'a> {
    Text(Texts<'a>),
    /// Numbers (integers, floats) as f64, the way a JSON reader reads them.
    Num(&'a dyn Array, fn(&dyn Array, usize) -> f64),
    Bool(&'a arrow_array::BooleanArray),
    /// A struct: an object whose null fields are absent.
    Struct(&'a dyn Array, Vec<(&'a str, Column<'a>)>),
    List(&'a dyn Array, Vec<usize>, Box<Column<'a>>),
    /// Only nulls.
    Null,
}

pub enum Texts<'a> {
    Utf8(&'a arrow_array::StringArray),
    Large(&'a arrow_array::LargeStringArray),
    View(&'a arrow_array::StringViewArray),
}

impl<'a> Texts<'a> {
    pub fn get(&self, i: usize) -> Option<&'a str> {
        match self {
            Texts::Utf8(a) => a.is_valid(i).then(|| a.value(i)),
            Texts::Large(a) => a.is_valid(i).then(|| a.value(i)),
            Texts::View(a) => a.is_valid(i).then(|| a.value(i)),
        }
    }
}

macro_rules! num {
    ($t:ty) => {
        |a: &dyn Array, i: usize| a.as_primitive::<$t>().value(i) as f64
    };
}

/// Milliseconds since the epoch from a timestamp of any unit.
fn ms(unit: &TimeUnit) -> fn(&dyn Array, usize) -> f64 {
    match unit {
        TimeUnit::Second => |a, i| a.as_primitive::<TimestampSecondType>().value(i) as f64 * 1e3,
        TimeUnit::Millisecond => {
            |a, i| a.as_primitive::<TimestampMillisecondType>().value(i) as f64
        }
        TimeUnit::Microsecond => {
            |a, i| a.as_primitive::<TimestampMicrosecondType>().value(i) as f64 / 1e3
        }
        TimeUnit::Nanosecond => {
            |a, i| a.as_primitive::<TimestampNanosecondType>().value(i) as f64 / 1e6
        }
    }
}

impl<'a> Column<'a> {
    /// The column's reader, or the name of a type no event field can hold.
    pub fn new(a: &'a ArrayRef) -> Result<Column<'a>, String> {
        Self::of(a.as_ref())
    }

    fn of(a: &'a dyn Array) -> Result<Column<'a>, String> {
        let n: fn(&dyn Array, usize) -> f64 = match a.data_type() {
            DataType::Utf8 => return Ok(Column::Text(Texts::Utf8(a.as_string()))),
            DataType::LargeUtf8 => return Ok(Column::Text(Texts::Large(a.as_string()))),
            DataType::Utf8View => return Ok(Column::Text(Texts::View(a.as_string_view()))),
            DataType::Boolean => return Ok(Column::Bool(a.as_boolean())),
            DataType::Null => return Ok(Column::Null),
            DataType::Struct(_) => {
                let s = a.as_struct();
                let fields = s
                    .fields()
                    .iter()
                    .zip(s.columns())
                    .map(|(f, c)| Ok((f.name().as_str(), Column::of(c.as_ref())?)))
                    .collect::<Result<_, String>>()?;
                return Ok(Column::Struct(a, fields));
            }
            DataType::List(_) => {
                let l = a.as_list::<i32>();
                let offsets = l.offsets().iter().map(|&o| o as usize).collect();
                return Ok(Column::List(a, offsets, Box::new(Column::of(l.values())?)));
            }
            DataType::LargeList(_) => {
                let l = a.as_list::<i64>();
                let offsets = l.offsets().iter().map(|&o| o as usize).collect();
                return Ok(Column::List(a, offsets, Box::new(Column::of(l.values())?)));
            }
            DataType::Float64 => num!(Float64Type),
            DataType::Float32 => num!(Float32Type),
            DataType::Int64 => num!(Int64Type),
            DataType::Int32 => num!(Int32Type),
            DataType::Int16 => num!(Int16Type),
            DataType::Int8 => num!(Int8Type),
            DataType::UInt64 => num!(UInt64Type),
            DataType::UInt32 => num!(UInt32Type),
            DataType::UInt16 => num!(UInt16Type),
            DataType::UInt8 => num!(UInt8Type),
            DataType::Timestamp(unit, _) => ms(unit),
            other => return Err(format!("{other}")),
        };
        Ok(Column::Num(a, n))
    }

    /// The cell as a JSON value; `None` for a null (an absent field).
    pub fn value(&self, i: usize) -> Option<Value<'a>> {
        match self {
            Column::Text(t) => t.get(i).map(|s| Value::Str(Cow::Borrowed(s))),
            Column::Num(a, f) => a.is_valid(i).then(|| Value::Num(f(*a, i))),
            Column::Bool(a) => a.is_valid(i).then(|| Value::Bool(a.value(i))),
            Column::Null => None,
            Column::Struct(a, fields) => {
                if a.is_null(i) {
                    return None;
                }
                let obj: Vec<_> = fields
                    .iter()
                    .filter_map(|(k, c)| Some((Cow::Borrowed(*k), node(c.value(i)?))))
                    .collect();
                // A struct column unites the keys of every row: a row whose keys are all
                // null had no such object.
                (!obj.is_empty()).then_some(Value::Obj(obj))
            }
            Column::List(a, offsets, items) => {
                if a.is_null(i) {
                    return None;
                }
                let list = (offsets[i]..offsets[i + 1])
                    .map(|j| node(items.value(j).unwrap_or(Value::Null)))
                    .collect();
                Some(Value::Arr(list))
            }
        }
    }
}

fn node(value: Value<'_>) -> Node<'_> {
    Node {
        value,
        at: 0,
        end: 0,
    }
}

/// A row the rules refused: its 0-based position in the input, its visitor when readable,
/// and the problem (the path is the event's field, as for a JSON line).
pub struct Problem {
    pub row: usize,
    pub visitor: Option<String>,
    pub error: Error,
}

/// The event fields read from columns of these names (others are ignored).
const FIELDS: [&str; 7] = ["type", "ts", "url", "dwellMs", "form", "props", "traits"];

pub type Journeys<'a> = Vec<(Cow<'a, str>, Vec<Event>)>;

/// Every visitor's events in reading order (time, then row), sorted by visitor, and the
/// rows refused. Fails only when a column the events need is missing or of a type no event
/// field can hold.
pub fn journeys<'a>(
    set: &RuleSet,
    batches: &'a [RecordBatch],
) -> Result<(Journeys<'a>, Vec<Problem>), String> {
    let mut visitors: FnvMap<Cow<'a, str>, Vec<Event>> = FnvMap::default();
    let mut problems = Vec::new();
    let mut row0 = 0;
    // Reused for every row: an event's fields without an allocation per row.
    let mut fields: Vec<(Cow<'a, str>, Node<'a>)> = Vec::with_capacity(FIELDS.len());
    for batch in batches {
        let visitor = column(batch, "visitor")?.ok_or("no column \"visitor\"")?;
        let cols = FIELDS
            .iter()
            .map(|&name| Ok((name, column(batch, name)?)))
            .collect::<Result<Vec<_>, String>>()?;
        for name in ["type", "ts"] {
            if cols.iter().all(|(n, c)| *n != name || c.is_none()) {
                return Err(format!("no column {name:?}"));
            }
        }
        for i in 0..batch.num_rows() {
            let row = row0 + i;
            let who = match visitor_at(&visitor, i) {
                Ok(v) => v,
                Err(error) => {
                    problems.push(Problem {
                        row,
                        visitor: None,
                        error,
                    });
                    continue;
                }
            };
            fields.clear();
            let mut refused = None;
            for (name, col) in &cols {
                let Some(v) = col.as_ref().and_then(|c| c.value(i)) else {
                    continue;
                };
                match as_field(name, v) {
                    Ok(v) => fields.push((Cow::Borrowed(name), node(v))),
                    Err(e) => refused = Some(e),
                }
            }
            let event = node(Value::Obj(std::mem::take(&mut fields)));
            let read = match refused {
                Some(e) => Err(e),
                None => set.event(&event),
            };
            if let Value::Obj(f) = event.value {
                fields = f;
            }
            match read {
                Ok(e) => visitors.entry(who).or_default().push(e),
                Err(error) => problems.push(Problem {
                    row,
                    visitor: Some(who.into_owned()),
                    error,
                }),
            }
        }
        row0 += batch.num_rows();
    }
    let mut out: Journeys<'a> = visitors.into_iter().collect();
    out.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    for (_, events) in out.iter_mut() {
        crate::events::sort(events); // stable: row order on ties, as a file's line order
    }
    Ok((out, problems))
}

/// The column of that name in the batch, if any.
pub fn column<'a>(batch: &'a RecordBatch, name: &str) -> Result<Option<Column<'a>>, String> {
    match batch.column_by_name(name) {
        None => Ok(None),
        Some(a) => Column::new(a)
            .map(Some)
            .map_err(|t| format!("column {name:?}: an event field cannot be of type {t}")),
    }
}

/// `props` and `traits` may come as JSON text (one object per cell), read with the core's
/// JSON reader; a problem in the text is the field's.
fn as_field<'a>(name: &str, v: Value<'a>) -> Result<Value<'a>, Error> {
    match (name, v) {
        ("props" | "traits", Value::Str(Cow::Borrowed(text))) => {
            json::read(text).map(|n| n.value).map_err(|mut e| {
                e.path = within(name, &e.path);
                e
            })
        }
        (_, v) => Ok(v),
    }
}

/// The visitor id as the command line reads it: a non-empty string, or a whole number.
pub fn visitor_at<'a>(col: &Column<'a>, i: usize) -> Result<Cow<'a, str>, Error> {
    match col.value(i) {
        Some(Value::Str(s)) if !s.is_empty() => Ok(s),
        Some(Value::Num(n)) if n.fract() == 0.0 => Ok(Cow::Owned(format!("{n}"))),
        None => Err(Error::new(ErrorKind::MissingField("visitor"), "visitor")),
        Some(v) => Err(Error::new(
            ErrorKind::WrongType {
                expected: "a non-empty string",
                found: v.kind(),
            },
            "visitor",
        )),
    }
}
