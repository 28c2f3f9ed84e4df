"""A web process that dies right after its commit: ``python -m tests.durable.sender``.

It places one order in a transaction whose first after-commit call is a
SIGKILL of its own process, so nothing it would do after the commit runs.
Prints the event id before it commits.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys

from tortoise import Tortoise
from tortoise.transactions import in_transaction

from fastdjango.core.signals import current_commit_queue
from fastdjango.durable import Enqueued

from .app import placed, setup
from .models import Order


def _die() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


async def main() -> None:
    async with setup():
        async with in_transaction():
            queue = current_commit_queue()
            assert queue is not None, "fastdjango.contrib.tortoise.install() was not called"
            queue.defer(_die)  # the first thing after the commit
            order = await Order.create(email="killed@example.com")
            responses = await placed.send(Order, order=order)
            [event_id] = {r.event_id for _, r in responses if isinstance(r, Enqueued)}
            sys.stdout.write(f"{event_id}\n")
            sys.stdout.flush()
        await Tortoise.close_connections()  # never reached


if __name__ == "__main__":
    asyncio.run(main())
