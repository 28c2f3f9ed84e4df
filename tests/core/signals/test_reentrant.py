"""Runaway re-entrant sends stop, and concurrent failures lose no exception."""

from __future__ import annotations

import asyncio
import gc
import logging
from typing import Any

import pytest

from fastdjango.core.signals import Signal
from fastdjango.core.signals._concurrency import CONCURRENT_DEPTH_LIMIT


class Boom(Exception):
    pass


@pytest.mark.parametrize("robust", [False, True], ids=["send", "send_robust"])
async def test_a_runaway_concurrent_send_stops_at_a_bounded_depth(
    robust: bool, caplog: pytest.LogCaptureFixture
) -> None:
    sig = Signal(name="ping", concurrent=True)
    depth = [0]

    async def again(sender: object, **kwargs: Any) -> None:
        depth[0] += 1
        await (sig.send_robust if robust else sig.send)(sender)

    sig.connect(again)
    message = rf"Concurrent sends nested {CONCURRENT_DEPTH_LIMIT} deep, the last of <Signal 'ping'>"
    if robust:  # the deepest receiver fails, is logged, and the others return
        await asyncio.wait_for(sig.send_robust("x"), timeout=20)
        (record,) = [r for r in caplog.records if r.levelno == logging.ERROR]
        assert record.exc_info is not None
        assert isinstance(record.exc_info[1], RecursionError)
    else:
        with pytest.raises(RecursionError, match=message):
            await asyncio.wait_for(sig.send("x"), timeout=20)
    assert depth[0] == CONCURRENT_DEPTH_LIMIT


async def test_a_runaway_sequential_send_stops_with_a_recursion_error() -> None:
    sig = Signal(name="ping")

    async def again(sender: object, **kwargs: Any) -> None:
        await sig.send(sender)

    def again_sync(sender: object, **kwargs: Any) -> None:
        sig.send_sync(sender)

    sig.connect(again)
    with pytest.raises(RecursionError):
        await asyncio.wait_for(sig.send("x"), timeout=20)
    sig.disconnect(again)
    sig.connect(again_sync)
    with pytest.raises(RecursionError):
        sig.send_sync("x")


async def test_cancelling_a_deep_concurrent_send_reaches_every_level() -> None:
    sig = Signal(name="ping", concurrent=True)
    levels = 50
    bottom = asyncio.Event()
    cancelled: list[int] = []

    async def deeper(sender: object, level: int, **kwargs: Any) -> None:
        try:
            if level < levels:
                await sig.send(sender, level=level + 1)
            else:
                bottom.set()
                await asyncio.sleep(3600)
        except asyncio.CancelledError:
            cancelled.append(level)
            raise

    sig.connect(deeper)
    task = asyncio.ensure_future(sig.send("x", level=1))
    await asyncio.wait_for(bottom.wait(), timeout=5)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await asyncio.wait_for(task, timeout=5)
    assert sorted(cancelled) == list(range(1, levels + 1))


async def test_cancelling_a_runaway_concurrent_send_stops_it() -> None:
    sig = Signal(name="ping", concurrent=True)
    calls = [0]
    running = asyncio.Event()

    async def again(sender: object, **kwargs: Any) -> None:
        calls[0] += 1
        if calls[0] == 20:
            running.set()
        await asyncio.sleep(0)
        await sig.send(sender)

    sig.connect(again)
    task = asyncio.ensure_future(sig.send("x"))
    await asyncio.wait_for(running.wait(), timeout=5)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await asyncio.wait_for(task, timeout=5)
    seen = calls[0]
    await asyncio.sleep(0.05)
    assert calls[0] == seen  # nothing is still running


async def test_an_exception_raised_while_being_cancelled_is_logged_not_lost(
    caplog: pytest.LogCaptureFixture,
) -> None:
    sig = Signal(name="orders", concurrent=True)
    loop = asyncio.get_running_loop()
    unretrieved: list[dict[str, Any]] = []
    loop.set_exception_handler(lambda _loop, context: unretrieved.append(context))

    async def fails(sender: object, **kwargs: Any) -> None:
        await asyncio.sleep(0)
        raise Boom("first")

    async def cleanup_fails(sender: object, **kwargs: Any) -> None:
        try:
            await asyncio.sleep(3600)
        except asyncio.CancelledError:
            raise LookupError("while cleaning up") from None

    sig.connect(fails)
    sig.connect(cleanup_fails)
    try:
        with pytest.raises(Boom):
            await sig.send("x")
        gc.collect()
        await asyncio.sleep(0)
    finally:
        loop.set_exception_handler(None)
    assert unretrieved == []
    (record,) = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert "while it was being cancelled" in record.getMessage()
    assert "cleanup_fails" in record.getMessage()
    assert record.exc_info is not None
    assert isinstance(record.exc_info[1], LookupError)
