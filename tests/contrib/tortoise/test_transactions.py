"""Signals inside transactions, and on_commit=True receivers."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from tortoise.transactions import atomic, in_transaction

from fastdjango.core.signals import post_delete, post_save

from .helpers import Recorder, connected
from .models import AuditLog, Post


class Boom(Exception):
    """Raised inside a transaction block to roll it back."""


async def rolled_back(db: str, *titles: str, savepoint: bool = False) -> None:
    """Create posts in a transaction (or a savepoint of one), then raise Boom."""
    async with in_transaction(db):
        if savepoint:
            async with in_transaction(db):
                for title in titles:
                    await Post.objects.create(title=title)
        else:
            for title in titles:
                await Post.objects.create(title=title)
        raise Boom


async def test_receivers_run_inside_the_transaction_and_roll_back_with_it(db: str) -> None:
    async def audit(sender: Any, instance: Any, **kwargs: Any) -> None:
        if sender is not AuditLog:
            await AuditLog.objects.create(model=sender.__name__, object_id=instance.pk, action="x")

    async def inside() -> None:
        async with in_transaction(db):
            await Post.objects.create(title="gone")
            assert await AuditLog.objects.count() == 1  # same transaction
            raise Boom

    with connected(audit, post_save), pytest.raises(Boom):
        await inside()
    assert await Post.objects.count() == 0
    assert await AuditLog.objects.count() == 0


async def test_on_commit_runs_after_the_outer_commit(db: str) -> None:
    events: list[str] = []

    async def after_commit(sender: Any, instance: Post, **kwargs: Any) -> None:
        # The database is usable and sees the committed row.
        events.append(f"committed {instance.title} ({await Post.objects.count()} rows)")

    with connected(after_commit, post_save, sender=Post, on_commit=True):
        async with in_transaction(db):
            await Post.objects.create(title="a")
            await Post.objects.create(title="b")
            events.append("block end")
        events.append("after block")
    assert events == [
        "block end",
        "committed a (2 rows)",
        "committed b (2 rows)",
        "after block",
    ]


async def test_on_commit_is_dropped_on_rollback(db: str) -> None:
    rec = Recorder()
    with connected(rec, post_save, on_commit=True), pytest.raises(Boom):
        await rolled_back(db, "a")
    assert rec.calls == []


async def test_on_commit_outside_a_transaction_runs_before_save_returns(db: str) -> None:
    rec = Recorder()
    with connected(rec, post_save, on_commit=True):
        post = await Post.objects.create(title="now")
        assert [call["instance"] for call in rec.calls] == [post]


async def _savepoint_rolled_back(db: str, title: str) -> None:
    async with in_transaction(db):
        await Post.objects.create(title=title)
        raise Boom


async def test_savepoints(db: str) -> None:
    events: list[str] = []

    async def after_commit(sender: Any, instance: Post, **kwargs: Any) -> None:
        events.append(instance.title)

    with connected(after_commit, post_save, on_commit=True):
        async with in_transaction(db):
            await Post.objects.create(title="outer")
            async with in_transaction(db):  # released: handed to the outer block
                await Post.objects.create(title="kept")
            with pytest.raises(Boom):  # a savepoint rolled back: dropped
                await _savepoint_rolled_back(db, "dropped")
            async with in_transaction(db), in_transaction(db):
                await Post.objects.create(title="deep")
            assert events == []
        assert events == ["outer", "kept", "deep"]
    assert sorted(p.title for p in await Post.objects.all()) == ["deep", "kept", "outer"]


async def test_released_savepoint_of_a_rolled_back_transaction_is_dropped(db: str) -> None:
    rec = Recorder()
    with connected(rec, post_save, on_commit=True), pytest.raises(Boom):
        await rolled_back(db, "a", savepoint=True)
    assert rec.calls == []


async def test_on_commit_order_follows_the_sends(db: str) -> None:
    order: list[str] = []

    def first(sender: Any, **kwargs: Any) -> None:
        order.append("first")

    async def second(sender: Any, **kwargs: Any) -> None:
        order.append("second")

    def immediate(sender: Any, **kwargs: Any) -> None:
        order.append("immediate")

    with (
        connected(first, post_save, on_commit=True),
        connected(immediate, post_save),
        connected(second, post_save, on_commit=True),
    ):
        async with in_transaction(db):
            await Post.objects.create(title="x")
            await Post.objects.create(title="y")
    assert order == ["immediate", "immediate", "first", "second", "first", "second"]


async def test_atomic_and_internal_transactions(db: str) -> None:
    rec = Recorder()

    @atomic(db)
    async def make() -> Post:
        return await Post.objects.create(title="atomic")

    with connected(rec, post_save, on_commit=True):
        await make()
        # get_or_create inserts in its own transaction: it has committed on return.
        await Post.objects.get_or_create(title="goc")
        assert [call["instance"].title for call in rec.calls] == ["atomic", "goc"]


async def test_on_commit_delete_and_disconnect(db: str) -> None:
    rec = Recorder()
    post = await Post.objects.create(title="x")
    post_delete.connect(rec, sender=Post, weak=False, on_commit=True)
    async with in_transaction(db):
        await post.delete()
        assert rec.calls == []
    assert rec.names == ["post_delete"]
    assert post_delete.disconnect(rec, sender=Post) is True
    other = await Post.objects.create(title="y")
    await other.delete()
    assert rec.names == ["post_delete"]


async def test_a_failing_on_commit_receiver_is_logged_and_the_rest_run(
    db: str, caplog: pytest.LogCaptureFixture
) -> None:
    rec = Recorder()

    def broken(sender: Any, **kwargs: Any) -> None:
        raise RuntimeError("mail server down")

    with connected(broken, post_save, on_commit=True), connected(rec, post_save, on_commit=True):
        async with in_transaction(db):
            await Post.objects.create(title="x")
    assert rec.names == ["post_save"]
    assert await Post.objects.count() == 1
    [record] = [r for r in caplog.records if r.name == "fastdjango.signals"]
    assert record.levelno == logging.ERROR
    assert "mail server down" in record.getMessage()
    assert record.exc_info is not None
