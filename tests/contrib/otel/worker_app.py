"""The set-up of the traced worker subprocess: the durable tests' app, instrumented.

Spans go to the JSON-lines file named by ``OTEL_TEST_SPANS``, one line per
span as it ends; ``OTEL_TEST_PARENT=1`` makes ``process`` spans children of
their creation.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import IO

from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor, SpanExporter, SpanExportResult

from fastdjango.contrib.otel import instrument, uninstrument
from tests.durable import app


class JsonLines(SpanExporter):
    """Append each span to a file as one line of JSON."""

    def __init__(self, out: IO[str]) -> None:
        self.out = out

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        for span in spans:
            self.out.write(span.to_json(indent=None) + "\n")
        self.out.flush()
        return SpanExportResult.SUCCESS


@asynccontextmanager
async def setup() -> AsyncIterator[None]:
    """What ``worker --setup tests.contrib.otel.worker_app:setup`` enters."""
    with open(os.environ["OTEL_TEST_SPANS"], "a", encoding="utf-8") as out:  # noqa: ASYNC230
        provider = TracerProvider()
        provider.add_span_processor(SimpleSpanProcessor(JsonLines(out)))
        instrument(tracer_provider=provider, parent_durable=os.environ["OTEL_TEST_PARENT"] == "1")
        try:
            async with app.setup():
                yield
        finally:
            uninstrument()
            provider.shutdown()
