"""``Post.tags.through`` exists when the model is defined, and is the sender after init."""

from __future__ import annotations

import types
from typing import Any

import pytest
from tortoise import Tortoise, fields

from fastdjango.contrib.tortoise import Model, Through
from fastdjango.core.signals import m2m_changed

from . import seed_receivers  # imported at collection, before any Tortoise.init
from .helpers import Recorder, connected
from .models import Post, Tag
from .test_labels import tortoise


async def test_a_receivers_module_imported_before_init_gets_the_changes(db: str) -> None:
    seed_receivers.added.clear()
    post = await Post.objects.create(title="x")
    red, blue = await Tag.objects.create(name="red"), await Tag.objects.create(name="blue")
    await post.tags.add(red)
    await blue.posts.add(post)  # the other side sends with the same through
    assert seed_receivers.added == [{red.pk}, {post.pk}]
    assert Post.tags.through is Tag.posts.through  # type: ignore[attr-defined]


def _shelf_models(app: str) -> tuple[types.ModuleType, Any, Any]:
    class Shelf(Model):
        id = fields.IntField(primary_key=True)
        name = fields.CharField(max_length=20)

        class Meta:
            table = f"fdj_{app}_shelf"

    class Book(Model):
        id = fields.IntField(primary_key=True)
        title = fields.CharField(max_length=20)
        shelves: fields.ManyToManyRelation[Shelf] = fields.ManyToManyField(
            f"{app}.Shelf", related_name="books", through=f"fdj_{app}_book_shelf"
        )

        class Meta:
            table = f"fdj_{app}_book"

    module = types.ModuleType(f"tests.contrib.tortoise.{app}")
    module.__models__ = [Shelf, Book]  # type: ignore[attr-defined]
    return module, Shelf, Book


async def test_through_exists_at_class_definition_and_sends_after_init() -> None:
    module, shelf_model, book_model = _shelf_models("shelves")
    through = book_model.shelves.through
    assert isinstance(through, Through)
    assert (through.model, through.field, through.related_model) == (book_model, "shelves", None)
    assert repr(through) == "<Through 'fdj_shelves_book_shelf': Book.shelves>"
    with pytest.raises(AttributeError, match=r"Book\.shelves is a many-to-many relation"):
        _ = book_model(title="t").shelves
    with connected(Recorder(), m2m_changed, sender=through) as rec:
        async with tortoise(module, "shelves"):  # no install(): the base Model needs none
            assert book_model.shelves.through is through
            assert shelf_model.books.through is through
            assert (through.table, through.related_model) == ("fdj_shelves_book_shelf", shelf_model)
            book = await book_model.create(title="t")
            shelf = await shelf_model.create(name="s")
            await book.shelves.add(shelf)
            await shelf.books.remove(book)
    assert [(call["action"], call.sender) for call in rec.calls] == [
        ("pre_add", through),
        ("post_add", through),
        ("pre_remove", through),
        ("post_remove", through),
    ]
    assert [call["reverse"] for call in rec.calls] == [False, False, True, True]
    assert Tortoise.apps is None
