"""The process-wide hooks into Tortoise, applied once."""

from __future__ import annotations

from ._m2m import patch_m2m
from ._transactions import patch_transactions

__all__ = ["install_hooks"]


def install_hooks() -> None:
    """Wrap m2m relation methods and transaction blocks (idempotent)."""
    patch_m2m()
    patch_transactions()
