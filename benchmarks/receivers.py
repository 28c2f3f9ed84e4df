"""The receivers every library calls: identical bodies, distinct objects.

Each receiver takes ``(sender, instance=None, created=False, **kwargs)`` and
returns a small value, so the same function works for every peer: keyword
callers (fastdjango, Django, blinker, aiosignal, the floor) and psygnal,
which passes ``emit`` arguments positionally.
"""

from __future__ import annotations

import types
from collections.abc import Callable
from typing import Any

Receiver = Callable[..., Any]


class Sender:
    """The sender of every timed send (a model class in real code)."""


def sync_receiver(
    sender: object, instance: object = None, created: bool = False, **kwargs: object
) -> int:
    return 1


async def async_receiver(
    sender: object, instance: object = None, created: bool = False, **kwargs: object
) -> int:
    return 1


class Listener:
    """An object whose bound methods are connected weakly (scenario W)."""

    def on_event(
        self, sender: object, instance: object = None, created: bool = False, **kwargs: object
    ) -> int:
        return 1

    async def on_event_async(
        self, sender: object, instance: object = None, created: bool = False, **kwargs: object
    ) -> int:
        return 1


def copies(template: Receiver, count: int) -> list[Receiver]:
    """Return ``count`` distinct function objects sharing ``template``'s code.

    Registries deduplicate a receiver connected twice, so N receivers must be
    N objects; sharing the code object keeps their cost identical.
    """
    if not isinstance(template, types.FunctionType):
        raise TypeError(f"copies() needs a plain function, got {template!r}.")
    return [
        types.FunctionType(template.__code__, template.__globals__, f"{template.__name__}_{index}")
        for index in range(count)
    ]


def senders(count: int) -> list[type]:
    """Return ``count`` distinct sender classes (the other senders of F100)."""
    return [type(f"OtherSender{index}", (), {}) for index in range(count)]
