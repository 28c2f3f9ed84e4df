"""A durable send: encode it, make its event, record it where the transport wants it.

The dispatcher awaits :func:`enqueue` before any receiver of the send runs.
Everything that can refuse the send (an argument that cannot travel, no
transport configured, no outbox) raises before anything is written, so the
surrounding transaction can still roll back cleanly.

:func:`new_event` is the one place an event is created (tracing hooks put
their headers there); :func:`publish_committed` the one place a committed
event is handed to a relaying transport.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from fastdjango.core.signals import CommitQueue, current_commit_queue

from . import _hooks, _sql
from ._codec import encode_arguments, encode_sender
from ._config import current_settings
from ._connect import DurableSpec
from ._event import Enqueued, Event
from ._outbox import Outbox, find_outbox
from ._transport import Transport

if TYPE_CHECKING:
    from fastdjango.core.signals import Signal

__all__ = ["enqueue", "new_event", "outbox_rows", "publish_committed"]

logger = logging.getLogger("fastdjango.durable")


async def enqueue(
    signal: Signal, sender: object, named: Mapping[str, Any], specs: Sequence[DurableSpec]
) -> list[Enqueued]:
    """Record one event for ``specs`` (the send's durable receivers); one response each.

    Raises:
        TypeError: An argument or the sender cannot travel as JSON.
        RuntimeError: No transport is configured, or the transport needs an
            outbox and no ORM integration registered one.
    """
    settings = current_settings()
    transport = settings.transport
    payload = encode_arguments(named)
    encoded_sender = encode_sender(sender)
    keys: dict[str, str] = {}
    for spec in specs:
        order_key = spec.options.order_key
        if order_key is not None:
            keys[spec.name] = str(order_key(sender=sender, **named))
    event = new_event(
        signal=signal.name or "",
        sender=encoded_sender,
        payload=payload,
        receivers=tuple(spec.name for spec in specs),
        keys=keys,
    )
    role = transport.outbox_role
    if role == "none":
        queue = _commit_queue(find_outbox())
        if queue is None:
            await transport.publish([event])
        else:
            queue.defer(lambda: transport.publish([event]))
    else:
        outbox = find_outbox()
        if outbox is None:
            raise RuntimeError(
                f"{type(transport).__name__} keeps durable events in the outbox table, and no "
                f"ORM integration provides one: call fastdjango.contrib.tortoise.install(), or "
                f"fastdjango.contrib.sqlalchemy.configure_outbox(engine), before sending."
            )
        delay = settings.relay_delay if role == "relay" else 0.0
        statement, parameters = outbox_rows(outbox, event, available_in=delay)
        in_transaction = outbox.in_transaction()
        await outbox.execute(statement, parameters)
        if role == "relay":
            queue = _commit_queue(outbox) if in_transaction else None
            if queue is not None:
                queue.defer(lambda: publish_committed(transport, outbox, event))
            elif not in_transaction:
                await publish_committed(transport, outbox, event)
            # else: a transaction this process cannot see commit; the relay publishes it.
    return [Enqueued(event.id, spec.name) for spec in specs]


def _commit_queue(outbox: Outbox | None) -> CommitQueue | None:
    """Where "after the commit" calls go: the open commit scope, else the outbox's transaction.

    An ORM whose transactions are not blocks of the caller (a SQLAlchemy
    session) gives its outbox a ``commit_queue()`` method instead.
    """
    queue = current_commit_queue()
    if queue is None and outbox is not None:
        own = getattr(outbox, "commit_queue", None)
        if callable(own) and outbox.in_transaction():
            found: CommitQueue | None = own()
            return found
    return queue


def new_event(
    *,
    signal: str,
    sender: str,
    payload: str,
    receivers: tuple[str, ...],
    keys: Mapping[str, str],
    headers: Mapping[str, str] | None = None,
) -> Event:
    """A new event with a fresh id, sent now."""
    event_id = uuid.uuid4().hex
    hooks = _hooks.current
    if hooks is not None:  # tracing: the event carries its trace context
        headers = {**(headers or {}), **hooks.create(event_id, signal, receivers)}
    return Event(
        id=event_id,
        signal=signal,
        sender=sender,
        payload=payload,
        receivers=receivers,
        enqueued_at=datetime.now(UTC),
        headers=dict(headers or {}),
        keys=dict(keys),
    )


def outbox_rows(outbox: Outbox, event: Event, *, available_in: float) -> tuple[str, list[object]]:
    """The one ``INSERT`` that writes ``event`` (a row per receiver) and its parameters."""
    enqueued_at = event.enqueued_at.timestamp()
    available_at = time.time() + available_in
    headers = event.as_fields()["headers"]
    parameters: list[object] = []
    for receiver in event.receivers:
        parameters += [
            event.id,
            event.signal,
            event.sender,
            receiver,
            event.payload,
            headers,
            event.keys.get(receiver),
            enqueued_at,
            available_at,
        ]
    return _sql.insert(outbox.dialect, len(event.receivers)), parameters


async def publish_committed(transport: Transport, outbox: Outbox, event: Event) -> None:
    """Publish a committed event and take it out of the outbox.

    A failure is logged and leaves the event in the outbox: the relay of a
    worker publishes it after the relay delay.
    """
    try:
        await transport.publish([event])
        await outbox.execute(_sql.delete_event(outbox.dialect), [event.id])
    except Exception as exc:
        logger.warning(
            "Event %s of %r stays in the outbox, to be relayed: publishing it failed: %s: %s",
            event.id,
            event.signal,
            type(exc).__name__,
            exc,
        )
