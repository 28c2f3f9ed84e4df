"""Context-local muting.

Disconnecting a receiver to silence it is wrong in an async server: every
concurrent request loses it, and reconnecting forgets ``weak``,
``dispatch_uid`` and the position. A mute is a rule stored in a context
variable instead: it applies to sends made in the same task or thread (and in
tasks created inside the block, which copy the context), and the connection
itself is never touched.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterator
from contextlib import AbstractContextManager, contextmanager
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any

from ._refs import SenderSpec, receiver_key

if TYPE_CHECKING:
    from ._dispatcher import Signal

__all__ = ["MuteRule", "active_rules", "mute", "muted", "rules_in_force"]


class MuteRule:
    """One ``muted(...)`` block: which signal, receiver, sender or uid it silences."""

    __slots__ = ("dispatch_uid", "receiver_key", "sender", "signal")

    def __init__(
        self,
        signal: Signal | None,
        receiver: Callable[..., Any] | None,
        sender: object,
        dispatch_uid: Hashable | None,
    ) -> None:
        self.signal = signal
        self.receiver_key = None if receiver is None else receiver_key(receiver)
        self.dispatch_uid = dispatch_uid
        self.sender = None if sender is None else SenderSpec(sender)

    @property
    def silences_everything(self) -> bool:
        return self.receiver_key is None and self.dispatch_uid is None and self.sender is None

    def applies_to(self, signal: object) -> bool:
        return self.signal is None or self.signal is signal

    def silences(self, key: Hashable, dispatch_uid: Hashable | None, sender: object) -> bool:
        """Is a connection with this receiver key and uid muted for ``sender``?"""
        if self.receiver_key is not None and self.receiver_key != key:
            return False
        if self.dispatch_uid is not None and self.dispatch_uid != dispatch_uid:
            return False
        return self.sender is None or self.sender.matches(sender)


_RULES: ContextVar[tuple[MuteRule, ...]] = ContextVar("fastdjango_muted", default=())

#: The mute rules of this context (an empty tuple, falsy, when none).
rules_in_force = _RULES.get


class _Usage:
    """Whether any mute was ever entered: until then sends skip the lookup.

    It never goes back to False: a task created inside a block keeps the
    block's rules after the block exits.
    """

    used = False
    listeners: list[Callable[[], None]] = []  # noqa: RUF012 - one shared registry

    def first_use(self) -> None:
        if not self.used:
            self.used = True
            for listener in self.listeners:
                listener()


usage = _Usage()


def active_rules(signal: object) -> tuple[MuteRule, ...]:
    """The rules in force in this context that concern ``signal``."""
    return tuple(rule for rule in _RULES.get() if rule.applies_to(signal))


@contextmanager
def mute(rules: tuple[MuteRule, ...]) -> Iterator[None]:
    usage.first_use()
    token = _RULES.set(_RULES.get() + rules)
    try:
        yield
    finally:
        _RULES.reset(token)


def muted(*signals: Signal) -> AbstractContextManager[None]:
    """Silence whole signals for sends made in this context.

    ``with muted(post_save, post_delete):`` silences those two signals;
    ``with muted():`` silences every signal. Other tasks and threads are
    unaffected, blocks nest, and no connection is changed.
    """
    if not signals:
        return mute((MuteRule(None, None, None, None),))
    from ._dispatcher import Signal

    for signal in signals:
        if not isinstance(signal, Signal):
            raise TypeError(f"muted() takes Signal objects, got {signal!r}.")
    return mute(tuple(MuteRule(signal, None, None, None) for signal in signals))
