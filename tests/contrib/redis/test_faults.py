"""The guarantees on Redis, each with a real fault: worker subprocesses
SIGKILLed, a test-owned redis-server stopped and restarted."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from tortoise.transactions import in_transaction

from fastdjango.durable import Enqueued
from fastdjango.durable._outbox import find_outbox
from fastdjango.durable._schema import TABLE
from tests.durable.models import Order, Ran
from tests.durable.polling import wait_for_runs, wait_until

from .app import failing, placed, stalling
from .places import place
from .processes import ROOT, Place, command, kill, start_worker, terminate
from .server import OwnedRedis

pytestmark = [pytest.mark.redis, pytest.mark.slow]


async def send(signal: object, count: int, pause: float = 0.0) -> list[str]:
    """Place ``count`` orders, each sent in its own transaction; their event ids."""
    ids: list[str] = []
    for number in range(count):
        async with in_transaction():
            order = await Order.create(email=f"buyer{number}@example.com")
            responses = await signal.send(Order, order=order)  # type: ignore[attr-defined]
        ids.append(next(r.event_id for _, r in responses if isinstance(r, Enqueued)))
        if pause:
            await asyncio.sleep(pause)
    return ids


async def runs() -> Counter[tuple[str, str]]:
    rows = await Ran.all().values_list("event_id", "receiver")
    return Counter((str(event), str(receiver)) for event, receiver in rows)


async def in_outbox() -> int:
    outbox = find_outbox()
    assert outbox is not None
    [(count,)] = await outbox.execute(f"SELECT COUNT(*) FROM {TABLE}", [])
    assert isinstance(count, int)
    return count


async def test_a_worker_killed_mid_receiver_is_claimed_back_by_another(
    redis_url: str, prefix: str, tmp_path: Path
) -> None:
    async with place(redis_url, prefix, tmp_path, visibility=1.5) as where:
        stall = where.flags / "stall"
        stall.touch()
        await send(stalling, 1)
        first = start_worker(where, "first")
        try:
            await wait_for_runs(1, 30, note="started")
        finally:
            kill(first)
        stall.unlink()
        second = start_worker(where, "second")
        try:
            await wait_for_runs(1, 30, note="finished")
            assert terminate(second) == 0
        finally:
            kill(second)
        ran = await Ran.all().order_by("id").values_list("attempt", "note", "pid")
        assert [(attempt, note) for attempt, note, _ in ran] == [
            (1, "started"),
            (2, "started"),
            (2, "finished"),
        ]
        assert ran[0][2] == first.pid
        assert ran[1][2] == ran[2][2] == second.pid


async def test_an_event_committed_while_redis_is_down_waits_in_the_outbox(
    own_redis: OwnedRedis, prefix: str, tmp_path: Path
) -> None:
    async with place(own_redis.url, prefix, tmp_path, relay=0.5) as where:
        own_redis.stop()
        ids = await send(placed, 3)
        assert await in_outbox() == 6  # a row per receiver, nothing lost, nothing published
        own_redis.start()
        worker = start_worker(where, "worker")
        try:
            await wait_for_runs(6, 30)
            assert terminate(worker) == 0
        finally:
            kill(worker)
        assert await runs() == Counter({(i, r): 1 for i in ids for r in ("record", "second")})
        assert await in_outbox() == 0


async def test_nothing_committed_is_lost_when_redis_restarts_while_events_flow(
    own_redis: OwnedRedis, prefix: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    async with place(own_redis.url, prefix, tmp_path, visibility=3.0, relay=1.0) as where:
        worker = start_worker(where, "worker")
        try:
            first = await send(placed, 5)
            await wait_for_runs(10, 30)  # the worker is up (it refuses to start without Redis)
            sending = asyncio.create_task(send(placed, 120, pause=0.01))
            for _ in range(2):
                await asyncio.sleep(0.5)
                await asyncio.to_thread(own_redis.restart)
            ids = first + await sending
            expected = {(i, r) for i in ids for r in ("record", "second")}

            async def all_delivered() -> bool:
                return set(await runs()) >= expected

            await wait_until(all_delivered, 40, "every committed event delivered")
            assert await in_outbox() == 0
            assert terminate(worker) == 0
        finally:
            kill(worker)
        # The restarts hit the web side while it sent: those events were relayed.
        assert "stays in the outbox, to be relayed" in caplog.text


@pytest.mark.postgres
async def test_two_web_processes_and_two_workers_deliver_each_event_once(
    redis_url: str, prefix: str, tmp_path: Path
) -> None:
    async with place(redis_url, prefix, tmp_path, postgres=True) as where:
        workers = [start_worker(where, f"worker-{n}") for n in range(2)]
        try:
            senders = [
                await asyncio.create_subprocess_exec(
                    sys.executable,
                    "-m",
                    "tests.contrib.redis.sender",
                    "60",
                    cwd=ROOT,
                    env=where.environment(),
                    stdout=subprocess.PIPE,
                )
                for _ in range(2)
            ]
            ids: list[str] = []
            for sender in senders:
                output, _ = await asyncio.wait_for(sender.communicate(), 60)
                assert sender.returncode == 0
                ids += output.decode().split()
            assert len(set(ids)) == 120
            await wait_for_runs(240, 40)
            for worker in workers:
                assert terminate(worker) == 0
        finally:
            for worker in workers:
                kill(worker)
        ran = await Ran.all().values_list("event_id", "receiver", "pid")
        assert Counter((e, r) for e, r, _ in ran) == Counter(
            {(i, r): 1 for i in ids for r in ("record", "second")}
        )
        assert {pid for _, _, pid in ran} == {worker.pid for worker in workers}


def dead_letters(where: Place) -> list[dict[str, object]]:
    """What ``deliveries --dead --json`` lists."""
    status, output = command(where, "deliveries", "--dead", "--json")
    assert status == 0, output
    deliveries: list[dict[str, object]] = json.loads(output)["deliveries"]
    return deliveries


async def test_a_failing_receiver_is_retried_dead_lettered_and_replayed(
    redis_url: str, prefix: str, tmp_path: Path
) -> None:
    async with place(redis_url, prefix, tmp_path) as where:
        broken = where.flags / "broken"
        broken.touch()
        [event_id] = await send(failing, 1)
        worker = start_worker(where, "worker")
        try:
            await wait_for_runs(1, 30, receiver="record")

            async def buried() -> bool:
                return len(await asyncio.to_thread(dead_letters, where)) == 1

            await wait_until(buried, 30, "the dead letter")
            later = await send(placed, 2)  # other events keep flowing
            await wait_for_runs(4, 30, event_id__in=later)
            [dead] = dead_letters(where)
            assert (dead["event_id"], dead["receiver"], dead["attempts"]) == (event_id, "flaky", 3)
            assert str(dead["last_error"]).startswith("ConnectionError: warehouse unreachable")
            broken.unlink()
            status, output = command(where, "replay", event_id, "--receiver", "flaky")
            assert (status, output.strip()) == (0, "Replayed 1 deliveries.")
            await wait_for_runs(1, 30, receiver="flaky")
            assert terminate(worker) == 0
        finally:
            kill(worker)
        assert dead_letters(where) == []
        ran = await Ran.filter(receiver="flaky").values_list("event_id", "attempt")
        assert ran == [(event_id, 1)]  # the replay starts from attempt 1
        log = (where.flags / "worker.log").read_text()
        assert "attempt 1 of 3; retrying" in log
        assert "attempt 3 of 3; dead-lettered" in log
