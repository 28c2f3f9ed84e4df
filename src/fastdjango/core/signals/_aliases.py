"""Named senders: ``sender="models.Post"`` resolved to the object it names.

An integration that knows names for its senders (Tortoise's
``"<app_label>.<Model>"`` labels) registers them here. A connection made with
such a string, before or after registration, then receives sends from the
named object, and receivers get the object itself as ``sender``.
"""

from __future__ import annotations

import sys
import threading
import weakref
from collections.abc import Callable

__all__ = ["alias_sender", "aliases_of", "on_alias_change", "resolve_alias"]

_lock = threading.Lock()
_targets: dict[str, weakref.ref[object] | Callable[[], object]] = {}
_listeners: list[Callable[[], None]] = []


def alias_sender(label: str, target: object) -> None:
    """Let ``label`` stand for ``target`` wherever a sender is given."""
    if not isinstance(label, str) or not label:
        raise TypeError(f"A sender alias must be a non-empty string, got {label!r}.")
    try:
        ref: weakref.ref[object] | Callable[[], object] = weakref.ref(target, _target_died)
    except TypeError:
        ref = lambda: target  # noqa: E731 - a strong holder for objects without weakrefs
    with _lock:
        current = _targets.get(label)
        if current is not None and current() is target:
            return
        _targets[label] = ref
    _notify()


def _target_died(_ref: object) -> None:
    if not sys.is_finalizing():
        _notify()


def _notify() -> None:
    for listener in list(_listeners):
        listener()


def resolve_alias(label: str) -> object | None:
    """The object ``label`` stands for, or None."""
    ref = _targets.get(label)
    return None if ref is None else ref()


def aliases_of(target: object) -> list[str]:
    """Every label standing for ``target``."""
    return [label for label, ref in list(_targets.items()) if ref() is target]


def on_alias_change(listener: Callable[[], None]) -> None:
    """Call ``listener`` whenever a label is registered or re-pointed."""
    with _lock:
        _listeners.append(listener)
