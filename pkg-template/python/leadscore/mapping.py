"""From the common exports to leadscore's event columns (`visitor, type, ts, url, dwellMs,
form, traits`), as Arrow tables, with pyarrow compute (no row goes through Python).

Segment's warehouse tables (`pages`, `tracks`, `identifies`):

    events = leadscore.mapping.from_segment(pages=pages, tracks=tracks, identifies=identifies,
                                            track_types={"Demo Requested": "form_submit"})

- visitor: `anonymous_id` (or `visitor="user_id"`); ts: `timestamp`.
- pages → `page_view` with `url` (else `context_page_url`); Segment records no dwell time:
  name a numeric column with `dwell=` (a custom page property such as `dwell_ms`) or
  rules with `minDwellSeconds` never fire.
- tracks → the leadscore type `track_types` gives its `event_text` (or `event`, the
  snake_case name); tracks not in `track_types` are left out. url: `context_page_url`;
  form: the column named by `form=` (default `form_id` when present).
- identifies → `identify`, traits: the columns named in `traits=` (default: every column
  that is not one of Segment's standard ones: ids, times, `context_*`).

GA4's BigQuery export (`events_YYYYMMDD`, read as Arrow, e.g. Parquet exported from BigQuery):

    events = leadscore.mapping.from_ga4(ga4_table, event_types={"generate_lead": "form_submit"})

- visitor: `user_pseudo_id` (or `visitor="user_id"`); ts: `event_timestamp` (µs) / 1000.
- `page_view`, `form_start`, `form_submit` keep their names (enhanced measurement);
  `event_types` maps other event names; the rest are left out.
- url: the `page_location` parameter; form: `form_name`, else `form_id`; dwellMs: the
  `engagement_time_msec` parameter when the event carries it.
"""

from __future__ import annotations

from typing import Dict, Iterable, Optional

import pyarrow as pa
import pyarrow.compute as pc

SEGMENT_STANDARD = {
    "id", "anonymous_id", "user_id", "received_at", "sent_at", "timestamp", "original_timestamp",
    "uuid_ts", "event", "event_text", "loaded_at", "name", "path", "referrer", "search",
    "title", "url",
}


def _ms(column: pa.ChunkedArray) -> pa.ChunkedArray:
    """Milliseconds since the epoch as float64, from a timestamp of any unit or a number."""
    if pa.types.is_timestamp(column.type):
        column = column.cast(pa.timestamp("ms", tz=column.type.tz)).cast(pa.int64())
    return column.cast(pa.float64())


def _col(table: pa.Table, *names: str) -> Optional[pa.ChunkedArray]:
    for n in names:
        if n in table.column_names:
            return table[n]
    return None


def _const(value, n: int, type_=pa.string()):
    return pa.array([value] * n, type_) if n else pa.array([], type_)


def from_segment(
    pages: Optional[pa.Table] = None,
    tracks: Optional[pa.Table] = None,
    identifies: Optional[pa.Table] = None,
    track_types: Optional[Dict[str, str]] = None,
    traits: Optional[Iterable[str]] = None,
    visitor: str = "anonymous_id",
    dwell: Optional[str] = None,
    form: Optional[str] = None,
) -> pa.Table:
    parts = []
    if pages is not None and pages.num_rows:
        n = pages.num_rows
        cols = {
            "visitor": pages[visitor],
            "type": _const("page_view", n),
            "ts": _ms(pages["timestamp"]),
            "url": _col(pages, "url", "context_page_url"),
        }
        if dwell:
            cols["dwellMs"] = pages[dwell].cast(pa.float64())
        parts.append(pa.table(cols))
    if tracks is not None and tracks.num_rows and track_types:
        names = _col(tracks, "event_text", "event")
        mapped = pc.index_in(names, value_set=pa.array(list(track_types)))
        keep = pc.is_valid(mapped)
        tracks, mapped = tracks.filter(keep), pc.filter(mapped, keep)
        types = pa.array(list(track_types.values())).take(mapped)
        cols = {"visitor": tracks[visitor], "type": types, "ts": _ms(tracks["timestamp"])}
        url = _col(tracks, "context_page_url")
        if url is not None:
            cols["url"] = url
        form_col = _col(tracks, *([form] if form else ["form_id"]))
        if form_col is not None:
            cols["form"] = form_col.cast(pa.string())
        parts.append(pa.table(cols))
    if identifies is not None and identifies.num_rows:
        n = identifies.num_rows
        names = list(traits) if traits is not None else [
            c for c in identifies.column_names if c not in SEGMENT_STANDARD and not c.startswith("context_")
        ]
        struct = pa.StructArray.from_arrays(
            [identifies[c].combine_chunks() for c in names], names=names
        )
        parts.append(pa.table({
            "visitor": identifies[visitor],
            "type": _const("identify", n),
            "ts": _ms(identifies["timestamp"]),
            "traits": struct,
        }))
    if not parts:
        return pa.table({"visitor": pa.array([], pa.string()), "type": pa.array([], pa.string()), "ts": pa.array([], pa.float64())})
    return pa.concat_tables(parts, promote_options="default")


def _param(events: pa.Table, key: str, kind: str) -> pa.Array:
    """The value (`string_value`, `int_value`, …) of one GA4 event parameter, per row."""
    params = events["event_params"].combine_chunks()
    flat = pc.list_flatten(params)
    parents = pc.list_parent_indices(params)
    hit = pc.equal(flat.field("key"), key)
    rows = pc.filter(parents, hit)
    values = pc.filter(flat.field("value").field(kind), hit)
    where = pc.index_in(pa.array(range(events.num_rows), pa.int64()), value_set=rows.cast(pa.int64()))
    return values.take(where)


def from_ga4(events: pa.Table, event_types: Optional[Dict[str, str]] = None, visitor: str = "user_pseudo_id") -> pa.Table:
    types = {"page_view": "page_view", "form_start": "form_start", "form_submit": "form_submit", **(event_types or {})}
    mapped = pc.index_in(events["event_name"], value_set=pa.array(list(types)))
    keep = pc.is_valid(mapped)
    events, mapped = events.filter(keep), pc.filter(mapped, keep)
    form = pc.coalesce(_param(events, "form_name", "string_value"), _param(events, "form_id", "string_value"))
    return pa.table({
        "visitor": events[visitor],
        "type": pa.array(list(types.values())).take(mapped),
        "ts": pc.divide(events["event_timestamp"].cast(pa.float64()), 1000.0),
        "url": _param(events, "page_location", "string_value"),
        "dwellMs": _param(events, "engagement_time_msec", "int_value").cast(pa.float64()),
        "form": form,
    })
