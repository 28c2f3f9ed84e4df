"""Durable connections: what the dispatcher does with ``durable=...``.

The durable package validates connections (``fastdjango.durable._connect``)
and records events (``fastdjango.durable._enqueue``); here both are honest
stand-ins put in ``sys.modules`` that record what they are given, so these
tests pin the dispatcher's half of the contract.
"""

from __future__ import annotations

import asyncio
import gc
import importlib
import sys
import types
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import Any

import pytest

from fastdjango import dispatch
from fastdjango.core.signals import Signal, receiver
from tests.support.send_paths import is_specialised

from .conftest import Send, make_async_receiver, make_sync_receiver

CONNECT, ENQUEUE = "fastdjango.durable._connect", "fastdjango.durable._enqueue"


@dataclass(frozen=True)
class Spec:
    name: str
    options: object


@dataclass
class Enqueued:
    event_id: int
    receiver: str


@dataclass
class DurableStandIn:
    """Records prepare() and enqueue() calls; refuses what the real one refuses."""

    prepared: list[tuple[Signal, Callable[..., Any], object, Hashable, object]] = field(
        default_factory=list
    )
    enqueued: list[tuple[Signal, object, dict[str, Any], tuple[Spec, ...]]] = field(
        default_factory=list
    )
    events: list[str] = field(default_factory=list)
    failure: BaseException | None = None
    short: bool = False

    def prepare(
        self,
        signal: Signal,
        receiver: Callable[..., Any],
        durable: object,
        dispatch_uid: Hashable,
        sender: object,
    ) -> Spec:
        if durable is not True and not isinstance(durable, dict):
            raise TypeError(f"durable must be True or options, got {durable!r}.")
        name = getattr(receiver, "__qualname__", "")
        if dispatch_uid is None and "<lambda>" in name:
            raise ValueError(f"{receiver!r} has no name a worker could find.")
        self.prepared.append((signal, receiver, durable, dispatch_uid, sender))
        return Spec(str(dispatch_uid or name), durable)

    async def enqueue(
        self, signal: Signal, sender: object, named: dict[str, Any], specs: tuple[Spec, ...]
    ) -> list[Enqueued]:
        self.events.append("enqueue")
        self.enqueued.append((signal, sender, dict(named), specs))
        if self.failure is not None:
            raise self.failure
        await asyncio.sleep(0)  # a real transport awaits its writes
        responses = [Enqueued(len(self.enqueued), spec.name) for spec in specs]
        return responses[1:] if self.short else responses


@pytest.fixture
def durable(monkeypatch: pytest.MonkeyPatch) -> DurableStandIn:
    stand_in = DurableStandIn()
    connect_module = types.ModuleType(CONNECT)
    connect_module.prepare = stand_in.prepare  # type: ignore[attr-defined]
    enqueue_module = types.ModuleType(ENQUEUE)
    enqueue_module.enqueue = stand_in.enqueue  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, CONNECT, connect_module)
    monkeypatch.setitem(sys.modules, ENQUEUE, enqueue_module)
    assert importlib.import_module(ENQUEUE) is enqueue_module
    return stand_in


def mail(sender: object, **kwargs: Any) -> str:
    raise AssertionError("a durable receiver is never called by the send")


async def index(sender: object, **kwargs: Any) -> str:
    raise AssertionError("a durable receiver is never called by the send")


def test_connect_prepares_the_connection_and_keeps_its_spec(durable: DurableStandIn) -> None:
    sig = Signal()
    plain = make_sync_receiver([])
    sig.connect(mail, sender="orders", durable=True, dispatch_uid="mail")
    sig.connect(plain)
    assert durable.prepared == [(sig, mail, True, "mail", "orders")]
    by_receiver = {conn.ref(): conn.durable for conn in sig.connections()}
    assert by_receiver == {mail: Spec("mail", True), plain: None}


def test_every_way_of_connecting_passes_durable_through(durable: DurableStandIn) -> None:
    one, two = Signal(), Signal()

    @one.connect(durable=True)
    def by_method(sender: object, **kwargs: Any) -> None: ...

    @receiver([one, two], durable={"max_attempts": 3})
    def by_decorator(sender: object, **kwargs: Any) -> None: ...

    @dispatch.receiver(two, sender="x", durable=True)
    def by_dispatch(sender: object, **kwargs: Any) -> None: ...

    assert [(rec.__name__, options, sender) for _, rec, options, _, sender in durable.prepared] == [
        ("by_method", True, None),
        ("by_decorator", {"max_attempts": 3}, None),
        ("by_decorator", {"max_attempts": 3}, None),
        ("by_dispatch", True, "x"),
    ]
    assert all(conn.durable is not None for sig in (one, two) for conn in sig.connections())


def test_a_durable_receiver_is_held_strongly(durable: DurableStandIn) -> None:
    sig = Signal()

    def make() -> Callable[..., Any]:
        def local(sender: object, **kwargs: Any) -> None: ...

        return local

    sig.connect(make(), durable=True)  # weak=True by default: ignored
    gc.collect()
    (conn,) = sig.connections()
    assert conn.durable is not None
    assert not conn.weak
    assert conn.ref() is not None


@pytest.mark.parametrize(
    ("options", "error"), [("yes", TypeError), (True, ValueError)], ids=["type", "value"]
)
def test_a_refused_durable_connection_propagates_and_connects_nothing(
    durable: DurableStandIn, options: object, error: type[Exception]
) -> None:
    sig = Signal()
    with pytest.raises(error):
        sig.connect(lambda sender, **kwargs: None, durable=options)
    assert sig.connections() == []


def test_durable_and_on_commit_together_is_refused(durable: DurableStandIn) -> None:
    sig = Signal()
    with pytest.raises(ValueError, match=r"already published only when .* drop on_commit=True"):
        sig.connect(mail, durable=True, on_commit=True)
    assert sig.connections() == []
    assert durable.prepared == []


async def test_a_send_enqueues_before_any_receiver_and_returns_the_events_in_order(
    durable: DurableStandIn, send: Send
) -> None:
    sig = Signal()
    log: list[Any] = durable.events
    first, last = (
        make_sync_receiver(log, "first", result=1),
        make_async_receiver(log, "last", result=3),
    )
    sig.connect(first, priority=2)
    sig.connect(mail, durable=True, priority=1)
    sig.connect(last)
    sig.connect(index, durable=True, dispatch_uid="index")
    for _ in range(2):  # the second send as the first: no specialised path
        responses = await send(sig, "shop", order=7)
        assert [response for _, response in responses] == [
            1,
            Enqueued(len(durable.enqueued), "mail"),
            3,
            Enqueued(len(durable.enqueued), "index"),
        ]
        assert [rec for rec, _ in responses] == [first, mail, last, index]
    assert log == ["enqueue", "first", "last"] * 2
    assert durable.enqueued[0] == (
        sig,
        "shop",
        {"order": 7},
        (Spec("mail", True), Spec("index", True)),
    )
    assert not is_specialised(sig)  # no fast path while durable receivers exist


async def test_only_the_senders_durable_receivers_are_enqueued(durable: DurableStandIn) -> None:
    sig = Signal()
    sig.connect(mail, sender="orders", durable=True)
    sig.connect(index, sender="posts", durable=True)
    assert [r for r, _ in await sig.send("orders")] == [mail]
    assert await sig.send("users") == []
    assert [specs for *_, specs in durable.enqueued] == [(Spec(mail.__qualname__, True),)]


async def test_a_muted_durable_receiver_gets_no_event(durable: DurableStandIn) -> None:
    sig = Signal()
    plain = make_sync_receiver([], result="ran")
    sig.connect(mail, durable=True)
    sig.connect(plain)
    with sig.muted(mail):
        assert await sig.send("x") == [(plain, "ran")]
    assert durable.enqueued == []
    with sig.muted():
        assert await sig.send("x") == []
    assert durable.enqueued == []


@pytest.mark.parametrize("method", ["send", "send_robust"])
async def test_an_enqueue_failure_propagates_before_any_receiver_ran(
    durable: DurableStandIn, method: str
) -> None:
    sig = Signal()
    log: list[Any] = []
    plain = make_sync_receiver(log, "plain")
    sig.connect(plain, priority=1)
    sig.connect(mail, durable=True)
    durable.failure = TypeError("order=<object> cannot travel as JSON")
    with pytest.raises(TypeError, match="cannot travel"):
        await getattr(sig, method)("x", order=object())
    assert log == []


async def test_an_enqueue_answering_for_the_wrong_number_of_specs_is_an_error(
    durable: DurableStandIn,
) -> None:
    sig = Signal(name="orders")
    sig.connect(mail, durable=True)
    durable.short = True
    with pytest.raises(RuntimeError, match=r"returned 0 responses for 1 durable receivers"):
        await sig.send("x")


async def test_a_concurrent_signal_enqueues_too(durable: DurableStandIn) -> None:
    sig = Signal(concurrent=True)
    ran = make_async_receiver([], result="ran")
    sig.connect(mail, durable=True)
    sig.connect(ran)
    responses = await sig.send("x")
    assert [response for _, response in responses] == [Enqueued(1, mail.__qualname__), "ran"]


def test_a_sync_send_with_a_durable_receiver_runs_an_event_loop(durable: DurableStandIn) -> None:
    sig = Signal()
    sig.connect(mail, durable=True)
    assert sig.send_sync("x") == [(mail, Enqueued(1, mail.__qualname__))]
    assert sig.send_robust_sync("x") == [(mail, Enqueued(2, mail.__qualname__))]


async def test_a_sync_send_with_a_durable_receiver_inside_a_loop_says_use_await(
    durable: DurableStandIn,
) -> None:
    sig = Signal()
    sig.connect(mail, durable=True)
    for method in (sig.send_sync, sig.send_robust_sync):
        with pytest.raises(RuntimeError, match=r"use 'await signal\.send"):
            method("x")
    assert durable.enqueued == []


async def test_a_send_without_durable_receivers_imports_nothing_durable(
    durable: DurableStandIn, monkeypatch: pytest.MonkeyPatch, send: Send
) -> None:
    sig = Signal()
    plain = make_sync_receiver([], result="ran")
    sig.connect(plain)
    sig.connect(mail, sender="other", durable=True)
    monkeypatch.setitem(sys.modules, ENQUEUE, None)  # importing it would fail
    assert await send(sig, "x") == [(plain, "ran")]
    assert durable.enqueued == []


async def test_disconnecting_the_durable_receiver_restores_the_fast_path(
    durable: DurableStandIn,
) -> None:
    sig = Signal()
    sig.connect(mail, durable=True)
    await sig.send("x")
    assert not is_specialised(sig)
    assert sig.disconnect(mail)
    assert await sig.send("x") == []
    assert is_specialised(sig)
