"""The runnable demo: ``python -m fastdjango demo``.

A FastAPI app with Tortoise models (SQLite in a temporary file by default,
``DATABASE_URL`` for PostgreSQL), the request-signals and session
middleware and the auth helpers, wired with the seeds' receivers: the audit
log, a profile and a welcome email for new users, ``order_placed`` with
the durable ``send_confirmation``, ``notify_warehouse`` and ``sync_crm``
(run by a worker subprocess the demo starts), tag counting on
``m2m_changed``, request and login logging.

:func:`run_demo` serves it on 127.0.0.1, drives :data:`~.scenario.STEPS`
through real HTTP calls and returns the report; :func:`serve_demo` keeps it
running for a person. Every receiver is disconnected when they return.

Needs the ``demo`` extra: ``pip install 'fastdjango[demo]'``.
"""

from __future__ import annotations

import asyncio
import tempfile
from collections.abc import Callable
from contextlib import AsyncExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .app import ENDPOINTS, make_app
from .database import DemoError, database, display_url
from .durable import durable_wired
from .journal import BUILTIN_SIGNALS, Effect, Journal, Sent
from .receivers import order_placed, wired
from .report import entry_line, report
from .scenario import STEPS, Step, StepResult, drive
from .server import serve
from .worker import running_worker

__all__ = [
    "ENDPOINTS",
    "SIGNALS",
    "STEPS",
    "DemoError",
    "DemoRun",
    "Effect",
    "Journal",
    "Sent",
    "Step",
    "StepResult",
    "make_app",
    "order_placed",
    "run_demo",
    "serve_demo",
]

#: Every signal the demo records.
SIGNALS = (*BUILTIN_SIGNALS, order_placed)


@dataclass(frozen=True)
class DemoRun:
    """What a scripted run produced: the steps, the audit log, the journal, the report."""

    results: list[StepResult]
    audit: list[dict[str, Any]]
    journal: Journal
    lines: list[str]


async def run_demo(database_url: str | None = None) -> DemoRun:
    """Serve the demo, run the scripted scenario against it, and report.

    Args:
        database_url: a Tortoise URL (``postgres://user:pw@host/db``); None for
            a temporary SQLite file.

    Raises:
        DemoError: the database cannot be used, or a step went wrong.
    """
    journal = Journal()
    async with database(database_url) as (url, using):
        with tempfile.TemporaryDirectory(prefix="fastdjango-demo-worker-") as tmp:
            async with running_worker(url, Path(tmp)) as worker:
                with journal.watching(*SIGNALS), wired(), durable_wired():
                    async with serve(make_app()) as (base_url, _):
                        results, audit = await drive(base_url, journal)
                    durable = await worker.show(journal)
                status = await worker.stop()
        durable.append(f"  the worker drained on SIGTERM and exited with status {status}")
        header = (
            f"fastdjango demo: FastAPI + Tortoise ORM on {display_url(url)} "
            f"(connection {using!r}), served by uvicorn at {base_url}"
        )
    lines = report(results, audit, journal, header)
    return DemoRun(results, audit, journal, [*lines[:-2], "", *durable, *lines[-2:]])


async def serve_demo(database_url: str | None, port: int, echo: Callable[[str], None]) -> None:
    """Serve the demo until Ctrl-C, echoing every signal as it is sent.

    Args:
        database_url: as for :func:`run_demo`.
        port: the port on 127.0.0.1; 0 for a free one.
        echo: called with each line to show (the URL, the endpoints, the signals).

    Raises:
        DemoError: the database cannot be used or the port is taken.
    """
    journal = Journal(on_entry=lambda entry: echo(entry_line(entry)))
    async with AsyncExitStack() as stack:
        url, _ = await stack.enter_async_context(database(database_url))
        tmp = stack.enter_context(tempfile.TemporaryDirectory(prefix="fastdjango-demo-worker-"))
        worker = await stack.enter_async_context(running_worker(url, Path(tmp), crm_down=False))
        stack.enter_context(journal.watching(*SIGNALS))
        stack.enter_context(wired())
        stack.enter_context(durable_wired())
        try:
            base_url, task = await stack.enter_async_context(serve(make_app(), port))
        except OSError as exc:
            raise DemoError(
                f"cannot serve on 127.0.0.1:{port} ({exc}); pass another --port, "
                "or none for a free one."
            ) from exc
        echo(f"fastdjango demo on {display_url(url)}, serving {base_url} (Ctrl-C stops)")
        echo(f"  durable receivers run in a worker, pid {worker.process.pid}, log {tmp}/worker.log")
        for method, path, body, what in ENDPOINTS:
            echo(f"  {method:<6} {base_url}{path:<21} {body:<35} {what}")
        echo("Signals, as they are sent:")
        await asyncio.shield(task)
