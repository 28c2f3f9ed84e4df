"""The application the worker and sender subprocesses of the Redis tests run.

It has the durable tests' receivers (``tests.durable.app``: they record runs
in the ``Ran`` table) and two of its own on ``load``, cheap enough for tens of
thousands of events: they append ``event_id receiver pid`` to a file of their
process in ``DURABLE_TEST_FLAGS``. ``setup()`` configures RedisStreams from
the environment: ``REDIS_TEST_URL``, ``REDIS_TEST_PREFIX``,
``DURABLE_TEST_VISIBILITY``, ``REDIS_TEST_RELAY`` (the relay delay) and,
when set, the database ``DURABLE_TEST_DB`` (the outbox and ``Ran``).
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from tortoise import Tortoise

from fastdjango.contrib.redis import RedisStreams
from fastdjango.contrib.tortoise import install
from fastdjango.core.signals import Signal
from fastdjango.durable import Delivery, Durable, configure
from tests.durable.app import database_config, failing, placed, stalling

__all__ = ["failing", "load", "placed", "runs_of", "setup", "stalling"]

load = Signal(["n"], name="redis_tests.load")

_files: dict[int, int] = {}


def _note(delivery: Delivery) -> None:
    pid = os.getpid()
    if pid not in _files:
        path = Path(os.environ["DURABLE_TEST_FLAGS"]) / f"runs-{pid}.txt"
        _files[pid] = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND)
    # One write per run, unbuffered: what a SIGKILL interrupts is lost whole.
    os.write(_files[pid], f"{delivery.event_id} {delivery.receiver} {pid}\n".encode())


@load.connect(durable=Durable(name="first"))
async def first(n: int, delivery: Delivery, **kwargs: Any) -> None:
    """Notes each run."""
    _note(delivery)


@load.connect(durable=Durable(name="second"))
async def second(n: int, delivery: Delivery, **kwargs: Any) -> None:
    """A second receiver of the same events."""
    _note(delivery)


def runs_of(flags: Path) -> list[tuple[str, str, int]]:
    """Every ``(event_id, receiver, pid)`` the ``load`` receivers noted."""
    runs: list[tuple[str, str, int]] = []
    for path in sorted(flags.glob("runs-*.txt")):
        *lines, _ = path.read_text().split("\n")  # the last one may be half written
        for line in lines:
            event_id, receiver, pid = line.split()
            runs.append((event_id, receiver, int(pid)))
    return runs


def transport() -> RedisStreams:
    """The RedisStreams of the environment."""
    return RedisStreams(
        os.environ["REDIS_TEST_URL"], prefix=os.environ["REDIS_TEST_PREFIX"], timeout=1.0
    )


@asynccontextmanager
async def setup() -> AsyncIterator[None]:
    """What ``worker --setup tests.contrib.redis.app:setup`` enters."""
    database = os.environ.get("DURABLE_TEST_DB")
    if database:
        await Tortoise.init(config=database_config(database))
        install()
    streams = transport()
    configure(
        streams,
        visibility=float(os.environ.get("DURABLE_TEST_VISIBILITY", "60")),
        relay_delay=float(os.environ.get("REDIS_TEST_RELAY", "30")),
    )
    try:
        yield
    finally:
        configure(None)
        await streams.close()
        if database:
            await Tortoise.close_connections()
