"""``DatabaseTransport``: the outbox table is the queue.

A committed outbox row is a delivery a worker can claim at once: nothing is
published and nothing else runs the database. On SQLite (the embedded
default) it serves one machine; on PostgreSQL claims use ``FOR UPDATE SKIP
LOCKED``, so workers on many machines never take one delivery at once.

Acknowledgements are grouped: the acks of deliveries that finish together
are one ``DELETE`` (one commit), each ``ack()`` returning once its row is
gone.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Final

from . import _sql
from ._event import DeliveryRecord, Event, Lease, MalformedEvent, Subscription
from ._outbox import Outbox, find_outbox, is_outbox
from ._transport import OutboxRole

__all__ = ["DatabaseTransport", "lease_of_row"]

#: How long an empty claim waits for work before it returns nothing.
_CLAIM_WAIT: Final = 0.5
#: Polling an empty queue starts this often and slows down to _POLL_SLOWEST.
_POLL_FASTEST: Final = 0.002
_POLL_SLOWEST: Final = 0.05
#: Deliveries listed by one ``deliveries()`` call at most.
_LISTED: Final = 10_000
#: Acks grouped into one statement at most.
_ACK_BATCH: Final = 500


def lease_of_row(row: Sequence[object]) -> Lease:
    """A lease from a claimed row (:data:`_sql.ROW_COLUMNS`).

    The event is rebuilt without other receivers' rows: ``receivers`` holds
    this row's receiver only. A row whose headers are not a JSON object of
    text yields an event without headers (the worker then still delivers).
    """
    row_id, event_id, signal, sender, receiver, payload, headers, order_key = row[:8]
    enqueued_at, attempts = row[8], row[9]
    try:
        loaded = json.loads(str(headers))
    except ValueError:
        loaded = {}
    event = Event(
        id=str(event_id),
        signal=str(signal),
        sender=str(sender),
        payload=str(payload),
        receivers=(str(receiver),),
        enqueued_at=_time(enqueued_at),
        headers=_text_map(loaded),
        keys={} if order_key is None else {str(receiver): str(order_key)},
    )
    return Lease(event, str(receiver), int(str(attempts)), (row_id, attempts))


def _time(value: object) -> datetime:
    try:
        return datetime.fromtimestamp(float(str(value)), UTC)
    except (ValueError, OverflowError, OSError):
        return datetime.fromtimestamp(0, UTC)


def _text_map(value: object) -> dict[str, str]:
    if isinstance(value, dict) and all(isinstance(item, str) for item in value.values()):
        return {str(key): item for key, item in value.items()}
    return {}


class DatabaseTransport:
    """Use the outbox table as the queue (SQLite or PostgreSQL).

    Args:
        outbox: The outbox to use; default: the one the ORM integration
            registered (``fastdjango.contrib.tortoise.install()``).
    """

    outbox_role: OutboxRole = "queue"

    def __init__(self, outbox: Outbox | None = None) -> None:
        if outbox is not None and not is_outbox(outbox):
            raise TypeError(f"DatabaseTransport(outbox=...) takes an Outbox, got {outbox!r}.")
        self._outbox = outbox
        self._acks: list[tuple[Lease, asyncio.Future[None]]] = []
        self._flushing: asyncio.Task[None] | None = None

    def __repr__(self) -> str:
        where = self._outbox.location if self._outbox is not None else "the registered outbox"
        return f"DatabaseTransport({where})"

    @property
    def outbox(self) -> Outbox:
        """The outbox in use.

        Raises:
            RuntimeError: None was given and no ORM integration registered one.
        """
        outbox = self._outbox or find_outbox()
        if outbox is None:
            raise RuntimeError(
                "DatabaseTransport has no outbox: install an ORM integration first "
                "(fastdjango.contrib.tortoise.install()) or pass DatabaseTransport(outbox=...)."
            )
        return outbox

    @property
    def system(self) -> str:
        """``"sqlite"`` or ``"postgresql"``."""
        return self.outbox.dialect

    async def _run(self, statement: str, parameters: Sequence[object]) -> list[tuple[object, ...]]:
        return await self.outbox.execute(statement, parameters)

    async def open(self) -> None:
        """Check that the outbox table answers.

        Raises:
            ConnectionError: It does not; the message names the database.
        """
        outbox = self.outbox
        try:
            await outbox.execute(_sql.deliveries(outbox.dialect), [1, 1])
        except Exception as exc:
            raise ConnectionError(
                f"The outbox table in {outbox.location} cannot be read ({type(exc).__name__}: "
                f"{exc}); create it with Tortoise.generate_schemas() after install(), or with "
                f"the DDL in the durable receivers guide."
            ) from exc

    async def close(self) -> None:
        """Finish pending acknowledgements; the connection belongs to the ORM."""
        while self._flushing is not None:
            await self._flushing

    async def publish(self, events: Sequence[Event]) -> None:
        """Nothing to do: committed outbox rows are already claimable."""

    async def claim(
        self,
        consumer: str,
        subscriptions: Sequence[Subscription],
        limit: int,
        visibility: float,
    ) -> list[Lease]:
        """Lease ready rows of the subscriptions' signals, oldest first.

        Rows of receivers not among ``subscriptions`` are leased too (the
        worker dead-letters them), so keep every worker of one database
        serving the same receivers.
        """
        signals = sorted({subscription.signal for subscription in subscriptions})
        if not signals or limit < 1:
            await asyncio.sleep(_CLAIM_WAIT)
            return []
        outbox = self.outbox
        statement = _sql.claim(outbox.dialect, len(signals))
        # SQLite has one writer at a time: an idle worker looks with a read
        # before it claims, so it does not hold up the senders' commits.
        probe = _sql.ready(outbox.dialect, len(signals)) if outbox.dialect == "sqlite" else None
        deadline = time.monotonic() + _CLAIM_WAIT
        pause = _POLL_FASTEST
        while True:
            now = time.time()
            if probe is None or await outbox.execute(probe, [now, *signals]):
                rows = await outbox.execute(
                    statement, [now + visibility, consumer, now, *signals, limit]
                )
                if rows:
                    return [lease_of_row(row) for row in sorted(rows, key=_row_id)]
            if time.monotonic() + pause > deadline:
                return []
            await asyncio.sleep(pause)
            pause = min(pause * 2, _POLL_SLOWEST)

    async def extend(self, lease: Lease, visibility: float) -> None:
        """Push the lease's end ``visibility`` seconds from now."""
        row_id, attempts = _token(lease)
        await self._run(
            _sql.extend(self.outbox.dialect), [time.time() + visibility, row_id, attempts]
        )

    async def ack(self, lease: Lease) -> None:
        """Delete the row (grouped with other acks made at the same moment)."""
        _token(lease)
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._acks.append((lease, future))
        if self._flushing is None:
            self._flushing = asyncio.get_running_loop().create_task(self._flush())
        await future

    async def _flush(self) -> None:
        try:
            await asyncio.sleep(0)  # let the acks of this moment gather
            while self._acks:
                batch, self._acks = self._acks[:_ACK_BATCH], self._acks[_ACK_BATCH:]
                parameters: list[object] = []
                for lease, _ in batch:
                    parameters += _token(lease)
                try:
                    await self._run(_sql.ack(self.outbox.dialect, len(batch)), parameters)
                except Exception as exc:
                    for _, future in batch:
                        if not future.done():
                            future.set_exception(exc)
                    continue
                for _, future in batch:
                    if not future.done():
                        future.set_result(None)
        finally:
            self._flushing = None

    async def retry(self, lease: Lease, delay: float, error: str) -> None:
        """Make the row claimable again in ``delay`` seconds, keeping ``error``."""
        row_id, attempts = _token(lease)
        await self._run(
            _sql.retry(self.outbox.dialect), [time.time() + delay, error, row_id, attempts]
        )

    async def bury(self, lease: Lease, error: str) -> None:
        """Mark the row dead, keeping ``error``."""
        row_id, attempts = _token(lease)
        await self._run(_sql.bury(self.outbox.dialect), [1, error, row_id, attempts])

    async def deliveries(self, *, dead: bool) -> list[DeliveryRecord]:
        """Dead rows, or pending ones (waiting, leased or due for a retry), oldest first."""
        rows = await self._run(_sql.deliveries(self.outbox.dialect), [int(dead), _LISTED])
        return [
            DeliveryRecord(
                event_id=str(event_id),
                signal=str(signal),
                receiver=str(receiver),
                attempts=int(str(attempts)),
                dead=bool(is_dead),
                last_error=None if last_error is None else str(last_error),
                enqueued_at=_time(enqueued_at),
            )
            for event_id, signal, receiver, attempts, is_dead, last_error, enqueued_at in rows
        ]

    async def replay(self, event_id: str, receiver: str | None = None) -> int:
        """Make an event's dead rows claimable now, from attempt 1."""
        dialect = self.outbox.dialect
        parameters: list[object] = [time.time(), event_id]
        if receiver is not None:
            parameters.append(receiver)
        rows = await self._run(_sql.replay(dialect, receiver=receiver is not None), parameters)
        return len(rows)

    async def replay_dead(self) -> int:
        """Make every dead row claimable now, from attempt 1."""
        return len(await self._run(_sql.replay_dead(self.outbox.dialect), [time.time()]))


def _row_id(row: Sequence[object]) -> int:
    return int(str(row[0]))


def _token(lease: Lease) -> tuple[object, object]:
    token = lease.token
    if not isinstance(token, tuple) or len(token) != 2:
        raise MalformedEvent(f"{lease!r} was not handed out by a DatabaseTransport.")
    return token[0], token[1]
