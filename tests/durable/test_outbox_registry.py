"""Registering outboxes, and which one a send writes to."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence

import pytest

from fastdjango.durable._outbox import (
    Dialect,
    find_outbox,
    register_outbox,
    unregister_outbox,
)
from fastdjango.durable._schema import TABLE, create_statements


class FakeOrmOutbox:
    """An outbox over a plain sqlite3 connection (what an integration provides)."""

    def __init__(self, *, open_transaction: bool = False) -> None:
        self.open_transaction = open_transaction
        self.connection = sqlite3.connect(":memory:")

    @property
    def dialect(self) -> Dialect:
        return "sqlite"

    @property
    def location(self) -> str:
        return "sqlite://:memory:"

    def in_transaction(self) -> bool:
        return self.open_transaction

    async def execute(
        self, statement: str, parameters: Sequence[object]
    ) -> list[tuple[object, ...]]:
        with self.connection:
            return self.connection.execute(statement, parameters).fetchall()


@pytest.fixture
def clean() -> Iterator[None]:
    """No outbox registered during the test; the earlier ones back after it."""
    earlier = []
    while (outbox := find_outbox()) is not None:
        unregister_outbox(outbox)
        earlier.append(outbox)
    yield
    while (outbox := find_outbox()) is not None:
        unregister_outbox(outbox)
    for outbox in earlier:
        register_outbox(outbox)


@pytest.mark.usefixtures("clean")
def test_first_registered_unless_one_is_in_a_transaction() -> None:
    assert find_outbox() is None
    first, second = FakeOrmOutbox(), FakeOrmOutbox()
    register_outbox(first)
    register_outbox(second)
    register_outbox(first)
    assert find_outbox() is first
    second.open_transaction = True
    assert find_outbox() is second
    assert unregister_outbox(second)
    assert not unregister_outbox(second)
    assert find_outbox() is first


def test_register_rejects_what_is_not_an_outbox() -> None:
    with pytest.raises(TypeError, match=r"register_outbox\(\) takes an Outbox"):
        register_outbox(object())  # type: ignore[arg-type]


@pytest.mark.parametrize("runs", [1, 2])
async def test_schema_creates_on_sqlite(runs: int) -> None:
    outbox = FakeOrmOutbox()
    for _ in range(runs):
        for statement in create_statements("sqlite"):
            await outbox.execute(statement, ())
    columns = [row[1] for row in await outbox.execute(f"PRAGMA table_info({TABLE})", ())]
    assert columns[:5] == ["id", "event_id", "signal", "sender", "receiver"]
    assert "available_at" in columns
