"""pre_delete / post_delete, with origin, and for every object a delete cascades to."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator
from typing import Any

import pytest
from tortoise.exceptions import IntegrityError
from tortoise.signals import Signals

from fastdjango.contrib.tortoise import cascade_signals
from fastdjango.core.signals import post_delete, post_save, pre_delete
from fastdjango.core.signals.testing import capture

from .helpers import Recorder, connected
from .models import Author, Bookmark, Comment, Pin, Post, Profile, Reply

DELETE = (pre_delete, post_delete)


async def test_delete_sends_pre_and_post_delete(db: str) -> None:
    post = await Post.objects.create(title="x")
    with connected(Recorder(), *DELETE) as rec:
        await post.delete()
    assert rec.names == ["pre_delete", "post_delete"]
    for call in rec.calls:
        assert call.sender is Post
        assert call.kwargs == {"instance": post, "using": db, "origin": post}
    assert await Post.objects.count() == 0


async def test_a_raising_pre_delete_receiver_stops_the_delete(db: str) -> None:
    post = await Post.objects.create(title="keep")

    def refuse(sender: Any, **kwargs: Any) -> None:
        raise PermissionError("kept")

    with connected(refuse, pre_delete, sender=Post), pytest.raises(PermissionError):
        await post.delete()
    assert await Post.objects.count() == 1


async def _tree() -> tuple[Author, Profile, Post, Comment, Comment, Reply, Bookmark]:
    author = await Author.objects.create(name="ada")
    profile = await Profile.objects.create(author=author)
    post = await Post.objects.create(title="p", author=author)
    first = await Comment.objects.create(post=post, text="1")
    second = await Comment.objects.create(post=post, text="2")
    reply = await Reply.objects.create(comment=first)
    bookmark = await Bookmark.objects.create(post=post)
    return author, profile, post, first, second, reply, bookmark


def _keys(calls: list[Any]) -> list[tuple[str, Any]]:
    return [(call.sender.__name__, call["instance"].pk) for call in calls]


async def test_cascaded_objects_get_delete_signals_once_each(db: str) -> None:
    author, profile, post, first, second, reply, bookmark = await _tree()
    with connected(Recorder(), *DELETE) as rec:
        await author.delete()
    pre, post_ = rec.of("pre_delete"), rec.of("post_delete")
    expected = {
        ("Author", author.pk),
        ("Profile", profile.pk),
        ("Post", post.pk),
        ("Comment", first.pk),
        ("Comment", second.pk),
        ("Reply", reply.pk),
    }
    for calls in (pre, post_):
        assert len(calls) == len(expected)
        assert set(_keys(calls)) == expected
        assert all(call["origin"] is author for call in calls)
        assert all(call["using"] == db for call in calls)
        # Deepest first, the object whose delete() was called last.
        order = [name for name, _ in _keys(calls)]
        assert order.index("Reply") < order.index("Comment") < order.index("Post")
        assert order[-1] == "Author"
    # The database did the deleting; the SET NULL bookmark survives, unsignalled.
    assert await Comment.objects.count() == 0
    assert await Reply.objects.count() == 0
    assert (await Bookmark.objects.get(pk=bookmark.pk)).post_id is None  # type: ignore[attr-defined]


async def test_cascaded_instances_carry_their_field_values(db: str) -> None:
    _, _, post, first, *_ = await _tree()
    with connected(Recorder(), pre_delete, sender=Comment) as rec:
        await post.delete()
    assert sorted(call["instance"].text for call in rec.calls) == ["1", "2"]
    assert {call["instance"].pk for call in rec.calls} >= {first.pk}


async def test_a_raising_receiver_for_a_cascaded_object_stops_the_delete(db: str) -> None:
    author, *_ = await _tree()

    def refuse(sender: Any, **kwargs: Any) -> None:
        raise PermissionError("replies are forever")

    with connected(refuse, pre_delete, sender=Reply), pytest.raises(PermissionError):
        await author.delete()
    assert await Author.objects.count() == 1
    assert await Reply.objects.count() == 1


@pytest.fixture
def no_cascade_signals() -> Iterator[None]:
    cascade_signals(False)
    try:
        yield
    finally:
        cascade_signals(True)


@pytest.mark.usefixtures("no_cascade_signals")
async def test_cascade_signals_can_be_turned_off(db: str) -> None:
    author, *_ = await _tree()
    with connected(Recorder(), *DELETE) as rec:
        await author.delete()
    assert _keys(rec.calls) == [("Author", author.pk)] * 2
    assert await Reply.objects.count() == 0


def test_cascade_signals_takes_a_bool() -> None:
    with pytest.raises(TypeError, match="True or False"):
        cascade_signals("no")  # type: ignore[arg-type]


async def test_capture_sees_cascades_without_receivers(db: str) -> None:
    _, _, post, *_ = await _tree()
    with capture(post_delete) as sent:
        await post.delete()
    assert sorted(s.sender.__name__ for s in sent) == ["Comment", "Comment", "Post", "Reply"]


async def test_queryset_delete_sends_nothing(db: str) -> None:
    await Post.objects.create(title="x")
    with connected(Recorder(), *DELETE, post_save) as rec:
        await Post.filter(title="x").delete()
    assert rec.calls == []
    assert await Post.objects.count() == 0


FAILED_DELETES = 1000


async def _fail_deletes(post: Post, error: type[Exception]) -> None:
    for _ in range(FAILED_DELETES):
        with pytest.raises(error):
            await post.delete()


async def test_a_delete_refused_by_the_database_leaves_nothing_behind(db: str) -> None:
    post = await Post.objects.create(title="pinned")
    await Comment.objects.create(post=post, text="cascades")
    await Pin.objects.create(post=post)  # RESTRICT: the database refuses the delete
    with connected(Recorder(), *DELETE) as rec:
        await _fail_deletes(post, IntegrityError)
    # Each attempt collected the comment and sent pre_delete; none got further.
    assert len(rec.of("pre_delete")) == 2 * FAILED_DELETES
    assert rec.of("post_delete") == []
    rec.calls.clear()
    watched = weakref.ref(post)
    del post
    gc.collect()
    assert watched() is None
    assert [len(await model.all()) for model in (Post, Comment)] == [1, 1]


async def test_a_delete_stopped_by_a_tortoise_listener_leaves_nothing_behind(db: str) -> None:
    post = await Post.objects.create(title="kept")
    comment = await Comment.objects.create(post=post, text="cascades")
    collected: weakref.WeakSet[Any] = weakref.WeakSet()

    def count(sender: Any, instance: Any, **kwargs: Any) -> None:
        collected.add(instance)

    async def refuse(sender: type[Any], instance: Any, *args: Any) -> None:
        raise PermissionError("kept")

    Post.register_listener(Signals.pre_delete, refuse)
    try:
        with connected(count, pre_delete, sender=Comment):
            await _fail_deletes(post, PermissionError)
    finally:
        Post._listeners[Signals.pre_delete][Post].remove(refuse)
    gc.collect()
    # 1,000 comment objects were read for the cascade; none outlived its delete.
    assert len(collected) == 0
    await post.delete()
    assert await Comment.filter(pk=comment.pk).count() == 0
