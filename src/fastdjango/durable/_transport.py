"""The transport interface: how events reach workers.

A send writes its event into the *outbox* (see :mod:`._outbox`), in the
sender's transaction; a :class:`Transport` carries it from there to the
workers. Three kinds exist, told apart by :attr:`Transport.outbox_role`:

``"queue"``
    The outbox rows are the queue (``DatabaseTransport``): a committed row
    is claimable at once; nothing is published.
``"relay"``
    The event is written to the outbox in the transaction, handed to
    :meth:`Transport.publish` right after the commit, then removed from the
    outbox; workers publish rows left behind longer than the relay delay
    (the process died between commit and publish). ``RedisStreams``.
``"none"``
    Nothing is written; the event is published after the commit, in this
    process (``InlineTransport``, for tests).

Delivery is at least once. A worker calls :meth:`Transport.claim`, runs the
receiver, and only then settles the lease: :meth:`~Transport.ack` on success,
:meth:`~Transport.retry` or :meth:`~Transport.bury` on failure. A lease not
settled within its visibility timeout (the worker died) is claimable again,
with the next attempt number. Settling a lease that has since been claimed
by another worker must not disturb that other worker's lease.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal, Protocol

from ._event import DeliveryRecord, Event, Lease, Subscription

__all__ = ["OutboxRole", "Transport", "is_transport"]

OutboxRole = Literal["queue", "relay", "none"]


class Transport(Protocol):
    """What carries events from the outbox to workers (all methods async).

    Implementations: ``fastdjango.durable.DatabaseTransport``,
    ``fastdjango.durable.InlineTransport``,
    ``fastdjango.contrib.redis.RedisStreams``.
    """

    @property
    def system(self) -> str:
        """The OpenTelemetry ``messaging.system`` value ("redis", "postgresql")."""
        ...

    @property
    def outbox_role(self) -> OutboxRole:
        """How the outbox is used with this transport (see the module docs)."""
        ...

    async def open(self) -> None:
        """Connect and check that the transport answers.

        Called by ``configure`` users at start-up and by the worker before
        its first claim; calling it again when open does nothing.

        Raises:
            ConnectionError: The transport cannot be reached; the message
                names where (a URL with any password masked) and why.
        """
        ...

    async def close(self) -> None:
        """Release connections. Safe to call twice, or without ``open``."""
        ...

    async def publish(self, events: Sequence[Event]) -> None:
        """Make committed events claimable, one delivery per receiver each.

        Called after the commit (and by the relay for rows left in the
        outbox). Idempotent per event id: publishing one event twice (the
        relay racing the sender) must not deliver it twice. A ``"queue"``
        transport is never called.

        Raises:
            ConnectionError: The transport is unreachable; the events stay
                in the outbox and the relay publishes them later.
        """
        ...

    async def claim(
        self,
        consumer: str,
        subscriptions: Sequence[Subscription],
        limit: int,
        visibility: float,
    ) -> list[Lease]:
        """Take up to ``limit`` deliveries for the given receivers.

        Args:
            consumer: This worker's unique name (host, pid, ...).
            subscriptions: The (signal, receiver) pairs the worker serves. A
                transport may also hand out leases of other receivers of the
                same signals (receivers no longer connected anywhere): the
                worker dead-letters those.
            limit: At most this many leases.
            visibility: Seconds the leases stay invisible to other consumers
                unless settled or extended.

        Returns:
            The leases, oldest first; ready deliveries of one receiver with one
            order key come in send order and never two at once. Blocks up to
            a short wait (about a second) when nothing is ready, then returns
            an empty list.
        """
        ...

    async def extend(self, lease: Lease, visibility: float) -> None:
        """Keep a lease invisible ``visibility`` more seconds (a long receiver)."""
        ...

    async def ack(self, lease: Lease) -> None:
        """The receiver finished: the delivery is done and never handed out again."""
        ...

    async def retry(self, lease: Lease, delay: float, error: str) -> None:
        """The receiver failed: hand the delivery out again after ``delay`` seconds.

        ``error`` (``"Type: message"``) is kept as the delivery's last error.
        """
        ...

    async def bury(self, lease: Lease, error: str) -> None:
        """Dead-letter the delivery for this receiver only, keeping ``error``."""
        ...

    async def deliveries(self, *, dead: bool) -> list[DeliveryRecord]:
        """Deliveries not yet done: dead-lettered ones (``dead=True``) or pending ones."""
        ...

    async def replay(self, event_id: str, receiver: str | None = None) -> int:
        """Queue an event's dead-lettered deliveries again, from attempt 1.

        Args:
            event_id: The event.
            receiver: Only this receiver's delivery; all of the event's when None.

        Returns:
            How many deliveries were queued again (0: nothing matched).
        """
        ...

    async def replay_dead(self) -> int:
        """Queue every dead-lettered delivery again; returns how many."""
        ...


#: What a transport has; looked up without running a property.
_MEMBERS = (
    "system",
    "outbox_role",
    "open",
    "close",
    "publish",
    "claim",
    "extend",
    "ack",
    "retry",
    "bury",
    "deliveries",
    "replay",
    "replay_dead",
)


def is_transport(value: object) -> bool:
    """Whether ``value``'s type has every member of :class:`Transport`."""
    own = getattr(value, "__dict__", {})
    return all(hasattr(type(value), name) or name in own for name in _MEMBERS)
