"""Later sends (which reuse what the first one prepared) behave like the first."""

from __future__ import annotations

import gc
import inspect
import logging
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from fastdjango.core.signals import Signal, commit_scope
from fastdjango.core.signals._mute import usage

from .conftest import MakeReceiver, Send, send_robust_async, send_robust_sync_in_thread
from .kinds import Handler


@pytest.fixture(autouse=True)
def never_muted() -> Iterator[None]:
    """Start as a process where nothing was muted yet.

    Sends specialise themselves for the current receivers, and skip the mute
    check until the first mute anywhere in the process; other tests mute, so
    reset that here and afterwards restore it for every signal.
    """
    was_used = usage.used
    usage.used = False
    yield
    if was_used:
        usage.first_use()


class Boom(Exception):
    pass


class Queue:
    def __init__(self) -> None:
        self.calls: list[Callable[[], Any]] = []

    def defer(self, call: Callable[[], Any]) -> None:
        self.calls.append(call)


@pytest.mark.parametrize("sender", [None, "label", Handler], ids=["any", "value", "object"])
@pytest.mark.parametrize(
    "robust_send", [send_robust_async, send_robust_sync_in_thread], ids=["async", "sync"]
)
async def test_every_entry_kind_on_repeated_robust_sends(
    make_receiver: MakeReceiver,
    robust_send: Send,
    sender: object,
    caplog: pytest.LogCaptureFixture,
) -> None:
    sig = Signal()
    log: list[Any] = []
    error = Boom("bad")
    handler = Handler()
    weak = make_receiver(log, "weak", result="weak")
    failing = make_receiver(log, "failing", error=error)
    deferred = make_receiver(log, "deferred")
    strong = make_receiver(log, "strong", result="strong")
    sig.connect(weak, sender=sender)
    sig.connect(handler.on_sync, sender=sender)
    sig.connect(failing)
    sig.connect(deferred, on_commit=True)
    sig.connect(strong, weak=False)
    queue = Queue()
    with caplog.at_level(logging.ERROR, logger="fastdjango.signals"), commit_scope(queue):
        for _ in range(3):
            responses = await robust_send(sig, sender)
            assert [r for _, r in responses] == [
                "weak",
                ("bound_sync", sender, {"signal": sig}),
                error,
                None,
                "strong",
            ]
    assert log == ["weak", "failing", "strong"] * 3
    assert len(queue.calls) == 3
    assert len(caplog.records) == 3


async def test_a_weak_receiver_dying_mid_send_is_skipped_on_later_sends(
    make_receiver: MakeReceiver, send: Send
) -> None:
    sig = Signal()
    log: list[Any] = []
    handler: dict[str, Any] = {"method": Handler()}
    holder = {"victim": make_receiver(log, "victim")}
    arm = {"armed": False}

    def killer(sender: object, **kwargs: Any) -> None:
        if arm["armed"]:
            holder.clear()
            handler.clear()
            gc.collect()

    sig.connect(killer)
    sig.connect(holder["victim"], sender="victims")
    sig.connect(handler["method"].on_sync, sender="victims")
    # Warm up from another sender: the victims are never handed out before.
    assert await send(sig, "warm-up") == [(killer, None)]
    assert await send(sig, "warm-up") == [(killer, None)]
    arm["armed"] = True
    assert await send(sig, "victims") == [(killer, None)]
    assert log == []


def test_the_any_sender_default_reads_well_in_help() -> None:
    assert "= ANY_SENDER" in str(inspect.signature(Signal.has_listeners))


async def test_errors_on_repeated_sends(make_receiver: MakeReceiver, send: Send) -> None:
    sig = Signal(name="sig")
    error = Boom("bad")
    fn = make_receiver([], "fn", error=error)
    sig.connect(fn)
    for _ in range(2):
        if send in (send_robust_async, send_robust_sync_in_thread):
            with pytest.raises(TypeError, match="passes 'signal' to receivers itself"):
                await send(sig, None, signal="mine")
        else:
            with pytest.raises(Boom) as caught:
                await send(sig, None)
            assert caught.value is error


@pytest.mark.parametrize("method", ["send", "send_robust", "send_sync", "send_robust_sync"])
@pytest.mark.parametrize("listened", [False, True], ids=["silent", "listened"])
async def test_a_front_door_kept_by_user_code_sees_later_changes(
    method: str, listened: bool
) -> None:
    sig = Signal()

    def first(sender: object, **kwargs: Any) -> str:
        return "first"

    def second(sender: object, **kwargs: Any) -> str:
        return "second"

    if listened:
        sig.connect(first)

    async def fire(door: Callable[..., Any]) -> list[Any]:
        result = door(None)
        responses = await result if inspect.isawaitable(result) else result
        return [response for _, response in responses]

    await fire(getattr(sig, method))  # the first send prepares the fast path
    kept = getattr(sig, method)  # what `fire = sig.send` keeps
    sig.connect(second)
    assert await fire(kept) == (["first", "second"] if listened else ["second"])
    sig.disconnect(second)
    await fire(getattr(sig, method))  # new doors, the kept one is older still
    assert await fire(kept) == (["first"] if listened else [])


@pytest.mark.parametrize("method", ["send", "send_sync"])
async def test_alternating_senders_each_get_their_own_receivers(method: str) -> None:
    sig = Signal()

    class First:
        pass

    class Second:
        pass

    def anyone(sender: object, **kwargs: Any) -> str:
        return "anyone"

    def for_first(sender: object, **kwargs: Any) -> str:
        return "first"

    def for_second(sender: object, **kwargs: Any) -> str:
        return "second"

    sig.connect(anyone)
    sig.connect(for_first, sender=First)
    sig.connect(for_second, sender=Second)

    async def fire(sender: object) -> list[Any]:
        result = getattr(sig, method)(sender)
        responses = await result if inspect.isawaitable(result) else result
        return [response for _, response in responses]

    unweakrefable = object()
    for _ in range(3):
        assert await fire(First) == ["anyone", "first"]
        assert await fire(First) == ["anyone", "first"]
        assert await fire(Second) == ["anyone", "second"]
        assert await fire(unweakrefable) == ["anyone"]
        assert await fire("a label") == ["anyone"]
        assert await fire(First) == ["anyone", "first"]
