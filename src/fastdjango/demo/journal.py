"""What happened during the demo: every signal sent, and what its receivers did."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from fastdjango.core.signals import (
    Signal,
    got_request_exception,
    m2m_changed,
    post_delete,
    post_save,
    pre_delete,
    pre_save,
    request_finished,
    request_started,
    user_logged_in,
    user_logged_out,
    user_login_failed,
)

from .describe import describe, describe_arguments
from .models import AuditLog

__all__ = ["Effect", "Journal", "Mail", "Sent", "note", "send_mail"]

#: Built-in signals the journal records (the demo adds its own ``order_placed``).
BUILTIN_SIGNALS = (
    request_started,
    pre_save,
    post_save,
    pre_delete,
    post_delete,
    m2m_changed,
    user_logged_in,
    user_logged_out,
    user_login_failed,
    got_request_exception,
    request_finished,
)


@dataclass(frozen=True)
class Sent:
    """One send of a signal: its name, its sender and its keyword arguments.

    ``text`` describes sender and arguments as they were when it was sent
    (an instance's primary key is still None in ``pre_save``, say).
    """

    signal: str
    sender: Any
    kwargs: dict[str, Any]
    text: str


@dataclass(frozen=True)
class Effect:
    """What a receiver did about a send (noted by the receiver itself)."""

    receiver: str
    text: str


@dataclass(frozen=True)
class Mail:
    """A message in the in-memory outbox."""

    subject: str
    body: str
    from_email: str
    to: tuple[str, ...]


@dataclass
class Journal:
    """Records sends and effects in order; holds the outbox and the shipments.

    Args:
        on_entry: called with each new entry as it is recorded (live output).

    A signal's own sends by ``AuditLog`` rows are left out: the ``log_save``
    and ``log_delete`` effects already say which rows were written.
    """

    on_entry: Callable[[Sent | Effect], None] | None = None
    entries: list[Sent | Effect] = field(default_factory=list)
    outbox: list[Mail] = field(default_factory=list)
    shipments: list[str] = field(default_factory=list)
    _open_requests: int = 0
    _idle: asyncio.Event = field(default_factory=asyncio.Event)

    def __post_init__(self) -> None:
        self._idle.set()

    def add(self, entry: Sent | Effect) -> None:
        """Append an entry (and show it, if live)."""
        self.entries.append(entry)
        if self.on_entry is not None:
            self.on_entry(entry)

    def record(self, signal: Signal, sender: Any, **kwargs: Any) -> None:
        """The receiver connected (first) to every watched signal."""
        if sender is AuditLog:
            return
        if signal is request_started:
            self._open_requests += 1
            self._idle.clear()
        elif signal is request_finished:
            self._open_requests -= 1
            if self._open_requests <= 0:
                self._idle.set()
        text = f"sender={describe(sender)}  {describe_arguments(kwargs)}"
        self.add(Sent(signal.name or repr(signal), sender, kwargs, text))

    async def settle(self) -> None:
        """Wait (10 s at most) until every request seen has sent ``request_finished``."""
        async with asyncio.timeout(10):
            await self._idle.wait()

    @contextmanager
    def watching(self, *signals: Signal) -> Iterator[Journal]:
        """Record ``signals`` (and make :func:`note` write here) inside the block."""
        token = _current.set(self)
        try:
            with ExitStack() as stack:
                for signal in signals:
                    stack.enter_context(signal.connected_to(self.record, priority=1000))
                yield self
        finally:
            _current.reset(token)


_current: ContextVar[Journal | None] = ContextVar("fastdjango_demo_journal", default=None)


def note(receiver: str, text: str) -> None:
    """Record what ``receiver`` did in the journal being watched, if any."""
    journal = _current.get()
    if journal is not None:
        journal.add(Effect(receiver, text))


def current() -> Journal:
    """The journal being watched (receivers keep the outbox and shipments there)."""
    journal = _current.get()
    if journal is None:
        raise RuntimeError("The demo receivers run only inside Journal.watching().")
    return journal


async def send_mail(subject: str, body: str, from_email: str, to: list[str]) -> Mail:
    """Django's ``send_mail``, delivering to the journal's in-memory outbox."""
    await asyncio.sleep(0)  # stands for the mail server round trip
    mail = Mail(subject, body, from_email, tuple(to))
    current().outbox.append(mail)
    return mail
