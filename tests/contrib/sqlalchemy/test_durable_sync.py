"""Durable receivers' events from a plain (sync) ``Session`` on SQLite."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, select, text
from sqlalchemy.orm import Session

from fastdjango.contrib.sqlalchemy import SQLAlchemyOutbox, configure_outbox
from fastdjango.durable import DatabaseTransport, configure
from fastdjango.durable._outbox import _outboxes as registered_outboxes
from fastdjango.durable._schema import TABLE
from fastdjango.durable._worker import Worker
from tests.durable.polling import wait_until

from . import durable_app
from .durable_app import issued
from .models import DurableRun, Invoice


@pytest.fixture
def transport(sync_engine: Engine) -> Iterator[DatabaseTransport]:
    """DatabaseTransport over the sync engine's outbox, the only one registered."""
    others = list(registered_outboxes)
    registered_outboxes.clear()
    outbox = configure_outbox(sync_engine)
    assert isinstance(outbox, SQLAlchemyOutbox)
    made = DatabaseTransport(outbox)
    configure(made)
    durable_app.ENGINE.engine = sync_engine
    try:
        yield made
    finally:
        durable_app.ENGINE.engine = None
        configure(None)
        configure_outbox(None)
        registered_outboxes.extend(others)


def _rows(engine: Engine) -> list[str]:
    with engine.connect() as connection:
        found = connection.execute(text(f"SELECT receiver FROM {TABLE} ORDER BY id"))
        return [str(receiver) for receiver in found.scalars()]


@pytest.mark.usefixtures("transport")
def test_a_flush_writes_in_the_transaction_and_a_rollback_removes_it(sync_engine: Engine) -> None:
    with Session(sync_engine) as session:
        session.add(Invoice(email="a@example.com"))
        session.flush()
        inside = session.execute(text(f"SELECT receiver FROM {TABLE}")).scalars().all()
        assert inside == ["invoice_saved"]
        session.rollback()
    assert _rows(sync_engine) == []


@pytest.mark.usefixtures("transport")
def test_a_savepoint_rollback_drops_a_release_keeps(sync_engine: Engine) -> None:
    with Session(sync_engine) as session, session.begin():
        with session.begin_nested():
            session.add(Invoice(email="kept@example.com"))
        savepoint = session.begin_nested()
        session.add(Invoice(email="dropped@example.com"))
        session.flush()
        savepoint.rollback()
        issued.send_sync(Invoice, invoice=Invoice(email="by-hand@example.com"))
    assert _rows(sync_engine) == ["invoice_saved", "invoice_issued"]


@pytest.mark.usefixtures("transport")
def test_a_bad_argument_is_a_type_error_before_any_write(sync_engine: Engine) -> None:
    with Session(sync_engine) as session:
        session.execute(select(1))
        with pytest.raises(TypeError, match=r"argument extra=<object object at"):
            issued.send_sync(Invoice, invoice=Invoice(email="c@example.com"), extra=object())
        assert session.execute(text(f"SELECT count(*) FROM {TABLE}")).scalar_one() == 0
        session.add(Invoice(email="b@example.com"))
        session.commit()
    assert _rows(sync_engine) == ["invoice_saved"]


def test_a_worker_delivers_the_committed_event_once(
    sync_engine: Engine, transport: DatabaseTransport
) -> None:
    with Session(sync_engine) as session:
        session.add(Invoice(email="w@example.com"))
        session.commit()

    def runs() -> list[tuple[str, str]]:
        with Session(sync_engine) as session:
            found = session.execute(select(DurableRun.receiver, DurableRun.note))
            return [(receiver, note) for receiver, note in found]

    async def deliver() -> None:
        worker = Worker(transport, concurrency=2, progress_every=60)
        task = asyncio.get_running_loop().create_task(worker.run())

        async def done() -> bool:
            return not _rows(sync_engine) and bool(runs())

        try:
            await wait_until(done, 20.0, "the worker to deliver the event")
        finally:
            worker.stop()
            await task

    asyncio.run(deliver())
    assert runs() == [("invoice_saved", "Invoice:Invoice:w@example.com:0:True")]
