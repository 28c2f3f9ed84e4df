"""Sender matching: identity, value senders, odd senders, dead senders."""

from __future__ import annotations

import gc
import logging
import weakref
from dataclasses import dataclass
from typing import Any

import pytest

from fastdjango.core.signals import Signal

from .conftest import MakeReceiver, Send


class User:
    pass


@dataclass(frozen=True)
class Point:
    """Equal instances are still different senders."""

    x: int
    y: int


class Odd:
    """Instances of an unusual size, so a freed one's memory is reused at once."""

    __slots__ = (*(f"slot{i}" for i in range(37)), "__weakref__")


async def test_an_instance_does_not_reach_receivers_of_its_class(
    make_receiver: MakeReceiver, send: Send
) -> None:
    sig = Signal()
    log: list[Any] = []
    fn = make_receiver(log, "fn")
    sig.connect(fn, sender=User)
    await send(sig, User())
    assert log == []


async def test_equal_objects_are_different_senders(make_receiver: MakeReceiver, send: Send) -> None:
    sig = Signal()
    log: list[Any] = []
    fn = make_receiver(log, "fn")
    pair = Point(1, 2)
    sig.connect(fn, sender=pair)
    await send(sig, Point(1, 2))
    assert log == []
    await send(sig, pair)
    assert log == ["fn"]


@pytest.mark.parametrize(
    ("connected", "sent"),
    [
        ("app.models", "".join(["app.", "models"])),
        (10**20, int("1" + "0" * 20)),
        (b"label", bytes([108, 97, 98, 101, 108])),
    ],
    ids=["str", "int", "bytes"],
)
async def test_value_senders_match_by_equality(
    make_receiver: MakeReceiver, send: Send, connected: object, sent: object
) -> None:
    sig = Signal()
    log: list[Any] = []
    fn = make_receiver(log, "fn")
    sig.connect(fn, sender=connected)
    assert sent is not connected
    await send(sig, sent)
    assert log == ["fn"]
    assert sig.has_listeners(sent)


async def test_value_senders_of_different_types_do_not_match(
    make_receiver: MakeReceiver, send: Send
) -> None:
    sig = Signal()
    log: list[Any] = []
    fn = make_receiver(log, "fn")
    sig.connect(fn, sender="1")
    await send(sig, 1)
    await send(sig, b"1")
    assert log == []


@pytest.mark.parametrize("make_sender", [list, dict, set], ids=["list", "dict", "set"])
async def test_unhashable_senders_match_by_identity(
    make_receiver: MakeReceiver, send: Send, make_sender: type[Any]
) -> None:
    sig = Signal()
    log: list[Any] = []
    fn = make_receiver(log, "fn")
    sender = make_sender()
    sig.connect(fn, sender=sender)
    await send(sig, make_sender())
    await send(sig, sender)
    assert log == ["fn"]
    assert sig.has_listeners(sender)
    assert sig.disconnect(fn, sender=sender)


async def test_an_object_sender_that_cannot_be_weakly_referenced_works(
    make_receiver: MakeReceiver, send: Send
) -> None:
    sig = Signal()
    log: list[Any] = []
    fn = make_receiver(log, "fn")
    sender = object()
    sig.connect(fn, sender=sender)
    await send(sig, object())
    await send(sig, sender)
    assert log == ["fn"]
    assert sig.connections()[0].sender.sender() is sender


def test_a_sender_is_not_kept_alive_by_its_connections(caplog: pytest.LogCaptureFixture) -> None:
    sig = Signal()

    def fn(sender: object, **kwargs: Any) -> None: ...

    sender = User()
    alive = weakref.ref(sender)
    sig.connect(fn, sender=sender)
    sig.connect(fn, sender=sender, dispatch_uid="uid")
    del sender
    gc.collect()
    assert alive() is None
    with caplog.at_level(logging.DEBUG, logger="fastdjango.signals"):
        assert len(sig.receivers) == 0
    assert caplog.records == []  # a sender going away is normal, not a bug


def test_a_new_object_reusing_a_dead_senders_id_never_matches_its_connections() -> None:
    sig = Signal()
    log: list[Any] = []

    def fn(sender: object, **kwargs: Any) -> None:
        log.append(sender)

    sender = Odd()
    dead_id = id(sender)
    sig.connect(fn, sender=sender, weak=False)
    del sender
    newcomers = [Odd() for _ in range(50)]
    [reuser] = [obj for obj in newcomers if id(obj) == dead_id]
    assert sig.send_sync(reuser) == []
    assert not sig.has_listeners(reuser)
    assert not sig.is_connected(fn, sender=reuser)
    assert sig.disconnect(fn, sender=reuser) is False
    assert log == []


def test_a_dead_senders_connection_is_pruned_before_a_reused_id_connects() -> None:
    sig = Signal()

    def fn(sender: object, **kwargs: Any) -> str:
        return "fn"

    sender = Odd()
    dead_id = id(sender)
    sig.connect(fn, sender=sender)
    del sender
    newcomers = [Odd() for _ in range(50)]
    [reuser] = [obj for obj in newcomers if id(obj) == dead_id]
    sig.connect(fn, sender=reuser)
    assert sig.send_sync(reuser) == [(fn, "fn")]
    assert len(sig.receivers) == 1
