"""Fixtures of the durable tests: a configured InlineTransport, signals named per test."""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import pytest

from fastdjango.durable import InlineTransport, configure

_names = itertools.count()


@pytest.fixture
def inline() -> Iterator[InlineTransport]:
    """An InlineTransport configured for the test (and forgotten after it)."""
    transport = InlineTransport()
    configure(transport)
    try:
        yield transport
    finally:
        configure(None)


@pytest.fixture
def signal_name() -> str:
    """A signal name no other test uses (durable routing is by name)."""
    return f"durable_test_{next(_names)}"
