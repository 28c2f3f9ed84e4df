"""The references: the floor and the empty function.

The floor is what a hand-written dispatcher with no features costs: a plain
loop over the receivers that would run, calling (or awaiting) each with the
same arguments a dispatcher passes and collecting ``[(receiver, response)]``.
Receivers connected for other senders are simply not in its loop.

The empty function is the A0 / S0 reference: calling a function that does
nothing with the same arguments as the send.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .peers import Mode, Peer, Target, function_target
from .receivers import Receiver, Sender

FloorSignal = dict[object, list[Receiver]]


def _sync_floor(receivers: list[Receiver], signal: object) -> Callable[..., Any]:
    def floor(sender: object, **named: object) -> list[tuple[Receiver, object]]:
        responses = []
        for receiver in receivers:
            responses.append((receiver, receiver(signal=signal, sender=sender, **named)))
        return responses

    return floor


def _calling_floor(receivers: list[Receiver], signal: object) -> Callable[..., Any]:
    async def floor(sender: object, **named: object) -> list[tuple[Receiver, object]]:
        responses = []
        for receiver in receivers:
            responses.append((receiver, receiver(signal=signal, sender=sender, **named)))
        return responses

    return floor


def _awaiting_floor(receivers: list[Receiver], signal: object) -> Callable[..., Any]:
    async def floor(sender: object, **named: object) -> list[tuple[Receiver, object]]:
        responses = []
        for receiver in receivers:
            responses.append((receiver, await receiver(signal=signal, sender=sender, **named)))
        return responses

    return floor


class Floor(Peer[FloorSignal]):
    """The plain loop every dispatcher is compared with."""

    def __init__(self) -> None:
        super().__init__(
            "floor",
            None,
            {"registry": "The floor has no registry (C is compared with blinker, M with 400 B)."},
        )

    def new_signal(self) -> FloorSignal:
        return {}

    def connect(self, signal: FloorSignal, receiver: Receiver, sender: object) -> None:
        signal.setdefault(sender, []).append(receiver)

    def send_target(self, signal: FloorSignal, mode: Mode, sync_receivers: bool) -> Target:
        receivers = signal.get(Sender, [])
        if mode == "sync":
            build = _sync_floor
        elif sync_receivers:
            build = _calling_floor
        else:
            build = _awaiting_floor
        return function_target(build(receivers, signal), mode)


def _empty_sync(sender: object, **named: object) -> None:
    pass


async def _empty_async(sender: object, **named: object) -> None:
    pass


class EmptyCall(Peer[None]):
    """Calling (or awaiting) an empty function with the send's arguments."""

    def __init__(self) -> None:
        reason = "The empty function is the reference of A0 and S0 only."
        super().__init__("empty fn", None, {"receivers": reason, "registry": reason})

    def new_signal(self) -> None:
        return None

    def connect(self, signal: None, receiver: Receiver, sender: object) -> None:
        raise NotImplementedError("The empty function has no receivers.")

    def send_target(self, signal: None, mode: Mode, sync_receivers: bool) -> Target:
        return function_target(_empty_sync if mode == "sync" else _empty_async, mode)
