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
import time
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

__all__ = [
    "failing",
    "in_order_runs",
    "load",
    "ordered",
    "placed",
    "runs_of",
    "setup",
    "stalling",
]

load = Signal(["n"], name="redis_tests.load")
ordered = Signal(["key", "n"], name="redis_tests.ordered")

_files: dict[str, int] = {}


def _write(kind: str, line: str) -> None:
    name = f"{kind}-{os.getpid()}.txt"
    if name not in _files:
        path = Path(os.environ["DURABLE_TEST_FLAGS"]) / name
        _files[name] = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND)
    # One write per run, unbuffered: what a SIGKILL interrupts is lost whole.
    os.write(_files[name], f"{line}\n".encode())


def _note(delivery: Delivery) -> None:
    _write("runs", f"{delivery.event_id} {delivery.receiver} {os.getpid()}")


@load.connect(durable=Durable(name="first"))
async def first(n: int, delivery: Delivery, **kwargs: Any) -> None:
    """Notes each run."""
    _note(delivery)


@load.connect(durable=Durable(name="second"))
async def second(n: int, delivery: Delivery, **kwargs: Any) -> None:
    """A second receiver of the same events."""
    _note(delivery)


@ordered.connect(durable=Durable(name="in_order", order_key=lambda key, **kwargs: key))
async def in_order(key: str, n: int, delivery: Delivery, **kwargs: Any) -> None:
    """Notes when it ran the ``n``-th event of ``key``."""
    _write("ordered", f"{key} {n} {time.time_ns()}")


def _lines(flags: Path, kind: str) -> list[list[str]]:
    lines: list[list[str]] = []
    for path in sorted(flags.glob(f"{kind}-*.txt")):
        *complete, _ = path.read_text().split("\n")  # the last one may be half written
        lines += [line.split() for line in complete]
    return lines


def in_order_runs(flags: Path) -> dict[str, list[int]]:
    """Key -> the ``n`` of its ``in_order`` runs, in the order they ran."""
    runs = sorted(_lines(flags, "ordered"), key=lambda line: int(line[2]))
    by_key: dict[str, list[int]] = {}
    for key, n, _ in runs:
        by_key.setdefault(key, []).append(int(n))
    return by_key


def runs_of(flags: Path) -> list[tuple[str, str, int]]:
    """Every ``(event_id, receiver, pid)`` the ``load`` receivers noted."""
    return [(event_id, receiver, int(pid)) for event_id, receiver, pid in _lines(flags, "runs")]


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
