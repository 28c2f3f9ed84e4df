"""The send loops behind ``send``, ``send_robust``, ``send_sync`` and
``send_robust_sync``.

Two paths. The class-level methods are the complete one: they refresh the
signal, apply observers, value senders and context-local mutes, and walk the
plan with :func:`run_plan`, which also runs concurrent signals. When none of
that is needed, the refresh installs *doors* on the instance: closures over
the current plans with the loop written out, so a send costs one call and a
dictionary lookup more than calling its receivers by hand. A send is on the
hot path of every save and request; a second coroutine per send would cost
more than everything else it does. For the same reason the async and the
sync door repeat their few lines of preamble (validity, plan lookup) rather
than share a helper: a call per send costs more than those lines.
"""

from __future__ import annotations

import asyncio
import contextvars
import importlib
import logging
import weakref
from collections.abc import Callable, Coroutine
from types import MethodType
from typing import TYPE_CHECKING, Any, Final

from . import _instrument
from ._commit import current_commit_queue
from ._connection import Connection, Plan
from ._instrument import Instrumentation
from ._mute import rules_in_force
from ._refs import describe

if TYPE_CHECKING:
    from ._dispatcher import Signal

__all__ = [
    "DOORS",
    "Responses",
    "complete",
    "install_doors",
    "logger",
    "make_send",
    "make_send_sync",
    "remove_doors",
    "run_plan",
]

logger = logging.getLogger("fastdjango.signals")

Responses = list[tuple[Callable[..., Any], Any]]
_MISSING: Final = object()


#: Every front door a signal class may name (see ``Signal._DOORS``).
DOORS: Final = ("send", "send_robust", "asend", "asend_robust", "send_sync", "send_robust_sync")

#: A front door: (is it async, is it robust).
DoorKind = tuple[bool, bool]


def make_send(
    *, robust: bool, doc: str, name: str = ""
) -> Callable[..., Coroutine[Any, Any, Responses]]:
    """Build the class-level ``Signal.send`` / ``send_robust``: the slow path.

    It refreshes the signal (which may install fast doors for next time),
    applies observers, value senders and mutes, then walks the plan.
    ``name`` is the method's name: a coroutine never awaited is reported
    under the qualified name of its function (``Signal.send``).
    """

    async def send(self: Signal, sender: Any, **named: Any) -> Responses:
        plan = self._slow_plan(sender, named, robust)
        if plan is None:
            return []
        inst = _instrument.current
        if inst is None:
            return await run_plan(self, plan, sender, named, robust, concurrent=self.concurrent)
        with inst.send(self, sender, len(plan.entries)):
            return await run_plan(self, plan, sender, named, robust, concurrent=self.concurrent)

    _name(send, name or ("send_robust" if robust else "send"))
    send.__doc__ = doc
    return send


def _name(door: Callable[..., Any], name: str) -> None:
    door.__name__ = name
    door.__qualname__ = f"Signal.{name}"


def make_send_sync(*, robust: bool, doc: str, name: str = "") -> Callable[..., Responses]:
    """Build the class-level ``Signal.send_sync`` / ``send_robust_sync``."""

    def send_sync(self: Signal, sender: Any, **named: Any) -> Responses:
        plan = self._slow_plan(sender, named, robust)
        if plan is None:
            return []
        inst = _instrument.current
        if inst is None:
            return _run_sync(self, plan, sender, named, robust)
        if plan.has_async:
            _refuse_running_loop(self)  # before the send counts as sent
        with inst.send(self, sender, len(plan.entries)):
            return _run_sync(self, plan, sender, named, robust)

    _name(send_sync, name or ("send_robust_sync" if robust else "send_sync"))
    send_sync.__doc__ = doc
    return send_sync


def _run_sync(
    signal: Signal, plan: Plan, sender: object, named: dict[str, Any], robust: bool
) -> Responses:
    """Walk ``plan`` for a sync send: in an event loop of its own if it must await."""
    if plan.has_async:
        return complete(signal, plan, sender, named, robust)
    # With no async receiver the coroutine never suspends: drive it here.
    walk = run_plan(signal, plan, sender, named, robust, concurrent=False)
    try:
        walk.send(None)
    except StopIteration as finished:
        responses: Responses = finished.value
        return responses
    walk.close()  # pragma: no cover - a plan without async receivers never awaits
    raise AssertionError("a sync send suspended")  # pragma: no cover


def install_doors(signal: Signal, *, watch_mutes: bool) -> None:
    """Give ``signal`` front doors specialized for its current plans.

    They are instance attributes shadowing the class-level methods, close over
    the plans, and skip every check the current state makes needless. Any
    change (connect, disconnect, a collected receiver or sender) removes them
    again, so the next send takes the class-level path and refreshes. Once
    muting has been used in the process (``watch_mutes``), a door sends
    through the class-level path whenever a mute is in force in the context.
    """
    anyone, by_id, by_value = signal._anyone, signal._by_id, signal._by_value
    # A door kept by user code (``fire = sig.send``) outlives its removal:
    # it checks the cell the signal clears on removal, and once it is
    # cleared sends through the complete path instead of its stale plans. (A
    # list item is cheaper for the interpreter to read than an attribute.)
    live = signal._doors_live = [True]
    if anyone is None and not by_id and not by_value:

        def make(kind: DoorKind) -> Callable[..., Any]:
            return _silent_door(signal, live, kind)

    else:
        # Plans by id(sender) are looked up inline; value senders need the
        # signal's own lookup.
        keyed = by_id.get if by_id or by_value else None
        # Sends tend to repeat their sender (a model class): the doors share
        # the last one, weakly, and its plan, which spares id() and a
        # dictionary lookup while it repeats.
        memo: Memo = [(None, None)]
        select = signal._select if by_value else None

        def make(kind: DoorKind) -> Callable[..., Any]:
            is_async, robust = kind
            make_door = _async_door if is_async else _sync_door
            return make_door(
                signal, live, memo, anyone, keyed, select, robust=robust, watch_mutes=watch_mutes
            )

    namespace = signal.__dict__
    for name, kind in signal._DOORS.items():
        door = make(kind)
        _name(door, name)  # what a never-awaited send is reported as
        namespace[name] = door


def remove_doors(signal: Signal) -> None:
    """Send through the class-level methods again (safe in weakref callbacks)."""
    signal._doors_live[0] = False
    namespace = signal.__dict__
    if "send" in namespace:
        for name in DOORS:
            namespace.pop(name, None)


def _silent_door(signal: Signal, live: list[bool], kind: DoorKind) -> Callable[..., Any]:
    """A door for a signal nobody listens to (mutes cannot matter)."""
    is_async, robust = kind
    if is_async:
        slow = make_send(robust=robust, doc="")

        async def send(sender: Any, **named: Any) -> Responses:
            if not live[0]:
                return await slow(signal, sender, **named)
            return []

        return send
    slow_sync = make_send_sync(robust=robust, doc="")

    def send_sync(sender: Any, **named: Any) -> Responses:
        if not live[0]:
            return slow_sync(signal, sender, **named)
        return []

    return send_sync


Select = Callable[[object], "Plan | None"]
#: One slot: (weak reference to the last sender, its plan), replaced whole.
Memo = list[tuple["weakref.ref[Any] | None", "Plan | None"]]


def _weak_or_none(sender: object) -> weakref.ref[Any] | None:
    try:
        return weakref.ref(sender)
    except TypeError:
        return None  # not weakly referenceable: no memo, look it up each time


Keyed = Callable[[int, "Plan | None"], "Plan | None"]


def _async_door(
    signal: Signal,
    live: list[bool],
    memo: Memo,
    anyone: Plan | None,
    keyed: Keyed | None,
    select: Select | None,
    *,
    robust: bool,
    watch_mutes: bool,
) -> Callable[..., Coroutine[Any, Any, Responses]]:
    slow = make_send(robust=robust, doc="")

    async def send(sender: Any, **named: Any) -> Responses:
        if not live[0] or (watch_mutes and rules_in_force()):
            return await slow(signal, sender, **named)
        if robust and "signal" in named:
            signal._refuse_signal_keyword()
        if keyed is None:
            plan = anyone
        elif select is None:
            ref, plan = memo[0]  # the last sender and its plan, if still that sender
            if ref is None or ref() is not sender:
                plan = keyed(id(sender), anyone)
                memo[0] = (_weak_or_none(sender), plan)
        else:
            plan = select(sender)
        if plan is None:
            return []
        responses: Responses = []
        for receiver, weak, is_async, deferred, func in plan.entries:
            if weak:
                receiver = receiver()
                if func is not None and receiver is not None:
                    receiver = MethodType(func, receiver)  # a bound method, rebuilt
                if receiver is None:
                    continue  # died since the plan was built
            try:
                if deferred and _deferred(signal, receiver, sender, named):
                    response = None
                elif is_async:
                    response = await receiver(signal=signal, sender=sender, **named)
                else:
                    response = receiver(signal=signal, sender=sender, **named)
            except Exception as exc:
                if not robust:
                    raise
                response = _failed(signal, receiver, exc)
            responses.append((receiver, response))
        return responses

    return send


def _sync_door(
    signal: Signal,
    live: list[bool],
    memo: Memo,
    anyone: Plan | None,
    keyed: Keyed | None,
    select: Select | None,
    *,
    robust: bool,
    watch_mutes: bool,
) -> Callable[..., Responses]:
    slow = make_send_sync(robust=robust, doc="")

    def send_sync(sender: Any, **named: Any) -> Responses:
        if not live[0] or (watch_mutes and rules_in_force()):
            return slow(signal, sender, **named)
        if robust and "signal" in named:
            signal._refuse_signal_keyword()
        if keyed is None:
            plan = anyone
        elif select is None:
            ref, plan = memo[0]  # the last sender and its plan, if still that sender
            if ref is None or ref() is not sender:
                plan = keyed(id(sender), anyone)
                memo[0] = (_weak_or_none(sender), plan)
        else:
            plan = select(sender)
        if plan is None:
            return []
        if plan.has_async:
            return slow(signal, sender, **named)
        responses: Responses = []
        for receiver, weak, _, deferred, func in plan.entries:
            if weak:
                receiver = receiver()
                if func is not None and receiver is not None:
                    receiver = MethodType(func, receiver)  # a bound method, rebuilt
                if receiver is None:
                    continue
            try:
                if deferred and _deferred(signal, receiver, sender, named):
                    response = None
                else:
                    response = receiver(signal=signal, sender=sender, **named)
            except Exception as exc:
                if not robust:
                    raise
                response = _failed(signal, receiver, exc)
            responses.append((receiver, response))
        return responses

    return send_sync


def _dereference(ref: Callable[[], Any], func: Any) -> Any:
    """A weak entry's receiver, or None if it died."""
    target = ref()
    if func is None or target is None:
        return target
    return MethodType(func, target)


def _deferred(
    signal: Signal,
    receiver: Any,
    sender: object,
    named: dict[str, Any],
    inst: Instrumentation | None = None,
    is_async: bool = False,
) -> bool:
    """Hand an on_commit receiver to the open transaction, if there is one."""
    queue = current_commit_queue()
    if queue is None:
        return False
    if inst is None:
        queue.defer(lambda: receiver(signal=signal, sender=sender, **named))
    else:
        queue.defer(lambda: _traced(inst, signal, receiver, is_async, sender, named))
    return True


async def _traced(
    inst: Instrumentation,
    signal: Signal,
    receiver: Any,
    is_async: bool,
    sender: object,
    named: dict[str, Any],
) -> Any:
    """Call one receiver inside ``inst.receiver(...)``, which sees its exception."""
    with inst.receiver(signal, receiver):
        if is_async:
            return await receiver(signal=signal, sender=sender, **named)
        return receiver(signal=signal, sender=sender, **named)


#: What a send whose plan has no durable connection enqueued: nothing.
_NONE: Final[dict[Connection, Any]] = {}
_ENQUEUE_MODULE: Final = "fastdjango.durable._enqueue"


async def _enqueue(
    signal: Signal, durable: tuple[Connection, ...], sender: object, named: dict[str, Any]
) -> dict[Connection, Any]:
    """Record one event for the live durable connections; their responses."""
    live = [conn for conn in durable if conn.is_live()]
    if not live:
        return _NONE
    specs = tuple(conn.durable for conn in live)
    enqueue = importlib.import_module(_ENQUEUE_MODULE).enqueue
    responses = await enqueue(signal, sender, named, specs)
    if len(responses) != len(specs):
        raise RuntimeError(
            f"{_ENQUEUE_MODULE}.enqueue() returned {len(responses)} responses for "
            f"{len(specs)} durable receivers of {signal!r}; it must return one per spec."
        )
    return dict(zip(live, responses, strict=True))


def _failed(signal: Signal, receiver: Any, exc: Exception) -> Exception:
    logger.error(
        "Error calling %s in %r.send_robust(): %s: %s",
        describe(receiver),
        signal,
        type(exc).__name__,
        exc,
        exc_info=exc,
    )
    return exc


async def run_plan(
    signal: Signal,
    plan: Plan,
    sender: object,
    named: dict[str, Any],
    robust: bool,
    *,
    concurrent: bool,
) -> Responses:
    """Walk a plan with every option: the loop for concurrent signals and for
    sync sends that must run async receivers.

    ``concurrent``: async receivers run as tasks, each in a context copy, and
    sync receivers are called inline, in order, while the tasks are created;
    without ``robust`` the first failure cancels the receivers still running
    and propagates unchanged. Otherwise receivers run one after another.
    """
    inst = _instrument.current
    # Each receiver task starts with an empty stack, so nothing stops a
    # receiver re-sending its signal but a depth count its tasks inherit.
    nesting = _enter_concurrent(signal) if concurrent else None
    slots: Responses = []
    tasks: dict[asyncio.Task[Any], int] = {}
    try:
        # Durable receivers first, all at once: a send records their events
        # before it calls anyone (a payload that cannot travel fails the send
        # before any receiver ran), and their responses are the events.
        enqueued = await _enqueue(signal, plan.durable, sender, named) if plan.durable else _NONE
        for receiver, weak, is_async, deferred, func in plan.entries:
            if weak:
                receiver = _dereference(receiver, func)
                if receiver is None:
                    continue
            response: Any = None
            if deferred and deferred is not True:  # a durable connection
                if deferred in enqueued:  # absent: it died or was muted
                    slots.append((receiver, enqueued[deferred]))
                continue
            try:
                if deferred and _deferred(signal, receiver, sender, named, inst, is_async):
                    pass
                elif inst is not None:
                    traced = _traced(inst, signal, receiver, is_async, sender, named)
                    if concurrent and is_async:
                        tasks[asyncio.ensure_future(traced)] = len(slots)
                    else:
                        response = await traced
                elif not is_async:
                    response = receiver(signal=signal, sender=sender, **named)
                elif concurrent:
                    coro = receiver(signal=signal, sender=sender, **named)
                    tasks[asyncio.ensure_future(coro)] = len(slots)
                else:
                    response = await receiver(signal=signal, sender=sender, **named)
            except Exception as exc:
                if not robust:
                    raise
                response = _failed(signal, receiver, exc)
            slots.append((receiver, response))
        pending = set(tasks)
        while pending:
            done, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_EXCEPTION)
            failed = sorted((t for t in done if t.exception() is not None), key=tasks.__getitem__)
            if failed and not robust:
                raise failed[0].exception()  # type: ignore[misc]
        for task, index in tasks.items():
            receiver = slots[index][0]
            error = task.exception()
            if error is None:
                slots[index] = (receiver, task.result())
            elif isinstance(error, Exception):
                slots[index] = (receiver, _failed(signal, receiver, error))
            else:
                raise error
        return slots
    finally:
        if nesting is not None:
            _DEPTH.reset(nesting)
        unfinished = [task for task in tasks if not task.done()]
        for task in unfinished:
            task.cancel()
        if unfinished:
            await asyncio.wait(unfinished)
            _retrieve(signal, unfinished, slots, tasks)


#: How many concurrent sends are in progress around this context.
_DEPTH: Final[contextvars.ContextVar[int]] = contextvars.ContextVar(
    "fastdjango_concurrent_depth", default=0
)
#: How deep concurrent sends may nest (a sequential send is bounded by the
#: interpreter's recursion limit, about as deep).
CONCURRENT_DEPTH_LIMIT: Final = 200


def _enter_concurrent(signal: Signal) -> contextvars.Token[int]:
    """Count one more concurrent send in this context, or refuse a runaway."""
    depth = _DEPTH.get()
    if depth >= CONCURRENT_DEPTH_LIMIT:
        raise RecursionError(
            f"Concurrent sends nested {depth} deep, the last of {signal!r}: a receiver "
            f"keeps sending the signal it receives (directly or through other "
            f"signals). Send again only when something changed, so that the "
            f"re-entrant sends stop."
        )
    return _DEPTH.set(depth + 1)


def _retrieve(
    signal: Signal,
    cancelled: list[asyncio.Task[Any]],
    slots: Responses,
    tasks: dict[asyncio.Task[Any], int],
) -> None:
    """Log what receivers raised while being cancelled, instead of losing it."""
    for task in cancelled:
        if task.cancelled():
            continue
        error = task.exception()
        if error is not None:
            logger.error(
                "Error calling %s in %r.send() while it was being cancelled (another "
                "receiver failed first or the send was cancelled): %s: %s",
                describe(slots[tasks[task]][0]),
                signal,
                type(error).__name__,
                error,
                exc_info=error,
            )


def _refuse_running_loop(signal: Signal) -> None:
    """A sync send that must await cannot run inside a running event loop."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return
    raise RuntimeError(
        f"{signal!r} has async receivers and an event loop is running in this "
        f"thread: use 'await signal.send(...)' (or send_robust) instead of the "
        f"sync variant."
    )


def complete(
    signal: Signal, plan: Plan, sender: object, named: dict[str, Any], robust: bool
) -> Responses:
    """Run a send that has async receivers from synchronous code."""
    _refuse_running_loop(signal)
    # Receivers run in the caller's context, as with plain calls: run the
    # loop in a copy, then carry the variables it set back to the caller.
    context = contextvars.copy_context()
    with asyncio.Runner() as runner:
        responses: Responses = runner.run(
            run_plan(signal, plan, sender, named, robust, concurrent=signal.concurrent),
            context=context,
        )
    for var, value in context.items():
        if var.get(_MISSING) is not value:
            var.set(value)
    return responses
