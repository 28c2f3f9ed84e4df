"""Run the peers side by side and collect their figures.

For each peer, in one run: a worker process drains a backlog (events/s per
worker process, and the CPU time that process spent per event), then items
are sent one by one at a steady rate and the worker reports send-to-receiver
latency (p50 / p99). The peers take turns within each round, so a busy
moment of a shared machine is spread over all.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import tempfile
import time
import uuid
from collections.abc import Callable, Sequence
from pathlib import Path

from .celery_peer import CeleryPeer
from .floor import Floor
from .ours import Ours, WebCost
from .peer import Peer
from .report import Figures, report
from .taskiq_peer import TaskiqPeer
from .workers import Timings, worker

PEERS: dict[str, Callable[[str, str], Peer]] = {
    "fastdjango": Ours,
    "floor": Floor,
    "celery": CeleryPeer,
    "taskiq": TaskiqPeer,
}


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


async def _latency(peer: Peer, directory: Path, rate: int, seconds: float) -> tuple[Timings, float]:
    """The worker's timings and the rate the items were actually sent at."""
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
            sent_rate = count / (time.perf_counter() - start)
            return await asyncio.to_thread(running.timings), sent_rate
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
                    backlog = max(100, int(count * peer.backlog_share))
                    timings = await _throughput(peer, directory, backlog)
                    figures[name].rates.append(timings.rate)
                    figures[name].cpus.append(timings.cpu_per_item)
                    _forget(directory, name)
                    latency, sent_rate = await _latency(peer, directory, rate, seconds)
                    figures[name].latencies += latency.latencies
                    figures[name].sent_rates.append(sent_rate)
                finally:
                    await PEERS[name](url, prefix).cleanup()
                    _forget(directory, name)
                print(
                    f"round {round_number + 1}: {name} {timings.rate:,.0f}/s, "
                    f"{timings.cpu_per_item * 1e6:.1f} us CPU/event, load {_load()}",
                    flush=True,
                )
    return figures


async def web_cost(url: str, count: int) -> WebCost:
    """fastdjango's web side: a request's cost without and with a durable send."""
    peer = Ours(url, f"bench-{uuid.uuid4().hex[:8]}")
    await peer.open()
    try:
        await peer.web_cost(count // 10)  # warm-up
        return await peer.web_cost(count)
    finally:
        await peer.close()
        await peer.cleanup()


def _load() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m benchmarks.redis_streams``."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.redis_streams")
    parser.add_argument("--url", default="redis://127.0.0.1:6379/0")
    parser.add_argument("--peer", action="append", choices=list(PEERS), help="only these peers")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument(
        "--count", type=int, default=20_000, help="backlog per round (Celery, taskiq: a tenth)"
    )
    parser.add_argument("--rate", type=int, default=1000, help="events/s of the latency run")
    parser.add_argument("--seconds", type=float, default=3.0, help="length of the latency run")
    parser.add_argument("--quick", action="store_true", help="a short check of the harness")
    options = parser.parse_args(argv)
    if options.quick:
        options.rounds, options.count, options.seconds = 1, 500, 0.5
    names = options.peer or list(PEERS)
    started = _load()
    figures = asyncio.run(
        measure(names, options.url, options.rounds, options.count, options.rate, options.seconds)
    )
    web = (
        asyncio.run(web_cost(options.url, 200 if options.quick else 2000))
        if ("fastdjango" in names)
        else None
    )
    print(report(figures, options.rate, web))
    print(f"\nload average (1, 5, 15 min): {started} at the start, {_load()} at the end")
    return 0
