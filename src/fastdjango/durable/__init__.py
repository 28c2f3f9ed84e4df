"""Durable receivers: signal receivers that run in worker processes, at least once.

::

    from fastdjango.core.signals import post_save
    from fastdjango.durable import DatabaseTransport, Durable, configure

    @post_save.connect(sender=Order, durable=Durable(max_attempts=5))
    async def send_receipt(sender, instance, created, delivery, **kwargs):
        await mailer.send(instance.email, key=f"{delivery.event_id}:{delivery.receiver}")

    configure(DatabaseTransport())        # at start-up, web and worker alike

A send does not call a durable receiver: it writes an event into the outbox,
in the sender's transaction, and returns an :class:`Enqueued` as that
receiver's response. Workers (``python -m fastdjango worker --setup
MODULE:FUNC``) run the receiver with a :class:`Delivery` keyword, retry it
with backoff and dead-letter it after ``max_attempts``.

Errors: a durable connection that cannot work (no name a worker could find,
a wrong option, a signal without a name) fails at connect with ``TypeError``
or ``ValueError``; an argument that cannot travel as JSON fails the send
with ``TypeError`` before anything is written; a durable send with nothing
configured raises ``RuntimeError``.

Transports implement :class:`fastdjango.durable._transport.Transport`; ORM
integrations implement :class:`fastdjango.durable._outbox.Outbox` and call
:func:`fastdjango.durable._outbox.register_outbox`.
"""

from ._config import configure
from ._connect import Durable
from ._database import DatabaseTransport
from ._event import Delivery, Enqueued
from ._inline import InlineTransport

__all__ = [
    "DatabaseTransport",
    "Delivery",
    "Durable",
    "Enqueued",
    "InlineTransport",
    "configure",
]
