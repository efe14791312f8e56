"""leadscore on Spark: each executor scores its visitors' Arrow batches with the native core.

    import leadscore.spark
    results = leadscore.spark.score(df, open("rules.json").read(), now=1789000000000)

`df` has the event columns (`visitor, type, ts, url, dwellMs, form, props, traits`; the
others are dropped before the shuffle). Two plans, the same numbers:

- `by="partition"` (default): `repartition(n, "visitor")` then `mapInArrow`. The shuffle
  puts every event of a visitor in one partition; each task hands its whole partition to
  the core in one call. One Python call per partition, not per visitor.
- `by="group"`: `groupBy("visitor").applyInArrow`, Spark's grouped-map API: one Python
  call per visitor, so the per-call overhead (~0.1 ms) is paid once per visitor.

Every executor needs this package installed (the same wheel as the driver).
"""

from __future__ import annotations

from typing import Any, Iterator, Optional

import pyarrow as pa

from . import EVENT_COLUMNS, Rules, Time, _ms

_compiled: dict = {}


def _rules(text: str) -> Rules:
    """The rules compiled once per Python worker, not once per task or visitor."""
    rules = _compiled.get(text)
    if rules is None:
        rules = _compiled[text] = Rules(text)
    return rules


def spark_schema(rules: Rules):
    """The result's Spark schema (StructType), from the rules' Arrow schema."""
    from pyspark.sql.pandas.types import from_arrow_schema

    return from_arrow_schema(rules.schema())


def score(
    df: Any,
    rules_text: str,
    now: Time = None,
    by: str = "partition",
    partitions: Optional[int] = None,
    strict: bool = False,
):
    """Scores every visitor of the Spark DataFrame `df` as of `now` (default: the
    driver's clock when called, the same instant for every executor). Returns a Spark
    DataFrame with the columns of `Rules.score`. Invalid rules raise RulesError here, on
    the driver; refused rows are skipped (strict=True fails the job instead)."""
    rules = Rules(rules_text)  # checked once, on the driver
    at = _ms(now)
    schema = spark_schema(rules)
    target = rules.schema()
    events = df.select(*[c for c in EVENT_COLUMNS if c in df.columns])

    def one_table(table: pa.Table) -> pa.Table:
        return _rules(rules_text).score(table, now=at, strict=strict).cast(target)

    if by == "group":
        return events.groupBy("visitor").applyInArrow(one_table, schema)
    if by != "partition":
        raise ValueError(f'by must be "partition" or "group", got {by!r}')

    def one_partition(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        batches = list(batches)
        if not batches:
            return
        yield from one_table(pa.Table.from_batches(batches)).to_batches()

    n = partitions or events.sparkSession.sparkContext.defaultParallelism
    return events.repartition(n, "visitor").mapInArrow(one_partition, schema)
