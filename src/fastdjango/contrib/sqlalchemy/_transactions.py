"""``on_commit=True`` receivers follow the session's transaction.

Each ``SessionTransaction`` that is a real transaction (the outermost one, or
a savepoint from ``begin_nested()``) gets its own list of deferred calls,
made only when something is deferred:

* when the outermost transaction commits, its calls run, in the order they
  were deferred, after the commit (the session is usable again: a call may
  query or write in a new transaction);
* a released savepoint hands its calls to the enclosing transaction;
* a rollback (of the whole transaction or of a savepoint) drops them.

SQLAlchemy's ``after_commit`` also fires when a savepoint is released, so
the nesting is tracked here per transaction: ``after_commit`` marks the
transaction that committed, ``after_transaction_end`` decides. A deferred
call that raises is logged on ``fastdjango.signals`` with its traceback and
the remaining calls still run: the commit has happened, nothing is undone.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import weakref
from collections.abc import Awaitable, Callable
from typing import Any, Final

from sqlalchemy.orm import Session, SessionTransaction
from sqlalchemy.util.concurrency import in_greenlet

try:  # SQLAlchemy 2.1 (2.0 names it await_only)
    from sqlalchemy.util.concurrency import await_
except ImportError:  # pragma: no cover - SQLAlchemy 2.0
    from sqlalchemy.util.concurrency import await_only as await_

__all__ = [
    "CAPTURE",
    "commit_queue",
    "on_session_commit",
    "on_transaction_end",
    "run_calls",
    "wait_for",
    "waiting",
]

logger = logging.getLogger("fastdjango.signals")

_QUEUE: Final = "fastdjango_commit_queue"
#: ``session.info`` key of an open ``capture_on_commit_callbacks`` list.
CAPTURE: Final = "fastdjango_on_commit_capture"

Call = Callable[[], Any]

_calls: weakref.WeakKeyDictionary[SessionTransaction, list[Call]] = weakref.WeakKeyDictionary()
_committed: weakref.WeakSet[SessionTransaction] = weakref.WeakSet()


def _real(transaction: SessionTransaction | None) -> SessionTransaction | None:
    """The savepoint or outermost transaction ``transaction`` belongs to."""
    while transaction is not None and not transaction.nested and transaction.parent is not None:
        transaction = transaction.parent
    return transaction


class SessionQueue:
    """The dispatcher's commit queue for one session: defers into its transaction."""

    __slots__ = ("__weakref__", "session")

    def __init__(self, session: Session) -> None:
        self.session = session

    def defer(self, call: Call) -> None:
        """Keep ``call`` until the innermost open transaction commits."""
        transaction = _real(self.session.get_nested_transaction() or self.session.get_transaction())
        if transaction is None:
            run_calls([call])
        else:
            _calls.setdefault(transaction, []).append(call)


def commit_queue(session: Session) -> SessionQueue:
    """The commit queue sends from ``session``'s flushes defer into."""
    queue = session.info.get(_QUEUE)
    if queue is None:
        queue = session.info[_QUEUE] = SessionQueue(session)
    return queue


def waiting(session: Session) -> list[Call]:
    """The calls waiting for ``session``'s outermost transaction (a live list)."""
    root = session.get_transaction()
    return _calls.setdefault(root, []) if root is not None else []


def on_session_commit(session: Session) -> None:
    """``after_commit``: the outermost transaction or a savepoint committed."""
    if not _calls:
        return
    transaction = session.get_nested_transaction() or session.get_transaction()
    if transaction is not None:
        _committed.add(transaction)


def on_transaction_end(session: Session, transaction: SessionTransaction) -> None:
    """``after_transaction_end``: run, hand over or drop the calls."""
    if not _calls:
        return
    calls = _calls.pop(transaction, None)
    if calls is None:
        return
    if transaction not in _committed:
        return  # rolled back: dropped
    if transaction.nested:
        parent = _real(transaction.parent)
        if parent is not None:
            _calls.setdefault(parent, []).extend(calls)
            return
    captured = session.info.get(CAPTURE)
    if isinstance(captured, list):
        captured.extend(calls)
        return
    run_calls(calls)


def run_calls(calls: list[Call]) -> None:
    """Call each one, awaiting awaitables; log failures and go on."""
    for call in calls:
        try:
            result = call()
            if inspect.isawaitable(result):
                wait_for(result)
        except Exception as exc:
            logger.error(
                "Error calling an on_commit receiver after the commit: %s: %s",
                type(exc).__name__,
                exc,
                exc_info=exc,
            )


def wait_for(awaitable: Awaitable[Any]) -> None:
    """Await from sync code: in the session's greenlet, or in a loop of its own."""
    if in_greenlet():
        await_(awaitable)
        return
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        asyncio.run(_awaited(awaitable))
        return
    if inspect.iscoroutine(awaitable):
        awaitable.close()
    raise RuntimeError(
        "An async on_commit receiver cannot run after a commit of a sync Session inside a "
        "running event loop: use an AsyncSession, or connect a sync receiver."
    )


async def _awaited(awaitable: Awaitable[Any]) -> Any:
    return await awaitable
