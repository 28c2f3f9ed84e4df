"""Lazy senders ("models.Post"), install() errors, and models defined later."""

from __future__ import annotations

import sys
import types
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
from tortoise import fields
from tortoise.context import TortoiseContext

from fastdjango.contrib.tortoise import Model, install
from fastdjango.core.signals import m2m_changed, post_delete, post_save, pre_save

from .helpers import Recorder, connected
from .models import Post


async def test_label_sender_connected_after_init(db: str) -> None:
    with connected(Recorder(), post_save, sender="models.Post") as rec:
        post = await Post.objects.create(title="x")
    assert [call.sender for call in rec.calls] == [Post]
    assert rec.calls[0]["instance"] is post


async def test_disconnect_by_label(db: str) -> None:
    rec = Recorder()
    post_delete.connect(rec, sender="models.Post", weak=False)
    assert post_delete.disconnect(rec, sender="models.Post") is True
    await (await Post.objects.create(title="x")).delete()
    assert rec.calls == []


async def test_a_label_naming_nothing_is_refused_at_connect(db: str) -> None:
    async def receiver(sender: Any, **kwargs: Any) -> None: ...

    with pytest.raises(LookupError, match=r"'models\.Nope' names no Tortoise model.*models\.Post"):
        post_save.connect(receiver, sender="models.Nope")
    with pytest.raises(LookupError, match=r"'shop\.Post'"):
        pre_save.connect(receiver, sender="shop.Post")
    assert not post_save.has_listeners("models.Nope")
    # Strings that are not shaped like labels stay ordinary value senders.
    with connected(receiver, post_save, sender="a plain sender"):
        pass


@asynccontextmanager
async def tortoise(module: types.ModuleType, app: str) -> AsyncIterator[None]:
    """Tortoise in memory with the models of ``module`` as app ``app``."""
    sys.modules[module.__name__] = module  # Tortoise imports models by module name
    try:
        async with TortoiseContext() as ctx:
            await ctx.init(
                config={
                    "connections": {app: "sqlite://:memory:"},
                    "apps": {app: {"models": [module.__name__], "default_connection": app}},
                }
            )
            await ctx.generate_schemas()
            yield
    finally:
        del sys.modules[module.__name__]


def late_module(name: str) -> tuple[types.ModuleType, type[Model]]:
    """A models module made at run time, with a model defined just now."""

    class Gadget(Model):
        id = fields.IntField(primary_key=True)
        name = fields.CharField(max_length=50)

        class Meta:
            table = f"fdj_{name}_gadget"

    module = types.ModuleType(f"tests.contrib.tortoise.{name}")
    module.__models__ = [Gadget]  # type: ignore[attr-defined]
    return module, Gadget


async def test_models_defined_later_send_without_install() -> None:
    module, gadget = late_module("late")
    with connected(Recorder(), post_save) as rec, connected(rec, pre_save, sender="late.Gadget"):
        async with tortoise(module, "late"):
            obj = await gadget.create(name="x")
    assert rec.names == ["pre_save", "post_save"]
    assert [call.sender for call in rec.calls] == [gadget, gadget]
    assert rec.calls[1]["instance"] is obj
    assert rec.calls[1]["using"] == "late"


async def test_label_connected_before_init_resolves_at_install() -> None:
    module, gadget = late_module("early")
    with connected(Recorder(), post_save, sender="early.Gadget") as rec:
        async with tortoise(module, "early"):
            install()
            await gadget.create(name="x")
            await gadget.create(name="y")
    assert [call.sender for call in rec.calls] == [gadget, gadget]


async def test_install_refuses_a_connected_label_naming_nothing() -> None:
    module, _ = late_module("typo")
    with connected(Recorder(), post_save, sender="typo.Gadjet"):
        async with tortoise(module, "typo"):
            with pytest.raises(LookupError, match=r"'typo\.Gadjet' names no Tortoise model"):
                install()


async def test_install_needs_tortoise() -> None:
    with pytest.raises(RuntimeError, match=r"after 'await Tortoise\.init"):
        install()


async def test_m2m_through_label_naming_nothing_is_refused(db: str) -> None:
    async def receiver(sender: Any, **kwargs: Any) -> None: ...

    with pytest.raises(LookupError, match=r"models\.Post_nope"):
        m2m_changed.connect(receiver, sender="models.Post_nope")
