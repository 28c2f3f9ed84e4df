"""Acknowledgements gathered into one round trip.

A worker runs many receivers at once; each acknowledges when it finishes.
Those finishing in the same turn of the event loop share one call to Redis,
and each ``add`` returns only once its own acknowledgement went through.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import Generic, TypeVar

T = TypeVar("T")


class AckBatch(Generic[T]):
    """Collects items and settles them together with ``settle(items)``.

    Arguments:
        settle: awaited with every item added since the last call; an error
            it raises is raised by each ``add`` of that batch.
    """

    def __init__(self, settle: Callable[[Sequence[T]], Awaitable[None]]) -> None:
        self._settle = settle
        self._items: list[T] = []
        self._done: asyncio.Future[None] | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    async def add(self, item: T) -> None:
        """Add ``item`` to the next batch and wait until that batch is settled."""
        if self._done is None:
            loop = asyncio.get_running_loop()
            self._done = loop.create_future()
            loop.call_soon(self._start)
        done = self._done
        self._items.append(item)
        await asyncio.shield(done)

    def _start(self) -> None:
        items, done = self._items, self._done
        self._items, self._done = [], None
        assert done is not None
        task = asyncio.get_running_loop().create_task(self._run(items, done))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _run(self, items: list[T], done: asyncio.Future[None]) -> None:
        try:
            await self._settle(items)
        except Exception as exc:
            done.set_exception(exc)
            done.exception()  # retrieved here too: an add that was cancelled never reads it
        else:
            done.set_result(None)
