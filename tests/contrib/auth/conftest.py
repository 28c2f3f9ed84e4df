"""Fixtures for the auth tests: a fast hasher, a database of users, the backends."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator

import asyncpg  # type: ignore[import-untyped]
import pytest
from argon2 import PasswordHasher
from tortoise.context import TortoiseContext

from fastdjango.contrib.auth import get_backends, make_password, set_backends
from fastdjango.contrib.auth.tortoise import TortoiseBackend
from tests.support.services import require_postgres

from .models import AuthUser


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


async def _pg_execute(url: str, sql: str) -> None:
    connection = await asyncpg.connect(url)
    try:
        await connection.execute(sql)
    finally:
        await connection.close()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def database(request: pytest.FixtureRequest) -> AsyncIterator[str]:
    """Tortoise on SQLite (in memory) or PostgreSQL (a schema of its own) with the test tables."""
    postgres = request.param == "postgres"
    url, schema = "sqlite://:memory:", None
    if postgres:
        # A schema per test: other test runs use the same database at the same time.
        base, schema = require_postgres(), f"fdj_auth_{uuid.uuid4().hex[:12]}"
        await _pg_execute(base, f'CREATE SCHEMA "{schema}"')
        url = f"{base}?schema={schema}"
    # One connection name per database: Tortoise caches SQL per connection name.
    label = f"auth_{request.param}"
    app = {"models": ["tests.contrib.auth.models"], "default_connection": label}
    try:
        async with TortoiseContext() as context:
            await context.init(config={"connections": {label: url}, "apps": {"models": app}})
            await context.generate_schemas()
            yield request.param
    finally:
        if schema is not None:
            await _pg_execute(require_postgres(), f'DROP SCHEMA "{schema}" CASCADE')


@pytest.fixture
async def ada(database: str, hasher: PasswordHasher, restore_backends: None) -> AuthUser:
    """User ``ada`` (password ``correct horse``), with the Tortoise backend configured."""
    set_backends(TortoiseBackend(AuthUser, hasher=hasher))
    return await AuthUser.create(
        username="ada", password=make_password("correct horse", hasher=hasher)
    )
