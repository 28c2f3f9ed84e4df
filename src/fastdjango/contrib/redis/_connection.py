"""Connecting to Redis: URLs shown without their password, a clear error when
the server cannot be reached, and reconnecting with backoff while running."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import TypeVar
from urllib.parse import urlsplit, urlunsplit

import redis.asyncio as aioredis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger("fastdjango.contrib.redis")

T = TypeVar("T")

SCHEMES = ("redis", "rediss", "unix")

# What a lost or refused connection raises in redis-py (and the OS).
UNREACHABLE: tuple[type[BaseException], ...] = (RedisConnectionError, RedisTimeoutError, OSError)


def masked(url: str) -> str:
    """``url`` with its password replaced by ``***`` (for errors and logs)."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    user = parts.username or ""
    host = parts.hostname or ""
    if parts.port is not None:
        host = f"{host}:{parts.port}"
    return urlunsplit(parts._replace(netloc=f"{user}:***@{host}"))


def check_url(url: object) -> str:
    """Return ``url`` if it is a Redis URL, else raise ``ValueError``."""
    if not isinstance(url, str):
        raise TypeError(
            f"RedisStreams needs a URL string like 'redis://127.0.0.1:6379/0', got {url!r}."
        )
    scheme = urlsplit(url).scheme
    if scheme not in SCHEMES:
        raise ValueError(
            f"RedisStreams needs a redis://, rediss:// or unix:// URL, got {masked(url)!r}; "
            "e.g. 'redis://127.0.0.1:6379/0'."
        )
    return url


def client(url: str, *, timeout: float) -> aioredis.Redis:
    """A redis-py asyncio client for ``url`` (bytes replies, short timeouts).

    A failed command is tried once more on a new connection (a pooled one
    may have died with a restarted server); waiting longer is left to
    :class:`Backoff`, so a sender never blocks on a Redis that is away.
    """
    try:
        return aioredis.Redis.from_url(
            url,
            socket_connect_timeout=timeout,
            socket_timeout=timeout,
            decode_responses=False,
            retry=Retry(NoBackoff(), 1),
        )
    except ValueError as exc:
        raise ValueError(
            f"RedisStreams could not use the URL {masked(url)!r}: {exc}. "
            "Expected e.g. 'redis://:password@127.0.0.1:6379/0'."
        ) from None


def unreachable(url: str, exc: BaseException) -> ConnectionError:
    """The ``ConnectionError`` to raise when the server at ``url`` does not answer."""
    return ConnectionError(
        f"Redis at {masked(url)!r} is unreachable ({exc}); start it, or fix the URL "
        "given to RedisStreams."
    )


async def ping(redis: aioredis.Redis, url: str) -> None:
    """Check that the server answers; raise ``ConnectionError`` naming it if not."""
    try:
        await redis.ping()
    except UNREACHABLE as exc:
        raise unreachable(url, exc) from exc


class Backoff:
    """Waits between tries while Redis is away, doubling up to a bound, logged.

    The first failure is logged as a warning, then one line per wait doubling
    and then every ``longest`` seconds, and the recovery once.

    Arguments:
        url: the server's URL (logged with the password masked).
        first: the first wait, in seconds.
        longest: the longest wait between two tries.
    """

    def __init__(self, url: str, *, first: float = 0.05, longest: float = 2.0) -> None:
        self.url = masked(url)
        self.first = first
        self.longest = longest
        self.failures = 0
        self._wait = first

    async def failed(self, exc: BaseException, what: str) -> None:
        """Log a failure of ``what`` and wait before the next try."""
        self.failures += 1
        logger.warning(
            "Redis at %s unreachable while %s (%s); trying again in %.2f s (failure %d).",
            self.url,
            what,
            exc,
            self._wait,
            self.failures,
        )
        await asyncio.sleep(self._wait)
        self._wait = min(self._wait * 2, self.longest)

    def succeeded(self, what: str) -> None:
        """Note a success; logs the recovery after failures."""
        if self.failures:
            logger.warning(
                "Redis at %s reachable again: %s after %d failed tries.",
                self.url,
                what,
                self.failures,
            )
            self.failures = 0
            self._wait = self.first

    async def run(self, call: Callable[[], Awaitable[T]], what: str, *, within: float) -> T:
        """Await ``call()``, again after each lost connection, for up to ``within`` seconds.

        Raises:
            ConnectionError: Redis stayed unreachable that long (naming the URL).
        """
        deadline = asyncio.get_running_loop().time() + within
        while True:
            try:
                result = await call()
            except UNREACHABLE as exc:
                if asyncio.get_running_loop().time() + self._wait > deadline:
                    raise ConnectionError(
                        f"Redis at {self.url!r} stayed unreachable for {within:.0f} s while "
                        f"{what} ({exc})."
                    ) from exc
                await self.failed(exc, what)
                continue
            self.succeeded(what)
            return result
