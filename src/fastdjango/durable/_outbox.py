"""The outbox: where a durable send writes its event, in the sender's transaction.

The table belongs to the ORM integration that owns the connection (Tortoise:
``fastdjango.contrib.tortoise``; SQLAlchemy alike). An integration makes the
table exist (its DDL is :func:`fastdjango.durable._sql.create_statements`),
implements the small :class:`Outbox` protocol over its connection, and calls
:func:`register_outbox` once when it is installed. Everything else — what
is written, the relay, the database queue — is done here with plain SQL
through :meth:`Outbox.execute`, so every integration behaves the same.

An integration also runs the calls the dispatcher defers to "after the
commit" (``fastdjango.core.signals.current_commit_queue``), which it already
does for ``on_commit`` receivers: the publish step rides on that. An ORM
whose transactions are not blocks the integration opens (a SQLAlchemy
session begins and commits wherever your code says) gives its outbox an
optional ``commit_queue()`` method instead: the queue of the transaction
``in_transaction()`` found, or None.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Literal, Protocol

__all__ = [
    "Dialect",
    "Outbox",
    "find_outbox",
    "is_outbox",
    "register_outbox",
    "unregister_outbox",
]

Dialect = Literal["sqlite", "postgresql"]


class Outbox(Protocol):
    """An ORM integration's access to the outbox table's database."""

    @property
    def dialect(self) -> Dialect:
        """The SQL dialect, which also fixes the placeholder style.

        ``"sqlite"`` statements use ``?`` placeholders, ``"postgresql"`` ones
        ``$1, $2, ...`` (what sqlite3 / aiosqlite and asyncpg take).
        """
        ...

    @property
    def location(self) -> str:
        """Where the database is, for messages (a URL with any password masked)."""
        ...

    def in_transaction(self) -> bool:
        """Whether the calling task is inside one of this ORM's transactions."""
        ...

    async def execute(
        self, statement: str, parameters: Sequence[object]
    ) -> list[tuple[object, ...]]:
        """Run one statement and return its rows (``RETURNING`` / ``SELECT``; else []).

        Inside a transaction of the calling task it runs in that transaction
        (a rollback undoes it); otherwise in a transaction of its own,
        committed before this returns.

        Raises:
            Whatever the driver raises; the statement had no effect then.
        """
        ...


#: What an outbox has; looked up without running a property.
_MEMBERS = ("dialect", "location", "in_transaction", "execute")


def is_outbox(value: object) -> bool:
    """Whether ``value``'s type has every member of :class:`Outbox`."""
    own = getattr(value, "__dict__", {})
    return all(hasattr(type(value), name) or name in own for name in _MEMBERS)


_outboxes: list[Outbox] = []
_lock = threading.Lock()


def register_outbox(outbox: Outbox) -> None:
    """Make ``outbox`` available to durable sends and workers.

    An ORM integration calls this once when installed. Registering the same
    object twice keeps one registration. With several registered, a send
    uses the one whose transaction is open, else the first registered.

    Raises:
        TypeError: ``outbox`` does not implement :class:`Outbox`.
    """
    if not is_outbox(outbox):
        raise TypeError(
            f"register_outbox() takes an Outbox (dialect, location, in_transaction(), "
            f"execute()), not {outbox!r}."
        )
    with _lock:
        if all(known is not outbox for known in _outboxes):
            _outboxes.append(outbox)


def unregister_outbox(outbox: Outbox) -> bool:
    """Forget ``outbox``; True if it was registered."""
    with _lock:
        for index, known in enumerate(_outboxes):
            if known is outbox:
                del _outboxes[index]
                return True
    return False


def find_outbox() -> Outbox | None:
    """The outbox a send from the calling task writes to, or None if none is registered."""
    outboxes = _outboxes
    if not outboxes:
        return None
    for outbox in outboxes:
        if outbox.in_transaction():
            return outbox
    return outboxes[0]
