"""What a stream entry holds, and reading it back as a lease or a record.

A published event's entry is its :meth:`Event.as_fields`, as JSON. A retried,
replayed or dead-lettered delivery's entry wraps them::

    {"event": {...the event's fields...}, "attempt": 3, "error": "Type: message"}

An entry that is not an event at all (written by something else) is kept in
the dead letters as ``{"raw": "...", "error": "..."}``.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from fastdjango.durable._event import DeliveryRecord, Event, MalformedEvent

from ._streams import Entry, Record


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
        return Event.from_fields(record), entry.deliveries, None
    fields = record["event"]
    if not isinstance(fields, dict):
        raise MalformedEvent(f"The stream entry's event is not a JSON object: {fields!r}.")
    base = record.get("attempt", 1)
    error = record.get("error")
    if not isinstance(base, int) or (error is not None and not isinstance(error, str)):
        raise MalformedEvent(f"The stream entry's attempt or error is malformed: {record!r}.")
    return Event.from_fields(fields), base + entry.deliveries - 1, error


def wrapped(event: Event, attempt: int, error: str | None) -> Record:
    """The entry of ``event`` at ``attempt`` with its last ``error``."""
    return {"event": event.as_fields(), "attempt": attempt, "error": error}


def malformed(entry: Entry, error: str) -> Record:
    """The dead letter of an entry that holds no event."""
    return {"raw": entry.value.decode(errors="replace"), "error": error}


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
        fields = record.get("event", record)
        event_id = fields.get("id")
    except (ValueError, AttributeError):
        return None
    return event_id if isinstance(event_id, str) else None
