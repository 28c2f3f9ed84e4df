"""Run the peers side by side and report figures and ratios.

For each peer, in one run: a worker process drains a backlog (events/s per
worker process), then items are sent one by one at a steady rate and the
worker reports send-to-receiver latency (p50 / p99). The peers take turns
within each round, so a busy moment of a shared machine is spread over all.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .celery_peer import CeleryPeer
from .floor import Floor
from .ours import Ours
from .peer import Peer
from .taskiq_peer import TaskiqPeer
from .workers import Timings, worker

PEERS: dict[str, Callable[[str, str], Peer]] = {
    "fastdjango": Ours,
    "floor": Floor,
    "celery": CeleryPeer,
    "taskiq": TaskiqPeer,
}


@dataclass
class Figures:
    """One peer's measurements over the rounds."""

    rates: list[float] = field(default_factory=list)
    latencies: list[float] = field(default_factory=list)

    @property
    def rate(self) -> float:
        return statistics.median(self.rates)

    def percentile(self, fraction: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


async def _throughput(peer: Peer, directory: Path, count: int) -> Timings:
    await peer.open()
    try:
        await peer.fill(1, time.time())  # the warm-up item
        await peer.fill(count, time.time())
        with worker(
            peer.command(), directory / f"{peer.name}-rate.json", count + 1, peer.environment()
        ) as running:
            running.ready()
            return running.timings()
    finally:
        await peer.close()


async def _latency(peer: Peer, directory: Path, rate: int, seconds: float) -> Timings:
    count = int(rate * seconds)
    await peer.open()
    try:
        with worker(
            peer.command(), directory / f"{peer.name}-lat.json", count + 1, peer.environment()
        ) as running:
            await peer.send(time.time())
            await asyncio.to_thread(running.ready)
            start = time.perf_counter()
            for index in range(count):
                delay = start + index / rate - time.perf_counter()
                if delay > 0:
                    await asyncio.sleep(delay)
                await peer.send(time.time())
            return await asyncio.to_thread(running.timings)
    finally:
        await peer.close()


def _forget(directory: Path, name: str) -> None:
    for stale in directory.glob(f"{name}-*"):
        stale.unlink()


async def measure(
    names: Sequence[str], url: str, rounds: int, count: int, rate: int, seconds: float
) -> dict[str, Figures]:
    """Every peer's figures, the peers interleaved within each round."""
    figures = {name: Figures() for name in names}
    with tempfile.TemporaryDirectory() as temporary:
        directory = Path(temporary)
        for round_number in range(rounds):
            for name in names:
                prefix = f"bench-{uuid.uuid4().hex[:8]}"
                peer = PEERS[name](url, prefix)
                try:
                    timings = await _throughput(peer, directory, count)
                    figures[name].rates.append(timings.rate)
                    _forget(directory, name)
                    latency = await _latency(peer, directory, rate, seconds)
                    figures[name].latencies += latency.latencies
                finally:
                    await PEERS[name](url, prefix).cleanup()
                    _forget(directory, name)
                print(f"round {round_number + 1}: {name} {timings.rate:,.0f}/s", flush=True)
    return figures


async def web_cost(url: str, count: int) -> tuple[float, float]:
    """fastdjango's web side: seconds per request without and with a durable send."""
    peer = Ours(url, f"bench-{uuid.uuid4().hex[:8]}")
    await peer.open()
    try:
        await peer.web_cost(count // 10)  # warm-up
        return await peer.web_cost(count)
    finally:
        await peer.close()
        await peer.cleanup()


def report(figures: dict[str, Figures], rate: int, web: tuple[float, float] | None) -> str:
    """The table, the ratios and the targets."""
    lines = [f"{'peer':<12}{'events/s per worker':>22}{f'p50 @{rate}/s':>14}{f'p99 @{rate}/s':>14}"]
    for name, figure in figures.items():
        lines.append(
            f"{name:<12}{figure.rate:>22,.0f}"
            f"{figure.percentile(0.5) * 1000:>12.2f}ms{figure.percentile(0.99) * 1000:>12.2f}ms"
        )
    ours = figures.get("fastdjango")
    if web is not None:
        plain, durable = web
        lines.append("")
        lines.append(
            f"web side, per request (SQLite in memory, one INSERT): {plain * 1e6:,.0f} us; "
            f"with a durable send: {durable * 1e6:,.0f} us "
            f"(+{(durable - plain) * 1e6:,.0f} us: the outbox row, the publish after the "
            "commit, the row's removal)"
        )
    if ours is not None:
        lines.append("")
        lines.append(
            f"target >= 10,000 events/s per worker: {ours.rate:,.0f}"
            f" ({'met' if ours.rate >= 10_000 else 'missed'})"
        )
        p99 = ours.percentile(0.99) * 1000
        lines.append(
            f"target p99 <= 10 ms at {rate}/s: {p99:.2f} ms ({'met' if p99 <= 10 else 'missed'})"
        )
        for name, figure in figures.items():
            if name == "fastdjango":
                continue
            ratio = figure.rate / ours.rate
            target = "within 1.5x" if name == "floor" else "faster"
            met = ratio <= 1.5 if name == "floor" else ratio < 1
            lines.append(
                f"{name} / fastdjango throughput: {ratio:.2f}x (target {target}:"
                f" {'met' if met else 'missed'})"
            )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m benchmarks.redis_streams``."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.redis_streams")
    parser.add_argument("--url", default="redis://127.0.0.1:6379/0")
    parser.add_argument("--peer", action="append", choices=list(PEERS), help="only these peers")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--count", type=int, default=20_000, help="backlog per round")
    parser.add_argument("--rate", type=int, default=1000, help="events/s of the latency run")
    parser.add_argument("--seconds", type=float, default=3.0, help="length of the latency run")
    parser.add_argument("--quick", action="store_true", help="a short check of the harness")
    options = parser.parse_args(argv)
    if options.quick:
        options.rounds, options.count, options.seconds = 1, 500, 0.5
    names = options.peer or list(PEERS)
    figures = asyncio.run(
        measure(names, options.url, options.rounds, options.count, options.rate, options.seconds)
    )
    web = (
        asyncio.run(web_cost(options.url, 200 if options.quick else 2000))
        if ("fastdjango" in names)
        else None
    )
    print(report(figures, options.rate, web))
    return 0
