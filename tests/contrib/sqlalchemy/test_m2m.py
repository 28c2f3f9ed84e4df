"""m2m_changed for ``secondary`` relationships: net keys, both directions, one send per change."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from fastdjango.core.signals import m2m_changed
from tests.contrib.tortoise.helpers import Recorder, connected

from .models import Article, Label, Post, Tag, article_labels, post_tags

Sessions = async_sessionmaker[AsyncSession]


def _summary(rec: Recorder) -> list[tuple[str, str, bool, Any]]:
    return [
        (call["action"], type(call["instance"]).__name__, call["reverse"], call["pk_set"])
        for call in rec.calls
    ]


def test_through_is_the_association_table_on_both_sides() -> None:
    assert Post.tags.through is post_tags
    assert Tag.posts.through is post_tags
    assert Article.labels.through is article_labels
    assert Label.articles.through is article_labels


def test_through_on_a_relationship_without_secondary_says_so() -> None:
    with pytest.raises(AttributeError, match="through"):
        _ = Post.comments.through


async def _saved(sessions: Sessions, *objects: Any) -> AsyncSession:
    session = sessions()
    session.add_all(objects)
    await session.commit()
    return session


async def test_net_changes_only(sessions: Sessions) -> None:
    post, t1, t2 = Post(title="Hello"), Tag(name="a"), Tag(name="b")
    session = await _saved(sessions, post, t1, t2)
    try:
        await session.refresh(post, ["tags"])
        post.tags.append(t1)
        post.tags.append(t2)
        post.tags.remove(t2)
        with connected(Recorder(), m2m_changed, sender=post_tags) as rec:
            await session.commit()
    finally:
        await session.close()
    assert _summary(rec) == [
        ("pre_add", "Post", False, {t1.id}),
        ("post_add", "Post", False, {t1.id}),
    ]
    call = rec.calls[1]
    assert call.sender is post_tags
    assert call["model"] is Tag
    assert call["instance"] is post
    assert call["using"] == "default"


async def test_new_members_get_their_keys_in_post_add(sessions: Sessions) -> None:
    async with sessions() as session:
        post = Post(title="Hello")
        session.add(post)
        await session.commit()
        await session.refresh(post, ["tags"])
        fresh = Tag(name="new")
        post.tags.append(fresh)
        with connected(Recorder(), m2m_changed) as rec:
            await session.commit()
    assert _summary(rec) == [
        ("pre_add", "Post", False, set()),  # the key is not known before the INSERT
        ("post_add", "Post", False, {fresh.id}),
    ]


async def test_the_reverse_side_sends_with_reverse_true(sessions: Sessions) -> None:
    post, tag = Post(title="Hello"), Tag(name="a")
    async with sessions() as session:
        session.add_all([post, tag])
        await session.commit()
        await session.refresh(tag, ["posts"])
        tag.posts.append(post)
        with connected(Recorder(), m2m_changed) as rec:
            await session.commit()
            tag.posts.remove(post)
            await session.commit()
    assert _summary(rec) == [
        ("pre_add", "Tag", True, {post.id}),
        ("post_add", "Tag", True, {post.id}),
        ("pre_clear", "Tag", True, None),
        ("post_clear", "Tag", True, None),
    ]
    assert rec.calls[0]["model"] is Post


async def test_remove_and_clear(sessions: Sessions) -> None:
    t1, t2, t3 = Tag(name="a"), Tag(name="b"), Tag(name="c")
    post = Post(title="Hello", tags=[t1, t2, t3])
    async with sessions() as session:
        session.add(post)
        await session.commit()
        with connected(Recorder(), m2m_changed) as rec:
            post.tags.remove(t1)
            await session.commit()
            post.tags.clear()
            await session.commit()
    assert _summary(rec) == [
        ("pre_remove", "Post", False, {t1.id}),
        ("post_remove", "Post", False, {t1.id}),
        ("pre_clear", "Post", False, None),
        ("post_clear", "Post", False, None),
    ]


async def test_an_object_built_with_its_collection_sends(
    sessions: Sessions,
) -> None:
    tag = Tag(name="a")
    post = Post(title="Hello", tags=[tag])
    with connected(Recorder(), m2m_changed) as rec:
        async with sessions() as session:
            session.add(post)
            await session.commit()
    assert _summary(rec) == [
        ("pre_add", "Post", False, set()),
        ("post_add", "Post", False, {tag.id}),
    ]


async def test_back_populates_on_both_sides_follows_the_column_order(sessions: Sessions) -> None:
    # article_labels declares label_id first: Label.articles is the forward side.
    label, article = Label(), Article()
    with connected(Recorder(), m2m_changed, sender=article_labels) as rec:
        async with sessions() as session:
            session.add_all([label, article])
            await session.commit()
            await session.refresh(article, ["labels"])
            await session.refresh(label, ["articles"])
            article.labels.append(label)
            await session.commit()
            label.articles.remove(article)
            await session.commit()
    assert _summary(rec) == [
        ("pre_add", "Article", True, {label.id}),
        ("post_add", "Article", True, {label.id}),
        ("pre_clear", "Label", False, None),
        ("post_clear", "Label", False, None),
    ]


async def test_changes_on_both_sides_in_one_flush_each_send_once(sessions: Sessions) -> None:
    post, t1, t2 = Post(title="Hello"), Tag(name="a"), Tag(name="b")
    async with sessions() as session:
        session.add_all([post, t1, t2])
        await session.commit()
        await session.refresh(post, ["tags"])
        await session.refresh(t2, ["posts"])
        post.tags.append(t1)
        t2.posts.append(post)
        with connected(Recorder(), m2m_changed) as rec:
            await session.commit()
    assert sorted(_summary(rec), key=str) == sorted(
        [
            ("pre_add", "Post", False, {t1.id}),
            ("post_add", "Post", False, {t1.id}),
            ("pre_add", "Tag", True, {post.id}),
            ("post_add", "Tag", True, {post.id}),
        ],
        key=str,
    )


async def test_reading_the_changes_makes_no_query(sessions: Sessions) -> None:
    post, tag = Post(title="Hello"), Tag(name="a")
    async with sessions() as session:
        session.add_all([post, tag])
        await session.commit()
        await session.refresh(post, ["tags"])
        post.tags.append(tag)  # tag.posts is not loaded, and is not loaded for the signal
        statements: list[str] = []

        def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
            statements.append(statement.split()[0])

        sync_engine = session.get_bind()
        event.listen(sync_engine, "before_cursor_execute", record)
        try:
            with connected(Recorder(), m2m_changed):
                await session.commit()
        finally:
            event.remove(sync_engine, "before_cursor_execute", record)
    assert statements == ["INSERT"]


async def test_a_raising_pre_add_stops_the_flush(sessions: Sessions) -> None:
    def refuse(action: str, **kwargs: Any) -> None:
        if action == "pre_add":
            raise ValueError("no tags today")

    post, tag = Post(title="Hello"), Tag(name="a")
    async with sessions() as session:
        session.add_all([post, tag])
        await session.commit()
        await session.refresh(post, ["tags"])
        post.tags.append(tag)
        with connected(refuse, m2m_changed), pytest.raises(ValueError, match="no tags"):
            await session.commit()
        await session.rollback()
        assert await session.scalar(select(func.count()).select_from(post_tags)) == 0
