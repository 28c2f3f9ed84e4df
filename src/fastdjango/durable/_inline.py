"""``InlineTransport``: durable receivers run in this process, for tests.

Events take the same JSON round trip as with a real transport and run after
the commit (or right away outside a transaction), each delivery in a task
of its own, with the same retries, timeouts and dead letters as a worker.
``await transport.drain()`` waits until nothing is left to run.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from ._event import DeliveryRecord, Event, Lease, Subscription
from ._process import process
from ._transport import OutboxRole

__all__ = ["InlineTransport"]


@dataclass(slots=True)
class _Pending:
    event: Event
    receiver: str
    attempts: int = 0
    dead: bool = False
    last_error: str | None = None


class InlineTransport:
    """Run durable receivers in this process after the commit (for tests).

    Nothing is written to an outbox and no worker is needed. Deliveries that
    failed for good stay listed by :meth:`deliveries` and can be replayed.
    Send with ``await signal.send(...)``: the deliveries are tasks of the
    running event loop (``send_sync`` runs in a loop of its own, which ends
    with the send).
    """

    system = "inline"
    outbox_role: OutboxRole = "none"

    def __init__(self) -> None:
        self._pending: dict[tuple[str, str], _Pending] = {}
        self._published: set[str] = set()
        self._tasks: set[asyncio.Task[None]] = set()

    def __repr__(self) -> str:
        return f"InlineTransport(pending={len(self._pending)})"

    async def open(self) -> None:
        """Nothing to connect."""

    async def close(self) -> None:
        """Cancel what still runs (call :meth:`drain` first to let it finish)."""
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def drain(self) -> None:
        """Wait until every published delivery is done or dead, retries included."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def publish(self, events: Sequence[Event]) -> None:
        """Start a task per receiver of each new event."""
        for event in events:
            if event.id in self._published:
                continue
            self._published.add(event.id)
            for receiver in event.receivers:
                pending = _Pending(event, receiver)
                self._pending[event.id, receiver] = pending
                self._start(pending, 0.0)

    def _start(self, pending: _Pending, delay: float) -> None:
        task = asyncio.get_running_loop().create_task(self._run(pending, delay))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _run(self, pending: _Pending, delay: float) -> None:
        if delay:
            await asyncio.sleep(delay)
        pending.attempts += 1
        lease = Lease(pending.event, pending.receiver, pending.attempts, pending)
        await process(self, lease)

    async def claim(
        self,
        consumer: str,
        subscriptions: Sequence[Subscription],
        limit: int,
        visibility: float,
    ) -> list[Lease]:
        """Always empty: deliveries run in this process as soon as they are published."""
        return []

    async def extend(self, lease: Lease, visibility: float) -> None:
        """Nothing to extend: no other consumer could take the delivery."""

    async def ack(self, lease: Lease) -> None:
        """Forget the delivery."""
        self._pending.pop((lease.event.id, lease.receiver), None)

    async def retry(self, lease: Lease, delay: float, error: str) -> None:
        """Run the delivery again after ``delay`` seconds."""
        pending = self._owned(lease)
        pending.last_error = error
        self._start(pending, delay)

    async def bury(self, lease: Lease, error: str) -> None:
        """Keep the delivery as dead."""
        pending = self._owned(lease)
        pending.dead, pending.last_error = True, error

    def _owned(self, lease: Lease) -> _Pending:
        pending = lease.token
        if not isinstance(pending, _Pending):
            raise TypeError(f"{lease!r} was not handed out by this InlineTransport.")
        return pending

    async def deliveries(self, *, dead: bool) -> list[DeliveryRecord]:
        """Dead deliveries, or those still running or waiting for a retry."""
        return [
            DeliveryRecord(
                item.event.id,
                item.event.signal,
                item.receiver,
                item.attempts,
                item.dead,
                item.last_error,
                item.event.enqueued_at,
            )
            for item in self._pending.values()
            if item.dead is dead
        ]

    async def replay(self, event_id: str, receiver: str | None = None) -> int:
        """Run an event's dead deliveries again, from attempt 1."""
        return self._replay(
            item
            for (event, name), item in self._pending.items()
            if event == event_id and (receiver is None or name == receiver)
        )

    async def replay_dead(self) -> int:
        """Run every dead delivery again, from attempt 1."""
        return self._replay(self._pending.values())

    def _replay(self, items: Iterable[_Pending]) -> int:
        count = 0
        for item in list(items):
            if item.dead:
                item.dead, item.attempts = False, 0
                self._start(item, 0.0)
                count += 1
        return count
