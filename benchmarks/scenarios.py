"""The scenarios of the table and how each one is set up for a peer.

Every send is from ``Sender`` with ``instance=`` and ``created=``; every
receiver is connected the library's default way (weakly where it can).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from .peers import Mode, Need, Peer, Target
from .receivers import Listener, Receiver, Sender, async_receiver, copies, senders, sync_receiver

Kind = Literal["send", "cycle", "memory"]


@dataclass(frozen=True)
class Scenario:
    """One row of the table.

    Arguments:
        key: the row name (``A1``).
        title: what it measures, for the legend.
        kind: ``send`` (ns per send), ``cycle`` (ns per connect + disconnect)
            or ``memory`` (bytes per connected receiver).
        needs: what a peer must support to run it.
        mode: the send timed (``send`` scenarios).
        receivers: receivers connected for ``Sender``.
        sync_receivers: the receivers are plain functions.
        methods: the receivers are bound methods of live objects.
        others: extra receivers, one per other sender.
    """

    key: str
    title: str
    kind: Kind
    needs: tuple[Need, ...]
    mode: Mode = "sync"
    receivers: int = 0
    sync_receivers: bool = False
    methods: bool = False
    others: int = 0


def _async(key: str, title: str, receivers: int, *needs: Need, **options: Any) -> Scenario:
    return Scenario(key, title, "send", ("async", *needs), "async", receivers, **options)


def _sync(key: str, title: str, receivers: int, *needs: Need) -> Scenario:
    return Scenario(key, title, "send", ("sync", *needs), "sync", receivers, sync_receivers=True)


SCENARIOS: tuple[Scenario, ...] = (
    _async("A0", "await send, nobody listening", 0),
    _async("A1", "await send, 1 async receiver", 1, "receivers"),
    _async("A10", "await send, 10 async receivers", 10, "receivers"),
    _async(
        "AS1", "await send, 1 sync receiver", 1, "receivers", "sync-receivers", sync_receivers=True
    ),
    _sync("S0", "sync send, nobody listening", 0),
    _sync("S1", "sync send, 1 sync receiver", 1, "receivers"),
    _sync("S10", "sync send, 10 sync receivers", 10, "receivers"),
    _async(
        "F100",
        "await send, 1 receiver + 100 for other senders",
        1,
        "receivers",
        "senders",
        others=100,
    ),
    _async(
        "W", "await send, 10 weak bound-method receivers", 10, "receivers", "weak", methods=True
    ),
    Scenario("C", "connect + disconnect, 100 connected", "cycle", ("registry", "disconnect")),
    Scenario("M", "bytes per connected receiver (tracemalloc)", "memory", ("registry",)),
)

BY_KEY = {scenario.key: scenario for scenario in SCENARIOS}

CYCLE_CONNECTED = 100


def _receivers(scenario: Scenario, keep: list[object]) -> list[Receiver]:
    if scenario.methods:
        listeners = [Listener() for _ in range(scenario.receivers)]
        keep.extend(listeners)
        if scenario.sync_receivers:
            return [listener.on_event for listener in listeners]
        return [listener.on_event_async for listener in listeners]
    template = sync_receiver if scenario.sync_receivers else async_receiver
    return copies(template, scenario.receivers)


def build(scenario: Scenario, peer: Peer[Any]) -> Target:
    """Set up ``scenario`` on a new signal of ``peer`` and return what to time.

    Raises ``NotApplicable`` (the footnote) when the peer cannot run it.
    """
    peer.check(scenario.needs)
    signal = peer.new_signal()
    keep: list[object] = [signal]
    if scenario.kind == "cycle":
        connected = copies(sync_receiver, CYCLE_CONNECTED)
        for receiver in connected:
            peer.connect(signal, receiver, Sender)
        keep.extend(connected)
        target = peer.cycle_target(signal)
        target.env["receiver"] = copies(sync_receiver, 1)[0]
    else:
        receivers = _receivers(scenario, keep)
        others = copies(
            sync_receiver if scenario.sync_receivers else async_receiver, scenario.others
        )
        other_senders = senders(scenario.others)
        for receiver, other in zip(others, other_senders, strict=True):
            peer.connect(signal, receiver, other)
        for receiver in receivers:
            peer.connect(signal, receiver, Sender)
        keep.extend([*receivers, *others, *other_senders])
        peer.ready(signal)
        target = peer.send_target(signal, scenario.mode, scenario.sync_receivers)
        target.env["instance"] = Sender()
        target.env["created"] = True
    target.env["sender"] = Sender
    target.keep.extend(keep)
    return target
