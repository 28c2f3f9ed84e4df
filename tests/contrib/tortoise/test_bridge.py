"""The signals are sent inline, in the saving task; Tortoise's listeners still run."""

from __future__ import annotations

import asyncio
from contextvars import ContextVar
from typing import Any

import pytest
from tortoise.signals import Signals

from fastdjango.core.signals import post_delete, post_save, pre_delete, pre_save

from .helpers import Recorder, connected
from .models import Note, Post

TRACE: ContextVar[str] = ContextVar("trace", default="")


@pytest.mark.parametrize("model", [Post, Note], ids=["base-model", "plain-tortoise"])
async def test_receivers_run_in_the_saving_task_and_context(db: str, model: Any) -> None:
    caller = asyncio.current_task()
    tasks: list[tuple[str, asyncio.Task[Any] | None]] = []

    async def inline(sender: Any, signal: Any, **kwargs: Any) -> None:
        tasks.append((signal.name, asyncio.current_task()))
        TRACE.set(f"{TRACE.get()}>{signal.name}")

    token = TRACE.set("caller")
    try:
        with connected(inline, pre_save, post_save, pre_delete, post_delete, sender=model):
            kwargs = {"title": "x"} if model is Post else {"text": "x"}
            obj = await model.create(**kwargs)
            obj.id = obj.id  # an update as well
            await obj.save()
            await obj.delete()
        names = ["pre_save", "post_save"] * 2 + ["pre_delete", "post_delete"]
        assert tasks == [(name, caller) for name in names]
        assert TRACE.get() == "caller>" + ">".join(names)
    finally:
        TRACE.reset(token)


async def test_tortoise_listeners_on_plain_models_still_run_as_tortoise_runs_them(db: str) -> None:
    caller = asyncio.current_task()
    ran: list[tuple[str, bool]] = []

    async def listener(sender: type[Any], instance: Any, *args: Any) -> None:
        ran.append((sender.__name__, asyncio.current_task() is caller))

    with connected(Recorder(), post_save, sender=Note) as rec:
        Note.register_listener(Signals.post_save, listener)
        try:
            await Note.create(text="x")
        finally:
            Note._listeners[Signals.post_save][Note].remove(listener)
    # Tortoise gathers its listeners: each in a task of its own.
    assert ran == [("Note", False)]
    assert [call["created"] for call in rec.calls] == [True]


async def test_a_failing_tortoise_listener_still_fails_the_save(db: str) -> None:
    async def refuse(sender: type[Any], instance: Any, *args: Any) -> None:
        raise PermissionError("no notes")

    Note.register_listener(Signals.pre_save, refuse)
    try:
        with pytest.raises(PermissionError, match="no notes"):
            await Note.create(text="x")
    finally:
        Note._listeners[Signals.pre_save][Note].remove(refuse)
    assert await Note.all().count() == 0
