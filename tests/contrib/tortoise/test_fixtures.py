"""loaddata(): Django JSON fixtures saved with raw=True."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import pytest

from fastdjango.contrib.tortoise import loaddata
from fastdjango.core.signals import m2m_changed, post_save, pre_save

from .helpers import Recorder, connected
from .models import Author, Document, Post, Tag

DOC_ID = "6f1c1d44-6d7e-4c4b-9f61-2f1c8c2d9b10"

FIXTURE: list[dict[str, Any]] = [
    {"model": "models.Author", "pk": 1, "fields": {"name": "ada", "email": "ada@x"}},
    {"model": "models.Tag", "pk": 7, "fields": {"name": "red"}},
    {"model": "models.Tag", "pk": 8, "fields": {"name": "blue"}},
    {
        "model": "models.Post",
        "pk": 3,
        "fields": {"title": "hello", "author": 1, "tags": [7, 8]},
    },
    {"model": "models.Document", "pk": DOC_ID, "fields": {"title": "spec"}},
]


async def test_loaddata_saves_with_raw_true(db: str, tmp_path: Path) -> None:
    path = tmp_path / "data.json"
    path.write_text(json.dumps(FIXTURE), encoding="utf-8")
    with connected(Recorder(), pre_save, post_save) as rec, connected(rec, m2m_changed):
        assert await loaddata(path) == 5
    saves = [call for call in rec.calls if call.signal != "m2m_changed"]
    assert [call.sender for call in saves[1::2]] == [Author, Tag, Tag, Post, Document]
    assert all(call["raw"] is True for call in saves)
    assert all(call["created"] is True for call in saves if call.signal == "post_save")
    assert all(call["using"] == db for call in rec.calls)
    adds = [(c["action"], c["pk_set"]) for c in rec.calls if c.signal == "m2m_changed"]
    assert adds == [("pre_add", {7, 8}), ("post_add", {7, 8})]

    post = await Post.objects.get(pk=3)
    assert post.author_id == 1  # type: ignore[attr-defined]
    assert {tag.name for tag in await post.tags.all()} == {"red", "blue"}
    assert (await Document.objects.get(pk=uuid.UUID(DOC_ID))).title == "spec"

    # raw is False again afterwards.
    with connected(Recorder(), post_save) as after:
        await Author.objects.create(name="bob")
    assert after.calls[0]["raw"] is False


async def test_loading_again_updates_existing_rows(db: str) -> None:
    await loaddata(FIXTURE[:1])
    changed = [{**FIXTURE[0], "fields": {"name": "ada", "email": "new@x"}}]
    with connected(Recorder(), post_save) as rec:
        await loaddata(changed)
    assert [(call["created"], call["raw"]) for call in rec.calls] == [(False, True)]
    assert (await Author.objects.get(pk=1)).email == "new@x"
    assert await Author.objects.count() == 1


async def test_objects_without_pk_are_inserted(db: str) -> None:
    assert await loaddata([{"model": "models.Tag", "fields": {"name": "x"}}]) == 1
    assert [tag.name for tag in await Tag.objects.all()] == ["x"]
    assert await loaddata([]) == 0


async def test_a_failing_fixture_loads_nothing(db: str) -> None:
    def refuse(sender: Any, instance: Any, **kwargs: Any) -> None:
        if getattr(instance, "name", "") == "blue":
            raise ValueError("no blue")

    with connected(refuse, pre_save), pytest.raises(ValueError, match="no blue"):
        await loaddata(FIXTURE)
    assert await Tag.objects.count() == 0
    assert await Author.objects.count() == 0


@pytest.mark.parametrize(
    ("fixture", "error", "match"),
    [
        ({"model": "models.Tag"}, ValueError, "list of objects"),
        ([{"model": "Tag", "fields": {}}], ValueError, r"<app_label>\.<Model>"),
        ([{"model": "models.Nope", "fields": {}}], LookupError, "'models.Nope' is unknown"),
        ([{"model": "models.Tag", "fields": {"colour": 1}}], ValueError, "no field 'colour'"),
    ],
)
async def test_bad_fixtures_say_what_is_wrong(
    db: str, fixture: Any, error: type[Exception], match: str
) -> None:
    with pytest.raises(error, match=match):
        await loaddata(fixture)


async def test_unreadable_file(db: str, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="Cannot read the fixture"):
        await loaddata(tmp_path / "missing.json")


async def test_loaddata_needs_tortoise() -> None:
    with pytest.raises(RuntimeError, match=r"after 'await Tortoise\.init"):
        await loaddata(FIXTURE)
