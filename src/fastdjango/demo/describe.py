"""Short, readable forms of signal arguments, for the report."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from starlette.requests import Request
from tortoise.models import Model

__all__ = ["describe", "describe_arguments"]

# A field that says which object a row is, after its primary key.
_LABELS = ("username", "title", "name", "item", "text")


def describe(value: Any) -> str:
    """``User#1('ada')``, ``<Request POST /login from 127.0.0.1>``, ``{1, 2}``, a repr..."""
    if isinstance(value, Model):
        fields = value._meta.fields_map
        label = next((getattr(value, name) for name in _LABELS if name in fields), None)
        return f"{type(value).__name__}#{value.pk}" + (f"({label!r})" if label else "")
    if isinstance(value, type):
        return value.__name__
    if isinstance(value, Request):
        host = value.client.host if value.client else "?"
        return f"<Request {value.method} {value.url.path} from {host}>"
    if isinstance(value, frozenset | set):
        return "{" + ", ".join(repr(item) for item in sorted(value)) + "}"
    if isinstance(value, Mapping) and value.get("type") in ("http", "websocket"):
        return f"<{value['type']} {value.get('method', 'WS')} {value.get('path')}>"
    return repr(value)


def describe_arguments(kwargs: Mapping[str, Any]) -> str:
    """``key=value`` for each argument, as they are at this moment."""
    return "  ".join(f"{key}={describe(value)}" for key, value in kwargs.items())
