"""A snapshot of every signal in the process and its receivers, for listing."""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass

from fastdjango.core.signals import BUILTIN_SIGNALS, Signal, all_signals, resolve_alias
from fastdjango.core.signals._connection import Connection
from fastdjango.core.signals._refs import SenderSpec, describe

from ._names import bindings
from ._receivers import origin

__all__ = ["ReceiverInfo", "SignalInfo", "collect"]


@dataclass(frozen=True)
class ReceiverInfo:
    """One connection of a signal, as listed."""

    receiver: str
    kind: str | None
    file: str | None
    line: int | None
    sender: str | None
    sender_target: str | None
    weak: bool
    dispatch_uid: str | None
    priority: int
    is_async: bool
    on_commit: bool
    #: The durable receiver's name, None for an ordinary receiver.
    durable: str | None
    #: None while alive; "receiver" or "sender" once that was garbage-collected.
    collected: str | None


@dataclass(frozen=True)
class SignalInfo:
    """One signal, as listed."""

    name: str | None
    module: str | None
    bound_to: tuple[str, ...]
    builtin: bool
    providing_args: tuple[str, ...]
    concurrent: bool
    repr: str
    receivers: tuple[ReceiverInfo, ...]


def collect() -> list[SignalInfo]:
    """Every signal alive in this process, in creation order, with its receivers.

    Dead connections (a weak receiver or sender that was garbage-collected)
    are included: those not pruned yet, left in place so the dispatcher
    still warns about them, and those the signal remembers (see
    ``Signal.connections(include_dead=True)``).
    """
    signals = all_signals()
    places = bindings(signals)
    return [_signal_info(signal, places.get(id(signal), [])) for signal in signals]


def _signal_info(signal: Signal, places: list[tuple[str, str]]) -> SignalInfo:
    name = signal.name or (places[0][1] if places else None)
    return SignalInfo(
        name=name,
        module=places[0][0] if places else None,
        bound_to=tuple(f"{module}.{attribute}" for module, attribute in places),
        builtin=any(signal is builtin for builtin in BUILTIN_SIGNALS),
        providing_args=signal.providing_args,
        concurrent=signal.concurrent,
        repr=repr(signal),
        receivers=tuple(_receiver_info(conn) for conn in signal.connections(include_dead=True)),
    )


def _receiver_info(conn: Connection) -> ReceiverInfo:
    receiver = conn.ref()
    collected: str | None = None
    kind: str | None = None
    if receiver is None:  # only the name recorded at connect time is left
        collected, name, file, line = "receiver", conn.name, None, None
    else:
        collected = None if conn.sender.is_alive() else "sender"
        name, kind, file, line = origin(receiver)
    spec = conn.sender
    label = spec.sender()
    target = resolve_alias(label) if isinstance(label, str) else None
    return ReceiverInfo(
        receiver=name,
        kind=kind,
        file=file,
        line=line,
        sender=None if spec.kind == SenderSpec.ANY else spec.description,
        sender_target=None if target is None else describe(target),
        weak=conn.weak,
        dispatch_uid=_uid(conn.dispatch_uid),
        priority=conn.priority,
        is_async=conn.is_async,
        on_commit=conn.on_commit,
        durable=getattr(conn.durable, "name", None),
        collected=collected,
    )


def _uid(uid: Hashable | None) -> str | None:
    if uid is None or isinstance(uid, str):
        return uid
    return repr(uid)
