"""m2m_changed from add / remove / clear on both sides of a relation."""

from __future__ import annotations

from typing import Any

from fastdjango.contrib.tortoise import Through
from fastdjango.core.signals import m2m_changed
from fastdjango.core.signals.testing import capture

from .helpers import Recorder, connected
from .models import Post, Tag


def tags_through() -> Through:
    """``Post.tags.through``, which exists once install() ran (untyped in Tortoise)."""
    through: Through = Post.tags.through  # type: ignore[attr-defined]
    return through


async def test_both_sides_share_one_through_object(db: str) -> None:
    through = tags_through()
    assert isinstance(through, Through)
    assert Tag.posts.through is through  # type: ignore[attr-defined]
    assert (through.table, through.model, through.field) == ("fdj_post_tag", Post, "tags")
    assert (through.related_model, through.related_name) == (Tag, "posts")
    assert "fdj_post_tag" in repr(through)


async def _objects() -> tuple[Post, Tag, Tag, Tag]:
    post = await Post.objects.create(title="p")
    red, green, blue = [await Tag.objects.create(name=n) for n in ("red", "green", "blue")]
    return post, red, green, blue


def _summary(rec: Recorder) -> list[tuple[str, Any]]:
    return [(call["action"], call["pk_set"]) for call in rec.calls]


async def test_add_sends_only_the_keys_actually_added(db: str) -> None:
    post, red, green, blue = await _objects()
    with connected(Recorder(), m2m_changed, sender=tags_through()) as rec:
        await post.tags.add(red, green)
        await post.tags.add(red, blue, blue)  # red already there, blue twice
        await post.tags.add(red)  # nothing new
    assert _summary(rec) == [
        ("pre_add", {red.pk, green.pk}),
        ("post_add", {red.pk, green.pk}),
        ("pre_add", {blue.pk}),
        ("post_add", {blue.pk}),
        ("pre_add", set()),
        ("post_add", set()),
    ]
    for call in rec.calls:
        assert call.sender is tags_through()
        assert call["instance"] is post
        assert call["reverse"] is False
        assert call["model"] is Tag
        assert call["using"] == db
        assert isinstance(call["pk_set"], set)
    assert {tag.pk for tag in await post.tags.all()} == {red.pk, green.pk, blue.pk}


async def test_remove_sends_only_the_keys_actually_removed(db: str) -> None:
    post, red, green, blue = await _objects()
    await post.tags.add(red, green)
    with connected(Recorder(), m2m_changed) as rec:
        await post.tags.remove(red, blue, red)  # blue was never linked
    assert _summary(rec) == [("pre_remove", {red.pk}), ("post_remove", {red.pk})]
    assert [tag.pk for tag in await post.tags.all()] == [green.pk]


async def test_clear_sends_pk_set_none(db: str) -> None:
    post, red, green, _ = await _objects()
    await post.tags.add(red, green)
    with connected(Recorder(), m2m_changed) as rec:
        await post.tags.clear()
    assert _summary(rec) == [("pre_clear", None), ("post_clear", None)]
    assert rec.calls[0]["model"] is Tag
    assert await post.tags.all() == []


async def test_reverse_side(db: str) -> None:
    post, red, *_ = await _objects()
    other = await Post.objects.create(title="q")
    with connected(Recorder(), m2m_changed, sender=tags_through()) as rec:
        await red.posts.add(post, other, post)
        await red.posts.add(post)
        await red.posts.remove(other)
        await red.posts.clear()
    assert _summary(rec) == [
        ("pre_add", {post.pk, other.pk}),
        ("post_add", {post.pk, other.pk}),
        ("pre_add", set()),
        ("post_add", set()),
        ("pre_remove", {other.pk}),
        ("post_remove", {other.pk}),
        ("pre_clear", None),
        ("post_clear", None),
    ]
    for call in rec.calls:
        assert call.sender is tags_through()
        assert call["instance"] is red
        assert call["reverse"] is True
        assert call["model"] is Post
    assert await post.tags.all() == []


async def test_pre_add_runs_before_the_rows_exist(db: str) -> None:
    post, red, *_ = await _objects()
    seen: list[tuple[str, int]] = []

    async def count_links(sender: Any, action: str, instance: Post, **kwargs: Any) -> None:
        seen.append((action, len(await instance.tags.all())))

    with connected(count_links, m2m_changed):
        await post.tags.add(red)
    assert seen == [("pre_add", 0), ("post_add", 1)]


async def test_label_of_the_through_relation(db: str) -> None:
    post, red, *_ = await _objects()
    with connected(Recorder(), m2m_changed, sender="models.Post_tags") as rec:
        await post.tags.add(red)
    assert [call.sender for call in rec.calls] == [tags_through()] * 2


async def test_nothing_is_queried_or_sent_without_receivers_but_capture_sees_it(db: str) -> None:
    post, red, *_ = await _objects()
    await post.tags.add(red)
    with capture(m2m_changed) as sent:
        await post.tags.add(red)
    assert [s.kwargs["action"] for s in sent] == ["pre_add", "post_add"]
    assert sent[0].kwargs["pk_set"] == set()
