"""pre_save / post_save from save(), create() and the manager, every argument."""

from __future__ import annotations

import uuid
from contextvars import ContextVar
from typing import Any

import pytest
from tortoise.exceptions import DoesNotExist
from tortoise.signals import Signals

from fastdjango.contrib.tortoise import install
from fastdjango.core.signals import post_save, pre_save

from .helpers import Recorder, connected
from .models import Author, Document, Note, Post, Tag

SAVE = (pre_save, post_save)


async def test_create_sends_pre_and_post_save_with_every_argument(db: str) -> None:
    with connected(Recorder(), *SAVE) as rec:
        post = await Post.objects.create(title="Hello")
    pre, post_ = rec.calls
    assert (pre.signal, post_.signal) == ("pre_save", "post_save")
    assert pre.sender is Post
    assert post_.sender is Post
    assert pre.kwargs == {
        "instance": post,
        "raw": False,
        "using": db,
        "update_fields": None,
    }
    assert post_.kwargs == {
        "instance": post,
        "created": True,
        "raw": False,
        "using": db,
        "update_fields": None,
    }
    assert pre["instance"] is post


async def test_save_tells_insert_from_update(db: str) -> None:
    post = Post(title="draft")
    with connected(Recorder(), post_save) as rec:
        await post.save()
        post.title = "final"
        await post.save()
    assert [call["created"] for call in rec.calls] == [True, False]


async def test_update_fields_is_a_frozenset(db: str) -> None:
    post = await Post.objects.create(title="a")
    post.title = "b"
    with connected(Recorder(), *SAVE) as rec:
        await post.save(update_fields=["title"])
    assert [call["update_fields"] for call in rec.calls] == [frozenset({"title"})] * 2
    assert rec.calls[1]["created"] is False


@pytest.mark.parametrize("explicit", [False, True], ids=["default-uuid", "explicit-uuid"])
async def test_created_is_exact_for_uuid_primary_keys(db: str, explicit: bool) -> None:
    doc = Document(id=uuid.uuid4(), title="a") if explicit else Document(title="a")
    assert doc.pk is not None  # set before the insert: pk is None can't tell
    with connected(Recorder(), post_save) as rec:
        await doc.save()
        doc.title = "b"
        await doc.save()
    assert [call["created"] for call in rec.calls] == [True, False]


async def test_created_is_exact_for_explicit_integer_keys(db: str) -> None:
    with connected(Recorder(), post_save) as rec:
        post = await Post.objects.create(id=4242, title="explicit")
        again = await Post.objects.get(id=4242)
        await again.save()
    assert [call["created"] for call in rec.calls] == [True, False]
    assert post.pk == 4242


async def test_a_raising_pre_save_receiver_stops_the_save(db: str) -> None:
    async def refuse(sender: Any, instance: Post, **kwargs: Any) -> None:
        if instance.title == "spam":
            raise ValueError("no spam")

    with connected(refuse, pre_save, sender=Post), connected(Recorder(), post_save) as rec:
        with pytest.raises(ValueError, match="no spam"):
            await Post.objects.create(title="spam")
        await Post.objects.create(title="ham")
    assert [post.title for post in await Post.objects.all()] == ["ham"]
    assert [call["instance"].title for call in rec.calls] == ["ham"]


async def test_sync_and_async_receivers_run_in_connection_order(db: str) -> None:
    order: list[str] = []

    def sync_first(sender: Any, **kwargs: Any) -> None:
        order.append("sync")

    async def async_second(sender: Any, **kwargs: Any) -> None:
        order.append("async")

    def sync_third(sender: Any, **kwargs: Any) -> None:
        order.append("sync again")

    with connected(sync_first, post_save), connected(async_second, post_save):
        with connected(sync_third, post_save, sender=Post):
            await Post.objects.create(title="x")
    assert order == ["sync", "async", "sync again"]


async def test_sender_filter(db: str) -> None:
    with connected(Recorder(), post_save, sender=Author) as rec:
        await Post.objects.create(title="x")
        author = await Author.objects.create(name="ada")
    assert [call["instance"] for call in rec.calls] == [author]


async def test_manager_api(db: str) -> None:
    with connected(Recorder(), *SAVE) as rec:
        ada, created = await Author.objects.get_or_create(name="ada", defaults={"email": "a@x"})
        assert created is True
        assert ada.email == "a@x"
        again, created = await Author.objects.get_or_create(name="ada")
        assert (again.pk, created) == (ada.pk, False)
    # The "get" path of get_or_create saves and sends nothing.
    assert rec.names == ["pre_save", "post_save"]
    assert rec.calls[1]["created"] is True

    with connected(Recorder(), post_save) as rec:
        bob, created = await Author.objects.update_or_create(name="bob", defaults={"email": "1"})
        assert created is True
        bob2, created = await Author.objects.update_or_create(name="bob", defaults={"email": "2"})
        assert (bob2.pk, bob2.email, created) == (bob.pk, "2", False)
    assert [call["created"] for call in rec.calls] == [True, False]

    authors = await Author.objects.all()
    assert isinstance(authors, list)
    assert {a.name for a in authors} == {"ada", "bob"}
    assert await Author.objects.filter(name="bob").count() == 1
    assert [a.name for a in await Author.objects.exclude(name="bob")] == ["ada"]
    assert await Author.objects.count() == 2
    assert await Author.objects.exists() is True
    assert (await Author.objects.get(name="ada")).pk == ada.pk
    assert await Author.objects.get_or_none(name="zed") is None
    assert await Author.objects.filter(name="ada").first() is not None
    assert (await Author.objects.first()) is not None
    assert Author.objects.model is Author
    with pytest.raises(DoesNotExist):
        await Author.objects.get(name="zed")


def test_manager_is_not_reachable_from_instances() -> None:
    with pytest.raises(AttributeError, match=r"use Author\.objects"):
        Author(name="x").objects  # noqa: B018


def test_each_model_has_its_own_manager() -> None:
    assert Author.objects.model is Author
    assert Post.objects.model is Post
    assert Author.objects is not Post.objects  # type: ignore[comparison-overlap]


async def test_plain_tortoise_models_send_after_install(db: str) -> None:
    with connected(Recorder(), *SAVE) as rec:
        note = await Note.create(text="plain")
    assert rec.names == ["pre_save", "post_save"]
    assert rec.calls[1].sender is Note
    assert rec.calls[1]["instance"] is note


async def test_install_twice_sends_once(db: str) -> None:
    install()
    install()
    with connected(Recorder(), *SAVE) as rec:
        await Note.create(text="once")
        await Post.objects.create(title="once")
    assert rec.names == ["pre_save", "post_save"] * 2


async def test_bulk_operations_send_nothing(db: str) -> None:
    await Post.objects.create(title="a")
    with connected(Recorder(), post_save, pre_save) as rec:
        await Post.bulk_create([Post(title="b"), Post(title="c")])
        await Post.filter(title="a").update(title="z")
    assert rec.calls == []


REQUEST_ID: ContextVar[str] = ContextVar("request_id", default="")


async def test_receivers_run_in_the_callers_context(db: str) -> None:
    seen: list[str] = []

    async def read_and_set(sender: Any, **kwargs: Any) -> None:
        seen.append(REQUEST_ID.get())
        REQUEST_ID.set("set by receiver")

    token = REQUEST_ID.set("caller")
    try:
        with connected(read_and_set, post_save, sender=Post):
            await Post.objects.create(title="x")
        assert seen == ["caller"]
        assert REQUEST_ID.get() == "set by receiver"
    finally:
        REQUEST_ID.reset(token)


async def test_tortoise_listeners_on_base_model_subclasses_may_be_sync(db: str) -> None:
    calls: list[tuple[type[Any], bool]] = []

    def listener(sender: type[Any], instance: Any, created: bool, *args: Any) -> None:
        calls.append((sender, created))

    Tag.register_listener(Signals.post_save, listener)
    try:
        await Tag.objects.create(name="x")
    finally:
        Tag._listeners[Signals.post_save][Tag].remove(listener)
    assert calls == [(Tag, True)]
