"""on_commit receivers: handed to the open transaction's queue, if any."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from fastdjango.core.signals import Signal, commit_scope, current_commit_queue

from .conftest import MakeReceiver, Send


class Queue:
    """A transaction's queue, as an ORM integration provides it."""

    def __init__(self) -> None:
        self.calls: list[Callable[[], Any]] = []

    def defer(self, call: Callable[[], Any]) -> None:
        self.calls.append(call)


async def test_on_commit_receivers_run_at_once_without_a_transaction(
    make_receiver: MakeReceiver, send: Send
) -> None:
    sig = Signal()
    log: list[Any] = []
    fn = make_receiver(log, "fn", result="done")
    sig.connect(fn, on_commit=True)
    assert current_commit_queue() is None
    for _ in range(2):  # the first send and the specialised path after it
        assert await send(sig, None) == [(fn, "done")]
    assert log == ["fn", "fn"]


@pytest.mark.parametrize("concurrent", [False, True], ids=["sequential", "concurrent"])
async def test_on_commit_receivers_are_deferred_inside_a_transaction(
    make_receiver: MakeReceiver, send: Send, concurrent: bool
) -> None:
    sig = Signal(concurrent=concurrent)
    log: list[Any] = []
    deferred = make_receiver(log, "deferred", result="later")
    now = make_receiver(log, "now", result="now")
    sig.connect(deferred, on_commit=True)
    sig.connect(now)
    queue = Queue()
    with commit_scope(queue):
        assert current_commit_queue() is queue
        for _ in range(2):
            assert await send(sig, None, extra=1) == [(deferred, None), (now, "now")]
    assert current_commit_queue() is None
    assert log == ["now", "now"]
    results = [call() for call in queue.calls]
    for result in results:
        if not isinstance(result, str):
            assert await result == "later"
        else:
            assert result == "later"
    assert log == ["now", "now", "deferred", "deferred"]


def test_commit_scopes_nest_and_none_means_no_transaction() -> None:
    outer, inner = Queue(), Queue()
    with commit_scope(outer):
        with commit_scope(inner):
            assert current_commit_queue() is inner
            with commit_scope(None):
                assert current_commit_queue() is None
        assert current_commit_queue() is outer
