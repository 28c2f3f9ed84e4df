"""``python -m benchmarks.instructions``: the scenarios counted in instructions.

Wall-clock medians on a shared virtual machine move by 10 to 30% from run to
run, which is the size of the differences the targets are about. Valgrind's
callgrind counts the CPU instructions a program executes instead, and that
count is the same on every run. Each cell runs its statement in two child
processes under callgrind, ``SHORT`` and ``LONG`` times after the same set-up;
``(I_long - I_short) / (LONG - SHORT)`` is the instructions per send, start-up
and set-up cancelling out. Ratios of instruction counts are not ratios of
time (a cache miss costs more than an add), but they rank the same code paths
the same way, repeatably.

A full run takes a few minutes (every child starts Python under valgrind);
``--peers`` limits the columns, ``--scenario`` the rows.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import re
import shutil
import subprocess
import sys
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

from .__main__ import _scenarios
from .lineup import lineup
from .peers import NotApplicable
from .report import captured_table
from .runner import QUICK, Cell, Results
from .scenarios import BY_KEY, Scenario, build
from .targets import evaluate
from .timing import Loop

SHORT, LONG = 1_000, 6_000
DEFAULT_PEERS = (
    "fastdjango",
    "fd.captured",
    "floor",
    "empty fn",
    "bl.send",
    "bl.async",
    "dj.cached",
)
_COLLECTED = re.compile(r"Collected\s*:\s*(\d+)")
_SETARCH = shutil.which("setarch")
_NO_ADDRESS_RANDOMIZATION = [_SETARCH, platform.machine(), "-R"] if _SETARCH else []


def _child(scenario: str, label: str, number: int) -> None:
    """Run one cell's statement ``number`` times (after one warm-up call)."""
    peer = next(peer for peer in lineup() if peer.label == label)
    event_loop = asyncio.new_event_loop()
    try:
        loop = Loop(build(BY_KEY[scenario], peer), event_loop)
        loop.run(1)
        loop.run(number)
    finally:
        event_loop.close()


def _instructions(scenario: str, label: str, number: int) -> int:
    child = ["-m", "benchmarks.instructions", "--child", scenario, label, str(number)]
    return count_instructions(child, f"{scenario} / {label}")


def count_instructions(arguments: Sequence[str], what: str) -> int:
    """The instructions ``python ARGUMENTS`` executes under callgrind (``what`` names it)."""
    command = [
        *_NO_ADDRESS_RANDOMIZATION,
        "valgrind",
        "--tool=callgrind",
        "--callgrind-out-file=/dev/null",
        sys.executable,
        *arguments,
    ]
    # The same hashes and the same addresses on every run: dictionaries
    # probe the same way, so counts repeat to the instruction.
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    done = subprocess.run(command, capture_output=True, text=True, check=False, env=env)
    found = _COLLECTED.search(done.stderr)
    if done.returncode != 0 or found is None:
        raise RuntimeError(f"{what} failed under valgrind:\n{done.stderr[-2000:]}")
    return int(found.group(1))


def _per_send(scenario: str, label: str) -> float:
    short = _instructions(scenario, label, SHORT)
    long = _instructions(scenario, label, LONG)
    return (long - short) / (LONG - SHORT)


def measure(scenarios: Sequence[Scenario], labels: Sequence[str]) -> Results:
    """Count instructions per send for every applicable cell."""
    peers = [peer for peer in lineup() if peer.label in labels]
    unknown = sorted(set(labels) - {peer.label for peer in peers})
    if unknown:
        raise SystemExit(f"Unknown peer {', '.join(unknown)}.")
    if shutil.which("valgrind") is None:
        raise SystemExit("Counting instructions needs valgrind: apt-get install valgrind.")
    rows = [scenario for scenario in scenarios if scenario.kind != "memory"]
    cells: dict[tuple[str, str], Cell] = {}
    jobs: list[tuple[str, str]] = []
    for scenario in rows:
        for peer in peers:
            try:
                peer.check(scenario.needs)
            except NotApplicable as reason:
                cells[scenario.key, peer.label] = Cell(missing=str(reason))
                continue
            cells[scenario.key, peer.label] = Cell()
            jobs.append((scenario.key, peer.label))
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        for (key, label), value in zip(
            jobs, pool.map(lambda job: _per_send(*job), jobs), strict=True
        ):
            cells[key, label].value = value
            print(f"{key}: {label} {value:,.0f}", file=sys.stderr, flush=True)
    return Results(rows, peers, QUICK, cells, 0.0)


def render(results: Results) -> str:
    """The table of instructions per send, and the targets checked against it."""
    labels = [peer.label for peer in results.peers]
    width = max(11, *(len(label) + 2 for label in labels))
    lines = [
        f"Instructions per send (C: per connect + disconnect), callgrind, "
        f"{LONG - SHORT:,} iterations",
        "      " + "".join(label.rjust(width) for label in labels),
    ]
    for scenario in results.scenarios:
        row = []
        for label in labels:
            cell = results.cells[scenario.key, label]
            row.append("n/a" if cell.value is None else f"{cell.value:,.0f}")
        lines.append(f"{scenario.key:<6}" + "".join(text.rjust(width) for text in row))
    captured = captured_table(results, unit="instr.")
    if captured:
        lines += ["", captured]
    lines += ["", "Targets (issues 3 and 11), in instructions", ""]
    for verdict in evaluate(results):
        state = "n/a    " if verdict.met is None else ("met    " if verdict.met else "NOT MET")
        lines.append(f"{verdict.scenario:<6}{state}  {verdict.text}")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Count instructions per send; return the exit status."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.instructions")
    parser.add_argument(
        "--child", nargs=3, metavar=("SCENARIO", "PEER", "N"), help=argparse.SUPPRESS
    )
    parser.add_argument("--scenario", action="append", metavar="KEYS", help="rows to count")
    parser.add_argument(
        "--peers",
        default=",".join(DEFAULT_PEERS),
        help=f"comma-separated columns (default: {','.join(DEFAULT_PEERS)})",
    )
    options = parser.parse_args(argv)
    if options.child:
        scenario, label, number = options.child
        _child(scenario, label, int(number))
        return 0
    labels = [label.strip() for label in options.peers.split(",") if label.strip()]
    print(render(measure(_scenarios(options.scenario), labels)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
