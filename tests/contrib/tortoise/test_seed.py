"""Seed 003's model-signal examples, run on real models.

The receivers are connected with the seed's own syntax inside each test and
disconnected at its end, so the global signals keep no test receiver.
"""

from __future__ import annotations

from typing import Any

import pytest
from tortoise.transactions import in_transaction

from fastdjango.core.signals import m2m_changed, post_delete, post_save, pre_delete

from .models import AuditLog, Author, Post, Tag, User


async def test_connecting_receivers(db: str, capsys: pytest.CaptureFixture[str]) -> None:
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
        user = await User.objects.create(username="ada")
        await user.save()
        await Post.objects.create(title="x")
        assert post_save.has_listeners(sender=User)
    finally:
        post_save.disconnect(on_any_save)
        post_save.disconnect(on_user_save, sender=User)
    assert welcomed == [user]
    assert capsys.readouterr().out.count("Saved: ") == 3


async def test_manual_connection_and_disconnection(db: str) -> None:
    seen: list[Any] = []

    async def my_handler(sender, instance, **kwargs):  # type: ignore[no-untyped-def]
        seen.append(instance)

    post_save.connect(my_handler, sender=User)
    user = await User.objects.create(username="ada")
    post_save.disconnect(my_handler, sender=User)
    await User.objects.create(username="bob")
    assert seen == [user]


async def test_model_signal_arguments(db: str) -> None:
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
        author = await Author.objects.create(name="ada")
        post = await Post.objects.create(title="x", author=author)
        post.title = "y"
        await post.save(update_fields=["title"])
        await post.delete()
    finally:
        post_save.disconnect(on_post_save, sender=Post)
        pre_delete.disconnect(on_post_delete, sender=Post)
    assert notified == [(author, post)]
    assert deleted == [post]


async def test_m2m_changed_with_the_through_sender(db: str) -> None:
    counted: list[set[Any]] = []

    async def update_tag_counts(pk_set: set[Any]) -> None:
        counted.append(pk_set)

    @m2m_changed.connect(sender=Post.tags.through)  # type: ignore[attr-defined]
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
        post = await Post.objects.create(title="x")
        red = await Tag.objects.create(name="red")
        blue = await Tag.objects.create(name="blue")
        await post.tags.add(red, blue)
        await post.tags.add(red)
        await blue.posts.remove(post)
    finally:
        m2m_changed.disconnect(on_tags_changed, sender=Post.tags.through)  # type: ignore[attr-defined]
    assert counted == [{red.pk, blue.pk}, set()]


def connect_audit_log() -> tuple[Any, Any]:
    """Seed 003's "Example: Audit Log", verbatim."""

    # Track all model changes
    @post_save.connect
    async def log_save(sender, instance, created, **kwargs):  # type: ignore[no-untyped-def]
        if sender == AuditLog:
            return  # Don't log audit logs

        await AuditLog.objects.create(
            model=sender.__name__,
            object_id=instance.pk,
            action="create" if created else "update",
            changes=kwargs.get("update_fields"),
        )

    @post_delete.connect
    async def log_delete(sender, instance, **kwargs):  # type: ignore[no-untyped-def]
        if sender == AuditLog:
            return

        await AuditLog.objects.create(
            model=sender.__name__,
            object_id=instance.pk,
            action="delete",
        )

    return log_save, log_delete


async def _log() -> list[tuple[str, str, str, Any]]:
    rows = await AuditLog.objects.all().order_by("id")
    return [(row.model, row.object_id, row.action, row.changes) for row in rows]


@pytest.mark.parametrize("transaction", [False, True], ids=["autocommit", "in-transaction"])
async def test_audit_log(db: str, transaction: bool) -> None:
    log_save, log_delete = connect_audit_log()
    try:
        if transaction:
            async with in_transaction(db):
                await _audited_changes()
        else:
            await _audited_changes()
    finally:
        post_save.disconnect(log_save)
        post_delete.disconnect(log_delete)
    assert await _log() == [
        ("Author", "1", "create", None),
        ("Post", "1", "create", None),
        ("Post", "1", "update", ["title"]),
        ("Post", "1", "delete", None),
        ("Author", "1", "delete", None),
    ]


async def _audited_changes() -> None:
    author = await Author.objects.create(id=1, name="ada")
    post = await Post.objects.create(id=1, title="x", author=author)
    post.title = "y"
    await post.save(update_fields=["title"])
    await post.delete()
    await author.delete()
