"""pre_save / post_save from Session and AsyncSession flushes, every argument."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import Session
from sqlmodel import select as sqlmodel_select

from fastdjango.contrib.sqlalchemy import ReentrantFlushError
from fastdjango.core.signals import post_save, pre_save
from tests.contrib.tortoise.helpers import Recorder, connected

from .models import AuditLog, Base, Document, Hero, Note, Post

SAVE = (pre_save, post_save)
Sessions = async_sessionmaker[AsyncSession]


async def test_insert_sends_pre_and_post_save_with_every_argument(sessions: Sessions) -> None:
    async with sessions() as session:
        post = Post(title="Hello")
        session.add(post)
        with connected(Recorder(), *SAVE) as rec:
            await session.commit()
    pre, saved = rec.calls
    assert (pre.signal, pre.sender, saved.signal, saved.sender) == (
        "pre_save",
        Post,
        "post_save",
        Post,
    )
    assert pre.kwargs == {"instance": post, "raw": False, "using": "default", "update_fields": None}
    assert saved.kwargs == {
        "instance": post,
        "created": True,
        "raw": False,
        "using": "default",
        "update_fields": None,
    }


async def test_pre_save_runs_before_the_insert_and_post_save_after(sessions: Sessions) -> None:
    seen: list[tuple[str, int | None]] = []

    async def before(instance: Post, **kwargs: Any) -> None:
        seen.append(("pre", instance.id))
        instance.body = "set by pre_save"

    async def after(instance: Post, **kwargs: Any) -> None:
        seen.append(("post", instance.id))

    async with sessions() as session:
        post = Post(title="Hello")
        session.add(post)
        with connected(before, pre_save, sender=Post), connected(after, post_save, sender=Post):
            await session.commit()
        assert seen == [("pre", None), ("post", post.id)]
        assert post.id is not None
        stored = await session.scalar(select(Post.body).where(Post.id == post.id))
    assert stored == "set by pre_save"


async def test_update_sends_the_columns_it_writes(sessions: Sessions) -> None:
    async with sessions() as session:
        post = Post(title="Hello", body="text")
        session.add(post)
        await session.commit()
        post.title = "Changed"
        post.body = "text"  # the same value: not written
        with connected(Recorder(), *SAVE) as rec:
            await session.commit()
    pre, saved = rec.calls
    assert pre["update_fields"] == frozenset({"title"})
    assert saved["update_fields"] == frozenset({"title"})
    assert saved["created"] is False


async def test_a_dirty_object_without_net_change_sends_nothing(sessions: Sessions) -> None:
    async with sessions() as session:
        post = Post(title="Hello")
        session.add(post)
        await session.commit()
        post.title = "Other"
        post.title = "Hello"
        assert post in session.dirty
        with connected(Recorder(), *SAVE) as rec:
            await session.commit()
    assert rec.calls == []


@pytest.mark.parametrize("model", ["uuid", "explicit", "autoincrement"])
async def test_created_is_exact_for_every_kind_of_key(sessions: Sessions, model: str) -> None:
    def build(title: str) -> Any:
        if model == "uuid":
            return Document(id=uuid.UUID(int=7), title=title)
        if model == "explicit":
            return Note(slug="key", text=title)
        return Post(id=7, title=title)

    with connected(Recorder(), post_save) as rec:
        async with sessions() as session:
            session.add(build("first"))
            await session.commit()
        async with sessions() as session:
            await session.merge(build("second"))  # the key exists: an UPDATE
            await session.commit()
    assert [call["created"] for call in rec.calls] == [True, False]
    assert rec.calls[1]["update_fields"] in (frozenset({"title"}), frozenset({"text"}))


async def test_a_uuid_key_given_by_a_default_is_an_insert(sessions: Sessions) -> None:
    async with sessions() as session:
        document = Document(title="Report")
        session.add(document)
        with connected(Recorder(), post_save) as rec:
            await session.commit()
    assert rec.calls[0]["created"] is True
    assert isinstance(document.id, uuid.UUID)


async def test_using_is_the_engines_logging_name(tmp_path: Path) -> None:
    named = create_async_engine(
        f"sqlite+aiosqlite:///{tmp_path / 'named.sqlite3'}", logging_name="primary"
    )
    try:
        async with named.begin() as connection:
            await connection.run_sync(Base.metadata.create_all)
        async with AsyncSession(named) as session:
            session.add(Post(title="Hello"))
            with connected(Recorder(), *SAVE) as rec:
                await session.commit()
    finally:
        await named.dispose()
    assert [call["using"] for call in rec.calls] == ["primary", "primary"]


async def test_async_receivers_are_awaited_inside_the_flush(sessions: Sessions) -> None:
    order: list[str] = []

    async def slow(instance: Post, **kwargs: Any) -> None:
        await asyncio.sleep(0.01)
        order.append(f"receiver:{instance.title}")

    async with sessions() as session:
        session.add(Post(title="Hello"))
        with connected(slow, pre_save, sender=Post):
            await session.flush()
            order.append("flushed")
        await session.commit()
    assert order == ["receiver:Hello", "flushed"]


async def test_a_receiver_may_query_the_same_session(sessions: Sessions) -> None:
    counts: list[int | None] = []

    async with sessions() as session:

        async def receiver(**kwargs: Any) -> None:
            counts.append(await session.scalar(select(func.count()).select_from(Post)))

        session.add(Post(title="first"))
        await session.commit()
        session.add(Post(title="second"))
        with connected(receiver, post_save, sender=Post):
            await session.commit()
    assert counts == [2]  # post_save: the row is written, in the same transaction


async def test_a_receiver_that_flushes_gets_an_error_saying_why(sessions: Sessions) -> None:
    async with sessions() as session:

        async def flushes(**kwargs: Any) -> None:
            await session.flush()

        session.add(Post(title="Hello"))
        with (
            connected(flushes, pre_save, sender=Post),
            pytest.raises(ReentrantFlushError, match="flushed or committed the session while"),
        ):
            await session.commit()
        await session.rollback()
        assert await session.scalar(select(func.count()).select_from(Post)) == 0


async def test_a_raising_pre_save_stops_the_flush(sessions: Sessions) -> None:
    def refuse(instance: Post, **kwargs: Any) -> None:
        raise ValueError(f"no {instance.title!r}")

    async with sessions() as session:
        session.add(Post(title="Hello"))
        with connected(refuse, pre_save, sender=Post), pytest.raises(ValueError, match="no"):
            await session.commit()
        await session.rollback()
        assert await session.scalar(select(func.count()).select_from(Post)) == 0


async def test_seed_audit_log_receiver_writes_in_the_same_transaction(
    sessions: Sessions,
) -> None:
    async def log_save(sender: type, instance: Any, created: bool, **kwargs: Any) -> None:
        if sender is AuditLog:
            return
        fields = kwargs.get("update_fields")
        session.add(
            AuditLog(
                model=sender.__name__,
                object_id=str(instance.id),
                action="create" if created else "update",
                changes=",".join(sorted(fields)) if fields else None,
            )
        )

    async with sessions() as session:
        post = Post(title="Hello")
        session.add(post)
        with connected(log_save, post_save):
            await session.commit()
            post.title = "Changed"
            await session.commit()
        logs = (await session.scalars(select(AuditLog).order_by(AuditLog.id))).all()
    assert [(log.model, log.action, log.changes) for log in logs] == [
        ("Post", "create", None),
        ("Post", "update", "title"),
    ]


async def test_sqlmodel_tables_send_too(sessions: Sessions) -> None:
    async with sessions() as session:
        hero = Hero(name="Deadpond")
        session.add(hero)
        with connected(Recorder(), *SAVE) as rec:
            await session.commit()
            hero.age = 30
            await session.commit()
        found = (await session.execute(sqlmodel_select(Hero))).scalars().one()
    assert [(call.signal, call.sender) for call in rec.calls] == [
        ("pre_save", Hero),
        ("post_save", Hero),
        ("pre_save", Hero),
        ("post_save", Hero),
    ]
    assert rec.calls[3]["update_fields"] == frozenset({"age"})
    assert found.age == 30


async def test_bulk_and_core_statements_send_nothing(sessions: Sessions) -> None:
    async with sessions() as session:
        session.add(Post(title="Hello"))
        await session.commit()
        with connected(Recorder(), *SAVE) as rec:
            await session.execute(update(Post).values(title="Bulk"))
            await session.execute(insert(Post).values(title="Core", body=""))
            await session.commit()
    assert rec.calls == []


def test_sync_session_sends_every_argument(sync_engine: Engine) -> None:
    with Session(sync_engine) as session:
        post = Post(title="Hello")
        session.add(post)
        with connected(Recorder(), *SAVE) as rec:
            session.commit()
            post.title = "Changed"
            session.commit()
    assert [call.signal for call in rec.calls] == ["pre_save", "post_save"] * 2
    assert [call["update_fields"] for call in rec.of("post_save")] == [None, frozenset({"title"})]
    assert [call["created"] for call in rec.of("post_save")] == [True, False]
    assert all(call["instance"] is post and call["using"] == "default" for call in rec.calls)
