"""Every kind of receiver the dispatcher accepts, for parametrized tests.

Each receiver returns ``(label, sender, kwargs)`` so a test can check both
that it ran and what it was called with.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

Call = tuple[str, object, dict[str, Any]]


def sync_function(sender: object, **kwargs: Any) -> Call:
    return ("sync_function", sender, kwargs)


async def async_function(sender: object, **kwargs: Any) -> Call:
    return ("async_function", sender, kwargs)


def labelled(label: str, sender: object, **kwargs: Any) -> Call:
    return (label, sender, kwargs)


async def async_labelled(label: str, sender: object, **kwargs: Any) -> Call:
    return (label, sender, kwargs)


class Handler:
    """Methods of every flavour."""

    def on_sync(self, sender: object, **kwargs: Any) -> Call:
        return ("bound_sync", sender, kwargs)

    async def on_async(self, sender: object, **kwargs: Any) -> Call:
        return ("bound_async", sender, kwargs)

    @staticmethod
    def static_sync(sender: object, **kwargs: Any) -> Call:
        return ("static_sync", sender, kwargs)

    @staticmethod
    async def static_async(sender: object, **kwargs: Any) -> Call:
        return ("static_async", sender, kwargs)

    @classmethod
    def class_sync(cls, sender: object, **kwargs: Any) -> Call:
        return ("class_sync", sender, kwargs)

    @classmethod
    async def class_async(cls, sender: object, **kwargs: Any) -> Call:
        return ("class_async", sender, kwargs)


class CallableObject:
    def __call__(self, sender: object, **kwargs: Any) -> Call:
        return ("callable_sync", sender, kwargs)


class AsyncCallableObject:
    async def __call__(self, sender: object, **kwargs: Any) -> Call:
        return ("callable_async", sender, kwargs)


class Unweakrefable:
    """A callable whose instances cannot be weakly referenced."""

    __slots__ = ()

    def __call__(self, sender: object, **kwargs: Any) -> Call:
        return ("unweakrefable", sender, kwargs)


def receiver_kinds() -> dict[str, tuple[Callable[..., Any], bool]]:
    """``{label: (receiver, is_async)}`` with one receiver of every kind.

    The caller keeps the dict alive, so weakly connected receivers live as
    long as the test needs them.
    """
    handler = Handler()
    return {
        "sync_function": (sync_function, False),
        "async_function": (async_function, True),
        "bound_sync": (handler.on_sync, False),
        "bound_async": (handler.on_async, True),
        "static_sync": (Handler.static_sync, False),
        "static_async": (Handler.static_async, True),
        "class_sync": (Handler.class_sync, False),
        "class_async": (Handler.class_async, True),
        "callable_sync": (CallableObject(), False),
        "callable_async": (AsyncCallableObject(), True),
        "partial_sync": (functools.partial(labelled, "partial_sync"), False),
        "partial_async": (functools.partial(async_labelled, "partial_async"), True),
    }


KIND_LABELS = sorted(receiver_kinds())
