"""Smoke tests of the peer benchmark: it runs, and reports every cell.

These never assert timings: they run in the tiny ``--quick`` mode.
"""

from __future__ import annotations

import gc
import json

import pytest
from benchmarks.__main__ import main
from benchmarks.lineup import lineup
from benchmarks.peer_fastdjango import FastDjango
from benchmarks.scenarios import CYCLE_CONNECTED, SCENARIOS, Scenario, build

from fastdjango.core.signals import Signal

TIMED = [scenario for scenario in SCENARIOS if scenario.kind != "memory"]


def test_quick_run_prints_every_scenario_and_library(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--quick"]) == 0

    out = capsys.readouterr().out
    lines = out.splitlines()
    header = next(line for line in lines if line.split()[:1] == ["fastdjango"])
    assert header.split() == " ".join(peer.label for peer in lineup()).split()
    for scenario in SCENARIOS:
        assert any(line.split()[:1] == [scenario.key] for line in lines), scenario.key
    assert out.startswith("Python: CPython ")
    assert "Machine: " in out
    assert "Targets (issues 3 and 11)" in out
    assert "Captured sends: " in out


def test_json_has_a_value_or_a_reason_in_every_cell(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--quick", "--json", "--scenario", "A1,c", "--scenario", "M"]) == 0

    document = json.loads(capsys.readouterr().out)
    assert list(document["results"]) == ["A1", "C", "M"]
    for row in document["results"].values():
        assert list(row) == [peer.label for peer in lineup()]
        for cell in row.values():
            assert (cell["value"] is None) != (cell["missing"] is None)
    assert document["results"]["A1"]["psygnal"]["missing"] == (
        "psygnal is sync-only (emit calls receivers, never awaits)."
    )
    assert document["results"]["A1"]["floor"]["ratio_to_floor"] == 1.0
    assert {target["scenario"] for target in document["targets"]} == {"A1", "C", "M"}


def test_unknown_scenario_is_refused() -> None:
    with pytest.raises(SystemExit, match=r"Unknown scenario X1; choose from A0 A1 "):
        main(["--quick", "--scenario", "A1,X1"])


@pytest.mark.usefixtures("collect")
@pytest.mark.parametrize(
    "scenario", [s for s in SCENARIOS if s.kind != "memory"], ids=lambda s: s.key
)
def test_every_connected_receiver_stays_alive(scenario: Scenario) -> None:
    target = build(scenario, FastDjango())
    gc.collect()

    signal = target.keep[0]
    assert isinstance(signal, Signal)
    expected = (
        scenario.receivers + scenario.others + (CYCLE_CONNECTED if scenario.kind == "cycle" else 0)
    )
    assert len(signal.live_receivers()) == expected
