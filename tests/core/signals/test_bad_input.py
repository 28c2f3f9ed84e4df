"""Wrong arguments to Signal() and its methods: a TypeError saying what and how to fix it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from fastdjango.core.signals import Signal


def receiver(sender: object, **kwargs: Any) -> None: ...


#: Signal as untyped code calls it (type checkers would refuse these calls).
untyped: Any = Signal


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: untyped(concurrent="false"), r"concurrent must be True or False, got 'false'\."),
        (lambda: untyped(concurrent=1), r"concurrent must be True or False, got 1\."),
        (lambda: untyped(use_caching="yes"), r"use_caching must be True or False, got 'yes'\."),
        (lambda: untyped(5), r"providing_args must be a list of argument names, got 5; write"),
        (
            lambda: untyped(providing_args=[5]),
            r"providing_args must hold argument names, got 5",
        ),
        (
            lambda: untyped(name=5),
            r"A signal's name must be a string, got 5\.",
        ),
    ],
    ids=["concurrent-str", "concurrent-int", "use_caching", "positional-int", "arg", "name"],
)
def test_signal_arguments(make: Callable[[], object], message: str) -> None:
    with pytest.raises(TypeError, match=message):
        make()


UNHASHABLE = r"dispatch_uid must be hashable \(a string, say\), got \{\}\."
NOT_CALLABLE = r"takes the receiver \(a callable\) or dispatch_uid=\.\.\., got 'receiver'\."


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda sig: sig.is_connected(dispatch_uid={}, sender={}), UNHASHABLE),
        (lambda sig: sig.is_connected(dispatch_uid={}), UNHASHABLE),
        (lambda sig: sig.disconnect(dispatch_uid={}, sender=1), UNHASHABLE),
        (lambda sig: sig.disconnect(dispatch_uid={}), UNHASHABLE),
        (lambda sig: sig.muted(dispatch_uid={}), UNHASHABLE),
        (lambda sig: sig.disconnect("receiver"), r"disconnect\(\) " + NOT_CALLABLE),
        (lambda sig: sig.is_connected("receiver"), r"is_connected\(\) " + NOT_CALLABLE),
        (lambda sig: sig.add_sender_check(5), r"add_sender_check\(\) takes a function .* got 5\."),
    ],
    ids=[
        "is_connected-uid-sender",
        "is_connected-uid",
        "disconnect-uid-sender",
        "disconnect-uid",
        "muted-uid",
        "disconnect-receiver",
        "is_connected-receiver",
        "add_sender_check",
    ],
)
def test_method_arguments(call: Callable[[Signal], object], message: str) -> None:
    sig = Signal()
    sig.connect(receiver, dispatch_uid="kept")
    with pytest.raises(TypeError, match=message):
        call(sig)
    assert sig.is_connected(dispatch_uid="kept")
