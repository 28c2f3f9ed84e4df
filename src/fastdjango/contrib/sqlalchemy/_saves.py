"""``pre_save`` / ``post_save`` / ``pre_delete`` / ``post_delete`` from the mapper events.

The mapper events see every row the unit of work writes, with its exact
decision: ``before_insert`` means ``created=True`` (right for UUID and
explicit keys too), ``before_update`` an UPDATE of the columns that really
changed. ``pre_*`` are sent from the ``before_*`` events, just before the
statement; a receiver that raises stops the flush and the transaction rolls
back. ``post_*`` are recorded by the ``after_*`` events and sent from
``after_flush_postexec``, once every row of the flush is written, still
inside the transaction: there a receiver may query the session and add
objects (the next flush or the commit writes them).

An object that is dirty but whose columns have no net change sends nothing
(SQLAlchemy still calls ``before_update`` / ``after_update`` for it).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from sqlalchemy.engine import Connection
from sqlalchemy.orm import Mapper, Session
from sqlalchemy.orm.attributes import instance_state

from fastdjango.core.signals import post_delete, post_save, pre_delete, pre_save

from ._bridge import LISTENED, engine_name, send, wanted
from ._changes import changed_columns
from ._record import record_of, take_record

__all__ = ["MAPPER_EVENTS", "loading_raw", "send_recorded"]

_RAW: ContextVar[bool] = ContextVar("fastdjango_sqlalchemy_raw", default=False)


@contextmanager
def loading_raw() -> Iterator[None]:
    """Saves flushed inside the block send ``raw=True`` (fixture loading)."""
    token = _RAW.set(True)
    try:
        yield
    finally:
        _RAW.reset(token)


def _session(target: object) -> Session:
    session = instance_state(target).session
    assert session is not None  # the flush writing it holds it
    return session


def _before_insert(mapper: Mapper[Any], connection: Connection, target: object) -> None:
    if not LISTENED.save:
        return
    sender = mapper.class_
    if wanted(pre_save, sender):
        named = {"raw": _RAW.get(), "using": engine_name(connection), "update_fields": None}
        send(pre_save, sender, _session(target), connection, instance=target, **named)


def _after_insert(mapper: Mapper[Any], connection: Connection, target: object) -> None:
    if not LISTENED.save:
        return
    sender = mapper.class_
    if wanted(post_save, sender):
        named = {
            "instance": target,
            "created": True,
            "raw": _RAW.get(),
            "using": engine_name(connection),
            "update_fields": None,
        }
        record_of(_session(target)).sends.append((post_save, sender, connection, named))


def _before_update(mapper: Mapper[Any], connection: Connection, target: object) -> None:
    if not LISTENED.save:
        return
    sender = mapper.class_
    if not wanted(pre_save, sender):
        return
    fields = changed_columns(mapper, instance_state(target))
    if fields:
        named = {"raw": _RAW.get(), "using": engine_name(connection), "update_fields": fields}
        send(pre_save, sender, _session(target), connection, instance=target, **named)


def _after_update(mapper: Mapper[Any], connection: Connection, target: object) -> None:
    if not LISTENED.save:
        return
    sender = mapper.class_
    if not wanted(post_save, sender):
        return
    fields = changed_columns(mapper, instance_state(target))
    if fields:
        named = {
            "instance": target,
            "created": False,
            "raw": _RAW.get(),
            "using": engine_name(connection),
            "update_fields": fields,
        }
        record_of(_session(target)).sends.append((post_save, sender, connection, named))


def _origin(session: Session, target: object) -> object:
    return record_of(session).origins.get(id(target), target)


def _before_delete(mapper: Mapper[Any], connection: Connection, target: object) -> None:
    if not LISTENED.delete:
        return
    sender = mapper.class_
    if wanted(pre_delete, sender):
        session = _session(target)
        named = {"using": engine_name(connection), "origin": _origin(session, target)}
        send(pre_delete, sender, session, connection, instance=target, **named)


def _after_delete(mapper: Mapper[Any], connection: Connection, target: object) -> None:
    if not LISTENED.delete:
        return
    sender = mapper.class_
    if wanted(post_delete, sender):
        session = _session(target)
        named = {
            "instance": target,
            "using": engine_name(connection),
            "origin": _origin(session, target),
        }
        record_of(session).sends.append((post_delete, sender, connection, named))


def send_recorded(session: Session, _flush_context: object) -> None:
    """``after_flush_postexec``: send what the flush recorded, in order."""
    record = take_record(session)
    if record is None:
        return
    for signal, sender, connection, named in record.sends:
        send(signal, sender, session, connection, **named)
    for after in record.after:
        after()


MAPPER_EVENTS: tuple[tuple[str, Any], ...] = (
    ("before_insert", _before_insert),
    ("after_insert", _after_insert),
    ("before_update", _before_update),
    ("after_update", _after_update),
    ("before_delete", _before_delete),
    ("after_delete", _after_delete),
)
