"""What every send loop does around one receiver call.

Both paths (``_send`` and ``_complete``) hand an ``on_commit`` receiver to
the open transaction with :func:`deferred`, log a robust send's failure with
:func:`failed`, and the complete path wraps a call in an instrumentation's
``receiver`` block with :func:`traced`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ._commit import current_commit_queue
from ._instrument import Instrumentation
from ._refs import describe

if TYPE_CHECKING:
    from ._dispatcher import Signal

__all__ = ["Responses", "deferred", "failed", "logger", "traced"]

logger = logging.getLogger("fastdjango.signals")

#: What a send returns: ``[(receiver, response)]`` in call order.
Responses = list[tuple[Callable[..., Any], Any]]


def deferred(
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
        queue.defer(lambda: traced(inst, signal, receiver, is_async, sender, named))
    return True


async def traced(
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


def failed(signal: Signal, receiver: Any, exc: Exception) -> Exception:
    """Log what a receiver of a robust send raised; it becomes its response."""
    logger.error(
        "Error calling %s in %r.send_robust(): %s: %s",
        describe(receiver),
        signal,
        type(exc).__name__,
        exc,
        exc_info=exc,
    )
    return exc
