"""The relay publishes outbox rows a relaying sender left behind, then removes them."""

from __future__ import annotations

from typing import Any

from fastdjango.core.signals import Signal
from fastdjango.durable import Delivery, Durable, InlineTransport
from fastdjango.durable._enqueue import new_event, outbox_rows
from fastdjango.durable._relay import relay_once
from fastdjango.durable._schema import TABLE

from .conftest import Database


async def test_relay_publishes_old_rows_once(database: Database, signal_name: str) -> None:
    signal = Signal(name=signal_name)
    got: list[tuple[str, str, int]] = []

    async def one(delivery: Delivery, n: int, **kwargs: Any) -> None:
        got.append((delivery.event_id, delivery.receiver, n))

    signal.connect(one, durable=Durable(name="one"))
    signal.connect(one, sender="x", durable=Durable(name="one"))  # same name, same receiver
    outbox = database.transport.outbox
    event = new_event(
        signal=signal_name, sender="null", payload='{"n": 7}', receivers=("one",), keys={}
    )
    fresh = new_event(
        signal=signal_name, sender="null", payload='{"n": 8}', receivers=("one",), keys={}
    )
    for item, due_in in ((event, -1.0), (fresh, 60.0)):
        statement, parameters = outbox_rows(outbox, item, available_in=due_in)
        await outbox.execute(statement, parameters)
    inline = InlineTransport()
    assert await relay_once(outbox, inline, delay=30.0) == 1
    await inline.drain()
    assert got == [(event.id, "one", 7)]
    left = await outbox.execute(f"SELECT event_id FROM {TABLE}", [])
    assert left == [(fresh.id,)]  # not yet due
    assert await relay_once(outbox, inline, delay=30.0) == 0
