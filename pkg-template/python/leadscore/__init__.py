"""leadscore: lead intent scores from marketing's rules, computed by the leadscore core
(the engine of the site tag and of the `leadscore` command) over Arrow data.

    rules = leadscore.Rules(open("rules.json").read())
    results = rules.score(events, now=1789000000000)       # a pyarrow.Table

`events` is a pyarrow.Table or RecordBatch, a DuckDB result, a Polars DataFrame, or any
object with the Arrow PyCapsule interface (`__arrow_c_stream__`), with the columns of an
events line: `visitor, type, ts, url, dwellMs, form, props, traits` (`props` and `traits`
as structs or as JSON text; other columns are ignored; rows in any order). The results
hold one row per visitor, sorted by visitor: `visitor, score, band, action, disqualified`,
one column per category and `explain`, the same numbers as `leadscore score`.
"""

from __future__ import annotations

import datetime as _dt
import json as _json
import os as _os
import time as _time
import warnings as _warnings
from typing import Any, Iterable, Optional, Union

import pyarrow as _pa

from ._native import Rules as _NativeRules
from ._native import RulesError

__all__ = [
    "Rules",
    "RulesError",
    "EventsError",
    "SkippedEventsWarning",
    "score",
    "EVENT_COLUMNS",
]

#: The columns read from the events (the fields of an events line).
EVENT_COLUMNS = ("visitor", "type", "ts", "url", "dwellMs", "form", "props", "traits")

Time = Union[int, float, _dt.datetime, None]


class EventsError(ValueError):
    """Rows the rules refused, with strict=True. `problems` is a pyarrow.Table:
    row (0-based in the input), visitor, code, path (the event's field), message."""

    def __init__(self, message: str, problems: _pa.Table):
        super().__init__(message)
        self.problems = problems


class SkippedEventsWarning(UserWarning):
    """Rows the rules refused were skipped (the rest scored). `problems` is a
    pyarrow.Table: row, visitor, code, path, message."""

    def __init__(self, message: str, problems: _pa.Table):
        super().__init__(message)
        self.problems = problems


def _ms(t: Time, default_now: bool = True) -> Optional[float]:
    """Milliseconds since the epoch from a number, a datetime (naive = UTC) or None."""
    if t is None:
        return float(int(_time.time() * 1000)) if default_now else None
    if isinstance(t, _dt.datetime):
        if t.tzinfo is None:
            t = t.replace(tzinfo=_dt.timezone.utc)
        return t.timestamp() * 1000.0
    if isinstance(t, bool) or not isinstance(t, (int, float)):
        raise TypeError(f"a time must be milliseconds or a datetime, got {type(t).__name__}")
    return float(t)


def _arrow(data: Any) -> Any:
    """Arrow data the core reads through the C stream interface, without copies."""
    if hasattr(data, "__arrow_c_stream__") or hasattr(data, "__arrow_c_array__"):
        return data
    # DuckDB relations of releases without the PyCapsule interface.
    if hasattr(data, "fetch_record_batch"):
        return data.fetch_record_batch()
    if hasattr(data, "arrow"):
        return data.arrow()
    if type(data).__module__.startswith("pandas"):
        return _pa.Table.from_pandas(data, preserve_index=False)
    raise TypeError(
        "expected Arrow data: a pyarrow.Table or RecordBatch, a DuckDB result, a Polars "
        f"DataFrame or an object with __arrow_c_stream__, got {type(data).__name__}"
    )


def _summary(problems: _pa.Table, shown: int = 5) -> str:
    rows = problems.slice(0, shown).to_pylist()
    lines = [f"row {p['row']}: {p['path'] or '(event)'}: {p['message']}" for p in rows]
    more = "" if problems.num_rows <= shown else f"; … {problems.num_rows - shown} more"
    return f"{problems.num_rows} events the rules do not accept: " + "; ".join(lines) + more


class Rules:
    """A rules file, compiled. Raises RulesError (code, path, line, column, message and
    `problems`, every problem in text order, as `leadscore check --json`)."""

    def __init__(self, text: str):
        if not isinstance(text, str):
            raise TypeError("Rules(text): the rules file's text (use Rules.from_file(path))")
        self._text = text
        self._native = _NativeRules(text)

    @classmethod
    def from_file(cls, path: Union[str, "_os.PathLike[str]"]) -> "Rules":
        with open(path, encoding="utf-8") as f:
            return cls(f.read())

    @property
    def text(self) -> str:
        return self._text

    @property
    def version(self) -> str:
        return self._native.version

    @property
    def categories(self) -> list:
        """The category columns of the result, in the rules' order."""
        return self._native.categories

    def schema(self) -> _pa.Schema:
        """The result's schema (the rules' version in its metadata)."""
        return self._native.schema()

    def _score(self, events: Any, now: Time, threads: int):
        return self._native.score_arrow(_arrow(events), _ms(now), max(1, int(threads)))

    def score(self, events: Any, now: Time = None, strict: bool = False, threads: int = 1) -> _pa.Table:
        """Scores every visitor of `events` as of `now` (ms or datetime; default: now).

        A row the rules refuse is skipped, as `leadscore score` skips a bad line, and
        reported in one SkippedEventsWarning whose `problems` table has its row number
        and reason; strict=True raises EventsError instead. `threads` scores visitors
        in parallel (the numbers are the same whatever the count)."""
        results, problems = self._score(events, now, threads)
        if problems.num_rows:
            message = "leadscore: skipped " + _summary(problems)
            if strict:
                raise EventsError(message, problems)
            _warnings.warn(SkippedEventsWarning(message, problems), stacklevel=2)
        return results

    def problems(self, events: Any) -> _pa.Table:
        """Only the rows the rules refuse (row, visitor, code, path, message), as a
        pyarrow.Table: for a data-quality query before the real run."""
        return self._score(events, 0, 1)[1]

    def backtest(
        self,
        events: Any,
        outcomes: Any,
        challenger: Union["Rules", str, None] = None,
        as_of: Union[str, Time] = "first-outcome",
        conversions: Optional[Iterable[str]] = None,
        threads: int = 1,
    ) -> dict:
        """What `leadscore backtest --json` prints, parsed. `outcomes`: Arrow data with
        `visitor, outcome` and optional `at` (ms, timestamp or ISO 8601 text), `account`;
        or a CSV export's path (or its text), read as the command reads it. Refused event rows give one
        SkippedEventsWarning, refused outcome rows another."""
        if isinstance(outcomes, _os.PathLike) or (isinstance(outcomes, str) and "\n" not in outcomes):
            with open(outcomes, encoding="utf-8") as f:
                outcomes = f.read()
        elif not isinstance(outcomes, str):
            outcomes = _arrow(outcomes)
        if isinstance(challenger, str):
            challenger = Rules(challenger)
        at = None if as_of in (None, "first-outcome") else _ms(as_of, default_now=False)
        text, problems, bad_outcomes = self._native.backtest_arrow(
            _arrow(events),
            outcomes,
            challenger._native if challenger is not None else None,
            at,
            list(conversions) if conversions is not None else None,
            max(1, int(threads)),
        )
        if problems.num_rows:
            _warnings.warn(SkippedEventsWarning("leadscore: skipped " + _summary(problems), problems), stacklevel=2)
        if bad_outcomes:
            table = _pa.Table.from_pylist(bad_outcomes)
            lines = "; ".join(f"line {p['line']}: {p['path']}: {p['message']}" for p in bad_outcomes[:5])
            _warnings.warn(SkippedEventsWarning(f"leadscore: skipped {len(bad_outcomes)} outcome rows: {lines}", table), stacklevel=2)
        return _json.loads(text)

    def __repr__(self) -> str:
        return f"leadscore.Rules(version={self.version!r}, categories={self.categories!r})"


def score(events: Any, rules: Union[Rules, str], now: Time = None, strict: bool = False, threads: int = 1) -> _pa.Table:
    """`Rules(rules).score(events, ...)`: rules as a Rules or as the rules file's text."""
    if not isinstance(rules, Rules):
        rules = Rules(rules)
    return rules.score(events, now=now, strict=strict, threads=threads)
