"""The floor: the same work written directly against redis-py.

``XADD`` in pipelines to publish; a worker loop of ``XREADGROUP`` (blocking,
100 at a time), the no-op, and one ``XACK`` per batch. No retries, no dead
letters, no claiming back: what any delivery on streams has to do at least.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

import redis.asyncio as aioredis
from redis.exceptions import ResponseError

from .peer import Peer, python, setting
from .record import Recorder

GROUP = "floor"


class Floor(Peer):
    """Hand-written redis-py streams."""

    name = "floor"

    @property
    def stream(self) -> str:
        return f"{self.prefix}:floor"

    def command(self) -> list[str]:
        return python("-m", "benchmarks.redis_streams.floor")

    async def open(self) -> None:
        self.redis: Any = aioredis.Redis.from_url(self.url)
        with contextlib.suppress(ResponseError):  # BUSYGROUP: made by an earlier phase
            await self.redis.xgroup_create(self.stream, GROUP, id="0", mkstream=True)

    async def close(self) -> None:
        await self.redis.aclose()

    async def fill(self, count: int, sent: float) -> None:
        for start in range(0, count, 500):
            pipe = self.redis.pipeline(transaction=False)
            for _ in range(min(500, count - start)):
                pipe.xadd(self.stream, {"ts": repr(sent)})
            await pipe.execute()

    async def send(self, sent: float) -> None:
        await self.redis.xadd(self.stream, {"ts": repr(sent)})


async def consume() -> None:
    """The worker: read, record, acknowledge, until killed."""
    recorder = Recorder.from_env()
    redis: Any = aioredis.Redis.from_url(setting("URL"))
    stream = f"{setting('PREFIX')}:floor"
    while True:
        reply = await redis.xreadgroup(GROUP, "floor-1", {stream: ">"}, count=100, block=1000)
        for _, entries in reply or ():
            for _, fields in entries:
                recorder.record(float(fields[b"ts"]))
            await redis.xack(stream, GROUP, *(entry_id for entry_id, _ in entries))


if __name__ == "__main__":
    asyncio.run(consume())
