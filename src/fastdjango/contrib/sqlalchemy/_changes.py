"""What a flush writes for one object: the columns an UPDATE sets, the key."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Mapper
from sqlalchemy.orm.state import InstanceState

__all__ = ["changed_columns", "identity"]


def changed_columns(mapper: Mapper[Any], state: InstanceState[Any]) -> frozenset[str]:
    """The column attributes of ``state`` whose value changed since it was loaded.

    Attributes set to the value they already had do not count; an empty set
    means the UPDATE writes nothing.
    """
    attrs = state.attrs
    return frozenset(key for key in mapper.column_attrs.keys() if attrs[key].history.has_changes())


def identity(state: InstanceState[Any]) -> Any:
    """The primary key of a persisted object: the value, or a tuple if composite."""
    key = state.identity
    if key is None:
        return None
    return key[0] if len(key) == 1 else tuple(key)
