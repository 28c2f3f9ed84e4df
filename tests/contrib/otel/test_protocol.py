"""SignalInstrumentation on its own, driven the way the dispatcher drives it."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from opentelemetry import trace
from opentelemetry.trace import SpanKind, StatusCode

from fastdjango import __version__
from fastdjango.contrib.otel._metrics import SignalMetrics
from fastdjango.contrib.otel._signals import SignalInstrumentation
from fastdjango.core.signals import Signal

from .conftest import Telemetry, names

HERE = __name__


def on_saved(**kwargs: Any) -> None:
    pass


def on_other(**kwargs: Any) -> None:
    pass


class Order:
    pass


def make(telemetry: Telemetry) -> SignalInstrumentation:
    tracer = telemetry.tracer_provider.get_tracer("fastdjango", __version__)
    return SignalInstrumentation(tracer, SignalMetrics(telemetry.meter_provider.get_meter("t")))


def test_a_send_span_with_a_child_per_receiver(telemetry: Telemetry) -> None:
    inst = make(telemetry)
    signal = Signal(name="order_placed")
    with inst.send(signal, Order, 2):
        with inst.receiver(signal, on_saved):
            pass
        with inst.receiver(signal, on_other):
            pass
    send = telemetry.span("send order_placed")
    first, second = (telemetry.span(f"{HERE}.{name}") for name in ("on_saved", "on_other"))
    assert send.kind == first.kind == SpanKind.INTERNAL
    assert dict(send.attributes or {}) == {
        "fastdjango.signal": "order_placed",
        "fastdjango.sender": f"{HERE}.Order",
        "fastdjango.receivers": 2,
    }
    assert dict(first.attributes or {}) == {
        "fastdjango.signal": "order_placed",
        "fastdjango.receiver": f"{HERE}.on_saved",
        "code.function.name": f"{HERE}.on_saved",
    }
    assert send.context is not None
    for child in (first, second):
        assert child.parent is not None
        assert child.parent.span_id == send.context.span_id
        assert child.context is not None
        assert child.context.trace_id == send.context.trace_id
    assert send.parent is None
    assert send.status.status_code == StatusCode.UNSET


def test_an_unnamed_signal_has_an_operation_only_span_name(telemetry: Telemetry) -> None:
    inst = make(telemetry)
    with inst.send(Signal(), "myapp", 1), inst.receiver(Signal(), on_saved):
        pass
    send = telemetry.span("send")
    assert dict(send.attributes or {}) == {"fastdjango.sender": "myapp", "fastdjango.receivers": 1}


def test_a_failing_receiver_records_its_exception(telemetry: Telemetry) -> None:
    inst = make(telemetry)
    signal = Signal(name="order_placed")
    error = ValueError("no stock")
    with pytest.raises(ValueError, match="no stock"), inst.send(signal, Order, 1):
        with inst.receiver(signal, on_saved):
            raise error
    receiver = telemetry.span(f"{HERE}.on_saved")
    assert receiver.status.status_code == StatusCode.ERROR
    assert receiver.status.description == "ValueError: no stock"
    assert (receiver.attributes or {})["error.type"] == "ValueError"
    (event,) = receiver.events
    assert event.name == "exception"
    assert (event.attributes or {})["exception.type"] == "ValueError"
    assert (event.attributes or {})["exception.message"] == "no stock"
    # The exception also ended the send that it escaped from.
    assert telemetry.span("send order_placed").status.status_code == StatusCode.ERROR


def test_an_exception_swallowed_by_the_sender_leaves_the_send_span_ok(
    telemetry: Telemetry,
) -> None:
    inst = make(telemetry)
    signal = Signal(name="order_placed")
    with inst.send(signal, Order, 1):
        try:
            with inst.receiver(signal, on_saved):
                raise KeyError("sku")
        except KeyError:
            pass  # what send_robust does
    assert telemetry.span(f"{HERE}.on_saved").status.status_code == StatusCode.ERROR
    assert (telemetry.span(f"{HERE}.on_saved").attributes or {})["error.type"] == "KeyError"
    assert telemetry.span("send order_placed").status.status_code == StatusCode.UNSET


def test_error_type_is_qualified_outside_builtins(telemetry: Telemetry) -> None:
    class PaymentDeclined(Exception):
        pass

    inst = make(telemetry)
    signal = Signal(name="paid")
    with pytest.raises(PaymentDeclined), inst.receiver(signal, on_saved):
        raise PaymentDeclined
    attributes = telemetry.span(f"{HERE}.on_saved").attributes or {}
    assert attributes["error.type"] == f"{HERE}.{PaymentDeclined.__qualname__}"


async def test_a_cancelled_receiver_is_not_a_failure(telemetry: Telemetry) -> None:
    inst = make(telemetry)
    signal = Signal(name="order_placed")
    started = asyncio.Event()

    async def slow() -> None:
        with inst.receiver(signal, on_saved):
            started.set()
            await asyncio.sleep(30)

    task = asyncio.ensure_future(slow())
    await started.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    span = telemetry.span(f"{HERE}.on_saved")
    assert span.status.status_code == StatusCode.UNSET
    assert [event.name for event in span.events] == ["cancelled"]
    assert "fastdjango.receiver.failures" not in telemetry.metrics()


def test_the_current_span_is_restored_after_each_block(telemetry: Telemetry) -> None:
    inst = make(telemetry)
    signal = Signal(name="order_placed")
    outer = trace.get_current_span()
    with inst.send(signal, Order, 1) as send:
        assert trace.get_current_span() is send
        with inst.receiver(signal, on_saved) as span:
            assert trace.get_current_span() is span
        assert trace.get_current_span() is send
    assert trace.get_current_span() is outer


def test_sends_and_receiver_calls_are_counted(telemetry: Telemetry) -> None:
    inst = make(telemetry)
    signal = Signal(name="order_placed")
    for _ in range(3):
        with inst.send(signal, Order, 1), inst.receiver(signal, on_saved):
            pass
    with inst.send(signal, Order, 1), pytest.raises(RuntimeError):
        with inst.receiver(signal, on_saved):
            raise RuntimeError("down")
    ((send_attributes, sends),) = telemetry.points("fastdjango.signal.sends")
    assert send_attributes == {
        "fastdjango.signal": "order_placed",
        "fastdjango.sender": f"{HERE}.Order",
    }
    assert sends.value == 4
    calls = {
        attributes.get("error.type"): point.value
        for attributes, point in telemetry.points("fastdjango.receiver.calls")
    }
    assert calls == {None: 3, "RuntimeError": 1}
    ((failure_attributes, failures),) = telemetry.points("fastdjango.receiver.failures")
    assert failure_attributes == {
        "fastdjango.signal": "order_placed",
        "fastdjango.receiver": f"{HERE}.on_saved",
        "error.type": "RuntimeError",
    }
    assert failures.value == 1
    durations = telemetry.metrics()["fastdjango.receiver.duration"]
    assert durations.unit == "s"
    assert sum(getattr(point, "count", 0) for point in durations.data.data_points) == 4


def test_names_are_not_built_per_send(telemetry: Telemetry) -> None:
    inst = make(telemetry)
    signal = Signal(name="order_placed")
    first = inst.send(signal, Order, 1)
    second = inst.send(signal, Order, 1)
    assert first._name is second._name
    assert first._attributes is second._attributes
    assert (
        inst.receiver(signal, on_saved)._attributes is inst.receiver(signal, on_saved)._attributes
    )
    assert names(telemetry.spans()) == []  # nothing entered, nothing recorded
