"""Smoke tests of the instrumentation benchmark: it runs, and compares like with like.

These never assert timings.
"""

from __future__ import annotations

import asyncio

import pytest
from benchmarks.__main__ import main as harness
from benchmarks.otel_overhead import ROWS, HandTraced, _InMemory, columns, main
from benchmarks.scenarios import BY_KEY, build
from benchmarks.timing import Loop

from fastdjango.contrib.otel import uninstrument
from fastdjango.core.signals import _instrument


def test_quick_run_prints_every_row_and_column(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--quick"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "What instrument() costs, ns per send"
    assert lines[1].split() == [
        "fastdjango", "otel", "no-op", "otel", "sdk", "sdk", "by", "hand",
        "bl.send", "bl.async", "dj.cached", "floor",
    ]  # fmt: skip
    for key in ROWS:
        (row,) = (line for line in lines[2:6] if line.split()[:1] == [key])
        assert len(row.split()) == 1 + len(columns())
    assert any(line.startswith("A1   await send, 1 async receiver: otel no-op ") for line in lines)
    assert _instrument.current is None  # instrumentation is off again


def test_the_harness_runs_it_on_request(capsys: pytest.CaptureFixture[str]) -> None:
    assert harness(["--quick", "--scenario", "A1", "--otel"]) == 0
    assert "What instrument() costs, ns per send" in capsys.readouterr().out


@pytest.mark.parametrize("key", ["A1", "S1"])
def test_by_hand_records_what_the_instrumentation_records(key: str) -> None:
    telemetry = _InMemory()
    event_loop = asyncio.new_event_loop()
    try:
        telemetry.on()
        instrumented = next(column for column in columns() if column.label == "fastdjango")
        Loop(build(BY_KEY[key], instrumented.peer), event_loop).run(3)
        traced = len(telemetry.exporter.get_finished_spans())
        uninstrument()
        telemetry.exporter.clear()
        Loop(build(BY_KEY[key], HandTraced(telemetry)), event_loop).run(3)
        by_hand = len(telemetry.exporter.get_finished_spans())
    finally:
        uninstrument()
        event_loop.close()
    assert traced == by_hand == 6  # a send span and a receiver span per send
