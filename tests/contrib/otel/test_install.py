"""instrument() and uninstrument(): on, off, replaced, and bad providers."""

from __future__ import annotations

from typing import Any

import pytest
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import NoOpTracerProvider

from fastdjango.contrib.otel import instrument, uninstrument
from fastdjango.core.signals import Signal
from fastdjango.core.signals import _instrument as hook
from tests.support.send_paths import is_specialised

from .conftest import Telemetry


def on_event(**kwargs: Any) -> None:
    pass


async def test_uninstrument_restores_the_untouched_send_path(telemetry: Telemetry) -> None:
    signal = Signal(name="order_placed")
    signal.connect(on_event)
    await signal.send("shop")
    assert is_specialised(signal)  # the path without instrumentation
    instrument(tracer_provider=telemetry.tracer_provider, meter_provider=telemetry.meter_provider)
    try:
        assert not is_specialised(signal)
        await signal.send("shop")
        assert not is_specialised(signal)  # sends take the complete path while instrumented
        assert len(telemetry.spans()) == 2
    finally:
        uninstrument()
    assert hook.current is None
    await signal.send("shop")
    assert is_specialised(signal)  # the fast path comes back
    assert len(telemetry.spans()) == 2  # and nothing more is traced


def test_uninstrument_twice_or_without_instrument_does_nothing() -> None:
    uninstrument()
    uninstrument()
    assert hook.current is None


def test_uninstrument_leaves_another_instrumentation_alone(telemetry: Telemetry) -> None:
    class Other:
        def send(self, *args: Any) -> Any: ...
        def receiver(self, *args: Any) -> Any: ...

    other = Other()
    hook.set_instrumentation(other)
    try:
        uninstrument()
        assert hook.current is other
    finally:
        hook.set_instrumentation(None)


async def test_instrument_again_replaces_the_providers(telemetry: Telemetry) -> None:
    signal = Signal(name="order_placed")
    signal.connect(on_event)
    second = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(second))
    instrument(tracer_provider=telemetry.tracer_provider, meter_provider=telemetry.meter_provider)
    try:
        await signal.send("shop")
        instrument(tracer_provider=provider, meter_provider=telemetry.meter_provider)
        await signal.send("shop")
    finally:
        uninstrument()
        provider.shutdown()
    assert len(telemetry.spans()) == 2
    assert len(second.get_finished_spans()) == 2


async def test_the_global_providers_by_default(telemetry: Telemetry) -> None:
    signal = Signal(name="order_placed")
    signal.connect(on_event)
    instrument()  # the global (proxy) providers: nothing configured, nothing recorded
    try:
        assert await signal.send("shop") == [(on_event, None)]
    finally:
        uninstrument()


async def test_a_no_op_provider_records_nothing_and_sends_as_usual() -> None:
    signal = Signal(name="order_placed")
    signal.connect(on_event)
    instrument(tracer_provider=NoOpTracerProvider())
    try:
        assert await signal.send("shop") == [(on_event, None)]
        assert signal.send_sync("shop") == [(on_event, None)]
    finally:
        uninstrument()


@pytest.mark.parametrize("keyword", ["tracer_provider", "meter_provider"])
def test_something_else_than_a_provider_is_refused(keyword: str) -> None:
    with pytest.raises(TypeError, match=rf"^{keyword} must be an OpenTelemetry .*'jaeger'"):
        instrument(**{keyword: "jaeger"})  # type: ignore[arg-type]
    assert hook.current is None
