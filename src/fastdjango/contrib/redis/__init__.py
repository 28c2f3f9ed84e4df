"""Durable receivers on Redis Streams, for many processes on many machines.

::

    from fastdjango.durable import configure
    from fastdjango.contrib.redis import RedisStreams

    configure(RedisStreams("redis://127.0.0.1:6379/0", prefix="myapp"))

Needs redis-py (``pip install 'fastdjango[redis]'``). A stream per signal, a
consumer group per durable receiver, a consumer per worker process; the key
layout is documented in :mod:`fastdjango.contrib.redis._keys`.
"""

try:
    import redis  # noqa: F401
except ImportError:
    raise ImportError(
        "fastdjango.contrib.redis needs redis-py: pip install 'fastdjango[redis]'"
    ) from None

from ._transport import RedisStreams

__all__ = ["RedisStreams"]
