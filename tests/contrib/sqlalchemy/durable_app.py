"""Durable receivers of SQLAlchemy models, and the set-up of the worker subprocesses.

The receivers record each call as a ``DurableRun`` row through :data:`ENGINE`
(the test's engine in process; the one :func:`setup` makes in a worker), so
a test counts deliveries by ``(event_id, receiver)``. The worker reads its
database from ``DURABLE_TEST_DB`` (and the PostgreSQL schema from
``DURABLE_TEST_SCHEMA``).
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, create_async_engine
from sqlalchemy.orm import Session

from fastdjango.contrib.sqlalchemy import configure_outbox
from fastdjango.core.signals import Signal, post_save
from fastdjango.durable import DatabaseTransport, Delivery, Durable, configure

from .models import DurableRun, Invoice, Shipment

#: Sent by the tests from their own code, inside or outside a session transaction.
issued = Signal(["invoice"], name="sqlalchemy_durable_tests.issued")


class _Target:
    engine: Engine | AsyncEngine | None = None


#: Where receivers record their calls.
ENGINE = _Target()


async def _record(delivery: Delivery, note: str) -> None:
    run = DurableRun(
        event_id=delivery.event_id,
        receiver=delivery.receiver,
        attempt=delivery.attempt,
        pid=os.getpid(),
        note=note,
    )
    engine = ENGINE.engine
    if isinstance(engine, AsyncEngine):
        async with AsyncSession(engine) as session:
            session.add(run)
            await session.commit()
    elif isinstance(engine, Engine):
        with Session(engine) as session:
            session.add(run)
            session.commit()
    else:
        raise RuntimeError("durable_app.ENGINE.engine is not set")


@post_save.connect(sender=Invoice, durable=Durable(name="invoice_saved"))
async def invoice_saved(
    sender: type[Invoice], instance: Invoice, created: bool, delivery: Delivery, **kwargs: Any
) -> None:
    """Records the snapshot's class, email, total and ``created``."""
    note = (
        f"{sender.__name__}:{type(instance).__name__}:{instance.email}:{instance.total}:{created}"
    )
    await _record(delivery, note)


@post_save.connect(sender=Shipment, durable=Durable(name="shipment_saved"))
async def shipment_saved(instance: Shipment, delivery: Delivery, **kwargs: Any) -> None:
    """Records the SQLModel snapshot's class and address."""
    await _record(delivery, f"{type(instance).__name__}:{instance.address}")


@issued.connect(durable=Durable(name="invoice_issued"))
async def invoice_issued(invoice: Invoice, delivery: Delivery, **kwargs: Any) -> None:
    """Records the invoice sent by hand."""
    await _record(delivery, f"issued:{invoice.email}")


@asynccontextmanager
async def setup() -> AsyncIterator[None]:
    """What ``worker --setup tests.contrib.sqlalchemy.durable_app:setup`` enters."""
    schema = os.environ.get("DURABLE_TEST_SCHEMA")
    arguments: dict[str, Any] = {}
    if schema:
        arguments["connect_args"] = {"server_settings": {"search_path": schema}}
    engine = create_async_engine(os.environ["DURABLE_TEST_DB"], **arguments)
    ENGINE.engine = engine
    configure_outbox(engine)
    configure(
        DatabaseTransport(), visibility=float(os.environ.get("DURABLE_TEST_VISIBILITY", "60"))
    )
    try:
        yield
    finally:
        configure(None)
        configure_outbox(None)
        await engine.dispose()
