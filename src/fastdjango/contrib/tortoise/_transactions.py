"""``on_commit=True`` receivers: one commit queue per Tortoise transaction block.

Tortoise has no commit hook, so the ``__aenter__`` / ``__aexit__`` of its
transaction context classes (what ``in_transaction()`` and ``@atomic`` return)
are wrapped. Each block opens a :class:`TransactionQueue` as the dispatcher's
current commit queue:

* the outermost block of a connection runs the deferred calls after it has
  committed, in the order they were deferred, with the connection free again
  (a call may use the database);
* a savepoint block that is released hands its calls to the enclosing block;
* a block that rolls back (or whose commit fails) drops them;
* a block finished by hand (``await tx.commit()`` / ``await tx.rollback()``
  on the client the block yields) follows what the database did: a commit
  runs them (or hands them to the parent, for a savepoint) right after it,
  a rollback drops them. The block is then no longer a transaction, so
  what it writes afterwards is stored at once: calls deferred after that
  point run when the block ends, even if it raises.

A deferred call that raises is logged on ``fastdjango.signals`` with its
traceback and the remaining calls still run: the transaction has committed,
so there is nothing left to undo.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
from collections.abc import Awaitable, Callable, Generator
from contextlib import AbstractContextManager
from typing import Any, Final

from tortoise.backends.base.client import (
    NestedTransactionContext,
    TransactionalDBClient,
    TransactionContext,
)

from fastdjango.core.signals import commit_scope, current_commit_queue

__all__ = ["TransactionQueue", "on_commit", "patch_transactions"]

logger = logging.getLogger("fastdjango.signals")

_MARK: Final = "__fastdjango_on_commit__"

Enter = Callable[[TransactionContext], Awaitable[Any]]
Exit = Callable[[TransactionContext, Any, Any, Any], Awaitable[Any]]
Finish = Callable[[TransactionalDBClient], Awaitable[None]]


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


def on_commit(fn: Callable[[], Any]) -> Awaitable[None]:
    """Call ``fn()`` once the current transaction commits: Django's ``transaction.on_commit``.

    Inside ``in_transaction()`` / ``@atomic``, ``fn`` (a plain or an async
    function taking no argument) is kept and runs after the outermost block
    commits, in order with the ``on_commit=True`` receivers of the same
    transaction; a released savepoint hands it to its parent; a rollback
    drops it. A ``fn`` that raises there is logged on ``fastdjango.signals``
    and the others still run. Outside a transaction it runs at once, as in
    Django: a plain ``fn`` before ``on_commit`` returns (its exception
    propagates), an async one is started at once and may be awaited::

        on_commit(lambda: mailer.send(order.email))   # as in Django
        await on_commit(notify_warehouse)              # outside a transaction: waits for it

    Returns an awaitable that is already done unless ``fn`` is async and
    no transaction is open; awaiting it is never needed inside one. Pass
    arguments with a lambda or ``functools.partial``, as in Django.

    Raises:
        TypeError: ``fn`` is not callable.
    """
    if not callable(fn):
        raise TypeError(
            f"on_commit() takes a function to call after the commit, got {fn!r}; "
            "pass it uncalled: on_commit(send_mail), or on_commit(lambda: send_mail(to))."
        )
    queue = current_commit_queue()
    if queue is not None:
        queue.defer(fn)
        return _DONE
    result = fn()
    if not inspect.isawaitable(result):
        return _DONE
    try:
        asyncio.get_running_loop()
    except RuntimeError:  # synchronous code: run it to the end here
        asyncio.run(_awaited(result))
        return _DONE
    return _Started(asyncio.ensure_future(result))


async def _awaited(result: Awaitable[Any]) -> None:
    await result


class _Done:
    """An awaitable that is already done."""

    def __await__(self) -> Generator[Any, None, None]:
        yield from ()


_DONE: Final = _Done()


#: Tasks of async ``on_commit`` functions still running (the loop holds tasks weakly).
_running: set[asyncio.Future[Any]] = set()


class _Started:
    """An async ``on_commit`` function running as a task; logged if it fails unawaited."""

    def __init__(self, task: asyncio.Future[Any]) -> None:
        self.task = task
        self.awaited = False
        _running.add(task)  # a task nobody holds may be garbage-collected
        task.add_done_callback(self._done)

    def __await__(self) -> Generator[Any, None, None]:
        self.awaited = True
        yield from self.task
        return None

    def _done(self, task: asyncio.Future[Any]) -> None:
        _running.discard(task)
        if task.cancelled() or (exc := task.exception()) is None or self.awaited:
            return
        logger.error(
            "Error in an on_commit function run outside a transaction: %s: %s",
            type(exc).__name__,
            exc,
            exc_info=exc,
        )


class _Open:
    """An open block: its queue, the scope that made it current, how it ends."""

    __slots__ = ("by_hand", "client", "closing", "queue", "scope")

    def __init__(self, queue: TransactionQueue, client: object) -> None:
        self.queue = queue
        self.client = client
        self.by_hand = False  # commit() / rollback() was called inside the block
        self.closing = False  # the context itself is committing or rolling back
        self.scope: AbstractContextManager[None] = commit_scope(queue)
        self.scope.__enter__()

    async def finished_by_hand(self, committed: bool) -> None:
        self.by_hand = True
        if committed:
            await self.queue.committed()
        else:
            self.queue.calls.clear()


#: Open blocks by id of their context object, and by id of the client they
#: yielded (what commit() / rollback() by hand are called on); both entries
#: live exactly as long as the block.
_open: dict[int, _Open] = {}
_by_client: dict[int, _Open] = {}


def _wrap_enter(enter: Enter) -> Enter:
    async def __aenter__(self: TransactionContext) -> Any:
        client = await enter(self)
        savepoint = isinstance(self, NestedTransactionContext)
        block = _Open(TransactionQueue(savepoint=savepoint), client)
        _open[id(self)] = _by_client[id(client)] = block
        return client

    setattr(__aenter__, _MARK, True)
    return __aenter__


def _wrap_exit(exit_: Exit) -> Exit:
    async def __aexit__(self: TransactionContext, exc_type: Any, exc: Any, tb: Any) -> Any:
        block = _open.pop(id(self), None)
        if block is None:
            return await exit_(self, exc_type, exc, tb)
        # Past a commit or rollback by hand there is no transaction left to
        # undo: the calls deferred since then are for data already stored.
        ok = block.by_hand or exc_type is None
        block.closing = True
        try:
            result = await exit_(self, exc_type, exc, tb)
        except BaseException:
            ok = block.by_hand
            raise
        finally:
            _by_client.pop(id(block.client), None)
            block.scope.__exit__(None, None, None)
            if not ok:
                block.queue.calls.clear()
        await block.queue.committed()
        return result

    setattr(__aexit__, _MARK, True)
    return __aexit__


def _wrap_finish(finish: Finish, *, committed: bool) -> Finish:
    async def by_hand(self: TransactionalDBClient) -> None:
        await finish(self)
        block = _by_client.get(id(self))
        if block is not None and not block.closing and not block.by_hand:
            await block.finished_by_hand(committed)

    by_hand.__name__ = by_hand.__qualname__ = finish.__name__
    setattr(by_hand, _MARK, True)
    return by_hand


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
    for client in _subclasses(TransactionalDBClient):
        for name, committed in (("commit", True), ("rollback", False)):
            finish = client.__dict__.get(name)
            if finish is None or getattr(finish, _MARK, False):
                continue
            if getattr(finish, "__isabstractmethod__", False):
                continue
            setattr(client, name, _wrap_finish(finish, committed=committed))
