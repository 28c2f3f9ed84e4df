"""Trimming streams beside the reads, never in their way.

A trim takes three round trips (the groups, their pending entries, the
trims); made inside a claim it would delay the deliveries that claim hands
out. A :class:`Trimmer` runs one trim at a time in a task of its own on the
same client; a claim only starts it when one is due.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

from ._connection import UNREACHABLE

__all__ = ["Trimmer"]

logger = logging.getLogger("fastdjango.contrib.redis")


class Trimmer:
    """Runs trims in the background, one at a time."""

    def __init__(self) -> None:
        self._task: asyncio.Task[None] | None = None

    @property
    def running(self) -> bool:
        """Whether a trim is under way."""
        return self._task is not None and not self._task.done()

    def start(self, trim: Callable[[], Awaitable[int]]) -> None:
        """Run ``trim()`` in a task, unless a trim is still under way."""
        if not self.running:
            self._task = asyncio.get_running_loop().create_task(self._run(trim))

    async def _run(self, trim: Callable[[], Awaitable[int]]) -> None:
        try:
            await trim()
        except UNREACHABLE:
            pass  # the next claim meets the lost connection, backs off and logs it
        except Exception as exc:  # a trim left undone only keeps entries longer
            logger.warning("Could not trim streams: %s: %s", type(exc).__name__, exc)

    async def stop(self) -> None:
        """Cancel a trim under way and wait for it."""
        task, self._task = self._task, None
        if task is not None and not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
