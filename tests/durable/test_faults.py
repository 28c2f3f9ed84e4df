"""The guarantees of durable delivery, each with a real fault: real databases,
real worker subprocesses, real SIGTERM / SIGKILL."""

from __future__ import annotations

import asyncio
import signal
import subprocess
import sys
from collections import Counter

import pytest
from tortoise.transactions import in_transaction

from fastdjango.durable import Enqueued
from fastdjango.durable._schema import TABLE

from .app import failing, placed, stalling
from .conftest import Database
from .models import Order, Ran
from .polling import wait_for_runs, wait_until
from .processes import ROOT, command, dead_letters, environment, terminate, worker

pytestmark = pytest.mark.slow


async def send(signal_: object, count: int) -> list[str]:
    """Place ``count`` orders, each sent in its own transaction; their event ids."""
    ids: list[str] = []
    for number in range(count):
        async with in_transaction():
            order = await Order.create(email=f"buyer{number}@example.com")
            responses = await signal_.send(Order, order=order)  # type: ignore[attr-defined]
        ids.append(next(r.event_id for _, r in responses if isinstance(r, Enqueued)))
    return ids


async def runs() -> Counter[tuple[str, str]]:
    rows = await Ran.all().values_list("event_id", "receiver")
    return Counter((str(event), str(receiver)) for event, receiver in rows)


async def test_each_receiver_gets_each_event_once_and_sigterm_drains(database: Database) -> None:
    ids = await send(placed, 20)
    log_file = database.flags / "worker.log"

    async def progress_logged() -> bool:  # every 0.5 s, however fast the deliveries went
        return "lag" in log_file.read_text()

    with worker(database.url, database.flags) as process:
        await wait_for_runs(40, 30)
        await wait_until(progress_logged, 10, "a progress line")
        assert terminate(process) == 0
    assert await runs() == Counter({(i, r): 1 for i in ids for r in ("record", "second")})
    assert "delivered 40, retried 0, dead 0" in log_file.read_text()  # the stop line


async def test_sender_killed_after_commit_still_delivers(database: Database) -> None:
    sender = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "tests.durable.sender"],
        cwd=ROOT,
        env=environment(database.url, database.flags),
        capture_output=True,
        timeout=60,
        check=False,
    )
    assert sender.returncode == -signal.SIGKILL, sender.stderr.decode()
    event_id = sender.stdout.decode().strip()
    assert await Order.filter(email="killed@example.com").count() == 1  # it committed
    with worker(database.url, database.flags) as process:
        await wait_for_runs(2, 30, event_id=event_id)
        assert terminate(process) == 0
    assert await runs() == Counter({(event_id, "record"): 1, (event_id, "second"): 1})


async def test_worker_killed_mid_receiver_is_delivered_again(database: Database) -> None:
    stall = database.flags / "stall"
    stall.touch()
    await send(stalling, 1)
    with worker(database.url, database.flags, visibility=1.5, name="first") as first:
        await wait_for_runs(1, 30, note="started")
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
    stall.unlink()
    with worker(database.url, database.flags, visibility=1.5, name="second") as second:
        await wait_for_runs(1, 30, note="finished")
        assert terminate(second) == 0
    ran = await Ran.all().order_by("id").values_list("attempt", "note", "pid")
    assert [(attempt, note) for attempt, note, _ in ran] == [
        (1, "started"),
        (2, "started"),
        (2, "finished"),
    ]
    assert ran[0][2] == first.pid
    assert ran[1][2] == ran[2][2] == second.pid
    assert await database.transport.deliveries(dead=False) == []


async def test_failing_receiver_is_dead_lettered_replayed_and_others_flow(
    database: Database,
) -> None:
    broken = database.flags / "broken"
    broken.touch()
    [event_id] = await send(failing, 1)
    with worker(database.url, database.flags) as process:
        await wait_for_runs(1, 30, receiver="record")

        async def buried() -> bool:
            return len(await database.transport.deliveries(dead=True)) == 1

        await wait_until(buried, 30, "the dead letter")
        later = await send(placed, 3)  # other events keep flowing
        await wait_for_runs(6, 30, event_id__in=later)
        [dead] = dead_letters(database.url, database.flags)
        assert (dead["event_id"], dead["receiver"], dead["attempts"]) == (event_id, "flaky", 3)
        assert dead["last_error"].startswith("ConnectionError: warehouse unreachable")
        broken.unlink()
        status, output = command(
            database.url, database.flags, "replay", event_id, "--receiver", "flaky"
        )
        assert (status, output.strip()) == (0, "Replayed 1 deliveries.")
        await wait_for_runs(1, 30, receiver="flaky")
        assert terminate(process) == 0
    assert dead_letters(database.url, database.flags) == []
    assert command(database.url, database.flags, "replay", "--all-dead")[0] == 1
    log = (database.flags / "worker.log").read_text()
    assert "attempt 1 of 3; retrying" in log
    assert "attempt 3 of 3; dead-lettered" in log
    assert "Traceback" in log
    ran = await Ran.filter(receiver="flaky").values_list("event_id", "attempt")
    assert ran == [(event_id, 1)]  # the replay starts from attempt 1


async def test_malformed_and_unknown_events_are_dead_lettered(database: Database) -> None:
    outbox = database.transport.outbox
    marks = ", ".join("?" if outbox.dialect == "sqlite" else f"${n}" for n in range(1, 10))
    insert = (
        f"INSERT INTO {TABLE} (event_id, signal, sender, receiver, payload, headers, "
        f"order_key, enqueued_at, available_at) VALUES ({marks})"
    )
    for event_id, receiver, payload in [
        ("unknown", "nobody", "{}"),
        ("malformed", "record", "not json"),
    ]:
        await outbox.execute(
            insert, [event_id, placed.name, "null", receiver, payload, "{}", None, 0.0, 0.0]
        )
    [good] = await send(placed, 1)
    with worker(database.url, database.flags) as process:
        await wait_for_runs(2, 30, event_id=good)

        async def both_buried() -> bool:
            return len(await database.transport.deliveries(dead=True)) == 2

        await wait_until(both_buried, 30, "two dead letters")
        assert terminate(process) == 0
    dead = {d["event_id"]: d["last_error"] for d in dead_letters(database.url, database.flags)}
    assert dead["unknown"].startswith("LookupError: no durable receiver named 'nobody'")
    assert dead["malformed"].startswith("MalformedEvent: The event's data cannot be decoded")
