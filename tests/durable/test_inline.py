"""Durable sends through InlineTransport: the JSON round trip, retries, dead letters."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from fastdjango.core.signals import Signal
from fastdjango.durable import Delivery, Durable, Enqueued, InlineTransport, configure

FAST = (0.001, 0.002)


async def test_send_records_an_event_and_the_receiver_gets_it(
    inline: InlineTransport, signal_name: str
) -> None:
    signal = Signal(name=signal_name)
    got: list[tuple[object, dict[str, Any]]] = []
    plain: list[object] = []

    async def mail(sender: object, **kwargs: Any) -> None:
        got.append((sender, kwargs))

    def audit(sender: object, **kwargs: Any) -> None:
        plain.append(kwargs["price"])

    signal.connect(mail, durable=Durable(name="mail"))
    signal.connect(audit)
    responses = await signal.send("shop", price=Decimal("9.50"))
    (first, enqueued), (second, audited) = responses
    assert first is mail
    assert isinstance(enqueued, Enqueued)
    assert enqueued.receiver == "mail"
    assert (second, audited) == (audit, None)
    assert plain == [Decimal("9.50")]
    assert got == []  # not called by the send
    await inline.drain()
    [(sender, kwargs)] = got
    assert sender == "shop"
    delivery = kwargs.pop("delivery")
    assert kwargs == {"signal": signal, "price": Decimal("9.50")}
    assert isinstance(delivery, Delivery)
    assert delivery.event_id == enqueued.event_id
    assert (delivery.receiver, delivery.attempt) == ("mail", 1)
    assert delivery.enqueued_at <= datetime.now(UTC)


async def test_two_receivers_share_the_event_id(inline: InlineTransport, signal_name: str) -> None:
    signal = Signal(name=signal_name)
    seen: list[tuple[str, str]] = []

    async def one(delivery: Delivery, **kwargs: Any) -> None:
        seen.append((delivery.receiver, delivery.event_id))

    def two(delivery: Delivery, **kwargs: Any) -> None:  # sync: runs in a thread
        seen.append((delivery.receiver, delivery.event_id))

    signal.connect(one, durable=Durable(name="one"))
    signal.connect(two, durable=Durable(name="two"))
    responses = await signal.send(None)
    ids = {response.event_id for _, response in responses}
    assert len(ids) == 1
    await inline.drain()
    assert sorted(seen) == sorted([("one", *ids), ("two", *ids)])


async def test_failure_retries_then_dead_letters_then_replays(
    inline: InlineTransport, signal_name: str, caplog: pytest.LogCaptureFixture
) -> None:
    signal = Signal(name=signal_name)
    attempts: list[int] = []
    healthy: list[int] = []
    broken = True

    async def flaky(delivery: Delivery, **kwargs: Any) -> None:
        attempts.append(delivery.attempt)
        if broken:
            raise OSError("mail server down")

    async def steady(delivery: Delivery, **kwargs: Any) -> None:
        healthy.append(delivery.attempt)

    signal.connect(flaky, durable=Durable(name="flaky", max_attempts=3, backoff=FAST))
    signal.connect(steady, durable=Durable(name="steady"))
    caplog.set_level(logging.WARNING, "fastdjango.durable")
    [(_, enqueued), _] = await signal.send(None, n=1)
    await inline.drain()
    assert attempts == [1, 2, 3]
    assert healthy == [1]
    [record] = await inline.deliveries(dead=True)
    assert (record.event_id, record.receiver, record.attempts) == (enqueued.event_id, "flaky", 3)
    assert record.last_error == "OSError: mail server down"
    assert await inline.deliveries(dead=False) == []
    messages = [r.getMessage() for r in caplog.records]
    assert any("attempt 1 of 3; retrying" in m for m in messages)
    assert any("attempt 3 of 3; dead-lettered" in m for m in messages)
    assert all(r.exc_info for r in caplog.records)
    broken = False
    assert await inline.replay(enqueued.event_id, receiver="steady") == 0
    assert await inline.replay(enqueued.event_id) == 1
    await inline.drain()
    assert attempts == [1, 2, 3, 1]
    assert await inline.deliveries(dead=True) == []
    assert await inline.replay_dead() == 0


async def test_timeout_cancels_and_counts_as_failure(
    inline: InlineTransport, signal_name: str
) -> None:
    signal = Signal(name=signal_name)
    cancelled: list[bool] = []

    async def slow(**kwargs: Any) -> None:
        try:
            await asyncio.sleep(10)
        except asyncio.CancelledError:
            cancelled.append(True)
            raise

    signal.connect(slow, durable=Durable(name="slow", timeout=0.01, max_attempts=1))
    await signal.send(None)
    await inline.drain()
    assert cancelled == [True]
    [record] = await inline.deliveries(dead=True)
    assert record.last_error == "TimeoutError: the receiver ran longer than its timeout of 0.01 s"


async def test_bad_payload_fails_the_send_before_anything_runs(
    inline: InlineTransport, signal_name: str
) -> None:
    signal = Signal(name=signal_name)
    ran: list[str] = []

    async def durable_one(**kwargs: Any) -> None:
        ran.append("durable")

    def plain(**kwargs: Any) -> None:
        ran.append("plain")

    signal.connect(durable_one, durable=Durable(name="d"))
    signal.connect(plain)
    with pytest.raises(TypeError, match="argument conn=<object object"):
        await signal.send(None, conn=object())
    await inline.drain()
    assert ran == []
    assert await inline.deliveries(dead=False) == []


async def test_unconfigured_durable_send_says_how_to_configure(signal_name: str) -> None:
    configure(None)
    signal = Signal(name=signal_name)

    async def mail(**kwargs: Any) -> None: ...

    signal.connect(mail, durable=Durable(name="mail"))
    with pytest.raises(RuntimeError, match=r"configure\(DatabaseTransport\(\)\)"):
        await signal.send(None)


async def test_sender_filter_and_order_key(inline: InlineTransport, signal_name: str) -> None:
    signal = Signal(name=signal_name)
    seen: list[tuple[object, int]] = []

    async def per_order(sender: object, order: int, **kwargs: Any) -> None:
        seen.append((sender, order))

    signal.connect(
        per_order,
        sender="orders",
        durable=Durable(name="per-order", order_key=lambda sender, order, **kw: order),
    )
    assert await signal.send("carts", order=1) == []
    await signal.send("orders", order=2)
    await inline.drain()
    assert seen == [("orders", 2)]


def test_configure_refuses_bad_input() -> None:
    with pytest.raises(TypeError, match="configure\\(\\) takes a transport"):
        configure(object())  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="visibility"):
        configure(InlineTransport(), visibility=0)
    with pytest.raises(TypeError, match="relay_delay"):
        configure(InlineTransport(), relay_delay="1")  # type: ignore[arg-type]
