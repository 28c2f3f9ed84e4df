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
        self._waiters: list[asyncio.Future[None]] = []
        self._tasks: set[asyncio.Task[None]] = set()

    async def add(self, item: T) -> None:
        """Add ``item`` to the next batch and wait until that batch is settled.

        Each add waits on a future of its own: cancelling one does not
        cancel the others of its batch.
        """
        loop = asyncio.get_running_loop()
        if not self._items:
            loop.call_soon(self._start)
        waiter: asyncio.Future[None] = loop.create_future()
        self._items.append(item)
        self._waiters.append(waiter)
        await waiter

    def _start(self) -> None:
        items, waiters = self._items, self._waiters
        self._items, self._waiters = [], []
        task = asyncio.get_running_loop().create_task(self._run(items, waiters))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _run(self, items: list[T], waiters: list[asyncio.Future[None]]) -> None:
        try:
            await self._settle(items)
        except Exception as exc:
            for waiter in waiters:
                if not waiter.done():
                    waiter.set_exception(exc)
        else:
            for waiter in waiters:
                if not waiter.done():
                    waiter.set_result(None)
