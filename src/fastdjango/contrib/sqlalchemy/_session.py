"""The session events: what ``before_flush`` prepares, and the transaction hooks.

They are listened to on the ``Session`` class, so every session sees them
(an ``AsyncSession`` runs a ``Session`` inside); objects of classes outside
the installed declarative bases are left alone.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session

from . import _instances as instances
from . import _scope as scope
from ._bridge import LISTENED
from ._cascades import cascade_origins
from ._m2m import collect_m2m
from ._record import record_of, take_record
from ._saves import send_recorded
from ._transactions import on_session_commit, on_transaction_end

__all__ = ["installed_bases", "listen_to_sessions"]

_bases: list[type] = []
_listening = False


def installed_bases() -> list[type]:
    """The declarative bases ``install()`` was given (a live list)."""
    return _bases


def _before_flush(session: Session, _flush_context: object, _instances: object) -> None:
    take_record(session)  # whatever a failed flush left behind
    LISTENED.refresh()
    bases = tuple(_bases)
    if LISTENED.delete:
        deleted = [obj for obj in session.deleted if isinstance(obj, bases)]
        if deleted:
            record_of(session).origins = cascade_origins(deleted)
    if LISTENED.m2m:
        changed = [obj for obj in (*session.new, *session.dirty) if isinstance(obj, bases)]
        if changed:
            collect_m2m(session, changed, record_of(session).after)


_SESSION_EVENTS: tuple[tuple[str, Any], ...] = (
    ("before_flush", _before_flush),
    ("after_flush_postexec", send_recorded),
    ("after_commit", on_session_commit),
    ("after_transaction_end", on_transaction_end),
    ("after_transaction_create", scope.on_transaction_create),
    ("after_transaction_create", instances.on_transaction_create),
    ("after_transaction_end", scope.on_transaction_end),
)


def listen_to_sessions() -> None:
    """Listen to the session events, once per process."""
    global _listening
    if _listening:
        return
    for name, listener in _SESSION_EVENTS:
        event.listen(Session, name, listener)
    _listening = True
