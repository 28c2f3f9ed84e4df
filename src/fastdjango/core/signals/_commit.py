"""Deferring ``on_commit=True`` receivers until a transaction commits.

The dispatcher knows nothing about databases. An ORM integration opens a
:class:`CommitQueue` for each transaction block with :func:`commit_scope`;
while one is open in the current context, a send hands its ``on_commit``
receivers to the queue instead of calling them. With no queue open (no
transaction), they run at once like any other receiver.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, Protocol

__all__ = ["CommitQueue", "commit_scope", "current_commit_queue"]


class CommitQueue(Protocol):
    """What an integration provides for one transaction block."""

    def defer(self, call: Callable[[], Any]) -> None:
        """Keep ``call`` (which may return an awaitable) until the commit."""


_QUEUE: ContextVar[CommitQueue | None] = ContextVar("fastdjango_commit_queue", default=None)


def current_commit_queue() -> CommitQueue | None:
    """The queue of the innermost open transaction block in this context."""
    return _QUEUE.get()


@contextmanager
def commit_scope(queue: CommitQueue | None) -> Iterator[None]:
    """Make ``queue`` the current one inside the block (None: no transaction)."""
    token = _QUEUE.set(queue)
    try:
        yield
    finally:
        _QUEUE.reset(token)
