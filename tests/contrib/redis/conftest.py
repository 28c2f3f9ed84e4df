"""Fixtures of the Redis Streams tests: a key prefix each, cleaned up after."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import redis.asyncio as aioredis

from fastdjango.contrib.redis import RedisStreams
from tests.support.services import require_redis

from .server import OwnedRedis, owned_redis


async def delete_prefix(url: str, prefix: str) -> None:
    """Delete every key of ``prefix`` at ``url``."""
    client = aioredis.Redis.from_url(url)
    try:
        keys = [key async for key in client.scan_iter(match=f"{prefix}:*", count=1000)]
        for start in range(0, len(keys), 500):
            await client.delete(*keys[start : start + 500])
    finally:
        await client.aclose()


@pytest.fixture
def prefix() -> str:
    """A key prefix no other test uses."""
    return f"fdtest-{uuid.uuid4().hex[:12]}"


@pytest.fixture
async def redis_url(prefix: str) -> AsyncIterator[str]:
    """The shared test Redis (skip / fail without it); the prefix's keys deleted after."""
    url = require_redis()
    try:
        yield url
    finally:
        await delete_prefix(url, prefix)


@pytest.fixture
async def transport(redis_url: str, prefix: str) -> AsyncIterator[RedisStreams]:
    """An open RedisStreams on the shared test Redis, with the test's prefix."""
    streams = RedisStreams(redis_url, prefix=prefix, shards=4)
    await streams.open()
    try:
        yield streams
    finally:
        await streams.close()


@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[OwnedRedis]:
    """A redis-server of this test's own (append-only, temp dir), stopped by pid after."""
    with owned_redis(tmp_path) as server:
        yield server
