"""Finding the objects a delete cascades to, so each gets its delete signals.

Tortoise leaves cascades to the database (``ON DELETE CASCADE``), so the rows
disappear without Python ever seeing them. Django sends ``pre_delete`` and
``post_delete`` for each of them; to do the same, the objects are read before
the delete: one ``SELECT`` per cascading relation and level. This only
happens while some receiver is connected to ``pre_delete`` or
``post_delete``; :func:`cascade_signals` turns it off altogether.
"""

from __future__ import annotations

from typing import Any, cast

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.fields.base import CASCADE
from tortoise.fields.relational import BackwardFKRelation, ForeignKeyFieldInstance
from tortoise.models import Model

from fastdjango.core.signals import post_delete, pre_delete

from ._labels import wanted

__all__ = ["cascade_signals", "collect_cascade"]

_enabled = True


def cascade_signals(enabled: bool) -> None:
    """Send (default) or skip delete signals for objects a delete cascades to.

    Sending them costs one ``SELECT`` per cascading relation (and per level
    of cascade) before each ``delete()``, and only while a receiver is
    connected to ``pre_delete`` or ``post_delete``. With ``False``, only the
    object whose ``delete()`` was called gets the signals; the database still
    deletes the others.
    """
    global _enabled
    if not isinstance(enabled, bool):
        raise TypeError(f"cascade_signals() takes True or False, got {enabled!r}.")
    _enabled = enabled


def _cascading(model: type[Model]) -> list[tuple[type[Model], str, str]]:
    """``(child model, child column field, parent field)`` per cascading relation."""
    meta = model._meta
    found: list[tuple[type[Model], str, str]] = []
    for name in sorted(meta.backward_fk_fields | meta.backward_o2o_fields):
        backward = cast(BackwardFKRelation[Model], meta.fields_map[name])
        child = backward.related_model
        for field in child._meta.fields_map.values():
            if (
                isinstance(field, ForeignKeyFieldInstance)
                and field.source_field == backward.relation_field
                and field.on_delete == CASCADE
                and field.db_constraint
            ):
                parent_field = backward.to_field_instance.model_field_name
                found.append((child, backward.relation_field, parent_field))
    return found


async def collect_cascade(instance: Model, db: BaseDBAsyncClient) -> list[Model]:
    """The objects deleting ``instance`` will delete too, deepest first.

    Empty when cascade signals are off or nobody listens to delete signals.
    """
    meta = type(instance)._meta
    if not (meta.backward_fk_fields or meta.backward_o2o_fields):
        return []  # nothing points at this model: nothing can cascade
    if not _enabled or not (wanted(pre_delete) or wanted(post_delete)):
        return []
    seen: set[tuple[type[Model], Any]] = {(type(instance), instance.pk)}
    levels: list[list[Model]] = []
    frontier: list[Model] = [instance]
    while frontier:
        level: list[Model] = []
        for model in dict.fromkeys(type(obj) for obj in frontier):
            parents = [obj for obj in frontier if type(obj) is model]
            for child, column, parent_field in _cascading(model):
                keys = [getattr(obj, parent_field) for obj in parents]
                rows = await child.filter(**{f"{column}__in": keys}).using_db(db)
                for row in rows:
                    if (child, row.pk) not in seen:
                        seen.add((child, row.pk))
                        level.append(row)
        if level:
            levels.append(level)
        frontier = level
    return [obj for level in reversed(levels) for obj in level]
