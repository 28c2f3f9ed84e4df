"""Many tasks, each with its own AsyncSession: every signal arrives, once, right."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from fastdjango.core.signals import post_save, pre_save
from tests.contrib.tortoise.helpers import connected

from .models import Post

Sessions = async_sessionmaker[AsyncSession]
TASKS, POSTS = 16, 5


@pytest.mark.slow
async def test_concurrent_sessions_lose_nothing(sessions: Sessions) -> None:
    seen: list[tuple[str, str, bool | None]] = []

    async def record(signal: Any, instance: Post, **kwargs: Any) -> None:
        await asyncio.sleep(0)  # let the other tasks run in between
        seen.append((signal.name, instance.title, kwargs.get("created")))

    async def writer(task: int) -> None:
        async with sessions() as session:
            for number in range(POSTS):
                session.add(Post(title=f"{task}-{number}"))
                await session.commit()

    with connected(record, pre_save, post_save, sender=Post):
        async with asyncio.timeout(45):
            await asyncio.gather(*(writer(task) for task in range(TASKS)))
    titles = {f"{task}-{number}" for task in range(TASKS) for number in range(POSTS)}
    assert sorted(t for name, t, _ in seen if name == "post_save") == sorted(titles)
    assert sorted(t for name, t, _ in seen if name == "pre_save") == sorted(titles)
    assert all(created is True for name, _, created in seen if name == "post_save")
    async with sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Post)) == len(titles)
