"""Durable receivers: signal receivers that run in worker processes, at least once.

A receiver connected with ``durable=True`` is not called by the send: the
send records an event in the outbox, in the sender's transaction, and
workers (``python -m fastdjango worker``) run the receiver with retries and
dead letters.

The interface other transports implement lives in
:mod:`fastdjango.durable._transport` (:class:`~._transport.Transport`) and
:mod:`fastdjango.durable._event`; ORM integrations implement
:class:`~._outbox.Outbox` and call :func:`~._outbox.register_outbox`.
"""

from ._event import Delivery, Enqueued

__all__ = ["Delivery", "Enqueued"]
