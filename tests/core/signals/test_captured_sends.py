"""A send taken from a signal and kept: it sees every change and sends fast."""

from __future__ import annotations

import asyncio
import functools
import inspect
from collections.abc import Callable
from typing import Any

import pytest

from fastdjango import dispatch
from fastdjango.core.signals import Signal
from tests.support.send_paths import counting_complete_path, is_specialised

from .conftest import make_async_receiver, make_sync_receiver

METHODS = ["send", "send_robust", "asend", "asend_robust", "send_sync", "send_robust_sync"]


async def call(fire: Callable[..., Any], sender: object = "shop") -> list[Any]:
    result = fire(sender, order=1)
    responses = await result if inspect.isawaitable(result) else result
    return [response for _, response in responses]


@pytest.mark.parametrize("method", METHODS)
async def test_a_send_captured_before_any_connection_sees_later_connections(method: str) -> None:
    sig = Signal()
    fire = getattr(sig, method)  # nothing connected, nothing sent yet
    assert await call(fire) == []
    first = make_sync_receiver([], result="first")
    sig.connect(first)
    assert await call(fire) == ["first"]
    second = make_sync_receiver([], result="second")
    sig.connect(second)
    assert await call(fire) == ["first", "second"]
    sig.disconnect(second)
    assert await call(fire) == ["first"]


@pytest.mark.parametrize("method", METHODS)
async def test_a_captured_send_takes_the_fast_path_once_it_is_built(
    method: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    sig = Signal()
    first, second = make_sync_receiver([], result=1), make_sync_receiver([], result=2)
    sig.connect(first)
    fire = getattr(sig, method)  # captured before the first send
    with counting_complete_path(monkeypatch) as complete:
        for _ in range(5):
            assert await call(fire) == [1]
        assert complete.of(sig) == 1  # the first send built the fast path
        assert is_specialised(sig)
        sig.connect(second)
        for _ in range(5):
            assert await call(fire) == [1, 2]
        assert complete.of(sig) == 2  # once more after the change, then fast again


async def test_partials_and_tasks_of_a_send_take_the_fast_path(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    sig = Signal()
    log: list[object] = []
    receivers = [make_async_receiver(log, "async"), make_sync_receiver(log, "sync")]
    for rec in receivers:
        sig.connect(rec)
    order_placed = functools.partial(sig.send, "shop", order=1)
    with counting_complete_path(monkeypatch) as complete:
        for _ in range(3):
            await order_placed()
            await asyncio.create_task(sig.send("shop", order=1))
        assert complete.of(sig) == 1
    assert log == ["async", "sync"] * 6


async def test_a_captured_sync_send_with_async_receivers_runs_them_off_the_loop() -> None:
    sig = Signal()
    log: list[object] = []
    fire = sig.send_sync
    rec = make_async_receiver(log, "async", result="done")
    sig.connect(rec)

    def in_thread() -> list[Any]:
        return [response for _, response in fire("shop")]

    for _ in range(2):
        assert await asyncio.to_thread(in_thread) == ["done"]
    assert log == ["async", "async"]
    with pytest.raises(RuntimeError, match="an event loop is running in this thread"):
        fire("shop")


def test_a_captured_django_send_sees_later_connections(monkeypatch: pytest.MonkeyPatch) -> None:
    pizza_done = dispatch.Signal()
    fire = pizza_done.send
    with counting_complete_path(monkeypatch) as complete:
        assert fire(sender="kitchen") == []
        rec = make_sync_receiver([], result="eaten")
        pizza_done.connect(rec)
        for _ in range(3):
            assert fire(sender="kitchen") == [(rec, "eaten")]
        assert complete.of(pizza_done) == 2  # one refresh before and one after the connect


async def test_a_subclass_overriding_send_is_called_on_every_send() -> None:
    calls: list[object] = []

    class Audited(Signal):
        async def send(self, sender: Any, **named: Any) -> list[tuple[Any, Any]]:
            calls.append(sender)
            return await super().send(sender, **named)

    sig = Audited()
    rec = make_sync_receiver([], result=1)
    sig.connect(rec)
    for sender in ("first", "second", "third"):
        assert await call(sig.send, sender) == [1]
    assert calls == ["first", "second", "third"]
