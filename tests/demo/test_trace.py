"""``python -m fastdjango demo --trace``: the spans of each request, as trees."""

from __future__ import annotations

import re
from typing import Any

import pytest
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.trace import SpanKind

from fastdjango.__main__ import main
from fastdjango.core.signals import _instrument
from fastdjango.demo import server, worker
from fastdjango.demo.tracing import TreePrinter, console_tracing


def tree(out: str, root: str) -> list[str]:
    """The lines of the first printed trace whose root span is ``root``."""
    lines = out.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(f"  {root}  SERVER "))
    end = next(
        (i for i in range(start + 1, len(lines)) if not lines[i].startswith("    ")), len(lines)
    )
    return lines[start:end]


def test_demo_trace_prints_each_request_as_a_tree(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "--trace"]) == 0
    out, err = capsys.readouterr()
    assert err == ""
    order = tree(out, "POST /orders")
    # The server span's children, four spaces in.
    sends = [line.strip().split("  ")[0] for line in order if len(line) - len(line.lstrip()) == 4]
    assert sends == [
        "send request_started",
        "send pre_save",
        "send post_save",
        "send order_placed",
        "(after its parent ended) send request_finished",
    ]
    placed = order.index(next(line for line in order if line.startswith("    send order_placed")))
    assert order[placed].endswith("fastdjango.sender=demo.Order fastdjango.receivers=4")
    # The durable receivers are not called in the request: their event is created.
    children = [line.split("  ")[3] for line in order[placed + 1 : placed + 5]]
    assert children == [
        "create send_confirmation",
        "create notify_warehouse",
        "create sync_crm",
        "fastdjango.demo.journal.Journal.record",
    ]
    assert all(line.startswith("      ") for line in order[placed + 1 : placed + 5])
    assert "Audit log (GET /audit), 10 rows:" in out  # the report still follows
    assert _instrument.current is None  # and tracing is off again
    assert server.wrap_app is server._unchanged
    assert worker.show_spans is None


def test_demo_trace_prints_the_workers_spans_linked_to_the_request(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["demo", "--trace"]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    start = lines.index(
        "The worker's spans (another process), each linked to the request's create span:"
    )
    spans = [line.strip() for line in lines[start + 1 :] if line.startswith("  process ")]
    by_receiver: dict[str, list[str]] = {}
    for line in spans:
        by_receiver.setdefault(line.split()[1], []).append(line)
    assert sorted(by_receiver) == ["notify_warehouse", "send_confirmation", "sync_crm"]
    for receiver, made in by_receiver.items():
        assert all(" CONSUMER " in line for line in made)
        assert all(line.count(f"(linked to create {receiver})") == 1 for line in made)
    # sync_crm: two retries, the dead letter, then the replay that succeeds.
    crm = by_receiver["sync_crm"]
    assert [line.rsplit(" ", 1)[-1] for line in crm[:3]] == ["[retry]", "[retry]", "[dead_letter]"]
    assert "fastdjango.delivery.attempt=3 error.type=ConnectionError" in crm[2]
    assert len(crm) == 4
    assert "error.type" not in crm[3]
    ids = {line.split("messaging.message.id=")[1].split()[0] for line in spans}
    assert len(ids) == 1  # one event: the order placed in the request


def test_tree_printer_puts_late_children_under_their_printed_parent() -> None:
    lines: list[str] = []
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(TreePrinter(lines.append)))
    tracer = provider.get_tracer("test")
    root = tracer.start_span("request", kind=SpanKind.SERVER)
    with tracer.start_as_current_span("child", context=trace.set_span_in_context(root)):
        pass
    root.end()
    with tracer.start_as_current_span("late", context=trace.set_span_in_context(root)):
        pass
    provider.shutdown()
    assert [re.sub(r" [0-9.]+ ms.*", "", line) for line in lines[1:]] == [
        "  request  SERVER",
        "    child  INTERNAL",
        "    (after its parent ended) late  INTERNAL",
    ]
    assert lines[0].startswith("trace ")


def test_console_tracing_restores_the_server(capsys: pytest.CaptureFixture[str]) -> None:
    app: Any = object()
    with console_tracing():
        assert server.wrap_app(app) is not app
        assert _instrument.current is not None
    assert server.wrap_app(app) is app
    assert _instrument.current is None
