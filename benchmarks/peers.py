"""One adapter interface for every column of the table.

A peer wraps one library's way of dispatching (``fastdjango``, Django's
``send``, blinker's ``send_async``, ..., the floor). The scenarios build a
signal through it, connect the shared receivers, and ask it for the statement
to time; nothing peer-specific lives outside the ``peer_*`` modules.

A peer that has no notion of what a scenario needs (senders, weak references,
an awaited send, ...) lists that need in ``limits`` with the reason, which the
table prints as a footnote next to ``n/a``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, Literal, TypeVar

from .receivers import Receiver

Mode = Literal["sync", "async"]

Need = Literal[
    "registry",  # connect / disconnect / memory are measured on this column
    "sync",  # a synchronous send
    "async",  # an awaited send
    "receivers",  # calls receivers (the empty-function reference does not)
    "senders",  # receivers connected for one sender only
    "weak",  # weakly referenced receivers
    "sync-receivers",  # an awaited send calling plain functions
    "disconnect",  # receivers can be disconnected after a send
]

NEEDS_ORDER: tuple[Need, ...] = (
    "registry",
    "sync",
    "async",
    "receivers",
    "senders",
    "weak",
    "sync-receivers",
    "disconnect",
)

# The arguments of every send, as a caller writes them.
KEYWORD_ARGS = "(sender, instance=instance, created=created)"
# Connect then disconnect, as a caller writes it.
KEYWORD_CYCLE = (
    "signal.connect(receiver, sender=sender); signal.disconnect(receiver, sender=sender)"
)

SignalT = TypeVar("SignalT")


class NotApplicable(Exception):
    """The peer cannot run a scenario; the message is the table's footnote."""


@dataclass
class Target:
    """A statement to time and the names it uses (timeit-style).

    ``stmt`` is one line of Python run once per iteration, ``awaited`` says it
    contains ``await``; ``env`` maps the names it uses to their values, and
    ``keep`` holds objects that weakly connected receivers need alive.
    """

    stmt: str
    env: dict[str, object]
    awaited: bool = False
    keep: list[object] = field(default_factory=list)


def method_target(
    signal: object, method: str, mode: Mode, args: str = KEYWORD_ARGS, **extra: object
) -> Target:
    """Return the target calling ``signal.<method><args>``, awaited in async mode.

    The method is looked up on every call, as user code does: a library may
    swap a signal's methods as its receivers change.
    """
    if not method.isidentifier():
        raise ValueError(f"{method!r} is not a method name.")
    awaited = mode == "async"
    stmt = f"{'await ' if awaited else ''}signal.{method}{args}"
    return Target(stmt, {"signal": signal, **extra}, awaited=awaited)


def function_target(function: Callable[..., Any], mode: Mode) -> Target:
    """Return the target calling the plain ``function`` with the send's arguments."""
    awaited = mode == "async"
    stmt = f"{'await ' if awaited else ''}function{KEYWORD_ARGS}"
    return Target(stmt, {"function": function}, awaited=awaited)


def cycle_target(signal: object, stmt: str = KEYWORD_CYCLE) -> Target:
    """Return the target running ``stmt``, a connect then a disconnect on ``signal``."""
    return Target(stmt, {"signal": signal})


class Peer(Generic[SignalT]):
    """One column: a library (or the floor) and the way it sends.

    Arguments:
        label: the column title.
        distribution: the installed package whose version the report prints.
        limits: what this peer cannot do, each with the footnote saying why.
    """

    def __init__(self, label: str, distribution: str | None, limits: Mapping[Need, str]) -> None:
        self.label = label
        self.distribution = distribution
        self.limits = dict(limits)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.label!r}>"

    def check(self, needs: tuple[Need, ...]) -> None:
        """Raise ``NotApplicable`` with the footnote if any need is a limit."""
        for need in NEEDS_ORDER:
            if need in needs and need in self.limits:
                raise NotApplicable(self.limits[need])

    def new_signal(self) -> SignalT:
        """Return a new, empty signal."""
        raise NotImplementedError

    def connect(self, signal: SignalT, receiver: Receiver, sender: object) -> None:
        """Connect ``receiver`` for ``sender`` the library's default way (weakly if it can)."""
        raise NotImplementedError

    def ready(self, signal: SignalT) -> None:
        """Prepare a connected signal for sending (aiosignal freezes it)."""

    def send_target(self, signal: SignalT, mode: Mode, sync_receivers: bool) -> Target:
        """Return the statement sending from ``sender`` with ``instance`` and ``created``.

        ``sync_receivers`` is true when the receivers are plain functions.
        """
        raise NotImplementedError

    def cycle_target(self, signal: SignalT) -> Target:
        """Return the statement connecting then disconnecting ``receiver`` for ``sender``."""
        raise NotImplementedError
