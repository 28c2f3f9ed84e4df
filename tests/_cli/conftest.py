"""Every CLI test imports fixture packages: forget them afterwards."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.fixtures import isolated_imports


@pytest.fixture(autouse=True)
def _forget_fixture_modules() -> Iterator[None]:
    with isolated_imports():
        yield
