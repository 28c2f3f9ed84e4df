"""Run the scenarios: interleaved rounds, medians, the loop's cost subtracted.

Every (scenario, peer) cell is set up and calibrated first. Then each round
runs every cell once, in a new shuffled order, so a slow moment of a busy
machine is spread over all libraries instead of hitting one. A cell's result
is the median of its rounds, minus the median cost of an empty loop.
"""

from __future__ import annotations

import asyncio
import gc
import random
import statistics
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from .memory import bytes_per_receiver
from .peers import NotApplicable, Peer
from .scenarios import Scenario, build
from .timing import EMPTY, Loop


@dataclass(frozen=True)
class Settings:
    """How long to measure.

    Arguments:
        rounds: how many interleaved rounds (medians are over these).
        min_ns: the shortest a single measurement may be.
        memory_receivers: how many receivers scenario M connects.
    """

    rounds: int
    min_ns: int
    memory_receivers: int


FULL = Settings(rounds=20, min_ns=40_000_000, memory_receivers=10_000)
QUICK = Settings(rounds=3, min_ns=200_000, memory_receivers=200)


@dataclass
class Cell:
    """One scenario for one peer: a value (ns or bytes) or why it is n/a."""

    value: float | None = None
    missing: str | None = None
    samples: list[float] = field(default_factory=list)


@dataclass
class Results:
    """Everything the report needs."""

    scenarios: Sequence[Scenario]
    peers: Sequence[Peer[Any]]
    settings: Settings
    cells: dict[tuple[str, str], Cell]
    loop_ns: float

    def cell(self, scenario: str, peer: str) -> Cell:
        """Return the cell of ``scenario`` (a key) for ``peer`` (a label)."""
        return self.cells[scenario, peer]


Progress = Callable[[str], None]

# The key of the empty loop timed alongside the cells.
_EMPTY_LOOP = ("", "empty loop")


def _stderr(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def run(
    scenarios: Sequence[Scenario],
    peers: Sequence[Peer[Any]],
    settings: Settings,
    progress: Progress = _stderr,
) -> Results:
    """Measure every scenario for every peer and return the medians."""
    cells: dict[tuple[str, str], Cell] = {}
    event_loop = asyncio.new_event_loop()
    try:
        timed = _set_up(scenarios, peers, cells, event_loop, settings.min_ns)
        empty = Loop(EMPTY, event_loop)
        timed.append((_EMPTY_LOOP, empty, empty.calibrate(settings.min_ns)))
        progress(f"{len(timed) - 1} cells calibrated; {settings.rounds} rounds")
        samples: dict[tuple[str, str], list[float]] = {key: [] for key, _, _ in timed}
        shuffler = random.Random(0)
        for number in range(settings.rounds):
            gc.collect()
            shuffler.shuffle(timed)
            for key, loop, iterations in timed:
                samples[key].append(loop.run(iterations) / iterations)
            progress(f"round {number + 1}/{settings.rounds}")
    finally:
        event_loop.close()
    loop_ns = statistics.median(samples.pop(_EMPTY_LOOP))
    for key, values in samples.items():
        cells[key].samples = values
        cells[key].value = max(statistics.median(values) - loop_ns, 0.0)
    _measure_memory(scenarios, peers, settings, cells, progress)
    return Results(scenarios, peers, settings, cells, loop_ns)


def _set_up(
    scenarios: Sequence[Scenario],
    peers: Sequence[Peer[Any]],
    cells: dict[tuple[str, str], Cell],
    event_loop: asyncio.AbstractEventLoop,
    min_ns: int,
) -> list[tuple[tuple[str, str], Loop, int]]:
    """Build and calibrate a loop per timed cell; record the n/a ones."""
    timed: list[tuple[tuple[str, str], Loop, int]] = []
    for scenario in scenarios:
        for peer in peers:
            key = (scenario.key, peer.label)
            try:
                if scenario.kind == "memory":
                    peer.check(scenario.needs)
                    cells[key] = Cell()
                    continue
                loop = Loop(build(scenario, peer), event_loop)
            except NotApplicable as reason:
                cells[key] = Cell(missing=str(reason))
                continue
            cells[key] = Cell()
            timed.append((key, loop, loop.calibrate(min_ns)))
    return timed


def _measure_memory(
    scenarios: Sequence[Scenario],
    peers: Sequence[Peer[Any]],
    settings: Settings,
    cells: dict[tuple[str, str], Cell],
    progress: Progress,
) -> None:
    for scenario in scenarios:
        if scenario.kind != "memory":
            continue
        for peer in peers:
            cell = cells[scenario.key, peer.label]
            if cell.missing is None:
                progress(f"{scenario.key}: {peer.label}")
                cell.value = bytes_per_receiver(peer, settings.memory_receivers)
