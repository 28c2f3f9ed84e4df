"""fastdjango's RedisStreams: events published as a commit publishes them,
delivered by a worker process that claims, runs a no-op and acknowledges.
"""

from __future__ import annotations

import asyncio
import json
import os
import uuid
from datetime import UTC, datetime

from fastdjango.contrib.redis import RedisStreams
from fastdjango.durable._event import Event, Subscription

from .peer import Peer, python, setting
from .record import Recorder

SIGNAL = "bench_signal"
RECEIVER = "benchmarks.redis_streams.ours:noop"


def _event(sent: float) -> Event:
    return Event(
        id=uuid.uuid4().hex,
        signal=SIGNAL,
        sender="bench",
        payload=json.dumps({"sent": sent}),
        receivers=(RECEIVER,),
        enqueued_at=datetime.now(UTC),
    )


class Ours(Peer):
    """fastdjango RedisStreams."""

    name = "fastdjango"

    def command(self) -> list[str]:
        return python("-m", "benchmarks.redis_streams.ours")

    async def open(self) -> None:
        self.transport = RedisStreams(self.url, prefix=self.prefix)
        await self.transport.open()

    async def close(self) -> None:
        await self.transport.close()

    async def fill(self, count: int, sent: float) -> None:
        for start in range(0, count, 500):
            await self.transport.publish([_event(sent) for _ in range(min(500, count - start))])

    async def send(self, sent: float) -> None:
        await self.transport.publish([_event(sent)])


async def consume() -> None:
    """The worker: claim up to 100, run the no-op receiver, acknowledge each."""
    recorder = Recorder.from_env()
    transport = RedisStreams(setting("URL"), prefix=setting("PREFIX"))
    await transport.open()
    subscriptions = [Subscription(SIGNAL, RECEIVER)]
    consumer = f"bench-{os.getpid()}"

    async def deliver(lease: object) -> None:
        assert hasattr(lease, "event")
        recorder.record(json.loads(lease.event.payload)["sent"])
        await transport.ack(lease)  # type: ignore[arg-type]

    while True:
        leases = await transport.claim(consumer, subscriptions, 100, 60.0)
        await asyncio.gather(*(deliver(lease) for lease in leases))


if __name__ == "__main__":
    asyncio.run(consume())
