"""The public names, and the message when redis-py is not installed."""

from __future__ import annotations

import subprocess
import sys

import fastdjango.contrib.redis as package
from fastdjango.contrib.redis._connection import masked


def test_public_names() -> None:
    assert package.__all__ == ["RedisStreams"]
    for name in package.__all__:
        assert getattr(package, name).__doc__


def test_missing_redis_py_names_the_extra() -> None:
    code = (
        "import sys; sys.modules['redis'] = None\n"
        "try:\n"
        "    import fastdjango.contrib.redis\n"
        "except ImportError as exc:\n"
        "    print(exc, exc.__suppress_context__)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=30
    )
    assert "pip install 'fastdjango[redis]'" in result.stdout
    assert result.stdout.strip().endswith("True")


def test_urls_are_shown_without_their_password() -> None:
    assert masked("redis://:pw@host:6380/1") == "redis://:***@host:6380/1"
    assert masked("rediss://user:pw@host/0") == "rediss://user:***@host/0"
    assert masked("redis://host:6379/0") == "redis://host:6379/0"
    assert repr(package.RedisStreams("redis://:pw@h:1/0", prefix="p")) == (
        "RedisStreams('redis://:***@h:1/0', prefix='p')"
    )
