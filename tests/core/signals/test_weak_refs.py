"""Weak references: who lives, who dies, and the warning when a closure dies."""

from __future__ import annotations

import functools
import gc
import logging
import subprocess
import sys
import textwrap
import weakref
from collections.abc import Callable
from typing import Any

import pytest

from fastdjango.core.signals import Signal

from .conftest import MakeReceiver, Send
from .kinds import AsyncCallableObject, CallableObject, Handler, labelled

LOGGER = "fastdjango.signals"


class User:
    pass


def warnings_in(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]


@pytest.mark.parametrize("method", ["on_sync", "on_async"])
async def test_a_weakly_connected_bound_method_lives_as_long_as_its_instance(
    method: str, send: Send, caplog: pytest.LogCaptureFixture
) -> None:
    sig = Signal()
    handler = Handler()
    sig.connect(getattr(handler, method), sender=User)
    gc.collect()
    # Called directly: a worker thread's result could outlive the send.
    [(called, _)] = await sig.send(User)
    assert called == getattr(handler, method)
    alive = weakref.ref(handler)
    del handler, called
    gc.collect()
    assert alive() is None
    with caplog.at_level(logging.DEBUG, logger=LOGGER):
        assert await send(sig, User) == []
        assert len(sig.receivers) == 0
    assert caplog.records == []  # dying with its object is what weak references are for


async def test_a_weak_closure_dying_while_connected_logs_a_warning_at_the_next_send(
    make_receiver: MakeReceiver, send: Send, caplog: pytest.LogCaptureFixture
) -> None:
    sig = Signal(name="order_placed")
    log: list[Any] = []
    closure = make_receiver(log, "closure")
    sig.connect(closure, sender=User)
    name = closure.__qualname__
    with caplog.at_level(logging.DEBUG, logger=LOGGER):
        del closure
        gc.collect()
        assert caplog.records == []  # the weakref callback only marks
        assert await send(sig, User) == []
        assert await send(sig, User) == []
    [message] = warnings_in(caplog)
    assert caplog.records[0].name == LOGGER
    assert name in message
    assert "<Signal 'order_placed'>" in message
    assert f"sender: {__name__}.User" in message
    assert "garbage-collected while still connected" in message
    assert "weak=False" in message
    assert log == []


def test_a_dying_lambda_is_reported_by_introspection_too(caplog: pytest.LogCaptureFixture) -> None:
    sig = Signal(name="sig")
    sig.connect(lambda sender, **kwargs: None)
    gc.collect()
    with caplog.at_level(logging.WARNING, logger=LOGGER):
        assert not sig.has_listeners()
    [message] = warnings_in(caplog)
    assert "<lambda>" in message
    assert "sender: any sender" in message


@pytest.mark.parametrize(
    "make",
    [
        CallableObject,
        AsyncCallableObject,
        lambda: functools.partial(labelled, "partial"),
    ],
    ids=["callable", "async_callable", "partial"],
)
def test_other_weak_receivers_dying_are_reported(
    make: Callable[[], Callable[..., Any]], caplog: pytest.LogCaptureFixture
) -> None:
    sig = Signal()
    sig.connect(make())
    gc.collect()
    with caplog.at_level(logging.WARNING, logger=LOGGER):
        assert sig.live_receivers() == []
    assert len(warnings_in(caplog)) == 1


def test_a_strong_closure_survives(make_receiver: MakeReceiver) -> None:
    sig = Signal()
    log: list[Any] = []
    sig.connect(make_receiver(log, "closure"), weak=False)
    gc.collect()
    assert len(sig.live_receivers()) == 1


def test_a_closure_that_dies_after_being_disconnected_is_not_reported(
    make_receiver: MakeReceiver, caplog: pytest.LogCaptureFixture
) -> None:
    sig = Signal()
    closure = make_receiver([], "closure")
    sig.connect(closure)
    sig.disconnect(closure)
    del closure
    gc.collect()
    with caplog.at_level(logging.DEBUG, logger=LOGGER):
        sig.send_robust_sync(None)
        assert sig.receivers == []
    assert caplog.records == []


def test_a_dead_closure_replaced_through_its_dispatch_uid_is_still_reported(
    make_receiver: MakeReceiver, caplog: pytest.LogCaptureFixture
) -> None:
    sig = Signal()
    with caplog.at_level(logging.WARNING, logger=LOGGER):
        for _ in range(3):
            handler = make_receiver([], "handler")
            sig.connect(handler, sender=User, dispatch_uid="audit")
            del handler
            gc.collect()
    assert len(warnings_in(caplog)) >= 2


def test_a_dead_closure_removed_by_dispatch_uid_is_still_reported(
    make_receiver: MakeReceiver, caplog: pytest.LogCaptureFixture
) -> None:
    sig = Signal()
    handler = make_receiver([], "handler")
    sig.connect(handler, dispatch_uid="audit")
    del handler
    gc.collect()
    with caplog.at_level(logging.WARNING, logger=LOGGER):
        assert sig.disconnect(dispatch_uid="audit") is False
    assert len(warnings_in(caplog)) == 1


def test_nothing_is_logged_at_interpreter_shutdown() -> None:
    script = textwrap.dedent(
        """
        from fastdjango.core.signals import Signal

        sig = Signal(name="late")

        class Listener:
            def on_sig(self, sender, **kwargs):
                pass

        def closure_factory():
            def closure(sender, **kwargs):
                pass
            return closure

        listener = Listener()
        closure = closure_factory()
        sender = Listener()
        sig.connect(listener.on_sig, sender=sender)
        sig.connect(closure)
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=30, check=False
    )
    assert (done.returncode, done.stdout, done.stderr) == (0, "", "")
