"""Transactions finished by hand inside their block: on_commit follows what the database did."""

from __future__ import annotations

from typing import Any

import pytest
from tortoise.transactions import in_transaction

from fastdjango.contrib.tortoise import _transactions
from fastdjango.core.signals import post_save

from .helpers import connected
from .models import Post


class Boom(Exception):
    """Raised inside a block after it was finished by hand."""


def _titles_recorder() -> tuple[list[str], Any]:
    events: list[str] = []

    async def after_commit(sender: Any, instance: Post, **kwargs: Any) -> None:
        events.append(f"{instance.title} ({await Post.objects.count()} rows)")

    return events, after_commit


async def test_a_commit_by_hand_runs_the_receivers_right_after_it(db: str) -> None:
    events, after_commit = _titles_recorder()
    with connected(after_commit, post_save, sender=Post, on_commit=True):
        async with in_transaction(db) as tx:
            await Post.objects.create(title="a")
            await tx.commit()
            events.append("after commit")
        events.append("after block")
    assert events == ["a (1 rows)", "after commit", "after block"]
    assert [p.title for p in await Post.objects.all()] == ["a"]


async def test_a_rollback_by_hand_drops_them(db: str) -> None:
    events, after_commit = _titles_recorder()
    with connected(after_commit, post_save, sender=Post, on_commit=True):
        async with in_transaction(db) as tx:
            await Post.objects.create(title="gone")
            await tx.rollback()
    assert events == []
    assert await Post.objects.count() == 0


@pytest.mark.parametrize("finish", ["commit", "rollback"])
async def test_saves_after_the_block_was_finished_are_not_lost(db: str, finish: str) -> None:
    # After commit() / rollback() the connection no longer is in a transaction:
    # what the block writes next is stored at once, so its receivers run when
    # the block ends, even if it then raises.
    events, after_commit = _titles_recorder()

    async def finish_then_write_then_raise() -> None:
        async with in_transaction(db) as tx:
            await getattr(tx, finish)()
            await Post.objects.create(title="later")
            assert events == []
            raise Boom

    with connected(after_commit, post_save, sender=Post, on_commit=True), pytest.raises(Boom):
        await finish_then_write_then_raise()
    assert events == ["later (1 rows)"]
    assert [p.title for p in await Post.objects.all()] == ["later"]


async def test_a_savepoint_committed_by_hand_hands_over_to_its_parent(db: str) -> None:
    if db != "postgres":
        pytest.skip("SQLite's nested wrapper commits the whole transaction, not a savepoint")
    events, after_commit = _titles_recorder()
    with connected(after_commit, post_save, sender=Post, on_commit=True):
        async with in_transaction(db):
            async with in_transaction(db) as savepoint:
                await Post.objects.create(title="kept")
                await savepoint.commit()  # releases the savepoint only
            async with in_transaction(db) as savepoint:
                await Post.objects.create(title="dropped")
                await savepoint.rollback()  # back to the savepoint only
            assert events == []
        assert events == ["kept (1 rows)"]


async def test_nothing_is_left_behind(db: str) -> None:
    before = (len(_transactions._open), len(_transactions._by_client))

    async def commit_then_raise() -> None:
        async with in_transaction(db) as tx:
            await tx.commit()
            raise Boom

    with pytest.raises(Boom):
        await commit_then_raise()
    async with in_transaction(db) as tx:
        await tx.rollback()
    assert (len(_transactions._open), len(_transactions._by_client)) == before
