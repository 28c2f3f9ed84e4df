"""Looking inside a signal: what is connected, and what a send would call."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from types import FunctionType
from typing import Any, Final

from ._checks import check_identifiers
from ._connection import Connection, registry_key
from ._refs import receiver_key, sender_key
from ._state import SignalState

__all__ = ["ANY", "Introspection"]

Receiver = Callable[..., Any]


class _AnySender:
    def __repr__(self) -> str:
        return "ANY_SENDER"


#: Default of the introspection methods: "whatever the sender".
ANY: Final = _AnySender()


class Introspection(SignalState):
    """The read-only questions tools, tests and integrations ask a signal."""

    def is_connected(
        self,
        receiver: Receiver | None = None,
        sender: object = None,
        dispatch_uid: Hashable | None = None,
    ) -> bool:
        """Is there a live connection with these identifiers (as in disconnect)?"""
        check_identifiers("is_connected", receiver, dispatch_uid)
        with self._lock:
            return any(conn.is_live() for conn in self._matching(receiver, sender, dispatch_uid))

    def _matching(
        self, receiver: Receiver | None, sender: object, dispatch_uid: Hashable | None
    ) -> list[Connection]:
        if dispatch_uid is None and receiver is None:
            raise TypeError("Identify the connection: pass a receiver or a dispatch_uid.")
        if dispatch_uid is not None and sender is None:
            return [c for c in list(self._registry.values()) if c.dispatch_uid == dispatch_uid]
        if receiver is None:
            rkey: Hashable = None
        elif type(receiver) is FunctionType:
            rkey = id(receiver)
        else:
            rkey = receiver_key(receiver)
        conn = self._registry.get(registry_key(sender_key(sender), dispatch_uid, rkey))
        if conn is None or not conn.sender.matches(sender):
            return []  # nothing, or a dead sender's connection whose id() was reused
        return [conn]

    @property
    def receivers(self) -> list[tuple[tuple[Hashable, Hashable], Callable[[], Receiver | None]]]:
        """``(lookup_key, ref)`` for each connection; ``ref()`` gives the receiver.

        ``lookup_key`` is ``(sender key, receiver key or dispatch_uid)``,
        where the sender key is None for "any sender" and ``id(sender)`` for
        an object sender.
        """
        self._refresh()
        with self._lock:
            return [(conn.lookup_key, conn.ref) for conn in list(self._registry.values())]

    def has_listeners(self, sender: object = ANY) -> bool:
        """Would a send from ``sender`` reach a live receiver (any, if omitted)?

        Cheap enough to call before building costly arguments: no lock and no
        list unless something changed since the last send.
        """
        if self._stale:
            self._refresh()
        if sender is ANY:
            plans = [self._anyone, *self._by_id.values(), *self._by_value.values()]
        else:
            plans = [self._select(sender)]
        return any(conn.is_live() for plan in plans if plan is not None for conn in plan.conns)

    def live_receivers(self, sender: object = ANY) -> list[Receiver]:
        """Live receivers in call order: for ``sender``, or all if omitted."""
        self._refresh()
        if sender is ANY:
            conns: Sequence[Connection] = self.connections()
        else:
            plan = self._select(sender)
            conns = () if plan is None else plan.conns
        live = (conn.ref() for conn in conns)
        return [r for r in live if r is not None]

    def connections(self, *, include_dead: bool = False) -> list[Connection]:
        """Every live connection in call order, with its options (for tools).

        With ``include_dead=True``, dead connections (``dead`` is True) are
        listed too: first the last receivers already pruned because they died
        while connected (in the order they were pruned), then the rest in
        call order, including connections whose weak receiver or sender was
        collected but that were not pruned yet (they are left in place, so
        the next access still logs the warning).
        """
        if include_dead:
            with self._lock:
                registry = sorted(self._registry.values(), key=Connection.sort_key)
                return [*self._casualties, *registry]
        self._refresh()
        with self._lock:
            return sorted(self._registry.values(), key=Connection.sort_key)
