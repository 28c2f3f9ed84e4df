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
from .models import Post, Tag


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


@pytest.mark.parametrize(
    "sender", ["User", "models.Post.tags.through", "a plain sender", "models.Post_tags"]
)
async def test_a_string_naming_no_model_is_refused_with_the_known_labels(
    db: str, sender: str
) -> None:
    async def receiver(sender: Any, **kwargs: Any) -> None: ...

    with pytest.raises(LookupError) as refused:
        post_save.connect(receiver, sender=sender)
    message = str(refused.value)
    assert f"{sender!r} names no Tortoise model" in message
    assert "models.Post," in message
    assert "models.Post_tags" in message  # the through labels are listed too
    assert not post_save.is_connected(receiver, sender=sender)


@pytest.mark.parametrize("sender", ["models.Post", "Post", "models.Post.tags.through"])
async def test_m2m_changed_takes_only_relation_labels(db: str, sender: str) -> None:
    async def receiver(sender: Any, **kwargs: Any) -> None: ...

    with pytest.raises(LookupError, match=rf"{sender!r} names no Tortoise many-to-many relation"):
        m2m_changed.connect(receiver, sender=sender)


async def test_labels_match_case_insensitively(db: str) -> None:
    with (
        connected(Recorder(), post_save, sender="models.post") as rec,
        connected(rec, m2m_changed, sender="MODELS.post_TAGS"),
    ):
        post = await Post.objects.create(title="x")
        await post.tags.add(await Tag.objects.create(name="t"))
    assert [(call.signal, call.sender) for call in rec.calls][:1] == [("post_save", Post)]
    assert [call["action"] for call in rec.of("m2m_changed")] == ["pre_add", "post_add"]
    assert rec.of("m2m_changed")[0].sender is Post.tags.through  # type: ignore[attr-defined]


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


async def test_install_refuses_a_connected_string_naming_no_model() -> None:
    module, _ = late_module("plain")
    with connected(Recorder(), pre_save, sender="User"):
        async with tortoise(module, "plain"):
            with pytest.raises(LookupError, match=r"'User' names no Tortoise model.*plain\.Gadget"):
                install()


async def test_install_resolves_a_label_connected_in_another_case() -> None:
    module, gadget = late_module("cased")
    with connected(Recorder(), post_save, sender="CASED.gadget") as rec:
        async with tortoise(module, "cased"):
            install()
            await gadget.create(name="x")
    assert [call.sender for call in rec.calls] == [gadget]
