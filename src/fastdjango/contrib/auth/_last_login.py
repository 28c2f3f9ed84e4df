"""The built-in ``user_logged_in`` receiver that records ``last_login``."""

from __future__ import annotations

from typing import Any

from fastdjango.core.signals import user_logged_in

__all__ = ["UPDATE_LAST_LOGIN_UID", "update_last_login"]

#: The ``dispatch_uid`` of :func:`update_last_login`'s connection.
UPDATE_LAST_LOGIN_UID = "fastdjango.contrib.auth.update_last_login"


async def update_last_login(sender: object, user: Any, **kwargs: Any) -> None:
    """Set ``user.last_login`` to now and save only that field.

    Connected to ``user_logged_in`` for every sender when
    ``fastdjango.contrib.auth`` is imported; it acts only on Tortoise models
    that have a ``last_login`` field and ignores every other user. The time
    comes from ``tortoise.timezone.now()``, so it follows Tortoise's
    ``use_tz`` setting. To turn it off::

        user_logged_in.disconnect(dispatch_uid=UPDATE_LAST_LOGIN_UID)

    A failing save propagates, so ``login()`` fails and undoes the session.
    """
    fields = getattr(getattr(sender, "_meta", None), "fields_map", None)
    if not isinstance(fields, dict) or "last_login" not in fields:
        return
    from tortoise import timezone  # present: the sender is a Tortoise model

    user.last_login = timezone.now()
    await user.save(update_fields=["last_login"])


user_logged_in.connect(update_last_login, weak=False, dispatch_uid=UPDATE_LAST_LOGIN_UID)
