"""Per-key order with ``Durable(order_key=...)`` across worker processes."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest

from fastdjango.contrib.redis import RedisStreams
from fastdjango.durable._codec import encode_arguments, encode_sender
from fastdjango.durable._enqueue import new_event

from .app import in_order_runs, ordered
from .processes import Place, kill, start_worker, terminate

pytestmark = [pytest.mark.redis, pytest.mark.slow]

KEYS = [f"order-{k}" for k in range(6)]
PER_KEY = 40


async def test_events_of_one_key_reach_the_receiver_in_send_order_with_three_workers(
    redis_url: str, prefix: str, tmp_path: Path
) -> None:
    flags = tmp_path / "flags"
    flags.mkdir()
    where = Place(redis_url, prefix, flags)
    assert ordered.name is not None
    events = [
        new_event(
            signal=ordered.name,
            sender=encode_sender(None),
            payload=encode_arguments({"key": key, "n": n}),
            receivers=("in_order",),
            keys={"in_order": key},
        )
        for n in range(PER_KEY)
        for key in KEYS
    ]
    # The shards of 16 (RedisStreams' default) are what the workers use too.
    publisher = RedisStreams(redis_url, prefix=prefix)
    workers = [start_worker(where, f"worker-{n}") for n in range(3)]
    try:
        for start in range(0, len(events), 30):  # sent while the workers run
            await publisher.publish(events[start : start + 30])
            await asyncio.sleep(0.01)
        deadline = time.monotonic() + 45
        while sum(map(len, in_order_runs(flags).values())) < len(events):
            assert time.monotonic() < deadline, "not every ordered event was delivered"
            await asyncio.sleep(0.1)
        for worker in workers:
            assert terminate(worker) == 0
    finally:
        await publisher.close()
        for worker in workers:
            kill(worker)
    assert in_order_runs(flags) == {key: list(range(PER_KEY)) for key in KEYS}
    ran_in = {path.name.split("-")[1] for path in flags.glob("ordered-*.txt")}
    assert len(ran_in) > 1, "one worker did everything: nothing was shared"
