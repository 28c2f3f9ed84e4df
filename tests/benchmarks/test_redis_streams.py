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
    assert rows["fastdjango"][0].replace(",", "").isdigit()
    assert rows["floor"][0].replace(",", "").isdigit()
    assert "target >= 10,000 events/s per worker:" in out
    assert "floor / fastdjango throughput:" in out
