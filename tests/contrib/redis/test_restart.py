"""A test-owned redis-server (append-only) stopped and restarted under the transport."""

from __future__ import annotations

import asyncio
import logging

import pytest

from fastdjango.contrib.redis import RedisStreams
from fastdjango.durable._event import Event, Lease

from .events import event, number, subs
from .server import OwnedRedis

pytestmark = pytest.mark.redis


async def test_claims_wait_out_a_stopped_server_and_recover_logging_both(
    own_redis: OwnedRedis, caplog: pytest.LogCaptureFixture
) -> None:
    transport = RedisStreams(own_redis.url, prefix="restart", timeout=1.0)
    await transport.open()
    try:
        await transport.publish([event(n=1)])
        [lease] = await transport.claim("w1", subs(), 10, 30)
        await transport.ack(lease)
        own_redis.stop()
        caplog.set_level(logging.WARNING, "fastdjango.contrib.redis")
        assert await transport.claim("w1", subs(), 10, 30) == []
        assert f"Redis at {own_redis.url} unreachable while claiming deliveries" in caplog.text
        with pytest.raises(ConnectionError, match=f"Redis at '{own_redis.url}' is unreachable"):
            await transport.publish([event(n=2)])
        own_redis.start()
        sent = event(n=3)
        await transport.publish([sent])
        async with asyncio.timeout(10):
            leases: list[Lease] = []
            while not leases:
                leases = await transport.claim("w1", subs(), 10, 30)
        assert [lease.event for lease in leases] == [sent]
        assert "reachable again: claiming deliveries" in caplog.text
        await transport.ack(leases[0])
    finally:
        await transport.close()


@pytest.mark.slow
async def test_nothing_published_is_lost_when_the_server_restarts_while_events_flow(
    own_redis: OwnedRedis,
) -> None:
    """Publishing and consuming go on while the server restarts twice.

    What a publish refused stays with the sender (the outbox, here a list)
    and is published again; everything published arrives at least once.
    """
    publisher = RedisStreams(own_redis.url, prefix="flow", timeout=1.0)
    consumer = RedisStreams(own_redis.url, prefix="flow", timeout=1.0)
    await publisher.open()
    await consumer.open()
    unpublished: list[Event] = []
    delivered: dict[int, int] = {}
    refused: list[int] = []
    total = 600

    async def publish() -> None:
        for n in range(total):
            unpublished.append(event(n=n))
            try:
                await publisher.publish(list(unpublished))
            except ConnectionError:
                refused.append(n)
                await asyncio.sleep(0.05)
                continue
            unpublished.clear()
            await asyncio.sleep(0.002)
        while unpublished:
            try:
                await publisher.publish(list(unpublished))
                unpublished.clear()
            except ConnectionError:
                await asyncio.sleep(0.05)

    async def consume() -> None:
        while len(delivered) < total:
            for lease in await consumer.claim("w1", subs(), 50, 2.0):
                n = number(lease.event.payload)
                delivered[n] = delivered.get(n, 0) + 1
                try:
                    await consumer.ack(lease)
                except ConnectionError:
                    pass  # delivered again once claimed back: at least once

    async def restart() -> None:
        for _ in range(2):
            await asyncio.sleep(0.4)
            await asyncio.to_thread(own_redis.restart)

    try:
        async with asyncio.timeout(45):
            await asyncio.gather(publish(), consume(), restart())
    finally:
        await publisher.close()
        await consumer.close()
    assert refused, "the server restarted while nothing was being published"
    assert sorted(delivered) == list(range(total))
