"""Events for the Redis Streams tests."""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime

from fastdjango.durable._event import Event, Subscription


def event(
    signal: str = "order_paid",
    receivers: Sequence[str] = ("mail",),
    *,
    keys: Mapping[str, str] | None = None,
    n: int = 0,
) -> Event:
    """An event of ``signal`` for ``receivers`` whose payload carries ``n``."""
    return Event(
        id=uuid.uuid4().hex,
        signal=signal,
        sender="shop.Order",
        payload=json.dumps({"n": n}),
        receivers=tuple(receivers),
        enqueued_at=datetime.now(UTC),
        keys=dict(keys or {}),
    )


def subs(signal: str = "order_paid", *receivers: str) -> list[Subscription]:
    """Subscriptions of ``receivers`` (default: "mail") to ``signal``."""
    return [Subscription(signal, name) for name in receivers or ("mail",)]


def number(payload: str) -> int:
    """The ``n`` an :func:`event` payload carries."""
    value: int = json.loads(payload)["n"]
    return value
