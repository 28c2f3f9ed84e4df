"""The demo's Tortoise models (app label ``demo``, tables prefixed ``fdj_demo_``)."""

from __future__ import annotations

import json
from typing import Any

from tortoise import fields

from fastdjango.contrib.tortoise import Model

__all__ = ["TABLES", "AuditLog", "Comment", "Order", "Post", "Profile", "Tag", "User"]


def _encode_changes(value: Any) -> str:
    # post_save's update_fields is a frozenset: store it as a sorted list.
    return json.dumps(sorted(value) if isinstance(value, frozenset | set) else value)


class User(Model):
    """A user who logs in with a username and an argon2-hashed password."""

    id = fields.IntField(primary_key=True)
    username = fields.CharField(max_length=150, unique=True)
    email = fields.CharField(max_length=200)
    password = fields.CharField(max_length=200)
    last_login = fields.DatetimeField(null=True)

    class Meta:
        table = "fdj_demo_user"


class Profile(Model):
    """One per user, made by the ``create_profile`` receiver."""

    id = fields.IntField(primary_key=True)
    user: fields.OneToOneRelation[User] = fields.OneToOneField(
        "demo.User", related_name="profile", on_delete=fields.CASCADE
    )
    bio = fields.TextField(default="")

    class Meta:
        table = "fdj_demo_profile"


class Order(Model):
    """An order placed by a user (announced with the ``order_placed`` signal)."""

    id = fields.IntField(primary_key=True)
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "demo.User", related_name="orders", on_delete=fields.CASCADE
    )
    item = fields.CharField(max_length=100)
    quantity = fields.IntField(default=1)

    class Meta:
        table = "fdj_demo_order"


class Tag(Model):
    """A label posts carry."""

    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=50, unique=True)
    posts: fields.ManyToManyRelation[Post]

    class Meta:
        table = "fdj_demo_tag"


class Post(Model):
    """A post by a user, with tags and comments."""

    id = fields.IntField(primary_key=True)
    author: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "demo.User", related_name="posts", on_delete=fields.CASCADE
    )
    title = fields.CharField(max_length=200)
    tags: fields.ManyToManyRelation[Tag] = fields.ManyToManyField(
        "demo.Tag", related_name="posts", through="fdj_demo_post_tag"
    )

    class Meta:
        table = "fdj_demo_post"


class Comment(Model):
    """A comment on a post: deleting the post deletes it (a cascade)."""

    id = fields.IntField(primary_key=True)
    post: fields.ForeignKeyRelation[Post] = fields.ForeignKeyField(
        "demo.Post", related_name="comments", on_delete=fields.CASCADE
    )
    text = fields.TextField()

    class Meta:
        table = "fdj_demo_comment"


class AuditLog(Model):
    """Seed 003's audit log: one row per save or delete of any other model."""

    id = fields.IntField(primary_key=True)
    model = fields.CharField(max_length=100)
    object_id = fields.CharField(max_length=64)
    action = fields.CharField(max_length=20)
    changes: fields.JSONField[Any] = fields.JSONField(null=True, encoder=_encode_changes)

    class Meta:
        table = "fdj_demo_auditlog"


#: The demo's tables, dependents first (the order to drop them in).
TABLES = (
    "fdj_demo_post_tag",
    "fdj_demo_comment",
    "fdj_demo_post",
    "fdj_demo_tag",
    "fdj_demo_order",
    "fdj_demo_profile",
    "fdj_demo_auditlog",
    "fdj_demo_user",
)
