"""The application the worker subprocesses of the durable tests run.

Its set-up reads the database from ``DURABLE_TEST_DB`` and the visibility
timeout from ``DURABLE_TEST_VISIBILITY``; receivers record each call in the
``Ran`` table, so the test counts deliveries by ``(event_id, receiver)``.
Files in ``DURABLE_TEST_FLAGS`` steer the faults: ``broken`` makes ``flaky``
fail, ``stall`` makes ``slow`` hang.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from tortoise import Tortoise

from fastdjango.contrib.tortoise import install
from fastdjango.core.signals import Signal
from fastdjango.durable import DatabaseTransport, Delivery, Durable, configure

from .models import Order, Ran

placed = Signal(["order"], name="durable_tests.placed")
failing = Signal(["order"], name="durable_tests.failing")
stalling = Signal(["order"], name="durable_tests.stalling")

FAST = (0.05, 0.1)


def flags() -> Path:
    return Path(os.environ.get("DURABLE_TEST_FLAGS", "."))


async def _record(delivery: Delivery, order: Order, note: str = "") -> None:
    await Ran.create(
        event_id=delivery.event_id,
        receiver=delivery.receiver,
        attempt=delivery.attempt,
        pid=os.getpid(),
        note=note or order.email,
    )


@placed.connect(durable=Durable(name="record"))
@failing.connect(durable=Durable(name="record"))
async def record(delivery: Delivery, order: Order, **kwargs: Any) -> None:
    """Always succeeds."""
    await _record(delivery, order)


@placed.connect(durable=Durable(name="second"))
async def second(delivery: Delivery, order: Order, **kwargs: Any) -> None:
    """A second receiver of the same events."""
    await _record(delivery, order)


@failing.connect(durable=Durable(name="flaky", max_attempts=3, backoff=FAST))
async def flaky(delivery: Delivery, order: Order, **kwargs: Any) -> None:
    """Fails while the ``broken`` flag exists."""
    if (flags() / "broken").exists():
        raise ConnectionError(f"warehouse unreachable for order {order.id}")
    await _record(delivery, order)


@stalling.connect(durable=Durable(name="slow"))
async def slow(delivery: Delivery, order: Order, **kwargs: Any) -> None:
    """Records that it started; hangs while the ``stall`` flag exists."""
    await _record(delivery, order, note="started")
    for _ in range(2_000):  # at most 100 s
        if not (flags() / "stall").exists():
            break
        await asyncio.sleep(0.05)
    await _record(delivery, order, note="finished")


bulk = Signal(["number"], name="durable_tests.bulk")


def _append(delivery: Delivery) -> None:
    with (flags() / f"bulk-{os.getpid()}.txt").open("a") as out:
        out.write(f"{delivery.event_id} {delivery.receiver}\n")


@bulk.connect(durable=Durable(name="bulk_a"))
async def bulk_a(delivery: Delivery, **kwargs: Any) -> None:
    """Appends the delivery to this process's file (cheaper than a row)."""
    _append(delivery)


@bulk.connect(durable=Durable(name="bulk_b"))
async def bulk_b(delivery: Delivery, **kwargs: Any) -> None:
    """The second receiver of the bulk events."""
    _append(delivery)


def database_config(url: str) -> dict[str, Any]:
    """Tortoise's configuration for the test models on ``url``.

    The connection is named after the dialect: Tortoise caches SQL per
    connection name, and one test process uses both.
    """
    name = "sqlite" if url.startswith("sqlite") else "postgres"
    return {
        "connections": {name: url},
        "apps": {"models": {"models": ["tests.durable.models"], "default_connection": name}},
    }


@asynccontextmanager
async def setup() -> AsyncIterator[None]:
    """What ``worker --setup tests.durable.app:setup`` enters."""
    await Tortoise.init(config=database_config(os.environ["DURABLE_TEST_DB"]))
    install()
    configure(
        DatabaseTransport(), visibility=float(os.environ.get("DURABLE_TEST_VISIBILITY", "60"))
    )
    try:
        yield
    finally:
        configure(None)
        await Tortoise.close_connections()
