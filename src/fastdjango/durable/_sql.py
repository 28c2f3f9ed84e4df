"""The statements run against the outbox table (see :mod:`._schema`), per dialect.

Every operation is one statement, so it is atomic on its own and needs no
transaction of its own beyond the one :meth:`Outbox.execute` gives it. A
lease is ``(id, attempts)``: a settle whose lease has since been claimed
again (its visibility passed) changes nothing.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator

from ._outbox import Dialect
from ._schema import TABLE

__all__ = [
    "ROW_COLUMNS",
    "ack",
    "bury",
    "claim",
    "delete_event",
    "deliveries",
    "extend",
    "insert",
    "ready",
    "relay",
    "replay",
    "replay_dead",
    "retry",
]

#: What a claim returns per row, in this order.
ROW_COLUMNS = (
    "id",
    "event_id",
    "signal",
    "sender",
    "receiver",
    "payload",
    "headers",
    "order_key",
    "enqueued_at",
    "attempts",
)
_INSERTED = (
    "event_id",
    "signal",
    "sender",
    "receiver",
    "payload",
    "headers",
    "order_key",
    "enqueued_at",
    "available_at",
)


def _marks(dialect: Dialect) -> Iterator[str]:
    number = 0
    while True:
        number += 1
        yield "?" if dialect == "sqlite" else f"${number}"


@functools.cache
def insert(dialect: Dialect, rows: int) -> str:
    """Insert ``rows`` rows (parameters: :data:`_INSERTED` per row, row after row)."""
    marks = _marks(dialect)
    values = ", ".join("(" + ", ".join(next(marks) for _ in _INSERTED) + ")" for _ in range(rows))
    return f"INSERT INTO {TABLE} ({', '.join(_INSERTED)}) VALUES {values}"


_ORDERED = (
    f"(c.order_key IS NULL OR NOT EXISTS (SELECT 1 FROM {TABLE} AS p WHERE p.dead = 0 "
    "AND p.signal = c.signal AND p.receiver = c.receiver AND p.order_key = c.order_key "
    "AND p.id < c.id))"
)


@functools.cache
def claim(dialect: Dialect, signals: int) -> str:
    """Lease ready rows of some signals.

    Parameters: lease end, consumer, now, the ``signals`` signal names, limit.
    Returns :data:`ROW_COLUMNS`. PostgreSQL skips rows another worker is
    claiming (``FOR UPDATE SKIP LOCKED``), so no two workers take one row.
    """
    returning = ", ".join(f"{TABLE}.{column}" for column in ROW_COLUMNS)
    if dialect == "sqlite":
        names = ", ".join("?" * signals)
        return (
            f"UPDATE {TABLE} SET attempts = attempts + 1, available_at = ?, consumer = ? "
            f"WHERE id IN (SELECT c.id FROM {TABLE} AS c WHERE c.dead = 0 "
            f"AND c.available_at <= ? AND c.signal IN ({names}) AND {_ORDERED} "
            f"ORDER BY c.id LIMIT ?) RETURNING {returning}"
        )
    names = ", ".join(f"${number}" for number in range(4, 4 + signals))
    return (
        f"UPDATE {TABLE} SET attempts = {TABLE}.attempts + 1, available_at = $1, consumer = $2 "
        f"FROM (SELECT c.id FROM {TABLE} AS c WHERE c.dead = 0 AND c.available_at <= $3 "
        f"AND c.signal IN ({names}) AND {_ORDERED} ORDER BY c.id LIMIT ${4 + signals} "
        f"FOR UPDATE SKIP LOCKED) AS picked WHERE {TABLE}.id = picked.id RETURNING {returning}"
    )


@functools.cache
def ready(dialect: Dialect, signals: int) -> str:
    """Whether any row of some signals is ready (a read: it takes no write lock).

    Parameters: now, the ``signals`` signal names.
    """
    marks = _marks(dialect)
    now = next(marks)
    names = ", ".join(next(marks) for _ in range(signals))
    return (
        f"SELECT 1 FROM {TABLE} AS c WHERE c.dead = 0 AND c.available_at <= {now} "
        f"AND c.signal IN ({names}) LIMIT 1"
    )


def _lease_update(dialect: Dialect, assignments: list[str], *, live: bool) -> str:
    marks = _marks(dialect)
    sets = ", ".join(f"{column} = {next(marks)}" for column in assignments)
    where = f"id = {next(marks)} AND attempts = {next(marks)}"
    return f"UPDATE {TABLE} SET {sets} WHERE {where}" + (" AND dead = 0" if live else "")


@functools.cache
def extend(dialect: Dialect) -> str:
    """Parameters: new lease end, id, attempts."""
    return _lease_update(dialect, ["available_at"], live=True)


@functools.cache
def retry(dialect: Dialect) -> str:
    """Parameters: due time, error, id, attempts."""
    return _lease_update(dialect, ["available_at", "last_error"], live=True)


@functools.cache
def bury(dialect: Dialect) -> str:
    """Parameters: 1, error, id, attempts."""
    return _lease_update(dialect, ["dead", "last_error"], live=False)


@functools.cache
def ack(dialect: Dialect, leases: int) -> str:
    """Delete leased rows. Parameters: id, attempts of each lease."""
    marks = _marks(dialect)
    pairs = " OR ".join(f"(id = {next(marks)} AND attempts = {next(marks)})" for _ in range(leases))
    return f"DELETE FROM {TABLE} WHERE {pairs}"


@functools.cache
def delete_event(dialect: Dialect) -> str:
    """Remove a published event's rows. Parameter: event id."""
    return f"DELETE FROM {TABLE} WHERE event_id = {next(_marks(dialect))}"


@functools.cache
def deliveries(dialect: Dialect) -> str:
    """Pending or dead rows, oldest first. Parameters: dead (0 / 1), limit."""
    marks = _marks(dialect)
    return (
        f"SELECT event_id, signal, receiver, attempts, dead, last_error, enqueued_at "
        f"FROM {TABLE} WHERE dead = {next(marks)} ORDER BY id LIMIT {next(marks)}"
    )


_REQUEUE = "dead = 0, attempts = 0, available_at = {now}"


@functools.cache
def replay(dialect: Dialect, *, receiver: bool) -> str:
    """Requeue an event's dead rows. Parameters: now, event id[, receiver]."""
    marks = _marks(dialect)
    sets = _REQUEUE.format(now=next(marks))
    where = f"dead = 1 AND event_id = {next(marks)}"
    if receiver:
        where += f" AND receiver = {next(marks)}"
    return f"UPDATE {TABLE} SET {sets} WHERE {where} RETURNING id"


@functools.cache
def replay_dead(dialect: Dialect) -> str:
    """Requeue every dead row. Parameter: now."""
    sets = _REQUEUE.format(now=next(_marks(dialect)))
    return f"UPDATE {TABLE} SET {sets} WHERE dead = 1 RETURNING id"


@functools.cache
def relay(dialect: Dialect) -> str:
    """Lease outbox rows left unpublished past their due time, for the relay.

    Parameters: lease end, now, limit. Returns :data:`ROW_COLUMNS`.
    """
    returning = ", ".join(f"{TABLE}.{column}" for column in ROW_COLUMNS)
    marks = _marks(dialect)
    lease_end, now, limit = next(marks), next(marks), next(marks)
    lock = "" if dialect == "sqlite" else " FOR UPDATE SKIP LOCKED"
    return (
        f"UPDATE {TABLE} SET available_at = {lease_end} WHERE id IN (SELECT c.id FROM {TABLE} "
        f"AS c WHERE c.dead = 0 AND c.available_at <= {now} ORDER BY c.id LIMIT {limit}{lock}) "
        f"RETURNING {returning}"
    )
