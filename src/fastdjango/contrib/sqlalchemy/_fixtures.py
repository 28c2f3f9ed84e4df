"""``loaddata``: Django JSON fixtures saved with ``raw=True``."""

from __future__ import annotations

import datetime
import decimal
import json
import os
import uuid
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.orm import Mapper, RelationshipProperty, Session
from sqlalchemy.orm.interfaces import MANYTOONE

from ._labels import mappers_under
from ._saves import loading_raw
from ._session import installed_bases

__all__ = ["loaddata"]

Fixture = str | os.PathLike[str] | Sequence[Mapping[str, Any]]

_FROM_JSON: dict[type, Callable[[Any], Any]] = {
    datetime.datetime: datetime.datetime.fromisoformat,
    datetime.date: datetime.date.fromisoformat,
    datetime.time: datetime.time.fromisoformat,
    uuid.UUID: uuid.UUID,
    decimal.Decimal: lambda value: decimal.Decimal(str(value)),
}


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


def _mappers(only: type | None) -> list[Mapper[Any]]:
    found: list[Mapper[Any]] = []
    for base in installed_bases() if only is None else [only]:
        found.extend(m for m in mappers_under(base) if m not in found)
    return found


def _mapper(label: object, mappers: list[Mapper[Any]]) -> Mapper[Any]:
    if not isinstance(label, str) or not label:
        raise ValueError(
            f'Each fixture object needs "model": "<app_label>.<Model>", got {label!r}.'
        )
    name = label.rpartition(".")[2].lower()
    matches = [m for m in mappers if m.class_.__name__.lower() == name]
    if len(matches) == 1:
        return matches[0]
    if not matches:
        known = ", ".join(sorted(m.class_.__name__ for m in mappers)) or "none"
        raise LookupError(
            f"Fixture model {label!r} names no class mapped under an installed base "
            f"(known: {known}). Call install(Base) before loaddata()."
        )
    raise LookupError(
        f"Fixture model {label!r} is ambiguous: "
        f"{', '.join(f'{m.class_.__module__}.{m.class_.__name__}' for m in matches)}. "
        "Pass base= to loaddata() to load into the models of one declarative base."
    )


def _python(mapper: Mapper[Any], key: str, value: Any) -> Any:
    if value is None:
        return None
    column = mapper.columns[key]
    try:
        python_type = column.type.python_type
    except NotImplementedError:
        return value
    convert = _FROM_JSON.get(python_type)
    if convert is None or isinstance(value, python_type):
        return value
    return convert(value)


def _values(
    mapper: Mapper[Any], entry: Mapping[str, Any]
) -> tuple[dict[str, Any], dict[str, list[Any]]]:
    """The column values to set, and the many-to-many keys to link afterwards."""
    values: dict[str, Any] = {}
    links: dict[str, list[Any]] = {}
    columns = mapper.column_attrs
    relationships = mapper.relationships
    for name, value in dict(entry.get("fields", {})).items():
        if name in columns:
            values[name] = _python(mapper, name, value)
        elif name in relationships and relationships[name].secondary is not None:
            links[name] = list(value)
        elif name in relationships and relationships[name].direction is MANYTOONE:
            prop: RelationshipProperty[Any] = relationships[name]
            local = next(iter(prop.local_columns))
            values[mapper.get_property_by_column(local).key] = value
        else:
            raise ValueError(
                f"{mapper.class_.__name__} has no field {name!r} (fixture object {entry!r})."
            )
    if "pk" in entry:
        (pk_column,) = mapper.primary_key
        key = mapper.get_property_by_column(pk_column).key
        values[key] = _python(mapper, key, entry["pk"])
    return values, links


def loaddata(session: Session, fixture: Fixture, *, base: type | None = None) -> int:
    """Load a Django JSON fixture into ``session``; return the number of objects.

    Args:
        session: a ``Session``. With an ``AsyncSession``, run it as
            ``await session.run_sync(loaddata, fixture)``.
        fixture: a path to a JSON file or the parsed list, each object as
            ``{"model": "<app_label>.<Model>", "pk": ..., "fields": {...}}``.
            The model is found by class name (case-insensitive) among the
            classes mapped under the installed bases; many-to-one
            relationships are given by key, many-to-many ones as lists of keys.
        base: look models up among the classes under this declarative base
            only (default: under every installed base).

    Every object is flushed with ``raw=True`` in ``pre_save`` / ``post_save``
    (an existing key is an UPDATE, ``created=False``); many-to-many links are
    made after all objects, sending ``m2m_changed``. Nothing is committed:
    the caller commits (or rolls back) the session's transaction.

    Raises:
        ValueError: the fixture is not in Django's format, or names a field
            the model does not have.
        LookupError: it names a model no installed base maps, or links to
            a key that does not exist.
    """
    entries = _read(fixture)
    mappers = _mappers(base)
    built = [(entry, _mapper(entry.get("model"), mappers)) for entry in entries]
    pending: list[tuple[object, Mapper[Any], dict[str, list[Any]]]] = []
    with loading_raw():
        for entry, mapper in built:
            values, links = _values(mapper, entry)
            identity = tuple(
                values.get(mapper.get_property_by_column(column).key)
                for column in mapper.primary_key
            )
            existing = session.get(mapper.class_, identity) if None not in identity else None
            if existing is None:
                instance = mapper.class_(**values)
                session.add(instance)
            else:
                instance = existing
                for key, value in values.items():
                    setattr(instance, key, value)
            pending.append((instance, mapper, links))
        session.flush()
        for instance, mapper, links in pending:
            for name, keys in links.items():
                other = mapper.relationships[name].mapper.class_
                setattr(instance, name, [_linked(session, other, key, name) for key in keys])
        session.flush()
    _reset_sequences(session, {mapper for _, mapper in built})
    return len(built)


def _linked(session: Session, model: type[Any], key: Any, name: str) -> object:
    found = session.get(model, key)
    if found is None:
        raise LookupError(
            f"The fixture links {name!r} to {model.__name__} {key!r}, which is neither in "
            "the fixture nor in the database."
        )
    return found


def _reset_sequences(session: Session, mappers: set[Mapper[Any]]) -> None:
    """Move PostgreSQL's key sequences past the keys the fixture gave explicitly."""
    for mapper in sorted(mappers, key=lambda m: m.class_.__name__):
        if session.get_bind(mapper).dialect.name != "postgresql":
            continue
        (pk_column,) = mapper.primary_key
        python_type: type = pk_column.type.python_type
        if python_type is not int:
            continue
        table = pk_column.table
        highest = session.scalar(select(func.max(pk_column)))
        if highest is None:
            continue
        session.execute(
            text("SELECT setval(pg_get_serial_sequence(:table, :column), :value)"),
            {"table": table.fullname, "column": pk_column.name, "value": highest},
        )
