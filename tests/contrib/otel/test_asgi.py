"""Request signals' spans under the server span of the user's ASGI instrumentation.

A real uvicorn server on 127.0.0.1 serves an app wrapped in
``SignalsMiddleware``, itself wrapped in OpenTelemetry's own ASGI
middleware, which makes the server span, as users set it up.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from opentelemetry.instrumentation.asgi import OpenTelemetryMiddleware
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.trace import SpanKind, StatusCode

from fastdjango.contrib.asgi import Receive, Scope, Send, SignalsMiddleware
from fastdjango.core.signals import got_request_exception, request_finished, request_started
from tests.support.server import serve

from .conftest import Telemetry

HERE = __name__
SIGNALS = (request_started, request_finished, got_request_exception)


async def app(scope: Scope, receive: Receive, send: Send) -> None:
    if scope["path"] == "/fail":
        raise RuntimeError("the app failed")
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"ok"})


def on_request(**kwargs: Any) -> None:
    pass


@pytest.fixture
def connected() -> Iterator[None]:
    for signal in SIGNALS:
        signal.connect(on_request)
    try:
        yield
    finally:
        for signal in SIGNALS:
            signal.disconnect(on_request)


def traced_app(telemetry: Telemetry) -> OpenTelemetryMiddleware:
    return OpenTelemetryMiddleware(
        SignalsMiddleware(app),
        tracer_provider=telemetry.tracer_provider,
        meter_provider=telemetry.meter_provider,
        exclude_spans=["receive", "send"],
    )


def server_span(telemetry: Telemetry) -> ReadableSpan:
    (span,) = (span for span in telemetry.spans() if span.kind == SpanKind.SERVER)
    return span


def parent_id(span: ReadableSpan) -> int:
    assert span.parent is not None
    return span.parent.span_id


@pytest.mark.usefixtures("connected")
async def test_request_signals_sit_under_the_server_span(instrumented: Telemetry) -> None:
    async with (
        serve(traced_app(instrumented), lifespan="off") as url,
        httpx.AsyncClient() as client,
    ):
        response = await client.get(f"{url}/orders")
    assert response.status_code == 200
    server = server_span(instrumented)
    assert server.context is not None
    started, finished = (
        instrumented.span(f"send {name}") for name in ("request_started", "request_finished")
    )
    for send_span in (started, finished):
        assert parent_id(send_span) == server.context.span_id
        assert (send_span.attributes or {})["fastdjango.sender"] == (
            "fastdjango.contrib.asgi.SignalsMiddleware"
        )
        (receiver,) = (
            span
            for span in instrumented.spans()
            if span.name == f"{HERE}.on_request"
            and send_span.context is not None
            and parent_id(span) == send_span.context.span_id
        )
        assert receiver.context is not None
        assert receiver.context.trace_id == server.context.trace_id


@pytest.mark.usefixtures("connected")
async def test_an_app_exception_is_sent_under_the_server_span(instrumented: Telemetry) -> None:
    async with (
        serve(traced_app(instrumented), lifespan="off") as url,
        httpx.AsyncClient() as client,
    ):
        response = await client.get(f"{url}/fail")
    assert response.status_code == 500
    server = server_span(instrumented)
    assert server.context is not None
    exception = instrumented.span("send got_request_exception")
    assert parent_id(exception) == server.context.span_id
    # The receivers ran fine: the exception belongs to the app, not to them.
    assert exception.status.status_code == StatusCode.UNSET
    assert server.status.status_code == StatusCode.ERROR


async def test_without_receivers_a_request_has_only_its_server_span(
    instrumented: Telemetry,
) -> None:
    async with (
        serve(traced_app(instrumented), lifespan="off") as url,
        httpx.AsyncClient() as client,
    ):
        await client.get(f"{url}/orders")
    assert [span.kind for span in instrumented.spans()] == [SpanKind.SERVER]
