"""Durable deliveries traced in one process (InlineTransport runs the worker's code)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from opentelemetry import baggage, context
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.trace import SpanKind, StatusCode

from fastdjango.contrib.otel import instrument, uninstrument
from fastdjango.core.signals import Signal
from fastdjango.durable import Delivery, Durable, InlineTransport, _hooks, configure
from fastdjango.durable._hooks import set_hooks

from .conftest import Telemetry

FAST = (0.001, 0.002)
_counter = iter(range(1_000_000))


@pytest.fixture
def inline() -> Iterator[InlineTransport]:
    transport = InlineTransport()
    configure(transport)
    try:
        yield transport
    finally:
        configure(None)


@pytest.fixture
def signal() -> Signal:
    return Signal(name=f"otel_durable_{next(_counter)}")


def published_headers(inline: InlineTransport) -> list[dict[str, str]]:
    """The headers of every event ``inline`` publishes from now on (a spy, not a stand-in)."""
    headers: list[dict[str, str]] = []
    original = inline.publish

    async def publish(events: Any) -> None:
        headers.extend(dict(event.headers) for event in events)
        await original(events)

    inline.publish = publish  # type: ignore[method-assign]
    return headers


def by_name(telemetry: Telemetry) -> dict[str, ReadableSpan]:
    return {span.name: span for span in telemetry.spans()}


def parent_id(span: ReadableSpan) -> int | None:
    return None if span.parent is None else span.parent.span_id


def span_id(span: ReadableSpan) -> int:
    assert span.context is not None
    found: int = span.context.span_id
    return found


def trace_id(span: ReadableSpan) -> int:
    assert span.context is not None
    found: int = span.context.trace_id
    return found


async def test_create_and_process_spans_with_a_link(
    instrumented: Telemetry, inline: InlineTransport, signal: Signal
) -> None:
    seen: list[Delivery] = []

    async def send_receipt(delivery: Delivery, **kwargs: Any) -> None:
        seen.append(delivery)

    signal.connect(send_receipt, durable=Durable(name="receipts"))
    ((_, enqueued),) = await signal.send("shop", total=3)
    await inline.drain()
    spans = by_name(instrumented)
    send = spans[f"send {signal.name}"]
    create = spans["create receipts"]
    process = spans["process receipts"]
    assert create.kind == SpanKind.PRODUCER
    assert parent_id(create) == span_id(send)
    assert dict(create.attributes or {}) == {
        "messaging.system": "inline",
        "messaging.operation.type": "create",
        "messaging.operation.name": "create",
        "messaging.destination.name": signal.name,
        "messaging.message.id": enqueued.event_id,
        "fastdjango.receiver": "receipts",
    }
    assert process.kind == SpanKind.CONSUMER
    assert process.parent is None  # a trace of its own ...
    (link,) = process.links
    assert link.context.span_id == span_id(create)  # ... linked to the creation
    assert link.context.trace_id == trace_id(create)
    assert dict(process.attributes or {}) == {
        "messaging.system": "inline",
        "messaging.operation.type": "process",
        "messaging.operation.name": "process",
        "messaging.destination.name": signal.name,
        "messaging.consumer.group.name": "receipts",
        "messaging.message.id": enqueued.event_id,
        "fastdjango.delivery.attempt": 1,
    }
    assert process.status.status_code == StatusCode.UNSET
    assert [delivery.attempt for delivery in seen] == [1]


async def test_the_process_span_can_be_the_child_of_its_creation(
    telemetry: Telemetry, inline: InlineTransport, signal: Signal
) -> None:
    async def send_receipt(**kwargs: Any) -> None:
        pass

    signal.connect(send_receipt, durable=Durable(name="receipts"))
    instrument(telemetry.tracer_provider, telemetry.meter_provider, parent_durable=True)
    try:
        await signal.send("shop")
        await inline.drain()
    finally:
        uninstrument()
    spans = by_name(telemetry)
    create, process = spans["create receipts"], spans["process receipts"]
    assert parent_id(process) == span_id(create)
    assert trace_id(process) == trace_id(spans[f"send {signal.name}"])
    assert [link.context.span_id for link in process.links] == [span_id(create)]


async def test_each_receiver_of_one_event_links_to_its_own_creation(
    instrumented: Telemetry, inline: InlineTransport, signal: Signal
) -> None:
    async def first(**kwargs: Any) -> None:
        pass

    async def second(**kwargs: Any) -> None:
        pass

    signal.connect(first, durable=Durable(name="first"))
    signal.connect(second, durable=Durable(name="second"))
    headers = published_headers(inline)
    await signal.send("shop")
    await inline.drain()
    spans = by_name(instrumented)
    for name in ("first", "second"):
        (link,) = spans[f"process {name}"].links
        assert link.context.span_id == span_id(spans[f"create {name}"])
    # The standard header carries the first receiver's creation, a suffixed one the other's.
    (event_headers,) = headers
    assert sorted(event_headers) == ["traceparent", "traceparent@second"]
    for key, name in (("traceparent", "first"), ("traceparent@second", "second")):
        create = spans[f"create {name}"]
        assert create.context is not None
        flags = create.context.trace_flags
        assert (
            event_headers[key] == f"00-{trace_id(create):032x}-{span_id(create):016x}-{flags:02x}"
        )
    assert (spans[f"send {signal.name}"].attributes or {})["fastdjango.receivers"] == 2


async def test_the_receiver_runs_inside_its_process_span_with_the_senders_baggage(
    instrumented: Telemetry, inline: InlineTransport, signal: Signal
) -> None:
    seen: list[tuple[object, object]] = []
    tracer = instrumented.tracer_provider.get_tracer("app")

    async def send_receipt(**kwargs: Any) -> None:
        with tracer.start_as_current_span("smtp"):
            seen.append((baggage.get_baggage("tenant"), None))

    signal.connect(send_receipt, durable=Durable(name="receipts"))
    token = context.attach(baggage.set_baggage("tenant", "acme"))
    try:
        await signal.send("shop")
    finally:
        context.detach(token)
    await inline.drain()
    spans = by_name(instrumented)
    assert parent_id(spans["smtp"]) == span_id(spans["process receipts"])
    assert seen == [("acme", None)]


async def test_retries_and_the_dead_letter_are_span_events(
    instrumented: Telemetry,
    inline: InlineTransport,
    signal: Signal,
    caplog: pytest.LogCaptureFixture,
) -> None:
    async def flaky(**kwargs: Any) -> None:
        raise ConnectionError("smtp down")

    signal.connect(flaky, durable=Durable(name="flaky", max_attempts=2, backoff=FAST))
    await signal.send("shop")
    await inline.drain()
    processes = [span for span in instrumented.spans() if span.name == "process flaky"]
    assert [(span.attributes or {})["fastdjango.delivery.attempt"] for span in processes] == [1, 2]
    first, last = processes
    assert [event.name for event in first.events] == ["exception", "retry"]
    assert [event.name for event in last.events] == ["exception", "dead_letter"]
    for span in processes:
        assert span.status.status_code == StatusCode.ERROR
        assert (span.attributes or {})["error.type"] == "ConnectionError"
        assert (span.events[0].attributes or {})["exception.message"] == "smtp down"
    delay = (first.events[1].attributes or {})["fastdjango.retry.delay"]
    assert isinstance(delay, float)
    assert delay > 0


async def test_durable_metrics(
    instrumented: Telemetry,
    inline: InlineTransport,
    signal: Signal,
    caplog: pytest.LogCaptureFixture,
) -> None:
    calls = 0

    async def flaky(**kwargs: Any) -> None:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise ConnectionError("smtp down")

    async def doomed(**kwargs: Any) -> None:
        raise ValueError("bad address")

    signal.connect(flaky, durable=Durable(name="flaky", max_attempts=3, backoff=FAST))
    signal.connect(doomed, durable=Durable(name="doomed", max_attempts=1))
    await signal.send("shop")
    await inline.drain()

    def counts(metric: str) -> dict[str, int]:
        return {
            attributes["messaging.consumer.group.name"]: point.value
            for attributes, point in instrumented.points(metric)
        }

    assert counts("messaging.client.sent.messages") == {"flaky": 1, "doomed": 1}
    assert counts("messaging.client.consumed.messages") == {"flaky": 2, "doomed": 1}
    assert counts("fastdjango.durable.delivered") == {"flaky": 1}
    assert counts("fastdjango.durable.retried") == {"flaky": 1}
    assert counts("fastdjango.durable.dead_lettered") == {"doomed": 1}
    lags = instrumented.points("fastdjango.durable.lag")
    assert {attributes["messaging.destination.name"] for attributes, _ in lags} == {signal.name}
    assert all(0 <= point.value < 30 for _, point in lags)  # seconds
    durations = {
        (attributes["messaging.consumer.group.name"], attributes.get("error.type")): point.count
        for attributes, point in instrumented.points("messaging.process.duration")
    }
    assert durations == {
        ("flaky", "ConnectionError"): 1,
        ("flaky", None): 1,
        ("doomed", "ValueError"): 1,
    }
    assert instrumented.metrics()["messaging.process.duration"].unit == "s"


async def test_without_instrument_no_headers_travel(
    inline: InlineTransport, signal: Signal
) -> None:
    headers = published_headers(inline)

    async def send_receipt(**kwargs: Any) -> None:
        pass

    signal.connect(send_receipt, durable=Durable(name="receipts"))
    await signal.send("shop")
    await inline.drain()
    assert headers == [{}]


def test_hooks_without_their_methods_are_refused() -> None:
    with pytest.raises(TypeError, match=r"need callable create\(\) and process\(\).*no create"):
        set_hooks(object())  # type: ignore[arg-type]
    assert _hooks.current is None


def test_parent_durable_must_be_a_bool() -> None:
    with pytest.raises(TypeError, match="parent_durable must be True or False, got 'yes'"):
        instrument(parent_durable="yes")  # type: ignore[arg-type]
    assert _hooks.current is None


def test_uninstrument_removes_the_hooks(telemetry: Telemetry) -> None:
    instrument(telemetry.tracer_provider, telemetry.meter_provider)
    assert _hooks.current is not None
    uninstrument()
    assert _hooks.current is None
