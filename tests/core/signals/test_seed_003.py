"""Seed 003 ("Signals"): its dispatcher examples, run as written.

Models, requests and services are stand-ins; the model, request and user
examples get their real senders with the integrations.
"""

from __future__ import annotations

import gc
import logging
from types import SimpleNamespace
from typing import Any, ClassVar

import pytest

from fastdjango.core.signals import (
    Signal,
    m2m_changed,
    post_delete,
    post_save,
    pre_delete,
    pre_save,
    request_finished,
    request_started,
    user_logged_in,
    user_logged_out,
    user_login_failed,
)

from .seed_support import Model, Order, User

pytestmark = pytest.mark.usefixtures("isolate_builtins")

logger = logging.getLogger("tests.seed_003")


class Post(Model):
    tags = SimpleNamespace(through=type("PostTags", (), {}))


class AuditLog(Model):
    """Seed 003's audit table, with an async manager."""

    rows: ClassVar[list[dict[str, Any]]] = []

    class objects:
        @staticmethod
        async def create(**row: Any) -> None:
            AuditLog.rows.append(row)


def test_built_in_signals_import() -> None:
    assert [s.name for s in (pre_save, post_save, pre_delete, post_delete, m2m_changed)] == [
        "pre_save",
        "post_save",
        "pre_delete",
        "post_delete",
        "m2m_changed",
    ]
    assert request_started.name == "request_started"
    assert request_finished.name == "request_finished"
    assert user_logged_in.name == "user_logged_in"
    assert user_logged_out.name == "user_logged_out"
    assert user_login_failed.name == "user_login_failed"


async def test_decorator_syntax(capsys: pytest.CaptureFixture[str]) -> None:
    welcomed: list[Any] = []

    async def send_welcome_email(user: Any) -> None:
        welcomed.append(user)

    @post_save.connect
    async def on_any_save(sender: Any, instance: Any, created: bool, **kwargs: Any) -> None:
        """Called when any model is saved."""
        print(f"Saved: {instance.username}")  # noqa: T201

    @post_save.connect(sender=User)
    async def on_user_save(sender: Any, instance: Any, created: bool, **kwargs: Any) -> None:
        """Called only when User is saved."""
        if created:
            await send_welcome_email(instance)

    ada, order = User(username="ada"), Order(username="order")
    await post_save.send(User, instance=ada, created=True)
    await post_save.send(Order, instance=order, created=True)
    assert welcomed == [ada]
    assert capsys.readouterr().out == "Saved: ada\nSaved: order\n"
    assert on_any_save.__doc__ == "Called when any model is saved."


async def test_manual_connection_and_disconnection() -> None:
    calls: list[Any] = []

    async def my_handler(sender: Any, instance: Any, **kwargs: Any) -> None:
        calls.append(instance)

    post_save.connect(my_handler, sender=User)
    user = User()
    await post_save.send(User, instance=user, created=True)
    post_save.disconnect(my_handler, sender=User)
    await post_save.send(User, instance=user, created=False)
    assert calls == [user]


async def test_basic_send(capsys: pytest.CaptureFixture[str]) -> None:
    class MyClass:
        pass

    my_signal = Signal(providing_args=["data"])

    async def handler(sender: Any, data: dict[str, str], **kwargs: Any) -> str:
        return data["key"]

    my_signal.connect(handler)

    # Send signal
    responses = await my_signal.send(sender=MyClass, data={"key": "value"})

    # responses is list of (receiver, response) tuples
    for receiver, response in responses:
        print(f"{receiver} returned {response}")  # noqa: T201

    assert responses == [(handler, "value")]
    assert capsys.readouterr().out == f"{handler} returned value\n"


async def test_robust_send(caplog: pytest.LogCaptureFixture) -> None:
    class MyClass:
        pass

    my_signal = Signal(providing_args=["data"])
    data = {"key": "value"}

    async def broken(sender: Any, **kwargs: Any) -> None:
        raise ValueError("broken handler")

    async def working(sender: Any, data: dict[str, str], **kwargs: Any) -> str:
        return "ok"

    my_signal.connect(broken)
    my_signal.connect(working)
    with caplog.at_level(logging.ERROR):
        responses = await my_signal.send_robust(sender=MyClass, data=data)

        for receiver, response in responses:
            if isinstance(response, Exception):
                logger.error(f"Handler {receiver} failed: {response}")  # noqa: G004

    assert responses[1] == (working, "ok")
    assert isinstance(responses[0][1], ValueError)
    assert [r.name for r in caplog.records] == ["fastdjango.signals", "tests.seed_003"]
    assert caplog.records[1].getMessage().endswith("failed: broken handler")


async def test_custom_signals() -> None:
    emails: list[dict[str, str]] = []
    shipments: list[Any] = []

    async def send_email(to: str, subject: str, body: str) -> None:
        emails.append({"to": to, "subject": subject})

    class WarehouseApi:
        async def create_shipment(self, order: Any) -> None:
            shipments.append(order)

    warehouse_api = WarehouseApi()

    # Define custom signal
    order_placed = Signal(providing_args=["order", "user"])

    # Connect receiver
    @order_placed.connect
    async def send_confirmation(sender: Any, order: Any, user: Any, **kwargs: Any) -> None:
        await send_email(
            to=user.email,
            subject=f"Order #{order.id} confirmed",
            body="Thank you for your order!",
        )

    @order_placed.connect
    async def notify_warehouse(sender: Any, order: Any, **kwargs: Any) -> None:
        await warehouse_api.create_shipment(order)

    order = SimpleNamespace(id=42)
    request = SimpleNamespace(state=SimpleNamespace(user=User(email="ada@example.com")))

    # Send signal
    await order_placed.send(
        sender=Order,
        order=order,
        user=request.state.user,
    )
    assert emails == [{"to": "ada@example.com", "subject": "Order #42 confirmed"}]
    assert shipments == [order]


async def test_model_signal_argument_receivers() -> None:
    seen: list[tuple[str, Any]] = []

    @post_save.connect(sender=Post)
    async def on_post_save(
        sender: Any,
        instance: Any,
        created: bool,
        raw: bool = False,
        using: str | None = None,
        update_fields: Any = None,
        **kwargs: Any,
    ) -> None:
        if created:
            seen.append(("notify_followers", instance))

    @pre_delete.connect(sender=Post)
    async def on_post_delete(
        sender: Any, instance: Any, using: str | None = None, **kwargs: Any
    ) -> None:
        seen.append(("delete_attachments", instance))

    @m2m_changed.connect(sender=Post.tags.through)
    async def on_tags_changed(
        sender: Any,
        instance: Any,
        action: str,
        reverse: bool,
        model: Any,
        pk_set: set[int] | None,
        using: str | None = None,
        **kwargs: Any,
    ) -> None:
        if action == "post_add":
            seen.append(("update_tag_counts", pk_set))

    post = Post()
    await post_save.send(
        Post, instance=post, created=True, raw=False, using="default", update_fields=None
    )
    await pre_delete.send(Post, instance=post, using="default", origin=post)
    for action in ("pre_add", "post_add"):
        await m2m_changed.send(
            Post.tags.through,
            instance=post,
            action=action,
            reverse=False,
            model=Model,
            pk_set={1, 2},
            using="default",
        )
    assert seen == [
        ("notify_followers", post),
        ("delete_attachments", post),
        ("update_tag_counts", {1, 2}),
    ]


async def test_request_and_user_signal_receivers(caplog: pytest.LogCaptureFixture) -> None:
    request_log = logging.getLogger("tests.seed_003.requests")
    events: list[tuple[str, Any]] = []

    @request_started.connect
    async def on_request_start(sender: Any, scope: dict[str, Any], **kwargs: Any) -> None:
        # Log request start
        request_log.info(f"Request started: {scope['path']}")

    @request_finished.connect
    async def on_request_end(sender: Any, scope: dict[str, Any], **kwargs: Any) -> None:
        # Clean up request resources
        pass

    @user_logged_in.connect
    async def on_login(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
        events.append(("login", (user, request.client.host)))

    @user_logged_out.connect
    async def on_logout(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
        events.append(("logout", user))

    @user_login_failed.connect
    async def on_login_failed(sender: Any, credentials: Any, request: Any, **kwargs: Any) -> None:
        events.append(("failed", (credentials.get("username"), request.client.host)))

    request = SimpleNamespace(client=SimpleNamespace(host="10.0.0.1"))
    user = User(username="ada")
    with caplog.at_level(logging.INFO, logger="tests.seed_003.requests"):
        await request_started.send(object, scope={"path": "/orders"})
        await request_finished.send(object, scope={"path": "/orders"})
    await user_logged_in.send(User, request=request, user=user)
    await user_logged_out.send(User, request=request, user=user)
    await user_login_failed.send(
        "fastdjango.contrib.auth",
        credentials={"username": "ada", "password": "********"},
        request=request,
    )
    assert caplog.messages == ["Request started: /orders"]
    assert events == [
        ("login", (user, "10.0.0.1")),
        ("logout", user),
        ("failed", ("ada", "10.0.0.1")),
    ]


async def test_weak_references() -> None:
    calls: list[str] = []

    # Receiver may be garbage collected
    @post_save.connect(weak=True)  # Default
    async def handler(sender: Any, **kwargs: Any) -> None:
        calls.append("handler")

    # Receiver won't be garbage collected
    @post_save.connect(weak=False)
    async def persistent_handler(sender: Any, **kwargs: Any) -> None:
        calls.append("persistent")

    await post_save.send(User, instance=User(), created=True)
    assert calls == ["handler", "persistent"]
    del handler, persistent_handler
    gc.collect()
    await post_save.send(User, instance=User(), created=True)
    assert calls == ["handler", "persistent", "persistent"]


def test_checking_for_listeners() -> None:
    class Other:
        pass

    assert not post_save.has_listeners(sender=Other)

    def on_user(sender: Any, **kwargs: Any) -> None: ...

    post_save.connect(on_user, sender=User)
    if post_save.has_listeners(sender=User):
        # There are handlers for User saves
        pass
    assert post_save.has_listeners(sender=User)
    assert not post_save.has_listeners(sender=Other)


async def test_example_audit_log() -> None:
    # Track all model changes
    @post_save.connect
    async def log_save(sender: Any, instance: Any, created: bool, **kwargs: Any) -> None:
        if sender == AuditLog:
            return  # Don't log audit logs

        await AuditLog.objects.create(
            model=sender.__name__,
            object_id=instance.pk,
            action="create" if created else "update",
            changes=kwargs.get("update_fields"),
        )

    @post_delete.connect
    async def log_delete(sender: Any, instance: Any, **kwargs: Any) -> None:
        if sender == AuditLog:
            return

        await AuditLog.objects.create(
            model=sender.__name__,
            object_id=instance.pk,
            action="delete",
        )

    AuditLog.rows.clear()
    post = Post()
    await post_save.send(Post, instance=post, created=True, update_fields=None)
    await post_save.send(Post, instance=post, created=False, update_fields=["title"])
    await post_save.send(AuditLog, instance=AuditLog(), created=True)
    await post_delete.send(Post, instance=post, using="default", origin=post)
    assert AuditLog.rows == [
        {"model": "Post", "object_id": post.pk, "action": "create", "changes": None},
        {"model": "Post", "object_id": post.pk, "action": "update", "changes": ["title"]},
        {"model": "Post", "object_id": post.pk, "action": "delete"},
    ]
