"""blinker: ``send`` and ``send_async``."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from blinker import Signal

from .peers import KEYWORD_ARGS, Mode, Need, Peer, Target, cycle_target, method_target
from .receivers import Receiver


def _as_coroutine(func: Callable[..., Any]) -> Callable[..., Coroutine[Any, Any, Any]]:
    """The ``_sync_wrapper`` blinker's ``send_async`` needs to call plain functions."""

    async def wrapper(*args: Any, **kwargs: Any) -> Any:
        return func(*args, **kwargs)

    return wrapper


class BlinkerSignal(Peer[Signal]):
    """blinker's ``Signal``, sent with ``send`` (sync) or ``send_async`` (async)."""

    def __init__(self, label: str, limits: dict[Need, str]) -> None:
        super().__init__(label, "blinker", limits)

    def new_signal(self) -> Signal:
        return Signal()

    def connect(self, signal: Signal, receiver: Receiver, sender: object) -> None:
        signal.connect(receiver, sender=sender)

    def send_target(self, signal: Signal, mode: Mode, sync_receivers: bool) -> Target:
        if mode == "sync":
            return method_target(signal, "send", mode)
        if not sync_receivers:
            return method_target(signal, "send_async", mode)
        args = KEYWORD_ARGS.replace("sender,", "sender, _sync_wrapper=wrapper,")
        return method_target(signal, "send_async", mode, args, wrapper=_as_coroutine)

    def cycle_target(self, signal: Signal) -> Target:
        return cycle_target(signal)


def blinker_peers() -> list[Peer[Signal]]:
    """Return the two blinker columns."""
    return [
        BlinkerSignal("bl.send", {"async": "blinker's send() cannot await; see bl.async."}),
        BlinkerSignal(
            "bl.async",
            {
                "sync": "send_async() is the awaited form; see bl.send.",
                "registry": "bl.send and bl.async share one Signal: see bl.send.",
            },
        ),
    ]
