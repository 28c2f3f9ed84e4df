"""on_commit(fn): Django's transaction.on_commit on Tortoise transactions."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest
from tortoise.transactions import in_transaction

from fastdjango.contrib.tortoise import on_commit
from fastdjango.core.signals import post_save

from .helpers import connected
from .models import Post


class Boom(Exception):
    """Rolls a block back."""


async def test_runs_after_the_outermost_commit_in_order_with_receivers(db: str) -> None:
    events: list[str] = []

    async def receiver(sender: Any, instance: Post, **kwargs: Any) -> None:
        events.append(f"receiver {instance.title}")

    async def count_rows() -> None:
        events.append(f"async fn sees {await Post.objects.count()} rows")

    with connected(receiver, post_save, sender=Post, on_commit=True):
        async with in_transaction(db):
            on_commit(lambda: events.append("sync fn"))
            await Post.objects.create(title="a")
            async with in_transaction(db):  # a released savepoint hands over
                on_commit(count_rows)
            events.append("block end")
    assert events == ["block end", "sync fn", "receiver a", "async fn sees 1 rows"]


async def _rolled_back(db: str, events: list[str], name: str) -> None:
    async with in_transaction(db):
        on_commit(lambda: events.append(name))
        raise Boom


async def test_is_dropped_on_rollback_and_savepoint_rollback(db: str) -> None:
    events: list[str] = []
    with pytest.raises(Boom):
        await _rolled_back(db, events, "rolled back")
    async with in_transaction(db):
        with pytest.raises(Boom):
            await _rolled_back(db, events, "savepoint rolled back")
        on_commit(lambda: events.append("kept"))
    assert events == ["kept"]


async def test_follows_a_commit_made_by_hand(db: str) -> None:
    events: list[str] = []
    async with in_transaction(db) as tx:
        on_commit(lambda: events.append("committed"))
        await tx.commit()
        assert events == ["committed"]


async def test_outside_a_transaction_a_plain_function_runs_at_once(db: str) -> None:
    events: list[str] = []
    done = on_commit(lambda: events.append("now"))
    assert events == ["now"]
    await done  # already done: awaiting is harmless


async def test_outside_a_transaction_an_async_function_starts_at_once(db: str) -> None:
    events: list[str] = []

    async def notify() -> None:
        events.append("notified")

    await on_commit(notify)
    assert events == ["notified"]
    on_commit(notify)  # not awaited, as ported code writes it: it still runs
    await asyncio.sleep(0)
    assert events == ["notified", "notified"]


def test_in_synchronous_code_an_async_function_runs_to_the_end() -> None:
    events: list[str] = []

    async def notify() -> None:
        await asyncio.sleep(0)
        events.append("notified")

    on_commit(notify)
    assert events == ["notified"]


async def test_a_plain_function_outside_a_transaction_raises_as_in_django() -> None:
    def broken() -> None:
        raise Boom

    with pytest.raises(Boom):
        on_commit(broken)


async def test_failures_after_a_commit_are_logged_and_the_rest_run(
    db: str, caplog: pytest.LogCaptureFixture
) -> None:
    events: list[str] = []

    def broken() -> None:
        raise RuntimeError("mail server down")

    async with in_transaction(db):
        on_commit(broken)
        on_commit(lambda: events.append("still ran"))
    assert events == ["still ran"]
    assert "mail server down" in caplog.text


async def test_an_unawaited_async_failure_is_logged(caplog: pytest.LogCaptureFixture) -> None:
    async def broken() -> None:
        raise RuntimeError("webhook down")

    with caplog.at_level(logging.ERROR, logger="fastdjango.signals"):
        on_commit(broken)
        for _ in range(3):
            await asyncio.sleep(0)
    [record] = caplog.records
    assert "Error in an on_commit function run outside a transaction" in record.getMessage()
    assert record.exc_info is not None


async def test_an_awaited_async_failure_propagates_and_is_not_logged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async def broken() -> None:
        raise RuntimeError("webhook down")

    with pytest.raises(RuntimeError, match="webhook down"):
        await on_commit(broken)
    assert caplog.records == []


def test_a_value_that_is_not_callable_is_refused() -> None:
    with pytest.raises(TypeError, match=r"on_commit\(\) takes a function .* got None; pass it"):
        on_commit(None)  # type: ignore[arg-type]
