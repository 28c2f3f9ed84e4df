"""The dispatcher: :class:`Signal` and the :func:`receiver` decorator."""

from __future__ import annotations

import asyncio
import contextvars
import itertools
import logging
import threading
import weakref
from collections.abc import Callable, Hashable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from typing import Any, Final, TypeVar, overload

from ._aliases import on_alias_change
from ._commit import current_commit_queue
from ._connection import Connection, Plan, Plans, build_plans, registry_key
from ._mute import MuteRule, active_rules, mute, usage
from ._refs import VALUE_SENDER_TYPES, SenderSpec, describe, receiver_key, require_kwargs

__all__ = ["Receiver", "Signal", "all_signals", "receiver"]

logger = logging.getLogger("fastdjango.signals")

Receiver = Callable[..., Any]
R = TypeVar("R", bound=Receiver)
Responses = list[tuple[Receiver, Any]]


class _AnySender:
    def __repr__(self) -> str:
        return "ANY_SENDER"


#: Default of the introspection methods: "whatever the sender".
_ANY: Final = _AnySender()
_NO_PLANS: Final[Plans] = (None, {}, {})

_signals: weakref.WeakValueDictionary[int, Signal] = weakref.WeakValueDictionary()
_signal_order = itertools.count()


def all_signals() -> list[Signal]:
    """Every signal object alive in this process, in creation order."""
    return [signal for _, signal in sorted(_signals.items())]


def _invalidate_all() -> None:
    for signal in list(_signals.values()):
        signal._stale = True


on_alias_change(_invalidate_all)


class Signal:
    """A signal that receivers connect to and senders send.

    Args:
        providing_args: names of the keyword arguments the signal sends, for
            documentation and introspection (``sig.providing_args``).
        name: shown in ``repr()``, logs and introspection.
        concurrent: when True, the async receivers of one send run
            concurrently (results still follow receiver order).
    """

    def __init__(
        self,
        providing_args: Iterable[str] | None = None,
        *,
        name: str | None = None,
        concurrent: bool = False,
    ) -> None:
        if isinstance(providing_args, str):
            raise TypeError(
                f"providing_args must be a list of argument names, not the string "
                f"{providing_args!r}; write providing_args=[{providing_args!r}]."
            )
        args = tuple(providing_args or ())
        for arg in args:
            if not isinstance(arg, str) or not arg.isidentifier():
                raise TypeError(f"providing_args must hold argument names, got {arg!r}.")
        if name is not None and not isinstance(name, str):
            raise TypeError(f"A signal's name must be a string, got {name!r}.")
        self.providing_args: tuple[str, ...] = args
        self.name = name
        self.concurrent = bool(concurrent)
        self._lock = threading.RLock()
        self._registry: dict[Hashable, Connection] = {}
        self._order = itertools.count()
        self._plans: Plans = _NO_PLANS
        self._stale = False
        self._observers: tuple[Callable[[object, dict[str, Any]], None], ...] = ()
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

        Returns:
            The receiver, unchanged (or a decorator that returns it).

        Raises:
            TypeError: the receiver is not callable, cannot be weakly
                referenced with ``weak=True``, or an option has a wrong type.
            ValueError: the receiver does not accept ``**kwargs``.
        """
        if receiver is None:

            def decorator(func: R) -> R:
                return self.connect(
                    func, sender, weak, dispatch_uid, priority=priority, on_commit=on_commit
                )

            return decorator
        if not callable(receiver):
            raise TypeError(f"Signal receivers must be callable, got {receiver!r}.")
        _check_options(weak=weak, dispatch_uid=dispatch_uid, priority=priority, on_commit=on_commit)
        require_kwargs(receiver)
        for check in self._sender_checks:
            check(sender)
        conn = Connection(
            receiver,
            sender=sender,
            weak=weak,
            dispatch_uid=dispatch_uid,
            priority=priority,
            on_commit=on_commit,
            order=next(self._order),
            on_change=self._mark_stale,
        )
        with self._lock:
            existing = self._registry.get(conn.key)
            if existing is None or existing.dead:
                self._registry.pop(conn.key, None)
                self._registry[conn.key] = conn
                self._stale = True
        return receiver

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
        with self._lock:
            doomed = self._matching(receiver, sender, dispatch_uid)
            for conn in doomed:
                del self._registry[conn.key]
            if doomed:
                self._stale = True
        return any(not conn.dead for conn in doomed)

    def is_connected(
        self,
        receiver: Receiver | None = None,
        sender: object = None,
        dispatch_uid: Hashable | None = None,
    ) -> bool:
        """Is there a live connection with these identifiers (as in disconnect)?"""
        with self._lock:
            return any(conn.is_live() for conn in self._matching(receiver, sender, dispatch_uid))

    def _matching(
        self, receiver: Receiver | None, sender: object, dispatch_uid: Hashable | None
    ) -> list[Connection]:
        if dispatch_uid is None and receiver is None:
            raise TypeError("Identify the connection: pass a receiver or a dispatch_uid.")
        if dispatch_uid is not None and sender is None:
            return [c for c in self._registry.values() if c.dispatch_uid == dispatch_uid]
        kind, key = _sender_key(sender)
        rkey = None if receiver is None else receiver_key(receiver)
        conn = self._registry.get(registry_key(kind, key, dispatch_uid, rkey))
        if conn is None or (kind == SenderSpec.IDENTITY and not conn.sender.matches(sender)):
            return []
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
        """
        with self._lock:
            if check in self._sender_checks:
                return
            self._sender_checks = (*self._sender_checks, check)
            senders = [c.sender.sender() for c in self._registry.values() if not c.dead]
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
        return [(conn.lookup_key, conn.ref) for conn in self._registry.values()]

    def has_listeners(self, sender: object = _ANY) -> bool:
        """Would a send from ``sender`` reach a live receiver (any, if omitted)?"""
        return bool(self.live_receivers(sender))

    def live_receivers(self, sender: object = _ANY) -> list[Receiver]:
        """Live receivers in call order: for ``sender``, or all if omitted."""
        self._refresh()
        if sender is _ANY:
            conns: Sequence[Connection] = sorted(self._registry.values(), key=Connection.sort_key)
        else:
            plan = self._select(sender)
            conns = () if plan is None else plan[0]
        live = (conn.ref() for conn in conns)
        return [r for r in live if r is not None]

    def connections(self, *, include_dead: bool = False) -> list[Connection]:
        """Every live connection in call order, with its options (for tools).

        With ``include_dead=True``, connections whose weak receiver or sender
        was collected but that were not pruned yet are listed too (``dead`` is
        True). They are left in place, so the next access still prunes them
        and logs the warning about receivers collected while connected.
        """
        if include_dead:
            with self._lock:
                return sorted(self._registry.values(), key=Connection.sort_key)
        self._refresh()
        return sorted(self._registry.values(), key=Connection.sort_key)

    # -- sending ------------------------------------------------------------

    async def send(self, sender: Any, **named: Any) -> Responses:
        """Send to every matching receiver; return ``[(receiver, response)]``.

        Receivers are called as ``receiver(signal=self, sender=sender,
        **named)``, async ones awaited, in priority then connection order.
        The first exception propagates unchanged and later receivers are not
        called (with ``concurrent=True``, the still running ones are cancelled).
        """
        plan = self._prepare(sender, named)
        if plan is None:
            return []
        if self.concurrent:
            return await self._gather(plan, sender, named, robust=False)
        return await self._walk(plan, sender, named, robust=False)

    async def send_robust(self, sender: Any, **named: Any) -> Responses:
        """Like :meth:`send`, but every receiver runs whatever the others do.

        An ``Exception`` raised by a receiver is logged on the
        ``fastdjango.signals`` logger with its traceback and returned as that
        receiver's response. Other ``BaseException``s propagate.
        """
        plan = self._prepare(sender, named)
        if plan is None:
            return []
        if self.concurrent:
            return await self._gather(plan, sender, named, robust=True)
        return await self._walk(plan, sender, named, robust=True)

    def send_sync(self, sender: Any, **named: Any) -> Responses:
        """:meth:`send` from synchronous code.

        Async receivers are run to completion when no event loop runs in this
        thread. Inside a running loop, a send that would need to await raises
        ``RuntimeError``; with only sync receivers it works anywhere.
        """
        plan = self._prepare(sender, named)
        if plan is None:
            return []
        if plan[1]:
            return self._complete(plan, sender, named, robust=False)
        return self._walk_sync(plan, sender, named, robust=False)

    def send_robust_sync(self, sender: Any, **named: Any) -> Responses:
        """:meth:`send_robust` from synchronous code (see :meth:`send_sync`)."""
        plan = self._prepare(sender, named)
        if plan is None:
            return []
        if plan[1]:
            return self._complete(plan, sender, named, robust=True)
        return self._walk_sync(plan, sender, named, robust=True)

    # -- the machinery ------------------------------------------------------

    def _mark_stale(self) -> None:
        # Runs inside weakref callbacks: only set a flag, prune later.
        self._stale = True

    def _refresh(self) -> None:
        """Prune dead connections, rebuild the plans, report deaths."""
        with self._lock:
            if not self._stale:
                return
            self._stale = False
            dead = [conn for conn in self._registry.values() if conn.dead]
            for conn in dead:
                del self._registry[conn.key]
            self._plans = build_plans(self._registry.values())
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

    def _select(self, sender: object) -> Plan:
        anyone, by_id, by_value = self._plans
        if type(sender) in VALUE_SENDER_TYPES:
            return by_value.get(sender, anyone)
        return by_id.get(id(sender), anyone)

    def _prepare(self, sender: object, named: dict[str, Any]) -> Plan:
        """The plan a send walks: the sender's receivers less muted ones."""
        if self._stale:
            self._refresh()
        if "signal" in named:
            raise TypeError(
                f"{self!r} passes 'signal' to receivers itself; rename that keyword argument."
            )
        if self._observers:
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
        kept = tuple(
            conn
            for conn in plan[0]
            if not any(rule.silences(conn.receiver_key, conn.dispatch_uid, sender) for rule in rules)
        )
        return (kept, any(conn.is_async for conn in kept)) if kept else None

    def _deferred(self, conn: Connection, receiver: Receiver, sender: object, named: dict[str, Any]) -> bool:
        """Hand an on_commit receiver to the open transaction, if any."""
        queue = current_commit_queue()
        if queue is None:
            return False
        queue.defer(lambda: receiver(signal=self, sender=sender, **named))
        return True

    def _failed(self, receiver: Receiver, exc: Exception) -> Exception:
        logger.error(
            "Error calling %s in %r.send_robust(): %s: %s",
            describe(receiver),
            self,
            type(exc).__name__,
            exc,
            exc_info=exc,
        )
        return exc

    async def _walk(self, plan: Plan, sender: object, named: dict[str, Any], robust: bool) -> Responses:
        assert plan is not None
        responses: Responses = []
        for conn in plan[0]:
            receiver = conn.strong or conn.ref()
            if receiver is None:
                continue  # died since the plan was built
            try:
                if conn.on_commit and self._deferred(conn, receiver, sender, named):
                    response = None
                elif conn.is_async:
                    response = await receiver(signal=self, sender=sender, **named)
                else:
                    response = receiver(signal=self, sender=sender, **named)
            except Exception as exc:
                if not robust:
                    raise
                response = self._failed(receiver, exc)
            responses.append((receiver, response))
        return responses

    def _walk_sync(self, plan: Plan, sender: object, named: dict[str, Any], robust: bool) -> Responses:
        assert plan is not None
        responses: Responses = []
        for conn in plan[0]:
            receiver = conn.strong or conn.ref()
            if receiver is None:
                continue
            try:
                if conn.on_commit and self._deferred(conn, receiver, sender, named):
                    response = None
                else:
                    response = receiver(signal=self, sender=sender, **named)
            except Exception as exc:
                if not robust:
                    raise
                response = self._failed(receiver, exc)
            responses.append((receiver, response))
        return responses

    def _complete(self, plan: Plan, sender: object, named: dict[str, Any], robust: bool) -> Responses:
        """Run a send that has async receivers from synchronous code."""
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            pass
        else:
            raise RuntimeError(
                f"{self!r} has async receivers and an event loop is running in this "
                f"thread: use 'await signal.send(...)' (or send_robust) instead of the "
                f"sync variant."
            )
        run = self._gather if self.concurrent else self._walk
        # Receivers run in the caller's context, as with plain calls: run the
        # loop in a copy, then carry the variables it set back to the caller.
        context = contextvars.copy_context()
        with asyncio.Runner() as runner:
            responses = runner.run(run(plan, sender, named, robust), context=context)
        for var, value in context.items():
            if var.get(_MISSING) is not value:
                var.set(value)
        return responses

    async def _gather(self, plan: Plan, sender: object, named: dict[str, Any], robust: bool) -> Responses:
        """Concurrent mode: async receivers as tasks, each in a context copy."""
        assert plan is not None
        slots: list[tuple[Receiver, Any]] = []
        tasks: dict[asyncio.Task[Any], int] = {}
        try:
            for conn in plan[0]:
                receiver = conn.strong or conn.ref()
                if receiver is None:
                    continue
                try:
                    if conn.on_commit and self._deferred(conn, receiver, sender, named):
                        response: Any = None
                    elif conn.is_async:
                        coro = receiver(signal=self, sender=sender, **named)
                        tasks[asyncio.ensure_future(coro)] = len(slots)
                        response = None
                    else:
                        response = receiver(signal=self, sender=sender, **named)
                except Exception as exc:
                    if not robust:
                        raise
                    response = self._failed(receiver, exc)
                slots.append((receiver, response))
            pending = set(tasks)
            while pending:
                done, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_EXCEPTION)
                failed = sorted((t for t in done if t.exception() is not None), key=tasks.__getitem__)
                if failed and not robust:
                    raise failed[0].exception()  # type: ignore[misc]
            for task, index in tasks.items():
                receiver = slots[index][0]
                exc = task.exception()
                if exc is None:
                    slots[index] = (receiver, task.result())
                elif isinstance(exc, Exception):
                    slots[index] = (receiver, self._failed(receiver, exc))
                else:
                    raise exc
            return slots
        finally:
            unfinished = [task for task in tasks if not task.done()]
            for task in unfinished:
                task.cancel()
            if unfinished:
                await asyncio.wait(unfinished)


_MISSING: Final = object()


def _sender_key(sender: object) -> tuple[int, Hashable]:
    if sender is None:
        return SenderSpec.ANY, None
    if type(sender) in VALUE_SENDER_TYPES:
        return SenderSpec.VALUE, sender
    return SenderSpec.IDENTITY, id(sender)


def _check_options(*, weak: object, dispatch_uid: object, priority: object, on_commit: object) -> None:
    if not isinstance(weak, bool):
        raise TypeError(f"weak must be True or False, got {weak!r}.")
    if not isinstance(on_commit, bool):
        raise TypeError(f"on_commit must be True or False, got {on_commit!r}.")
    if isinstance(priority, bool) or not isinstance(priority, int):
        raise TypeError(f"priority must be an int (higher runs earlier), got {priority!r}.")
    if dispatch_uid is not None:
        try:
            hash(dispatch_uid)
        except TypeError:
            raise TypeError(f"dispatch_uid must be hashable, got {dispatch_uid!r}.") from None


def receiver(
    signal: Signal | Sequence[Signal],
    *,
    sender: object = None,
    weak: bool = True,
    dispatch_uid: Hashable | None = None,
    priority: int = 0,
    on_commit: bool = False,
) -> Callable[[R], R]:
    """Decorator connecting a function to one signal or a list of signals.

    ``@receiver(post_save, sender=User)`` or ``@receiver([post_save,
    post_delete], sender=User)``; decorators stack. Every option of
    :meth:`Signal.connect` passes through. Returns the function unchanged.
    """
    signals = [signal] if isinstance(signal, Signal) else list(signal)
    if not signals or not all(isinstance(s, Signal) for s in signals):
        raise TypeError(f"receiver() takes a Signal or a list of Signals, got {signal!r}.")
    _check_options(weak=weak, dispatch_uid=dispatch_uid, priority=priority, on_commit=on_commit)

    def decorator(func: R) -> R:
        for sig in signals:
            sig.connect(
                func, sender, weak, dispatch_uid, priority=priority, on_commit=on_commit
            )
        return func

    return decorator
