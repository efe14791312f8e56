"""leadscore.spark in Spark's local mode with two workers: both plans give the command
line's numbers to the bit."""

import os
import sys

import pytest

import leadscore
from conftest import NOW, assert_same_as_cli


@pytest.fixture(scope="module")
def spark():
    os.environ["PYSPARK_PYTHON"] = sys.executable  # the executors' Python has the wheel
    os.environ["SPARK_LOCAL_IP"] = "127.0.0.1"  # local mode talks over loopback only
    from pyspark.sql import SparkSession

    session = (
        SparkSession.builder.master("local[2]")
        .appName("leadscore-test")
        .config("spark.ui.enabled", "false")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.sql.shuffle.partitions", "4")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


@pytest.mark.parametrize("by", ["partition", "group"])
def test_spark_equals_cli(spark, synth, cli_results, rules_text, by):
    import leadscore.spark

    df = spark.read.json(str(synth[0]))
    result = leadscore.spark.score(df, rules_text, now=NOW, by=by)
    table = result.toArrow().sort_by("visitor")
    assert_same_as_cli(table, cli_results, leadscore.Rules(rules_text).categories)


def test_invalid_rules_fail_on_the_driver(spark, synth):
    import leadscore.spark

    with pytest.raises(leadscore.RulesError) as e:
        leadscore.spark.score(spark.read.json(str(synth[0])), '{"version": "x"}')
    assert e.value.code == "missing_field"
