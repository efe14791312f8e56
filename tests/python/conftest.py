"""Shared fixtures: synthetic events written by `leadscore synth` into a temporary
directory (the tree is left as it was) and the command line's own results on them."""

import functools
import json
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
RULES = ROOT / "www" / "site" / "leadscore" / "rules.json"
NOW = 1_790_000_000_000  # after the synthetic data's last event


@functools.cache
def cli():
    """The `leadscore` command of this tree (built if missing; `cargo test` builds it)."""
    exe = ROOT / "target" / "debug" / "leadscore"
    subprocess.run(["cargo", "build", "--quiet", "--bin", "leadscore"], cwd=ROOT, check=True)
    return str(exe)


def run(*args, check=True):
    return subprocess.run([cli(), *map(str, args)], capture_output=True, text=True, check=check)


@pytest.fixture(scope="session")
def rules_text():
    return RULES.read_text()


@pytest.fixture(scope="session")
def synth(tmp_path_factory):
    """(events.jsonl, outcomes.csv) of 1,500 synthetic visitors."""
    d = tmp_path_factory.mktemp("synth")
    events, outcomes = d / "events.jsonl", d / "outcomes.csv"
    run("synth", "--visitors", 1500, "--seed", 7, "--events", events, "--outcomes", outcomes)
    return events, outcomes


@pytest.fixture(scope="session")
def cli_results(synth):
    """`leadscore score --json` lines by visitor."""
    out = run("score", "--rules", RULES, "--events", synth[0], "--now", NOW).stdout
    rows = [json.loads(line) for line in out.splitlines()]
    return {r["visitor"]: r for r in rows}


def bits(x):
    """A float's exact bits (== would equate 0.0 and -0.0)."""
    return float(x).hex()


def assert_same_as_cli(table, cli_results, categories):
    """Every visitor of the Arrow result equals the command line's result to the bit."""
    rows = table.to_pylist()
    assert [r["visitor"] for r in rows] == sorted(cli_results), "one row per visitor, sorted"
    for r in rows:
        c = cli_results[r["visitor"]]
        assert bits(r["score"]) == bits(c["score"]), r["visitor"]
        for name in categories:
            assert bits(r[name]) == bits(c["categories"][name]), (r["visitor"], name)
        assert (r["band"], r["action"], r["disqualified"]) == (c["band"], c["action"], c["disqualified"])
        got = [(x["rule"], x["category"], x["count"], bits(x["points"])) for x in r["explain"]]
        want = [(x["rule"], x["category"], x["count"], bits(x["points"])) for x in c["explain"]]
        assert got == want, r["visitor"]
