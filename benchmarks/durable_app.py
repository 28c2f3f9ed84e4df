"""The application of the durable delivery benchmark (``benchmarks.durable_delivery``).

Two signals with no-op durable receivers: ``bench_noop`` (throughput) and
``bench_latency``, whose receiver appends ``now - enqueued_at`` to
``latency-<pid>.txt`` in ``DURABLE_BENCH_DIR``. ``setup`` is what the
benchmark's worker processes enter (``--setup benchmarks.durable_app:setup``).
"""

from __future__ import annotations

import os
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from tortoise import Tortoise, fields

from fastdjango.contrib.tortoise import Model, install
from fastdjango.core.signals import Signal
from fastdjango.durable import DatabaseTransport, Delivery, Durable, configure

noop_signal = Signal(["order"], name="bench_noop")
latency_signal = Signal(["order"], name="bench_latency")
plain_signal = Signal(["order"], name="bench_plain")


class BenchOrder(Model):
    """What the request path saves before sending."""

    id = fields.IntField(primary_key=True)
    item = fields.CharField(max_length=50)

    class Meta:
        table = "durable_bench_order"


@noop_signal.connect(durable=Durable(name="noop"))
async def noop(**kwargs: Any) -> None:
    """Does nothing: what is measured is the delivery."""


@latency_signal.connect(durable=Durable(name="latency"))
async def latency(delivery: Delivery, **kwargs: Any) -> None:
    """Record how long after the send this delivery started."""
    waited = time.time() - delivery.enqueued_at.timestamp()
    path = Path(os.environ.get("DURABLE_BENCH_DIR", ".")) / f"latency-{os.getpid()}.txt"
    with path.open("a") as out:
        out.write(f"{waited}\n")


def config(url: str) -> dict[str, Any]:
    """Tortoise's configuration of the benchmark model on ``url``."""
    name = "sqlite" if url.startswith("sqlite") else "postgres"
    return {
        "connections": {name: url},
        "apps": {"bench": {"models": [__name__], "default_connection": name}},
    }


@asynccontextmanager
async def setup() -> AsyncIterator[None]:
    """The worker's set-up: Tortoise on ``DURABLE_BENCH_DB``, the database transport."""
    await Tortoise.init(config=config(os.environ["DURABLE_BENCH_DB"]))
    install()
    configure(DatabaseTransport())
    try:
        yield
    finally:
        configure(None)
        await Tortoise.close_connections()
