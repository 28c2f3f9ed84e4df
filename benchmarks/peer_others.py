"""psygnal (``emit``, sync only) and aiosignal (``send``, async only)."""

from __future__ import annotations

from typing import Any

from aiosignal import Signal as AioSignal
from psygnal import SignalInstance

from .peers import Mode, Peer, Target, cycle_target, method_target
from .receivers import Receiver


class Psygnal(Peer[SignalInstance]):
    """psygnal's ``SignalInstance``: positional ``emit``, no senders, sync only."""

    def __init__(self) -> None:
        super().__init__(
            "psygnal",
            "psygnal",
            {
                "async": "psygnal is sync-only (emit calls receivers, never awaits).",
                "senders": "psygnal has no senders.",
            },
        )

    def new_signal(self) -> SignalInstance:
        return SignalInstance((object, object, object))

    def connect(self, signal: SignalInstance, receiver: Receiver, sender: object) -> None:
        signal.connect(receiver)

    def send_target(self, signal: SignalInstance, mode: Mode, sync_receivers: bool) -> Target:
        return method_target(signal, "emit", mode, "(sender, instance, created)")

    def cycle_target(self, signal: SignalInstance) -> Target:
        return cycle_target(signal, "signal.connect(receiver); signal.disconnect(receiver)")


class AioSignalPeer(Peer[AioSignal[Any]]):
    """aiosignal's ``Signal``: a frozen list of coroutine functions."""

    def __init__(self) -> None:
        no_features = "aiosignal has no senders, no weak references and awaits every receiver."
        super().__init__(
            "aiosignal",
            "aiosignal",
            {
                "sync": "aiosignal is async-only.",
                "senders": no_features,
                "weak": no_features,
                "sync-receivers": no_features,
                "disconnect": "aiosignal sends only from a frozen (unchangeable) list.",
            },
        )

    def new_signal(self) -> AioSignal[Any]:
        return AioSignal(owner=self)

    def connect(self, signal: AioSignal[Any], receiver: Receiver, sender: object) -> None:
        signal.append(receiver)

    def ready(self, signal: AioSignal[Any]) -> None:
        signal.freeze()

    def send_target(self, signal: AioSignal[Any], mode: Mode, sync_receivers: bool) -> Target:
        return method_target(signal, "send", mode)
