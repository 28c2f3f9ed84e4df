"""A signal's state between changes: its plans, its pruning, its fast path.

:class:`SignalState` is the base of :class:`~._dispatcher.Signal`. A change
(connect, disconnect, a collected receiver or sender, an observer) only sets
flags, which is all a weakref callback may do; the next access refreshes:
it prunes the dead connections, rebuilds the per-sender plans and, when no
feature needs the complete path, lets the front doors send on them directly
(``_send.specialise``).
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable, Hashable
from typing import Any, Final

from . import _instrument
from ._calls import logger
from ._connection import Connection, Plan, build_plans
from ._mute import active_rules, usage
from ._refs import ANY_SENDER, VALUE_SENDER_TYPES, SenderSpec, sender_key
from ._send import Fast, specialise

__all__ = ["SignalState"]

#: How many receivers that died while connected a signal remembers for tools.
_CASUALTIES_KEPT: Final = 64


class SignalState:
    """The registry, the plans built from it, and how they are kept current."""

    concurrent: bool
    _lock: threading.Lock
    _registry: dict[Hashable, Connection]
    _deaths: bool
    _fast: Fast
    _specs: dict[Hashable, SenderSpec]
    _anyone: Plan | None
    _by_id: dict[int, Plan]
    _by_value: dict[Hashable, Plan]
    _stale: bool
    _observers: tuple[Callable[[object, dict[str, Any]], None], ...]
    _casualties: tuple[Connection, ...]

    def _init_state(self) -> None:
        self._lock = threading.Lock()
        self._registry = {}
        self._deaths = False
        self._fast = None  # see _send.specialise
        self._specs = {}
        self._anyone = None
        self._by_id = {}
        self._by_value = {}
        self._stale = True
        self._observers = ()
        # The last receivers pruned because they died while connected, for tools.
        self._casualties = ()

    def _mark_stale(self) -> None:
        # The registry changed (also from weakref callbacks): only set flags;
        # pruning and plans wait for the next access (see _send).
        self._stale = True
        self._fast = None

    def _note_death(self) -> None:
        # Runs inside weakref callbacks (see Connection.__call__).
        self._deaths = True
        self._mark_stale()

    def _refresh(self) -> None:
        """Prune dead connections, rebuild the plans, report deaths."""
        if self._deaths:
            self._prune()
        with self._lock:
            if not self._stale:
                return
            self._stale = False
            registry = list(self._registry.values())
            self._anyone, self._by_id, self._by_value = build_plans(registry)
            self._specs = {
                conn.sender.key: conn.sender for conn in registry if conn.sender is not ANY_SENDER
            }
            # Observers, concurrency, durable receivers and instrumentation
            # need the complete path.
            if not (
                self._observers
                or self.concurrent
                or _instrument.current is not None
                or any(conn.durable is not None for conn in registry)
            ):
                specialise(self, watch_mutes=usage.used)
                if self._stale:  # a receiver or sender died meanwhile
                    self._fast = None

    def _sender_spec(self, sender: object) -> SenderSpec:
        """The spec for ``sender`` (not None), shared by its connections where possible.

        Racing connects may each make one; any of them is correct, sharing
        only saves memory.
        """
        key = sender_key(sender) if type(sender) in VALUE_SENDER_TYPES else id(sender)
        spec = self._specs.get(key)
        if spec is None or not spec.matches(sender):
            spec = SenderSpec(sender, self._sender_died)
            self._specs[key] = spec
        return spec

    def _release(self, spec: SenderSpec) -> None:
        """A connection using ``spec`` left the registry.

        The signal shares one spec among the connections of a sender (see
        :meth:`_sender_spec`); once none uses it, it is forgotten, so
        connecting and disconnecting new senders leaves nothing behind.
        Counts are not locked: a miscount by racing threads only costs a
        spec shared less, or kept until the next refresh rebuilds the cache.
        """
        if spec is ANY_SENDER:
            return
        spec.users -= 1
        if spec.users <= 0:
            cached = self._specs.get(spec.key)
            if cached is not None and cached.users <= 0:
                self._specs.pop(spec.key, None)

    def _sender_died(self, _ref: object) -> None:
        # Weakref callback of a shared sender spec: only flags.
        if not sys.is_finalizing():
            self._note_death()

    def _prune(self) -> None:
        """Drop connections whose receiver or sender died; warn about receivers."""
        with self._lock:
            self._deaths = False
            dead = [
                conn
                for conn in list(self._registry.values())
                if conn.dead or not conn.sender.is_alive()
            ]
            for conn in dead:
                conn.dead = True
                if self._registry.get(conn.key) is conn:
                    self._registry.pop(conn.key, None)
                    self._release(conn.sender)
            died = tuple(conn for conn in dead if conn.died_while_connected)
            if died:
                self._casualties = (*self._casualties, *died)[-_CASUALTIES_KEPT:]
            if dead:
                self._mark_stale()
        for conn in dead:
            if conn.died_while_connected:
                logger.warning(
                    "Receiver %s of %r (sender: %s) was garbage-collected while still "
                    "connected, so it will not be called any more. Connect it with "
                    "weak=False (or keep a reference to it) to keep it connected.",
                    conn.name,
                    self,
                    conn.sender.description,
                )

    def _select(self, sender: object) -> Plan | None:
        if type(sender) in VALUE_SENDER_TYPES:
            return self._by_value.get(sender_key(sender), self._anyone)
        return self._by_id.get(id(sender), self._anyone)

    def _slow_plan(self, sender: object, named: dict[str, Any], robust: bool) -> Plan | None:
        """The plan a send walks when the fast path does not apply."""
        if self._stale:
            self._refresh()
        if robust and "signal" in named:
            self._refuse_signal_keyword()
        for observer in self._observers:
            observer(sender, named)
        plan = self._select(sender)
        if plan is None or not usage.used:
            return plan
        rules = active_rules(self)
        if not rules:
            return plan
        if any(rule.silences_everything for rule in rules):
            return None
        return plan.without(
            lambda conn: any(
                rule.silences(conn.receiver_key, conn.dispatch_uid, sender) for rule in rules
            )
        )

    def _refuse_signal_keyword(self) -> None:
        # send() fails on its own when it calls a receiver; send_robust would
        # log that failure once per receiver instead.
        raise TypeError(
            f"{self!r} passes 'signal' to receivers itself; rename that keyword argument."
        )

    @property
    def is_watched(self) -> bool:
        """Is a ``testing.capture()`` block recording this signal's sends?

        Integrations that skip work nobody needs (queries that only serve
        receivers) check this besides :meth:`has_listeners`.
        """
        return bool(self._observers)

    def _watch(self, observer: Callable[[object, dict[str, Any]], None]) -> None:
        """Call ``observer(sender, named)`` on every send (see testing.capture)."""
        with self._lock:
            self._observers = (*self._observers, observer)
            self._mark_stale()

    def _unwatch(self, observer: Callable[[object, dict[str, Any]], None]) -> None:
        with self._lock:
            self._observers = tuple(o for o in self._observers if o is not observer)
            self._mark_stale()
