"""The mapping helpers turn Segment's warehouse tables and GA4's BigQuery export into the
events the command line would score the same way."""

import datetime as dt
import json

import pyarrow as pa

import leadscore
from leadscore.mapping import from_ga4, from_segment
from conftest import NOW, RULES, run

T0 = dt.datetime(2026, 9, 1, 10, 0, tzinfo=dt.timezone.utc)
MS0 = int(T0.timestamp() * 1000)


def cli_scores(tmp_path, lines):
    path = tmp_path / "events.jsonl"
    path.write_text("".join(json.dumps(line) + "\n" for line in lines))
    out = run("score", "--rules", RULES, "--events", path, "--now", NOW).stdout
    return [(r["visitor"], r["score"], r["band"]) for r in map(json.loads, out.splitlines())]


def arrow_scores(table):
    rules = leadscore.Rules(RULES.read_text())
    return [(r["visitor"], r["score"], r["band"]) for r in rules.score(table, now=NOW, strict=True).to_pylist()]


def test_segment_tables(tmp_path):
    ts = lambda minutes: T0 + dt.timedelta(minutes=minutes)
    stamp = pa.timestamp("us", tz="UTC")
    pages = pa.table({
        "id": ["p1", "p2", "p3"],
        "anonymous_id": ["a1", "a1", "a2"],
        "timestamp": pa.array([ts(0), ts(5), ts(1)], stamp),
        "url": ["https://acme.example/pricing", "https://acme.example/security", "https://acme.example/careers"],
        "dwell_ms": [30000, 12000, 8000],
        "context_page_url": ["x", "x", "x"],
    })
    tracks = pa.table({
        "anonymous_id": ["a1", "a1"],
        "timestamp": pa.array([ts(7), ts(8)], stamp),
        "event": ["demo_requested", "video_played"],
        "event_text": ["Demo Requested", "Video Played"],
        "context_page_url": ["https://acme.example/demo", "https://acme.example/"],
        "form_id": ["demo-request", None],
    })
    identifies = pa.table({
        "anonymous_id": ["a1"],
        "user_id": ["u1"],
        "timestamp": pa.array([ts(9)], stamp),
        "seniority": ["vp"],
        "company_size": ["201-1000"],
        "context_ip": ["203.0.113.9"],
    })
    events = from_segment(pages, tracks, identifies, track_types={"Demo Requested": "form_submit"}, dwell="dwell_ms")
    assert events.num_rows == 5  # the unmapped track is left out
    want = cli_scores(tmp_path, [
        {"visitor": "a1", "type": "page_view", "ts": MS0, "url": "https://acme.example/pricing", "dwellMs": 30000},
        {"visitor": "a1", "type": "page_view", "ts": MS0 + 300000, "url": "https://acme.example/security", "dwellMs": 12000},
        {"visitor": "a2", "type": "page_view", "ts": MS0 + 60000, "url": "https://acme.example/careers", "dwellMs": 8000},
        {"visitor": "a1", "type": "form_submit", "ts": MS0 + 420000, "url": "https://acme.example/demo", "form": "demo-request"},
        {"visitor": "a1", "type": "identify", "ts": MS0 + 540000, "traits": {"seniority": "vp", "company_size": "201-1000"}},
    ])
    assert arrow_scores(events) == want
    assert want[0][1] > 40  # the demo request, pricing and a VP scored


def ga4_params(**kv):
    return [{"key": k, "value": {"string_value": v if isinstance(v, str) else None,
                                 "int_value": v if isinstance(v, int) else None,
                                 "float_value": None, "double_value": None}} for k, v in kv.items()]


def test_ga4_export(tmp_path):
    us = lambda minutes: (MS0 + minutes * 60000) * 1000
    table = pa.table({
        "event_date": ["20260901"] * 4,
        "event_timestamp": [us(0), us(2), us(3), us(4)],
        "event_name": ["page_view", "scroll", "form_submit", "page_view"],
        "event_params": [
            ga4_params(page_location="https://acme.example/pricing", engagement_time_msec=25000),
            ga4_params(percent_scrolled=90),
            ga4_params(page_location="https://acme.example/demo", form_id="f1", form_name="demo-request"),
            ga4_params(page_location="https://acme.example/careers"),
        ],
        "user_pseudo_id": ["g1", "g1", "g1", "g2"],
    })
    events = from_ga4(table)
    assert events.num_rows == 3
    want = cli_scores(tmp_path, [
        {"visitor": "g1", "type": "page_view", "ts": MS0, "url": "https://acme.example/pricing", "dwellMs": 25000},
        {"visitor": "g1", "type": "form_submit", "ts": MS0 + 180000, "url": "https://acme.example/demo", "form": "demo-request"},
        {"visitor": "g2", "type": "page_view", "ts": MS0 + 240000, "url": "https://acme.example/careers"},
    ])
    assert arrow_scores(events) == want
