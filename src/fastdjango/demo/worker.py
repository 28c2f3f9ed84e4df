"""The demo's worker subprocess, and what it shows: deliveries, a dead letter, a replay."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, Final

import fastdjango
from fastdjango.durable import DatabaseTransport, configure

from .database import DemoError
from .durable import CRM_DOWN, SPANS, effects
from .journal import Journal, Mail

__all__ = ["DemoWorker", "running_worker"]

_SETUP: Final = "fastdjango.demo.durable:setup"
#: Where the worker imports fastdjango from: where this process does.
_SOURCE: Final = str(Path(fastdjango.__file__).resolve().parents[1])
#: Seconds the demo waits for the worker to do each thing it shows.
_PATIENCE: Final = 30.0
_SPANS_FILE: Final = "spans.jsonl"

#: Set while ``demo --trace`` runs: called with the file of the worker's
#: spans once the worker stopped (see :mod:`.worker_spans`).
show_spans: Callable[[Path], None] | None = None


class DemoWorker:
    """A running ``fastdjango worker`` subprocess and the transport to inspect it."""

    def __init__(
        self, process: asyncio.subprocess.Process, directory: Path, transport: DatabaseTransport
    ) -> None:
        self.process = process
        self.directory = directory
        self.transport = transport

    async def _wait(self, check: Callable[[], Awaitable[bool]], what: str) -> None:
        deadline = time.monotonic() + _PATIENCE
        while not await check():
            if self.process.returncode is not None:
                raise DemoError(
                    f"the worker exited ({self.process.returncode}) before {what}; its log is "
                    f"{self.directory / 'worker.log'}"
                )
            if time.monotonic() > deadline:
                raise DemoError(f"the worker did not finish {what} within {_PATIENCE:.0f} s")
            await asyncio.sleep(0.05)

    def _done(self, receiver: str, *, text: str = "") -> bool:
        return any(
            e["receiver"] == receiver and text in e["text"] and "failed" not in e["text"]
            for e in effects(self.directory)
        )

    async def show(self, journal: Journal) -> list[str]:
        """Wait for the deliveries, the dead letter and its replay; the report's lines.

        The mail and the shipment the worker's receivers made join the
        journal's outbox and warehouse.
        """

        async def delivered_and_buried() -> bool:
            dead = await self.transport.deliveries(dead=True)
            done = self._done("send_confirmation") and self._done("notify_warehouse")
            return done and any(record.receiver == "sync_crm" for record in dead)

        await self._wait(delivered_and_buried, "the deliveries of the order")
        [dead] = await self.transport.deliveries(dead=True)
        lines = [
            f"Durable receivers of order_placed, run by the worker (pid {self.process.pid}):",
            *self._effect_lines(),
            f"  dead letter (python -m fastdjango deliveries --dead): {dead.receiver} of event "
            f"{dead.event_id[:8]} after {dead.attempts} attempts: {dead.last_error}",
        ]
        (self.directory / CRM_DOWN).unlink()
        replayed = await self.transport.replay(dead.event_id, dead.receiver)
        lines.append(
            f"  the CRM is back: replay {dead.event_id[:8]} --receiver {dead.receiver} "
            f"({replayed} delivery queued again)"
        )
        shown = len(effects(self.directory))

        async def synced() -> bool:
            return self._done("sync_crm", text="synced")

        await self._wait(synced, "the replayed delivery")
        lines.extend(self._effect_lines()[shown:])
        for effect in effects(self.directory):
            if "mail" in effect:
                mail = effect["mail"]
                journal.outbox.append(
                    Mail(mail["subject"], "", "shop@example.com", tuple(mail["to"]))
                )
            if "shipment" in effect:
                journal.shipments.append(effect["shipment"])
        return lines

    def _effect_lines(self) -> list[str]:
        return [
            f"  {e['receiver']:<18} attempt {e['attempt']}: {e['text']}"
            for e in effects(self.directory)
        ]

    async def stop(self) -> int:
        """SIGTERM the worker (it drains) and return its exit status."""
        if self.process.returncode is None:
            os.kill(self.process.pid, signal.SIGTERM)
        try:
            async with asyncio.timeout(_PATIENCE):
                return await self.process.wait()
        except TimeoutError:
            os.kill(self.process.pid, signal.SIGKILL)
            return await self.process.wait()


@asynccontextmanager
async def running_worker(
    url: str, directory: Path, *, crm_down: bool = True
) -> AsyncIterator[DemoWorker]:
    """Configure the database transport and run a worker on ``url`` inside the block.

    With ``crm_down`` the CRM starts "down" (see :mod:`.durable`). The worker
    is stopped with SIGTERM on exit (SIGKILLed if it does not drain in time),
    then, under ``demo --trace``, its spans are shown.
    """
    transport = DatabaseTransport()
    configure(transport, visibility=10.0)
    if crm_down:
        (directory / CRM_DOWN).touch()
    env: dict[str, Any] = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [_SOURCE, os.environ.get("PYTHONPATH")])),
        "FASTDJANGO_DEMO_DATABASE": url,
        "FASTDJANGO_DEMO_DIR": str(directory),
    }
    shown = show_spans
    if shown is not None:
        env[SPANS] = str(directory / _SPANS_FILE)
    arguments = ["-m", "fastdjango", "worker", "--setup", _SETUP, "--grace", "5"]
    with (directory / "worker.log").open("ab") as log:
        process = await asyncio.create_subprocess_exec(
            sys.executable, *arguments, env=env, stdout=log, stderr=log
        )
    worker = DemoWorker(process, directory, transport)
    try:
        yield worker
    finally:
        await worker.stop()
        configure(None)
        if shown is not None:
            shown(directory / _SPANS_FILE)
