"""The dispatcher: :class:`Signal` and the :func:`receiver` decorator."""

from __future__ import annotations

import importlib
import itertools
import sys
import threading
import weakref
from collections.abc import Callable, Hashable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from types import FunctionType
from typing import TYPE_CHECKING, Any, Final, TypeVar, overload

from . import _instrument
from ._aliases import on_alias_change
from ._calls import Responses, logger
from ._connection import Connection, Plan, build_plans, registry_key
from ._instrument import on_instrumentation_change
from ._mute import MuteRule, active_rules, mute, usage
from ._refs import (
    ANY_SENDER,
    VALUE_SENDER_TYPES,
    SenderSpec,
    describe,
    receiver_key,
    sender_key,
)
from ._send import Fast, make_send, make_send_sync, specialise

__all__ = ["Receiver", "Signal", "all_signals", "receiver"]

Receiver = Callable[..., Any]
R = TypeVar("R", bound=Receiver)


class _AnySender:
    def __repr__(self) -> str:
        return "ANY_SENDER"


#: Default of the introspection methods: "whatever the sender".
_ANY: Final = _AnySender()
#: How many receivers that died while connected a signal remembers for tools.
_CASUALTIES_KEPT: Final = 64

_signals: weakref.WeakValueDictionary[int, Signal] = weakref.WeakValueDictionary()
_signal_order = itertools.count()


def all_signals() -> list[Signal]:
    """Every signal object alive in this process, in creation order."""
    return [signal for _, signal in sorted(_signals.items())]


def _invalidate_all() -> None:
    for signal in list(_signals.values()):
        signal._mark_stale()


on_alias_change(_invalidate_all)
on_instrumentation_change(_invalidate_all)
usage.listeners.append(_invalidate_all)


class Signal:
    """A signal that receivers connect to and senders send.

    Args:
        providing_args: names of the keyword arguments the signal sends, for
            documentation and introspection (``sig.providing_args``).
        name: shown in ``repr()``, logs and introspection.
        concurrent: when True, the async receivers of one send run
            concurrently (results still follow receiver order).
        use_caching: accepted for code ported from Django and ignored: every
            signal caches its per-sender receiver lists.

    Raises:
        TypeError: an argument has the wrong type (the message says which).
    """

    def __init__(
        self,
        providing_args: Iterable[str] | None = None,
        *,
        name: str | None = None,
        concurrent: bool = False,
        use_caching: bool = False,
    ) -> None:
        if isinstance(providing_args, str):
            raise TypeError(
                f"providing_args must be a list of argument names, not the string "
                f"{providing_args!r}; write providing_args=[{providing_args!r}]."
            )
        if providing_args is not None and not isinstance(providing_args, Iterable):
            raise TypeError(
                f"providing_args must be a list of argument names, got {providing_args!r}; "
                f"write Signal(providing_args=['instance', ...]) or Signal() (a name is "
                f"name=...)."
            )
        for flag, value in (("concurrent", concurrent), ("use_caching", use_caching)):
            if value is not True and value is not False:
                raise TypeError(f"{flag} must be True or False, got {value!r}.")
        args = tuple(providing_args or ())
        for arg in args:
            if not isinstance(arg, str) or not arg.isidentifier():
                raise TypeError(f"providing_args must hold argument names, got {arg!r}.")
        if name is not None and not isinstance(name, str):
            raise TypeError(f"A signal's name must be a string, got {name!r}.")
        self.providing_args: tuple[str, ...] = args
        self.name = name
        self.concurrent = bool(concurrent)
        self._lock = threading.Lock()
        self._registry: dict[Hashable, Connection] = {}
        self._deaths = False
        self._fast: Fast = None  # see _send.specialise
        self._specs: dict[Hashable, SenderSpec] = {}
        self._anyone: Plan | None = None
        self._by_id: dict[int, Plan] = {}
        self._by_value: dict[Hashable, Plan] = {}
        self._stale = True
        self._observers: tuple[Callable[[object, dict[str, Any]], None], ...] = ()
        self._sender_checks: tuple[Callable[[object], None], ...] = ()
        # The last receivers pruned because they died while connected, for tools.
        self._casualties: tuple[Connection, ...] = ()
        _signals[next(_signal_order)] = self

    def __repr__(self) -> str:
        label = repr(self.name) if self.name else f"at {id(self):#x}"
        return f"<Signal {label}>"

    # -- connecting ---------------------------------------------------------

    @overload
    def connect(
        self,
        receiver: R,
        sender: object = None,
        weak: bool = True,
        dispatch_uid: Hashable | None = None,
        *,
        priority: int = 0,
        on_commit: bool = False,
        durable: object = False,
    ) -> R: ...

    @overload
    def connect(
        self,
        receiver: None = None,
        sender: object = None,
        weak: bool = True,
        dispatch_uid: Hashable | None = None,
        *,
        priority: int = 0,
        on_commit: bool = False,
        durable: object = False,
    ) -> Callable[[R], R]: ...

    def connect(
        self,
        receiver: R | None = None,
        sender: object = None,
        weak: bool = True,
        dispatch_uid: Hashable | None = None,
        *,
        priority: int = 0,
        on_commit: bool = False,
        durable: object = False,
    ) -> R | Callable[[R], R]:
        """Connect ``receiver`` to this signal; usable as a decorator.

        Args:
            receiver: an async or plain callable taking ``**kwargs``. Omit it
                to get a decorator: ``@sig.connect(sender=User)``.
            sender: only receive sends from this sender (None: any sender).
                Objects match by identity; ``str``, ``int`` and ``bytes`` by
                equality. A registered label (``"models.Post"``) stands for
                the object it names.
            weak: hold the receiver by weak reference (bound methods: their
                instance). A weak receiver that is collected stops receiving.
            dispatch_uid: a name for the connection; connecting again with the
                same name and sender is ignored.
            priority: higher runs earlier; equal priorities keep connection
                order.
            on_commit: defer the receiver until the surrounding database
                transaction commits (an ORM integration must be installed).
            durable: True or a ``fastdjango.durable.Durable``: a send records
                an event and worker processes run the receiver, with retries
                (see ``fastdjango.durable``). Durable receivers are held
                strongly, whatever ``weak`` says.

        Returns:
            The receiver, unchanged (or a decorator that returns it).

        Raises:
            TypeError: the receiver is not callable, cannot be weakly
                referenced with ``weak=True``, or an option has a wrong type.
            ValueError: the receiver does not accept ``**kwargs``, or cannot be
                durable (it has no name a worker could find it by, say).
        """
        if receiver is None:

            def decorator(func: R) -> R:
                return self.connect(
                    func,
                    sender,
                    weak,
                    dispatch_uid,
                    priority=priority,
                    on_commit=on_commit,
                    durable=durable,
                )

            return decorator
        if not callable(receiver):
            raise TypeError(f"Signal receivers must be callable, got {receiver!r}.")
        if (
            (weak is not True and weak is not False)
            or (on_commit is not False and on_commit is not True)
            or type(priority) is not int
            or dispatch_uid is not None
        ):
            _check_options(
                weak=weak, dispatch_uid=dispatch_uid, priority=priority, on_commit=on_commit
            )
        durable_spec = None
        if durable is not False:
            durable_spec = self._prepare_durable(receiver, sender, dispatch_uid, durable, on_commit)
            weak = False  # a durable receiver is never weak
        if self._sender_checks:
            for check in self._sender_checks:
                check(sender)
        if self._deaths:
            self._prune()  # report receivers that died before replacing them
        if sender is None:
            spec = ANY_SENDER
        else:  # the shared spec of this sender, found inline when it exists
            spec = self._specs.get(id(sender))  # type: ignore[assignment]
            if spec is None or spec.holder is None or spec.holder() is not sender:
                spec = self._sender_spec(sender)
        conn = Connection(
            self, receiver, spec, weak, dispatch_uid, priority, on_commit, durable_spec
        )
        # No lock: setdefault is atomic, and every reader of the registry
        # works on a snapshot (list(values)), so a racing send or refresh sees
        # the registry before or after this connect, never half of it.
        existing = self._registry.setdefault(conn.key, conn)
        if existing is not conn:
            if not existing.dead:
                return receiver  # already connected: keep the first connection
            # A dead one in the way: replace it, at the end. Only a death racing
            # this connect gets here (otherwise the prune above removed it).
            with self._lock:  # pragma: no cover - a race between threads
                if self._registry.get(conn.key) is existing:
                    del self._registry[conn.key]
                    self._release(existing.sender)
                self._registry.setdefault(conn.key, conn)
        if sender is not None:
            spec.users += 1  # see _release
        self._stale = True  # what _mark_stale() does, inline on this hot path
        self._fast = None
        return receiver

    def _prepare_durable(
        self,
        receiver: Receiver,
        sender: object,
        dispatch_uid: Hashable | None,
        durable: object,
        on_commit: bool,
    ) -> Any:
        """Validate a durable connection; its spec (``.name`` names the receiver)."""
        if on_commit:
            raise ValueError(
                f"{describe(receiver)} is connected with durable={durable!r} and "
                f"on_commit=True: a durable receiver's event is already published only "
                f"when the surrounding transaction commits; drop on_commit=True."
            )
        # Imported here so that a process without durable receivers never does.
        prepare = importlib.import_module("fastdjango.durable._connect").prepare
        return prepare(self, receiver, durable, dispatch_uid, sender)

    def disconnect(
        self,
        receiver: Receiver | None = None,
        sender: object = None,
        dispatch_uid: Hashable | None = None,
    ) -> bool:
        """Remove a connection; return True if one was removed.

        A connection is identified by its receiver (or ``dispatch_uid``) and
        its sender: ``disconnect(fn)`` removes fn's any-sender connection,
        ``disconnect(fn, sender=User)`` the one for User. A ``dispatch_uid``
        without a sender removes every connection with that name.
        """
        if self._deaths:
            self._prune()  # report receivers that died before removing them
        if dispatch_uid is None and type(receiver) is FunctionType:
            # The commonest call, without the general lookup (see registry_key).
            if sender is None:
                key: Hashable = id(receiver)
            elif type(sender) in VALUE_SENDER_TYPES:
                key = (sender_key(sender), id(receiver))
            else:
                key = (id(sender), id(receiver))
            conn = self._registry.get(key)
            holder = None if conn is None else conn.sender.holder
            if conn is None or (
                holder is not None and holder() is not sender and not conn.sender.matches(sender)
            ):
                return False  # nothing, or a dead sender's connection whose id() was reused
            if self._registry.pop(key, None) is None:  # pragma: no cover - a race
                return False  # a racing disconnect removed it first
            if sender is not None:
                self._release(conn.sender)
            self._stale = True
            self._fast = None
            return not conn.dead
        _check_identifiers("disconnect", receiver, dispatch_uid)
        if dispatch_uid is not None and sender is None:
            with self._lock:
                doomed = self._matching(None, None, dispatch_uid)
                doomed = [conn for conn in doomed if self._registry.pop(conn.key, None)]
        else:
            doomed = self._matching(receiver, sender, dispatch_uid)
            if doomed and self._registry.pop(doomed[0].key, None) is None:  # pragma: no cover
                return False  # a racing disconnect removed it first
        if not doomed:
            return False
        for conn in doomed:
            self._release(conn.sender)
        self._mark_stale()
        return not all(conn.dead for conn in doomed)

    def is_connected(
        self,
        receiver: Receiver | None = None,
        sender: object = None,
        dispatch_uid: Hashable | None = None,
    ) -> bool:
        """Is there a live connection with these identifiers (as in disconnect)?"""
        _check_identifiers("is_connected", receiver, dispatch_uid)
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

    @contextmanager
    def connected_to(
        self,
        receiver: R,
        sender: object = None,
        *,
        dispatch_uid: Hashable | None = None,
        priority: int = 0,
    ) -> Iterator[R]:
        """Connect ``receiver`` strongly for the duration of the block.

        If it is already connected for that sender, nothing is added and
        nothing is removed.
        """
        if self.is_connected(receiver, sender, dispatch_uid):
            yield receiver
            return
        self.connect(receiver, sender, weak=False, dispatch_uid=dispatch_uid, priority=priority)
        try:
            yield receiver
        finally:
            self.disconnect(receiver, sender, dispatch_uid)

    def add_sender_check(self, check: Callable[[object], None]) -> None:
        """Validate every ``sender`` given to :meth:`connect` with ``check``.

        For integrations: the check raises to refuse a sender (a model label
        that names no model, say). It is also run on existing connections.

        Raises:
            TypeError: ``check`` is not callable.
        """
        if not callable(check):
            raise TypeError(
                f"add_sender_check() takes a function of the sender that raises to "
                f"refuse it, got {check!r}."
            )
        with self._lock:
            if check in self._sender_checks:
                return
            self._sender_checks = (*self._sender_checks, check)
            senders = [c.sender.sender() for c in list(self._registry.values()) if not c.dead]
        for sender in senders:
            check(sender)

    # -- muting -------------------------------------------------------------

    def muted(
        self,
        receiver: Receiver | None = None,
        *,
        sender: object = None,
        dispatch_uid: Hashable | None = None,
    ) -> AbstractContextManager[None]:
        """Skip receivers of this signal for sends made in this context.

        With no argument every receiver is skipped; ``receiver`` skips that one
        (for every sender unless ``sender`` is given); ``dispatch_uid`` skips
        connections of that name. Other tasks and threads are unaffected and
        no connection is changed.
        """
        if receiver is not None and not callable(receiver):
            raise TypeError(f"muted() takes a receiver (a callable), got {receiver!r}.")
        _check_uid(dispatch_uid)
        return mute((MuteRule(self, receiver, sender, dispatch_uid),))

    # -- looking inside -----------------------------------------------------

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

    def has_listeners(self, sender: object = _ANY) -> bool:
        """Would a send from ``sender`` reach a live receiver (any, if omitted)?

        Cheap enough to call before building costly arguments: no lock and no
        list unless something changed since the last send.
        """
        if self._stale:
            self._refresh()
        if sender is _ANY:
            plans = [self._anyone, *self._by_id.values(), *self._by_value.values()]
        else:
            plans = [self._select(sender)]
        return any(conn.is_live() for plan in plans if plan is not None for conn in plan.conns)

    def live_receivers(self, sender: object = _ANY) -> list[Receiver]:
        """Live receivers in call order: for ``sender``, or all if omitted."""
        self._refresh()
        if sender is _ANY:
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

    # -- sending ------------------------------------------------------------

    _SEND_DOC = """Send to every matching receiver; return ``[(receiver, response)]``.

        Receivers are called as ``receiver(signal=self, sender=sender,
        **named)``, async ones awaited, in priority then connection order.
        The first exception propagates unchanged and later receivers are not
        called (with ``concurrent=True``, the still running ones are cancelled).
        """
    _SEND_ROBUST_DOC = """Like :meth:`send`, but every receiver runs whatever the others do.

        An ``Exception`` raised by a receiver is logged on the
        ``fastdjango.signals`` logger with its traceback and returned as that
        receiver's response. Other ``BaseException``s propagate.
        """
    _SEND_SYNC_DOC = """:meth:`send` from synchronous code.

        Async receivers are run to completion when no event loop runs in this
        thread. Inside a running loop, a send that would need to await raises
        ``RuntimeError``; with only sync receivers it works anywhere.
        """
    _SEND_ROBUST_SYNC_DOC = """:meth:`send_robust` from synchronous code (see :meth:`send_sync`)."""

    _ASEND_DOC = """The same as :meth:`send` (Django 5's name)."""
    _ASEND_ROBUST_DOC = """The same as :meth:`send_robust` (Django 5's name)."""

    if TYPE_CHECKING:

        async def send(self, sender: Any, **named: Any) -> Responses: ...
        async def send_robust(self, sender: Any, **named: Any) -> Responses: ...
        async def asend(self, sender: Any, **named: Any) -> Responses: ...
        async def asend_robust(self, sender: Any, **named: Any) -> Responses: ...
        def send_sync(self, sender: Any, **named: Any) -> Responses: ...
        def send_robust_sync(self, sender: Any, **named: Any) -> Responses: ...

    else:
        send = make_send(robust=False, doc=_SEND_DOC)
        send_robust = make_send(robust=True, doc=_SEND_ROBUST_DOC)
        asend = make_send(robust=False, doc=_ASEND_DOC, name="asend")
        asend_robust = make_send(robust=True, doc=_ASEND_ROBUST_DOC, name="asend_robust")
        send_sync = make_send_sync(robust=False, doc=_SEND_SYNC_DOC)
        send_robust_sync = make_send_sync(robust=True, doc=_SEND_ROBUST_SYNC_DOC)

    # -- the machinery ------------------------------------------------------

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


def _check_options(
    *, weak: object, dispatch_uid: object, priority: object, on_commit: object
) -> None:
    if not isinstance(weak, bool):
        raise TypeError(f"weak must be True or False, got {weak!r}.")
    if not isinstance(on_commit, bool):
        raise TypeError(f"on_commit must be True or False, got {on_commit!r}.")
    if isinstance(priority, bool) or not isinstance(priority, int):
        raise TypeError(f"priority must be an int (higher runs earlier), got {priority!r}.")
    _check_uid(dispatch_uid)


def _check_uid(dispatch_uid: object) -> None:
    if dispatch_uid is not None:
        try:
            hash(dispatch_uid)
        except TypeError:
            raise TypeError(
                f"dispatch_uid must be hashable (a string, say), got {dispatch_uid!r}."
            ) from None


def _check_identifiers(method: str, receiver: object, dispatch_uid: object) -> None:
    """Refuse what cannot identify a connection, naming the method called."""
    if receiver is not None and not callable(receiver):
        raise TypeError(
            f"{method}() takes the receiver (a callable) or dispatch_uid=..., got {receiver!r}."
        )
    _check_uid(dispatch_uid)


def receiver(
    signal: Signal | Sequence[Signal],
    *,
    sender: object = None,
    weak: bool = True,
    dispatch_uid: Hashable | None = None,
    priority: int = 0,
    on_commit: bool = False,
    durable: object = False,
) -> Callable[[R], R]:
    """Decorator connecting a function to one signal or a list of signals.

    ``@receiver(post_save, sender=User)`` or ``@receiver([post_save,
    post_delete], sender=User)``; decorators stack. Every option of
    :meth:`Signal.connect` passes through. Returns the function unchanged.
    """
    if isinstance(signal, Signal):
        signals = [signal]
    else:
        signals = list(signal) if isinstance(signal, Iterable) else []
    if not signals or not all(isinstance(s, Signal) for s in signals):
        raise TypeError(f"receiver() takes a Signal or a list of Signals, got {signal!r}.")
    _check_options(weak=weak, dispatch_uid=dispatch_uid, priority=priority, on_commit=on_commit)

    def decorator(func: R) -> R:
        for sig in signals:
            sig.connect(
                func,
                sender,
                weak,
                dispatch_uid,
                priority=priority,
                on_commit=on_commit,
                durable=durable,
            )
        return func

    return decorator
