"""The figures of each peer, the table, the ratios and the targets."""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field

from .ours import WebCost

#: The targets of the Redis Streams worker.
RATE_TARGET = 10_000
FLOOR_TARGET = 1.5
P99_TARGET_MS = 10.0


@dataclass
class Figures:
    """One peer's measurements over the rounds."""

    rates: list[float] = field(default_factory=list)
    cpus: list[float] = field(default_factory=list)
    latencies: list[float] = field(default_factory=list)
    sent_rates: list[float] = field(default_factory=list)

    @property
    def rate(self) -> float:
        """Events per second per worker: the median over the rounds."""
        return statistics.median(self.rates)

    @property
    def cpu(self) -> float:
        """The worker's CPU seconds per event: the median over the rounds."""
        return statistics.median(self.cpus)

    @property
    def sent_rate(self) -> float:
        """The rate the latency runs actually sent at (the slowest round)."""
        return min(self.sent_rates)

    def percentile(self, fraction: float) -> float:
        """Seconds from send to receiver below which ``fraction`` of the items arrived."""
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def _met(condition: bool) -> str:
    return "met" if condition else "missed"


def _table(figures: dict[str, Figures], rate: int) -> list[str]:
    lines = [
        f"{'peer':<12}{'events/s per worker':>21}{'CPU us/event':>14}"
        f"{f'p50 @{rate}/s':>14}{f'p99 @{rate}/s':>14}{'sent/s':>9}"
    ]
    for name, figure in figures.items():
        lines.append(
            f"{name:<12}{figure.rate:>21,.0f}{figure.cpu * 1e6:>14.1f}"
            f"{figure.percentile(0.5) * 1000:>12.2f}ms{figure.percentile(0.99) * 1000:>12.2f}ms"
            f"{figure.sent_rate:>9,.0f}"
        )
    return lines


def _web(web: WebCost) -> list[str]:
    plain_wall, plain_cpu = web.plain
    durable_wall, durable_cpu = web.durable
    return [
        "web side, per request (a Tortoise transaction on SQLite in memory saving one row):",
        f"  without a durable send: {plain_wall * 1e6:,.0f} us wall, {plain_cpu * 1e6:,.0f} us CPU",
        f"  with one durable send:  {durable_wall * 1e6:,.0f} us wall, "
        f"{durable_cpu * 1e6:,.0f} us CPU",
        f"  the durable send's cost: +{(durable_wall - plain_wall) * 1e6:,.0f} us wall, "
        f"+{(durable_cpu - plain_cpu) * 1e6:,.0f} us CPU (the outbox row, the publish after "
        "the commit, the row's removal)",
    ]


def _targets(figures: dict[str, Figures], rate: int) -> list[str]:
    ours = figures["fastdjango"]
    p99 = ours.percentile(0.99) * 1000
    lines = [
        f"target >= {RATE_TARGET:,} events/s per worker: {ours.rate:,.0f} "
        f"({_met(ours.rate >= RATE_TARGET)})",
        f"target p99 <= {P99_TARGET_MS:.0f} ms at {rate}/s: {p99:.2f} ms, sent at "
        f"{ours.sent_rate:,.0f}/s ({_met(p99 <= P99_TARGET_MS and ours.sent_rate >= 0.95 * rate)})",
    ]
    for name, figure in figures.items():
        if name == "fastdjango":
            continue
        ratio, cpu = figure.rate / ours.rate, ours.cpu / figure.cpu
        if name == "floor":
            verdict = f"target within {FLOOR_TARGET}x: {_met(ratio <= FLOOR_TARGET)}"
        else:
            verdict = f"target faster: {_met(ratio < 1)}"
        lines.append(
            f"{name} / fastdjango throughput: {ratio:.2f}x ({verdict}); "
            f"fastdjango / {name} CPU per event: {cpu:.2f}x"
        )
    return lines


def report(figures: dict[str, Figures], rate: int, web: WebCost | None) -> str:
    """The table, the web side's cost, the ratios and the targets."""
    lines = _table(figures, rate)
    if web is not None:
        lines += ["", *_web(web)]
    if "fastdjango" in figures:
        lines += ["", *_targets(figures, rate)]
    return "\n".join(lines)
