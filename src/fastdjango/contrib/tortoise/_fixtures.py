"""``loaddata``: Django JSON fixtures saved with ``raw=True``."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from tortoise import Tortoise
from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.exceptions import (
    ConfigurationError,
    IntegrityError,
    OperationalError,
    ValidationError,
)
from tortoise.fields import Field, JSONField
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

#: What converting a fixture value to a field's type raises when it does not fit.
_BAD_VALUE = (ValueError, TypeError, ArithmeticError, ValidationError)
#: What the database raises for an object it refuses (a missing foreign key, ...).
_REFUSED = (IntegrityError, OperationalError, ValidationError)


@dataclass
class _Where:
    """One object of a fixture, for errors that say where: file, index, model, pk."""

    source: str
    index: int
    label: object = None
    pk: object = None

    def error(self, problem: str, field: str | None = None) -> ValueError:
        what = f"{self.label}, pk {self.pk!r}" if self.label is not None else "object"
        where = f"{self.source}, object [{self.index}] ({what})"
        if field is not None:
            where += f", field {field!r}"
        return ValueError(f"{where}: {problem} Nothing was loaded.")


def _read(fixture: Fixture) -> tuple[str, list[Mapping[str, Any]]]:
    """The fixture's name for errors, and its objects."""
    if isinstance(fixture, str | os.PathLike):
        source = f"fixture {os.fspath(fixture)!r}"
        try:
            loaded = json.loads(Path(fixture).read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise ValueError(f"Cannot read the fixture {str(fixture)!r}: {exc}.") from exc
    else:
        source, loaded = "the fixture list", fixture
    if not isinstance(loaded, list | tuple):
        raise ValueError(
            f"{source} is a {type(loaded).__name__}; a fixture is a list of objects like "
            '{"model": "<app_label>.<Model>", "pk": 1, "fields": {...}}.'
        )
    for index, entry in enumerate(loaded):
        if not isinstance(entry, Mapping):
            raise _Where(source, index).error(
                f"expected an object like "
                f'{{"model": "<app_label>.<Model>", "pk": 1, "fields": {{...}}}}, got {entry!r}.'
            )
    return source, list(loaded)


def _model(entry: Mapping[str, Any], where: _Where) -> type[Model]:
    label = entry.get("model")
    apps = Tortoise.apps
    if apps is None:
        raise RuntimeError("loaddata() needs Tortoise: call it after 'await Tortoise.init(...)'.")
    if not isinstance(label, str) or label.count(".") != 1:
        raise where.error(f'expected "model": "<app_label>.<Model>", got {label!r}.')
    try:
        return cast(type[Model], apps.get_model(*label.split(".")))
    except ConfigurationError as exc:
        raise LookupError(
            f"{where.source}, object [{where.index}]: the fixture model {label!r} is unknown "
            f"to Tortoise: {exc}"
        ) from None


def _label(model: type[Model]) -> str:
    return f"{model._meta.app}.{model.__name__}"


def _key(model: type[Model], value: object, where: _Where, field: str | None) -> Any:
    """``value`` as a primary key of ``model``."""
    pk = model._meta.pk
    try:
        return pk.to_python_value(value)
    except _BAD_VALUE as exc:
        raise where.error(
            f"expected a primary key of {_label(model)} ({type(pk).__name__}), "
            f"got {value!r}: {exc}.",
            field,
        ) from None


def _value(field: Field[Any], name: str, value: object, where: _Where) -> Any:
    if value is None or isinstance(field, JSONField):
        return value
    try:
        return field.to_python_value(value)
    except _BAD_VALUE as exc:
        raise where.error(
            f"expected a value for {type(field).__name__}, got {value!r}: {exc}.", name
        ) from None


def _keys(
    field: ManyToManyFieldInstance[Any], name: str, value: object, where: _Where
) -> list[Any]:
    remote = field.related_model
    if not isinstance(value, list | tuple):
        raise where.error(
            f"a many-to-many field takes a list of primary keys of {_label(remote)}, "
            f"got {value!r}.",
            name,
        )
    return [_key(remote, key, where, name) for key in value]


def _build(
    model: type[Model], entry: Mapping[str, Any], where: _Where
) -> tuple[Model, dict[str, list[Any]]]:
    """The instance to save, and its many-to-many keys to link afterwards."""
    values: dict[str, Any] = {}
    links: dict[str, list[Any]] = {}
    fields_map = model._meta.fields_map
    given = entry.get("fields", {})
    if not isinstance(given, Mapping):
        raise where.error(f'"fields" must be an object of field names and values, got {given!r}.')
    for name, value in given.items():
        field = fields_map.get(name)
        if field is None:
            raise where.error(
                f"{model.__name__} has no field {name!r}; its fields are {sorted(fields_map)}."
            )
        if isinstance(field, ManyToManyFieldInstance):
            links[name] = _keys(field, name, value, where)
        elif isinstance(field, ForeignKeyFieldInstance):
            key = None if value is None else _key(field.related_model, value, where, name)
            values[cast(str, field.source_field)] = key
        else:
            values[name] = _value(field, name, value, where)
    if "pk" in entry:
        values[model._meta.pk_attr] = _key(model, entry["pk"], where, None)
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
    runs in one transaction: when anything fails, nothing is loaded and
    ``raw`` is False again afterwards.

    Raises:
        ValueError: the fixture is not in Django's format, a value does not
            fit its field, a foreign key or many-to-many key names a row
            that does not exist, or the database refuses an object. The
            message names the fixture, the object's index, model and
            primary key, the field, and what was expected.
        LookupError: it names a model Tortoise does not know.
    """
    source, entries = _read(fixture)
    built = []
    for index, entry in enumerate(entries):
        where = _Where(source, index, entry.get("model"), entry.get("pk"))
        built.append((entry, _model(entry, where), where))
    if not built:
        return 0
    connection = using or built[0][1]._meta.default_connection
    async with in_transaction(connection) as db:
        pending: list[tuple[Model, dict[str, list[Any]], _Where]] = []
        with loading_raw():
            for entry, model, where in built:
                instance, links = _build(model, entry, where)
                await _save(db, model, instance, where)
                pending.append((instance, links, where))
        for instance, links, where in pending:
            for name, keys in links.items():
                await _link(db, instance, name, keys, where)
        await _reset_sequences(db, {model for _, model, _ in built})
    return len(built)


async def _save(db: BaseDBAsyncClient, model: type[Model], instance: Model, where: _Where) -> None:
    if instance.pk is not None and await model.filter(pk=instance.pk).using_db(db).exists():
        instance._saved_in_db = True
    try:
        await instance.save(using_db=db)
    except _REFUSED as exc:
        raise where.error(
            f"the database refused the object ({type(exc).__name__}: {exc}); check that its "
            "foreign keys name rows that exist (earlier in the fixture or in the database)."
        ) from exc


async def _link(
    db: BaseDBAsyncClient, instance: Model, name: str, keys: list[Any], where: _Where
) -> None:
    relation = cast(ManyToManyRelation[Model], getattr(instance, name))
    remote = relation.remote_model
    others = await remote.filter(pk__in=keys).using_db(db)
    missing = set(keys) - {other.pk for other in others}
    if missing:
        raise where.error(
            f"no {_label(remote)} has the primary key {sorted(missing, key=repr)!r}; a "
            "many-to-many key must name a row that exists (earlier in the fixture or in the "
            "database).",
            name,
        )
    await relation.add(*others, using_db=db)


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
