"""The dispatcher: :class:`Signal`, what connects receivers and sends to them.

A signal's parts live in modules of their own: its state and refresh
(``_state``), the questions tools ask it (``_introspect``), the front doors
and their fast path (``_send``), the complete send path (``_complete``).
"""

from __future__ import annotations

import importlib
import itertools
import weakref
from collections.abc import Callable, Hashable, Iterable, Iterator
from contextlib import AbstractContextManager, contextmanager
from types import FunctionType
from typing import Any, TypeVar, overload

from ._aliases import on_alias_change
from ._checks import check_identifiers, check_options, check_signal_arguments, check_uid
from ._connection import Connection
from ._instrument import on_instrumentation_change
from ._introspect import Introspection, Receiver
from ._mute import MuteRule, mute, usage
from ._refs import ANY_SENDER, VALUE_SENDER_TYPES, describe, sender_key
from ._send import FrontDoors

__all__ = ["Receiver", "Signal", "all_signals"]

R = TypeVar("R", bound=Receiver)

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


class Signal(FrontDoors, Introspection):
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
        args = check_signal_arguments(providing_args, name, concurrent, use_caching)
        self.providing_args: tuple[str, ...] = args
        self.name = name
        self.concurrent = bool(concurrent)
        self._init_state()
        self._sender_checks: tuple[Callable[[object], None], ...] = ()
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
            check_options(
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
        check_identifiers("disconnect", receiver, dispatch_uid)
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
        check_uid(dispatch_uid)
        return mute((MuteRule(self, receiver, sender, dispatch_uid),))
