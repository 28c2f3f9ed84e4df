"""Reaching the real services integration tests use.

A test that needs a service calls :func:`require`: when the service does not
answer it is skipped with the reason shown, unless
``FASTDJANGO_REQUIRE_SERVICES=1`` (CI), where it fails instead.
"""

from __future__ import annotations

import os
import socket

import pytest

POSTGRES_HOST = os.environ.get("FASTDJANGO_TEST_PG_HOST", "127.0.0.1")
POSTGRES_PORT = int(os.environ.get("FASTDJANGO_TEST_PG_PORT", "5432"))
POSTGRES_DB = os.environ.get("FASTDJANGO_TEST_PG_DB", "test")
POSTGRES_USER = os.environ.get("FASTDJANGO_TEST_PG_USER", "postgres")
POSTGRES_URL = f"postgres://{POSTGRES_USER}@{POSTGRES_HOST}:{POSTGRES_PORT}/{POSTGRES_DB}"
REDIS_HOST = os.environ.get("FASTDJANGO_TEST_REDIS_HOST", "127.0.0.1")
REDIS_PORT = int(os.environ.get("FASTDJANGO_TEST_REDIS_PORT", "6379"))
REDIS_URL = f"redis://{REDIS_HOST}:{REDIS_PORT}/0"


def services_required() -> bool:
    return os.environ.get("FASTDJANGO_REQUIRE_SERVICES") == "1"


def _answers(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=2):
            return True
    except OSError:
        return False


def require(name: str, host: str, port: int) -> None:
    """Skip (or fail, in CI) the calling test when ``host:port`` is closed."""
    if _answers(host, port):
        return
    reason = f"{name} is not reachable on {host}:{port}"
    if services_required():
        pytest.fail(f"{reason}, and FASTDJANGO_REQUIRE_SERVICES=1 demands it.")
    pytest.skip(reason)


def require_postgres() -> str:
    """The URL of the test PostgreSQL database, or skip / fail."""
    require("PostgreSQL", POSTGRES_HOST, POSTGRES_PORT)
    return POSTGRES_URL


def require_redis() -> str:
    """The URL of the test Redis server, or skip / fail."""
    require("Redis", REDIS_HOST, REDIS_PORT)
    return REDIS_URL
