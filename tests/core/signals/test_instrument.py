"""The instrumentation hook: context managers around sends and receiver calls."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from typing import Any

import pytest

from fastdjango.core.signals import Signal
from fastdjango.core.signals._instrument import set_instrumentation
from tests.support.send_paths import is_specialised

from .conftest import Send, make_async_receiver, make_sync_receiver


class Boom(Exception):
    pass


@dataclass
class Recorder:
    """Records what a tracer would see: spans opened, closed, and their errors."""

    events: list[tuple[Any, ...]] = field(default_factory=list)
    tasks: dict[str, asyncio.Task[Any] | None] = field(default_factory=dict)

    def send(self, signal: Signal, sender: object, receivers: int) -> AbstractContextManager[None]:
        return self._span(("send", signal.name, sender, receivers))

    def receiver(
        self, signal: Signal, receiver: Callable[..., Any]
    ) -> AbstractContextManager[None]:
        label = getattr(receiver, "label", receiver.__name__)
        try:
            self.tasks[label] = asyncio.current_task()
        except RuntimeError:
            self.tasks[label] = None
        return self._span(("receiver", signal.name, label))

    @contextmanager
    def _span(self, what: tuple[Any, ...]) -> Iterator[None]:
        self.events.append(("enter", *what))
        try:
            yield
        except BaseException as exc:
            self.events.append(("exit", *what, type(exc).__name__))
            raise
        self.events.append(("exit", *what, None))


@pytest.fixture
def recorder() -> Iterator[Recorder]:
    inst = Recorder()
    set_instrumentation(inst)
    try:
        yield inst
    finally:
        set_instrumentation(None)


def labelled(func: Callable[..., Any], label: str) -> Callable[..., Any]:
    func.label = label  # type: ignore[attr-defined]
    return func


async def test_every_send_and_receiver_call_is_wrapped(recorder: Recorder, send: Send) -> None:
    sig = Signal(name="orders")
    log: list[Any] = []
    one = labelled(make_sync_receiver(log, result=1), "one")
    two = labelled(make_async_receiver(log, result=2), "two")
    sig.connect(one)
    sig.connect(two)
    for _ in range(2):  # also once the signal was refreshed: no doors
        assert await send(sig, "shop") == [(one, 1), (two, 2)]
    span = ("send", "orders", "shop", 2)
    assert (
        recorder.events
        == [
            ("enter", *span),
            ("enter", "receiver", "orders", "one"),
            ("exit", "receiver", "orders", "one", None),
            ("enter", "receiver", "orders", "two"),
            ("exit", "receiver", "orders", "two", None),
            ("exit", *span, None),
        ]
        * 2
    )
    assert "send" not in sig.__dict__


@pytest.mark.parametrize("robust", [False, True], ids=["send", "send_robust"])
async def test_the_receiver_span_sees_the_receivers_exception(
    recorder: Recorder, robust: bool, caplog: pytest.LogCaptureFixture
) -> None:
    sig = Signal(name="orders")
    failing = labelled(make_async_receiver([], error=Boom("no stock")), "failing")
    sig.connect(failing)
    if robust:
        responses = await sig.send_robust("shop")
        assert isinstance(responses[0][1], Boom)
    else:
        with pytest.raises(Boom):
            await sig.send("shop")
    outcome = None if robust else "Boom"
    assert recorder.events[-2:] == [
        ("exit", "receiver", "orders", "failing", "Boom"),
        ("exit", "send", "orders", "shop", 1, outcome),
    ]


async def test_a_send_reaching_no_receiver_is_not_wrapped(recorder: Recorder) -> None:
    sig = Signal(name="orders")
    rec = make_sync_receiver([])
    sig.connect(rec, sender="posts")
    assert await sig.send("users") == []
    with sig.muted(rec):
        assert await sig.send("posts") == []
    assert sig.send_sync("users") == []
    assert recorder.events == []


async def test_the_receiver_count_is_after_mutes_and_sender_filtering(recorder: Recorder) -> None:
    sig = Signal(name="orders")
    receivers = [make_sync_receiver([]) for _ in range(3)]
    sig.connect(receivers[0])
    sig.connect(receivers[1], sender="posts")
    sig.connect(receivers[2], sender="posts")
    with sig.muted(receivers[1]):
        await sig.send("posts")
    await sig.send("users")
    sends = [event[4] for event in recorder.events if event[:2] == ("enter", "send")]
    assert sends == [2, 1]


async def test_a_concurrent_receivers_span_is_entered_inside_its_task(recorder: Recorder) -> None:
    sig = Signal(name="orders", concurrent=True)
    seen: dict[str, asyncio.Task[Any] | None] = {}

    async def slow(sender: object, **kwargs: Any) -> None:
        seen["slow"] = asyncio.current_task()
        await asyncio.sleep(0)

    async def quick(sender: object, **kwargs: Any) -> None:
        seen["quick"] = asyncio.current_task()

    sig.connect(slow)
    sig.connect(quick)
    await sig.send("shop")
    here = asyncio.current_task()
    assert recorder.tasks == seen
    assert len({here, *seen.values()}) == 3
    assert recorder.events[0][:2] == ("enter", "send")
    assert recorder.events[-1][:2] == ("exit", "send")


async def test_a_sync_send_that_must_await_in_a_running_loop_opens_no_span(
    recorder: Recorder,
) -> None:
    sig = Signal(name="orders")
    rec = make_async_receiver([])
    sig.connect(rec)
    with pytest.raises(RuntimeError, match=r"use 'await signal\.send"):
        sig.send_sync("shop")
    assert recorder.events == []


def test_a_sync_send_outside_a_loop_is_wrapped(recorder: Recorder) -> None:
    sig = Signal(name="orders")
    sync = labelled(make_sync_receiver([], result=1), "sync")
    both = labelled(make_async_receiver([], result=2), "async")
    sig.connect(sync)
    assert sig.send_sync("shop") == [(sync, 1)]
    sig.connect(both)
    assert sig.send_robust_sync("shop") == [(sync, 1), (both, 2)]
    entered = [event[1:] for event in recorder.events if event[0] == "enter"]
    assert entered == [
        ("send", "orders", "shop", 1),
        ("receiver", "orders", "sync"),
        ("send", "orders", "shop", 2),
        ("receiver", "orders", "sync"),
        ("receiver", "orders", "async"),
    ]


async def test_instrumenting_leaves_the_fast_path_and_uninstrumenting_restores_it() -> None:
    sig = Signal(name="orders")
    rec = make_sync_receiver([], result=1)
    sig.connect(rec)
    fire = sig.send  # a send captured before instrumenting
    await sig.send("shop")
    assert is_specialised(sig)
    inst = Recorder()
    set_instrumentation(inst)
    try:
        assert not is_specialised(sig)
        assert await fire("shop") == [(rec, 1)]  # the captured send is traced too
        assert await sig.send("shop") == [(rec, 1)]
        assert not is_specialised(sig)
    finally:
        set_instrumentation(None)
    assert len([e for e in inst.events if e[:2] == ("enter", "send")]) == 2
    assert await sig.send("shop") == [(rec, 1)]
    assert is_specialised(sig)
    assert len(inst.events) == 8  # nothing recorded once removed


def test_an_instrumentation_without_the_methods_is_refused() -> None:
    with pytest.raises(TypeError, match=r"needs callable send\(\) and receiver\(\).*no receiver"):
        set_instrumentation(type("Half", (), {"send": lambda self: None})())
