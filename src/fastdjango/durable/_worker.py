"""The worker: claims deliveries and runs them, up to ``concurrency`` at once.

Besides the claim loop it keeps running deliveries' leases alive (extending
them every third of the visibility timeout), relays outbox rows their sender
left behind (relaying transports only), and logs a progress line per
interval. :meth:`Worker.stop` drains: no new claims, running deliveries get
up to ``grace`` seconds to finish; those still running then are cancelled
and, unsettled, come back to a worker after their visibility timeout.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import time
import uuid
from collections.abc import Coroutine
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Final

from ._config import current_settings
from ._connect import DurableSpec, durable_specs
from ._event import Lease, Subscription
from ._outbox import find_outbox
from ._process import Outcome, process
from ._relay import relay_once
from ._transport import Transport

if TYPE_CHECKING:
    from fastdjango.core.signals import Signal

__all__ = ["Progress", "Worker"]

logger = logging.getLogger("fastdjango.durable")

#: How often the receivers connected in this process are looked up again.
_REFRESH: Final = 1.0
#: Waits after a failed claim, doubling up to the last.
_CLAIM_BACKOFF: Final = (0.1, 5.0)


@dataclass(slots=True)
class Progress:
    """Counts of what a worker did (since start, or in one progress interval)."""

    delivered: int = 0
    retried: int = 0
    dead: int = 0

    def count(self, outcome: Outcome) -> None:
        """Count one settled delivery."""
        if outcome == "delivered":
            self.delivered += 1
        elif outcome == "retried":
            self.retried += 1
        else:
            self.dead += 1


class Worker:
    """Run the durable receivers connected in this process.

    Args:
        transport: Default: the configured one (``configure(...)``).
        concurrency: Deliveries running at once, at most.
        grace: Seconds running deliveries get to finish once stopped.
        progress_every: Seconds between progress lines (INFO, logger
            ``fastdjango.durable``).
        consumer: This worker's name for the transport; default
            ``host:pid:random``.

    Raises:
        ValueError: ``concurrency`` is below 1 or a duration is negative.
    """

    def __init__(
        self,
        transport: Transport | None = None,
        *,
        concurrency: int = 16,
        grace: float = 30.0,
        progress_every: float = 10.0,
        consumer: str | None = None,
    ) -> None:
        if type(concurrency) is not int or concurrency < 1:
            raise ValueError(f"A worker's concurrency must be an int >= 1, got {concurrency!r}.")
        if grace < 0 or progress_every <= 0:
            raise ValueError(
                f"A worker's grace must be >= 0 and progress_every > 0, got {grace!r} and "
                f"{progress_every!r}."
            )
        settings = current_settings()
        self.transport = transport or settings.transport
        self.visibility = settings.visibility
        self.relay_delay = settings.relay_delay
        self.concurrency = concurrency
        self.grace = grace
        self.progress_every = progress_every
        self.consumer = consumer or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
        self.total = Progress()
        self._interval = Progress()
        self._lag = 0.0
        self._stopping = asyncio.Event()
        self._room = asyncio.Event()  # set when a batch of slots is free (or stopping)
        self._running: dict[asyncio.Task[None], Lease] = {}
        self._lookup: dict[tuple[str, str], tuple[Signal, DurableSpec]] = {}
        self._subscriptions: list[Subscription] = []
        self._looked_up = 0.0
        self._batch = max(1, concurrency // 2)

    def stop(self) -> None:
        """Stop claiming and drain (safe to call from a signal handler, twice)."""
        self._stopping.set()
        self._room.set()

    @property
    def running(self) -> int:
        """Deliveries running now."""
        return len(self._running)

    async def run(self) -> Progress:
        """Work until :meth:`stop`; what was done in total."""
        await self.transport.open()
        self._refresh()
        logger.info(
            "Worker %s serving %d durable receivers through %r, concurrency %d.",
            self.consumer,
            len(self._subscriptions),
            self.transport,
            self.concurrency,
        )
        helpers = [self._spawn(self._extend_leases()), self._spawn(self._report())]
        if self.transport.outbox_role == "relay":
            helpers.append(self._spawn(self._relay()))
        try:
            await self._claim_loop()
            await self._drain()
        finally:
            for helper in helpers:
                helper.cancel()
            await asyncio.gather(*helpers, return_exceptions=True)
            await self.transport.close()
        logger.info(
            "Worker %s stopped: delivered %d, retried %d, dead %d.",
            self.consumer,
            self.total.delivered,
            self.total.retried,
            self.total.dead,
        )
        return self.total

    def _spawn(self, work: Coroutine[Any, Any, None]) -> asyncio.Task[None]:
        return asyncio.get_running_loop().create_task(work)

    def _refresh(self) -> None:
        from fastdjango.core.signals import all_signals

        lookup: dict[tuple[str, str], tuple[Signal, DurableSpec]] = {}
        for signal in all_signals():
            for spec in durable_specs(signal):
                lookup.setdefault((spec.signal, spec.name), (signal, spec))
        self._lookup = lookup
        self._subscriptions = [Subscription(*key) for key in lookup]
        self._looked_up = time.monotonic()

    def _find(self, signal: str, receiver: str) -> tuple[Signal, DurableSpec] | None:
        return self._lookup.get((signal, receiver))

    async def _claim_loop(self) -> None:
        failures = 0
        while not self._stopping.is_set():
            if time.monotonic() - self._looked_up > _REFRESH:
                self._refresh()
            free = self.concurrency - len(self._running)
            if free < self._batch:  # claim in batches, not one lease per finished delivery
                await self._wait_for_room()
                continue
            try:
                leases = await self.transport.claim(
                    self.consumer, self._subscriptions, free, self.visibility
                )
            except Exception as exc:
                failures += 1
                pause = min(_CLAIM_BACKOFF[1], _CLAIM_BACKOFF[0] * 2 ** min(failures, 16))
                logger.error(
                    "Worker %s could not claim deliveries (%s: %s); trying again in %.1f s.",
                    self.consumer,
                    type(exc).__name__,
                    exc,
                    pause,
                )
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._stopping.wait(), pause)
                continue
            if failures:
                logger.info("Worker %s claims deliveries again.", self.consumer)
                failures = 0
            self._lag = time.time() - leases[-1].event.enqueued_at.timestamp() if leases else 0.0
            for lease in leases:
                self._running[self._spawn(self._deliver(lease))] = lease

    async def _wait_for_room(self) -> None:
        """Wait until half the slots are free again, or the worker stops."""
        self._room.clear()
        if self.concurrency - len(self._running) < self._batch and not self._stopping.is_set():
            await self._room.wait()

    async def _deliver(self, lease: Lease) -> None:
        try:
            outcome = await process(self.transport, lease, self._find)
        except Exception as exc:
            logger.error(
                "Worker %s could not settle event %s for %s (%s: %s); it is delivered again "
                "after the visibility timeout.",
                self.consumer,
                lease.event.id,
                lease.receiver,
                type(exc).__name__,
                exc,
            )
        else:
            self.total.count(outcome)
            self._interval.count(outcome)
        finally:
            running = self._running
            running.pop(asyncio.current_task(), None)  # type: ignore[arg-type]
            if self.concurrency - len(running) >= self._batch:
                self._room.set()

    async def _drain(self) -> None:
        running = list(self._running)
        if not running:
            return
        logger.info(
            "Worker %s draining: %d deliveries running, %.0f s grace.",
            self.consumer,
            len(running),
            self.grace,
        )
        _, late = await asyncio.wait(running, timeout=self.grace)
        for task in late:
            task.cancel()
        if late:
            await asyncio.gather(*late, return_exceptions=True)
            logger.warning(
                "Worker %s cancelled %d deliveries past the grace period; they are delivered "
                "again after the visibility timeout.",
                self.consumer,
                len(late),
            )

    async def _extend_leases(self) -> None:
        while True:
            await asyncio.sleep(self.visibility / 3)
            for lease in list(self._running.values()):
                try:
                    await self.transport.extend(lease, self.visibility)
                except Exception as exc:
                    logger.warning(
                        "Worker %s could not extend its lease of event %s: %s: %s",
                        self.consumer,
                        lease.event.id,
                        type(exc).__name__,
                        exc,
                    )

    async def _relay(self) -> None:
        while True:
            outbox = find_outbox()
            try:
                while outbox is not None and await relay_once(
                    outbox, self.transport, self.relay_delay
                ):
                    pass
            except Exception as exc:
                logger.warning(
                    "Worker %s could not relay the outbox: %s: %s",
                    self.consumer,
                    type(exc).__name__,
                    exc,
                )
            await asyncio.sleep(min(self.relay_delay / 2, 5.0))

    async def _report(self) -> None:
        while True:
            await asyncio.sleep(self.progress_every)
            interval, self._interval = self._interval, Progress()
            logger.info(
                "Worker %s: delivered %d, retried %d, dead %d, running %d, lag %.3f s (at %s).",
                self.consumer,
                interval.delivered,
                interval.retried,
                interval.dead,
                len(self._running),
                self._lag,
                datetime.now(UTC).isoformat(timespec="seconds"),
            )
