"""The :func:`receiver` decorator."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Sequence
from typing import Any, TypeVar

from ._checks import check_options
from ._dispatcher import Signal

__all__ = ["receiver"]

R = TypeVar("R", bound=Callable[..., Any])


def receiver(
    signal: Signal | Sequence[Signal],
    *,
    sender: object = None,
    weak: bool = True,
    dispatch_uid: Hashable | None = None,
    priority: int = 0,
    on_commit: bool = False,
    durable: object = False,
) -> Callable[[R], R]:
    """Decorator connecting a function to one signal or a list of signals.

    ``@receiver(post_save, sender=User)`` or ``@receiver([post_save,
    post_delete], sender=User)``; decorators stack. Every option of
    :meth:`Signal.connect` passes through. Returns the function unchanged.
    """
    if isinstance(signal, Signal):
        signals = [signal]
    else:
        signals = list(signal) if isinstance(signal, Iterable) else []
    if not signals or not all(isinstance(s, Signal) for s in signals):
        raise TypeError(f"receiver() takes a Signal or a list of Signals, got {signal!r}.")
    check_options(weak=weak, dispatch_uid=dispatch_uid, priority=priority, on_commit=on_commit)

    def decorator(func: R) -> R:
        for sig in signals:
            sig.connect(
                func,
                sender,
                weak,
                dispatch_uid,
                priority=priority,
                on_commit=on_commit,
                durable=durable,
            )
        return func

    return decorator
