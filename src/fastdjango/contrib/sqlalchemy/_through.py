"""``Post.tags.through``: the association table, from the class attribute.

The sender of ``m2m_changed`` for a ``relationship(secondary=...)`` is its
association table. SQLAlchemy's class attributes and their comparators use
``__slots__``, so a ``.through`` attribute cannot just be set on them.
Instead each relationship's comparator is given a subclass of its own class
that adds the ``through`` property: a class attribute forwards unknown names
to its comparator, so ``Post.tags.through`` reaches it. Custom
``comparator_factory`` classes keep all their behaviour.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Mapper, RelationshipProperty, configure_mappers
from sqlalchemy.sql import FromClause

__all__ = ["attach_through"]


class _Through:
    """Adds ``through`` to a relationship comparator class."""

    __slots__ = ()
    prop: RelationshipProperty[Any]

    @property
    def through(self) -> FromClause:
        """The relationship's association table (the ``m2m_changed`` sender)."""
        prop = self.prop
        configure_mappers()  # a string or lambda ``secondary`` is resolved here
        if prop.secondary is None:
            raise AttributeError(
                f"{prop} has no association table: m2m_changed is sent for "
                "relationship(secondary=...) only."
            )
        return prop.secondary


_made: dict[type, type] = {}


def _with_through(cls: type) -> type:
    if issubclass(cls, _Through):
        return cls
    made = _made.get(cls)
    if made is None:
        made = _made[cls] = type(cls.__name__, (cls, _Through), {"__slots__": ()})
    return made


def attach_through(mapper: Mapper[Any]) -> None:
    """Give every relationship attribute of ``mapper``'s class ``.through`` (idempotent).

    Works on a mapper that is not configured yet: it reads the class
    attributes, not the mapper's properties.
    """
    for attr in list(mapper.class_manager.values()):
        comparator = getattr(attr, "comparator", None)
        if isinstance(comparator, RelationshipProperty.Comparator) and not isinstance(
            comparator, _Through
        ):
            comparator.__class__ = _with_through(type(comparator))
