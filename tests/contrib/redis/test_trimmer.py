"""Streams are trimmed beside the claims, in a task of their own."""

from __future__ import annotations

import asyncio
import logging

import pytest

from fastdjango.contrib.redis import RedisStreams
from fastdjango.contrib.redis._trimmer import Trimmer
from fastdjango.durable._event import Lease

from .events import event, subs

pytestmark = pytest.mark.redis


async def test_claims_trim_what_every_group_acknowledged(
    transport: RedisStreams, prefix: str
) -> None:
    await transport.publish([event(n=n) for n in range(300)])
    leases: list[Lease] = []
    async with asyncio.timeout(10):
        while len(leases) < 300:
            leases += await transport.claim("w1", subs(), 100, 30)
    await asyncio.gather(*(transport.ack(lease) for lease in leases))
    redis = (await transport._ready()).redis
    stream = f"{prefix}:s:order_paid"
    async with asyncio.timeout(10):
        while await redis.xlen(stream) >= 300:
            transport._timers["trim"] = 0.0  # a trim is due at every claim
            assert await transport.claim("w1", subs(), 100, 0.05) == []


async def test_one_trim_at_a_time_and_a_failing_one_is_logged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    trimmer = Trimmer()
    started = asyncio.Event()
    release = asyncio.Event()
    calls = 0

    async def slow() -> int:
        nonlocal calls
        calls += 1
        started.set()
        await release.wait()
        return 0

    trimmer.start(slow)
    await started.wait()
    trimmer.start(slow)  # still under way: not started again
    assert trimmer.running
    release.set()
    await asyncio.sleep(0)
    await asyncio.sleep(0)
    assert (calls, trimmer.running) == (1, False)

    async def broken() -> int:
        raise RuntimeError("NOGROUP gone")

    caplog.set_level(logging.WARNING, "fastdjango.contrib.redis")
    trimmer.start(broken)
    await asyncio.sleep(0)
    await asyncio.sleep(0)
    assert "Could not trim streams: RuntimeError: NOGROUP gone" in caplog.text
    trimmer.start(slow)
    await trimmer.stop()  # cancels the trim under way
    assert not trimmer.running
