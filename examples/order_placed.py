"""The custom-signal example: an order is placed, two receivers react.

Run it with ``python examples/order_placed.py``.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from fastdjango.core.signals import Signal


@dataclass
class User:
    email: str


@dataclass
class Order:
    id: int


order_placed = Signal(providing_args=["order", "user"], name="order_placed")
outbox: list[str] = []


@order_placed.connect
async def send_confirmation(sender: type[Order], order: Order, user: User, **kwargs: Any) -> str:
    await asyncio.sleep(0)  # stands for the mail server round trip
    outbox.append(f"to {user.email}: Order #{order.id} confirmed")
    return "confirmation sent"


@order_placed.connect
async def notify_warehouse(sender: type[Order], order: Order, **kwargs: Any) -> str:
    return f"shipment requested for order #{order.id}"


async def main() -> None:
    responses = await order_placed.send(
        sender=Order, order=Order(id=42), user=User(email="ada@example.com")
    )
    for receiver, response in responses:
        print(f"{receiver.__name__} returned {response!r}")
    print(*outbox, sep="\n")


if __name__ == "__main__":
    asyncio.run(main())
