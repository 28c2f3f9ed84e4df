"""Smoke test of the durable delivery benchmark: it runs and reports every figure."""

from __future__ import annotations

import json

import pytest
from benchmarks.durable_delivery import main


@pytest.mark.slow
def test_quick_run_reports_every_figure(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--quick", "--backend", "sqlite", "--json"]) == 0

    [result] = json.loads(capsys.readouterr().out)
    assert result["backend"] == "sqlite"
    assert result["statements_per_send"] == 1.0  # one INSERT per durable send
    assert set(result["throughput"]) == {"1 worker"}
    assert result["throughput"]["1 worker"] > 0
    assert 0 < result["latency_p50_ms"] <= result["latency_p99_ms"]
