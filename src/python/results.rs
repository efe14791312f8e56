//! The core's results as Arrow columns: `visitor, score, band, action, disqualified`, one
//! column per category (the rules' order), and `explain` (a list of `{rule, category,
//! count, points}`, the contract's explanation). Also the refused rows as a table.

use super::columns::Problem;
use crate::{Outcome, RuleSet};
use arrow_array::builder::{Float64Builder, Int64Builder, StringBuilder};
use arrow_array::{
    ArrayRef, BooleanArray, Float64Array, Int64Array, ListArray, RecordBatch, StringArray,
    StructArray,
};
use arrow_buffer::OffsetBuffer;
use arrow_schema::{ArrowError, DataType, Field, Fields, Schema};
use std::collections::HashMap;
use std::sync::Arc;

/// The fixed columns; a category of the same name gets the prefix `category_`.
const FIXED: [&str; 6] = [
    "visitor",
    "score",
    "band",
    "action",
    "disqualified",
    "explain",
];

/// The name of a category's column.
pub fn category_column(name: &str) -> String {
    if FIXED.contains(&name) {
        format!("category_{name}")
    } else {
        name.to_string()
    }
}

fn explain_fields() -> Fields {
    Fields::from(vec![
        Field::new("rule", DataType::Utf8, false),
        Field::new("category", DataType::Utf8, false),
        Field::new("count", DataType::Int64, false),
        Field::new("points", DataType::Float64, false),
    ])
}

/// The schema of [`batch`]'s result for these rules (known before any event is read, as
/// Spark needs it up front). The rules' version is in the metadata, `leadscore.rulesVersion`.
pub fn schema(set: &RuleSet) -> Schema {
    let mut fields = vec![
        Field::new("visitor", DataType::Utf8, false),
        Field::new("score", DataType::Float64, false),
        Field::new("band", DataType::Utf8, true),
        Field::new("action", DataType::Utf8, true),
        Field::new("disqualified", DataType::Boolean, false),
    ];
    for c in &set.categories {
        fields.push(Field::new(
            category_column(&c.name),
            DataType::Float64,
            false,
        ));
    }
    let item = Field::new("item", DataType::Struct(explain_fields()), false);
    fields.push(Field::new("explain", DataType::List(Arc::new(item)), false));
    let meta = HashMap::from([("leadscore.rulesVersion".to_string(), set.version.clone())]);
    Schema::new(fields).with_metadata(meta)
}

/// One row per visitor, in the order given.
pub fn batch(set: &RuleSet, scored: &[(&str, Outcome)]) -> Result<RecordBatch, ArrowError> {
    let n = scored.len();
    let visitor = StringArray::from_iter_values(scored.iter().map(|(v, _)| *v));
    let score = Float64Array::from_iter_values(scored.iter().map(|(_, o)| o.score));
    let band: StringArray = scored.iter().map(|(_, o)| o.band.as_deref()).collect();
    let action: StringArray = scored.iter().map(|(_, o)| o.action.as_deref()).collect();
    let disqualified: BooleanArray = scored.iter().map(|(_, o)| Some(o.disqualified)).collect();
    let mut columns: Vec<ArrayRef> = vec![
        Arc::new(visitor),
        Arc::new(score),
        Arc::new(band),
        Arc::new(action),
        Arc::new(disqualified),
    ];
    for (c, _) in set.categories.iter().enumerate() {
        let values = scored.iter().map(|(_, o)| o.categories[c].1);
        columns.push(Arc::new(Float64Array::from_iter_values(values)));
    }
    columns.push(Arc::new(explain(scored, n)?));
    RecordBatch::try_new(Arc::new(schema(set)), columns)
}

fn explain(scored: &[(&str, Outcome)], n: usize) -> Result<ListArray, ArrowError> {
    let (mut rule, mut category) = (StringBuilder::new(), StringBuilder::new());
    let (mut count, mut points) = (Int64Builder::new(), Float64Builder::new());
    let mut lengths = Vec::with_capacity(n);
    for (_, o) in scored {
        lengths.push(o.explain.len());
        for x in &o.explain {
            rule.append_value(&x.rule);
            category.append_value(&x.category);
            count.append_value(x.count as i64);
            points.append_value(x.points);
        }
    }
    let items: Vec<ArrayRef> = vec![
        Arc::new(rule.finish()),
        Arc::new(category.finish()),
        Arc::new(count.finish()) as Arc<Int64Array>,
        Arc::new(points.finish()),
    ];
    let items = StructArray::try_new(explain_fields(), items, None)?;
    let item = Field::new("item", DataType::Struct(explain_fields()), false);
    ListArray::try_new(
        Arc::new(item),
        OffsetBuffer::from_lengths(lengths),
        Arc::new(items),
        None,
    )
}

/// The refused rows: `row` (0-based in the input), `visitor`, `code`, `path` (the event's
/// field), `message`.
pub fn problems(list: &[Problem]) -> Result<RecordBatch, ArrowError> {
    let row = Int64Array::from_iter_values(list.iter().map(|p| p.row as i64));
    let visitor: StringArray = list.iter().map(|p| p.visitor.as_deref()).collect();
    let code = StringArray::from_iter_values(list.iter().map(|p| p.error.code()));
    let path = StringArray::from_iter_values(list.iter().map(|p| p.error.path.as_str()));
    let message = StringArray::from_iter_values(list.iter().map(|p| p.error.message()));
    let schema = Schema::new(vec![
        Field::new("row", DataType::Int64, false),
        Field::new("visitor", DataType::Utf8, true),
        Field::new("code", DataType::Utf8, false),
        Field::new("path", DataType::Utf8, false),
        Field::new("message", DataType::Utf8, false),
    ]);
    RecordBatch::try_new(
        Arc::new(schema),
        vec![
            Arc::new(row),
            Arc::new(visitor),
            Arc::new(code),
            Arc::new(path),
            Arc::new(message),
        ],
    )
}
