"""The outbox of durable receivers on SQLAlchemy: in the session's transaction, or the engine's.

:func:`configure_outbox` registers a :class:`SQLAlchemyOutbox` over an
engine. A durable send then writes its event

* inside a session transaction (see :mod:`._scope`): through that session's
  connection, in its transaction, so a rollback removes it. From a flush it
  is the connection the flush writes the object with: the mapper's bind
  when the session has several;
* outside one: into the outbox engine, in a transaction of its own,
  committed at once (as the Tortoise integration does outside
  ``in_transaction()``).

Workers, the relay and the operations commands read the outbox engine, so
it must reach the database the sessions write to: an event a session
writes elsewhere would never be delivered, and is refused instead.

Statements arrive with the placeholders of :class:`fastdjango.durable._outbox.Outbox`
(``?`` or ``$1``) and run as ``text()`` with named parameters, whatever the
driver's own placeholder style.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from typing import Any, Final

from sqlalchemy import Engine, TextClause, event, text
from sqlalchemy.engine import URL, Connection
from sqlalchemy.exc import UnboundExecutionError
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.orm import Session
from sqlalchemy.util.concurrency import greenlet_spawn

from fastdjango.core.signals import CommitQueue
from fastdjango.durable._outbox import Dialect, register_outbox, unregister_outbox
from fastdjango.durable._schema import create_statements

from ._scope import TRACKING, current
from ._transactions import commit_queue as session_queue

__all__ = ["SQLAlchemyOutbox", "configure_outbox", "create_outbox_table", "listen_for_create"]

_DIALECTS: Final[dict[str, Dialect]] = {"sqlite": "sqlite", "postgresql": "postgresql"}
_PLACEHOLDER: Final = re.compile(r"\?|\$(\d+)")
_MARK: Final = "fastdjango_outbox_ddl"


def _dialect_of(name: str, where: str) -> Dialect:
    try:
        return _DIALECTS[name]
    except KeyError:
        raise RuntimeError(
            f"Durable receivers keep their outbox in SQLite or PostgreSQL; {where} is {name!r}."
        ) from None


def _database(url: URL) -> tuple[object, ...]:
    """What tells two URLs' databases apart (not the driver, not the password)."""
    return (url.get_backend_name(), url.host, url.port, url.database)


@functools.lru_cache(maxsize=256)
def _bound(statement: str) -> TextClause:
    """``statement`` with ``:p1, :p2, ...`` for its ``?`` / ``$n`` placeholders."""
    count = 0

    def named(match: re.Match[str]) -> str:
        nonlocal count
        count += 1
        return f":p{match.group(1) or count}"

    return text(_PLACEHOLDER.sub(named, statement))


def _run(
    connection: Connection, statement: str, parameters: Sequence[object]
) -> list[tuple[object, ...]]:
    clause = _bound(statement)
    values = {f"p{number}": value for number, value in enumerate(parameters, start=1)}
    result = connection.execute(clause, values)
    return [tuple(row) for row in result] if result.returns_rows else []


class SQLAlchemyOutbox:
    """The outbox table, reached through the session in use or the engine.

    Args:
        engine: where events sent outside a session transaction go, and what
            workers read: an ``Engine`` or ``AsyncEngine`` on SQLite or
            PostgreSQL. Give workers (and ``AsyncSession`` users) an
            ``AsyncEngine``: a plain ``Engine`` blocks the event loop while
            its statements run.
    """

    def __init__(self, engine: Engine | AsyncEngine) -> None:
        if not isinstance(engine, Engine | AsyncEngine):
            raise TypeError(
                f"configure_outbox() takes the Engine or AsyncEngine of the database your "
                f"sessions write to, got {engine!r}."
            )
        self.engine = engine
        self._sync = engine.sync_engine if isinstance(engine, AsyncEngine) else engine
        self._dialect = _dialect_of(self._sync.dialect.name, f"the engine {self.location}")

    def __repr__(self) -> str:
        return f"SQLAlchemyOutbox({self.location})"

    @property
    def location(self) -> str:
        """The engine's URL, password masked."""
        return self._sync.url.render_as_string(hide_password=True)

    def _session_bind(self, session: Session, connection: Connection | None) -> Dialect:
        """The dialect of the send's session; refuses one writing to another database."""
        try:
            bind = connection.engine if connection is not None else session.get_bind()
        except UnboundExecutionError:
            raise RuntimeError(
                "A durable send inside a session transaction writes its event through the "
                "session's default bind, and this session has none: pass bind= to the "
                "session, or send from a flush of the model."
            ) from None
        engine: Any = bind.engine if isinstance(bind, Connection) else bind
        if _database(engine.url) != _database(self._sync.url):
            raise RuntimeError(
                f"A durable send inside a session on "
                f"{engine.url.render_as_string(hide_password=True)} would write its event "
                f"there, and workers read the outbox on {self.location}: call "
                f"configure_outbox() with an engine of the session's database."
            )
        return _dialect_of(engine.dialect.name, "the session's database")

    @property
    def dialect(self) -> Dialect:
        """The dialect of the session in use, else of the engine.

        Raises:
            RuntimeError: The session writes to another database than the
                engine, or it is neither SQLite nor PostgreSQL.
        """
        scope = current()
        if scope is None:
            return self._dialect
        return self._session_bind(*scope)

    def in_transaction(self) -> bool:
        """Whether the calling context is inside a session transaction (or its flush)."""
        return current() is not None

    def commit_queue(self) -> CommitQueue | None:
        """The commit queue of the session transaction in use, None outside one."""
        scope = current()
        return session_queue(scope[0]) if scope is not None else None

    async def execute(
        self, statement: str, parameters: Sequence[object]
    ) -> list[tuple[object, ...]]:
        """Run one statement in the session's transaction, or in one of the engine's."""
        scope = current()
        if scope is not None:
            session, connection = scope
            self._session_bind(session, connection)

            def run() -> list[tuple[object, ...]]:
                used = connection if connection is not None else session.connection()
                return _run(used, statement, parameters)

            # The session's connection may be an AsyncSession's: SQL runs in a greenlet.
            return await greenlet_spawn(run)
        if isinstance(self.engine, AsyncEngine):
            async with self.engine.begin() as outside:
                return await outside.run_sync(_run, statement, parameters)
        with self.engine.begin() as own:
            return _run(own, statement, parameters)


_configured: list[SQLAlchemyOutbox] = []


def configure_outbox(engine: Engine | AsyncEngine | None) -> SQLAlchemyOutbox | None:
    """Keep durable receivers' events in the outbox table of ``engine``'s database.

    Call it at start-up, in the web process and in the worker's ``--setup``
    alike, with the engine your sessions write to. From then on a durable
    send inside a session transaction writes its event in that transaction
    (a rollback removes it, the commit publishes it), and one outside any
    session transaction writes it through ``engine`` at once. Workers and
    ``DatabaseTransport`` use it as the registered outbox. Calling it again
    replaces the engine; ``None`` stops using one.

    Returns:
        The registered outbox (None for ``None``).

    Raises:
        TypeError: ``engine`` is not an ``Engine`` or ``AsyncEngine``.
        RuntimeError: Its database is neither SQLite nor PostgreSQL.
    """
    outbox = SQLAlchemyOutbox(engine) if engine is not None else None
    for previous in _configured:
        unregister_outbox(previous)
    _configured.clear()
    TRACKING.on = outbox is not None
    if outbox is not None:
        register_outbox(outbox)
        _configured.append(outbox)
    return outbox


def create_outbox_table(connection: Connection) -> None:
    """Create ``fastdjango_outbox`` and its indexes on ``connection`` if missing.

    ``Base.metadata.create_all()`` calls it (after ``install(Base)``); call it
    yourself where you create tables another way (``conn.run_sync(...)``
    with an ``AsyncConnection``).

    Raises:
        RuntimeError: The database is neither SQLite nor PostgreSQL.
    """
    dialect = _dialect_of(connection.dialect.name, "the connection's database")
    for statement in create_statements(dialect):
        connection.exec_driver_sql(statement)


def _after_create(_metadata: object, connection: Connection, **_kw: Any) -> None:
    if connection.dialect.name in _DIALECTS:
        create_outbox_table(connection)


def listen_for_create(base: type) -> None:
    """Make ``base.metadata.create_all()`` create the outbox table too (once per metadata)."""
    metadata = getattr(base, "metadata", None)
    if metadata is None or metadata.info.get(_MARK):
        return
    event.listen(metadata, "after_create", _after_create)
    metadata.info[_MARK] = True
