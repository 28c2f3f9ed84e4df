"""References to receivers and senders.

A connection never keeps a weakly connected receiver alive, and never keeps a
sender alive when the sender can be weakly referenced. Everything here is
about answering two questions quickly and correctly:

* which receiver is this (``receiver_key``), so that connecting the same
  receiver twice keeps one connection, and
* which sender does a connection listen to (:class:`SenderSpec`), matched by
  identity for objects and by equality for ``str`` / ``int`` / ``bytes``.
"""

from __future__ import annotations

import functools
import inspect
import types
import weakref
from collections.abc import Callable, Hashable
from typing import Any, Final

__all__ = [
    "ANY_SENDER",
    "VALUE_SENDER_TYPES",
    "DeathCallback",
    "ReceiverRef",
    "SenderSpec",
    "StrongRef",
    "WeakMethodRef",
    "describe",
    "is_async_receiver",
    "make_receiver_ref",
    "receiver_key",
    "require_kwargs",
    "sender_key",
]

#: Senders of these exact types are matched by equality (a module name, a
#: model label, a number); every other sender is matched by identity.
VALUE_SENDER_TYPES: Final = (str, int, bytes)

Receiver = Callable[..., Any]


def receiver_key(receiver: Receiver) -> Hashable:
    """Identify a receiver: a bound method by its instance and function."""
    if isinstance(receiver, types.MethodType):
        return (id(receiver.__self__), id(receiver.__func__))
    return id(receiver)


def describe(obj: object) -> str:
    """A short, stable, human name for a receiver or a sender."""
    if isinstance(obj, types.MethodType):
        return f"{describe(obj.__func__)} of {type(obj.__self__).__qualname__} object"
    if isinstance(obj, functools.partial):
        return f"functools.partial({describe(obj.func)})"
    if isinstance(obj, type | types.FunctionType | types.BuiltinFunctionType):
        module = getattr(obj, "__module__", None)
        qualname = getattr(obj, "__qualname__", None) or getattr(obj, "__name__", "?")
        return f"{module}.{qualname}" if module else str(qualname)
    if type(obj) in VALUE_SENDER_TYPES or obj is None:
        return repr(obj)
    return f"{type(obj).__module__}.{type(obj).__qualname__} object"


def is_async_receiver(receiver: Receiver) -> bool:
    """True when calling the receiver returns a coroutine to await."""
    target: Any = receiver
    while isinstance(target, functools.partial):
        target = target.func
    if inspect.iscoroutinefunction(target):
        return True
    if not isinstance(target, types.FunctionType | types.MethodType | type):
        call = getattr(type(target), "__call__", None)  # noqa: B004 - the class attribute
        return call is not None and inspect.iscoroutinefunction(call)
    return False


def _accepts_kwargs(receiver: Receiver) -> bool:
    function = receiver.__func__ if isinstance(receiver, types.MethodType) else receiver
    if isinstance(function, types.FunctionType):
        # The code flag answers without inspect.signature(), which would also
        # give the function an __annotations__ dict it keeps for ever.
        return bool(function.__code__.co_flags & inspect.CO_VARKEYWORDS)
    try:
        signature = inspect.signature(receiver)
    except (TypeError, ValueError):
        return True  # a builtin without introspection data: trust the caller
    return any(p.kind is inspect.Parameter.VAR_KEYWORD for p in signature.parameters.values())


def require_kwargs(receiver: Receiver) -> None:
    """Raise ``ValueError`` unless the receiver accepts ``**kwargs``."""
    if not _accepts_kwargs(receiver):
        raise ValueError(
            f"Signal receiver {describe(receiver)} must accept keyword arguments "
            f"(add '**kwargs' to its signature): signals send arguments that "
            f"receivers do not name."
        )


class StrongRef:
    """A strong reference with the interface of a weak one."""

    __slots__ = ("receiver",)

    def __init__(self, receiver: Any) -> None:
        self.receiver = receiver

    def __call__(self) -> Any:
        return self.receiver

    def __repr__(self) -> str:
        return f"<strong reference to {describe(self.receiver)}>"


#: Called with the dead weak reference when a receiver or sender is collected.
DeathCallback = Callable[[Any], None]


class WeakMethodRef:
    """A weak reference to a bound method: it lives as long as its instance.

    ``weakref.ref(obj.method)`` would die at once, since every attribute access
    makes a new bound method; holding the instance weakly and the function
    strongly gives the lifetime users expect.
    """

    __slots__ = ("func", "self_ref")

    def __init__(self, method: types.MethodType, on_death: DeathCallback | None) -> None:
        self.func = method.__func__
        self.self_ref = weakref.ref(method.__self__, on_death)

    def __call__(self) -> Receiver | None:
        obj = self.self_ref()
        if obj is None:
            return None
        return types.MethodType(self.func, obj)

    def __repr__(self) -> str:
        state = "dead" if self.self_ref() is None else "alive"
        return f"<weak reference to method {describe(self.func)} ({state})>"


#: What a connection keeps: call it to get the receiver (None once collected).
ReceiverRef = StrongRef | WeakMethodRef | weakref.ref[Any]


def make_receiver_ref(
    receiver: Receiver, *, weak: bool, on_death: DeathCallback | None
) -> ReceiverRef:
    """Build the reference a connection keeps, or say why it cannot be weak."""
    if not weak:
        return StrongRef(receiver)
    try:
        if isinstance(receiver, types.MethodType):
            return WeakMethodRef(receiver, on_death)
        return weakref.ref(receiver, on_death)
    except TypeError:
        raise TypeError(
            f"Cannot connect {describe(receiver)} weakly: objects of type "
            f"{type(getattr(receiver, '__self__', receiver)).__qualname__!r} cannot be "
            f"weakly referenced. Pass weak=False to keep a strong reference."
        ) from None


class SenderSpec:
    """Which sender a connection listens to.

    ``kind`` is ``ANY`` (sender=None), ``VALUE`` (matched by equality) or
    ``IDENTITY`` (matched by ``is``). An identity sender is held weakly when it
    can be, so a connection never keeps it alive and never matches a new
    object that reuses its ``id()``; one that cannot be weakly referenced is
    held strongly for as long as the connection exists. ``key`` is None for
    any sender, the value for ``str`` / ``bytes``, ``("int", value)`` for
    ``int`` and ``id(sender)`` for objects.
    """

    ANY: Final = 0
    VALUE: Final = 1
    IDENTITY: Final = 2

    __slots__ = ("holder", "key", "kind", "users")

    def __init__(self, sender: object, on_death: DeathCallback | None = None) -> None:
        #: Returns the sender (None once collected); None for any sender.
        self.holder: Callable[[], object] | None = None
        #: How many connections of the signal use this spec (kept by the
        #: signal, which forgets the spec when none does).
        self.users = 0
        self.key: Hashable
        if sender is None:
            self.kind, self.key = self.ANY, None
        elif type(sender) in VALUE_SENDER_TYPES:
            self.kind, self.key = self.VALUE, sender_key(sender)
            self.holder = StrongRef(sender)
        else:
            self.kind, self.key = self.IDENTITY, id(sender)
            try:
                self.holder = weakref.ref(sender, on_death)
            except TypeError:
                self.holder = StrongRef(sender)

    @property
    def description(self) -> str:
        """The sender for humans: "any sender", a name, or "dead sender"."""
        if self.kind == self.ANY:
            return "any sender"
        sender = self.sender()
        return "a collected sender" if sender is None else describe(sender)

    def is_alive(self) -> bool:
        return self.holder is None or self.holder() is not None

    def sender(self) -> object:
        """The sender object, or None for any sender or a collected one."""
        return None if self.holder is None else self.holder()

    def matches(self, sender: object) -> bool:
        """Would a send from ``sender`` reach a connection with this spec?"""
        if self.kind == self.ANY:
            return True
        if self.kind == self.VALUE:
            return type(sender) in VALUE_SENDER_TYPES and sender_key(sender) == self.key
        return self.holder is not None and self.holder() is sender


#: The spec of every any-sender connection (they need no state of their own).
ANY_SENDER: Final = SenderSpec(None)


def sender_key(sender: object) -> Hashable:
    """How connections and plans index a sender (see :class:`SenderSpec`)."""
    if sender is None:
        return None
    kind = type(sender)
    if kind is int:
        return ("int", sender)  # never equal to an id()
    if kind is str or kind is bytes:
        return sender
    return id(sender)
