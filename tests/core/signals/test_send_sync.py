"""send_sync / send_robust_sync: sending from synchronous code."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest

from fastdjango.core.signals import Signal

from .conftest import MakeReceiver, make_async_receiver, make_sync_receiver

AWAIT_INSTEAD = r"has async receivers and an event loop is running in this thread: use 'await"


class Boom(Exception):
    pass


class Stop(BaseException):
    pass


def test_async_receivers_run_to_completion_without_a_running_loop() -> None:
    sig = Signal()
    log: list[Any] = []

    async def slow(sender: object, **kwargs: Any) -> str:
        await asyncio.sleep(0)
        log.append("slow")
        return "done"

    sync = make_sync_receiver(log, "sync", result="sync")
    sig.connect(slow)
    sig.connect(sync)
    assert sig.send_sync("sender") == [(slow, "done"), (sync, "sync")]
    assert sig.send_robust_sync("sender") == [(slow, "done"), (sync, "sync")]
    assert log == ["slow", "sync", "slow", "sync"]


async def test_inside_a_running_loop_async_receivers_are_a_runtime_error_raised() -> None:
    sig = Signal(name="saved")
    log: list[Any] = []
    first = make_sync_receiver(log, "sync first")
    second = make_async_receiver(log, "async")
    sig.connect(first)
    sig.connect(second)
    with pytest.raises(RuntimeError, match=r"<Signal 'saved'> " + AWAIT_INSTEAD):
        sig.send_sync(None)
    with pytest.raises(RuntimeError, match=AWAIT_INSTEAD):
        sig.send_robust_sync(None)
    assert log == []


async def test_inside_a_running_loop_only_sync_receivers_work() -> None:
    sig = Signal()
    log: list[Any] = []
    fn = make_sync_receiver(log, "sync", result=1)
    sig.connect(fn)
    assert sig.send_sync(None) == [(fn, 1)]
    assert sig.send_robust_sync(None) == [(fn, 1)]
    assert log == ["sync", "sync"]


async def test_inside_a_running_loop_async_receivers_of_other_senders_do_not_matter() -> None:
    sig = Signal()
    log: list[Any] = []
    sync, other = make_sync_receiver(log, "sync"), make_async_receiver(log, "other")
    sig.connect(sync)
    sig.connect(other, sender="other")
    assert sig.send_sync("mine") == [(sync, None)]


async def test_inside_a_running_loop_muting_the_async_receivers_makes_a_sync_send_work() -> None:
    sig = Signal()
    log: list[Any] = []
    sync, other = make_sync_receiver(log, "sync"), make_async_receiver(log, "async")
    sig.connect(sync)
    sig.connect(other)
    with sig.muted(other):
        assert sig.send_sync(None) == [(sync, None)]


def test_send_sync_propagates_the_first_exception_unchanged(make_receiver: MakeReceiver) -> None:
    sig = Signal()
    log: list[Any] = []
    error = Boom("bad")
    keep = [make_receiver(log, "failing", error=error), make_receiver(log, "after")]
    for fn in keep:
        sig.connect(fn)
    with pytest.raises(Boom) as caught:
        sig.send_sync(None)
    assert caught.value is error
    assert log == ["failing"]


def test_send_robust_sync_logs_and_returns_exceptions(
    make_receiver: MakeReceiver, caplog: pytest.LogCaptureFixture
) -> None:
    sig = Signal(name="sig")
    log: list[Any] = []
    error = Boom("bad")
    keep = [make_receiver(log, "failing", error=error), make_receiver(log, "after", result=2)]
    for fn in keep:
        sig.connect(fn)
    with caplog.at_level(logging.ERROR, logger="fastdjango.signals"):
        assert sig.send_robust_sync(None) == [(keep[0], error), (keep[1], 2)]
    [record] = caplog.records
    assert record.exc_info is not None
    assert record.exc_info[1] is error
    assert keep[0].__qualname__ in record.getMessage()
    assert "send_robust" in record.getMessage()


def test_send_robust_sync_lets_base_exceptions_through(make_receiver: MakeReceiver) -> None:
    sig = Signal()
    log: list[Any] = []
    keep = [make_receiver(log, "failing", error=Stop()), make_receiver(log, "after")]
    for fn in keep:
        sig.connect(fn)
    with pytest.raises(Stop):
        sig.send_robust_sync(None)
    assert log == ["failing"]


def test_send_sync_leaves_no_event_loop_behind() -> None:
    sig = Signal()
    fn = make_async_receiver([], "async")
    sig.connect(fn)
    sig.send_sync(None)
    with pytest.raises(RuntimeError, match="no running event loop"):
        asyncio.get_running_loop()
