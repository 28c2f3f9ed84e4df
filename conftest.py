"""Collect the Python blocks of the documentation as tests (see docs/CONTRIBUTING.md)."""

from tests.docs.examples import pytest_collect_file

__all__ = ["pytest_collect_file"]
