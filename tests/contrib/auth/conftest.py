"""Fixtures for the auth tests: a fast hasher, a database of users, the backends."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest
from argon2 import PasswordHasher
from tortoise import connections
from tortoise.context import TortoiseContext

from fastdjango.contrib.auth import get_backends, make_password, set_backends
from fastdjango.contrib.auth.tortoise import TortoiseBackend
from tests.support.services import require_postgres

from .models import TABLES, AuthUser


@pytest.fixture
def hasher() -> PasswordHasher:
    """An argon2 hasher cheap enough for tests (the default takes ~0.1 s a hash)."""
    return PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)


@pytest.fixture
def restore_backends() -> Iterator[None]:
    """Put the configured backends back as they were after the test."""
    previous = get_backends()
    yield
    set_backends(*previous)


async def _drop_tables(label: str) -> None:
    for table in TABLES:
        await connections.get(label).execute_script(f'DROP TABLE IF EXISTS "{table}"')


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def database(request: pytest.FixtureRequest) -> AsyncIterator[str]:
    """Tortoise on SQLite (in memory) or PostgreSQL with the test models' tables."""
    postgres = request.param == "postgres"
    url = require_postgres() if postgres else "sqlite://:memory:"
    # One connection name per database: Tortoise caches SQL per connection name.
    label = f"auth_{request.param}"
    app = {"models": ["tests.contrib.auth.models"], "default_connection": label}
    async with TortoiseContext() as context:
        await context.init(config={"connections": {label: url}, "apps": {"models": app}})
        if postgres:
            await _drop_tables(label)
        await context.generate_schemas()
        yield request.param
        if postgres:
            await _drop_tables(label)


@pytest.fixture
async def ada(database: str, hasher: PasswordHasher, restore_backends: None) -> AuthUser:
    """User ``ada`` (password ``correct horse``), with the Tortoise backend configured."""
    set_backends(TortoiseBackend(AuthUser, hasher=hasher))
    return await AuthUser.create(
        username="ada", password=make_password("correct horse", hasher=hasher)
    )
