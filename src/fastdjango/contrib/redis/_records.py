"""What a stream entry holds, and reading it back as a lease or a record.

A published event's entry is one JSON object (read back with one
``json.loads``)::

    {"id": "...", "signal": "order_paid", "sender": "shop.Order", "payload": "{...}",
     "receivers": ["shop.mail:send_receipt"], "at": "2026-01-01T12:00:00+00:00",
     "headers": {}, "keys": {}}

A retried, replayed or dead-lettered delivery's entry wraps it::

    {"event": {...}, "attempt": 3, "error": "Type: message"}

An entry that is not an event at all (written by something else) is kept in
the dead letters as ``{"raw": "...", "error": "..."}``.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from fastdjango.durable._event import DeliveryRecord, Event, MalformedEvent

from ._streams import Entry, Record


def fields(event: Event) -> Record:
    """The JSON object an event's entry holds."""
    return {
        "id": event.id,
        "signal": event.signal,
        "sender": event.sender,
        "payload": event.payload,
        "receivers": list(event.receivers),
        "at": event.enqueued_at.isoformat(),
        "headers": dict(event.headers),
        "keys": dict(event.keys),
    }


def _text_map(value: object) -> bool:
    if type(value) is not dict:
        return False
    for key, item in value.items():
        if type(key) is not str or type(item) is not str:
            return False
    return True


def _names(value: object) -> bool:
    if type(value) is not list:
        return False
    for name in value:
        if type(name) is not str:
            return False
    return True


def event_of(record: Record) -> Event:
    """The event :func:`fields` wrote.

    Raises:
        MalformedEvent: ``record`` is not what :func:`fields` writes.
    """
    try:
        event_id, signal, sender, payload = (
            record["id"],
            record["signal"],
            record["sender"],
            record["payload"],
        )
        receivers, headers, keys = record["receivers"], record["headers"], record["keys"]
        enqueued_at = datetime.fromisoformat(record["at"])
    except (KeyError, TypeError, ValueError) as exc:
        raise MalformedEvent(f"The stream entry is not an event ({exc!r}): {record!r}.") from None
    if (
        type(event_id) is not str
        or type(signal) is not str
        or type(sender) is not str
        or type(payload) is not str
        or not event_id
        or not signal
        or not _names(receivers)
        or (headers and not _text_map(headers))
        or (keys and not _text_map(keys))
        or enqueued_at.tzinfo is None
    ):
        raise MalformedEvent(f"The stream entry is not an event: {record!r}.")
    return Event(
        id=event_id,
        signal=signal,
        sender=sender,
        payload=payload,
        receivers=tuple(receivers),
        enqueued_at=enqueued_at,
        headers=headers or {},
        keys=keys or {},
    )


def decode(entry: Entry) -> tuple[Event, int, str | None]:
    """The event of ``entry``, the attempt it is at and its last error.

    Raises:
        MalformedEvent: the entry does not hold an event.
    """
    try:
        record = json.loads(entry.value)
    except ValueError as exc:
        raise MalformedEvent(f"The stream entry is not JSON: {exc}") from None
    if not isinstance(record, dict):
        raise MalformedEvent(f"The stream entry is not a JSON object: {record!r}.")
    if "event" not in record:
        return event_of(record), entry.deliveries, None
    inner = record["event"]
    if not isinstance(inner, dict):
        raise MalformedEvent(f"The stream entry's event is not a JSON object: {inner!r}.")
    base = record.get("attempt", 1)
    error = record.get("error")
    if not isinstance(base, int) or (error is not None and not isinstance(error, str)):
        raise MalformedEvent(f"The stream entry's attempt or error is malformed: {record!r}.")
    return event_of(inner), base + entry.deliveries - 1, error


def wrapped(event: Event, attempt: int, error: str | None) -> Record:
    """The entry of ``event`` at ``attempt`` with its last ``error``."""
    return {"event": fields(event), "attempt": attempt, "error": error}


def malformed(entry: Entry, error: str) -> Record:
    """The dead letter of an entry that holds no event."""
    raw = entry.value
    return {"raw": raw if isinstance(raw, str) else raw.decode(errors="replace"), "error": error}


def delivery_record(
    value: bytes, signal: str, receiver: str, *, dead: bool, deliveries: int = 1
) -> DeliveryRecord:
    """A delivery as ``deliveries`` lists it, from an entry's value."""
    record: Any = json.loads(value)
    if isinstance(record, dict) and "raw" in record:
        return DeliveryRecord(
            event_id="(malformed)",
            signal=signal,
            receiver=receiver,
            attempts=1,
            dead=dead,
            last_error=str(record.get("error")),
            enqueued_at=datetime.now(UTC),
        )
    entry = Entry("", "", signal, receiver, value, deliveries)
    event, attempt, error = decode(entry)
    return DeliveryRecord(
        event_id=event.id,
        signal=signal,
        receiver=receiver,
        attempts=attempt,
        dead=dead,
        last_error=error,
        enqueued_at=event.enqueued_at,
    )


def event_id_of(value: bytes) -> str | None:
    """The event id an entry's value holds, or None for a malformed one."""
    try:
        record = json.loads(value)
        event_id = record.get("event", record).get("id")
    except (ValueError, AttributeError):
        return None
    return event_id if isinstance(event_id, str) else None
