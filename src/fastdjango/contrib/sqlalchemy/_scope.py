"""Which session transaction a durable send made now belongs to.

* A send from a flush (``_bridge.send`` opens :func:`flushing`): the flushing
  session, on the connection the flush writes the object with.
* A send from your code while a session's transaction is open in the
  calling context (``session.begin()``, or begun by the first ``add()``,
  query or flush): that session, on ``session.connection()``; with several
  open, the one begun last. A fresh session has begun nothing.
* Otherwise none.

Sessions are tracked per context with ``after_transaction_create`` /
``after_transaction_end`` (an ``AsyncSession``'s greenlet shares its task's
context), only while an outbox is configured (:data:`TRACKING`).
"""

from __future__ import annotations

import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Final

from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session, SessionTransaction

__all__ = [
    "TRACKING",
    "current",
    "flushing",
    "on_transaction_create",
    "on_transaction_end",
]

Opened = tuple[weakref.ref[Session], weakref.ref[SessionTransaction]]

_FLUSH: ContextVar[tuple[Session, Connection] | None] = ContextVar(
    "fastdjango_sqlalchemy_flush", default=None
)
_OPEN: ContextVar[tuple[Opened, ...]] = ContextVar("fastdjango_sqlalchemy_open", default=())


class _Tracking:
    __slots__ = ("on",)

    def __init__(self) -> None:
        self.on = False


#: Whether sessions are tracked (an outbox is configured).
TRACKING: Final = _Tracking()


@contextmanager
def flushing(session: Session, connection: Connection) -> Iterator[None]:
    """Sends inside the block come from ``session``'s flush writing on ``connection``."""
    token = _FLUSH.set((session, connection))
    try:
        yield
    finally:
        _FLUSH.reset(token)


def _open(item: Opened) -> Session | None:
    session, transaction = item[0](), item[1]()
    if session is None or transaction is None or session.get_transaction() is not transaction:
        return None
    return session if transaction.is_active else None


def on_transaction_create(session: Session, transaction: SessionTransaction) -> None:
    """``after_transaction_create``: an outermost transaction joins this context's list."""
    if not TRACKING.on or transaction.parent is not None:
        return
    kept = tuple(item for item in _OPEN.get() if _open(item) is not None)
    _OPEN.set((*kept, (weakref.ref(session), weakref.ref(transaction))))


def on_transaction_end(_session: Session, transaction: SessionTransaction) -> None:
    """``after_transaction_end``: an outermost transaction leaves it."""
    if transaction.parent is not None:
        return
    opened = _OPEN.get()
    if opened:
        _OPEN.set(tuple(item for item in opened if item[1]() is not transaction))


def current() -> tuple[Session, Connection | None] | None:
    """The session a send belongs to, with the flush's connection (None outside a flush)."""
    flush = _FLUSH.get()
    if flush is not None:
        return flush
    for item in reversed(_OPEN.get()):
        session = _open(item)
        if session is not None:
            return session, None
    return None
