"""``on_commit=True`` receivers: one commit queue per Tortoise transaction block.

Tortoise has no commit hook, so the ``__aenter__`` / ``__aexit__`` of its
transaction context classes (what ``in_transaction()`` and ``@atomic`` return)
are wrapped. Each block opens a :class:`TransactionQueue` as the dispatcher's
current commit queue:

* the outermost block of a connection runs the deferred calls after it has
  committed, in the order they were deferred, with the connection free again
  (a call may use the database);
* a savepoint block that is released hands its calls to the enclosing block;
* a block that rolls back (or whose commit fails) drops them.

A deferred call that raises is logged on ``fastdjango.signals`` with its
traceback and the remaining calls still run: the transaction has committed,
so there is nothing left to undo.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Awaitable, Callable
from contextlib import AbstractContextManager
from typing import Any, Final

from tortoise.backends.base.client import NestedTransactionContext, TransactionContext

from fastdjango.core.signals import commit_scope, current_commit_queue

__all__ = ["TransactionQueue", "patch_transactions"]

logger = logging.getLogger("fastdjango.signals")

_MARK: Final = "__fastdjango_on_commit__"

Enter = Callable[[TransactionContext], Awaitable[Any]]
Exit = Callable[[TransactionContext, Any, Any, Any], Awaitable[Any]]


class TransactionQueue:
    """The calls deferred while one transaction block is open."""

    def __init__(self, *, savepoint: bool) -> None:
        self.savepoint = savepoint
        self.parent = current_commit_queue()
        self.calls: list[Callable[[], Any]] = []

    def defer(self, call: Callable[[], Any]) -> None:
        """Keep ``call`` until the block commits (drop it on rollback)."""
        self.calls.append(call)

    async def committed(self) -> None:
        """The block committed: hand the calls to the parent, or run them."""
        calls, self.calls = self.calls, []
        if self.savepoint and self.parent is not None:
            for call in calls:
                self.parent.defer(call)
            return
        for call in calls:
            try:
                result = call()
                if inspect.isawaitable(result):
                    await result
            except Exception as exc:
                logger.error(
                    "Error calling an on_commit receiver after the commit: %s: %s",
                    type(exc).__name__,
                    exc,
                    exc_info=exc,
                )


class _Open:
    """An open block: its queue and the scope that made it current."""

    __slots__ = ("queue", "scope")

    def __init__(self, queue: TransactionQueue) -> None:
        self.queue = queue
        self.scope: AbstractContextManager[None] = commit_scope(queue)
        self.scope.__enter__()


#: Open blocks by id of their context object (alive while the block runs).
_open: dict[int, _Open] = {}


def _finished_by_hand(context: TransactionContext) -> bool:
    """Was ``commit()`` / ``rollback()`` called inside the block already?"""
    client = getattr(context, "client", None) or getattr(context, "connection", None)
    return bool(getattr(client, "_finalized", False))


def _wrap_enter(enter: Enter) -> Enter:
    async def __aenter__(self: TransactionContext) -> Any:
        client = await enter(self)
        savepoint = isinstance(self, NestedTransactionContext)
        _open[id(self)] = _Open(TransactionQueue(savepoint=savepoint))
        return client

    setattr(__aenter__, _MARK, True)
    return __aenter__


def _wrap_exit(exit_: Exit) -> Exit:
    async def __aexit__(self: TransactionContext, exc_type: Any, exc: Any, tb: Any) -> Any:
        block = _open.pop(id(self), None)
        if block is None:
            return await exit_(self, exc_type, exc, tb)
        ok = exc_type is None and not _finished_by_hand(self)
        try:
            result = await exit_(self, exc_type, exc, tb)
        except BaseException:
            ok = False
            raise
        finally:
            block.scope.__exit__(None, None, None)
            if not ok:
                block.queue.calls.clear()
        await block.queue.committed()
        return result

    setattr(__aexit__, _MARK, True)
    return __aexit__


def _subclasses(cls: type) -> list[type]:
    found = [cls]
    sub: type
    for sub in cls.__subclasses__():
        found.extend(_subclasses(sub))
    return found


def patch_transactions() -> None:
    """Hook every transaction context class Tortoise has loaded (idempotent).

    The SQLite backend is imported first: Tortoise loads backends only at
    init, and models subclassing our base are wired before that.
    """
    import tortoise.backends.sqlite.client  # noqa: F401 - registers its context class

    for cls in _subclasses(TransactionContext):
        enter = cls.__dict__.get("__aenter__")
        exit_ = cls.__dict__.get("__aexit__")
        if enter is None or exit_ is None or getattr(enter, _MARK, False):
            continue
        if inspect.isabstract(cls) or getattr(enter, "__isabstractmethod__", False):
            continue
        setattr(cls, "__aenter__", _wrap_enter(enter))  # noqa: B010 - the dunder is the hook
        setattr(cls, "__aexit__", _wrap_exit(exit_))  # noqa: B010
