"""Disconnecting: a connection is (receiver or dispatch_uid, sender)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from fastdjango.core.signals import Signal

from .conftest import MakeReceiver, Send
from .kinds import Handler


class User:
    pass


class Article:
    pass


@dataclass(frozen=True)
class Point:
    """Equal instances are still different senders."""

    x: int
    y: int


async def test_disconnect_removes_the_any_sender_connection(
    make_receiver: MakeReceiver, send: Send
) -> None:
    sig = Signal()
    log: list[Any] = []
    fn = make_receiver(log, "fn")
    sig.connect(fn)
    assert sig.disconnect(fn) is True
    assert sig.disconnect(fn) is False
    await send(sig, User)
    assert log == []


async def test_disconnect_without_sender_leaves_sender_connections(
    make_receiver: MakeReceiver, send: Send
) -> None:
    sig = Signal()
    log: list[Any] = []
    fn = make_receiver(log, "fn")
    sig.connect(fn, sender=User)
    assert sig.disconnect(fn) is False
    await send(sig, User)
    assert log == ["fn"]


async def test_disconnect_with_sender_removes_only_that_senders_connection(
    make_receiver: MakeReceiver, send: Send
) -> None:
    sig = Signal()
    log: list[Any] = []
    fn = make_receiver(log, "fn")
    sig.connect(fn)
    sig.connect(fn, sender=User)
    sig.connect(fn, sender=Article)
    assert sig.disconnect(fn, sender=User) is True
    await send(sig, User)
    await send(sig, Article)
    assert log == ["fn", "fn", "fn"]


def test_disconnect_with_a_sender_it_was_not_connected_for_removes_nothing() -> None:
    sig = Signal()
    handler = Handler()
    sig.connect(handler.on_sync)
    assert sig.disconnect(handler.on_sync, sender=User) is False
    assert sig.is_connected(handler.on_sync)


def test_a_bound_method_is_disconnected_through_a_fresh_bound_method() -> None:
    sig = Signal()
    handler = Handler()
    sig.connect(handler.on_async, sender=User)
    assert sig.disconnect(handler.on_async, sender=User) is True
    assert not sig.receivers


def test_another_instances_method_is_not_disconnected() -> None:
    sig = Signal()
    first, second = Handler(), Handler()
    sig.connect(first.on_sync)
    assert sig.disconnect(second.on_sync) is False
    assert len(sig.receivers) == 1


async def test_dispatch_uid_without_sender_removes_every_connection_with_that_uid(
    make_receiver: MakeReceiver, send: Send
) -> None:
    sig = Signal()
    log: list[Any] = []
    kept = make_receiver(log, "other-uid")
    sig.connect(make_receiver(log, "user"), sender=User, weak=False, dispatch_uid="audit")
    sig.connect(make_receiver(log, "article"), sender=Article, weak=False, dispatch_uid="audit")
    sig.connect(make_receiver(log, "any"), weak=False, dispatch_uid="audit")
    sig.connect(kept, sender=User, dispatch_uid="other")
    assert sig.disconnect(dispatch_uid="audit") is True
    assert sig.disconnect(dispatch_uid="audit") is False
    await send(sig, User)
    await send(sig, Article)
    assert log == ["other-uid"]


def test_dispatch_uid_with_sender_removes_only_that_senders_connection() -> None:
    sig = Signal()

    def fn(sender: object, **kwargs: Any) -> None: ...

    sig.connect(fn, sender=User, dispatch_uid="audit")
    sig.connect(fn, sender=Article, dispatch_uid="audit")
    assert sig.disconnect(sender=User, dispatch_uid="audit") is True
    assert not sig.is_connected(fn, sender=User, dispatch_uid="audit")
    assert sig.is_connected(fn, sender=Article, dispatch_uid="audit")


def test_a_connection_made_with_a_uid_is_named_by_its_uid_not_its_receiver() -> None:
    sig = Signal()

    def fn(sender: object, **kwargs: Any) -> None: ...

    sig.connect(fn, sender=User, dispatch_uid="audit")
    assert sig.disconnect(fn, sender=User) is False
    assert sig.disconnect(fn, sender=User, dispatch_uid="audit") is True


@pytest.mark.parametrize(
    ("connected", "disconnected"),
    [
        ("app.models", "".join(["app.", "models"])),
        (10**20, int("1" + "0" * 20)),
        (b"label", bytes([108, 97, 98, 101, 108])),
    ],
    ids=["str", "int", "bytes"],
)
def test_value_senders_are_disconnected_by_equality(
    connected: object, disconnected: object
) -> None:
    sig = Signal()

    def fn(sender: object, **kwargs: Any) -> None: ...

    sig.connect(fn, sender=connected)
    assert sig.disconnect(fn, sender=disconnected) is True


def test_other_senders_are_disconnected_by_identity_only() -> None:
    sig = Signal()

    def fn(sender: object, **kwargs: Any) -> None: ...

    pair = Point(1, 2)
    sig.connect(fn, sender=pair)
    assert sig.disconnect(fn, sender=Point(1, 2)) is False
    assert sig.disconnect(fn, sender=pair) is True


def test_an_unhashable_sender_is_disconnected_by_identity() -> None:
    sig = Signal()

    def fn(sender: object, **kwargs: Any) -> None: ...

    target: list[int] = []
    sig.connect(fn, sender=target)
    assert sig.disconnect(fn, sender=[]) is False
    assert sig.disconnect(fn, sender=target) is True


def test_disconnect_needs_a_receiver_or_a_dispatch_uid() -> None:
    with pytest.raises(TypeError, match="Identify the connection: pass a receiver or a dispatch"):
        Signal().disconnect()
    with pytest.raises(TypeError, match="Identify the connection"):
        Signal().disconnect(sender=User)


def test_disconnecting_what_was_never_connected_returns_false() -> None:
    def fn(sender: object, **kwargs: Any) -> None: ...

    assert Signal().disconnect(fn) is False
    assert Signal().disconnect(dispatch_uid="nothing") is False
