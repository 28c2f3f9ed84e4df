"""Shared pytest configuration."""

from __future__ import annotations

import gc

import pytest


@pytest.fixture
def collect() -> None:
    """Run a full garbage collection before the test (for weak references)."""
    gc.collect()
