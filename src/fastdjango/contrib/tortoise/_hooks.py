"""The process-wide hooks into Tortoise, applied once."""

from __future__ import annotations

from ._bridge import patch_model_hooks
from ._instances import watch_init_connections
from ._m2m import patch_m2m
from ._through import patch_finalise
from ._transactions import patch_transactions

__all__ = ["install_hooks"]


def install_hooks() -> None:
    """Hook saves, deletes, m2m changes, finalisation, transactions, init (idempotent)."""
    patch_model_hooks()
    patch_m2m()
    patch_finalise()
    patch_transactions()
    watch_init_connections()
