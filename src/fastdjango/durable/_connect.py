"""Connecting a durable receiver: its options, its name, and finding it again.

The dispatcher calls :func:`prepare` for ``connect(..., durable=...)`` and
keeps the returned :class:`DurableSpec` on the connection. A worker finds a
receiver again by ``(signal name, receiver name)`` with :func:`find_spec`,
looking at what is connected now.
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from types import FunctionType
from typing import TYPE_CHECKING, Any

from ._event import Subscription

if TYPE_CHECKING:
    from fastdjango.core.signals import Signal

__all__ = ["Durable", "DurableSpec", "durable_specs", "find_spec", "prepare", "subscriptions"]


@dataclass(frozen=True, slots=True)
class Durable:
    """Options of a durable receiver: ``connect(fn, durable=Durable(...))``.

    Args:
        name: The receiver's identity across processes and deploys. Default:
            the connection's ``dispatch_uid``, else ``"module:qualname"``.
        max_attempts: Attempts before the delivery is dead-lettered (>= 1).
        backoff: ``(first, longest)`` delay in seconds between attempts: the
            delay doubles from ``first`` per attempt, capped at ``longest``,
            with random jitter below it.
        timeout: Seconds an attempt may run before it is cancelled and counts
            as a failure; None for no limit.
        order_key: A function of the send's arguments (``sender=`` and the
            named ones) returning a key: deliveries with one key reach the
            receiver in send order, even with many workers.

    Raises:
        TypeError: An option has the wrong type.
        ValueError: An option is out of range.
    """

    name: str | None = None
    max_attempts: int = 8
    backoff: tuple[float, float] = (1.0, 300.0)
    timeout: float | None = None
    order_key: Callable[..., Hashable] | None = None

    def __post_init__(self) -> None:
        if self.name is not None and (not isinstance(self.name, str) or not self.name):
            raise TypeError(f"Durable(name=...) must be a non-empty string, got {self.name!r}.")
        if type(self.max_attempts) is not int:
            raise TypeError(f"Durable(max_attempts=...) must be an int, got {self.max_attempts!r}.")
        if self.max_attempts < 1:
            raise ValueError(f"Durable(max_attempts=...) must be >= 1, got {self.max_attempts}.")
        backoff = self.backoff
        if (
            not isinstance(backoff, tuple)
            or len(backoff) != 2
            or not all(_is_number(value) for value in backoff)
        ):
            raise TypeError(
                f"Durable(backoff=...) must be a (first, longest) pair of seconds, "
                f"got {backoff!r}; for example backoff=(1.0, 300.0)."
            )
        first, longest = backoff
        if not 0 <= first <= longest or not math.isfinite(longest):
            raise ValueError(
                f"Durable(backoff={backoff!r}) needs 0 <= first <= longest, both finite."
            )
        if self.timeout is not None and not _is_number(self.timeout):
            raise TypeError(f"Durable(timeout=...) must be seconds or None, got {self.timeout!r}.")
        if self.timeout is not None and not self.timeout > 0:
            raise ValueError(f"Durable(timeout=...) must be > 0, got {self.timeout!r}.")
        if self.order_key is not None and not callable(self.order_key):
            raise TypeError(
                f"Durable(order_key=...) must be a function of the send's arguments, "
                f"got {self.order_key!r}."
            )


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


@dataclass(frozen=True, slots=True, eq=False)
class DurableSpec:
    """A durable connection, as the dispatcher keeps it.

    Attributes:
        name: The receiver's durable name.
        signal: The signal's name (the event's destination).
        receiver: The receiver itself (held strongly).
        options: Its :class:`Durable` options.
        is_async: Whether calling it returns an awaitable.
    """

    name: str
    signal: str
    receiver: Callable[..., Any]
    options: Durable
    is_async: bool


def prepare(
    signal: Signal,
    receiver: Callable[..., Any],
    durable: object,
    dispatch_uid: Hashable | None,
    sender: object,
) -> DurableSpec:
    """Validate a durable connection and describe it (called by ``connect``).

    Raises:
        TypeError: ``durable`` is not True or a :class:`Durable`, or a
            ``dispatch_uid`` standing for the name is not a string.
        ValueError: The signal has no name; the receiver has no name a worker
            could find it by (a lambda, a closure, a bound method, a callable
            object) and none was given; or the name is taken on this signal
            by another receiver.
    """
    if durable is True:
        options = Durable()
    elif isinstance(durable, Durable):
        options = durable
    else:
        raise TypeError(f"durable= takes True or fastdjango.durable.Durable(...), got {durable!r}.")
    if not signal.name:
        raise ValueError(
            f"{signal!r} has no name, and durable events are routed by the signal's name: "
            f"create it with Signal(..., name='order_placed') to connect durable receivers."
        )
    name = _name_of(receiver, options, dispatch_uid)
    for other in durable_specs(signal):
        if other.name == name and other.receiver != receiver:
            raise ValueError(
                f"The durable name {name!r} is already used by {other.receiver!r} on "
                f"{signal!r}; give {receiver!r} another one with Durable(name=...)."
            )
    return DurableSpec(
        name=name,
        signal=signal.name,
        receiver=receiver,
        options=options,
        is_async=_is_async(receiver),
    )


def _name_of(receiver: Callable[..., Any], options: Durable, dispatch_uid: Hashable | None) -> str:
    if options.name is not None:
        return options.name
    if dispatch_uid is not None:
        if not isinstance(dispatch_uid, str) or not dispatch_uid:
            raise TypeError(
                f"The dispatch_uid of a durable receiver is its name across processes and "
                f"must be a non-empty string, got {dispatch_uid!r}; or pass Durable(name=...)."
            )
        return dispatch_uid
    target = receiver
    if inspect.ismethod(receiver) and isinstance(receiver.__self__, type):
        target = receiver.__func__  # a classmethod: found through its class
    if type(target) is FunctionType:
        qualname = target.__qualname__
        if "<lambda>" not in qualname and "<locals>" not in qualname:
            return f"{target.__module__}:{qualname}"
    raise ValueError(
        f"{receiver!r} cannot be a durable receiver without a name: a worker finds "
        f"durable receivers by name, and a lambda, closure, bound method or callable "
        f"object has none that is stable across processes. Pass "
        f"durable=Durable(name='...') or a dispatch_uid."
    )


def _is_async(receiver: Callable[..., Any]) -> bool:
    call = getattr(receiver, "__call__", None)  # noqa: B004 - callable objects
    return inspect.iscoroutinefunction(receiver) or (
        not inspect.isroutine(receiver) and inspect.iscoroutinefunction(call)
    )


def durable_specs(signal: Signal) -> list[DurableSpec]:
    """The specs of the live durable connections of ``signal``, in call order."""
    specs: list[DurableSpec] = []
    for connection in signal.connections():
        spec = getattr(connection, "durable", None)
        if isinstance(spec, DurableSpec) and all(known is not spec for known in specs):
            specs.append(spec)
    return specs


def find_spec(signal_name: str, receiver_name: str) -> tuple[Signal, DurableSpec] | None:
    """The signal and durable receiver connected now under these names, or None."""
    from fastdjango.core.signals import all_signals

    for signal in all_signals():
        if signal.name != signal_name:
            continue
        for spec in durable_specs(signal):
            if spec.name == receiver_name:
                return signal, spec
    return None


def subscriptions() -> list[Subscription]:
    """Every (signal, receiver) pair connected durably in this process."""
    from fastdjango.core.signals import all_signals

    found: dict[Subscription, None] = {}
    for signal in all_signals():
        for spec in durable_specs(signal):
            found[Subscription(spec.signal, spec.name)] = None
    return list(found)
