"""The demo's durable receivers of ``order_placed``, and the worker that runs them.

``send_confirmation`` and ``notify_warehouse`` (seed 003) are durable: the
request that places an order only writes their event into the outbox, in
the order's transaction, and a worker subprocess the demo starts
(``python -m fastdjango worker --setup fastdjango.demo.durable:setup``)
runs them. ``sync_crm`` fails while the demo's CRM is "down": it is retried,
dead-lettered after three attempts, and replayed once the CRM is back.

Receivers in the worker write what they did as JSON lines into
``effects.jsonl`` in the demo's directory (``FASTDJANGO_DEMO_DIR``), which
the demo reads back for its report.
"""

from __future__ import annotations

import json
import os
from collections.abc import AsyncIterator, Iterator
from contextlib import (
    AbstractContextManager,
    ExitStack,
    asynccontextmanager,
    contextmanager,
    nullcontext,
)
from pathlib import Path
from typing import Any, Final

from tortoise import Tortoise

from fastdjango.contrib.tortoise import install
from fastdjango.durable import DatabaseTransport, Delivery, Durable, configure

from .database import tortoise_config
from .models import Order, User
from .receivers import order_placed

__all__ = ["CRM_DOWN", "RECEIVERS", "SPANS", "durable_wired", "effects", "setup"]

#: The flag file that makes the CRM unreachable while it exists.
CRM_DOWN: Final = "crm-down"
_EFFECTS: Final = "effects.jsonl"
_DIR: Final = "FASTDJANGO_DEMO_DIR"
_DATABASE: Final = "FASTDJANGO_DEMO_DATABASE"
#: Set by ``demo --trace``: the file the worker writes its spans to.
SPANS: Final = "FASTDJANGO_DEMO_SPANS"


def _directory() -> Path:
    return Path(os.environ.get(_DIR, "."))


def _effect(delivery: Delivery, text: str, **extra: object) -> None:
    line = {
        "receiver": delivery.receiver,
        "event_id": delivery.event_id,
        "attempt": delivery.attempt,
        "pid": os.getpid(),
        "text": text,
        **extra,
    }
    with (_directory() / _EFFECTS).open("a") as out:
        out.write(json.dumps(line) + "\n")


def effects(directory: Path) -> list[dict[str, Any]]:
    """What the worker's receivers did so far, in order."""
    path = directory / _EFFECTS
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line]


async def send_confirmation(
    sender: type[Order], order: Order, user: User, delivery: Delivery, **kwargs: Any
) -> None:
    """Mail the customer (once per event: the mail key is the delivery's identity)."""
    subject = f"Order #{order.id} confirmed"
    mail = {"subject": subject, "to": [user.email]}
    _effect(delivery, f"mailed {subject!r} to {user.email}", mail=mail)


async def notify_warehouse(
    sender: type[Order], order: Order, delivery: Delivery, **kwargs: Any
) -> None:
    """Ask the warehouse to ship the order."""
    shipment = f"order #{order.id}: {order.quantity} x {order.item}"
    _effect(delivery, f"shipment requested for {shipment}", shipment=shipment)


async def sync_crm(
    sender: type[Order], order: Order, user: User, delivery: Delivery, **kwargs: Any
) -> None:
    """Copy the customer to the CRM, which is down while the flag file exists."""
    if (_directory() / CRM_DOWN).exists():
        _effect(delivery, "failed: ConnectionError: CRM unreachable")
        raise ConnectionError("CRM unreachable")
    _effect(delivery, f"customer {user.username!r} synced to the CRM")


#: The durable receivers of ``order_placed``, with their options.
RECEIVERS: Final = (
    (send_confirmation, Durable(name="send_confirmation")),
    (notify_warehouse, Durable(name="notify_warehouse")),
    (sync_crm, Durable(name="sync_crm", max_attempts=3, backoff=(0.05, 0.2))),
)


@contextmanager
def durable_wired() -> Iterator[None]:
    """Connect the durable receivers inside the block (web process and worker alike)."""
    with ExitStack() as stack:
        for receiver, options in RECEIVERS:
            order_placed.connect(receiver, durable=options)
            stack.callback(order_placed.disconnect, receiver)
        yield


def _traced() -> AbstractContextManager[None]:
    """``demo --trace``: the worker's spans go to the file the demo reads back."""
    path = os.environ.get(SPANS)
    if not path:
        return nullcontext()
    from .worker_spans import worker_tracing  # the OpenTelemetry SDK, only when tracing

    return worker_tracing(Path(path))


@asynccontextmanager
async def setup() -> AsyncIterator[None]:
    """The worker's set-up: Tortoise on the demo database, the transport, the receivers."""
    await Tortoise.init(config=tortoise_config(os.environ[_DATABASE]))
    install()
    configure(DatabaseTransport(), visibility=10.0)
    try:
        with durable_wired(), _traced():
            yield
    finally:
        configure(None)
        await Tortoise.close_connections()
