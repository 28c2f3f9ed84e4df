"""``on_commit=True`` receivers follow the session's transaction; the capture helper."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlalchemy.orm import Session

from fastdjango.contrib.sqlalchemy import capture_on_commit_callbacks
from fastdjango.core.signals import post_save
from tests.contrib.tortoise.helpers import Recorder, connected

from .models import AuditLog, Post

Sessions = async_sessionmaker[AsyncSession]


def _titles(rec: Recorder) -> list[str]:
    return [call["instance"].title for call in rec.calls]


async def test_runs_after_the_outermost_commit(sessions: Sessions) -> None:
    async with sessions() as session:
        with connected(Recorder(), post_save, on_commit=True) as rec:
            session.add(Post(title="Hello"))
            await session.flush()
            assert rec.calls == []
            await session.commit()
            assert _titles(rec) == ["Hello"]


async def test_a_rollback_drops_it(sessions: Sessions) -> None:
    async with sessions() as session:
        with connected(Recorder(), post_save, on_commit=True) as rec:
            session.add(Post(title="Hello"))
            await session.flush()
            await session.rollback()
            session.add(Post(title="Next"))
            await session.commit()
    assert _titles(rec) == ["Next"]


async def test_a_released_savepoint_hands_over_a_rolled_back_one_drops(
    sessions: Sessions,
) -> None:
    async with sessions() as session:
        with connected(Recorder(), post_save, on_commit=True) as rec:
            async with session.begin():
                async with session.begin_nested():
                    session.add(Post(title="kept"))
                assert rec.calls == []  # released: waits for the outer commit
                savepoint = await session.begin_nested()
                session.add(Post(title="dropped"))
                await session.flush()
                await savepoint.rollback()
                assert rec.calls == []
            assert _titles(rec) == ["kept"]


async def test_async_receivers_run_after_commit_and_may_use_the_session(
    sessions: Sessions,
) -> None:
    counts: list[int | None] = []
    async with sessions() as session:

        async def count_after_commit(**kwargs: Any) -> None:
            counts.append(await session.scalar(select(func.count()).select_from(Post)))

        with connected(count_after_commit, post_save, on_commit=True):
            session.add(Post(title="Hello"))
            await session.commit()
    assert counts == [1]


async def test_a_failing_on_commit_receiver_is_logged_and_the_others_run(
    sessions: Sessions, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(**kwargs: Any) -> None:
        raise RuntimeError("mail server down")

    async with sessions() as session:
        with (
            connected(broken, post_save, on_commit=True),
            connected(Recorder(), post_save, on_commit=True) as rec,
        ):
            session.add(Post(title="Hello"))
            await session.commit()
    assert _titles(rec) == ["Hello"]
    assert "mail server down" in caplog.text


def test_sync_session_on_commit(sync_engine: Engine) -> None:
    with Session(sync_engine, expire_on_commit=False) as session:
        with connected(Recorder(), post_save, on_commit=True) as rec:
            session.add(Post(title="Hello"))
            session.flush()
            assert rec.calls == []
            session.commit()
    assert _titles(rec) == ["Hello"]


async def test_capture_in_a_fixture_transaction(engine: AsyncEngine) -> None:
    async with engine.connect() as connection:
        outer = await connection.begin()
        session = AsyncSession(bind=connection, join_transaction_mode="create_savepoint")
        try:
            with connected(Recorder(), post_save, on_commit=True) as rec:
                async with capture_on_commit_callbacks(session) as callbacks:
                    session.add(Post(title="Hello"))
                    await session.commit()  # only a savepoint of the fixture's transaction
                assert len(callbacks) == 1
                assert rec.calls == []
                async with capture_on_commit_callbacks(session, execute=True) as callbacks:
                    session.add(Post(title="Second"))
                    await session.flush()
                assert len(callbacks) == 1
                assert _titles(rec) == ["Second"]
        finally:
            await session.close()
            await outer.rollback()
    async with AsyncSession(engine) as check:
        assert await check.scalar(select(func.count()).select_from(Post)) == 0


def test_capture_refuses_what_is_not_a_session() -> None:
    with pytest.raises(TypeError, match="takes a Session or an AsyncSession, got 'db'"):
        capture_on_commit_callbacks("db")  # type: ignore[arg-type]


async def test_audit_log_written_on_commit_in_a_new_transaction(sessions: Sessions) -> None:
    async with sessions() as session:

        async def log_after_commit(sender: type, instance: Any, **kwargs: Any) -> None:
            if sender is AuditLog:
                return
            async with sessions() as other:
                other.add(AuditLog(model=sender.__name__, object_id=str(instance.id), action="c"))
                await other.commit()

        with connected(log_after_commit, post_save, on_commit=True):
            session.add(Post(title="Hello"))
            await session.commit()
        assert await session.scalar(select(func.count()).select_from(AuditLog)) == 1
