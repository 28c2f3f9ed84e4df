"""A durable event traced across a real worker subprocess.

The test process sends (its spans in memory); a ``fastdjango worker``
subprocess delivers (its spans in a JSON-lines file); the two are joined by
the trace id the event carried in its headers.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from tortoise.transactions import in_transaction

from fastdjango.durable import Enqueued
from tests.durable.app import placed
from tests.durable.conftest import Database, database
from tests.durable.models import Order
from tests.durable.polling import wait_for_runs
from tests.durable.processes import ROOT, environment

from .conftest import Telemetry

pytestmark = pytest.mark.slow
__all__ = ["database"]  # the durable tests' fixture: a real database, Tortoise on it


def worker(db: Database, spans: Path, *, parent: bool) -> subprocess.Popen[bytes]:
    env = {
        **environment(db.url, db.flags),
        "OTEL_TEST_SPANS": str(spans),
        "OTEL_TEST_PARENT": "1" if parent else "0",
    }
    log = (db.flags / "worker.log").open("ab")
    with log:
        return subprocess.Popen(
            [
                sys.executable,
                "-m",
                "fastdjango",
                "worker",
                "--setup",
                "tests.contrib.otel.worker_app:setup",
                "--grace",
                "10",
            ],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=log,
        )


def hex_id(value: int, digits: int) -> str:
    return f"0x{value:0{digits}x}"


@pytest.mark.parametrize("parent", [False, True], ids=["linked", "parented"])
async def test_the_workers_spans_join_the_senders_trace(
    instrumented: Telemetry, database: Database, tmp_path: Path, parent: bool
) -> None:
    async with in_transaction():
        order = await Order.create(email="ada@example.com")
        responses = await placed.send(Order, order=order)
    (event_id,) = {r.event_id for _, r in responses if isinstance(r, Enqueued)}
    creates = {span.name: span for span in instrumented.spans() if span.name.startswith("create ")}
    assert sorted(creates) == ["create record", "create second"]

    spans_file = tmp_path / "worker-spans.jsonl"
    process = worker(database, spans_file, parent=parent)
    try:
        await wait_for_runs(2, 30, event_id=event_id)
        os.kill(process.pid, signal.SIGTERM)
        assert process.wait(timeout=20) == 0
    finally:
        if process.poll() is None:
            os.kill(process.pid, signal.SIGKILL)
            process.wait(timeout=10)
    worker_spans: list[dict[str, Any]] = [
        json.loads(line) for line in spans_file.read_text().splitlines()
    ]
    processes = {span["name"]: span for span in worker_spans if span["name"].startswith("process")}
    assert sorted(processes) == ["process record", "process second"]
    for receiver in ("record", "second"):
        create = creates[f"create {receiver}"]
        assert create.context is not None
        trace_id, span_id = hex_id(create.context.trace_id, 32), hex_id(create.context.span_id, 16)
        span = processes[f"process {receiver}"]
        assert span["kind"] == "SpanKind.CONSUMER"
        (link,) = span["links"]
        assert (link["context"]["trace_id"], link["context"]["span_id"]) == (trace_id, span_id)
        if parent:
            assert span["context"]["trace_id"] == trace_id
            assert span["parent_id"] == span_id
        else:
            assert span["context"]["trace_id"] != trace_id
            assert span["parent_id"] is None
        assert span["attributes"] == {
            "messaging.system": "sqlite" if database.backend == "sqlite" else "postgresql",
            "messaging.operation.type": "process",
            "messaging.operation.name": "process",
            "messaging.destination.name": "durable_tests.placed",
            "messaging.consumer.group.name": receiver,
            "messaging.message.id": event_id,
            "fastdjango.delivery.attempt": 1,
        }
        assert span["status"]["status_code"] == "UNSET"
