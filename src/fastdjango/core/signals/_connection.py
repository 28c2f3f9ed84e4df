"""One connection of a receiver to a signal, and the per-sender call plans."""

from __future__ import annotations

import sys
import types
from collections.abc import Callable, Hashable, Iterable
from typing import TYPE_CHECKING, Any, Final

from ._aliases import resolve_alias
from ._refs import (
    ReceiverRef,
    SenderSpec,
    StrongRef,
    WeakMethodRef,
    describe,
    is_async_receiver,
    make_receiver_ref,
    receiver_key,
)

if TYPE_CHECKING:
    from ._dispatcher import Signal

__all__ = ["ASYNC", "DEFER", "WEAK", "Connection", "Plan", "Plans", "build_plans"]

Receiver = Callable[..., Any]


class Connection:
    """A receiver connected to a signal, with its options.

    ``key`` is ``(sender key, dispatch_uid or receiver key)``: what makes a
    connection unique, and Django's ``lookup_key``. ``dead`` is set when a
    weakly held receiver or sender is collected (the connection itself is the
    weakref callback, which keeps it small and only sets flags); the signal
    prunes it on its next access.
    """

    __slots__ = (
        "_label",
        "dead",
        "died_while_connected",
        "dispatch_uid",
        "is_async",
        "key",
        "on_commit",
        "order",
        "priority",
        "receiver_key",
        "ref",
        "sender",
        "signal",
        "weak",
    )

    def __init__(
        self,
        signal: Signal,
        receiver: Receiver,
        *,
        sender: object,
        weak: bool,
        dispatch_uid: Hashable | None,
        priority: int,
        on_commit: bool,
        order: int,
    ) -> None:
        self.signal = signal
        self.dead = False
        self.died_while_connected = False
        self.weak = weak
        self.dispatch_uid = dispatch_uid
        self.priority = priority
        self.on_commit = on_commit
        self.order = order
        self.is_async = is_async_receiver(receiver)
        self.receiver_key = receiver_key(receiver)
        # Enough to name the receiver after it died, without a new string.
        code = getattr(receiver, "__code__", None)
        self._label: object = (
            (receiver.__module__, code) if isinstance(receiver, types.FunctionType) else None
        )
        if self._label is None:
            self._label = describe(receiver)
        self.ref: ReceiverRef = make_receiver_ref(receiver, weak=weak, on_death=self)
        self.sender = SenderSpec(sender, self)
        uid = dispatch_uid
        self.key: tuple[Hashable, Hashable] = (
            self.sender.key,
            self.receiver_key if uid is None else uid,
        )

    def __call__(self, dead_ref: object) -> None:
        """Weakref callback: the receiver or the sender was collected."""
        if sys.is_finalizing():
            return
        # A bound method dying with its object is what weak references are
        # for; any other weak receiver dying while connected is a bug.
        if dead_ref is self.ref and not isinstance(self.ref, WeakMethodRef):
            self.died_while_connected = True
        self.dead = True
        self.signal._mark_stale()

    @property
    def name(self) -> str:
        """``module.qualname`` of the receiver."""
        label = self._label
        if isinstance(label, tuple):
            module, code = label
            return f"{module}.{code.co_qualname}"
        return str(label)

    @property
    def lookup_key(self) -> tuple[Hashable, Hashable]:
        """``(sender key, uid or receiver key)``: None as sender means any sender."""
        return self.key

    @property
    def warn_on_death(self) -> bool:
        return self.weak and not isinstance(self.ref, WeakMethodRef)

    def entry(self) -> tuple[Any, int, Any]:
        """This connection as the send loop's ``(target, flags, func)``."""
        flags = (ASYNC if self.is_async else 0) | (DEFER if self.on_commit else 0)
        ref = self.ref
        if isinstance(ref, StrongRef):
            return ref.receiver, flags, None
        if isinstance(ref, WeakMethodRef):
            return ref.self_ref, flags | WEAK, ref.func
        return ref, flags | WEAK, None

    def is_live(self) -> bool:
        return not self.dead and self.ref() is not None and self.sender.is_alive()

    def sort_key(self) -> tuple[int, int]:
        return (-self.priority, self.order)

    def __repr__(self) -> str:
        return f"<Connection {self.name} sender={self.sender.description}>"


#: How the send loop calls an entry (bit flags).
ASYNC: Final = 1  # await the result
WEAK: Final = 2  # ``target`` is a weak reference to dereference first
DEFER: Final = 4  # on_commit: hand to the open transaction, if any


class Plan:
    """What a send from one sender walks, precomputed after each change.

    ``entries`` is ``(target, flags, func)`` per receiver in call order: a
    strong receiver is its own target; a weak function's target is its
    ``weakref.ref``; a weak bound method's target is a weak reference to its
    instance and ``func`` its function, so the loop rebuilds the method
    without calling into Python code.
    """

    __slots__ = ("conns", "entries", "has_async")

    def __init__(self, conns: tuple[Connection, ...]) -> None:
        self.conns = conns
        self.entries = tuple(conn.entry() for conn in conns)
        self.has_async = any(conn.is_async for conn in conns)

    def without(self, muted: Callable[[Connection], bool]) -> Plan | None:
        """The same plan less the connections ``muted`` says to skip."""
        kept = tuple(conn for conn in self.conns if not muted(conn))
        return Plan(kept) if kept else None


#: (plan for senders without own connections, plans by sender id, by value)
Plans = tuple["Plan | None", dict[int, Plan], dict[Hashable, Plan]]


def _ordered(connections: Iterable[Connection]) -> tuple[Connection, ...]:
    return tuple(sorted(connections, key=Connection.sort_key))


def _plan(connections: Iterable[Connection]) -> Plan | None:
    ordered = _ordered(connections)
    return Plan(ordered) if ordered else None


def build_plans(connections: Iterable[Connection]) -> Plans:
    """Precompute what a send from each sender calls.

    Senders with no connection of their own share the any-sender plan, so the
    number of plans is bounded by the number of distinct connected senders,
    never by the number of objects that send.
    """
    anyone: list[Connection] = []
    by_id: dict[int, list[Connection]] = {}
    by_value: dict[Hashable, list[Connection]] = {}
    for conn in connections:
        spec = conn.sender
        if spec.kind == SenderSpec.ANY:
            anyone.append(conn)
        elif spec.kind == SenderSpec.IDENTITY:
            by_id.setdefault(spec.key, []).append(conn)  # type: ignore[arg-type]
        else:
            by_value.setdefault(spec.key, []).append(conn)
            target = resolve_alias(spec.key) if isinstance(spec.key, str) else None
            if target is not None:
                by_id.setdefault(id(target), []).append(conn)
    return (
        _plan(anyone),
        {key: Plan(_ordered([*anyone, *conns])) for key, conns in by_id.items()},
        {key: Plan(_ordered([*anyone, *conns])) for key, conns in by_value.items()},
    )
