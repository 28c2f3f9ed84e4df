"""Where a tracer (``fastdjango.contrib.otel``) plugs into durable delivery.

Two places call it, and only while one is set: :func:`._enqueue.new_event`,
the one place an event is made, asks it for the headers the event travels
with (its trace context); :func:`._process.process`, the one place a lease
becomes a receiver call, runs inside its ``process`` block and tells it how
the delivery ended. With none set, neither does anything more than read a
module global.
"""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import AbstractContextManager
from typing import Protocol

from ._event import Lease

__all__ = ["DeliveryHooks", "Processing", "current", "set_hooks"]


class Processing(Protocol):
    """What :meth:`DeliveryHooks.process` yields: told how the delivery ended."""

    def delivered(self) -> None:
        """The receiver succeeded; the lease was acknowledged."""

    def retried(self, delay: float, error: BaseException | str) -> None:
        """The delivery failed and comes back after ``delay`` seconds."""

    def dead_lettered(self, error: BaseException | str) -> None:
        """The delivery was given up (``error``: the exception, or why as text)."""


class DeliveryHooks(Protocol):
    """What :func:`set_hooks` takes."""

    def create(self, event_id: str, signal: str, receivers: tuple[str, ...]) -> Mapping[str, str]:
        """A new event is made: the headers it should carry."""

    def process(self, lease: Lease, system: str) -> AbstractContextManager[Processing]:
        """The block around one delivery of ``lease`` (``system``: the transport's)."""


#: The hooks in force, or None.
current: DeliveryHooks | None = None


def set_hooks(hooks: DeliveryHooks | None) -> None:
    """Call ``hooks`` from now on; None stops calling anything.

    Raises:
        TypeError: ``hooks`` has no callable ``create`` and ``process``.
    """
    global current
    if hooks is not None:
        for method in ("create", "process"):
            if not callable(getattr(hooks, method, None)):
                raise TypeError(
                    f"Delivery hooks need callable create() and process() methods; "
                    f"{hooks!r} has no {method}()."
                )
    current = hooks
