"""``m2m_changed`` for Tortoise many-to-many relations, both directions.

Tortoise sends nothing for ``add`` / ``remove`` / ``clear``. The three
methods of its ``ManyToManyRelation`` are wrapped to send the signal around
the original work; the sender is the relation's ``Through``
(``Post.tags.through``, see ``_through``). Finding the keys actually added
or removed costs one ``SELECT`` on the through table, made only while a
receiver listens to that relation.
"""

from __future__ import annotations

from typing import Any, Final, cast

from pypika_tortoise.queries import Table
from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.fields.relational import ManyToManyRelation
from tortoise.models import Model

from fastdjango.core.signals import m2m_changed

from ._labels import wanted
from ._through import through_of

__all__ = ["patch_m2m"]

_MARK: Final = "__fastdjango_m2m__"


async def _linked(
    relation: ManyToManyRelation[Any], others: tuple[Model, ...], db: BaseDBAsyncClient
) -> set[Any]:
    """The primary keys among ``others`` already linked to the relation's instance."""
    field = relation.field
    own = relation.instance
    to_db = type(others[0])._meta.pk.to_db_value
    by_db_value = {to_db(obj.pk, obj): obj.pk for obj in others}
    table = Table(field.through, schema=field.through_schema)
    query = (
        db.query_class.from_(table)
        .select(field.forward_key)
        .where(table[field.backward_key] == type(own)._meta.pk.to_db_value(own.pk, own))
        .where(table[field.forward_key].isin(list(by_db_value)))
    )
    _, rows = await db.execute_query(*query.get_parameterized_sql())
    return {by_db_value[to_db(row[field.forward_key], own)] for row in rows}


async def _send(
    relation: ManyToManyRelation[Any], action: str, pk_set: set[Any] | None, db: BaseDBAsyncClient
) -> None:
    await m2m_changed.send(
        through_of(relation.field),
        instance=relation.instance,
        action=action,
        reverse=relation.field._generated,
        model=relation.remote_model,
        pk_set=None if pk_set is None else set(pk_set),
        using=db.connection_name,
    )


def _listened(relation: ManyToManyRelation[Any]) -> bool:
    return wanted(m2m_changed, through_of(relation.field))


def _saved(relation: ManyToManyRelation[Any], others: tuple[Model, ...]) -> bool:
    return relation.instance._saved_in_db and all(obj._saved_in_db for obj in others)


def _db(relation: ManyToManyRelation[Any], using_db: BaseDBAsyncClient | None) -> BaseDBAsyncClient:
    return using_db or relation.remote_model._meta.db


def _wrap_add(add: Any) -> Any:
    async def add_and_signal(
        self: ManyToManyRelation[Any], *instances: Model, using_db: BaseDBAsyncClient | None = None
    ) -> None:
        if not instances or not _listened(self) or not _saved(self, instances):
            return cast(None, await add(self, *instances, using_db=using_db))
        db = _db(self, using_db)
        added = {obj.pk for obj in instances} - await _linked(self, instances, db)
        await _send(self, "pre_add", added, db)
        await add(self, *instances, using_db=using_db)
        await _send(self, "post_add", added, db)
        return None

    return add_and_signal


def _wrap_remove(remove: Any) -> Any:
    async def remove_and_signal(
        self: ManyToManyRelation[Any], *instances: Model, using_db: BaseDBAsyncClient | None = None
    ) -> None:
        if not instances or not _listened(self):
            return cast(None, await remove(self, *instances, using_db=using_db))
        db = _db(self, using_db)
        removed = await _linked(self, instances, db)
        await _send(self, "pre_remove", removed, db)
        await remove(self, *instances, using_db=using_db)
        await _send(self, "post_remove", removed, db)
        return None

    return remove_and_signal


def _wrap_clear(clear: Any) -> Any:
    async def clear_and_signal(
        self: ManyToManyRelation[Any], using_db: BaseDBAsyncClient | None = None
    ) -> None:
        if not _listened(self):
            return cast(None, await clear(self, using_db=using_db))
        db = _db(self, using_db)
        await _send(self, "pre_clear", None, db)
        await clear(self, using_db=using_db)
        await _send(self, "post_clear", None, db)
        return None

    return clear_and_signal


_WRAPPERS: Final = {"add": _wrap_add, "remove": _wrap_remove, "clear": _wrap_clear}


def patch_m2m() -> None:
    """Wrap ``ManyToManyRelation.add/remove/clear`` once (idempotent)."""
    for name, wrap in _WRAPPERS.items():
        original = getattr(ManyToManyRelation, name)
        if getattr(original, _MARK, False):
            continue
        wrapped = wrap(original)
        setattr(wrapped, _MARK, True)
        wrapped.__doc__ = original.__doc__
        setattr(ManyToManyRelation, name, wrapped)
