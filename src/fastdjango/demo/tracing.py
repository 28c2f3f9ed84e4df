"""``fastdjango demo --trace``: the demo's spans, printed as trees.

:func:`console_tracing` sets up the OpenTelemetry SDK with an exporter
that prints each trace once its root span ends, one line per span,
indented under its parent: the request's server span (OpenTelemetry's ASGI
middleware wraps the demo app meanwhile), the ``send`` span of
every signal it sent, the receivers below them, and the durable hops
(``create``, then the worker's ``process`` span, linked to it).

Needs the SDK and the ASGI instrumentation (both in the ``demo`` extra).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from opentelemetry.instrumentation.asgi import OpenTelemetryMiddleware
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor, SpanExporter, SpanExportResult

from fastdjango.contrib.otel import instrument, uninstrument

from . import server, worker
from .worker_spans import read_spans

__all__ = ["TreePrinter", "console_tracing"]

#: Attributes worth a newcomer's eye, in this order.
_SHOWN = (
    "fastdjango.sender",
    "fastdjango.receivers",
    "messaging.system",
    "messaging.message.id",
    "fastdjango.delivery.attempt",
    "error.type",
)


class TreePrinter(SpanExporter):
    """Print each finished trace as an indented tree, root first.

    Spans are held until their trace's root span ends (a root ends after
    its children), then printed with their kind, duration and main
    attributes, a link as ``(linked to <span>)``. A span that ends after
    its parent was printed (``request_finished`` is sent once the response
    is out, after the server span ended) is printed then, under it.

    Args:
        echo: called with each line.
    """

    #: How many printed traces are remembered for their late spans.
    KEPT = 64

    def __init__(self, echo: Callable[[str], None]) -> None:
        self.echo = echo
        self._pending: dict[int, list[ReadableSpan]] = {}
        self._printed: OrderedDict[int, dict[int, int]] = OrderedDict()  # trace: span: depth
        self._names: dict[int, str] = {}

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        for span in spans:
            assert span.context is not None
            trace_id = span.context.trace_id
            self._names[span.context.span_id] = span.name
            self._pending.setdefault(trace_id, []).append(span)
            printed = self._printed.get(trace_id)
            if span.parent is None or span.parent.is_remote:
                self.echo(f"trace {trace_id:032x}")
                self._print(span, 1, trace_id, "")
            elif printed is not None and span.parent.span_id in printed:
                self._print(
                    span, printed[span.parent.span_id] + 1, trace_id, "(after its parent ended) "
                )
        return SpanExportResult.SUCCESS

    def _print(self, top: ReadableSpan, depth: int, trace_id: int, note: str) -> None:
        pending = self._pending.pop(trace_id)
        children: dict[int, list[ReadableSpan]] = {}
        for span in sorted(pending, key=lambda span: span.start_time or 0):
            if span.parent is not None:
                children.setdefault(span.parent.span_id, []).append(span)
        depths = self._printed.setdefault(trace_id, {})
        self._printed.move_to_end(trace_id)
        while len(self._printed) > self.KEPT:
            self._printed.popitem(last=False)

        def walk(span: ReadableSpan, depth: int, note: str) -> None:
            assert span.context is not None
            depths[span.context.span_id] = depth
            self.echo("  " * depth + note + self._line(span))
            for child in children.get(span.context.span_id, []):
                walk(child, depth + 1, "")

        walk(top, depth, note)

    def _line(self, span: ReadableSpan) -> str:
        took = ((span.end_time or 0) - (span.start_time or 0)) / 1e6
        attributes = span.attributes or {}
        shown = [key + "=" + str(attributes[key]) for key in _SHOWN if key in attributes]
        shown += [
            f"(linked to {self._names.get(link.context.span_id, 'a span of another process')})"
            for link in span.links
        ]
        shown += [f"[{event.name}]" for event in span.events]
        return f"{span.name}  {span.kind.name} {took:.1f} ms  {' '.join(shown)}".rstrip()

    def shutdown(self) -> None:
        self._pending.clear()


@contextmanager
def console_tracing(echo: Callable[[str], None] = print) -> Iterator[TracerProvider]:
    """Trace every signal and request inside the block, printing the trees.

    The demo's server wraps its app in OpenTelemetry's ASGI middleware
    meanwhile, which makes each request's server span, and the demo's
    worker writes its spans to a file, printed once it stopped.
    """
    provider = TracerProvider()
    printer = TreePrinter(echo)
    provider.add_span_processor(SimpleSpanProcessor(printer))

    def traced(app: Any) -> Any:
        return OpenTelemetryMiddleware(
            app, tracer_provider=provider, exclude_spans=["receive", "send"]
        )

    def worker_spans(path: Path) -> None:
        echo("The worker's spans (another process), each linked to the request's create span:")
        printer.export(read_spans(path))

    instrument(tracer_provider=provider)
    unchanged, server.wrap_app = server.wrap_app, traced
    worker.show_spans = worker_spans
    try:
        yield provider
    finally:
        worker.show_spans = None
        server.wrap_app = unchanged
        uninstrument()
        provider.shutdown()
