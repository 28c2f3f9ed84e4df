"""One side of the Tortoise benchmark, in a process of its own.

``python -m benchmarks.orm_worker plain`` runs plain Tortoise ORM: fastdjango
is never imported, so nothing of it can slow the baseline down.
``python -m benchmarks.orm_worker fastdjango`` runs the same models after
``install()``. Both read one command per line on stdin (``create 500 0``:
operation, iterations, receiver or not) and answer the CPU time
(``time.process_time_ns``, every thread of the process: SQLite works in a
thread of its own) the iterations took, in nanoseconds. Only the operation
is timed: the rows a delete needs are made before the clock starts, and the
receiver is connected before and disconnected after.
"""

from __future__ import annotations

import asyncio
import gc
import sys
import time
from collections.abc import Awaitable, Callable
from typing import Any

from tortoise import Tortoise, fields
from tortoise.models import Model

ROWS_PER_LOAD = 20


class Item(Model):
    """The model every operation works on."""

    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=50)
    price = fields.IntField(default=0)


class Label(Model):
    """The other side of ``Item.labels``-style links (m2m operations)."""

    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=50)
    items: fields.ManyToManyRelation[Tagged] = fields.ManyToManyField(
        "models.Tagged", related_name="labels"
    )


class Tagged(Model):
    """Rows linked to labels."""

    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=50)
    labels: fields.ManyToManyRelation[Label]


Operation = Callable[[int], Awaitable[int]]


def _timed(start: int) -> int:
    return time.process_time_ns() - start


async def create(number: int) -> int:
    """``await Item.create(...)``, ``number`` times."""
    start = time.process_time_ns()
    for _ in range(number):
        await Item.create(name="item", price=1)
    return _timed(start)


async def save(number: int) -> int:
    """``await item.save()`` of one existing row, ``number`` times."""
    item = await Item.create(name="item", price=1)
    start = time.process_time_ns()
    for _ in range(number):
        await item.save()
    return _timed(start)


async def delete(number: int) -> int:
    """``await item.delete()`` of ``number`` rows made before the clock starts."""
    items = [await Item.create(name="doomed") for _ in range(number)]
    start = time.process_time_ns()
    for item in items:
        await item.delete()
    return _timed(start)


async def load(number: int) -> int:
    """``await Item.all().limit(20)``, ``number`` times (20 rows each)."""
    while await Item.all().count() < ROWS_PER_LOAD:
        await Item.create(name="row", price=2)
    query = Item.all().limit(ROWS_PER_LOAD)
    start = time.process_time_ns()
    for _ in range(number):
        await query
    return _timed(start)


async def m2m(number: int) -> int:
    """``add`` then ``remove`` of one link, ``number`` times."""
    label = await Label.create(name="label")
    tagged = await Tagged.create(name="tagged")
    start = time.process_time_ns()
    for _ in range(number):
        await label.items.add(tagged)
        await label.items.remove(tagged)
    return _timed(start)


OPERATIONS: dict[str, Operation] = {
    "create": create,
    "save": save,
    "delete": delete,
    "load": load,
    "m2m": m2m,
}


def _receivers() -> dict[str, Callable[[], Callable[[], None]]]:
    """Per operation: connect one receiver, returning how to disconnect it."""
    from fastdjango.core.signals import m2m_changed, post_delete, post_init, post_save

    async def on_signal(sender: Any, **kwargs: Any) -> None:
        pass

    def on_init(sender: Any, **kwargs: Any) -> None:
        pass

    def connect(signal: Any, receiver: Any) -> Callable[[], Callable[[], None]]:
        def do() -> Callable[[], None]:
            signal.connect(receiver, weak=False)
            return lambda: signal.disconnect(receiver)

        return do

    return {
        "create": connect(post_save, on_signal),
        "save": connect(post_save, on_signal),
        "delete": connect(post_delete, on_signal),
        "load": connect(post_init, on_init),
        "m2m": connect(m2m_changed, on_signal),
    }


async def serve(kind: str) -> None:
    """Answer commands until stdin closes."""
    await Tortoise.init(db_url="sqlite://:memory:", modules={"models": [__name__]})
    await Tortoise.generate_schemas()
    receivers: dict[str, Callable[[], Callable[[], None]]] = {}
    if kind == "fastdjango":
        from fastdjango.contrib.tortoise import install

        install()
        receivers = _receivers()
    try:
        print("ready", flush=True)
        await _answer(receivers)
    finally:
        # An open SQLite connection's thread would keep the process alive.
        await Tortoise.close_connections()


async def _answer(receivers: dict[str, Callable[[], Callable[[], None]]]) -> None:
    for line in sys.stdin:
        name, number, with_receiver = line.split()
        disconnect = receivers[name]() if with_receiver == "1" and name in receivers else None
        gc.collect()
        gc.disable()
        try:
            elapsed = await OPERATIONS[name](int(number))
        finally:
            gc.enable()
            if disconnect is not None:
                disconnect()
        print(elapsed if with_receiver != "1" or disconnect else "missing", flush=True)


if __name__ == "__main__":
    if sys.argv[1:] not in (["plain"], ["fastdjango"]):
        raise SystemExit("usage: python -m benchmarks.orm_worker plain|fastdjango")
    asyncio.run(serve(sys.argv[1]))
