"""Stand-ins the dispatcher pages import in their hidden set-up blocks.

The pages about the dispatcher are about signals, not models or mail: these
give their examples an ``Order`` and a ``User`` to send from and a mailer to
call, and keep what was "sent" so a page can check it.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any

_ids = itertools.count(1)


@dataclass
class User:
    """A user with a primary key."""

    username: str
    email: str = ""
    id: int = field(default_factory=lambda: next(_ids))

    @property
    def pk(self) -> int:
        return self.id


@dataclass
class Order:
    """An order with a primary key."""

    item: str = "book"
    id: int = field(default_factory=lambda: next(_ids))

    @property
    def pk(self) -> int:
        return self.id


@dataclass(frozen=True)
class Mail:
    """One message given to :func:`send_email`."""

    to: str
    subject: str


#: Every message "sent", in order.
outbox: list[Mail] = []


async def send_email(to: str, subject: str, **extra: Any) -> None:
    """Record a message in :data:`outbox` instead of sending it."""
    outbox.append(Mail(to, subject))
