"""pre_delete / post_delete, ORM cascades with ``origin``, passive deletes."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import selectinload

from fastdjango.core.signals import post_delete, pre_delete
from tests.contrib.tortoise.helpers import Recorder, connected

from .models import Author, Comment, Post, Reply

DELETE = (pre_delete, post_delete)
Sessions = async_sessionmaker[AsyncSession]


async def test_delete_sends_pre_and_post_delete_with_every_argument(sessions: Sessions) -> None:
    async with sessions() as session:
        post = Post(title="Hello")
        session.add(post)
        await session.commit()
        await session.delete(post)
        with connected(Recorder(), *DELETE) as rec:
            await session.commit()
    assert [(call.signal, call.sender) for call in rec.calls] == [
        ("pre_delete", Post),
        ("post_delete", Post),
    ]
    for call in rec.calls:
        assert call.kwargs == {"instance": post, "using": "default", "origin": post}


async def test_pre_delete_sees_the_row_post_delete_does_not(sessions: Sessions) -> None:
    found: list[int | None] = []
    async with sessions() as session:

        async def count(**kwargs: Any) -> None:
            found.append(await session.scalar(select(func.count()).select_from(Post)))

        post = Post(title="Hello")
        session.add(post)
        await session.commit()
        await session.delete(post)
        with connected(count, *DELETE, sender=Post):
            await session.commit()
    assert found == [1, 0]


async def test_cascaded_objects_get_signals_with_the_origin(sessions: Sessions) -> None:
    async with sessions() as session:
        post = Post(title="Hello", comments=[Comment(replies=[Reply()]), Comment()])
        session.add(post)
        await session.commit()
        loaded = await session.scalar(
            select(Post).options(selectinload(Post.comments).selectinload(Comment.replies))
        )
        assert loaded is post
        children = [*post.comments, *post.comments[0].replies]
        await session.delete(post)
        with connected(Recorder(), *DELETE) as rec:
            await session.commit()
    pre = rec.of("pre_delete")
    assert {id(call["instance"]) for call in pre} == {id(post), *map(id, children)}
    assert all(call["origin"] is post for call in rec.calls)
    assert len(rec.of("post_delete")) == 4


async def test_a_delete_orphan_child_is_its_own_origin(sessions: Sessions) -> None:
    async with sessions() as session:
        post = Post(title="Hello", comments=[Comment(), Comment()])
        session.add(post)
        await session.commit()
        orphan = post.comments.pop()
        assert orphan not in session.deleted
        with connected(Recorder(), *DELETE) as rec:
            await session.commit()
    assert [(call.signal, call["instance"], call["origin"]) for call in rec.calls] == [
        ("pre_delete", orphan, orphan),
        ("post_delete", orphan, orphan),
    ]


async def test_passive_deletes_are_left_to_the_database(sessions: Sessions) -> None:
    async with sessions() as session:
        dialect = session.get_bind().dialect.name
        author = Author(name="Ada")
        session.add(Post(title="Hello", author=author))
        await session.commit()
        session.expunge_all()
        author = await session.get_one(Author, author.id)
        await session.delete(author)
        with connected(Recorder(), *DELETE) as rec:
            await session.commit()
        assert await session.scalar(select(func.count()).select_from(Post)) == (
            0 if dialect == "postgresql" else 1
        )
    assert [call.sender for call in rec.calls] == [Author, Author]


async def test_a_raising_pre_delete_keeps_the_row(sessions: Sessions) -> None:
    def refuse(**kwargs: Any) -> None:
        raise PermissionError("kept")

    async with sessions() as session:
        post = Post(title="Hello")
        session.add(post)
        await session.commit()
        await session.delete(post)
        with connected(refuse, pre_delete, sender=Post):
            try:
                await session.commit()
            except PermissionError:
                await session.rollback()
        assert await session.scalar(select(func.count()).select_from(Post)) == 1
