"""The instrumentation hook: what a tracer (``fastdjango.contrib.otel``) plugs into.

One process-wide :class:`Instrumentation` at most. While one is set, every
signal sends through the complete path (no fast path is built), which wraps
each send that reaches a receiver in ``inst.send(...)`` and each receiver call
in ``inst.receiver(...)``. With none set, the fast path is exactly what it is
without this module, and the complete path reads one module global.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from ._dispatcher import Signal

__all__ = ["Instrumentation", "current", "on_instrumentation_change", "set_instrumentation"]


class Instrumentation(Protocol):
    """What :func:`set_instrumentation` takes."""

    def send(self, signal: Signal, sender: object, receivers: int) -> AbstractContextManager[Any]:
        """A context manager around one send reaching ``receivers`` receivers
        (after mutes and sender filtering); it sees the send's exception."""

    def receiver(self, signal: Signal, receiver: Callable[..., Any]) -> AbstractContextManager[Any]:
        """A context manager around one receiver call; it sees the receiver's
        exception, for ``send`` and ``send_robust`` alike. For concurrent
        signals it is entered inside the receiver's task."""


#: The instrumentation in force, or None (read by the complete send path).
current: Instrumentation | None = None

_lock = threading.Lock()
_listeners: list[Callable[[], None]] = []


def set_instrumentation(instrumentation: Instrumentation | None) -> None:
    """Wrap every send and receiver call in ``instrumentation``'s context
    managers from now on; None turns instrumentation off again.

    Raises:
        TypeError: ``instrumentation`` has no callable ``send`` and
            ``receiver`` methods.
    """
    global current
    if instrumentation is not None:
        for method in ("send", "receiver"):
            if not callable(getattr(instrumentation, method, None)):
                raise TypeError(
                    f"An instrumentation needs callable send() and receiver() methods "
                    f"returning context managers; {instrumentation!r} has no {method}()."
                )
    with _lock:
        current = instrumentation
        listeners = list(_listeners)
    for listener in listeners:
        listener()


def on_instrumentation_change(listener: Callable[[], None]) -> None:
    """Call ``listener`` whenever the instrumentation is set or removed."""
    with _lock:
        _listeners.append(listener)
