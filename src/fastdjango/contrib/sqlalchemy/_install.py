"""``install(Base)``: the models of a declarative base send the model signals."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event, inspect
from sqlalchemy.orm import Mapper

from ._m2m import track_m2m
from ._saves import MAPPER_EVENTS
from ._session import installed_bases, listen_to_sessions
from ._through import attach_through

__all__ = ["install"]


def install(base: type) -> None:
    """Make every class mapped under ``base`` send the model signals.

    Args:
        base: the declarative base the models subclass: a
            ``DeclarativeBase`` subclass, the class ``declarative_base()``
            returned, or ``sqlmodel.SQLModel``. Classes mapped later under
            it send the signals too.

    Afterwards ``Session`` and ``AsyncSession`` flushes send ``pre_save``,
    ``post_save``, ``pre_delete``, ``post_delete`` and ``m2m_changed`` for
    these models, ``on_commit=True`` receivers wait for the session's
    commit, and many-to-many attributes have ``.through`` (the association
    table, the ``m2m_changed`` sender). Calling it again with the same base
    (or a class under it) changes nothing.

    Raises:
        TypeError: ``base`` is not a class SQLAlchemy maps models under.
        ValueError: a class under ``base`` was installed on its own before.
    """
    if not isinstance(base, type) or not (
        hasattr(base, "metadata") or inspect(base, raiseerr=False) is not None
    ):
        raise TypeError(
            "install() takes the declarative base your models subclass (a DeclarativeBase "
            f"subclass, declarative_base()'s class, or sqlmodel.SQLModel), got {base!r}."
        )
    bases = installed_bases()
    if any(issubclass(base, done) for done in bases):
        return
    covered = [done for done in bases if issubclass(done, base)]
    if covered:
        raise ValueError(
            f"install({base.__name__}) would signal twice for {covered[0].__name__}, "
            f"installed before: install the declarative base once, before any model under it."
        )
    listen_to_sessions()
    for name, listener in MAPPER_EVENTS:
        event.listen(base, name, listener, propagate=True)
    event.listen(base, "after_mapper_constructed", _constructed, propagate=True)
    event.listen(base, "mapper_configured", _configured, propagate=True)
    for mapper in _mappers_under(base):
        if mapper.configured:
            _configured(mapper, mapper.class_)
        else:
            attach_through(mapper)
    bases.append(base)


def _constructed(mapper: Mapper[Any], _class: type) -> None:
    attach_through(mapper)


def _configured(mapper: Mapper[Any], _class: type) -> None:
    # A backref attribute is added to the other class while this one is configured.
    attach_through(mapper)
    for prop in mapper.relationships:
        attach_through(prop.mapper)
    track_m2m(mapper)


def _mappers_under(base: type) -> list[Mapper[Any]]:
    found: list[Mapper[Any]] = []
    seen: set[type] = set()
    stack = [base]
    while stack:
        cls = stack.pop()
        if cls in seen:
            continue
        seen.add(cls)
        mapper: object = inspect(cls, raiseerr=False)
        if isinstance(mapper, Mapper):
            found.append(mapper)
        stack.extend(cls.__subclasses__())
    return found
