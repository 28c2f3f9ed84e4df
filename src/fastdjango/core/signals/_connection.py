"""One connection of a receiver to a signal, and the per-sender call plans."""

from __future__ import annotations

import sys
import types
import weakref
from collections.abc import Callable, Hashable, Iterable
from inspect import CO_COROUTINE, CO_VARKEYWORDS
from types import FunctionType
from typing import TYPE_CHECKING, Any, Final

from ._aliases import resolve_alias
from ._refs import (
    ANY_SENDER,
    ReceiverRef,
    SenderSpec,
    StrongRef,
    WeakMethodRef,
    describe,
    is_async_receiver,
    make_receiver_ref,
    receiver_key,
    require_kwargs,
)

if TYPE_CHECKING:
    from ._dispatcher import Signal

__all__ = ["Connection", "Entry", "Plan", "Plans", "build_plans", "registry_key"]

Receiver = Callable[..., Any]


#: inspect.markcoroutinefunction() exists (Python 3.12+).
_MARKS_COROUTINES: Final = sys.version_info >= (3, 12)


def registry_key(sender_key: Hashable, dispatch_uid: Hashable, rkey: Hashable) -> Hashable:
    """What makes a connection unique: its sender and its uid or receiver.

    The commonest connection (any sender, no uid) is keyed by the bare
    receiver key, which saves a tuple per connection.
    """
    if dispatch_uid is not None:
        return (sender_key, dispatch_uid)
    return rkey if sender_key is None else (sender_key, rkey)


class Connection:
    """A receiver connected to a signal, with its options.

    ``key`` is ``(sender key, dispatch_uid or receiver key)``: what makes a
    connection unique, and Django's ``lookup_key``. ``durable`` is the spec
    of a durable connection (its ``name`` identifies the receiver across
    processes), None for an ordinary one. ``dead`` is set when a
    weakly held receiver or sender is collected (the connection itself is the
    weakref callback, which keeps it small and only sets flags); the signal
    prunes it on its next access.
    """

    __slots__ = (
        "_label",
        "_module",
        "dead",
        "died_while_connected",
        "dispatch_uid",
        "durable",
        "is_async",
        "key",
        "on_commit",
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
        sender: SenderSpec,
        weak: bool,
        dispatch_uid: Hashable | None,
        priority: int,
        on_commit: bool,
        durable: Any = None,
        /,
    ) -> None:
        self.signal = signal
        self.durable = durable
        self.dead = self.died_while_connected = False
        self.weak = weak
        self.dispatch_uid = dispatch_uid
        self.priority = priority
        self.on_commit = on_commit
        self.sender = sender
        self.ref: ReceiverRef
        if type(receiver) is FunctionType:
            # The commonest receiver, answered from its code object (this is
            # on the path of every connect).
            code = receiver.__code__
            flags = code.co_flags
            if not flags & CO_VARKEYWORDS:
                require_kwargs(receiver)  # raises, naming the receiver
            # inspect.markcoroutinefunction() (Python 3.12+) marks sync
            # functions that return awaitables; a marker lives in __dict__.
            self.is_async = flags & CO_COROUTINE != 0 or (
                _MARKS_COROUTINES and is_async_receiver(receiver)
            )
            rkey: Hashable = id(receiver)
            self.receiver_key = rkey
            # Enough to name the receiver after it died, without a new
            # string: its module name and code object already exist.
            self._label: object = code
            self._module: str | None = receiver.__module__
            self.ref = weakref.ref(receiver, self) if weak else StrongRef(receiver)
        else:
            require_kwargs(receiver)
            self.is_async = is_async_receiver(receiver)
            rkey = receiver_key(receiver)
            self.receiver_key = rkey
            self._label, self._module = describe(receiver), None
            self.ref = make_receiver_ref(receiver, weak=weak, on_death=self)
        # registry_key(), written out: this is on the path of every connect.
        if dispatch_uid is not None:
            self.key: Hashable = (sender.key, dispatch_uid)
        elif sender is ANY_SENDER:
            self.key = rkey
        else:
            self.key = (sender.key, rkey)

    def __call__(self, dead_ref: object) -> None:
        """Weakref callback: the receiver was collected."""
        if sys.is_finalizing():
            return
        # A bound method dying with its object is what weak references are
        # for; any other weak receiver dying while connected is a bug.
        if not isinstance(self.ref, WeakMethodRef):
            self.died_while_connected = True
        self.dead = True
        self.signal._note_death()

    @property
    def name(self) -> str:
        """``module.qualname`` of the receiver."""
        label = self._label
        if isinstance(label, types.CodeType):
            return f"{self._module}.{label.co_qualname}"
        return str(label)

    @property
    def lookup_key(self) -> tuple[Hashable, Hashable]:
        """``(sender key, uid or receiver key)``: None as sender means any sender."""
        uid = self.dispatch_uid
        return (self.sender.key, self.receiver_key if uid is None else uid)

    @property
    def warn_on_death(self) -> bool:
        return self.weak and not isinstance(self.ref, WeakMethodRef)

    def entry(self) -> Entry:
        """This connection as the send loop's ``(target, weak, is_async, deferred, func)``.

        A strong receiver is its own target; a weak function's target is its
        ``weakref.ref``; a weak bound method's target is a weak reference to
        its instance and ``func`` its function, so the loop rebuilds the
        method without calling into Python code. Plain booleans, because
        testing one costs the interpreter less than a bit mask. A durable
        connection (held strongly) has itself as ``deferred``: the send
        records an event for it instead of calling it (see ``run_plan``).
        """
        ref = self.ref
        if self.durable is not None:
            return ref(), False, self.is_async, self, None
        if isinstance(ref, StrongRef):
            return ref.receiver, False, self.is_async, self.on_commit, None
        if isinstance(ref, WeakMethodRef):
            return ref.self_ref, True, self.is_async, self.on_commit, ref.func
        return ref, True, self.is_async, self.on_commit, None

    def is_live(self) -> bool:
        return not self.dead and self.ref() is not None and self.sender.is_alive()

    def sort_key(self) -> int:
        """Sort connections in registry (connection) order by this: stable."""
        return -self.priority

    def __repr__(self) -> str:
        return f"<Connection {self.name} sender={self.sender.description}>"


#: One receiver as the send loop walks it, see :meth:`Connection.entry`.
Entry = tuple[Any, bool, bool, "bool | Connection", Any]


class Plan:
    """What a send from one sender walks, precomputed after each change.

    ``entries`` holds one :data:`Entry` per receiver, in call order;
    ``durable`` the durable connections among them, in that order.
    ``has_async``: a sync send cannot complete it without an event loop
    (an async receiver, or a durable one: recording its event is async).
    """

    __slots__ = ("conns", "durable", "entries", "has_async")

    def __init__(self, conns: tuple[Connection, ...]) -> None:
        self.conns = conns
        self.entries = tuple(conn.entry() for conn in conns)
        self.durable = tuple(conn for conn in conns if conn.durable is not None)
        self.has_async = bool(self.durable) or any(conn.is_async for conn in conns)

    def without(self, muted: Callable[[Connection], bool]) -> Plan | None:
        """The same plan less the connections ``muted`` says to skip."""
        kept = tuple(conn for conn in self.conns if not muted(conn))
        return Plan(kept) if kept else None


#: (plan for senders without own connections, plans by sender id, by value)
Plans = tuple["Plan | None", dict[int, Plan], dict[Hashable, Plan]]


Indexed = tuple[int, Connection]


def _plan(indexed: list[Indexed]) -> Plan | None:
    """Call order: higher priority first, then connection (registry) order."""
    indexed.sort(key=lambda item: (-item[1].priority, item[0]))
    return Plan(tuple(conn for _, conn in indexed)) if indexed else None


def build_plans(connections: Iterable[Connection]) -> Plans:
    """Precompute what a send from each sender calls.

    ``connections`` come in connection order. Senders with no connection of
    their own share the any-sender plan, so the number of plans is bounded by
    the number of distinct connected senders, never by the number of objects
    that send.
    """
    anyone: list[Indexed] = []
    by_id: dict[int, list[Indexed]] = {}
    by_value: dict[Hashable, list[Indexed]] = {}
    for item in enumerate(connections):
        spec = item[1].sender
        if spec.kind == SenderSpec.ANY:
            anyone.append(item)
        elif spec.kind == SenderSpec.IDENTITY:
            by_id.setdefault(spec.key, []).append(item)  # type: ignore[arg-type]
        else:
            by_value.setdefault(spec.key, []).append(item)
            target = resolve_alias(spec.key) if isinstance(spec.key, str) else None
            if target is not None:
                by_id.setdefault(id(target), []).append(item)
    return (
        _plan(list(anyone)),
        {key: _plan([*anyone, *own]) for key, own in by_id.items()},  # type: ignore[misc]
        {key: _plan([*anyone, *own]) for key, own in by_value.items()},  # type: ignore[misc]
    )
