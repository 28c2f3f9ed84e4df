"""``demo --trace`` across processes: the worker's spans, carried back in a file.

The worker runs the durable receivers in a process of its own, so its
``process {receiver}`` spans end there. With ``--trace`` the demo gives the
worker a file (``FASTDJANGO_DEMO_SPANS``, see :mod:`.durable`);
:func:`worker_tracing`, in the
worker's set-up, instruments it and writes each span there as a JSON line
when it ends. Once the worker stopped, :func:`read_spans` rebuilds them and
the demo's :class:`~fastdjango.demo.tracing.TreePrinter` prints them, each
linked to the ``create`` span the request made.

Needs the OpenTelemetry SDK (the ``demo`` extra).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from opentelemetry.sdk.trace import Event, ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor, SpanExporter, SpanExportResult
from opentelemetry.trace import Link, SpanContext, SpanKind

from fastdjango.contrib.otel import instrument, uninstrument

__all__ = ["SpanFile", "read_spans", "worker_tracing"]


def _context(trace_id: int, span_id: int, remote: bool) -> SpanContext:
    return SpanContext(trace_id, span_id, is_remote=remote)


def _record(span: ReadableSpan) -> dict[str, Any]:
    assert span.context is not None
    return {
        "name": span.name,
        "kind": span.kind.name,
        "trace_id": span.context.trace_id,
        "span_id": span.context.span_id,
        "parent": None if span.parent is None else span.parent.span_id,
        "start": span.start_time,
        "end": span.end_time,
        "attributes": dict(span.attributes or {}),
        "links": [[link.context.trace_id, link.context.span_id] for link in span.links],
        "events": [[event.name, event.timestamp] for event in span.events],
    }


class SpanFile(SpanExporter):
    """Append each finished span to ``path`` as a JSON line."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        with self.path.open("a") as out:
            for span in spans:
                out.write(json.dumps(_record(span)) + "\n")
        return SpanExportResult.SUCCESS


def read_spans(path: Path) -> list[ReadableSpan]:
    """The spans :class:`SpanFile` wrote to ``path``, in the order they ended."""
    if not path.exists():
        return []
    spans = []
    for line in path.read_text().splitlines():
        record = json.loads(line)
        trace_id = record["trace_id"]
        parent = record["parent"]
        spans.append(
            ReadableSpan(
                name=record["name"],
                context=_context(trace_id, record["span_id"], False),
                parent=None if parent is None else _context(trace_id, parent, False),
                kind=SpanKind[record["kind"]],
                start_time=record["start"],
                end_time=record["end"],
                attributes=record["attributes"],
                links=[Link(_context(t, s, True)) for t, s in record["links"]],
                events=[Event(name, timestamp=at) for name, at in record["events"]],
            )
        )
    return spans


@contextmanager
def worker_tracing(path: Path) -> Iterator[None]:
    """Instrument this (worker) process inside the block, its spans written to ``path``."""
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(SpanFile(path)))
    instrument(tracer_provider=provider)
    try:
        yield
    finally:
        uninstrument()
        provider.shutdown()
