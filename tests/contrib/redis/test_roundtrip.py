"""Script calls on a server whose script cache was emptied (``SCRIPT FLUSH``,
as after a restart): each is loaded again and sent again, inside pipelines
too, and delivery goes on. On a test-owned redis-server."""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import redis.asyncio as aioredis
from redis.exceptions import NoScriptError

from fastdjango.contrib.redis import RedisStreams
from fastdjango.contrib.redis._roundtrip import ScriptCache
from fastdjango.contrib.redis._scripts import RELEASE
from fastdjango.durable._event import Lease
from tests.durable.polling import wait_until

from .app import placed
from .events import event, number, subs
from .places import place
from .processes import kill, start_worker, terminate
from .server import OwnedRedis
from .test_faults import in_outbox, runs, send

pytestmark = pytest.mark.redis


async def flush_scripts(url: str) -> None:
    """Empty the server's script cache, from a client of its own.

    The flush and the check run in one MULTI / EXEC, so a worker loading the
    scripts again at the same moment cannot come between them.
    """
    client: Any = aioredis.Redis.from_url(url)
    try:
        async with client.pipeline(transaction=True) as pipe:
            pipe.script_flush()
            pipe.script_exists(RELEASE.sha)
            _, exists = await pipe.execute()
        assert exists == [False]
    finally:
        await client.aclose()


async def claim_one(transport: RedisStreams, receiver: str = "mail") -> Lease:
    async with asyncio.timeout(10):
        while True:
            leases = await transport.claim("w1", subs("order_paid", receiver), 1, 30)
            if leases:
                return leases[0]


async def test_every_script_call_reloads_after_a_flush(
    own_redis: OwnedRedis, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    transport = RedisStreams(own_redis.url, prefix="flush", shards=2, timeout=1.0)
    await transport.open()
    url = own_redis.url
    try:
        await transport.publish([event(n=0)])  # loads the scripts
        await flush_scripts(url)
        await transport.publish([event(n=1), event(receivers=("sorted",), keys={"sorted": "k"})])
        await flush_scripts(url)
        first = await claim_one(transport)  # READ
        await flush_scripts(url)
        await transport.extend(first, 30)  # EXTEND
        await flush_scripts(url)
        await transport.retry(first, 0.0, "ValueError: once")  # RETRY_LATER
        await flush_scripts(url)
        seen = [first.event.payload]
        for _ in range(2):
            lease = await claim_one(transport)
            seen.append(lease.event.payload)
            await flush_scripts(url)
            await transport.ack(lease)
        assert sorted(number(payload) for payload in seen) == [0, 0, 1]  # n=0 came back
        await flush_scripts(url)
        held = await claim_one(transport, "sorted")  # CLAIM_ORDERED
        await flush_scripts(url)
        await transport.retry(held, 0.0, "ValueError: once")  # RETRY_HELD
        await flush_scripts(url)
        again = await claim_one(transport, "sorted")
        assert (again.event.id, again.attempt) == (held.event.id, 2)
        await flush_scripts(url)
        await transport.bury(again, "ValueError: twice")  # BURY, then RELEASE in one pipeline
        [dead] = await transport.deliveries(dead=True)
        assert (dead.event_id, dead.receiver) == (held.event.id, "sorted")
        await flush_scripts(url)
        assert await transport.replay_dead() == 1
        replayed = await claim_one(transport, "sorted")
        await flush_scripts(url)
        await transport.ack(replayed)  # XACK and RELEASE in one pipeline
        await flush_scripts(url)
        await transport.publish([event(n=3)])  # receivers known: PUBLISH on its own
        last = await claim_one(transport)
        assert number(last.event.payload) == 3
        await transport.ack(last)
        assert await transport.deliveries(dead=False) == []
    finally:
        await transport.close()
    assert caplog.records == []  # nothing failed, nothing was retried


async def test_the_other_commands_of_a_pipeline_run_once(own_redis: OwnedRedis) -> None:
    client: Any = aioredis.Redis.from_url(own_redis.url)
    try:
        cache = ScriptCache(client)
        await cache.ensure()
        await flush_scripts(own_redis.url)
        await client.set("lock", "me")
        trip = cache.round_trip()
        trip.pipe.incr("counter")
        trip.script(RELEASE, ["lock"], ["me"])
        trip.pipe.incr("counter")
        assert await trip.execute() == [1, 1, 2]
        assert await client.get("counter") == b"2"
        assert await client.exists("lock") == 0
    finally:
        await client.aclose()


async def test_a_script_the_server_keeps_losing_is_an_error(own_redis: OwnedRedis) -> None:
    client: Any = aioredis.Redis.from_url(own_redis.url)

    async def load_nothing() -> None:  # as if the cache were flushed after every load
        cache.loaded = True

    try:
        cache = ScriptCache(client)
        cache.ensure = load_nothing  # type: ignore[method-assign]
        with pytest.raises(NoScriptError):
            await cache.call(RELEASE, ["lock"], ["me"])
        assert not cache.loaded
        trip = cache.round_trip()
        trip.script(RELEASE, ["lock"], ["me"])
        with pytest.raises(NoScriptError):
            await trip.execute()
        trip = cache.round_trip()
        trip.script(RELEASE, ["lock"], ["me"])
        [error] = await trip.execute(raise_on_error=False)
        assert isinstance(error, NoScriptError)
        assert not cache.loaded  # the next round trip loads them again
    finally:
        await client.aclose()


@pytest.mark.slow
async def test_a_worker_delivers_on_while_the_script_cache_is_flushed(
    own_redis: OwnedRedis, prefix: str, tmp_path: Path
) -> None:
    async with place(own_redis.url, prefix, tmp_path, relay=30.0) as where:
        worker = start_worker(where, "worker")
        try:
            ids = await send(placed, 3)
            expected = {(i, r) for i in ids for r in ("record", "second")}

            async def delivered() -> bool:
                return set(await runs()) >= expected

            await wait_until(delivered, 30, "the first events delivered")  # the worker is up

            async def flushing() -> None:
                for _ in range(20):
                    await flush_scripts(own_redis.url)
                    await asyncio.sleep(0.05)

            flushes = asyncio.create_task(flushing())
            ids += await send(placed, 60, pause=0.01)
            await flushes
            expected = {(i, r) for i in ids for r in ("record", "second")}
            # The relay waits 30 s: delivered sooner, each event was published by its sender.
            await wait_until(delivered, 20, "every event delivered")
            assert await in_outbox() == 0
            assert terminate(worker) == 0
        finally:
            kill(worker)
        assert await runs() == Counter(dict.fromkeys(expected, 1))
    log = (where.flags / "worker.log").read_text()
    assert "NoScriptError" not in log
    assert "could not" not in log
