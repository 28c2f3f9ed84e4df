"""Fixtures of the durable tests: a configured transport, a real database, signal names."""

from __future__ import annotations

import itertools
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import asyncpg  # type: ignore[import-untyped]
import pytest
from tortoise.context import TortoiseContext

from fastdjango.contrib.tortoise import install
from fastdjango.durable import DatabaseTransport, InlineTransport, configure
from tests.support.services import require_postgres

from .app import database_config


@dataclass(frozen=True)
class Database:
    """A test database: its backend, URL, transport, and the fault flags directory."""

    backend: str
    url: str
    transport: DatabaseTransport
    flags: Path


_names = itertools.count()


@pytest.fixture
def inline() -> Iterator[InlineTransport]:
    """An InlineTransport configured for the test (and forgotten after it)."""
    transport = InlineTransport()
    configure(transport)
    try:
        yield transport
    finally:
        configure(None)


@pytest.fixture
def signal_name() -> str:
    """A signal name no other test uses (durable routing is by name)."""
    return f"durable_test_{next(_names)}"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def database(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Database]:
    """A real database with the test models and the outbox, Tortoise initialised on it.

    DatabaseTransport is configured with a 60 s visibility (tests shorten it).
    """
    backend: str = request.param
    schema = None
    if backend == "postgres":
        base = require_postgres()
        schema = f"fdj_durable_{uuid.uuid4().hex[:12]}"
        await _pg_execute(base, f'CREATE SCHEMA "{schema}"')
        url = f"{base}?schema={schema}"
    else:
        url = f"sqlite://{tmp_path / 'durable.sqlite3'}"
    flags = tmp_path / "flags"
    flags.mkdir()
    try:
        async with TortoiseContext() as ctx:
            await ctx.init(config=database_config(url))
            install()
            await ctx.generate_schemas()
            transport = DatabaseTransport()
            configure(transport)
            try:
                yield Database(backend, url, transport, flags)
            finally:
                configure(None)
    finally:
        if schema is not None:
            await _pg_execute(require_postgres(), f'DROP SCHEMA "{schema}" CASCADE')


async def _pg_execute(url: str, sql: str) -> None:
    connection = await asyncpg.connect(url)
    try:
        await connection.execute(sql)
    finally:
        await connection.close()
