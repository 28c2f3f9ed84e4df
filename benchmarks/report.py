"""The printed table, the target lines, and the JSON document."""

from __future__ import annotations

import os
import platform
import statistics
import sys
from importlib import metadata
from typing import Any

from .runner import Results
from .targets import CAPTURED, CAPTURED_TARGET, OURS, captured_ratio, evaluate

_SCENARIO_WIDTH = 6
_UNITS = {
    "send": "ns per send",
    "cycle": "ns per connect + disconnect",
    "memory": "bytes per receiver",
}


def machine() -> dict[str, Any]:
    """Describe the interpreter and the machine."""
    model = platform.processor()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
            model = next(
                (
                    line.split(":", 1)[1].strip()
                    for line in cpuinfo
                    if line.startswith("model name")
                ),
                model,
            )
    except OSError:
        pass
    load = os.getloadavg() if hasattr(os, "getloadavg") else None
    return {
        "python": f"{platform.python_implementation()} {sys.version.split()[0]}",
        "platform": platform.platform(),
        "cpu": model or platform.machine(),
        "cpus": os.cpu_count(),
        "load_average": None if load is None else [round(value, 2) for value in load],
    }


def versions(results: Results) -> dict[str, str]:
    """Return the installed version of every library in the table."""
    found: dict[str, str] = {}
    for peer in results.peers:
        if peer.distribution is not None and peer.distribution not in found:
            found[peer.distribution] = metadata.version(peer.distribution)
    return found


def _footnotes(results: Results) -> dict[str, int]:
    numbers: dict[str, int] = {}
    for cell in results.cells.values():
        if cell.missing is not None and cell.missing not in numbers:
            numbers[cell.missing] = len(numbers) + 1
    return numbers


def _grid(header: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(row[index]) for row in [header, *rows]) for index in range(len(header))]
    lines = [
        "  ".join(
            text.rjust(width) if index else text.ljust(width)
            for index, (text, width) in enumerate(zip(row, widths, strict=True))
        )
        for row in [header, *rows]
    ]
    lines.insert(1, "-" * len(lines[0]))
    return "\n".join(lines)


def table(results: Results) -> str:
    """Return the two tables (values, ratios to the floor) and the footnotes."""
    notes = _footnotes(results)
    labels = [peer.label for peer in results.peers]
    values: list[list[str]] = []
    ratios: list[list[str]] = []
    for scenario in results.scenarios:
        row = [scenario.key]
        ratio_row = [scenario.key]
        floor = results.cell(scenario.key, "floor").value
        for label in labels:
            cell = results.cell(scenario.key, label)
            if cell.value is None:
                text = f"n/a[{notes[cell.missing]}]" if cell.missing else "-"
                row.append(text)
                ratio_row.append(text)
                continue
            row.append(f"{cell.value:,.0f}")
            ratio_row.append(f"{cell.value / floor:.2f}x" if floor else "-")
        values.append(row)
        if scenario.kind == "send":
            ratios.append(ratio_row)
    parts = [
        "Medians, in ns per send (C: ns per connect + disconnect; M: bytes per receiver)",
        _grid(["", *labels], values),
    ]
    if ratios:
        parts += ["", "Ratio to the floor (send scenarios)", _grid(["", *labels], ratios)]
    if notes:
        parts += ["", *(f"[{number}] {text}" for text, number in notes.items())]
    return "\n".join(parts)


def captured_table(results: Results, unit: str = "ns") -> str:
    """The captured sends against the attribute path, one row per send scenario."""
    rows = []
    for scenario in results.scenarios:
        ratio = captured_ratio(results, scenario.key)
        if scenario.kind != "send" or ratio is None:
            continue
        attribute = results.cell(scenario.key, OURS).value
        captured = results.cell(scenario.key, CAPTURED).value
        rows.append([scenario.key, f"{attribute:,.0f}", f"{captured:,.0f}", f"{ratio:.2f}x"])
    if not rows:
        return ""
    header = ["", f"sig.send() {unit}", f"captured {unit}", "captured / sig.send()"]
    return "\n".join(
        [
            f"Captured sends: fire = sig.send (or send_sync) taken before the first send, "
            f"then fire(...); target <= {CAPTURED_TARGET}x",
            _grid(header, rows),
        ]
    )


def spread(results: Results) -> float | None:
    """Return a noise figure: the typical cell's half interquartile range / median.

    A rough noise figure: 0.05 means half of a typical cell's rounds lie within
    about 5% of its median.
    """
    spreads = []
    for cell in results.cells.values():
        if len(cell.samples) >= 4:
            first, _, third = statistics.quantiles(cell.samples, n=4)
            spreads.append((third - first) / 2 / statistics.median(cell.samples))
    return statistics.median(spreads) if spreads else None


def header(results: Results) -> str:
    """Return the lines describing the run."""
    info = machine()
    settings = results.settings
    return "\n".join(
        [
            f"Python: {info['python']} on {info['platform']}",
            f"Machine: {info['cpu']}, {info['cpus']} CPUs, load average {info['load_average']}",
            "Libraries: "
            + ", ".join(f"{name} {version}" for name, version in versions(results).items()),
            f"Rounds: {settings.rounds} interleaved, >= {settings.min_ns / 1e6:g} ms each; "
            f"empty-loop cost subtracted: {results.loop_ns:.1f} ns; "
            f"M over {settings.memory_receivers:,} receivers",
            f"Noise: half of a typical cell's rounds lie within {noise:.0%} of its median"
            if (noise := spread(results)) is not None
            else "Noise: too few rounds to tell",
        ]
    )


def legend(results: Results) -> str:
    """Return the meaning of every row."""
    return "\n".join(
        f"{scenario.key:<{_SCENARIO_WIDTH}}{scenario.title}" for scenario in results.scenarios
    )


def verdicts(results: Results) -> str:
    """Return one line per target: met, NOT MET, or not measured."""
    lines = []
    for verdict in evaluate(results):
        status = {True: "met", False: "NOT MET", None: "-"}[verdict.met]
        lines.append(f"{verdict.scenario:<{_SCENARIO_WIDTH}}{status:<9}{verdict.text}")
    return "\n".join(lines)


def render(results: Results) -> str:
    """Return the whole printed report."""
    parts = [header(results), table(results), captured_table(results), legend(results)]
    return "\n\n".join([*filter(None, parts), "Targets (issues 3 and 11)", verdicts(results)])


def document(results: Results) -> dict[str, Any]:
    """Return the report as a JSON-serialisable document."""
    return {
        "machine": machine(),
        "versions": versions(results),
        "settings": {
            "rounds": results.settings.rounds,
            "min_ns": results.settings.min_ns,
            "memory_receivers": results.settings.memory_receivers,
            "loop_ns": results.loop_ns,
            "spread": spread(results),
        },
        "units": {scenario.key: _UNITS[scenario.kind] for scenario in results.scenarios},
        "results": {
            scenario.key: {
                peer.label: {
                    "value": (cell := results.cell(scenario.key, peer.label)).value,
                    "ratio_to_floor": _ratio(results, scenario.key, cell.value),
                    "missing": cell.missing,
                    "samples": cell.samples,
                }
                for peer in results.peers
            }
            for scenario in results.scenarios
        },
        "targets": [
            {"scenario": verdict.scenario, "text": verdict.text, "met": verdict.met}
            for verdict in evaluate(results)
        ],
    }


def _ratio(results: Results, scenario: str, value: float | None) -> float | None:
    floor = results.cell(scenario, "floor").value
    return value / floor if value is not None and floor else None
