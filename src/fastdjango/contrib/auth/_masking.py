"""Masking secrets in credentials before receivers or logs see them."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

__all__ = ["MASK", "SENSITIVE_NAMES", "mask_credentials"]

#: What a masked value is replaced with.
MASK = "********************"

#: A name matching this pattern (anywhere, any case) holds a secret:
#: ``password``, ``new_pass``, ``token``, ``client_secret``, ``api_key``,
#: ``api``, ``signature``, ``Authorization``, ``session_cookie`` ... The net is wide on
#: purpose, as in Django's cleansing: a masked harmless value costs nothing, a
#: leaked secret does.
SENSITIVE_NAMES = re.compile(
    r"pass|pwd|token|secret|key|api|signature|auth|cookie|session|credential", re.IGNORECASE
)


def mask_credentials(credentials: Mapping[str, Any]) -> dict[str, Any]:
    """Return a copy of ``credentials`` with every sensitive value replaced by :data:`MASK`.

    A value is sensitive when its name matches :data:`SENSITIVE_NAMES`.
    Nested mappings, lists and tuples are cleansed the same way, so
    ``{"form": {"password": "x"}}`` is masked too. The argument is never
    modified.
    """
    return {name: _cleanse(name, value) for name, value in credentials.items()}


def _cleanse(name: object, value: Any) -> Any:
    if isinstance(name, str) and SENSITIVE_NAMES.search(name):
        return MASK
    if isinstance(value, Mapping):
        return {key: _cleanse(key, item) for key, item in value.items()}
    if isinstance(value, list):
        return [_cleanse(None, item) for item in value]
    if isinstance(value, tuple):
        return tuple(_cleanse(None, item) for item in value)
    return value
