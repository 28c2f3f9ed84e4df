"""fastdjango: ``await sig.send(...)`` and ``sig.send_sync(...)`` in one column.

A second column, ``fd.captured``, calls a send taken from the signal before
its first send (``fire = sig.send_sync``, then ``fire(...)``), as code that
keeps the method does (``functools.partial``, a callback registry, an
integration holding it). It must cost what the attribute path costs.
"""

from __future__ import annotations

from fastdjango.core.signals import Signal

from .peers import KEYWORD_ARGS, Mode, Peer, Target, cycle_target, method_target
from .receivers import Receiver

CAPTURED = "fd.captured"


def _method(mode: Mode) -> str:
    return "send" if mode == "async" else "send_sync"


class FastDjango(Peer[Signal]):
    """The library under test; awaited scenarios use ``send``, sync ones ``send_sync``."""

    def __init__(self) -> None:
        super().__init__("fastdjango", "fastdjango", {})

    def new_signal(self) -> Signal:
        return Signal(name="bench")

    def connect(self, signal: Signal, receiver: Receiver, sender: object) -> None:
        signal.connect(receiver, sender=sender)

    def send_target(self, signal: Signal, mode: Mode, sync_receivers: bool) -> Target:
        return method_target(signal, _method(mode), mode)

    def cycle_target(self, signal: Signal) -> Target:
        return cycle_target(signal)


class FastDjangoCaptured(FastDjango):
    """fastdjango through a send captured before the signal's first send."""

    def __init__(self) -> None:
        Peer.__init__(
            self,
            CAPTURED,
            None,
            {
                "registry": "Connecting does not depend on how a send is called.",
            },
        )

    def send_target(self, signal: Signal, mode: Mode, sync_receivers: bool) -> Target:
        fire = getattr(signal, _method(mode))  # no send has happened yet
        awaited = mode == "async"
        stmt = f"{'await ' if awaited else ''}fire{KEYWORD_ARGS}"
        return Target(stmt, {"fire": fire}, awaited=awaited)
