"""Seed 000 ("Connecting Signals"): its dispatcher examples, run as written.

Models are stand-ins; ``django.dispatch`` / ``django.db.models.signals`` are
``fastdjango.dispatch`` / ``fastdjango.core.signals`` (the built-in signals are core
signals, so annotations of them name the core class).
"""

from __future__ import annotations

import gc
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from types import SimpleNamespace, TracebackType
from typing import Any

import pytest

from fastdjango.core.signals import Signal as CoreSignal
from fastdjango.core.signals import post_delete, post_save
from fastdjango.dispatch import Signal, receiver

from .seed_support import Article, AuditLog, Comment, Order, Profile, User

pytestmark = pytest.mark.usefixtures("isolate_builtins")


def test_receiver_decorator_basic_syntax(capsys: pytest.CaptureFixture[str]) -> None:
    @receiver(post_save, sender=User)
    def my_handler(sender: Any, instance: Any, created: bool, **kwargs: Any) -> None:
        if created:
            print(f"New user created: {instance.username}")  # noqa: T201

    post_save.send_sync(User, instance=User(username="ada"), created=True)
    post_save.send_sync(User, instance=User(username="bob"), created=False)
    post_save.send_sync(Article, instance=Article(), created=True)
    assert capsys.readouterr().out == "New user created: ada\n"


async def test_receiver_for_multiple_signals() -> None:
    cleared: list[int] = []

    def clear_user_cache(pk: int) -> None:
        cleared.append(pk)

    @receiver([post_save, post_delete], sender=User)
    def user_changed(sender: Any, instance: Any, **kwargs: Any) -> None:
        clear_user_cache(instance.pk)

    user = User()
    await post_save.send(User, instance=user, created=True)
    await post_delete.send(User, instance=user)
    assert cleared == [user.pk, user.pk]


def test_receiver_for_multiple_senders(capsys: pytest.CaptureFixture[str]) -> None:
    @receiver(post_save, sender=Article)
    @receiver(post_save, sender=Comment)
    @receiver(post_save, sender=User)
    def log_save(sender: Any, instance: Any, **kwargs: Any) -> None:
        print(f"Saved: {sender.__name__} - {instance.pk}")  # noqa: T201

    @receiver(post_save)
    def log_all_saves(sender: Any, instance: Any, **kwargs: Any) -> None:
        print(f"Any model saved: {sender.__name__}")  # noqa: T201

    comment = Comment()
    post_save.send_sync(Comment, instance=comment, created=True)
    post_save.send_sync(Profile, instance=Profile(), created=True)
    assert capsys.readouterr().out == (
        f"Saved: Comment - {comment.pk}\nAny model saved: Comment\nAny model saved: Profile\n"
    )


def test_signal_connect_method(capsys: pytest.CaptureFixture[str]) -> None:
    def my_handler(sender: Any, instance: Any, created: bool, **kwargs: Any) -> None:
        if created:
            print(f"New user: {instance.username}")  # noqa: T201

    post_save.connect(my_handler, sender=User)
    post_save.send_sync(User, instance=User(username="ada"), created=True)
    assert capsys.readouterr().out == "New user: ada\n"


def test_connect_parameters_and_dispatch_uid_prevent_duplicates() -> None:
    calls: list[str] = []

    def my_handler(sender: Any, **kwargs: Any) -> None:
        calls.append("called")

    post_save.connect(my_handler, sender=None, weak=True, dispatch_uid=None)
    post_save.disconnect(my_handler)

    post_save.connect(my_handler, sender=User)
    post_save.connect(my_handler, sender=User)  # the seed's "Duplicate!": kept once here
    post_save.send_sync(User, instance=User(), created=True)
    assert calls == ["called"]
    post_save.disconnect(my_handler, sender=User)

    post_save.connect(my_handler, sender=User, dispatch_uid="create_user_profile")
    post_save.connect(my_handler, sender=User, dispatch_uid="create_user_profile")  # Ignored
    post_save.send_sync(User, instance=User(), created=True)
    assert calls == ["called", "called"]


def test_dynamic_signal_connection() -> None:
    settings = SimpleNamespace(ENABLE_AUDIT_LOG=True)
    audited: list[tuple[str, str]] = []

    def audit_log_handler(sender: Any, signal: CoreSignal, **kwargs: Any) -> None:
        audited.append((signal.name or "", sender.__name__))

    def setup_signals() -> None:
        if settings.ENABLE_AUDIT_LOG:
            for model in [User, Article, Comment]:
                post_save.connect(audit_log_handler, sender=model)
                post_delete.connect(audit_log_handler, sender=model)

    setup_signals()
    post_save.send_sync(Article, instance=Article(), created=True)
    post_delete.send_sync(Comment, instance=Comment())
    post_save.send_sync(Profile, instance=Profile(), created=True)
    assert audited == [("post_save", "Article"), ("post_delete", "Comment")]


def test_disconnect_by_receiver_and_by_dispatch_uid() -> None:
    calls: list[str] = []

    def my_handler(sender: Any, **kwargs: Any) -> None:
        calls.append("my_handler")

    def create_profile(sender: Any, **kwargs: Any) -> None:
        calls.append("create_profile")

    post_save.connect(my_handler, sender=User)
    post_save.connect(create_profile, sender=User, dispatch_uid="create_user_profile")

    # Disconnect the signal
    assert post_save.disconnect(my_handler, sender=User)
    # If you used dispatch_uid, use it to disconnect
    assert post_save.disconnect(dispatch_uid="create_user_profile")

    post_save.send_sync(User, instance=User(), created=True)
    assert calls == []


def create_profile(sender: Any, instance: Any, created: bool, **kwargs: Any) -> None:
    if created:
        Profile.create(username=instance.username)


def test_temporarily_disabling_with_a_context_manager() -> None:
    @contextmanager
    def disable_signal(signal: CoreSignal, receiver: Any, sender: Any) -> Iterator[None]:
        """Context manager to temporarily disable a signal"""
        signal.disconnect(receiver, sender=sender)
        try:
            yield
        finally:
            signal.connect(receiver, sender=sender)

    post_save.connect(create_profile, sender=User)
    with disable_signal(post_save, create_profile, User):
        post_save.send_sync(User, instance=User(username="test"), created=True)
    assert Profile.created == []
    post_save.send_sync(User, instance=User(username="after"), created=True)
    assert [p.username for p in Profile.created] == ["after"]


def test_more_robust_signal_disabling_class() -> None:
    class DisableSignals:
        """Context manager to disable signals temporarily"""

        def __init__(self, signal: CoreSignal, receiver: Any, sender: Any) -> None:
            self.signal = signal
            self.receiver = receiver
            self.sender = sender

        def __enter__(self) -> None:
            self.signal.disconnect(self.receiver, sender=self.sender)

        def __exit__(
            self,
            exc_type: type[BaseException] | None,
            exc_val: BaseException | None,
            exc_tb: TracebackType | None,
        ) -> None:
            self.signal.connect(self.receiver, sender=self.sender)

    post_save.connect(create_profile, sender=User)
    with DisableSignals(post_save, create_profile, User):
        post_save.send_sync(User, instance=User(username="test"), created=True)  # No profile
    assert Profile.created == []
    assert post_save.is_connected(create_profile, sender=User)


def test_the_muted_alternative_to_disabling() -> None:
    post_save.connect(create_profile, sender=User, dispatch_uid="profile", priority=1)
    with post_save.muted(create_profile):
        post_save.send_sync(User, instance=User(username="test"), created=True)
    assert Profile.created == []
    (conn,) = [c for c in post_save.connections() if c.dispatch_uid == "profile"]
    assert conn.priority == 1


def test_pattern_1_conditional_signal_connection() -> None:
    settings = SimpleNamespace(DEBUG=False, ENABLE_NOTIFICATIONS=True)
    calls: list[str] = []

    def debug_log_handler(sender: Any, **kwargs: Any) -> None:
        calls.append("debug")

    def send_notification(sender: Any, **kwargs: Any) -> None:
        calls.append("notification")

    def connect_signals() -> None:
        if settings.DEBUG:
            post_save.connect(debug_log_handler, sender=User)
        if settings.ENABLE_NOTIFICATIONS:
            post_save.connect(send_notification, sender=Order)

    connect_signals()
    post_save.send_sync(User, instance=User(), created=True)
    post_save.send_sync(Order, instance=Order(), created=True)
    assert calls == ["notification"]


def test_pattern_2_factory_loop_loses_all_but_the_last_receiver_and_says_so(
    caplog: pytest.LogCaptureFixture,
) -> None:
    def make_audit_receiver(model_name: str) -> Any:
        """Factory to create audit receivers for different models"""

        def receiver(sender: Any, instance: Any, created: bool, **kwargs: Any) -> None:
            action = "created" if created else "updated"
            AuditLog.objects.create(model=model_name, object_id=instance.pk, action=action)

        return receiver

    # Create and connect receivers
    for model in [User, Article, Comment]:
        handler = make_audit_receiver(model.__name__)
        post_save.connect(handler, sender=model, dispatch_uid=f"audit_{model.__name__}")

    gc.collect()
    comment = Comment()
    with caplog.at_level(logging.WARNING, logger="fastdjango.signals"):
        post_save.send_sync(User, instance=User(), created=True)
        post_save.send_sync(Comment, instance=comment, created=True)
    assert AuditLog.rows == [{"model": "Comment", "object_id": comment.pk, "action": "created"}]
    messages = sorted(r.getMessage() for r in caplog.records)
    assert len(messages) == 2
    assert f"sender: {Article.__module__}.Article" in messages[0]
    assert f"sender: {User.__module__}.User" in messages[1]
    for message in messages:
        assert "make_audit_receiver.<locals>.receiver of <Signal 'post_save'>" in message
        assert "weak=False" in message
    del handler


def test_pattern_3_class_based_signal_handlers() -> None:
    sent_mail: list[tuple[str, list[str]]] = []

    def send_mail(subject: str, body: str, sender: str, to: list[str]) -> None:
        sent_mail.append((subject, to))

    class UserSignalHandler:
        """Class-based signal handler for User model"""

        @staticmethod
        @receiver(post_save, sender=User)
        def on_user_saved(sender: Any, instance: Any, created: bool, **kwargs: Any) -> None:
            if created:
                UserSignalHandler.create_profile(instance)
                UserSignalHandler.send_welcome_email(instance)

        @staticmethod
        def create_profile(user: Any) -> None:
            Profile.create(username=user.username)

        @staticmethod
        def send_welcome_email(user: Any) -> None:
            send_mail("Welcome!", "Thanks for joining!", "noreply@example.com", [user.email])

    gc.collect()
    post_save.send_sync(User, instance=User(username="ada", email="ada@example.com"), created=True)
    assert [p.username for p in Profile.created] == ["ada"]
    assert sent_mail == [("Welcome!", ["ada@example.com"])]


def test_list_all_receivers_for_a_signal(capsys: pytest.CaptureFixture[str]) -> None:
    def my_handler(sender: Any, **kwargs: Any) -> None: ...

    def kept_strongly(sender: Any, **kwargs: Any) -> None: ...

    post_save_alike = Signal()  # a fresh signal, so the count is exact
    post_save_alike.connect(my_handler, sender=User)
    post_save_alike.connect(kept_strongly, weak=False)

    # Get all receivers for post_save
    receivers = post_save_alike.receivers
    print(f"Number of receivers: {len(receivers)}")  # noqa: T201

    for receiver_info in receivers:
        receiver_key, receiver_ref = receiver_info
        print(f"Key: {receiver_key}")  # noqa: T201

        # Get actual function if using weak reference
        receiver_func = receiver_ref()
        if receiver_func:
            print(f"Function: {receiver_func.__name__}")  # noqa: T201

    out = capsys.readouterr().out.splitlines()
    assert out[0] == "Number of receivers: 2"
    assert out[1].startswith(f"Key: ({id(User)}, ")
    assert out[2] == "Function: my_handler"
    assert out[3].startswith("Key: (None, ")
    assert out[4] == "Function: kept_strongly"


def test_check_if_a_specific_receiver_is_connected() -> None:
    def is_receiver_connected(signal: CoreSignal, receiver: Any, sender: Any) -> bool:
        """Check if a receiver is connected to a signal"""
        for receiver_info in signal.receivers:
            receiver_key, receiver_ref = receiver_info

            # Check if receiver key matches sender
            if receiver_key[0] == id(sender) or receiver_key[0] is None:
                func = receiver_ref()
                if func == receiver:
                    return True
        return False

    post_save.connect(create_profile, sender=User)
    assert is_receiver_connected(post_save, create_profile, User)
    assert not is_receiver_connected(post_save, create_profile, Article)
    post_save.disconnect(create_profile, sender=User)
    assert not is_receiver_connected(post_save, create_profile, User)


def test_pitfall_3_a_local_receiver_is_collected_and_reported(
    caplog: pytest.LogCaptureFixture,
) -> None:
    calls: list[str] = []

    def setup() -> None:
        def local_handler(sender: Any, **kwargs: Any) -> None:
            calls.append("local")

        post_save.connect(local_handler, sender=User)
        # local_handler may be garbage collected!

    setup()
    gc.collect()
    with caplog.at_level(logging.WARNING, logger="fastdjango.signals"):
        post_save.send_sync(User, instance=User(), created=True)
    assert calls == []
    [record] = caplog.records
    assert "setup.<locals>.local_handler" in record.getMessage()

    # ✅ Use weak=False for local functions
    def local_handler(sender: Any, **kwargs: Any) -> None:
        calls.append("strong")

    post_save.connect(local_handler, sender=User, weak=False)
    del local_handler
    gc.collect()
    post_save.send_sync(User, instance=User(), created=True)
    assert calls == ["strong"]
