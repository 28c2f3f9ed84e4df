"""Signal(concurrent=True): async receivers of one send run at the same time."""

from __future__ import annotations

import asyncio
import contextvars
import logging
from typing import Any

import pytest

from fastdjango.core.signals import Signal

VAR: contextvars.ContextVar[str] = contextvars.ContextVar("VAR", default="unset")


class Boom(Exception):
    pass


async def test_receivers_overlap() -> None:
    sig = Signal(concurrent=True)
    first_started, second_started = asyncio.Event(), asyncio.Event()

    async def first(sender: object, **kwargs: Any) -> str:
        first_started.set()
        await second_started.wait()  # deadlocks unless both run at once
        return "first"

    async def second(sender: object, **kwargs: Any) -> str:
        second_started.set()
        await first_started.wait()
        return "second"

    sig.connect(first)
    sig.connect(second)
    responses = await asyncio.wait_for(sig.send(None), timeout=5)
    assert responses == [(first, "first"), (second, "second")]


async def test_results_follow_receiver_order_not_finishing_order() -> None:
    sig = Signal(concurrent=True)
    finished: list[str] = []
    go_slow = asyncio.Event()

    async def slow(sender: object, **kwargs: Any) -> str:
        await go_slow.wait()
        finished.append("slow")
        return "slow"

    def inline(sender: object, **kwargs: Any) -> str:
        finished.append("inline")
        return "inline"

    async def fast(sender: object, **kwargs: Any) -> str:
        finished.append("fast")
        go_slow.set()
        return "fast"

    for fn in (slow, inline, fast):
        sig.connect(fn)
    for front_door in (sig.send, sig.send_robust):
        finished.clear()
        go_slow.clear()
        assert await front_door(None) == [(slow, "slow"), (inline, "inline"), (fast, "fast")]
        assert finished == ["inline", "fast", "slow"]


async def test_the_first_failure_cancels_the_others_and_propagates_unwrapped() -> None:
    sig = Signal(concurrent=True)
    error = Boom("first")
    cancelled = asyncio.Event()
    started = asyncio.Event()

    async def waiter(sender: object, **kwargs: Any) -> None:
        started.set()
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            cancelled.set()
            raise

    async def failing(sender: object, **kwargs: Any) -> None:
        await started.wait()
        raise error

    sig.connect(waiter)
    sig.connect(failing)
    with pytest.raises(Boom) as caught:
        await sig.send(None)
    assert caught.value is error
    assert cancelled.is_set()


async def test_of_simultaneous_failures_the_earliest_receiver_wins() -> None:
    sig = Signal(concurrent=True)
    errors = [Boom("a"), Boom("b")]

    async def first(sender: object, **kwargs: Any) -> None:
        raise errors[0]

    async def second(sender: object, **kwargs: Any) -> None:
        raise errors[1]

    sig.connect(second, priority=-1)
    sig.connect(first)
    with pytest.raises(Boom) as caught:
        await sig.send(None)
    assert caught.value is errors[0]


async def test_a_failing_sync_receiver_cancels_the_async_ones_already_scheduled() -> None:
    sig = Signal(concurrent=True)
    log: list[str] = []

    async def waiter(sender: object, **kwargs: Any) -> None:
        await asyncio.sleep(0)
        log.append("finished")

    def failing(sender: object, **kwargs: Any) -> None:
        raise Boom("sync")

    sig.connect(waiter)
    sig.connect(failing)
    with pytest.raises(Boom, match="sync"):
        await sig.send(None)
    for _ in range(3):
        await asyncio.sleep(0)
    assert log == []


async def test_send_robust_lets_every_receiver_finish(caplog: pytest.LogCaptureFixture) -> None:
    sig = Signal(concurrent=True, name="fanout")
    error, sync_error = Boom("async"), Boom("sync")
    release = asyncio.Event()

    async def failing(sender: object, **kwargs: Any) -> None:
        raise error

    def failing_sync(sender: object, **kwargs: Any) -> None:
        raise sync_error

    async def slow(sender: object, **kwargs: Any) -> str:
        await release.wait()
        return "slow"

    async def releaser(sender: object, **kwargs: Any) -> None:
        await asyncio.sleep(0)
        release.set()

    for fn in (failing, failing_sync, slow, releaser):
        sig.connect(fn)
    with caplog.at_level(logging.ERROR, logger="fastdjango.signals"):
        responses = await sig.send_robust(None)
    assert responses == [
        (failing, error),
        (failing_sync, sync_error),
        (slow, "slow"),
        (releaser, None),
    ]
    assert len(caplog.records) == 2
    assert all(record.exc_info is not None for record in caplog.records)


async def test_send_robust_lets_base_exceptions_through() -> None:
    sig = Signal(concurrent=True)

    class Stop(BaseException):
        pass

    async def stopping(sender: object, **kwargs: Any) -> None:
        raise Stop

    sig.connect(stopping)
    with pytest.raises(Stop):
        await sig.send_robust(None)


async def test_each_async_receiver_runs_in_a_copy_of_the_context() -> None:
    sig = Signal(concurrent=True)
    VAR.set("caller")
    seen: list[str] = []
    first_set = asyncio.Event()

    async def setter(sender: object, **kwargs: Any) -> None:
        VAR.set("setter")
        first_set.set()

    async def reader(sender: object, **kwargs: Any) -> None:
        await first_set.wait()
        seen.append(VAR.get())

    sig.connect(setter)
    sig.connect(reader)
    await sig.send(None)
    assert seen == ["caller"]
    assert VAR.get() == "caller"


async def test_cancelling_the_send_cancels_the_receivers() -> None:
    sig = Signal(concurrent=True)
    started, cancelled = asyncio.Event(), asyncio.Event()

    async def waiter(sender: object, **kwargs: Any) -> None:
        started.set()
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            cancelled.set()
            raise

    sig.connect(waiter)
    task = asyncio.ensure_future(sig.send(None))
    await started.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert cancelled.is_set()


def test_send_sync_without_a_loop_runs_receivers_concurrently() -> None:
    sig = Signal(concurrent=True)
    order: list[str] = []

    async def first(sender: object, **kwargs: Any) -> str:
        order.append("first start")
        await asyncio.sleep(0)
        order.append("first end")
        return "first"

    async def second(sender: object, **kwargs: Any) -> str:
        order.append("second start")
        await asyncio.sleep(0)
        return "second"

    sig.connect(first)
    sig.connect(second)
    assert sig.send_sync(None) == [(first, "first"), (second, "second")]
    assert order[:2] == ["first start", "second start"]


def test_the_concurrent_flag_is_kept() -> None:
    assert Signal(concurrent=True).concurrent is True
    assert Signal().concurrent is False
