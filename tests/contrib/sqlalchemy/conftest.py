"""Real databases per test: SQLite through aiosqlite, PostgreSQL through asyncpg; the outbox."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import asyncpg  # type: ignore[import-untyped]
import pytest
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlmodel import SQLModel

from fastdjango.contrib.sqlalchemy import SQLAlchemyOutbox, configure_outbox
from fastdjango.durable._outbox import _outboxes as registered_outboxes
from tests.support.services import (
    POSTGRES_DB,
    POSTGRES_HOST,
    POSTGRES_PORT,
    POSTGRES_USER,
    require_postgres,
)

from . import durable_app
from .models import Base

PG_URL = f"postgresql+asyncpg://{POSTGRES_USER}@{POSTGRES_HOST}:{POSTGRES_PORT}/{POSTGRES_DB}"


async def _pg_execute(sql: str) -> None:
    connection = await asyncpg.connect(require_postgres())
    try:
        await connection.execute(sql)
    finally:
        await connection.close()


def real_sqlite_transactions(engine: Engine) -> None:
    """Let SQLAlchemy, not the driver, begin SQLite transactions.

    The sqlite3 driver begins transactions lazily and breaks SAVEPOINT and
    the rollback of an outer transaction; SQLAlchemy's documented remedy.
    """

    @event.listens_for(engine, "connect")
    def no_driver_transactions(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None

    @event.listens_for(engine, "begin")
    def begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN")


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def engine(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    """An async engine with the test tables, on SQLite or in a schema of its own."""
    schema = None
    if request.param == "postgres":
        require_postgres()
        schema = f"fdj_sqla_{uuid.uuid4().hex[:12]}"
        await _pg_execute(f'CREATE SCHEMA "{schema}"')
        made = create_async_engine(
            PG_URL, connect_args={"server_settings": {"search_path": schema}}
        )
    else:
        made = create_async_engine(f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite3'}")
        real_sqlite_transactions(made.sync_engine)
    try:
        async with made.begin() as connection:
            await connection.run_sync(Base.metadata.create_all)
            await connection.run_sync(SQLModel.metadata.create_all)
        yield made
    finally:
        await made.dispose()
        if schema is not None:
            await _pg_execute(f'DROP SCHEMA "{schema}" CASCADE')


@pytest.fixture
def sessions(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """``AsyncSession`` factory on the test engine."""
    return async_sessionmaker(engine, expire_on_commit=False)


@pytest.fixture
def sync_engine(tmp_path: Path) -> Iterator[Engine]:
    """A plain (sync) SQLite engine with the test tables."""
    made = create_engine(f"sqlite:///{tmp_path / 'sync.sqlite3'}")
    real_sqlite_transactions(made)
    Base.metadata.create_all(made)
    SQLModel.metadata.create_all(made)
    try:
        yield made
    finally:
        made.dispose()


@pytest.fixture
def outbox(engine: AsyncEngine) -> Iterator[SQLAlchemyOutbox]:
    """The test engine's outbox, the only one registered during the test.

    Receivers of ``durable_app`` record their calls through the engine too.
    """
    others = list(registered_outboxes)
    registered_outboxes.clear()
    made = configure_outbox(engine)
    assert made is not None
    durable_app.ENGINE.engine = engine
    try:
        yield made
    finally:
        durable_app.ENGINE.engine = None
        configure_outbox(None)
        registered_outboxes.extend(others)
