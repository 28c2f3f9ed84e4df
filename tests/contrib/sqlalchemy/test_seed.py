"""Seed 003's model-signal examples on SQLAlchemy models.

The receivers keep the seed's signatures; where the seed writes through a
Django manager (``AuditLog.objects.create(...)``) they add the row to the
session flushing the instance, which is how SQLAlchemy code writes.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_object_session, async_sessionmaker

from fastdjango.core.signals import m2m_changed, post_delete, post_save, pre_delete

from .models import AuditLog, Author, Post, Tag, User

Sessions = async_sessionmaker[AsyncSession]


async def test_connecting_receivers(sessions: Sessions, capsys: pytest.CaptureFixture[str]) -> None:
    welcomed: list[User] = []

    async def send_welcome_email(user: User) -> None:
        welcomed.append(user)

    @post_save.connect
    async def on_any_save(sender, instance, created, **kwargs):  # type: ignore[no-untyped-def]
        """Called when any model is saved."""
        print(f"Saved: {instance}")  # noqa: T201

    @post_save.connect(sender=User)
    async def on_user_save(sender, instance, created, **kwargs):  # type: ignore[no-untyped-def]
        """Called only when User is saved."""
        if created:
            await send_welcome_email(instance)

    try:
        async with sessions() as session:
            user = User(username="ada")
            session.add_all([user, Post(title="x")])
            await session.commit()
            user.username = "ada l."
            await session.commit()
    finally:
        post_save.disconnect(on_any_save)
        post_save.disconnect(on_user_save, sender=User)
    assert welcomed == [user]
    assert capsys.readouterr().out.count("Saved: ") == 3


async def test_model_signal_arguments(sessions: Sessions) -> None:
    notified: list[tuple[Any, Post]] = []
    deleted: list[Post] = []

    async def notify_followers(author: Any, post: Post) -> None:
        notified.append((author, post))

    async def delete_attachments(post: Post) -> None:
        deleted.append(post)

    @post_save.connect(sender=Post)
    async def on_post_save(  # type: ignore[no-untyped-def]
        sender,  # Model class
        instance,  # Model instance
        created,  # True if new, False if update
        raw=False,  # True if loading fixtures
        using=None,  # Database alias
        update_fields=None,  # Fields being updated
        **kwargs,
    ):
        if created:
            await notify_followers(instance.author, instance)

    @pre_delete.connect(sender=Post)
    async def on_post_delete(  # type: ignore[no-untyped-def]
        sender,  # Model class
        instance,  # Model instance being deleted
        using=None,  # Database alias
        **kwargs,
    ):
        # Clean up related files
        await delete_attachments(instance)

    try:
        async with sessions() as session:
            author = Author(name="ada")
            post = Post(title="x", author=author)
            session.add(post)
            await session.commit()
            post.title = "y"
            await session.commit()
            await session.delete(post)
            await session.commit()
    finally:
        post_save.disconnect(on_post_save, sender=Post)
        pre_delete.disconnect(on_post_delete, sender=Post)
    assert notified == [(author, post)]
    assert deleted == [post]


async def test_m2m_changed_with_the_through_sender(sessions: Sessions) -> None:
    counted: list[set[Any]] = []

    async def update_tag_counts(pk_set: set[Any]) -> None:
        counted.append(pk_set)

    @m2m_changed.connect(sender=Post.tags.through)
    async def on_tags_changed(  # type: ignore[no-untyped-def]
        sender,  # Through model
        instance,  # Model instance
        action,  # "pre_add", "post_add", "pre_remove", etc.
        reverse,  # True if relation is reversed
        model,  # Related model class
        pk_set,  # Set of primary keys
        using=None,
        **kwargs,
    ):
        if action == "post_add":
            await update_tag_counts(pk_set)

    try:
        async with sessions() as session:
            post, red, blue = Post(title="x"), Tag(name="red"), Tag(name="blue")
            session.add_all([post, red, blue])
            await session.commit()
            await session.refresh(post, ["tags"])
            post.tags.extend([red, blue])
            await session.commit()
            await session.refresh(blue, ["posts"])
            blue.posts.remove(post)
            await session.commit()
    finally:
        m2m_changed.disconnect(on_tags_changed, sender=Post.tags.through)
    assert counted == [{red.id, blue.id}]


def connect_audit_log() -> tuple[Any, Any]:
    """Seed 003's "Example: Audit Log", writing through the instance's session."""

    # Track all model changes
    @post_save.connect
    async def log_save(sender, instance, created, **kwargs):  # type: ignore[no-untyped-def]
        if sender == AuditLog:
            return  # Don't log audit logs

        fields = kwargs.get("update_fields")
        async_object_session(instance).add(  # type: ignore[union-attr]
            AuditLog(
                model=sender.__name__,
                object_id=str(instance.id),
                action="create" if created else "update",
                changes=",".join(sorted(fields)) if fields else None,
            )
        )

    @post_delete.connect
    async def log_delete(sender, instance, **kwargs):  # type: ignore[no-untyped-def]
        if sender == AuditLog:
            return

        async_object_session(instance).add(  # type: ignore[union-attr]
            AuditLog(model=sender.__name__, object_id=str(instance.id), action="delete")
        )

    return log_save, log_delete


@pytest.mark.parametrize("outer", [False, True], ids=["commit-each", "one-transaction"])
async def test_audit_log(sessions: Sessions, outer: bool) -> None:
    log_save, log_delete = connect_audit_log()
    try:
        async with sessions() as session:
            author = Author(id=1, name="ada")
            post = Post(id=1, title="x", author=author)

            async def done() -> None:
                await (session.flush() if outer else session.commit())

            session.add(post)
            await done()
            post.title = "y"
            await done()
            await session.delete(post)
            await done()
            await session.delete(author)
            await done()
            await session.commit()
            rows = (await session.scalars(select(AuditLog).order_by(AuditLog.id))).all()
    finally:
        post_save.disconnect(log_save)
        post_delete.disconnect(log_delete)
    assert [(row.model, row.object_id, row.action, row.changes) for row in rows] == [
        ("Author", "1", "create", None),  # the flush writes the author first
        ("Post", "1", "create", None),
        ("Post", "1", "update", "title"),
        ("Post", "1", "delete", None),
        ("Author", "1", "delete", None),
    ]
