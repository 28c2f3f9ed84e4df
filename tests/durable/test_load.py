"""PostgreSQL as the queue under load: 4 worker processes, each delivery exactly once."""

from __future__ import annotations

import time
from collections import Counter
from contextlib import ExitStack

import pytest
from tortoise.transactions import in_transaction

from fastdjango.durable import Enqueued

from .app import bulk
from .conftest import Database
from .polling import wait_until
from .processes import terminate, worker

#: 10,000 events (20,000 deliveries) keep the test near 20 s on a 2-core machine.
EVENTS = 10_000
BATCH = 500


@pytest.mark.slow
@pytest.mark.postgres
@pytest.mark.parametrize("database", ["postgres"], indirect=True)
async def test_four_workers_deliver_each_event_once_per_receiver(database: Database) -> None:
    ids: set[str] = set()
    files = sorted(database.flags.glob("bulk-*.txt"))

    def delivered() -> Counter[str]:
        lines: Counter[str] = Counter()
        for path in database.flags.glob("bulk-*.txt"):
            lines.update(path.read_text().splitlines())
        return lines

    async def all_delivered() -> bool:
        return sum(delivered().values()) >= 2 * EVENTS

    with ExitStack() as stack:
        processes = [
            stack.enter_context(worker(database.url, database.flags, concurrency=32, name=f"w{n}"))
            for n in range(4)
        ]
        started = time.monotonic()
        for _ in range(EVENTS // BATCH):
            async with in_transaction():
                for number in range(BATCH):
                    responses = await bulk.send(None, number=number)
                    ids.update(r.event_id for _, r in responses if isinstance(r, Enqueued))
        await wait_until(all_delivered, 45 - (time.monotonic() - started), "every delivery")
        assert [terminate(process) for process in processes] == [0, 0, 0, 0]
    assert files == []  # nothing before the test
    lines = delivered()
    expected = {f"{event} {receiver}" for event in ids for receiver in ("bulk_a", "bulk_b")}
    assert len(ids) == EVENTS
    assert set(lines) == expected
    assert max(lines.values()) == 1  # exactly once per (event, receiver)
    per_worker = [len(path.read_text().splitlines()) for path in database.flags.glob("bulk-*")]
    assert len(per_worker) == 4  # every worker took a share
    assert await database.transport.deliveries(dead=False) == []
