"""What travels between the sending process, a transport and a worker.

* :class:`Event` — one durable send: the signal, the encoded sender and
  arguments, and the names of the durable receivers it is for. Every
  transport stores and hands back events unchanged.
* :class:`Subscription` — one (signal, receiver) pair a worker serves.
* :class:`Lease` — one delivery of one event to one receiver, handed to a
  worker by :meth:`Transport.claim`; settled with ``ack`` / ``retry`` /
  ``bury``.
* :class:`DeliveryRecord` — a pending or dead-lettered delivery as the
  operations commands show it.
* :class:`Enqueued` — what a send returns for a durable receiver.
* :class:`Delivery` — the ``delivery`` keyword a durable receiver is called
  with.

:class:`MalformedEvent` (a ``ValueError``) is raised by :meth:`Event.from_fields`
for stored data that is not an event; a worker dead-letters such a delivery.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

__all__ = [
    "Delivery",
    "DeliveryRecord",
    "Enqueued",
    "Event",
    "Lease",
    "MalformedEvent",
    "Subscription",
]


class MalformedEvent(ValueError):
    """Stored data that cannot be read back as an :class:`Event`."""


@dataclass(frozen=True, slots=True)
class Event:
    """One durable send, as it is stored and delivered.

    Attributes:
        id: Unique, and stable across redeliveries: with a receiver name it
            is the idempotency key of one delivery.
        signal: The signal's ``name``; transports use it as the destination
            (a stream, a queue) and workers to find the signal.
        sender: The encoded sender (a model label, a string, or JSON text
            of an encoded value; see the codec).
        payload: JSON text of the send's named arguments, as the codec wrote
            it.
        receivers: Names of the durable receivers this event is for, in
            connection order.
        enqueued_at: When the send happened (UTC, aware).
        headers: Text headers that travel with the event (``traceparent``
            and the like). Empty by default.
        keys: Receiver name -> order key, only for receivers connected with
            ``Durable(order_key=...)``: deliveries with one key reach that
            receiver in send order.
    """

    id: str
    signal: str
    sender: str
    payload: str
    receivers: tuple[str, ...]
    enqueued_at: datetime
    headers: Mapping[str, str] = field(default_factory=dict)
    keys: Mapping[str, str] = field(default_factory=dict)

    def as_fields(self) -> dict[str, str]:
        """The event as flat text fields (a Redis stream entry, a row).

        :meth:`from_fields` reads them back to an equal event.
        """
        return {
            "id": self.id,
            "signal": self.signal,
            "sender": self.sender,
            "payload": self.payload,
            "receivers": json.dumps(list(self.receivers)),
            "enqueued_at": self.enqueued_at.isoformat(),
            "headers": json.dumps(dict(self.headers), sort_keys=True),
            "keys": json.dumps(dict(self.keys), sort_keys=True),
        }

    @classmethod
    def from_fields(cls, fields: Mapping[str, str] | Mapping[bytes, bytes]) -> Event:
        """Read back what :meth:`as_fields` wrote (text or bytes keys and values).

        Raises:
            MalformedEvent: A field is missing or does not hold what it should.
        """
        text = {_text(key): _text(value) for key, value in fields.items()}
        try:
            receivers = _strings(json.loads(text["receivers"]), "receivers")
            enqueued_at = datetime.fromisoformat(text["enqueued_at"])
            if enqueued_at.tzinfo is None:
                enqueued_at = enqueued_at.replace(tzinfo=UTC)
            return cls(
                id=_present(text, "id"),
                signal=_present(text, "signal"),
                sender=text["sender"],
                payload=text["payload"],
                receivers=tuple(receivers),
                enqueued_at=enqueued_at,
                headers=_text_map(json.loads(text.get("headers", "{}")), "headers"),
                keys=_text_map(json.loads(text.get("keys", "{}")), "keys"),
            )
        except KeyError as exc:
            raise MalformedEvent(f"The stored event has no {exc.args[0]!r} field.") from None
        except ValueError as exc:
            if isinstance(exc, MalformedEvent):
                raise
            raise MalformedEvent(f"The stored event is malformed: {exc}") from None


def _text(value: str | bytes) -> str:
    return value.decode() if isinstance(value, bytes) else value


def _present(fields: Mapping[str, str], name: str) -> str:
    value = fields[name]
    if not value:
        raise MalformedEvent(f"The stored event has an empty {name!r} field.")
    return value


def _strings(value: Any, name: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise MalformedEvent(f"The stored event's {name!r} is not a list of names: {value!r}.")
    return value


def _text_map(value: Any, name: str) -> dict[str, str]:
    if not isinstance(value, dict) or not all(
        isinstance(key, str) and isinstance(item, str) for key, item in value.items()
    ):
        raise MalformedEvent(f"The stored event's {name!r} is not a text mapping: {value!r}.")
    return value


@dataclass(frozen=True, slots=True)
class Subscription:
    """One durable receiver a worker serves: the signal's name and its own."""

    signal: str
    receiver: str


@dataclass(frozen=True, slots=True)
class Lease:
    """One delivery of :attr:`event` to :attr:`receiver`, held by a worker.

    While held it is invisible to other consumers, until it is settled
    (``ack``, ``retry``, ``bury``) or its visibility timeout passes.

    Attributes:
        event: The event to deliver.
        receiver: The durable receiver's name (one of ``event.receivers``,
            or a name this worker does not know: it dead-letters those).
        attempt: Which attempt this is, from 1; counts deliveries lost with a
            crashed worker too.
        token: Whatever the transport needs to settle this lease (a row id,
            a stream entry id); opaque to everyone else.
    """

    event: Event
    receiver: str
    attempt: int
    token: object


@dataclass(frozen=True, slots=True)
class DeliveryRecord:
    """A pending or dead-lettered delivery, as ``deliveries`` lists it.

    Attributes:
        event_id: The event's id.
        signal: The signal's name.
        receiver: The durable receiver's name.
        attempts: Attempts made so far.
        dead: True once dead-lettered.
        last_error: The last failure (``Type: message``), or None.
        enqueued_at: When the event was sent.
    """

    event_id: str
    signal: str
    receiver: str
    attempts: int
    dead: bool
    last_error: str | None
    enqueued_at: datetime

    def as_json(self) -> dict[str, object]:
        """The record as JSON-ready values (what ``deliveries --json`` prints)."""
        return {
            "event_id": self.event_id,
            "signal": self.signal,
            "receiver": self.receiver,
            "attempts": self.attempts,
            "dead": self.dead,
            "last_error": self.last_error,
            "enqueued_at": self.enqueued_at.isoformat(),
        }


@dataclass(frozen=True, slots=True)
class Enqueued:
    """A durable receiver's response to a send: its delivery was recorded.

    Attributes:
        event_id: The id of the event (shared by all durable receivers of
            that send).
        receiver: The durable receiver's name.
    """

    event_id: str
    receiver: str


@dataclass(frozen=True, slots=True)
class Delivery:
    """The ``delivery`` keyword a worker passes to a durable receiver.

    ``(event_id, receiver)`` identifies one delivery across redeliveries: use
    it as the idempotency key of the receiver's side effect.

    Attributes:
        event_id: The event's id, stable across redeliveries.
        receiver: The receiver's durable name.
        attempt: Which attempt this is, from 1.
        enqueued_at: When the event was sent (UTC, aware).
    """

    event_id: str
    receiver: str
    attempt: int
    enqueued_at: datetime
