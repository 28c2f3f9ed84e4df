"""Request scopes and request objects, reduced to what may travel.

The ``scope`` of the request signals and the ``request`` of the user
signals hold the application, connection state and credentials: an event
carries only ``type``, ``method``, ``path``, ``query``, ``client`` and the
headers, without ``cookie`` and ``authorization`` and with every other
secret (by :mod:`fastdjango.masking`'s rule) masked, in headers and query
parameters alike. It arrives as a plain ``dict``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final
from urllib.parse import parse_qsl, urlencode

from fastdjango.masking import MASK, is_secret_name, mask_mapping

__all__ = ["mask_fields", "reduce_scope"]

_DROPPED_HEADERS: Final = frozenset({"cookie", "authorization"})
_KINDS: Final = frozenset({"http", "websocket"})


def reduce_scope(value: object) -> dict[str, Any] | None:
    """The travelling form of an ASGI scope or a request object, or None for anything else."""
    scope = value if isinstance(value, Mapping) else getattr(value, "scope", None)
    if not isinstance(scope, Mapping) or scope.get("type") not in _KINDS or "asgi" not in scope:
        return None
    client = scope.get("client")
    return {
        "type": scope["type"],
        "method": scope.get("method"),
        "path": scope.get("path"),
        "query": _query(scope.get("query_string", b"")),
        "client": list(client) if isinstance(client, list | tuple) else None,
        "headers": _headers(scope.get("headers", ())),
    }


def _text(value: object) -> str:
    return value.decode("latin-1") if isinstance(value, bytes | bytearray) else str(value)


def _headers(raw: Any) -> dict[str, str]:
    headers: dict[str, str] = {}
    for name, value in raw:
        key = _text(name).lower()
        if key in _DROPPED_HEADERS:
            continue
        text = MASK if is_secret_name(key) else _text(value)
        headers[key] = f"{headers[key]}, {text}" if key in headers else text
    return headers


def _query(raw: object) -> str:
    pairs = parse_qsl(_text(raw), keep_blank_values=True)
    return urlencode([(name, MASK if is_secret_name(name) else value) for name, value in pairs])


def mask_fields(fields: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of a user's field values (or credentials) with every secret masked."""
    return mask_mapping(fields)
