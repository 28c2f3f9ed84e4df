"""send / send_robust: calling convention, order, errors, snapshots, context."""

from __future__ import annotations

import asyncio
import contextvars
import gc
import logging
from collections.abc import Callable
from typing import Any

import pytest

from fastdjango.core.signals import Signal

from .conftest import MakeReceiver, Send

LOGGER = "fastdjango.signals"


class User:
    pass


class Boom(Exception):
    pass


class Stop(BaseException):
    """A BaseException that is not an Exception (like KeyboardInterrupt)."""


async def test_receivers_get_signal_sender_and_keyword_arguments(send: Send) -> None:
    sig = Signal(["instance"])
    seen: list[dict[str, Any]] = []

    def fn(**kwargs: Any) -> str:
        seen.append(kwargs)
        return "response"

    responses = await send(sig, User, instance=1, extra="x")
    assert responses == []
    sig.connect(fn)
    responses = await send(sig, User, instance=1, extra="x")
    assert responses == [(fn, "response")]
    assert seen == [{"signal": sig, "sender": User, "instance": 1, "extra": "x"}]


async def test_sender_can_be_given_by_keyword(make_receiver: MakeReceiver) -> None:
    sig = Signal()
    log: list[Any] = []
    fn = make_receiver(log, "fn")
    sig.connect(fn, sender=User)
    await sig.send(sender=User)
    await sig.send_robust(sender=User)
    sig.send_robust_sync(sender="x")
    assert log == ["fn", "fn"]


async def test_responses_follow_receiver_order(make_receiver: MakeReceiver, send: Send) -> None:
    sig = Signal()
    log: list[Any] = []
    receivers = [make_receiver(log, n, result=n * 10) for n in range(4)]
    for fn in receivers:
        sig.connect(fn)
    responses = await send(sig, None)
    assert responses == [(fn, n * 10) for n, fn in enumerate(receivers)]
    assert log == [0, 1, 2, 3]


async def test_async_and_sync_receivers_mix_in_connection_order(send: Send) -> None:
    sig = Signal()
    log: list[Any] = []

    def first(sender: object, **kwargs: Any) -> None:
        log.append("sync")

    async def second(sender: object, **kwargs: Any) -> None:
        log.append("async")

    def third(sender: object, **kwargs: Any) -> None:
        log.append("sync again")

    for fn in (first, second, third):
        sig.connect(fn)
    await send(sig, None)
    assert log == ["sync", "async", "sync again"]


async def test_send_propagates_the_first_exception_unchanged_and_stops(
    make_receiver: MakeReceiver,
) -> None:
    sig = Signal()
    log: list[Any] = []
    error = Boom("first")
    keep = [
        make_receiver(log, "before"),
        make_receiver(log, "failing", error=error),
        make_receiver(log, "after", error=Boom("second")),
    ]
    for fn in keep:
        sig.connect(fn)
    with pytest.raises(Boom) as caught:
        await sig.send(None)
    assert caught.value is error
    assert log == ["before", "failing"]


async def test_send_robust_runs_everyone_and_returns_exceptions(
    make_receiver: MakeReceiver, caplog: pytest.LogCaptureFixture
) -> None:
    sig = Signal(name="order_placed")
    log: list[Any] = []
    error = Boom("no stock")
    fns = [
        make_receiver(log, "ok", result=1),
        make_receiver(log, "failing", error=error),
        make_receiver(log, "after", result=3),
    ]
    for fn in fns:
        sig.connect(fn)
    with caplog.at_level(logging.ERROR, logger=LOGGER):
        responses = await sig.send_robust(None)
    assert responses == [(fns[0], 1), (fns[1], error), (fns[2], 3)]
    assert log == ["ok", "failing", "after"]
    [record] = caplog.records
    assert record.name == LOGGER
    assert record.levelno == logging.ERROR
    assert record.exc_info is not None
    assert record.exc_info[1] is error
    assert fns[1].__qualname__ in record.getMessage()
    assert "<Signal 'order_placed'>" in record.getMessage()
    assert "Boom: no stock" in record.getMessage()
    assert "Traceback" in caplog.text


async def test_send_robust_logs_a_methods_qualified_name(caplog: pytest.LogCaptureFixture) -> None:
    class Mailer:
        async def deliver(self, sender: object, **kwargs: Any) -> None:
            raise Boom("smtp down")

    sig, mailer = Signal(), Mailer()
    sig.connect(mailer.deliver)
    with caplog.at_level(logging.ERROR, logger=LOGGER):
        [(_, response)] = await sig.send_robust(None)
    assert isinstance(response, Boom)
    assert "Mailer.deliver" in caplog.records[0].getMessage()


@pytest.mark.parametrize("error", [Stop(), KeyboardInterrupt(), SystemExit(3)])
async def test_send_robust_lets_base_exceptions_through(
    make_receiver: MakeReceiver, error: BaseException
) -> None:
    sig = Signal()
    log: list[Any] = []
    keep = [make_receiver(log, "failing", error=error), make_receiver(log, "after")]
    for fn in keep:
        sig.connect(fn)
    with pytest.raises(type(error)):
        await sig.send_robust(None)
    assert log == ["failing"]


async def test_positional_arguments_beyond_sender_are_a_type_error() -> None:
    sig = Signal()
    send: Callable[..., Any] = sig.send
    with pytest.raises(TypeError, match="positional argument"):
        await send(User, "instance")
    for front_door in (sig.send_robust, sig.send_sync, sig.send_robust_sync):
        call: Callable[..., Any] = front_door
        with pytest.raises(TypeError, match="positional argument"):
            call(User, "instance")


async def test_a_signal_keyword_argument_is_a_type_error(
    make_receiver: MakeReceiver, send: Send
) -> None:
    sig = Signal(name="saved")
    log: list[Any] = []
    fn = make_receiver(log, "fn")
    sig.connect(fn)
    with pytest.raises(TypeError, match="'signal'"):
        await send(sig, User, signal="mine")
    assert log == []


async def test_send_robust_refuses_a_signal_keyword_argument_before_calling_anyone(
    make_receiver: MakeReceiver, caplog: pytest.LogCaptureFixture
) -> None:
    sig = Signal(name="saved")
    log: list[Any] = []
    fn = make_receiver(log, "fn")
    sig.connect(fn)
    message = r"<Signal 'saved'> passes 'signal' to receivers itself; rename that keyword"
    with pytest.raises(TypeError, match=message):
        await sig.send_robust(User, signal="mine")
    with pytest.raises(TypeError, match=message):
        await asyncio.to_thread(sig.send_robust_sync, User, signal="mine")
    assert log == []
    assert caplog.records == []


async def test_a_receiver_connected_mid_send_runs_from_the_next_send(
    make_receiver: MakeReceiver, send: Send
) -> None:
    sig = Signal()
    log: list[Any] = []
    late = make_receiver(log, "late")

    def connector(sender: object, **kwargs: Any) -> None:
        log.append("connector")
        sig.connect(late)

    sig.connect(connector)
    await send(sig, None)
    assert log == ["connector"]
    await send(sig, None)
    assert log == ["connector", "connector", "late"]


async def test_a_receiver_disconnected_mid_send_is_still_called_by_that_send(
    make_receiver: MakeReceiver, send: Send
) -> None:
    sig = Signal()
    log: list[Any] = []
    victim = make_receiver(log, "victim")

    def disconnector(sender: object, **kwargs: Any) -> None:
        log.append("disconnector")
        sig.disconnect(victim)

    sig.connect(disconnector)
    sig.connect(victim)
    await send(sig, None)
    assert log == ["disconnector", "victim"]
    await send(sig, None)
    assert log == ["disconnector", "victim", "disconnector"]


async def test_a_weak_receiver_dying_mid_send_is_skipped(
    make_receiver: MakeReceiver, send: Send, caplog: pytest.LogCaptureFixture
) -> None:
    sig = Signal(name="sig")
    log: list[Any] = []
    holder = {"victim": make_receiver(log, "victim")}

    def killer(sender: object, **kwargs: Any) -> None:
        log.append("killer")
        holder.clear()
        gc.collect()

    sig.connect(killer)
    sig.connect(holder["victim"])
    sig.connect(survivor := make_receiver(log, "survivor"))
    responses = await send(sig, None)
    assert log == ["killer", "survivor"]
    assert [fn for fn, _ in responses] == [killer, survivor]


VAR: contextvars.ContextVar[str] = contextvars.ContextVar("VAR", default="unset")


async def test_sequential_receivers_and_the_caller_share_context_variables() -> None:
    sig = Signal()
    seen: list[Any] = []

    async def setter(sender: object, **kwargs: Any) -> None:
        VAR.set("from async")

    def reader(sender: object, **kwargs: Any) -> None:
        seen.append(VAR.get())
        VAR.set("from sync")

    sig.connect(setter)
    sig.connect(reader)
    await sig.send(None)
    assert seen == ["from async"]
    assert VAR.get() == "from sync"
    await sig.send_robust(None)
    assert VAR.get() == "from sync"


def test_send_sync_running_async_receivers_without_a_loop_shares_context_variables() -> None:
    sig = Signal()
    seen: list[Any] = []

    async def setter(sender: object, **kwargs: Any) -> None:
        VAR.set("from async")

    def reader(sender: object, **kwargs: Any) -> None:
        seen.append(VAR.get())

    sig.connect(setter)
    sig.connect(reader)
    context = contextvars.copy_context()
    context.run(sig.send_sync, None)
    assert seen == ["from async"]
    assert context[VAR] == "from async"
    context = contextvars.copy_context()
    context.run(sig.send_robust_sync, None)
    assert context[VAR] == "from async"


def test_send_sync_with_only_sync_receivers_shares_context_variables() -> None:
    sig = Signal()

    def setter(sender: object, **kwargs: Any) -> None:
        VAR.set("from sync")

    sig.connect(setter)
    context = contextvars.copy_context()
    context.run(sig.send_sync, None)
    assert context[VAR] == "from sync"
