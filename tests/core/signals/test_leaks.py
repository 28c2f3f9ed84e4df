"""What connecting and disconnecting leave behind: nothing, for senders with no connection."""

from __future__ import annotations

import gc
import tracemalloc
from typing import Any

import pytest

from fastdjango.core.signals import Signal
from fastdjango.core.signals._refs import SenderSpec

PAIRS = 100_000


class Tenant:
    pass


def receiver(sender: object, **kwargs: Any) -> None: ...


def live_specs() -> int:
    gc.collect()
    return sum(1 for obj in gc.get_objects() if type(obj) is SenderSpec)


def new_sender(kind: str, number: int) -> object:
    return Tenant() if kind == "object" else f"tenant-{number}"


@pytest.mark.parametrize("kind", ["object", "string"])
def test_connect_disconnect_pairs_with_new_senders_leave_no_object(kind: str) -> None:
    sig = Signal()
    keep = Tenant()  # a sender with a connection keeps its spec
    sig.connect(receiver, sender=keep)
    before = live_specs()
    objects = len(gc.get_objects())
    for number in range(PAIRS):
        sender = new_sender(kind, number)
        sig.connect(receiver, sender=sender)
        sig.disconnect(receiver, sender=sender)
    del sender
    assert live_specs() == before
    assert len(gc.get_objects()) - objects < 100  # the test's own few, not one per pair
    assert sig.is_connected(receiver, sender=keep)


@pytest.mark.parametrize("kind", ["object", "string"])
def test_connect_disconnect_pairs_with_new_senders_leave_no_memory(kind: str) -> None:
    sig = Signal()
    sig.connect(receiver, sender=Tenant)
    pairs = PAIRS // 10  # tracemalloc slows every allocation down
    tracemalloc.start()
    try:
        start, _ = tracemalloc.get_traced_memory()
        for number in range(pairs):
            sender = new_sender(kind, number)
            sig.connect(receiver, sender=sender)
            sig.disconnect(receiver, sender=sender)
        del sender
        gc.collect()
        grown = tracemalloc.get_traced_memory()[0] - start
    finally:
        tracemalloc.stop()
    assert grown < 16 * 1024, f"{grown:,} bytes left behind by {pairs:,} pairs"


def test_every_way_of_disconnecting_forgets_the_spec() -> None:
    sig = Signal()
    before = live_specs()
    senders = [Tenant() for _ in range(4)]
    for number in range(4):
        sig.connect(receiver, sender=senders[number], dispatch_uid=f"uid-{number}")
    sig.disconnect(sender=senders[0], dispatch_uid="uid-0")
    sig.disconnect(dispatch_uid="uid-1")
    with sig.connected_to(receiver, sender=senders[1]):
        pass
    assert live_specs() == before + 2
    del senders[2:]  # their connections die with them and are pruned
    gc.collect()
    assert not sig.has_listeners()
    assert live_specs() == before


def test_a_spec_shared_by_two_connections_stays_until_the_last_goes() -> None:
    sig = Signal()
    sender = Tenant()

    def second(sender: object, **kwargs: Any) -> None: ...

    sig.connect(receiver, sender=sender)
    sig.connect(second, sender=sender)
    (spec,) = {conn.sender for conn in sig.connections()}
    sig.disconnect(receiver, sender=sender)
    sig.connect(receiver, sender=sender)
    assert {conn.sender for conn in sig.connections()} == {spec}  # still shared
    sig.disconnect(receiver, sender=sender)
    sig.disconnect(second, sender=sender)
    sig.connect(second, sender=sender)
    assert {conn.sender for conn in sig.connections()} != {spec}  # forgotten, made anew
