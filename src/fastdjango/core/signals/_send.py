"""The send loops behind ``send``, ``send_robust``, ``send_sync`` and
``send_robust_sync``.

Each front door is built by a factory from one loop: :func:`make_send` for
the two async ones and :func:`make_send_sync` for the two sync ones, with
``robust`` fixed in the closure. The loops are written out (not delegated to
a helper coroutine) because a send is on the hot path of every save and
every request: a second coroutine per send would cost more than everything
else a send does.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
from collections.abc import Callable, Coroutine
from types import MethodType
from typing import TYPE_CHECKING, Any, Final

from ._commit import current_commit_queue
from ._connection import ASYNC, DEFER, WEAK, Plan
from ._refs import describe

if TYPE_CHECKING:
    from ._dispatcher import Signal

__all__ = ["Responses", "complete", "logger", "make_send", "make_send_sync", "run_plan"]

logger = logging.getLogger("fastdjango.signals")

Responses = list[tuple[Callable[..., Any], Any]]
_MISSING: Final = object()


def make_send(*, robust: bool, doc: str) -> Callable[..., Coroutine[Any, Any, Responses]]:
    """Build ``Signal.send`` (robust=False) or ``Signal.send_robust``."""

    async def send(self: Signal, sender: Any, **named: Any) -> Responses:
        if self._fast:
            plan = self._by_id.get(id(sender), self._anyone)
        else:
            plan = self._slow_plan(sender, named, robust)
            if plan is not None and self.concurrent:
                return await run_plan(self, plan, sender, named, robust, concurrent=True)
        if plan is None:
            return []
        responses: Responses = []
        for receiver, flags, func in plan.entries:
            if flags & WEAK:
                receiver = _dereference(receiver, func)
                if receiver is None:
                    continue  # died since the plan was built
            try:
                if flags & DEFER and _deferred(self, receiver, sender, named):
                    response = None
                elif flags & ASYNC:
                    response = await receiver(signal=self, sender=sender, **named)
                else:
                    response = receiver(signal=self, sender=sender, **named)
            except Exception as exc:
                if not robust:
                    raise
                response = _failed(self, receiver, exc)
            responses.append((receiver, response))
        return responses

    send.__name__ = send.__qualname__ = "send_robust" if robust else "send"
    send.__doc__ = doc
    return send


def make_send_sync(*, robust: bool, doc: str) -> Callable[..., Responses]:
    """Build ``Signal.send_sync`` (robust=False) or ``Signal.send_robust_sync``."""

    def send_sync(self: Signal, sender: Any, **named: Any) -> Responses:
        if self._fast:
            plan = self._by_id.get(id(sender), self._anyone)
        else:
            plan = self._slow_plan(sender, named, robust)
        if plan is None:
            return []
        if plan.has_async:
            return complete(self, plan, sender, named, robust)
        responses: Responses = []
        for receiver, flags, func in plan.entries:
            if flags & WEAK:
                receiver = _dereference(receiver, func)
                if receiver is None:
                    continue
            try:
                if flags & DEFER and _deferred(self, receiver, sender, named):
                    response = None
                else:
                    response = receiver(signal=self, sender=sender, **named)
            except Exception as exc:
                if not robust:
                    raise
                response = _failed(self, receiver, exc)
            responses.append((receiver, response))
        return responses

    send_sync.__name__ = send_sync.__qualname__ = "send_robust_sync" if robust else "send_sync"
    send_sync.__doc__ = doc
    return send_sync


def _dereference(ref: Callable[[], Any], func: Any) -> Any:
    """A weak entry's receiver, or None if it died."""
    target = ref()
    if func is None or target is None:
        return target
    return MethodType(func, target)


def _deferred(signal: Signal, receiver: Any, sender: object, named: dict[str, Any]) -> bool:
    """Hand an on_commit receiver to the open transaction, if there is one."""
    queue = current_commit_queue()
    if queue is None:
        return False
    queue.defer(lambda: receiver(signal=signal, sender=sender, **named))
    return True


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
    slots: Responses = []
    tasks: dict[asyncio.Task[Any], int] = {}
    try:
        for receiver, flags, func in plan.entries:
            if flags & WEAK:
                receiver = _dereference(receiver, func)
                if receiver is None:
                    continue
            response: Any = None
            try:
                if flags & DEFER and _deferred(signal, receiver, sender, named):
                    pass
                elif not flags & ASYNC:
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
        unfinished = [task for task in tasks if not task.done()]
        for task in unfinished:
            task.cancel()
        if unfinished:
            await asyncio.wait(unfinished)


def complete(
    signal: Signal, plan: Plan, sender: object, named: dict[str, Any], robust: bool
) -> Responses:
    """Run a send that has async receivers from synchronous code."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        pass
    else:
        raise RuntimeError(
            f"{signal!r} has async receivers and an event loop is running in this "
            f"thread: use 'await signal.send(...)' (or send_robust) instead of the "
            f"sync variant."
        )
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
