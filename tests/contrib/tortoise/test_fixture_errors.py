"""loaddata() errors: where the problem is, what was expected, and nothing loaded."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from fastdjango.contrib.tortoise import loaddata

from .models import Author, Post, Tag

GOOD: list[dict[str, Any]] = [
    {"model": "models.Author", "pk": 1, "fields": {"name": "ada"}},
    {"model": "models.Tag", "pk": 7, "fields": {"name": "red"}},
]


async def _nothing_loaded() -> None:
    assert await Author.objects.count() == 0
    assert await Tag.objects.count() == 0
    assert await Post.objects.count() == 0


async def test_a_missing_many_to_many_row_is_an_error_and_loads_nothing(db: str) -> None:
    fixture = [
        *GOOD,
        {"model": "models.Post", "pk": 3, "fields": {"title": "t", "tags": [7, 424242]}},
    ]
    with pytest.raises(ValueError, match=re.escape(
        "the fixture list, object [2] (models.Post, pk 3), field 'tags': no models.Tag has the "
        "primary key [424242]; a many-to-many key must name a row that exists"
    )):  # fmt: skip
        await loaddata(fixture)
    await _nothing_loaded()


async def test_a_many_to_many_row_already_in_the_database_may_be_named(db: str) -> None:
    await Tag.objects.create(id=9, name="old")
    fixture = [{"model": "models.Post", "pk": 3, "fields": {"title": "t", "tags": [9]}}]
    assert await loaddata(fixture) == 1
    post = await Post.objects.get(pk=3)
    assert [tag.pk for tag in await post.tags.all()] == [9]


async def test_a_missing_foreign_key_row_is_an_error_and_loads_nothing(db: str) -> None:
    fixture = [*GOOD, {"model": "models.Post", "pk": 3, "fields": {"title": "t", "author": 99}}]
    with pytest.raises(ValueError, match=re.escape(
        "the fixture list, object [2] (models.Post, pk 3): the database refused the object"
    )) as raised:  # fmt: skip
        await loaddata(fixture)
    assert "check that its foreign keys name rows that exist" in str(raised.value)
    await _nothing_loaded()


BAD_OBJECTS: list[Any] = [
    pytest.param(
        {"model": "models.Post", "pk": "many", "fields": {"title": "t"}},
        "object [2] (models.Post, pk 'many'): expected a primary key of models.Post "
        "(IntField), got 'many': invalid literal for int() with base 10: 'many'.",
        id="pk",
    ),
    pytest.param(
        {"model": "models.Post", "pk": 3, "fields": {"title": "t", "author": "many"}},
        "object [2] (models.Post, pk 3), field 'author': expected a primary key of "
        "models.Author (IntField), got 'many'",
        id="foreign-key",
    ),
    pytest.param(
        {"model": "models.Post", "pk": 3, "fields": None},
        'object [2] (models.Post, pk 3): "fields" must be an object of field names and '
        "values, got None.",
        id="fields-null",
    ),
    pytest.param(
        {"model": "models.Post", "pk": 3, "fields": ["title"]},
        "\"fields\" must be an object of field names and values, got ['title'].",
        id="fields-list",
    ),
    pytest.param(
        {"model": "models.Post", "pk": 3, "fields": {"title": "t", "tags": 5}},
        "object [2] (models.Post, pk 3), field 'tags': a many-to-many field takes a list of "
        "primary keys of models.Tag, got 5.",
        id="m2m-not-a-list",
    ),
    pytest.param(
        {"model": "models.Post", "pk": 3, "fields": {"title": "t", "tags": "7"}},
        "field 'tags': a many-to-many field takes a list of primary keys of models.Tag, got '7'.",
        id="m2m-a-string",
    ),
    pytest.param(
        {"model": "models.Post", "pk": 3, "fields": {"title": "t", "tags": [7, "x"]}},
        "field 'tags': expected a primary key of models.Tag (IntField), got 'x'",
        id="m2m-key",
    ),
    pytest.param(
        {"model": "models.Post", "pk": 3, "fields": {"title": "t" * 201}},
        "object [2] (models.Post, pk 3): the database refused the object (ValidationError: "
        "title: Length of",
        id="too-long",
    ),
    pytest.param(
        {"model": "models.Post", "pk": 3, "fields": {"colour": "red"}},
        "object [2] (models.Post, pk 3): Post has no field 'colour'; its fields are [",
        id="unknown-field",
    ),
    pytest.param(5, "object [2] (object): expected an object like", id="not-an-object"),
    pytest.param(
        {"model": "Post", "fields": {}},
        'object [2] (Post, pk None): expected "model": "<app_label>.<Model>", got \'Post\'.',
        id="label",
    ),
]


@pytest.mark.parametrize(("bad", "message"), BAD_OBJECTS)
async def test_errors_say_where_and_what_was_expected(db: str, bad: Any, message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)) as raised:
        await loaddata([*GOOD, bad])
    assert str(raised.value).startswith("the fixture list, object [2] (")
    assert str(raised.value).endswith("Nothing was loaded.")
    await _nothing_loaded()


async def test_errors_name_the_fixture_file(db: str, tmp_path: Path) -> None:
    path = tmp_path / "blog.json"
    path.write_text(json.dumps([*GOOD, {"model": "models.Post", "pk": 3, "fields": None}]))
    with pytest.raises(ValueError, match=re.escape(f"fixture {str(path)!r}, object [2] (")):
        await loaddata(path)
    await _nothing_loaded()


async def test_a_fixture_that_is_not_a_list_names_its_type(db: str) -> None:
    with pytest.raises(ValueError, match=r"the fixture list is a dict; a fixture is a list of"):
        await loaddata({"model": "models.Tag"})  # type: ignore[arg-type]


async def test_an_unknown_model_says_where(db: str) -> None:
    with pytest.raises(LookupError, match=re.escape(
        "the fixture list, object [2]: the fixture model 'models.Nope' is unknown"
    )):  # fmt: skip
        await loaddata([*GOOD, {"model": "models.Nope", "fields": {}}])
