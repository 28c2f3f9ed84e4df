"""What the benchmark needs of each peer, on the publishing side."""

from __future__ import annotations

import os
import sys
from abc import ABC, abstractmethod
from typing import Any

import redis.asyncio as aioredis


class Peer(ABC):
    """One column: a way to publish items and the command of its worker.

    Arguments:
        url: the Redis server.
        prefix: the prefix of every key the peer uses (deleted at the end).
    """

    name: str
    #: The share of the backlog this peer drains: the slow peers' rates settle
    #: on a tenth of it, and the rounds stay short enough to be many.
    backlog_share: float = 1.0

    def __init__(self, url: str, prefix: str) -> None:
        self.url = url
        self.prefix = prefix

    def environment(self) -> dict[str, str]:
        """Environment variables the worker reads its settings from."""
        return {"BENCH_URL": self.url, "BENCH_PREFIX": self.prefix}

    @abstractmethod
    def command(self) -> list[str]:
        """The worker's command line."""

    async def open(self) -> None:  # noqa: B027 (most peers need nothing)
        """Connect the publishing side."""

    async def close(self) -> None:  # noqa: B027
        """Disconnect the publishing side."""

    @abstractmethod
    async def fill(self, count: int, sent: float) -> None:
        """Publish ``count`` items sent at ``sent``, as fast as the peer allows."""

    @abstractmethod
    async def send(self, sent: float) -> None:
        """Publish one item sent at ``sent`` (one commit, one request)."""

    async def cleanup(self) -> None:
        """Delete every key of the prefix."""
        client: Any = aioredis.Redis.from_url(self.url)
        try:
            keys = [key async for key in client.scan_iter(match=f"{self.prefix}*", count=1000)]
            for start in range(0, len(keys), 500):
                await client.delete(*keys[start : start + 500])
        finally:
            await client.aclose()


def python(*arguments: str) -> list[str]:
    """A command line running this interpreter."""
    return [sys.executable, *arguments]


def setting(name: str) -> str:
    """A worker's setting from the environment (``BENCH_URL``, ``BENCH_PREFIX``)."""
    return os.environ[f"BENCH_{name}"]
