"""The outbox table, for SQLite and PostgreSQL.

One row per delivery: an event sent to two durable receivers is two rows
sharing ``event_id``, written by one multi-row ``INSERT`` in the sender's
transaction. With ``DatabaseTransport`` the rows are the queue; with a
relaying transport they wait there until published.

Columns:

``id``            the row (insertion order; a lease is ``(id, attempts)``)
``event_id``      the event's id, shared by the rows of one send
``signal``        the signal's name
``sender``        the encoded sender
``receiver``      the durable receiver's name
``payload``       the encoded arguments (JSON text)
``headers``       JSON object of text headers (trace context)
``order_key``     the receiver's order key, or NULL
``enqueued_at``   when sent (seconds since the epoch, UTC)
``available_at``  when the row may next be claimed: a retry's due time, or
                  the end of a worker's visibility timeout while leased
``attempts``      claims so far (the attempt number of the current lease)
``dead``          1 once dead-lettered
``last_error``    the last failure, ``Type: message``
``consumer``      the worker holding or last holding the row
"""

from __future__ import annotations

from typing import Final

from ._outbox import Dialect

__all__ = ["TABLE", "create_statements"]

TABLE: Final = "fastdjango_outbox"

_ID: Final[dict[Dialect, str]] = {
    "sqlite": "INTEGER PRIMARY KEY AUTOINCREMENT",
    "postgresql": "BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY",
}
_FLOAT: Final[dict[Dialect, str]] = {"sqlite": "REAL", "postgresql": "DOUBLE PRECISION"}


def create_statements(dialect: Dialect) -> list[str]:
    """The ``CREATE TABLE`` / ``CREATE INDEX`` statements (idempotent) for ``dialect``.

    Users who manage their schema with migrations copy these into one.
    """
    real = _FLOAT[dialect]
    return [
        f"CREATE TABLE IF NOT EXISTS {TABLE} (\n"
        f"    id {_ID[dialect]},\n"
        "    event_id VARCHAR(64) NOT NULL,\n"
        "    signal VARCHAR(255) NOT NULL,\n"
        "    sender TEXT NOT NULL,\n"
        "    receiver VARCHAR(255) NOT NULL,\n"
        "    payload TEXT NOT NULL,\n"
        "    headers TEXT NOT NULL,\n"
        "    order_key VARCHAR(255),\n"
        f"    enqueued_at {real} NOT NULL,\n"
        f"    available_at {real} NOT NULL,\n"
        "    attempts INTEGER NOT NULL DEFAULT 0,\n"
        "    dead SMALLINT NOT NULL DEFAULT 0,\n"
        "    last_error TEXT,\n"
        "    consumer VARCHAR(255)\n"
        ")",
        f"CREATE INDEX IF NOT EXISTS {TABLE}_event ON {TABLE} (event_id)",
        f"CREATE INDEX IF NOT EXISTS {TABLE}_ready ON {TABLE} (available_at) WHERE dead = 0",
        f"CREATE INDEX IF NOT EXISTS {TABLE}_order ON {TABLE} "
        "(signal, receiver, order_key, id) WHERE order_key IS NOT NULL",
    ]
