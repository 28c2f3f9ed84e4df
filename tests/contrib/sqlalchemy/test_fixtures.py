"""loaddata(): Django fixtures, raw=True while loading, False again afterwards."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import selectinload

from fastdjango.contrib.sqlalchemy import loaddata
from fastdjango.core.signals import m2m_changed, post_save, pre_save
from tests.contrib.tortoise.helpers import Recorder, connected

from .models import Base, Document, Post, Tag

Sessions = async_sessionmaker[AsyncSession]

FIXTURE: list[dict[str, Any]] = [
    {"model": "blog.tag", "pk": 1, "fields": {"name": "python"}},
    {"model": "blog.tag", "pk": 2, "fields": {"name": "async"}},
    {"model": "blog.post", "pk": 10, "fields": {"title": "Hello", "tags": [1, 2]}},
    {
        "model": "blog.document",
        "pk": "00000000-0000-0000-0000-00000000002a",
        "fields": {"title": "Report"},
    },
]


async def test_loaddata_saves_with_raw_true(sessions: Sessions, tmp_path: Path) -> None:
    path = tmp_path / "blog.json"
    path.write_text(json.dumps(FIXTURE), encoding="utf-8")
    async with sessions() as session:
        with connected(Recorder(), pre_save, post_save, m2m_changed) as rec:
            assert await session.run_sync(loaddata, path, base=Base) == 4
            await session.commit()
            session.add(Post(title="after"))
            await session.commit()
        post = await session.scalar(
            select(Post).where(Post.id == 10).options(selectinload(Post.tags))
        )
        document = await session.get(Document, uuid.UUID(int=42))
    saves = [call for call in rec.calls if call.signal != "m2m_changed"]
    assert [call["raw"] for call in saves] == [True] * 8 + [False, False]
    assert all(call["created"] for call in rec.of("post_save"))
    assert post is not None
    assert sorted(tag.name for tag in post.tags) == ["async", "python"]
    assert document is not None
    assert document.title == "Report"
    assert [call["action"] for call in rec.of("m2m_changed")] == ["pre_add", "post_add"]
    assert rec.of("m2m_changed")[1]["pk_set"] == {1, 2}


async def test_loaddata_updates_existing_rows(sessions: Sessions) -> None:
    async with sessions() as session:
        session.add(Tag(id=1, name="old"))
        await session.commit()
        with connected(Recorder(), post_save) as rec:
            await session.run_sync(loaddata, FIXTURE[:1], base=Base)
            await session.commit()
        tag = await session.get_one(Tag, 1)
    assert tag.name == "python"
    assert [(call["created"], call["update_fields"]) for call in rec.calls] == [
        (False, frozenset({"name"}))
    ]


async def test_new_rows_get_keys_past_the_loaded_ones(sessions: Sessions) -> None:
    async with sessions() as session:
        fixture = [{"model": "blog.post", "pk": 10, "fields": {"title": "x"}}]
        await session.run_sync(loaddata, fixture, base=Base)
        await session.commit()
        post = Post(title="next")
        session.add(post)
        await session.commit()
    assert post.id == 11


@pytest.mark.parametrize(
    ("fixture", "error", "match"),
    [
        ({"model": "blog.post"}, ValueError, "list of objects"),
        ([{"pk": 1}], ValueError, 'needs "model"'),
        ([{"model": "blog.Missing"}], LookupError, "'blog.Missing' names no class"),
        ([{"model": "blog.post", "fields": {"nope": 1}}], ValueError, "Post has no field 'nope'"),
        (FIXTURE[2:3], LookupError, "links 'tags' to Tag 1, which is neither"),
    ],
)
async def test_bad_fixtures_are_refused(
    sessions: Sessions, fixture: Any, error: type[Exception], match: str
) -> None:
    async with sessions() as session:
        with pytest.raises(error, match=match):
            await session.run_sync(loaddata, fixture, base=Base)


async def test_an_unreadable_file_is_refused(sessions: Sessions, tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_text("[{", encoding="utf-8")
    async with sessions() as session:
        with pytest.raises(ValueError, match="Cannot read the fixture"):
            await session.run_sync(loaddata, path, base=Base)
