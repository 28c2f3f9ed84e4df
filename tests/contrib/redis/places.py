"""A test's meeting place: its database (the outbox, ``Ran``) and RedisStreams,
configured in the test process as in a web process."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import asyncpg  # type: ignore[import-untyped]
from tortoise.context import TortoiseContext

from fastdjango.contrib.redis import RedisStreams
from fastdjango.contrib.tortoise import install
from fastdjango.durable import configure
from tests.durable.app import database_config
from tests.support.services import require_postgres

from .processes import Place


async def _postgres(sql: str) -> None:
    connection = await asyncpg.connect(require_postgres())
    try:
        await connection.execute(sql)
    finally:
        await connection.close()


@asynccontextmanager
async def place(
    redis_url: str,
    prefix: str,
    directory: Path,
    *,
    postgres: bool = False,
    visibility: float = 60.0,
    relay: float = 30.0,
) -> AsyncIterator[Place]:
    """Tortoise on a database of the test's own, RedisStreams configured."""
    schema = f"fdj_redis_{uuid.uuid4().hex[:12]}"
    if postgres:
        await _postgres(f'CREATE SCHEMA "{schema}"')
        database = f"{require_postgres()}?schema={schema}"
    else:
        database = f"sqlite://{directory / 'outbox.sqlite3'}"
    flags = directory / "flags"
    flags.mkdir()
    transport = RedisStreams(redis_url, prefix=prefix, timeout=1.0)
    try:
        async with TortoiseContext() as ctx:
            await ctx.init(config=database_config(database))
            install()
            await ctx.generate_schemas()
            configure(transport, visibility=visibility, relay_delay=relay)
            try:
                yield Place(redis_url, prefix, flags, database, visibility, relay)
            finally:
                configure(None)
                await transport.close()
    finally:
        if postgres:
            await _postgres(f'DROP SCHEMA "{schema}" CASCADE')
