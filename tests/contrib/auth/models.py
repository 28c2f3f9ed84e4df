"""Plain Tortoise user models for the auth tests (tables prefixed ``fd_auth_``)."""

from __future__ import annotations

from tortoise import fields, models


class AuthUser(models.Model):
    """A user with a username, an argon2 hash, ``last_login`` and ``is_active``."""

    id = fields.IntField(primary_key=True)
    username = fields.CharField(max_length=150, unique=True)
    password = fields.CharField(max_length=200, default="")
    last_login = fields.DatetimeField(null=True)
    is_active = fields.BooleanField(default=True)

    class Meta:
        table = "fd_auth_user"


class EmailUser(models.Model):
    """A user identified by email, with a UUID key and no ``last_login``."""

    id = fields.UUIDField(primary_key=True)
    email = fields.CharField(max_length=200, unique=True)
    name = fields.CharField(max_length=100)
    secret_hash = fields.CharField(max_length=200)

    class Meta:
        table = "fd_auth_email_user"
