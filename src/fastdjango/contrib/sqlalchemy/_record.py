"""What one flush of one session has to send once the rows are written."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Final

from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from fastdjango.core.signals import Signal

__all__ = ["FlushRecord", "record_of", "take_record"]

_KEY: Final = "fastdjango_flush"


@dataclass
class FlushRecord:
    """Filled by ``before_flush`` and the mapper events, sent after the flush.

    Attributes:
        origins: for each object the flush deletes (by ``id``), the object
            whose ``session.delete()`` made it go.
        sends: ``(signal, sender, connection, kwargs)`` in the order the
            rows were written.
        after: callables run after ``sends`` (the m2m ``post_*`` sends).
    """

    origins: dict[int, object] = field(default_factory=dict)
    sends: list[tuple[Signal, object, Connection, dict[str, Any]]] = field(default_factory=list)
    after: list[Any] = field(default_factory=list)


def record_of(session: Session) -> FlushRecord:
    """The record of the flush ``session`` is running (made on first use)."""
    record = session.info.get(_KEY)
    if record is None:
        record = session.info[_KEY] = FlushRecord()
    return record


def take_record(session: Session) -> FlushRecord | None:
    """Remove and return the record of the flush that just ended."""
    return session.info.pop(_KEY, None)  # type: ignore[no-any-return]
