"""Django's method names on every signal, and forgotten awaits that say so."""

from __future__ import annotations

import gc
import re
from typing import Any

import pytest

from fastdjango.core.signals import Signal
from tests.support.send_paths import is_specialised

from .conftest import make_async_receiver, make_sync_receiver


async def test_asend_and_asend_robust_are_send_and_send_robust() -> None:
    sig = Signal()
    ok, broken = make_sync_receiver([], result="ok"), make_async_receiver([], error=KeyError())
    sig.connect(ok)
    for _ in range(2):  # before and after the fast path is built
        assert await sig.asend("x") == [(ok, "ok")]
    sig.connect(broken)
    for _ in range(2):
        with pytest.raises(KeyError):
            await sig.asend("x")
        responses = await sig.asend_robust("x")
        assert responses[0] == (ok, "ok")
        assert isinstance(responses[1][1], KeyError)


def test_use_caching_is_accepted_and_changes_nothing() -> None:
    cached, plain = Signal(use_caching=True), Signal(use_caching=False)
    rec = make_sync_receiver([], result=1)
    for sig in (cached, plain):
        sig.connect(rec)
        assert sig.send_sync("x") == [(rec, 1)]


def forget(sig: Signal, method: str) -> None:
    coro = getattr(sig, method)("x", value=1)  # no await: the bug being reported
    del coro
    gc.collect()


@pytest.mark.parametrize("method", ["send", "send_robust", "asend", "asend_robust"])
@pytest.mark.parametrize("listeners", [0, 1], ids=["nobody", "one receiver"])
def test_a_forgotten_await_names_the_method(method: str, listeners: int) -> None:
    sig = Signal()
    rec = make_async_receiver([])
    if listeners:
        sig.connect(rec)
    warning = re.escape(f"coroutine 'Signal.{method}' was never awaited")
    with pytest.warns(RuntimeWarning, match=warning):
        forget(sig, method)  # the class-level path: nothing sent yet
    sig.send_sync("x")  # now the fast path is built
    assert is_specialised(sig)
    with pytest.warns(RuntimeWarning, match=warning):
        forget(sig, method)
    assert getattr(Signal, method).__qualname__ == f"Signal.{method}"


def test_the_class_methods_keep_their_names() -> None:
    methods = ("send", "send_robust", "asend", "asend_robust", "send_sync", "send_robust_sync")
    names: dict[str, Any] = {name: getattr(Signal, name) for name in methods}
    assert {name: method.__name__ for name, method in names.items()} == {
        name: name for name in names
    }


def test_user_login_failed_refuses_djangos_sender_name() -> None:
    from fastdjango.contrib.auth._flow import SENDER
    from fastdjango.core.signals import user_login_failed

    rec = make_sync_receiver([])
    with pytest.raises(ValueError, match=r"sender='fastdjango\.contrib\.auth'") as raised:
        user_login_failed.connect(rec, sender="django.contrib.auth")
    assert "'django.contrib.auth', Django's module name" in str(raised.value)
    assert not user_login_failed.has_listeners("django.contrib.auth")
    # The name it points at is the one the auth flow sends with, and it fires.
    user_login_failed.connect(rec, sender=SENDER)
    try:
        assert user_login_failed.send_sync(SENDER, credentials={}, request=None) == [(rec, None)]
    finally:
        user_login_failed.disconnect(rec, sender=SENDER)
