"""rules.backtest gives what `leadscore backtest --json` prints, on the same data."""

import json

import pyarrow.csv as pc
import pyarrow.json as pj

import leadscore
from conftest import RULES, run


def test_backtest_equals_cli(rules_text, synth):
    events, outcomes = synth
    want = json.loads(run("backtest", "--rules", RULES, "--events", events, "--outcomes", outcomes, "--json").stdout)
    rules = leadscore.Rules(rules_text)
    table = pj.read_json(events)
    assert rules.backtest(table, outcomes) == want
    # Outcomes as Arrow too (the CRM export read into a table), on two threads.
    assert rules.backtest(table, pc.read_csv(outcomes), threads=2) == want


def test_backtest_challenger_and_as_of(rules_text, synth, tmp_path):
    events, outcomes = synth
    challenger = json.loads(rules_text)
    challenger["version"] = "challenger"
    for r in challenger["rules"]:
        r["points"] = r["points"] * 2
    path = tmp_path / "challenger.json"
    path.write_text(json.dumps(challenger))
    args = ["--events", events, "--outcomes", outcomes, "--json", "--as-of", "1785000000000"]
    want = json.loads(run("backtest", "--rules", RULES, "--challenger", path, *args).stdout)
    got = leadscore.Rules(rules_text).backtest(pj.read_json(events), outcomes, challenger=path.read_text(), as_of=1785000000000)
    assert got == want
