"""Durable receivers' events in the session's transaction (AsyncSession; SQLite, PostgreSQL)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, inspect, select, text
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from fastdjango.contrib.redis import RedisStreams
from fastdjango.contrib.sqlalchemy import SQLAlchemyOutbox, configure_outbox
from fastdjango.durable import DatabaseTransport, Enqueued, InlineTransport, configure
from fastdjango.durable._schema import TABLE
from fastdjango.durable._worker import Worker
from tests.contrib.redis.conftest import delete_prefix
from tests.durable import processes
from tests.durable.polling import wait_until
from tests.support.services import require_redis

from .conftest import PG_URL
from .durable_app import issued
from .models import Base, DurableRun, Invoice, Shipment

Sessions = async_sessionmaker[AsyncSession]


@pytest.fixture
def queue(outbox: SQLAlchemyOutbox) -> Iterator[DatabaseTransport]:
    """DatabaseTransport over the test's outbox."""
    transport = DatabaseTransport(outbox)
    configure(transport)
    yield transport
    configure(None)


@pytest.fixture
def inline(outbox: SQLAlchemyOutbox) -> Iterator[InlineTransport]:
    """InlineTransport; the outbox stays configured so sends know their session."""
    transport = InlineTransport()
    configure(transport)
    yield transport
    configure(None)


async def _rows(outbox: SQLAlchemyOutbox) -> list[tuple[object, ...]]:
    """The committed outbox rows, read on a connection of the engine's own."""
    engine = outbox.engine
    assert isinstance(engine, AsyncEngine)
    async with engine.connect() as connection:
        found = await connection.execute(
            text(f"SELECT receiver, attempts FROM {TABLE} ORDER BY id")
        )
        return [tuple(row) for row in found]


async def _runs(sessions: Sessions) -> list[tuple[str, str]]:
    async with sessions() as session:
        found = await session.execute(
            select(DurableRun.receiver, DurableRun.note).order_by(DurableRun.id)
        )
        return [(receiver, note) for receiver, note in found]


async def test_create_all_makes_the_outbox_table(engine: AsyncEngine) -> None:
    async with engine.connect() as connection:
        names = await connection.run_sync(lambda sync: inspect(sync).get_table_names())
    assert TABLE in names


@pytest.mark.usefixtures("queue")
async def test_a_flush_writes_in_the_transaction_and_a_rollback_removes_it(
    sessions: Sessions, outbox: SQLAlchemyOutbox
) -> None:
    async with sessions() as session:
        session.add(Invoice(email="a@example.com"))
        await session.flush()
        inside = await session.execute(text(f"SELECT receiver FROM {TABLE}"))
        assert inside.scalars().all() == ["invoice_saved"]
        assert await _rows(outbox) == []  # not visible outside the transaction
        await session.rollback()
    assert await _rows(outbox) == []


@pytest.mark.usefixtures("queue")
async def test_a_savepoint_rollback_drops_its_event_a_release_keeps_it(
    sessions: Sessions, outbox: SQLAlchemyOutbox
) -> None:
    async with sessions() as session, session.begin():
        async with session.begin_nested():
            session.add(Invoice(email="kept@example.com"))
        savepoint = await session.begin_nested()
        session.add(Invoice(email="dropped@example.com"))
        await session.flush()
        await savepoint.rollback()
    assert await _rows(outbox) == [("invoice_saved", 0)]


async def test_inline_delivers_after_the_commit_only_what_committed(
    sessions: Sessions, inline: InlineTransport
) -> None:
    async with sessions() as session:
        async with session.begin():
            async with session.begin_nested():
                session.add(Invoice(email="kept@example.com", total=Decimal("2.50")))
            savepoint = await session.begin_nested()
            session.add(Invoice(email="dropped@example.com"))
            await session.flush()
            await savepoint.rollback()
            await inline.drain()
            assert await _runs(sessions) == []  # nothing before the commit
        session.add(Invoice(email="rolled-back@example.com"))
        await session.flush()
        await session.rollback()
    await inline.drain()
    assert await _runs(sessions) == [
        ("invoice_saved", "Invoice:Invoice:kept@example.com:2.50:True")
    ]


async def test_a_send_in_a_session_transaction_follows_it(
    sessions: Sessions, inline: InlineTransport
) -> None:
    async with sessions() as session:

        async def send_then_fail() -> None:
            async with session.begin():
                invoice = Invoice(email="by-hand@example.com")
                session.add(invoice)
                await issued.send(Invoice, invoice=invoice)
                raise RuntimeError("declined")

        with pytest.raises(RuntimeError, match="declined"):
            await send_then_fail()
        async with session.begin():
            session.add(Invoice(email="kept@example.com"))
            await session.flush()
            [(_, enqueued)] = await issued.send(Invoice, invoice=Invoice(email="sent@example.com"))
            assert isinstance(enqueued, Enqueued)
            await inline.drain()
            assert await _runs(sessions) == []
    await inline.drain()
    assert sorted(await _runs(sessions)) == [
        ("invoice_issued", "issued:sent@example.com"),
        ("invoice_saved", "Invoice:Invoice:kept@example.com:0:True"),
    ]


@pytest.mark.usefixtures("queue")
async def test_a_send_in_a_session_transaction_is_written_there(
    sessions: Sessions, outbox: SQLAlchemyOutbox
) -> None:

    async def send_then_fail() -> None:
        async with sessions() as session, session.begin():
            await session.execute(select(1))
            await issued.send(Invoice, invoice=Invoice(email="x@example.com"))
            raise RuntimeError("declined")

    with pytest.raises(RuntimeError, match="declined"):
        await send_then_fail()
    assert await _rows(outbox) == []
    async with sessions() as session, session.begin():
        await session.execute(select(1))
        await issued.send(Invoice, invoice=Invoice(email="y@example.com"))
    assert await _rows(outbox) == [("invoice_issued", 0)]


@pytest.mark.usefixtures("queue")
async def test_outside_a_session_transaction_the_engine_writes_at_once(
    sessions: Sessions, outbox: SQLAlchemyOutbox
) -> None:
    async with sessions() as session:
        await issued.send(Invoice, invoice=Invoice(email="z@example.com"))  # nothing begun
        session.add(Invoice(email="begun@example.com"))  # add() begins the transaction
        await issued.send(Invoice, invoice=Invoice(email="rolled-back@example.com"))
        await session.rollback()
    assert await _rows(outbox) == [("invoice_issued", 0)]


@pytest.mark.usefixtures("queue")
async def test_a_bad_argument_is_a_type_error_before_any_write(
    sessions: Sessions, outbox: SQLAlchemyOutbox
) -> None:
    async with sessions() as session, session.begin():
        await session.execute(select(1))
        with pytest.raises(TypeError, match=r"argument extra=<object object at .*object"):
            await issued.send(Invoice, invoice=Invoice(email="b@example.com"), extra=object())
        inside = await session.execute(text(f"SELECT count(*) FROM {TABLE}"))
        assert inside.scalar_one() == 0
    assert await _rows(outbox) == []


@pytest.mark.usefixtures("queue")
async def test_a_session_on_another_database_is_refused(
    tmp_path: Path, outbox: SQLAlchemyOutbox
) -> None:
    other = create_async_engine(f"sqlite+aiosqlite:///{tmp_path / 'other.sqlite3'}")
    try:
        async with other.begin() as connection:
            await connection.run_sync(Base.metadata.create_all)
        async with AsyncSession(other) as session:
            session.add(Invoice(email="elsewhere@example.com"))
            with pytest.raises(RuntimeError, match=r"other\.sqlite3 would write its event there"):
                await session.commit()
        async with other.connect() as connection:
            count = await connection.execute(text(f"SELECT count(*) FROM {TABLE}"))
            assert count.scalar_one() == 0
    finally:
        await other.dispose()
    assert await _rows(outbox) == []


def test_configure_outbox_refuses_what_is_not_an_engine() -> None:
    with pytest.raises(TypeError, match=r"Engine or AsyncEngine .* got 'sqlite://'"):
        configure_outbox("sqlite://")  # type: ignore[arg-type]


async def _schema(engine: AsyncEngine) -> str:
    async with engine.connect() as connection:
        return str((await connection.execute(text("SELECT current_schema()"))).scalar_one())


@pytest.mark.usefixtures("queue")
async def test_a_worker_delivers_each_committed_event_once(
    engine: AsyncEngine, sessions: Sessions, outbox: SQLAlchemyOutbox, tmp_path: Path
) -> None:
    async with sessions() as session:
        session.add(Invoice(email="w@example.com", total=Decimal("9.90")))
        session.add(Shipment(address="1 Main St"))
        await session.commit()
        invoice = (await session.execute(select(Invoice))).scalar_one()
        await session.delete(invoice)  # the snapshot still arrives
        await session.commit()
    assert await _rows(outbox) == [("invoice_saved", 0), ("shipment_saved", 0)]
    if engine.dialect.name == "sqlite":
        url, extra = engine.url.render_as_string(hide_password=False), {}
    else:
        url, extra = PG_URL, {"DURABLE_TEST_SCHEMA": await _schema(engine)}
    flags = tmp_path / "flags"
    flags.mkdir()
    setup = "tests.contrib.sqlalchemy.durable_app:setup"
    with processes.worker(url, flags, setup=setup, extra=extra) as worker:

        async def delivered() -> bool:
            return await _rows(outbox) == [] and len(await _runs(sessions)) >= 2

        await wait_until(delivered, 30.0, "the worker to deliver both events")
        assert processes.terminate(worker) == 0
    assert sorted(await _runs(sessions)) == [
        ("invoice_saved", "Invoice:Invoice:w@example.com:9.90:True"),
        ("shipment_saved", "Shipment:1 Main St"),
    ]
    async with sessions() as session:
        pids = (await session.execute(select(func.count(DurableRun.pid.distinct())))).scalar()
    assert pids == 1


@pytest.mark.redis
async def test_a_relaying_transport_publishes_after_the_commit(
    sessions: Sessions, outbox: SQLAlchemyOutbox
) -> None:
    url = require_redis()
    prefix = f"fdtest-sqla-{uuid.uuid4().hex[:12]}"
    streams = RedisStreams(url, prefix=prefix)
    await streams.open()
    configure(streams)
    try:
        async with sessions() as session:
            session.add(Invoice(email="dropped@example.com"))
            await session.flush()
            await session.rollback()
            session.add(Invoice(email="relayed@example.com"))
            await session.flush()
            inside = await session.execute(text(f"SELECT count(*) FROM {TABLE}"))
            assert inside.scalar_one() == 1  # written in the transaction first
            await session.commit()
        assert await _rows(outbox) == []  # published, then taken out of the outbox
        worker = Worker(streams, concurrency=2, progress_every=60)
        task = asyncio.get_running_loop().create_task(worker.run())

        async def ran() -> bool:
            return bool(await _runs(sessions))

        try:
            await wait_until(ran, 20.0, "the worker to run the relayed event")
        finally:
            worker.stop()
            await task
        assert await _runs(sessions) == [
            ("invoice_saved", "Invoice:Invoice:relayed@example.com:0:True")
        ]
    finally:
        configure(None)
        await streams.close()
        await delete_prefix(url, prefix)
