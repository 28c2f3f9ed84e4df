"""``capture_on_commit_callbacks``: Django's ``captureOnCommitCallbacks`` for sessions.

Test fixtures often wrap each test in an outer transaction that is rolled
back at the end, so the code under test never really commits and its
``on_commit=True`` receivers never run. Inside this block they are
collected instead: those handed to the session's outermost level (by a
commit the session believes final, or left waiting for the fixture's outer
transaction). The block yields the list; with ``execute=True`` they are run
when the block ends.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from types import TracebackType
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from ._transactions import CAPTURE, wait_for, waiting

__all__ = ["capture_on_commit_callbacks"]


class capture_on_commit_callbacks:  # used like a function, as in Django
    """Collect the ``on_commit`` calls of ``session`` made inside the block.

    ::

        async with capture_on_commit_callbacks(session, execute=True) as callbacks:
            session.add(Order(total=10))
            await session.commit()
        assert len(callbacks) == 1      # the receiver ran when the block ended

    Args:
        session: a ``Session`` or an ``AsyncSession``.
        execute: run the collected calls when the block ends (awaited under
            ``async with``; under plain ``with`` an async receiver needs no
            running event loop).

    The block yields a list of zero-argument callables, one per deferred
    receiver call, in order; calling one runs that receiver.

    Raises:
        TypeError: ``session`` is not a session.
    """

    def __init__(self, session: Session | AsyncSession, *, execute: bool = False) -> None:
        if isinstance(session, AsyncSession):
            session = session.sync_session
        if not isinstance(session, Session):
            raise TypeError(
                f"capture_on_commit_callbacks() takes a Session or an AsyncSession, "
                f"got {session!r}."
            )
        self.session = session
        self.execute = execute
        self.callbacks: list[Callable[[], Any]] = []
        self._previous: object = None
        self._waiting_before = 0

    def __enter__(self) -> list[Callable[[], Any]]:
        info = self.session.info
        self._previous = info.get(CAPTURE)
        info[CAPTURE] = self.callbacks
        self._waiting_before = len(waiting(self.session)) if self.session.in_transaction() else 0
        return self.callbacks

    def _close(self) -> None:
        if self._previous is None:
            self.session.info.pop(CAPTURE, None)
        else:
            self.session.info[CAPTURE] = self._previous
        if self.session.in_transaction():
            left = waiting(self.session)
            self.callbacks.extend(left[self._waiting_before :])
            del left[self._waiting_before :]

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._close()
        if not self.execute or exc_type is not None:
            return
        for call in list(self.callbacks):
            result = call()
            if inspect.isawaitable(result):
                wait_for(result)

    async def __aenter__(self) -> list[Callable[[], Any]]:
        return self.__enter__()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._close()
        if not self.execute or exc_type is not None:
            return
        for call in list(self.callbacks):
            result = call()
            if inspect.isawaitable(result):
                await result
