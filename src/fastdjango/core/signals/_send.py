"""The front doors ``send``, ``send_robust``, ``send_sync`` and
``send_robust_sync``, and the fast path they take.

A send is on the hot path of every save and request. After any change, the
next send refreshes the signal (``_complete``), which rebuilds its per-sender
plans and, when no feature needs the complete path, stores them in
``signal._fast`` with :func:`specialise`. The front doors are ordinary
class-level methods: each reads ``signal._fast`` first and, when it is set,
walks the plan with the loop written out, without a second coroutine, a lock
or a helper call per send. Any change (connect, disconnect, a collected
receiver or sender) clears ``_fast`` again, so the next send takes the
complete path, which refreshes. Because the fast path is the method itself,
a send taken from a signal and kept (``fire = sig.send_sync``,
``functools.partial(sig.send, ...)``, an integration holding the method) is
as fast as ``sig.send_sync(...)`` and sees every later change. The price
is paid where nobody listens: one method serves every state, so a send to
no receiver sets up the frame of the whole loop (about 170 instructions
more than the closure that used to answer it alone).

One source: the async and the sync doors are generated from the single
template :data:`_DOOR`, as ``dataclasses`` generates ``__init__``, because
sharing a helper instead would cost a call per send, and written twice by
hand the two loops would drift. The complete path's loop
(``_complete.run_plan``) is the other walk of a plan: durable receivers,
instrumentation and concurrent tasks need a ``try``/``finally`` and a
coroutine of its own, which the fast doors exist to avoid.
"""

from __future__ import annotations

import linecache
import weakref
from collections.abc import Callable, Coroutine
from types import MethodType
from typing import TYPE_CHECKING, Any

from ._calls import Responses, deferred, failed
from ._complete import complete_send, complete_send_sync
from ._mute import rules_in_force

if TYPE_CHECKING:
    from ._connection import Plan
    from ._state import SignalState

__all__ = ["Fast", "FrontDoors", "Responses", "make_send", "make_send_sync", "specialise"]

#: ``signal._fast``: None (take the complete path), ``()`` (nobody listens)
#: or ``(anyone, keyed, select, memo, watch_mutes)``, see :func:`specialise`.
Fast = tuple[Any, ...] | None


def _weak_or_none(sender: object) -> weakref.ref[Any] | None:
    try:
        return weakref.ref(sender)
    except TypeError:
        return None  # not weakly referenceable: no memo, look it up each time


def specialise(signal: SignalState, *, watch_mutes: bool) -> None:
    """Let the front doors of ``signal`` send on its current plans directly.

    Plans by ``id(sender)`` are looked up inline, value senders through the
    signal's own lookup. Sends tend to repeat their sender (a model class):
    the doors remember the last one, weakly, with its plan, which spares
    ``id()`` and a dictionary lookup while it repeats. Once muting has been
    used in the process (``watch_mutes``), a door takes the complete path
    whenever a mute is in force in the context.
    """
    anyone, by_id, by_value = signal._anyone, signal._by_id, signal._by_value
    if anyone is None and not by_id and not by_value:
        signal._fast = ()  # nobody listens: mutes cannot matter
        return
    keyed = by_id.get if by_id or by_value else None
    select = signal._select if by_value else None
    memo: list[tuple[weakref.ref[Any] | None, Plan | None]] = [(None, None)]
    signal._fast = (anyone, keyed, select, memo, watch_mutes)


#: The one source of both doors. ``{a}`` is ``async `` for the awaited door;
#: lines starting with ``A:`` belong to it only, ``S:`` to the sync door.
_DOOR = """\
def make(robust, complete):
    {a}def {name}(self, sender, **named):
        fast = self._fast
        if not fast:
            if fast is None:
                return {w}complete(self, sender, named, robust)
            return []  # nobody listens
        anyone, keyed, select, memo, watch_mutes = fast
        if watch_mutes and rules_in_force():
            return {w}complete(self, sender, named, robust)
        if robust and "signal" in named:
            self._refuse_signal_keyword()
        if keyed is None:
            plan = anyone
        elif select is None:
            ref, plan = memo[0]  # the last sender and its plan, if still that sender
            if ref is None or ref() is not sender:
                plan = keyed(id(sender), anyone)
                memo[0] = (weak_or_none(sender), plan)
        else:
            plan = select(sender)
        if plan is None:
            return []
S:      if plan.has_async:
S:          return complete(self, sender, named, robust)
        responses = []
        for receiver, weak, is_async, later, func in plan.entries:
            if weak:
                receiver = receiver()
                if func is not None and receiver is not None:
                    receiver = MethodType(func, receiver)  # a bound method, rebuilt
                if receiver is None:
                    continue  # died since the plan was built
            try:
                if later and deferred(self, receiver, sender, named):
                    response = None
A:              elif is_async:
A:                  response = await receiver(signal=self, sender=sender, **named)
                else:
                    response = receiver(signal=self, sender=sender, **named)
            except Exception as exc:
                if not robust:
                    raise
                response = failed(self, receiver, exc)
            responses.append((receiver, response))
        return responses
    return {name}
"""


def _generate(*, is_async: bool, name: str) -> Callable[[bool, Any], Callable[..., Any]]:
    """Compile the template's async or sync variant; return its ``make``."""
    keep, drop = ("A:", "S:") if is_async else ("S:", "A:")
    lines = []
    for line in _DOOR.splitlines(keepends=True):
        if line.startswith(drop):
            continue
        lines.append("  " + line[2:] if line.startswith(keep) else line)
    source = "".join(lines).format(
        a="async " if is_async else "", w="await " if is_async else "", name=name
    )
    filename = f"<fastdjango.core.signals {'async' if is_async else 'sync'} {name}>"
    # Tracebacks through a send show the generated lines.
    linecache.cache[filename] = (len(source), None, source.splitlines(keepends=True), filename)
    namespace: dict[str, Any] = {}
    names = {
        "rules_in_force": rules_in_force,
        "weak_or_none": _weak_or_none,
        "MethodType": MethodType,
        "deferred": deferred,
        "failed": failed,
        "__name__": __name__,
    }
    exec(compile(source, filename, "exec"), names, namespace)
    make: Callable[[bool, Any], Callable[..., Any]] = namespace["make"]
    return make


def _door(door: Callable[..., Any], name: str, doc: str) -> None:
    door.__name__ = name
    door.__qualname__ = f"Signal.{name}"  # what a never-awaited send is reported as
    door.__doc__ = doc


def make_send(
    *, robust: bool, doc: str, name: str = ""
) -> Callable[..., Coroutine[Any, Any, Responses]]:
    """Build an awaited front door: ``Signal.send`` or ``Signal.send_robust``.

    ``name`` is the method's name (``asend``...): a coroutine never awaited
    is reported under the qualified name of its function (``Signal.send``).
    """
    name = name or ("send_robust" if robust else "send")
    door = _generate(is_async=True, name=name)(robust, complete_send)
    _door(door, name, doc)
    return door


def make_send_sync(*, robust: bool, doc: str, name: str = "") -> Callable[..., Responses]:
    """Build a synchronous front door: ``Signal.send_sync`` or ``send_robust_sync``."""
    name = name or ("send_robust_sync" if robust else "send_sync")
    door = _generate(is_async=False, name=name)(robust, complete_send_sync)
    _door(door, name, doc)
    return door


class FrontDoors:
    """The six sends of a signal (a base of :class:`~._dispatcher.Signal`)."""

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
