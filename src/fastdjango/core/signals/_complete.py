"""The complete send path: every feature a send can need.

A send comes here when its signal has no fast path in force (see
``_send``): something changed since the last send, a mute is in force, or
the signal has observers, durable receivers, ``concurrent=True`` or an
instrumentation. The entry points refresh the signal (which builds the fast
path again when it applies), apply observers, value senders and mutes, and
walk the plan with :func:`run_plan`.
"""

from __future__ import annotations

import asyncio
import contextvars
import importlib
from types import MethodType
from typing import TYPE_CHECKING, Any, Final

from . import _instrument
from ._calls import Responses, deferred, failed, traced
from ._concurrency import enter_concurrent, leave_concurrent, retrieve
from ._connection import Connection, Plan

if TYPE_CHECKING:
    from ._dispatcher import Signal

__all__ = ["complete_send", "complete_send_sync", "run_plan"]

_MISSING: Final = object()


async def complete_send(
    signal: Signal, sender: object, named: dict[str, Any], robust: bool
) -> Responses:
    """An awaited send through the complete path."""
    plan = signal._slow_plan(sender, named, robust)
    if plan is None:
        return []
    inst = _instrument.current
    if inst is None:
        return await run_plan(signal, plan, sender, named, robust, concurrent=signal.concurrent)
    with inst.send(signal, sender, len(plan.entries)):
        return await run_plan(signal, plan, sender, named, robust, concurrent=signal.concurrent)


def complete_send_sync(
    signal: Signal, sender: object, named: dict[str, Any], robust: bool
) -> Responses:
    """A synchronous send through the complete path."""
    plan = signal._slow_plan(sender, named, robust)
    if plan is None:
        return []
    inst = _instrument.current
    if inst is None:
        return run_sync(signal, plan, sender, named, robust)
    if plan.has_async:
        _refuse_running_loop(signal)  # before the send counts as sent
    with inst.send(signal, sender, len(plan.entries)):
        return run_sync(signal, plan, sender, named, robust)


def run_sync(
    signal: Signal, plan: Plan, sender: object, named: dict[str, Any], robust: bool
) -> Responses:
    """Walk ``plan`` for a sync send: in an event loop of its own if it must await."""
    if plan.has_async:
        return _in_own_loop(signal, plan, sender, named, robust)
    # With no async receiver the coroutine never suspends: drive it here.
    walk = run_plan(signal, plan, sender, named, robust, concurrent=False)
    try:
        walk.send(None)
    except StopIteration as finished:
        responses: Responses = finished.value
        return responses
    walk.close()  # pragma: no cover - a plan without async receivers never awaits
    raise AssertionError("a sync send suspended")  # pragma: no cover


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


async def run_plan(
    signal: Signal,
    plan: Plan,
    sender: object,
    named: dict[str, Any],
    robust: bool,
    *,
    concurrent: bool,
) -> Responses:
    """Walk a plan with every option: the loop for concurrent signals, durable
    receivers, instrumentation, and sync sends that must run async receivers.

    ``concurrent``: async receivers run as tasks, each in a context copy, and
    sync receivers are called inline, in order, while the tasks are created;
    without ``robust`` the first failure cancels the receivers still running
    and propagates unchanged. Otherwise receivers run one after another.
    """
    inst = _instrument.current
    # Each receiver task starts with an empty stack, so nothing stops a
    # receiver re-sending its signal but a depth count its tasks inherit.
    nesting = enter_concurrent(signal) if concurrent else None
    slots: Responses = []
    tasks: dict[asyncio.Task[Any], int] = {}
    try:
        # Durable receivers first, all at once: a send records their events
        # before it calls anyone (a payload that cannot travel fails the send
        # before any receiver ran), and their responses are the events.
        enqueued = await _enqueue(signal, plan.durable, sender, named) if plan.durable else _NONE
        for receiver, weak, is_async, later, func in plan.entries:
            if weak:
                receiver = receiver()
                if func is not None and receiver is not None:
                    receiver = MethodType(func, receiver)  # a bound method, rebuilt
                if receiver is None:
                    continue
            response: Any = None
            if later and later is not True:  # a durable connection
                if later in enqueued:  # absent: it died or was muted
                    slots.append((receiver, enqueued[later]))
                continue
            try:
                if later and deferred(signal, receiver, sender, named, inst, is_async):
                    pass
                elif inst is not None:
                    call = traced(inst, signal, receiver, is_async, sender, named)
                    if concurrent and is_async:
                        tasks[asyncio.ensure_future(call)] = len(slots)
                    else:
                        response = await call
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
                response = failed(signal, receiver, exc)
            slots.append((receiver, response))
        pending = set(tasks)
        while pending:
            done, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_EXCEPTION)
            errors = sorted((t for t in done if t.exception() is not None), key=tasks.__getitem__)
            if errors and not robust:
                raise errors[0].exception()  # type: ignore[misc]
        for task, index in tasks.items():
            receiver = slots[index][0]
            error = task.exception()
            if error is None:
                slots[index] = (receiver, task.result())
            elif isinstance(error, Exception):
                slots[index] = (receiver, failed(signal, receiver, error))
            else:
                raise error
        return slots
    finally:
        if nesting is not None:
            leave_concurrent(nesting)
        unfinished = [task for task in tasks if not task.done()]
        for task in unfinished:
            task.cancel()
        if unfinished:
            await asyncio.wait(unfinished)
            retrieve(signal, unfinished, slots, tasks)


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


def _in_own_loop(
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
