"""Receivers that record what they get, and temporary connections."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from typing import Any

from fastdjango.core.signals import Signal


@dataclass
class Call:
    """One receiver call: the signal's name, the sender and the arguments."""

    signal: str
    sender: Any
    kwargs: dict[str, Any]

    def __getitem__(self, name: str) -> Any:
        return self.kwargs[name]


@dataclass
class Recorder:
    """An async receiver appending a :class:`Call` per call to ``calls``."""

    calls: list[Call] = field(default_factory=list)

    async def __call__(self, sender: Any, signal: Signal, **kwargs: Any) -> None:
        self.calls.append(Call(signal.name or "?", sender, kwargs))

    def of(self, name: str) -> list[Call]:
        """The calls made by the signal named ``name``."""
        return [call for call in self.calls if call.signal == name]

    @property
    def names(self) -> list[str]:
        return [call.signal for call in self.calls]


@contextmanager
def connected(
    receiver: Any, *signals: Signal, sender: object = None, on_commit: bool = False
) -> Iterator[Any]:
    """Connect ``receiver`` strongly to ``signals`` for the block."""
    with ExitStack() as stack:
        for signal in signals:
            signal.connect(receiver, sender=sender, weak=False, on_commit=on_commit)
            stack.callback(signal.disconnect, receiver, sender)
        yield receiver
