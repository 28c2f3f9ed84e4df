"""The seeds' receivers, as the demo wires them.

Nothing is connected at import: :func:`wired` connects every receiver for
the duration of a block (after ``Tortoise.init`` and ``install()``, which
give ``Post.tags.through``) and disconnects them on the way out.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from typing import Any

from starlette.requests import Request

from fastdjango.contrib.asgi import Scope
from fastdjango.contrib.auth import get_backends, set_backends
from fastdjango.contrib.auth.tortoise import TortoiseBackend
from fastdjango.core.signals import (
    Signal,
    got_request_exception,
    m2m_changed,
    post_delete,
    post_save,
    request_finished,
    request_started,
    user_logged_in,
    user_logged_out,
    user_login_failed,
)

from .journal import note, send_mail
from .models import AuditLog, Post, Profile, Tag, User

__all__ = ["order_placed", "wired"]

#: Seed 003's custom signal, sent by ``POST /orders``. Its receivers are
#: durable: see :mod:`.durable`.
order_placed = Signal(providing_args=["order", "user"], name="order_placed")


# Audit Log (seed 003): every save and delete of every model but AuditLog.
async def log_save(sender: Any, instance: Any, created: bool, **kwargs: Any) -> None:
    """Write an AuditLog row for a save."""
    if sender == AuditLog:
        return  # Don't log audit logs
    row = await AuditLog.objects.create(
        model=sender.__name__,
        object_id=instance.pk,
        action="create" if created else "update",
        changes=kwargs.get("update_fields"),
    )
    note("log_save", f"AuditLog #{row.pk}: {row.model} {row.object_id} {row.action}")


async def log_delete(sender: Any, instance: Any, **kwargs: Any) -> None:
    """Write an AuditLog row for a delete."""
    if sender == AuditLog:
        return
    row = await AuditLog.objects.create(
        model=sender.__name__, object_id=instance.pk, action="delete"
    )
    note("log_delete", f"AuditLog #{row.pk}: {row.model} {row.object_id} delete")


# A new user gets a profile and a welcome email (seed 000).
async def create_profile(sender: type[User], instance: User, created: bool, **kwargs: Any) -> None:
    """Give each new user a Profile."""
    if created:
        profile = await Profile.objects.create(user=instance)
        note("create_profile", f"Profile #{profile.pk} for {instance.username}")


async def send_welcome_email(
    sender: type[User], instance: User, created: bool, **kwargs: Any
) -> None:
    """Mail each new user."""
    if created:
        await send_mail("Welcome!", "Thanks for joining!", "noreply@example.com", [instance.email])
        note("send_welcome_email", f"mailed 'Welcome!' to {instance.email}")


# m2m_changed on Post.tags.through (seed 003).
async def on_tags_changed(
    sender: Any,
    instance: Any,
    action: str,
    reverse: bool,
    model: type[Any],
    pk_set: set[int] | None,
    **kwargs: Any,
) -> None:
    """Count the posts of each tag just added."""
    if action == "post_add" and pk_set:
        counts = [
            f"{tag.name}={await tag.posts.all().count()}" for tag in await Tag.filter(pk__in=pk_set)
        ]
        note("on_tags_changed", f"posts per tag now: {', '.join(sorted(counts))}")


# Request logging (seed 003).
async def on_request_start(sender: Any, scope: Scope, **kwargs: Any) -> None:
    """Log the request line."""
    note("on_request_start", f"{scope['method']} {scope['path']} started")


async def on_request_end(sender: Any, scope: Scope, **kwargs: Any) -> None:
    """Log the end of the request."""
    note("on_request_end", f"{scope['method']} {scope['path']} finished")


async def on_request_exception(
    sender: Any, scope: Scope, exception: BaseException, **kwargs: Any
) -> None:
    """Log a request that failed (the exception then reaches the server)."""
    note(
        "on_request_exception",
        f"{scope['method']} {scope['path']} failed: {type(exception).__name__}: {exception}",
    )


# Login logging (seed 003).
def _host(request: Request | None) -> str:
    return request.client.host if request is not None and request.client else "?"


async def on_login(sender: Any, request: Request, user: User, **kwargs: Any) -> None:
    """Log a login and where it came from."""
    note("on_login", f"{user.username} logged in from {_host(request)}")


async def on_logout(sender: Any, request: Request, user: User | None, **kwargs: Any) -> None:
    """Log a logout."""
    note("on_logout", f"{user.username if user else 'nobody'} logged out")


async def on_login_failed(
    sender: Any, credentials: dict[str, Any], request: Request | None, **kwargs: Any
) -> None:
    """Log a failed login (the password is already masked)."""
    username = credentials.get("username")
    note("on_login_failed", f"failed login for {username!r} from {_host(request)}")


@contextmanager
def wired() -> Iterator[None]:
    """Connect every demo receiver inside the block (after Tortoise is set up).

    The auth backend is :class:`TortoiseBackend` for :class:`User` meanwhile;
    the backends configured before are put back on exit.
    """
    connections: list[tuple[Signal, Any, object]] = [
        (post_save, log_save, None),
        (post_delete, log_delete, None),
        (post_save, create_profile, User),
        (post_save, send_welcome_email, User),
        (m2m_changed, on_tags_changed, Post.tags.through),  # type: ignore[attr-defined]
        (request_started, on_request_start, None),
        (request_finished, on_request_end, None),
        (got_request_exception, on_request_exception, None),
        (user_logged_in, on_login, None),
        (user_logged_out, on_logout, None),
        (user_login_failed, on_login_failed, None),
    ]
    previous = get_backends()
    set_backends(TortoiseBackend(User))
    try:
        with ExitStack() as stack:
            for signal, receiver, sender in connections:
                stack.enter_context(signal.connected_to(receiver, sender))
            yield
    finally:
        set_backends(*previous)
