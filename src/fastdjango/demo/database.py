"""The demo's database: a temporary SQLite file, or the one ``DATABASE_URL`` names."""

from __future__ import annotations

import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from tortoise import connections
from tortoise.backends.base.config_generator import expand_db_url
from tortoise.context import TortoiseContext

from fastdjango.contrib.tortoise import install
from fastdjango.durable._schema import TABLE as OUTBOX

from .models import TABLES

__all__ = ["DemoError", "database", "display_url", "tortoise_config"]

MODELS = "fastdjango.demo.models"


class DemoError(Exception):
    """The demo cannot run; the message says why and what to do."""


def display_url(url: str) -> str:
    """``url`` with its password hidden."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urlunsplit(parts._replace(netloc=netloc))


@asynccontextmanager
async def database(url: str | None) -> AsyncIterator[tuple[str, str]]:
    """Tortoise set up with the demo models on ``url`` (None: a temporary SQLite file).

    Yields ``(url, connection name)``. The demo's tables (``fdj_demo_*``) and
    the durable outbox are dropped and created on entry and dropped on exit,
    so runs never mix.

    Raises:
        DemoError: the database cannot be reached or the URL is not understood.
    """
    with tempfile.TemporaryDirectory(prefix="fastdjango-demo-") as tmp:
        url = url or f"sqlite://{Path(tmp) / 'demo.sqlite3'}"
        try:
            expand_db_url(url)
        except Exception as exc:
            raise DemoError(
                f"cannot understand the database URL {display_url(url)!r} ({exc}). "
                "Give one like postgres://user:password@127.0.0.1:5432/dbname or "
                "sqlite:///path/to/file.sqlite3."
            ) from None
        config = tortoise_config(url)
        name = next(iter(config["connections"]))
        async with TortoiseContext() as context:
            try:
                await context.init(config=config)
                await _drop_tables(name)
                install()  # before generate_schemas, which then creates the outbox too
                await context.generate_schemas()
            except Exception as exc:
                raise DemoError(
                    f"cannot use the database {display_url(url)}: "
                    f"{type(exc).__name__}: {exc}\n"
                    "Start that database server (or fix the URL given by DATABASE_URL or "
                    "--database-url), or unset DATABASE_URL to use a temporary SQLite file."
                ) from exc
            try:
                yield url, name
            finally:
                await _drop_tables(name)


def tortoise_config(url: str) -> dict[str, Any]:
    """Tortoise's configuration of the demo models on ``url`` (web and worker alike)."""
    # Tortoise caches SQL per connection name: one name per dialect.
    name = urlsplit(url).scheme.split("+")[0] or "default"
    return {
        "connections": {name: url},
        "apps": {"demo": {"models": [MODELS], "default_connection": name}},
    }


async def _drop_tables(name: str) -> None:
    client = connections.get(name)
    for table in (*TABLES, OUTBOX):
        await client.execute_script(f'DROP TABLE IF EXISTS "{table}"')
