"""Low-cardinality names for signals, senders and receivers, computed once.

Span names and metric attributes must not grow with traffic: a receiver is
named after its function (``module.qualname``, whatever instance a bound
method belongs to), a sender after its label (``"models.Post"``) or its
qualified name, an object sender after its type. Formatting those strings on
every send would cost more than the rest of the bookkeeping, so they are
cached by the object they name; the caches hold no strong reference to it
and check, on every hit, that the id was not reused by a new object.
"""

from __future__ import annotations

import functools
import types
import weakref
from collections.abc import Callable
from typing import Any, Final

from fastdjango.core.signals import Signal
from fastdjango.core.signals._aliases import aliases_of, on_alias_change

__all__ = ["NAMES", "Names", "qualified_name"]

#: Senders of these types name themselves (a module name, a label).
_VALUE_SENDERS: Final = (str, int, bytes)


def qualified_name(obj: object) -> str:
    """``module.qualname`` of a function, class or method's function."""
    module = getattr(obj, "__module__", None)
    qualname = getattr(obj, "__qualname__", None) or getattr(obj, "__name__", None)
    if qualname is None:
        return qualified_name(type(obj))
    return f"{module}.{qualname}" if module else str(qualname)


def _named_object(receiver: Callable[..., Any]) -> object:
    """What names a receiver: a method's function, a partial's, an object's type."""
    target: Any = receiver
    while True:
        if isinstance(target, types.MethodType):
            target = target.__func__
        elif isinstance(target, functools.partial):
            target = target.func
        else:
            break
    if isinstance(target, types.FunctionType | types.BuiltinFunctionType | type):
        return target
    return type(target)  # a callable object: its class names it


class _Cache:
    """``id(obj) -> (weak reference, value)``, checked against id reuse."""

    __slots__ = ("_compute", "_entries")

    def __init__(self, compute: Callable[[Any], Any]) -> None:
        self._compute = compute
        self._entries: dict[int, tuple[Callable[[], object], Any]] = {}

    def get(self, obj: object) -> Any:
        entry = self._entries.get(id(obj))
        if entry is not None and entry[0]() is obj:
            return entry[1]
        value = self._compute(obj)
        try:
            ref: Callable[[], object] = weakref.ref(obj, self._forget(id(obj)))
        except TypeError:
            return value  # cannot be held weakly: computed each time
        self._entries[id(obj)] = (ref, value)
        return value

    def _forget(self, key: int) -> Callable[[object], None]:
        entries = self._entries

        def forget(ref: object) -> None:
            current = entries.get(key)
            if current is not None and current[0] is ref:
                del entries[key]

        return forget

    def clear(self) -> None:
        self._entries.clear()


def _sender_label(sender: object) -> str:
    labels = aliases_of(sender)
    if labels:
        return min(labels)  # several labels for one object: a stable choice
    if isinstance(sender, type | types.FunctionType | types.ModuleType):
        return sender.__name__ if isinstance(sender, types.ModuleType) else qualified_name(sender)
    return qualified_name(type(sender))


class Names:
    """The names one instrumentation gives to signals, senders and receivers.

    ``receiver(r)`` and ``sender(s)`` return cached strings; ``signal(sig)``
    is the signal's name, or None for an unnamed signal (span names then
    leave it out, as the conventions do for an unknown destination).
    """

    def __init__(self) -> None:
        self._receivers = _Cache(qualified_name)
        self._senders = _Cache(_sender_label)

    def receiver(self, receiver: Callable[..., Any]) -> str:
        """The name of ``receiver``'s span: its function's ``module.qualname``."""
        target = receiver if type(receiver) is types.FunctionType else _named_object(receiver)
        named: str = self._receivers.get(target)
        return named

    def sender(self, sender: object) -> str:
        """A sender's label (``"models.Post"``), qualified name, or type's name."""
        if sender is None:
            return "None"
        if type(sender) in _VALUE_SENDERS:
            return sender if type(sender) is str else repr(sender)
        label: str = self._senders.get(sender)
        return label

    @staticmethod
    def signal(signal: Signal) -> str | None:
        """The signal's name (``"post_save"``), None when it has none."""
        return signal.name


#: The one set of caches (names do not depend on the instrumentation).
NAMES: Final = Names()
# A label registered after a first send renames that sender.
on_alias_change(NAMES._senders.clear)
