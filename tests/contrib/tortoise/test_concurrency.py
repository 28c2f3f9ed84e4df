"""Many tasks saving at once: every signal arrives, every row is there."""

from __future__ import annotations

import asyncio
from typing import Any

from tortoise.transactions import in_transaction

from fastdjango.core.signals import post_save, pre_save

from .helpers import Recorder, connected
from .models import AuditLog, Post

TASKS = 50


async def test_concurrent_saves_lose_nothing(db: str) -> None:
    async def audit(sender: Any, instance: Any, created: bool, **kwargs: Any) -> None:
        await asyncio.sleep(0)  # let the other tasks interleave
        if sender is Post:
            await AuditLog.objects.create(model="Post", object_id=instance.pk, action="create")

    async def save(n: int) -> Post:
        post = Post(title=f"post {n}")
        await post.save()
        return post

    with connected(Recorder(), pre_save, post_save) as rec, connected(audit, post_save):
        posts = await asyncio.gather(*(asyncio.create_task(save(n)) for n in range(TASKS)))
    saved = [call for call in rec.of("post_save") if call.sender is Post]
    assert len(rec.of("pre_save")) == len(rec.of("post_save")) == 2 * TASKS
    assert {id(call["instance"]) for call in saved} == {id(post) for post in posts}
    assert all(call["created"] for call in saved)
    assert await Post.objects.count() == TASKS
    logged = {row.object_id for row in await AuditLog.objects.all()}
    assert logged == {str(post.pk) for post in posts}


async def test_concurrent_transactions_run_every_on_commit_receiver(db: str) -> None:
    rec = Recorder()

    async def save(n: int) -> None:
        async with in_transaction(db):
            await Post.objects.create(title=f"post {n}")
            await asyncio.sleep(0)

    with connected(rec, post_save, sender=Post, on_commit=True):
        await asyncio.gather(*(asyncio.create_task(save(n)) for n in range(TASKS)))
    assert sorted(call["instance"].title for call in rec.calls) == sorted(
        f"post {n}" for n in range(TASKS)
    )
