"""A ready backend for users stored in a Tortoise model.

::

    from tortoise import fields, models
    from fastdjango.contrib.auth import make_password, set_backends
    from fastdjango.contrib.auth.tortoise import TortoiseBackend

    class User(models.Model):
        id = fields.IntField(primary_key=True)
        username = fields.CharField(max_length=150, unique=True)
        password = fields.CharField(max_length=200)       # an argon2 hash
        last_login = fields.DatetimeField(null=True)      # optional, kept up to date

    set_backends(TortoiseBackend(User))
    await User.create(username="ada", password=make_password("s3cret"))

Needs the ``tortoise`` extra as well as ``auth``.
"""

from __future__ import annotations

import asyncio
import secrets
from typing import Any

from argon2 import PasswordHasher
from starlette.requests import HTTPConnection

from ._deps import missing_extra
from ._passwords import DEFAULT_HASHER, check_password, make_password

try:
    from tortoise.exceptions import ValidationError
    from tortoise.fields import Field
    from tortoise.models import Model
except ImportError:
    raise missing_extra("tortoise-orm", "auth,tortoise") from None

__all__ = ["TortoiseBackend"]


class TortoiseBackend:
    """Authenticate by username and password against a Tortoise user model.

    Args:
        model: a ``tortoise.models.Model`` subclass.
        username_field: the unique field looked up with the ``username``
            credential (or with a credential of the field's own name, such as
            ``email=...``).
        password_field: the field holding the argon2 hash made by
            ``make_password``.
        hasher: the argon2 hasher; the package default when None. Use the
            same one for ``make_password``.

    Failures cost the same whoever fails: an unknown user, or one without a
    usable hash, pays one hash verification against a dummy hash, like a
    wrong password. The dummy hash is made here, when the backend is, so the
    first failure after start-up costs what every other one does. A
    username no row could hold (longer than the column, not a number for a
    numeric field, holding a NUL or a lone surrogate) is an unknown user,
    and a password is checked whatever characters it holds: odd input from
    a JSON form is a failed login, never an error. Hashing runs in a worker
    thread, off the event loop. A user whose ``is_active`` attribute is
    false cannot log in nor be loaded from a session. A correct password stored with outdated hasher
    parameters is re-hashed and saved.

    Raises:
        TypeError: ``model`` is not a Tortoise model.
        ValueError: a field does not exist, or the username field is not unique.
    """

    def __init__(
        self,
        model: type[Model],
        *,
        username_field: str = "username",
        password_field: str = "password",
        hasher: PasswordHasher | None = None,
    ) -> None:
        if not (isinstance(model, type) and issubclass(model, Model)):
            raise TypeError(f"TortoiseBackend needs a tortoise Model subclass, got {model!r}.")
        fields = model._meta.fields_map
        options = {"username_field": username_field, "password_field": password_field}
        for option, name in options.items():
            if name not in fields:
                raise ValueError(
                    f"{model.__name__} has no field {name!r} for {option}; pass one of "
                    f"{sorted(fields)}."
                )
        username = fields[username_field]
        if not (username.unique or username.pk):
            raise ValueError(
                f"{model.__name__}.{username_field} is not unique, so a username could match "
                "several users; declare it with unique=True."
            )
        self.model = model
        self.username_field = username_field
        self.password_field = password_field
        self.hasher = hasher or DEFAULT_HASHER
        self._dummy_hash = make_password(secrets.token_urlsafe(16), hasher=self.hasher)

    def __repr__(self) -> str:
        return f"TortoiseBackend({self.model.__name__}, username_field={self.username_field!r})"

    # ``self`` and ``request`` are positional-only, so a credential of either
    # name lands in ``credentials`` instead of colliding with them.
    async def authenticate(
        self,
        request: HTTPConnection | None,
        /,
        username: object = None,
        password: object = None,
        **credentials: Any,
    ) -> Model | None:
        """The active user with this username and password, or None."""
        if username is None:
            username = credentials.get(self.username_field)
        if not isinstance(username, str) or not isinstance(password, str):
            return None
        user = await self._find(self.username_field, username)
        stored = getattr(user, self.password_field, None)
        if user is None or not isinstance(stored, str) or not stored:
            await self._verify(password, self._dummy_hash)
            return None
        if not await self._verify(password, stored) or not getattr(user, "is_active", True):
            return None
        if self.hasher.check_needs_rehash(stored):
            new_hash = await asyncio.to_thread(make_password, password, hasher=self.hasher)
            setattr(user, self.password_field, new_hash)
            await user.save(update_fields=[self.password_field])
        return user

    async def get_user(self, user_id: str) -> Model | None:
        """The active user whose primary key is ``user_id``, or None."""
        user = await self._find(self.model._meta.pk_attr, user_id)
        if user is None or not getattr(user, "is_active", True):
            return None
        return user

    async def _find(self, field_name: str, raw: str) -> Model | None:
        field = self.model._meta.fields_map[field_name]
        value = _storable(field, raw)
        if value is _UNSTORABLE:
            return None
        lookup: dict[str, Any] = {field_name: value}
        return await self.model.get_or_none(**lookup)

    async def _verify(self, password: str, encoded: str) -> bool:
        return await asyncio.to_thread(check_password, password, encoded, hasher=self.hasher)


_UNSTORABLE = object()


def _storable(field: Field[Any], raw: str) -> Any:
    """``raw`` as ``field`` stores it, or ``_UNSTORABLE`` when no row could hold it.

    Such a value can match no row, and sending it to the database fails
    (Tortoise's validators, asyncpg's ``invalid byte sequence``, SQLite's
    integer overflow), so it is looked up as nobody.
    """
    if "\x00" in raw or _has_lone_surrogate(raw):
        return _UNSTORABLE
    try:
        value = field.to_python_value(raw)
        field.validate(value)
    except (ValueError, TypeError, ValidationError):
        return _UNSTORABLE
    bounds = field.constraints
    if isinstance(value, int) and not bounds.get("ge", value) <= value <= bounds.get("le", value):
        return _UNSTORABLE
    return value


def _has_lone_surrogate(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False
