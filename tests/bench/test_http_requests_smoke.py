"""The HTTP benchmark's own pieces: its percentiles, and that the app accepts what it sends."""

from __future__ import annotations

import importlib.util
import math
import sys
from pathlib import Path

from tests.requests import load_demo

SCRIPT = Path(__file__).parents[2] / "bench" / "http_requests.py"
spec = importlib.util.spec_from_file_location("bench_http_requests", SCRIPT)
assert spec is not None and spec.loader is not None
bench = importlib.util.module_from_spec(spec)
sys.modules[spec.name] = bench  # dataclasses look their module up while the class is made
spec.loader.exec_module(bench)


def test_percentiles_of_one_to_a_hundred():
    assert bench.percentiles([float(n) for n in range(100, 0, -1)]) == (50.5, 99.01)


def test_percentiles_of_one_or_no_latency():
    assert bench.percentiles([0.25]) == (0.25, 0.25)
    p50, p99 = bench.percentiles([])
    assert math.isnan(p50) and math.isnan(p99)


def test_the_app_accepts_the_benchmarks_submission_and_health_check(client, db):
    load_demo(db)
    categories, towns = bench.choices(client, bench.demo_token(client))
    assert "320583101" in towns  # 巴城镇
    submit = bench.submission(categories, towns, None)
    for i in range(2):
        response = submit(client, i)
        assert response.status_code == 201, response.text
        assert response.json()["tracking_number"].startswith("KS")
    assert bench.health(client, 0).status_code == 200
