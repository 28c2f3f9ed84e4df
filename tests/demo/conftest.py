"""Fixtures for the demo tests: the databases it runs on, and a leak check."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager

import asyncpg  # type: ignore[import-untyped]
import pytest

from fastdjango.contrib.auth import get_backends
from fastdjango.demo import SIGNALS
from tests.support.services import require_postgres


@asynccontextmanager
async def own_postgres_database() -> AsyncIterator[str]:
    """A PostgreSQL database of its own, dropped afterwards: its URL.

    The demo makes its tables in the database it is given, so runs that
    share one (two suites at once) would meet in the same tables.
    """
    url = require_postgres()
    name = f"fdj_demo_{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(url)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
        try:
            yield url.rsplit("/", 1)[0] + f"/{name}"
        finally:
            await admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
    finally:
        await admin.close()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def database_url(request: pytest.FixtureRequest) -> AsyncIterator[str | None]:
    """None (the demo's temporary SQLite file) or a PostgreSQL database of its own."""
    if request.param == "sqlite":
        yield None
        return
    async with own_postgres_database() as url:
        yield url


@pytest.fixture(autouse=True)
def no_leftovers() -> Iterator[None]:
    """The demo leaves no receiver connected and the auth backends as they were."""
    before = [len(signal.receivers) for signal in SIGNALS]
    backends = get_backends()
    yield
    assert [len(signal.receivers) for signal in SIGNALS] == before
    assert get_backends() == backends
