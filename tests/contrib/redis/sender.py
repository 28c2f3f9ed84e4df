"""A web process: ``python -m tests.contrib.redis.sender COUNT``.

Places COUNT orders, each sent in its own transaction (the durable send's
event is published to Redis after each commit), then prints the event ids.
"""

from __future__ import annotations

import asyncio
import sys

from tortoise.transactions import in_transaction

from fastdjango.durable import Enqueued
from tests.durable.models import Order

from .app import placed, setup


async def main(count: int) -> None:
    ids: list[str] = []
    async with setup():
        for number in range(count):
            async with in_transaction():
                order = await Order.create(email=f"buyer{number}@example.com")
                responses = await placed.send(Order, order=order)
            ids.append(next(r.event_id for _, r in responses if isinstance(r, Enqueued)))
    sys.stdout.write("".join(f"{event_id}\n" for event_id in ids))


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1])))
