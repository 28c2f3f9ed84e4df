"""pre_init / post_init for instances built in code and rows loaded from the database."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from typing import Any

import pytest

from fastdjango.core.signals import post_init, pre_init
from fastdjango.core.signals.testing import capture

from .helpers import Call, connected
from .models import Note, Post


class SyncRecorder:
    """A plain-function receiver (``__init__`` cannot await) recording its calls."""

    def __init__(self) -> None:
        self.calls: list[Call] = []

    def __call__(self, sender: Any, signal: Any, **kwargs: Any) -> None:
        self.calls.append(Call(signal.name or "?", sender, kwargs))


async def test_building_an_instance_sends_pre_and_post_init(db: str) -> None:
    with connected(SyncRecorder(), pre_init, post_init, sender=Post) as rec:
        post = Post(title="x", body="y")
    assert [(call.signal, call.sender) for call in rec.calls] == [
        ("pre_init", Post),
        ("post_init", Post),
    ]
    assert rec.calls[0].kwargs == {"args": (), "kwargs": {"title": "x", "body": "y"}}
    assert rec.calls[1].kwargs == {"instance": post}


async def test_rows_loaded_from_the_database_send_them_too(db: str) -> None:
    await Post.objects.create(title="first")
    await Post.objects.create(title="second")
    snapshots: list[tuple[int, str]] = []

    def snapshot(sender: Any, instance: Post, **kwargs: Any) -> None:
        # netbox keeps the loaded state this way, to diff it at save time.
        instance._loaded_title = instance.title
        snapshots.append((instance.pk, instance.title))

    with connected(SyncRecorder(), pre_init, sender=Post) as rec, connected(snapshot, post_init):
        posts = await Post.objects.all().order_by("id")
        one = await Post.objects.get(title="second")
    assert snapshots == [(posts[0].pk, "first"), (posts[1].pk, "second"), (one.pk, "second")]
    one.title = "changed"
    assert one._loaded_title == "second"  # type: ignore[attr-defined]
    loaded = [call["kwargs"] for call in rec.calls]
    assert [row["title"] for row in loaded] == ["first", "second", "second"]
    assert all(call["args"] == () for call in rec.calls)


async def test_plain_tortoise_models_send_them_after_install(db: str) -> None:
    await Note.create(text="n")
    with connected(SyncRecorder(), post_init, sender="models.note") as rec:
        (note,) = await Note.all()
    assert [(call.sender, call["instance"]) for call in rec.calls] == [(Note, note)]


async def test_a_label_naming_nothing_is_refused(db: str) -> None:
    with pytest.raises(LookupError, match=r"'User' names no Tortoise model"):
        post_init.connect(SyncRecorder(), sender="User", weak=False)


UNTOUCHED = textwrap.dedent(
    """
    import asyncio, sys, types
    from tortoise import Tortoise, fields
    from tortoise.models import Model as TortoiseModel
    from fastdjango.contrib.tortoise import Model, install
    from fastdjango.core.signals import post_init
    from fastdjango.core.signals.testing import capture

    def hooks():
        return TortoiseModel.__dict__["__init__"], TortoiseModel.__dict__["_init_from_db"]

    originals = hooks()

    class Item(Model):
        id = fields.IntField(primary_key=True)
        name = fields.CharField(max_length=10)

    module = types.ModuleType("init_models")
    module.__models__ = [Item]
    sys.modules["init_models"] = module

    def untouched():
        return hooks() == originals

    async def main():
        await Tortoise.init(db_url="sqlite://:memory:", modules={"models": ["init_models"]})
        await Tortoise.generate_schemas()
        install()
        await Item.create(name="x")
        await Item.all()
        before = untouched()
        with capture(post_init) as sent:
            await Item.all()  # no receiver ever connected: the query sees the capture
        seen = [s.kwargs["instance"].name for s in sent]
        receiver = lambda sender, instance, **kw: seen.append(instance.name)
        post_init.connect(receiver, weak=False)
        await Item.all()
        hooked = TortoiseModel.__dict__["_init_from_db"] is not originals[1]
        post_init.disconnect(receiver)
        await Item.all()  # nobody listens: the next query puts Tortoise's own back
        restored = TortoiseModel.__dict__["_init_from_db"] is originals[1]
        await Tortoise.close_connections()
        print(before, hooked, restored, seen)

    asyncio.run(main())
    """
)


def test_rows_are_built_by_tortoise_alone_while_nobody_listens() -> None:
    result = subprocess.run(
        [sys.executable, "-c", UNTOUCHED], capture_output=True, text=True, check=True, timeout=30
    )
    assert result.stdout.strip() == "True True True ['x', 'x']", result.stderr


async def test_capture_records_loads_without_any_receiver(db: str) -> None:
    await Post.objects.create(title="captured")
    with capture(post_init, sender=Post) as sent:
        (post,) = await Post.objects.all()
    assert [s.kwargs for s in sent] == [{"instance": post}]
