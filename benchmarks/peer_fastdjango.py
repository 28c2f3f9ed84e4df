"""fastdjango: ``await sig.send(...)`` and ``sig.send_sync(...)`` in one column."""

from __future__ import annotations

from fastdjango.core.signals import Signal

from .peers import Mode, Peer, Target, cycle_target, method_target
from .receivers import Receiver


class FastDjango(Peer[Signal]):
    """The library under test; awaited scenarios use ``send``, sync ones ``send_sync``."""

    def __init__(self) -> None:
        super().__init__("fastdjango", "fastdjango", {})

    def new_signal(self) -> Signal:
        return Signal(name="bench")

    def connect(self, signal: Signal, receiver: Receiver, sender: object) -> None:
        signal.connect(receiver, sender=sender)

    def send_target(self, signal: Signal, mode: Mode, sync_receivers: bool) -> Target:
        return method_target(signal, "send" if mode == "async" else "send_sync", mode)

    def cycle_target(self, signal: Signal) -> Target:
        return cycle_target(signal)
