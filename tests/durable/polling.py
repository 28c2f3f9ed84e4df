"""Waiting, bounded, for what worker processes write into the test database."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

from .models import Ran


async def wait_until(check: Callable[[], Awaitable[bool]], limit: float, what: str) -> None:
    """Poll ``check`` every 20 ms until it holds; fail after ``limit`` seconds."""
    deadline = time.monotonic() + limit
    while not await check():
        if time.monotonic() > deadline:
            raise AssertionError(f"Waited {limit} s for {what}.")
        await asyncio.sleep(0.02)


async def wait_for_runs(count: int, limit: float, **filters: object) -> None:
    """Wait until ``Ran`` holds at least ``count`` rows matching ``filters``."""

    async def enough() -> bool:
        return await Ran.filter(**filters).count() >= count

    await wait_until(enough, limit, f"{count} receiver runs ({filters or 'any'})")
