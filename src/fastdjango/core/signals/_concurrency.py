"""Bookkeeping of ``concurrent=True`` sends: nesting depth, cancelled receivers."""

from __future__ import annotations

import asyncio
import contextvars
from typing import TYPE_CHECKING, Any, Final

from ._calls import Responses, logger
from ._refs import describe

if TYPE_CHECKING:
    from ._dispatcher import Signal

__all__ = ["CONCURRENT_DEPTH_LIMIT", "enter_concurrent", "leave_concurrent", "retrieve"]

#: How many concurrent sends are in progress around this context.
_DEPTH: Final[contextvars.ContextVar[int]] = contextvars.ContextVar(
    "fastdjango_concurrent_depth", default=0
)
#: How deep concurrent sends may nest (a sequential send is bounded by the
#: interpreter's recursion limit, about as deep).
CONCURRENT_DEPTH_LIMIT: Final = 200


def enter_concurrent(signal: Signal) -> contextvars.Token[int]:
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


def leave_concurrent(token: contextvars.Token[int]) -> None:
    """The concurrent send counted by :func:`enter_concurrent` is over."""
    _DEPTH.reset(token)


def retrieve(
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
