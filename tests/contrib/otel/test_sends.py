"""Real sends through the instrumented dispatcher: spans, parents, failures."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from opentelemetry import trace
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.trace import SpanKind, StatusCode

from fastdjango.core.signals import Signal, muted

from .conftest import Telemetry, names

HERE = __name__
Responses = list[tuple[Callable[..., Any], Any]]
Send = Callable[..., Awaitable[Responses]]


class Order:
    pass


class Refund:
    pass


def audit(**kwargs: Any) -> str:
    return "audited"


async def notify(**kwargs: Any) -> str:
    await asyncio.sleep(0)
    return "notified"


def broken(**kwargs: Any) -> None:
    raise LookupError("no such warehouse")


async def broken_async(**kwargs: Any) -> None:
    await asyncio.sleep(0)
    raise LookupError("no such warehouse")


def refunded(**kwargs: Any) -> None:
    pass


async def send(signal: Signal, sender: object) -> Responses:
    return await signal.send(sender, order=1)


async def send_robust(signal: Signal, sender: object) -> Responses:
    return await signal.send_robust(sender, order=1)


async def send_sync(signal: Signal, sender: object) -> Responses:
    # A thread without a running loop: async receivers run to completion.
    return await asyncio.to_thread(signal.send_sync, sender, order=1)


async def send_robust_sync(signal: Signal, sender: object) -> Responses:
    return await asyncio.to_thread(signal.send_robust_sync, sender, order=1)


DOORS = pytest.mark.parametrize(
    "door", [send, send_robust, send_sync, send_robust_sync], ids=lambda door: door.__name__
)
ROBUST = pytest.mark.parametrize("door", [send_robust, send_robust_sync], ids=lambda d: d.__name__)


def child_of(span: ReadableSpan, parent: ReadableSpan) -> bool:
    assert span.parent is not None
    assert parent.context is not None
    return bool(span.parent.span_id == parent.context.span_id)


@DOORS
async def test_a_span_per_send_and_per_receiver(instrumented: Telemetry, door: Send) -> None:
    signal = Signal(name="order_placed")
    signal.connect(audit)
    signal.connect(notify)
    responses = await door(signal, Order)
    assert [response for _, response in responses] == ["audited", "notified"]
    send_span = instrumented.span("send order_placed")
    assert send_span.kind == SpanKind.INTERNAL
    assert dict(send_span.attributes or {}) == {
        "fastdjango.signal": "order_placed",
        "fastdjango.sender": f"{HERE}.Order",
        "fastdjango.receivers": 2,
    }
    receivers = [instrumented.span(f"{HERE}.{name}") for name in ("audit", "notify")]
    assert all(child_of(span, send_span) for span in receivers)
    assert receivers[0].end_time <= receivers[1].start_time  # type: ignore[operator]
    assert names(instrumented.spans()) == [f"{HERE}.audit", f"{HERE}.notify", "send order_placed"]


@pytest.mark.parametrize("receiver", [broken, broken_async], ids=["sync", "async"])
@pytest.mark.parametrize("door", [send, send_sync], ids=lambda d: d.__name__)
async def test_send_records_the_exception_on_the_receiver_that_raised(
    instrumented: Telemetry, door: Send, receiver: Callable[..., Any]
) -> None:
    signal = Signal(name="order_placed")
    signal.connect(audit)
    signal.connect(receiver)
    signal.connect(notify)  # never called: no span
    with pytest.raises(LookupError, match="no such warehouse"):
        await door(signal, Order)
    failed = instrumented.span(f"{HERE}.{receiver.__name__}")
    assert failed.status.status_code == StatusCode.ERROR
    assert [event.name for event in failed.events] == ["exception"]
    assert (failed.events[0].attributes or {})["exception.type"] == "LookupError"
    assert instrumented.span(f"{HERE}.audit").status.status_code == StatusCode.UNSET
    assert f"{HERE}.notify" not in names(instrumented.spans())
    assert instrumented.span("send order_placed").status.status_code == StatusCode.ERROR


@pytest.mark.parametrize("receiver", [broken, broken_async], ids=["sync", "async"])
@ROBUST
async def test_send_robust_records_the_exception_and_runs_the_rest(
    instrumented: Telemetry,
    door: Send,
    receiver: Callable[..., Any],
    caplog: pytest.LogCaptureFixture,
) -> None:
    signal = Signal(name="order_placed")
    signal.connect(receiver)
    signal.connect(notify)
    with caplog.at_level(logging.ERROR, logger="fastdjango.signals"):
        responses = await door(signal, Order)
    assert isinstance(responses[0][1], LookupError)
    failed = instrumented.span(f"{HERE}.{receiver.__name__}")
    assert failed.status.status_code == StatusCode.ERROR
    assert (failed.attributes or {})["error.type"] == "LookupError"
    assert [event.name for event in failed.events] == ["exception"]
    assert instrumented.span(f"{HERE}.notify").status.status_code == StatusCode.UNSET
    assert instrumented.span("send order_placed").status.status_code == StatusCode.UNSET
    calls = {
        (attributes["fastdjango.receiver"], attributes.get("error.type")): point.value
        for attributes, point in instrumented.points("fastdjango.receiver.calls")
    }
    assert calls == {(f"{HERE}.{receiver.__name__}", "LookupError"): 1, (f"{HERE}.notify", None): 1}


async def test_bound_methods_and_callable_objects_are_named_after_their_code(
    instrumented: Telemetry,
) -> None:
    class Mailer:
        def on_order(self, **kwargs: Any) -> None:
            pass

    mailer = Mailer()
    signal = Signal(name="order_placed")
    signal.connect(mailer.on_order)
    await signal.send(Order)
    (span,) = (span for span in instrumented.spans() if span.name.endswith("on_order"))
    assert span.name == f"{HERE}.{Mailer.on_order.__qualname__}"


async def test_concurrent_receivers_are_children_of_the_send(instrumented: Telemetry) -> None:
    signal = Signal(name="order_placed", concurrent=True)
    both_running = asyncio.Barrier(2)

    async def first(**kwargs: Any) -> None:
        await both_running.wait()

    async def second(**kwargs: Any) -> None:
        await both_running.wait()

    signal.connect(first)
    signal.connect(second)
    signal.connect(audit)
    await asyncio.wait_for(signal.send(Order), 10)
    send_span = instrumented.span("send order_placed")
    spans = [span for span in instrumented.spans() if span is not send_span]
    assert sorted(span.name.rsplit(".", 1)[-1] for span in spans) == ["audit", "first", "second"]
    assert all(child_of(span, send_span) for span in spans)
    one, two = (span for span in spans if span.name.endswith(("first", "second")))
    # They overlapped: each started before the other ended.
    assert one.start_time < two.end_time  # type: ignore[operator]
    assert two.start_time < one.end_time  # type: ignore[operator]


async def test_a_concurrent_failure_is_an_error_and_the_cancelled_are_not(
    instrumented: Telemetry,
) -> None:
    signal = Signal(name="order_placed", concurrent=True)
    waiting = asyncio.Event()

    async def waiter(**kwargs: Any) -> None:
        waiting.set()
        await asyncio.sleep(30)

    async def failing(**kwargs: Any) -> None:
        await waiting.wait()
        raise LookupError("no such warehouse")

    signal.connect(waiter)
    signal.connect(failing)
    with pytest.raises(LookupError):
        await asyncio.wait_for(signal.send(Order), 10)
    (cancelled,) = (s for s in instrumented.spans() if s.name.endswith("waiter"))
    (failed,) = (s for s in instrumented.spans() if s.name.endswith("failing"))
    assert failed.status.status_code == StatusCode.ERROR
    assert cancelled.status.status_code == StatusCode.UNSET
    assert [event.name for event in cancelled.events] == ["cancelled"]


async def test_muted_and_filtered_receivers_get_no_span(instrumented: Telemetry) -> None:
    signal = Signal(name="order_placed")
    signal.connect(audit)
    signal.connect(notify)
    signal.connect(refunded, sender=Refund)
    with signal.muted(notify):
        await signal.send(Order)
    assert names(instrumented.spans()) == [f"{HERE}.audit", "send order_placed"]
    assert (instrumented.span("send order_placed").attributes or {})["fastdjango.receivers"] == 1
    instrumented.exporter.clear()
    await signal.send(Refund)
    assert (instrumented.span("send order_placed").attributes or {})["fastdjango.receivers"] == 3
    assert (instrumented.span("send order_placed").attributes or {})["fastdjango.sender"] == (
        f"{HERE}.Refund"
    )


async def test_a_send_reaching_nobody_makes_no_span(instrumented: Telemetry) -> None:
    signal = Signal(name="order_placed")
    await signal.send(Order)  # nobody connected
    signal.connect(refunded, sender=Refund)
    await signal.send(Order)  # nobody for this sender
    with muted(signal):
        await signal.send(Refund)  # everybody muted
    assert instrumented.spans() == []
    assert "fastdjango.signal.sends" not in instrumented.metrics()


async def test_receiver_spans_sit_under_the_callers_span(instrumented: Telemetry) -> None:
    signal = Signal(name="order_placed")
    signal.connect(notify)
    tracer = instrumented.tracer_provider.get_tracer("app")
    with tracer.start_as_current_span("POST /orders", kind=SpanKind.SERVER):
        await signal.send(Order)
        assert trace.get_current_span().name == "POST /orders"  # type: ignore[attr-defined]
    request = instrumented.span("POST /orders")
    send_span = instrumented.span("send order_placed")
    assert child_of(send_span, request)
    assert child_of(instrumented.span(f"{HERE}.notify"), send_span)


async def test_a_receiver_sees_its_own_span_as_current(instrumented: Telemetry) -> None:
    signal = Signal(name="order_placed")
    seen: list[str] = []

    async def looks(**kwargs: Any) -> None:
        seen.append(trace.get_current_span().name)  # type: ignore[attr-defined]

    signal.connect(looks)
    await signal.send(Order)
    assert seen == [f"{HERE}.{looks.__qualname__}"]
