//! The Python extension (`leadscore._native`, built by maturin): a thin binding. Arrow
//! data arrives through the Arrow C stream interface (any object with
//! `__arrow_c_stream__`: pyarrow, DuckDB, Polars; or a record batch's `__arrow_c_array__`),
//! its columns become the core's events (`columns`), the core scores them, and the results
//! leave as Arrow (`results`). Errors are the core's, turned into Python exceptions once
//! here. The Python-facing API (defaults, warnings, DuckDB and Spark) is the `leadscore`
//! package in pkg-template/python.

mod backtest;
mod columns;
mod results;

// The engine's modules at this crate's root, so the binding reads `crate::json::Value` as it
// did inside the one crate (the local `backtest` module shadows the engine's).
use leadscore::*;

use crate::{Error, RuleSet};
use arrow_array::ffi_stream::RecordBatchStreamReader;
use arrow_array::RecordBatch;
use arrow_pyarrow::{FromPyArrow, IntoPyArrow, Table, ToPyArrow};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyDict;
use std::sync::Arc;

pyo3::create_exception!(
    leadscore,
    RulesError,
    pyo3::exceptions::PyValueError,
    "The rules are not valid: code, path, line, column and message of the first problem; \
     problems lists every one, in text order, as `leadscore check --json` does."
);

/// A compiled rules file.
#[pyclass(frozen, module = "leadscore._native")]
pub struct Rules {
    set: Arc<RuleSet>,
}

#[pymethods]
impl Rules {
    #[new]
    fn new(py: Python<'_>, text: &str) -> PyResult<Self> {
        match RuleSet::from_text(text) {
            Ok(set) => Ok(Rules { set: Arc::new(set) }),
            Err(errors) => Err(rules_error(py, &errors)),
        }
    }

    /// The rules' `version`.
    #[getter]
    fn version(&self) -> &str {
        &self.set.version
    }

    /// The category names, in the rules' order (one result column each).
    #[getter]
    fn categories(&self) -> Vec<String> {
        let names = self.set.categories.iter();
        names.map(|c| results::category_column(&c.name)).collect()
    }

    /// The result's schema, as a `pyarrow.Schema`.
    fn schema<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        results::schema(&self.set).to_pyarrow(py)
    }

    /// Scores Arrow events as of `now` (ms) on `threads` threads: `(results, problems)`,
    /// both `pyarrow.Table`s.
    fn score_arrow<'py>(
        &self,
        py: Python<'py>,
        events: &Bound<'py, PyAny>,
        now: f64,
        threads: usize,
    ) -> PyResult<(Bound<'py, PyAny>, Bound<'py, PyAny>)> {
        let batches = read_batches(events)?;
        let set = &self.set;
        let (scored, problems) = py
            .detach(|| -> Result<_, String> {
                let (journeys, problems) = columns::journeys(set, &batches)?;
                let outcomes =
                    leadscore::backtest::in_parallel(&journeys, threads, |(_, events)| {
                        crate::engine::score(set, events, now)
                    });
                let rows: Vec<(&str, crate::Outcome)> = journeys
                    .iter()
                    .map(|(v, _)| v.as_ref())
                    .zip(outcomes)
                    .collect();
                let scored = results::batch(set, &rows).map_err(|e| e.to_string())?;
                let problems = results::problems(&problems).map_err(|e| e.to_string())?;
                Ok((scored, problems))
            })
            .map_err(PyValueError::new_err)?;
        Ok((table(py, scored)?, table(py, problems)?))
    }

    /// What `leadscore backtest --json` prints, as JSON text, and the refused event rows
    /// (a `pyarrow.Table`) and outcome rows (a list of problem dicts).
    #[pyo3(signature = (events, outcomes, challenger=None, as_of=None, conversions=None, threads=1))]
    #[allow(clippy::too_many_arguments)]
    fn backtest_arrow<'py>(
        &self,
        py: Python<'py>,
        events: &Bound<'py, PyAny>,
        outcomes: &Bound<'py, PyAny>,
        challenger: Option<&Rules>,
        as_of: Option<f64>,
        conversions: Option<Vec<String>>,
        threads: usize,
    ) -> PyResult<(String, Bound<'py, PyAny>, Vec<Bound<'py, PyDict>>)> {
        let batches = read_batches(events)?;
        let (rows, bad_rows) = match outcomes.extract::<String>() {
            Ok(csv) => crate::outcomes::read_csv(&csv),
            Err(_) => {
                backtest::outcome_rows(&read_batches(outcomes)?).map_err(PyValueError::new_err)?
            }
        };
        if rows.is_empty() {
            return Err(PyValueError::new_err("no usable outcome rows"));
        }
        let options = backtest::options(as_of, conversions, threads);
        let live = &self.set;
        let other = challenger.map(|c| c.set.clone());
        let (json, problems) = py
            .detach(|| backtest::run(live, other.as_deref(), &batches, &rows, &options))
            .map_err(PyValueError::new_err)?;
        let problems =
            results::problems(&problems).map_err(|e| PyValueError::new_err(e.to_string()))?;
        let bad_rows = bad_rows
            .iter()
            .map(|e| problem_dict(py, e))
            .collect::<PyResult<_>>()?;
        Ok((json, table(py, problems)?, bad_rows))
    }
}

/// Every batch of an Arrow stream (or the one batch of an `__arrow_c_array__` object).
fn read_batches(data: &Bound<'_, PyAny>) -> PyResult<Vec<RecordBatch>> {
    if data.hasattr("__arrow_c_stream__")? {
        let reader = RecordBatchStreamReader::from_pyarrow_bound(data)?;
        return reader
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| PyValueError::new_err(e.to_string()));
    }
    if data.hasattr("__arrow_c_array__")? {
        return Ok(vec![RecordBatch::from_pyarrow_bound(data)?]);
    }
    Err(PyTypeError::new_err(
        "expected Arrow data: a pyarrow.Table or RecordBatch, or an object with \
         __arrow_c_stream__ (a DuckDB result, a Polars DataFrame, …)",
    ))
}

fn table(py: Python<'_>, batch: RecordBatch) -> PyResult<Bound<'_, PyAny>> {
    let schema = batch.schema();
    let t =
        Table::try_new(vec![batch], schema).map_err(|e| PyValueError::new_err(e.to_string()))?;
    t.into_pyarrow(py)
}

/// `{"code", "path", "line", "column", "message"}`, as `leadscore check --json` writes a
/// problem (line and column `None` when the problem has no place in a text).
fn problem_dict<'py>(py: Python<'py>, e: &Error) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    d.set_item("code", e.code())?;
    d.set_item("path", &e.path)?;
    d.set_item("line", (e.line > 0).then_some(e.line))?;
    d.set_item("column", (e.line > 0).then_some(e.column))?;
    d.set_item("message", e.message())?;
    Ok(d)
}

/// The one conversion of the core's rules errors into Python: a `RulesError` whose
/// attributes are the first problem's, with `problems` listing all of them.
fn rules_error(py: Python<'_>, errors: &[Error]) -> PyErr {
    let build = || -> PyResult<PyErr> {
        let first = &errors[0];
        let place = if first.line > 0 {
            format!("{}:{}: ", first.line, first.column)
        } else {
            String::new()
        };
        let more = match errors.len() {
            1 => String::new(),
            n => format!(" (and {} more problems)", n - 1),
        };
        let err = RulesError::new_err(format!("{place}{first}{more}"));
        let value = err.value(py);
        let d = problem_dict(py, first)?;
        for key in ["code", "path", "line", "column", "message"] {
            value.setattr(key, d.get_item(key)?)?;
        }
        let all = errors
            .iter()
            .map(|e| problem_dict(py, e))
            .collect::<PyResult<Vec<_>>>()?;
        value.setattr("problems", all)?;
        Ok(err)
    };
    build().unwrap_or_else(|e| e)
}

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Rules>()?;
    m.add("RulesError", m.py().get_type::<RulesError>())?;
    Ok(())
}
