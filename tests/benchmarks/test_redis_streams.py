"""Smoke test of the Redis delivery benchmark: it runs its workers and reports.

It never asserts timings: ``--quick`` only checks the harness.
"""

from __future__ import annotations

import pytest
from benchmarks.__main__ import main

from tests.support.services import require_redis


@pytest.mark.redis
def test_quick_run_reports_figures_and_ratios(capsys: pytest.CaptureFixture[str]) -> None:
    url = require_redis()
    arguments = ["redis", "--quick", "--url", url, "--peer", "fastdjango", "--peer", "floor"]
    assert main(arguments) == 0
    out = capsys.readouterr().out
    rows: dict[str, list[str]] = {}
    for line in out.splitlines():
        if line.strip():
            rows.setdefault(line.split()[0], line.split()[1:])
    for name in ("fastdjango", "floor"):
        rate, cpu, p50, p99, sent = rows[name]
        assert rate.replace(",", "").isdigit()
        assert float(cpu) > 0  # the worker's CPU per event
        assert p50.endswith("ms")
        assert p99.endswith("ms")
        assert sent.replace(",", "").isdigit()
    assert "the durable send's cost: +" in out
    assert "target >= 10,000 events/s per worker:" in out
    assert "floor / fastdjango throughput:" in out
    assert "fastdjango / floor CPU per event:" in out
    assert "load average (1, 5, 15 min):" in out
