"""Real models the model-signal tests save, delete and link."""

from __future__ import annotations

import json
import uuid
from typing import Any

from tortoise import fields
from tortoise.models import Model as TortoiseModel

from fastdjango.contrib.tortoise import Model


def _encode_changes(value: Any) -> str:
    # post_save's update_fields is a frozenset: store it as a sorted list.
    return json.dumps(sorted(value) if isinstance(value, frozenset | set) else value)


class User(Model):
    """Seed 003's user."""

    id = fields.IntField(primary_key=True)
    username = fields.CharField(max_length=100)


class Author(Model):
    """A writer; deleting one cascades to posts and profile."""

    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=100, unique=True)
    email = fields.CharField(max_length=100, default="")


class Profile(Model):
    """One profile per author (a cascading one-to-one)."""

    id = fields.IntField(primary_key=True)
    author: fields.OneToOneRelation[Author] = fields.OneToOneField(
        "models.Author", related_name="profile", on_delete=fields.CASCADE
    )
    bio = fields.TextField(default="")


class Tag(Model):
    """A label posts carry (the other side of ``Post.tags``)."""

    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=50)
    posts: fields.ManyToManyRelation[Post]


class Post(Model):
    """A post by an author, with tags."""

    id = fields.IntField(primary_key=True)
    title = fields.CharField(max_length=200)
    body = fields.TextField(default="")
    author: fields.ForeignKeyNullableRelation[Author] = fields.ForeignKeyField(
        "models.Author", related_name="posts", null=True, on_delete=fields.CASCADE
    )
    tags: fields.ManyToManyRelation[Tag] = fields.ManyToManyField(
        "models.Tag", related_name="posts", through="fdj_post_tag"
    )


class Comment(Model):
    """A comment on a post; deleted with it."""

    id = fields.IntField(primary_key=True)
    post: fields.ForeignKeyRelation[Post] = fields.ForeignKeyField(
        "models.Post", related_name="comments", on_delete=fields.CASCADE
    )
    text = fields.TextField()


class Reply(Model):
    """A reply to a comment: a second level of cascade."""

    id = fields.IntField(primary_key=True)
    comment: fields.ForeignKeyRelation[Comment] = fields.ForeignKeyField(
        "models.Comment", related_name="replies", on_delete=fields.CASCADE
    )


class Bookmark(Model):
    """Points at a post without cascading (SET NULL)."""

    id = fields.IntField(primary_key=True)
    post: fields.ForeignKeyNullableRelation[Post] = fields.ForeignKeyField(
        "models.Post", related_name="bookmarks", null=True, on_delete=fields.SET_NULL
    )


class Document(Model):
    """A model with a client-side UUID primary key."""

    id = fields.UUIDField(primary_key=True, default=uuid.uuid4)
    title = fields.CharField(max_length=100)


class AuditLog(Model):
    """Seed 003's audit log."""

    id = fields.IntField(primary_key=True)
    model = fields.CharField(max_length=100)
    object_id = fields.CharField(max_length=64)
    action = fields.CharField(max_length=20)
    changes: fields.JSONField[Any] = fields.JSONField(null=True, encoder=_encode_changes)


class Note(TortoiseModel):
    """A plain Tortoise model: it sends signals once install() ran."""

    id = fields.IntField(primary_key=True)
    text = fields.CharField(max_length=100)


class Pin(Model):
    """Pins a post: a post with a pin cannot be deleted (RESTRICT)."""

    id = fields.IntField(primary_key=True)
    post: fields.ForeignKeyRelation[Post] = fields.ForeignKeyField(
        "models.Post", related_name="pins", on_delete=fields.RESTRICT
    )
