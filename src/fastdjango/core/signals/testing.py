"""Helpers for testing code that sends signals.

::

    from fastdjango.core.signals.testing import capture

    async def test_signup_sends_post_save():
        with capture(post_save, sender=User) as sent:
            await User.objects.create(username="ada")
        assert len(sent) == 1
        assert sent[0].kwargs["created"] is True
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from ._dispatcher import Signal
from ._refs import SenderSpec

__all__ = ["Capture", "CapturedSend", "capture"]


@dataclass(frozen=True)
class CapturedSend:
    """One send: who sent it and the keyword arguments it carried."""

    sender: Any
    kwargs: dict[str, Any]


@dataclass
class Capture:
    """The sends recorded by :func:`capture`, in order; a read-only sequence."""

    signal: Signal
    sends: list[CapturedSend] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def __len__(self) -> int:
        return len(self.sends)

    def __getitem__(self, index: int) -> CapturedSend:
        return self.sends[index]

    def __iter__(self) -> Iterator[CapturedSend]:
        return iter(list(self.sends))

    @property
    def senders(self) -> list[Any]:
        return [send.sender for send in self.sends]

    def _record(self, sender: object, kwargs: dict[str, Any]) -> None:
        with self._lock:
            self.sends.append(CapturedSend(sender, dict(kwargs)))


@contextmanager
def capture(signal: Signal, sender: object = None) -> Iterator[Capture]:
    """Record every send of ``signal`` made while the block is open.

    Args:
        signal: the signal to watch.
        sender: only record sends from this sender (None: every sender),
            matched like a connection's sender.

    Sends are recorded whether or not anybody listens and whether or not
    receivers are muted; no connection is made, so the signal's receivers and
    responses are unchanged.
    """
    if not isinstance(signal, Signal):
        raise TypeError(f"capture() takes a Signal, got {signal!r}.")
    recorded = Capture(signal)
    spec = SenderSpec(sender)

    def observe(sent_by: object, kwargs: dict[str, Any]) -> None:
        if spec.matches(sent_by):
            recorded._record(sent_by, kwargs)

    signal._watch(observe)
    try:
        yield recorded
    finally:
        signal._unwatch(observe)
