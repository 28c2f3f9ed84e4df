"""One connection of a receiver to a signal, and the per-sender call plans."""

from __future__ import annotations

import types
from collections.abc import Callable, Hashable, Iterable
from typing import Any, Final

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

__all__ = ["ASYNC", "DEFER", "WEAK", "Connection", "Plan", "Plans", "build_plans", "registry_key"]

Receiver = Callable[..., Any]


def registry_key(
    kind: int, key: Hashable, dispatch_uid: Hashable | None, rkey: Hashable
) -> Hashable:
    """The key that makes a connection unique: (sender, uid or receiver)."""
    if dispatch_uid is not None:
        return (kind, key, "uid", dispatch_uid)
    return (kind, key, "receiver", rkey)


class Connection:
    """A receiver connected to a signal, with its options.

    ``strong`` is the receiver itself for strong connections, so the send
    loop skips dereferencing; ``dead`` is set by weakref callbacks (receiver
    or sender collected) and the connection is pruned on the next access.
    """

    __slots__ = (
        "dead",
        "died_while_connected",
        "dispatch_uid",
        "is_async",
        "key",
        "name",
        "on_commit",
        "order",
        "priority",
        "receiver_key",
        "ref",
        "sender",
        "strong",
        "warn_on_death",
        "weak",
    )

    def __init__(
        self,
        receiver: Receiver,
        *,
        sender: object,
        weak: bool,
        dispatch_uid: Hashable | None,
        priority: int,
        on_commit: bool,
        order: int,
        on_change: Callable[[], None],
    ) -> None:
        self.dead = False
        self.died_while_connected = False
        self.name = describe(receiver)
        self.weak = weak
        self.dispatch_uid = dispatch_uid
        self.priority = priority
        self.on_commit = on_commit
        self.order = order
        self.is_async = is_async_receiver(receiver)
        self.receiver_key = receiver_key(receiver)
        # A bound method dying with its object is what weak references are
        # for; any other weak receiver dying while connected is a bug.
        self.warn_on_death = weak and not isinstance(receiver, types.MethodType)

        def receiver_died() -> None:
            self.dead = True
            self.died_while_connected = self.warn_on_death
            on_change()

        def sender_died() -> None:
            self.dead = True
            on_change()

        self.ref: ReceiverRef = make_receiver_ref(receiver, weak=weak, on_death=receiver_died)
        self.strong: Receiver | None = receiver if isinstance(self.ref, StrongRef) else None
        self.sender = SenderSpec(sender, sender_died)
        self.key = registry_key(self.sender.kind, self.sender.key, dispatch_uid, self.receiver_key)

    @property
    def lookup_key(self) -> tuple[Hashable, Hashable]:
        """``(sender key, uid or receiver key)``: None as sender means any sender."""
        uid = self.dispatch_uid
        return (self.sender.lookup, self.receiver_key if uid is None else uid)

    def entry(self) -> tuple[Any, int, Any]:
        """This connection as the send loop's ``(target, flags, func)``."""
        flags = (ASYNC if self.is_async else 0) | (DEFER if self.on_commit else 0)
        ref = self.ref
        if isinstance(ref, StrongRef):
            return ref.receiver, flags, None
        if isinstance(ref, WeakMethodRef):
            return ref.self_ref, flags | WEAK, ref.func
        return ref.ref, flags | WEAK, None

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
