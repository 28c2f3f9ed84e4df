"""Shared pytest configuration."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest


@pytest.fixture
def collect() -> Iterator[None]:
    """Run a full garbage collection before the test (for weak references)."""
    gc.collect()
    yield
