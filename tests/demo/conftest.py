"""Fixtures for the demo tests: the databases it runs on, and a leak check."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from fastdjango.contrib.auth import get_backends
from fastdjango.demo import SIGNALS
from tests.support.services import require_postgres


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest) -> str | None:
    """None (the demo's temporary SQLite file) or the test PostgreSQL database."""
    return require_postgres() if request.param == "postgres" else None


@pytest.fixture(autouse=True)
def no_leftovers() -> Iterator[None]:
    """The demo leaves no receiver connected and the auth backends as they were."""
    before = [len(signal.receivers) for signal in SIGNALS]
    backends = get_backends()
    yield
    assert [len(signal.receivers) for signal in SIGNALS] == before
    assert get_backends() == backends
