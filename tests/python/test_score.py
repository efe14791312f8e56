"""The Python package on pyarrow, DuckDB and Polars data gives `leadscore score`'s
numbers to the bit; bad rows are reported with their row number, the rest still score."""

import json
import warnings

import duckdb
import pyarrow as pa
import pyarrow.json as pj
import pytest

import leadscore
from conftest import NOW, ROOT, assert_same_as_cli, run

RULES_PATH = ROOT / "www" / "site" / "leadscore" / "rules.json"


@pytest.fixture(scope="session")
def rules(rules_text):
    return leadscore.Rules(rules_text)


@pytest.fixture(scope="session")
def table(synth):
    """The events as pyarrow reads the JSON lines (traits as a struct), rows shuffled:
    the package must not rely on the input's order."""
    t = pj.read_json(synth[0])
    order = sorted(range(t.num_rows), key=lambda i: (i * 7919) % t.num_rows)
    return t.take(pa.array(order))


def test_pyarrow_table_equals_cli(rules, table, cli_results):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no row of the synthetic data is refused
        result = rules.score(table, now=NOW)
    assert result.column_names == ["visitor", "score", "band", "action", "disqualified", *rules.categories, "explain"]
    assert result.schema.metadata[b"leadscore.rulesVersion"] == rules.version.encode()
    assert_same_as_cli(result, cli_results, rules.categories)


def test_record_batches_and_threads(rules, table, cli_results):
    batch = table.combine_chunks().to_batches()[0]
    assert_same_as_cli(rules.score(batch, now=NOW), cli_results, rules.categories)
    # Many small batches of a stream, scored on two threads: the same bits.
    reader = pa.RecordBatchReader.from_batches(table.schema, table.to_batches(max_chunksize=97))
    assert_same_as_cli(rules.score(reader, now=NOW, threads=2), cli_results, rules.categories)


class OnlyStream:
    """Any producer of the Arrow PyCapsule interface, not a pyarrow object."""

    def __init__(self, data):
        self.data = data

    def __arrow_c_stream__(self, requested_schema=None):
        return self.data.__arrow_c_stream__(requested_schema)


class OnlyArray:
    """A producer of one record batch (`__arrow_c_array__`) only."""

    def __init__(self, batch):
        self.batch = batch

    def __arrow_c_array__(self, requested_schema=None):
        return self.batch.__arrow_c_array__(requested_schema)


def test_any_pycapsule_producer(rules, table, cli_results):
    assert_same_as_cli(rules.score(OnlyStream(table), now=NOW), cli_results, rules.categories)
    batch = table.combine_chunks().to_batches()[0]
    assert_same_as_cli(rules.score(OnlyArray(batch), now=NOW), cli_results, rules.categories)


def test_duckdb_parquet_in_and_sql_out(rules_text, synth, cli_results, tmp_path):
    """The README's DuckDB example: Parquet in, scored, the result queried back with SQL."""
    con = duckdb.connect()
    con.execute(f"copy (select * from read_json_auto('{synth[0]}')) to '{tmp_path}/events.parquet' (format parquet)")
    events = con.sql(f"select visitor, type, ts, url, dwellMs, form, traits from read_parquet('{tmp_path}/*.parquet')")
    results = leadscore.score(events, rules_text, now=NOW)
    assert_same_as_cli(results, cli_results, leadscore.Rules(rules_text).categories)
    bands = dict(con.sql("select band, count(*) from results group by band").fetchall())
    want = {}
    for r in cli_results.values():
        want[r["band"]] = want.get(r["band"], 0) + 1
    assert bands == want
    fired = con.sql("select x.rule, sum(x.count) from (select unnest(explain) as x from results) group by 1").fetchall()
    assert sum(n for _, n in fired) == sum(x["count"] for r in cli_results.values() for x in r["explain"])


def test_traits_as_json_text(rules, synth, cli_results):
    """props and traits may arrive as JSON text (a warehouse's VARIANT or JSON column)."""
    events = duckdb.sql(
        f"select visitor, type, ts, url, dwellMs, form, to_json(traits)::varchar as traits from read_json_auto('{synth[0]}')"
    )
    assert_same_as_cli(rules.score(events, now=NOW), cli_results, rules.categories)


def test_polars_dataframe(rules, table, cli_results):
    import polars as pl  # installed by .ci/setup.sh
    assert_same_as_cli(rules.score(pl.from_arrow(table), now=NOW), cli_results, rules.categories)


BAD = [
    # (row, the bad row, code, path)
    ({"visitor": "v1", "type": "chat_opened", "ts": 1.0}, "unknown_event", "type"),
    ({"visitor": "v1", "type": "page_view", "ts": 2.0, "dwellMs": -5.0}, "invalid_value", "dwellMs"),
    ({"visitor": "v2", "type": "page_view", "ts": 9e15}, "out_of_range", "ts"),
    ({"visitor": None, "type": "page_view", "ts": 3.0}, "missing_field", "visitor"),
    ({"visitor": "v2", "type": "page_view", "ts": None}, "missing_field", "ts"),
    ({"visitor": "v2", "type": "page_view", "ts": 4.0, "traits": '{"seniority":"vp"}'}, "invalid_value", "traits"),
    ({"visitor": "v2", "type": "identify", "ts": 5.0, "traits": '{"seniority":'}, "syntax", "traits.seniority"),
]
GOOD = [
    {"visitor": "v1", "type": "page_view", "ts": 1_780_000_000_000.0, "url": "https://acme.example/pricing", "dwellMs": 30000.0},
    {"visitor": "v2", "type": "identify", "ts": 1_780_000_000_000.0, "traits": '{"seniority":"vp"}'},
]


def mixed():
    rows, expected = [], []
    for i, (row, code, path) in enumerate(BAD):
        rows.append(GOOD[i % 2])
        expected.append((len(rows), code, path))
        rows.append(row)
    cols = ["visitor", "type", "ts", "url", "dwellMs", "traits"]
    return pa.Table.from_pylist([{c: r.get(c) for c in cols} for r in rows]), expected


def test_bad_rows_are_reported_and_the_rest_scores(rules, tmp_path):
    table, expected = mixed()
    with pytest.warns(leadscore.SkippedEventsWarning) as caught:
        result = rules.score(table, now=NOW)
    problems = caught[0].message.problems.to_pylist()
    assert [(p["row"], p["code"], p["path"]) for p in problems] == expected
    assert problems[0]["visitor"] == "v1" and problems[3]["visitor"] is None
    assert rules.problems(table).num_rows == len(BAD)
    # The good rows score as the command line scores the same events as JSON lines.
    lines = tmp_path / "good.jsonl"
    as_line = lambda r: {k: json.loads(v) if k == "traits" else v for k, v in r.items() if v is not None}
    lines.write_text("".join(json.dumps(as_line(r)) + "\n" for r in GOOD * len(BAD)))
    cli = [json.loads(x) for x in run("score", "--rules", RULES_PATH, "--events", lines, "--now", NOW).stdout.splitlines()]
    assert [(r["visitor"], r["score"]) for r in result.to_pylist()] == [(r["visitor"], r["score"]) for r in cli]


def test_strict_raises(rules):
    table, expected = mixed()
    with pytest.raises(leadscore.EventsError) as e:
        rules.score(table, now=NOW, strict=True)
    assert e.value.problems.num_rows == len(expected)
    assert "row 1: type: unknown event type" in str(e.value)


def test_unreadable_input_fails_clearly(rules):
    with pytest.raises(ValueError, match='no column "visitor"'):
        rules.score(pa.table({"type": ["page_view"], "ts": [1.0]}), now=NOW)
    with pytest.raises(ValueError, match='column "ts".*Binary'):
        rules.score(pa.table({"visitor": ["a"], "type": ["page_view"], "ts": pa.array([b"1"])}), now=NOW)
    with pytest.raises(TypeError, match="expected Arrow data"):
        rules.score([{"visitor": "a"}], now=NOW)


def test_rules_error_carries_every_problem_as_check_does():
    broken = ROOT / "tests" / "fixtures" / "broken-rules.json"
    check = json.loads(run("check", broken, "--json", check=False).stdout)
    with pytest.raises(leadscore.RulesError) as e:
        leadscore.Rules(broken.read_text())
    err = e.value
    assert isinstance(err, ValueError)
    first = check["problems"][0]
    assert (err.code, err.path, err.line, err.column) == (first["code"], first["path"], first["line"], first["column"])
    assert err.problems == check["problems"]


def test_time_arguments(rules, table):
    import datetime as dt

    at = dt.datetime.fromtimestamp(NOW / 1000, tz=dt.timezone.utc)
    assert rules.score(table, now=at).equals(rules.score(table, now=NOW))


def test_struct_rows_with_only_nulls_are_absent(rules):
    """A struct column unites the keys of every row: a page view whose traits are all
    null carried no traits (its line would have none), and is not refused for them."""
    traits = pa.StructArray.from_arrays(
        [pa.array([None, "vp"]), pa.array([None, "201-1000"])], names=["seniority", "company_size"]
    )
    assert traits.is_valid().to_pylist() == [True, True]
    table = pa.table({
        "visitor": ["a", "a"],
        "type": ["page_view", "identify"],
        "ts": [1_780_000_000_000, 1_780_000_001_000],
        "url": ["https://acme.example/pricing", None],
        "traits": traits,
    })
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = rules.score(table, now=NOW).to_pylist()
    fired = {x["rule"] for x in result[0]["explain"]}
    assert {"seniority-executive", "company-size-core"} <= fired
