"""A real database per test: SQLite in memory, SQLite in a file, PostgreSQL."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import asyncpg  # type: ignore[import-untyped]
import pytest
from tortoise.context import TortoiseContext

from fastdjango.contrib.tortoise import install
from tests.support.services import require_postgres

MODULES = ["tests.contrib.tortoise.models"]


def _config(connection: str, url: str) -> dict[str, Any]:
    return {
        "connections": {connection: url},
        "apps": {"models": {"models": MODULES, "default_connection": connection}},
    }


async def _pg_execute(url: str, sql: str) -> None:
    connection = await asyncpg.connect(url)
    try:
        await connection.execute(sql)
    finally:
        await connection.close()


@pytest.fixture(
    params=["sqlite-memory", "sqlite-file", pytest.param("postgres", marks=pytest.mark.postgres)]
)
async def db(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """An initialised Tortoise with the test models, installed.

    Yields the connection name, which is what receivers get as ``using``.
    """
    backend: str = request.param
    # Tortoise caches SQL per connection name: one name per SQL dialect.
    connection = "postgres" if backend == "postgres" else "sqlite"
    schema = None
    if backend == "postgres":
        base = require_postgres()
        schema = f"fdj_tortoise_{uuid.uuid4().hex[:12]}"
        await _pg_execute(base, f'CREATE SCHEMA "{schema}"')
        url = f"{base}?schema={schema}"
    elif backend == "sqlite-file":
        url = f"sqlite://{tmp_path / 'db.sqlite3'}"
    else:
        url = "sqlite://:memory:"
    try:
        async with TortoiseContext() as ctx:
            await ctx.init(config=_config(connection, url))
            await ctx.generate_schemas()
            install()
            yield connection
    finally:
        if schema is not None:
            await _pg_execute(require_postgres(), f'DROP SCHEMA "{schema}" CASCADE')
