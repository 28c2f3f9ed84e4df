"""Sending a signal from inside a flush, sync ``Session`` and ``AsyncSession`` alike.

An ``AsyncSession`` runs its flush in a greenlet; an ``async def`` receiver
registered directly as a SQLAlchemy listener would be silently never awaited.
So every send made here goes through :func:`send`: inside that greenlet, the
send's coroutine is awaited through the driver connection's ``run_async``
(public since SQLAlchemy 1.4.30), on the connection the flush writes with;
outside one (a plain ``Session``) the dispatcher's ``send_sync`` runs the
receivers. Either way the session's commit queue is the current one, so
``on_commit=True`` receivers wait for the session's transaction.

A receiver that flushes the session again gets :class:`ReentrantFlushError`,
which says why, instead of SQLAlchemy's bare "Session is already flushing".
"""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Any, cast

from sqlalchemy.engine import Connection
from sqlalchemy.exc import InvalidRequestError
from sqlalchemy.orm import Session
from sqlalchemy.util.concurrency import in_greenlet

from fastdjango.core.signals import (
    Signal,
    commit_scope,
    m2m_changed,
    post_delete,
    post_save,
    pre_delete,
    pre_save,
)

from ._scope import flushing
from ._transactions import commit_queue

__all__ = [
    "LISTENED",
    "Listened",
    "ReentrantFlushError",
    "any_wanted",
    "engine_name",
    "send",
    "wanted",
]


class ReentrantFlushError(InvalidRequestError):
    """A model signal receiver flushed (or committed) the session sending it.

    Model signals are sent while the session flushes, so the session cannot
    flush again from inside a receiver.
    """


class Listened:
    """Which model signals anyone listens to, read once per flush (``before_flush``).

    The mapper events run once per object written; with nobody listening
    they stop at one attribute read.
    """

    __slots__ = ("delete", "m2m", "save")

    def __init__(self) -> None:
        self.save = self.delete = self.m2m = True

    def refresh(self) -> None:
        """Read the dispatcher's current state."""
        self.save = any_wanted(pre_save) or any_wanted(post_save)
        self.delete = any_wanted(pre_delete) or any_wanted(post_delete)
        self.m2m = any_wanted(m2m_changed)


#: Shared by every session: a receiver connected while a flush runs counts
#: from the next flush on.
LISTENED = Listened()


def wanted(signal: Signal, sender: object) -> bool:
    """Would a send from ``sender`` reach a receiver or a ``capture`` block?"""
    return signal.has_listeners(sender) or signal.is_watched


def any_wanted(signal: Signal) -> bool:
    """Would a send from any sender reach a receiver or a ``capture`` block?"""
    return signal.has_listeners() or signal.is_watched


def engine_name(connection: Connection) -> str:
    """What receivers get as ``using``: the engine's ``logging_name``, or ``"default"``.

    Name engines with ``create_engine(url, logging_name="replica")``
    (``create_async_engine`` takes it too) to tell them apart.
    """
    name = connection.engine.logging_name
    return name if isinstance(name, str) and name else "default"


def send(
    signal: Signal, sender: object, session: Session, connection: Connection, **named: Any
) -> None:
    """Send ``signal`` from a flush of ``session`` writing on ``connection``."""
    try:
        with commit_scope(commit_queue(session)), flushing(session, connection):
            if in_greenlet():
                adapter: Any = connection.connection.dbapi_connection
                adapter.run_async(lambda _driver: _send(signal, sender, named))
            else:
                signal.send_sync(sender, **named)
    except ReentrantFlushError:
        raise
    except InvalidRequestError as exc:
        if "already flushing" not in str(exc):
            raise
        raise ReentrantFlushError(
            f"A {signal.name} receiver for {_name(sender)} flushed or committed the session "
            f"while it was flushing {_name(sender)}: model signals are sent during the flush. "
            "Add objects with session.add() (the next flush or commit writes them), or "
            "connect the receiver with on_commit=True to run after the commit."
        ) from exc


def _send(signal: Signal, sender: object, named: dict[str, Any]) -> Awaitable[Any]:
    return cast(Awaitable[Any], signal.send(sender, **named))


def _name(sender: object) -> str:
    return getattr(sender, "__name__", None) or repr(sender)
