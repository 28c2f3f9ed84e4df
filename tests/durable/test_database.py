"""The outbox in the sender's transaction, and the database as the queue (in-process)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from tortoise.transactions import in_transaction

from fastdjango.core.signals import Signal
from fastdjango.durable import Durable, Enqueued
from fastdjango.durable._event import Subscription
from fastdjango.durable._schema import TABLE
from fastdjango.durable._worker import Worker

from .app import placed
from .conftest import Database
from .models import Order, Ran
from .polling import wait_for_runs


async def outbox_rows(database: Database) -> list[tuple[object, ...]]:
    return await database.transport.outbox.execute(
        f"SELECT event_id, receiver, attempts, dead FROM {TABLE} ORDER BY id", []
    )


async def run_worker_until(database: Database, done: int, *, limit: float = 20.0) -> Worker:
    worker = Worker(database.transport, concurrency=8, progress_every=60)
    task = asyncio.get_running_loop().create_task(worker.run())
    try:
        await wait_for_runs(done, limit)
    finally:
        worker.stop()
        await task
    return worker


async def test_rollback_means_the_event_never_existed(database: Database) -> None:
    order = await Order.create(email="a@example.com")
    seen_inside: list[int] = []

    async def place_then_fail() -> None:
        async with in_transaction():
            await placed.send(Order, order=order)
            seen_inside.append(len(await outbox_rows(database)))
            raise RuntimeError("payment declined")

    with pytest.raises(RuntimeError, match="payment declined"):
        await place_then_fail()
    assert seen_inside == [2]  # written in the transaction
    assert await outbox_rows(database) == []


async def test_commit_writes_one_row_per_receiver_and_a_worker_delivers(
    database: Database,
) -> None:
    order = await Order.create(email="b@example.com", total=Decimal("3.50"))
    async with in_transaction():
        responses = await placed.send(Order, order=order)
    enqueued = [response for _, response in responses]
    assert all(isinstance(item, Enqueued) for item in enqueued)
    [event_id] = {item.event_id for item in enqueued if isinstance(item, Enqueued)}
    assert await outbox_rows(database) == [(event_id, "record", 0, 0), (event_id, "second", 0, 0)]
    await order.delete()  # the snapshot still arrives
    worker = await run_worker_until(database, 2)
    ran = await Ran.all().order_by("receiver").values_list("event_id", "receiver", "attempt")
    assert ran == [(event_id, "record", 1), (event_id, "second", 1)]
    notes: list[object] = list(await Ran.all().values_list("note", flat=True))
    assert notes == ["b@example.com"] * 2
    assert worker.total.delivered == 2
    assert await outbox_rows(database) == []


async def test_outside_a_transaction_the_event_is_committed_at_once(database: Database) -> None:
    order = await Order.create(email="c@example.com", placed_at=datetime(2026, 1, 1, tzinfo=UTC))
    await placed.send(Order, order=order)
    assert len(await outbox_rows(database)) == 2
    assert await database.transport.deliveries(dead=False) != []


async def test_bad_payload_writes_nothing(database: Database) -> None:
    order = await Order.create(email="d@example.com")
    with pytest.raises(TypeError, match="argument extra=<object object"):
        async with in_transaction():
            await placed.send(Order, order=order, extra=object())
    assert await outbox_rows(database) == []


async def test_a_stale_lease_settles_nothing(database: Database) -> None:
    transport = database.transport
    order = await Order.create(email="e@example.com")
    await placed.send(Order, order=order)
    subscriptions = [Subscription(placed.name or "", "record")]
    first = await transport.claim("a", subscriptions, 1, 0.05)
    await asyncio.sleep(0.1)  # its visibility passed: claimable again
    second = await transport.claim("b", subscriptions, 1, 30)
    assert [(lease.receiver, lease.attempt) for lease in first] == [("record", 1)]
    assert [(lease.receiver, lease.attempt) for lease in second] == [("record", 2)]
    await transport.ack(first[0])
    await transport.retry(first[0], 0, "late")
    await transport.bury(first[0], "late")
    assert await outbox_rows(database) == [
        (second[0].event.id, "record", 2, 0),
        (second[0].event.id, "second", 0, 0),
    ]
    await transport.extend(second[0], 30)
    await transport.ack(second[0])
    assert [row[1] for row in await outbox_rows(database)] == ["second"]


async def test_deliveries_with_one_order_key_wait_for_each_other(
    database: Database, signal_name: str
) -> None:
    signal = Signal(["order"], name=signal_name)

    async def ship(**kwargs: object) -> None: ...

    signal.connect(ship, durable=Durable(name="ship", order_key=lambda order, **kw: order.pk))
    one, two = await Order.create(email="f@example.com"), await Order.create(email="g@e.com")
    for order in (one, one, two):
        await signal.send(Order, order=order)
    subscriptions = [Subscription(signal_name, "ship")]
    transport = database.transport
    leases = await transport.claim("a", subscriptions, 10, 30)
    assert [lease.event.keys for lease in leases] == [{"ship": str(one.pk)}, {"ship": str(two.pk)}]
    assert await transport.claim("b", subscriptions, 10, 30) == []  # one's second waits
    await transport.ack(leases[0])
    [after] = await transport.claim("b", subscriptions, 10, 30)
    assert after.event.keys == {"ship": str(one.pk)}
    signal.disconnect(ship)
