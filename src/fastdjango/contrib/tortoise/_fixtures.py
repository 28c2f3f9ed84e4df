"""``loaddata``: Django JSON fixtures saved with ``raw=True``."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, cast

from tortoise import Tortoise
from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.exceptions import ConfigurationError
from tortoise.fields import JSONField
from tortoise.fields.relational import (
    ForeignKeyFieldInstance,
    ManyToManyFieldInstance,
    ManyToManyRelation,
)
from tortoise.models import Model
from tortoise.transactions import in_transaction

from ._bridge import loading_raw

__all__ = ["loaddata"]

Fixture = str | os.PathLike[str] | Sequence[Mapping[str, Any]]


def _read(fixture: Fixture) -> list[Mapping[str, Any]]:
    if isinstance(fixture, str | os.PathLike):
        try:
            loaded = json.loads(Path(fixture).read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise ValueError(f"Cannot read the fixture {str(fixture)!r}: {exc}.") from exc
    else:
        loaded = fixture
    if not isinstance(loaded, list | tuple) or not all(isinstance(o, Mapping) for o in loaded):
        raise ValueError(
            "A fixture is a list of objects like "
            '{"model": "<app_label>.<Model>", "pk": 1, "fields": {...}}.'
        )
    return list(loaded)


def _model(entry: Mapping[str, Any]) -> type[Model]:
    label = entry.get("model")
    apps = Tortoise.apps
    if apps is None:
        raise RuntimeError("loaddata() needs Tortoise: call it after 'await Tortoise.init(...)'.")
    if not isinstance(label, str) or label.count(".") != 1:
        raise ValueError(
            f'Each fixture object needs "model": "<app_label>.<Model>", got {label!r}.'
        )
    try:
        return cast(type[Model], apps.get_model(*label.split(".")))
    except ConfigurationError as exc:
        raise LookupError(f"Fixture model {label!r} is unknown to Tortoise: {exc}") from None


def _build(model: type[Model], entry: Mapping[str, Any]) -> tuple[Model, dict[str, list[Any]]]:
    """The instance to save, and its many-to-many keys to link afterwards."""
    values: dict[str, Any] = {}
    links: dict[str, list[Any]] = {}
    fields_map = model._meta.fields_map
    for name, value in dict(entry.get("fields", {})).items():
        field = fields_map.get(name)
        if field is None:
            raise ValueError(f"{model.__name__} has no field {name!r} (fixture object {entry!r}).")
        if isinstance(field, ManyToManyFieldInstance):
            links[name] = list(value)
        elif isinstance(field, ForeignKeyFieldInstance):
            values[cast(str, field.source_field)] = value
        elif value is None or isinstance(field, JSONField):
            values[name] = value
        else:
            values[name] = field.to_python_value(value)
    if "pk" in entry:
        values[model._meta.pk_attr] = model._meta.pk.to_python_value(entry["pk"])
    return model(**values), links


async def loaddata(fixture: Fixture, *, using: str | None = None) -> int:
    """Load a Django JSON fixture; return the number of objects saved.

    Args:
        fixture: a path to a JSON file or the parsed list, each object as
            ``{"model": "<app_label>.<Model>", "pk": ..., "fields": {...}}``.
            Foreign keys are given by primary key, many-to-many fields as
            lists of primary keys.
        using: the connection to load in (default: the first model's).

    Every object is saved with ``raw=True`` in ``pre_save`` / ``post_save``
    (an existing primary key is updated, ``created=False``); many-to-many
    links are added after all objects, sending ``m2m_changed``. Everything
    runs in one transaction; ``raw`` is False again afterwards.

    Raises:
        ValueError: the fixture is not in Django's format.
        LookupError: it names a model Tortoise does not know.
    """
    entries = _read(fixture)
    built = [(entry, _model(entry)) for entry in entries]
    if not built:
        return 0
    connection = using or built[0][1]._meta.default_connection
    async with in_transaction(connection) as db:
        pending: list[tuple[Model, dict[str, list[Any]]]] = []
        with loading_raw():
            for entry, model in built:
                instance, links = _build(model, entry)
                if (
                    instance.pk is not None
                    and await model.filter(pk=instance.pk).using_db(db).exists()
                ):
                    instance._saved_in_db = True
                await instance.save(using_db=db)
                pending.append((instance, links))
        for instance, links in pending:
            for name, keys in links.items():
                relation = cast(ManyToManyRelation[Model], getattr(instance, name))
                others = await relation.remote_model.filter(pk__in=keys).using_db(db)
                await relation.add(*others, using_db=db)
        await _reset_sequences(db, {model for _, model in built})
    return len(built)


async def _reset_sequences(db: BaseDBAsyncClient, models: set[type[Model]]) -> None:
    """Move PostgreSQL's key sequences past the keys the fixture gave explicitly."""
    if db.capabilities.dialect != "postgres":
        return  # SQLite's next key follows the largest one by itself
    for model in sorted(models, key=lambda m: m._meta.db_table):
        meta = model._meta
        if not meta.pk.generated:
            continue
        table = f'"{meta.schema}"."{meta.db_table}"' if meta.schema else f'"{meta.db_table}"'
        column = f'"{meta.db_pk_column}"'
        await db.execute_script(
            f"SELECT setval(pg_get_serial_sequence('{table}', '{meta.db_pk_column}'), "
            f"COALESCE(MAX({column}), 1), MAX({column}) IS NOT NULL) FROM {table}"
        )
