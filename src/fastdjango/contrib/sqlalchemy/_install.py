"""``install(Base)``: the models of a declarative base send the model signals."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event, inspect
from sqlalchemy.orm import Mapper

from fastdjango.core.signals import MODEL_SIGNALS, m2m_changed

from ._instances import hook_base, hook_mapper, watch_init_connections
from ._labels import check_existing, check_label, check_relation_label, mappers_under
from ._m2m import track_m2m
from ._outbox import listen_for_create
from ._saves import MAPPER_EVENTS
from ._session import installed_bases, listen_to_sessions
from ._snapshots import install_snapshots, register_label
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
    these models, building one (in code, or from a loaded row) sends
    ``pre_init`` and ``post_init``, ``on_commit=True`` receivers wait for
    the session's commit, ``"<app_label>.<Model>"`` senders name these
    classes (one that names nothing is a ``LookupError``), and
    many-to-many attributes have ``.through`` (the association table, the
    ``m2m_changed`` sender). For durable receivers, instances travel as
    snapshots of their columns and classes by their label
    (``"<module>.<qualname>"``), and ``base.metadata.create_all()`` also
    creates the outbox table (see :func:`configure_outbox`). Calling it
    again with the same base (or a class under it) changes nothing.

    Raises:
        TypeError: ``base`` is not a class SQLAlchemy maps models under.
        ValueError: a class under ``base`` was installed on its own before.
        LookupError: a string sender already connected to a model signal
            names no class under an installed base (no relation, for
            ``m2m_changed``); nothing is installed then.
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
    check_existing(base)
    listen_to_sessions()
    watch_init_connections()
    install_snapshots(bases)
    listen_for_create(base)
    for name, listener in MAPPER_EVENTS:
        event.listen(base, name, listener, propagate=True)
    event.listen(base, "after_mapper_constructed", _constructed, propagate=True)
    event.listen(base, "mapper_configured", _configured, propagate=True)
    for mapper in mappers_under(base):
        register_label(mapper)
        if mapper.configured:
            _configured(mapper, mapper.class_)
        else:
            attach_through(mapper)
    bases.append(base)
    hook_base(base)
    for signal in MODEL_SIGNALS:  # from now on, string senders must name something
        signal.add_sender_check(check_relation_label if signal is m2m_changed else check_label)


def _constructed(mapper: Mapper[Any], _class: type) -> None:
    attach_through(mapper)
    register_label(mapper)
    hook_mapper(mapper)


def _configured(mapper: Mapper[Any], _class: type) -> None:
    # A backref attribute is added to the other class while this one is configured.
    attach_through(mapper)
    for prop in mapper.relationships:
        attach_through(prop.mapper)
    track_m2m(mapper)
