"""fastdjango's RedisStreams, end to end: a durable send in a Tortoise
transaction (the outbox on SQLite in memory, so a commit costs no disk
flush and the figures are Redis's and fastdjango's) published after the
commit, delivered by ``python -m fastdjango worker`` to a no-op durable
receiver.

The backlog of the throughput run is published the way the relay publishes
(batches of events straight to the transport): it measures the worker. In
the latency run each item is published the way a web process publishes its
event right after the commit (one event, one round trip), stamped at that
moment: the latency runs from the commit to the receiver. What the web side
pays for a durable send (the outbox row in the transaction, the publish, the
row's removal) is measured apart, by :meth:`Ours.web_cost`, with real
Tortoise transactions.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from tortoise import Tortoise
from tortoise.transactions import in_transaction

from fastdjango.contrib.redis import RedisStreams
from fastdjango.contrib.tortoise import install
from fastdjango.core.signals import Signal
from fastdjango.durable import Delivery, Durable, configure
from fastdjango.durable._codec import encode_arguments, encode_sender
from fastdjango.durable._enqueue import new_event
from fastdjango.durable._event import Event

from .models import BenchOrder
from .peer import Peer, python, setting
from .record import Recorder

bench_signal = Signal(["sent"], name="bench.redis_streams")
_recorder: list[Recorder] = []


@bench_signal.connect(durable=Durable(name="bench.noop"))
async def noop(sent: float, delivery: Delivery, **kwargs: Any) -> None:
    """The no-op durable receiver: records its arrival."""
    if not _recorder:
        _recorder.append(Recorder.from_env())
    _recorder[0].record(sent)


def _event(sent: float) -> Event:
    """The event a durable send of ``bench_signal`` makes."""
    assert bench_signal.name is not None
    return new_event(
        signal=bench_signal.name,
        sender=encode_sender(None),
        payload=encode_arguments({"sent": sent}),
        receivers=("bench.noop",),
        keys={},
    )


@dataclass(frozen=True)
class WebCost:
    """Seconds per request, (wall clock, CPU), without and with a durable send."""

    plain: tuple[float, float]
    durable: tuple[float, float]


@asynccontextmanager
async def setup() -> AsyncIterator[None]:
    """The worker's ``--setup``: RedisStreams from the environment."""
    transport = RedisStreams(setting("URL"), prefix=setting("PREFIX"))
    configure(transport)
    try:
        yield
    finally:
        configure(None)
        await transport.close()


class Ours(Peer):
    """fastdjango RedisStreams (the worker, concurrency 256)."""

    name = "fastdjango"

    def command(self) -> list[str]:
        return python(
            "-m", "fastdjango", "worker", "--setup", "benchmarks.redis_streams.ours:setup",
            "--concurrency", "256", "--progress", "600",
        )  # fmt: skip

    async def open(self) -> None:
        await Tortoise.init(
            db_url="sqlite://:memory:", modules={"models": ["benchmarks.redis_streams.models"]}
        )
        install()
        await Tortoise.generate_schemas()
        self.transport = RedisStreams(self.url, prefix=self.prefix)
        configure(self.transport)

    async def close(self) -> None:
        configure(None)
        await self.transport.close()
        await Tortoise.close_connections()

    async def fill(self, count: int, sent: float) -> None:
        events = [_event(sent) for _ in range(count)]
        for start in range(0, count, 500):
            await self.transport.publish(events[start : start + 500])

    async def send(self, sent: float) -> None:
        await self.transport.publish([_event(sent)])

    async def web_cost(self, count: int) -> WebCost:
        """A request's cost: a transaction saving an order, then the same
        with a durable send (written to the outbox, published after the
        commit), taking turns. CPU time counts every thread of this process
        (the SQLite driver runs in one of its own)."""
        plain = [0.0, 0.0]
        durable = [0.0, 0.0]
        for _ in range(count):
            wall, cpu = time.perf_counter(), time.process_time()
            async with in_transaction():
                await BenchOrder.create(total=1)
            middle, middle_cpu = time.perf_counter(), time.process_time()
            async with in_transaction():
                await BenchOrder.create(total=1)
                await bench_signal.send(None, sent=time.time())
            plain[0] += middle - wall
            plain[1] += middle_cpu - cpu
            durable[0] += time.perf_counter() - middle
            durable[1] += time.process_time() - middle_cpu
        return WebCost(
            (plain[0] / count, plain[1] / count), (durable[0] / count, durable[1] / count)
        )
