"""Mapped classes by label, and instances as snapshots of their columns, for durable events.

A class mapped under an installed base is labelled ``"<module>.<qualname>"``
(``"shop.models.Order"``): the label is what a durable event carries for a
model class sender, and what names the class of a snapshot. Workers find the
class again once they imported the module and called ``install(Base)``.

An instance travels as ``{column attribute: value}`` of the columns loaded
at send time (reading them runs no query: an expired or deferred column is
left out, and is unloaded on the arriving instance). It arrives as a new,
transient instance of its class with those values, built without calling
``__init__`` and without a query, so also after the row was deleted.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import inspect
from sqlalchemy.orm import Mapper
from sqlalchemy.orm.attributes import instance_state

from fastdjango.core.signals import alias_sender, resolve_alias
from fastdjango.durable._codec import register_model_codec

__all__ = ["SQLAlchemyModels", "install_snapshots", "label_of", "register_label"]


def label_of(cls: type) -> str:
    """``"<module>.<qualname>"``: the label a mapped class travels by."""
    return f"{cls.__module__}.{cls.__qualname__}"


def register_label(mapper: Mapper[Any]) -> None:
    """Let the label of ``mapper``'s class stand for the class."""
    alias_sender(label_of(mapper.class_), mapper.class_)


def _mapper_of(value: object) -> Mapper[Any] | None:
    try:
        state = instance_state(value)
    except Exception:  # not an instrumented instance
        return None
    return state.mapper


class SQLAlchemyModels:
    """Snapshots of instances of classes mapped under an installed base."""

    def __init__(self, bases: list[type]) -> None:
        self._bases = bases

    def snapshot(self, value: object) -> tuple[str, dict[str, Any]] | None:
        """``(label, {column attribute: loaded value})`` for an installed model instance."""
        bases = tuple(self._bases)
        if not bases or not isinstance(value, bases):
            return None
        mapper = _mapper_of(value)
        if mapper is None:
            return None
        loaded = instance_state(value).dict
        fields = {prop.key: loaded[prop.key] for prop in mapper.column_attrs if prop.key in loaded}
        return label_of(mapper.class_), fields

    def restore(self, label: str, fields: dict[str, Any]) -> object:
        """A transient instance of the class labelled ``label`` with ``fields`` set.

        Raises:
            LookupError: No class mapped under an installed base has that label.
        """
        cls = resolve_alias(label)
        if not isinstance(cls, type) or not issubclass(cls, tuple(self._bases)):
            raise LookupError(label)
        mapper: object = inspect(cls, raiseerr=False)
        if not isinstance(mapper, Mapper):
            raise LookupError(label)
        instance = mapper.class_manager.new_instance()
        state = instance_state(instance)
        columns = {prop.key for prop in mapper.column_attrs}
        for key, value in fields.items():
            if key in columns:
                state.dict[key] = value
        return instance


def install_snapshots(bases: list[type]) -> None:
    """Register the codec over ``bases`` (the live list of installed bases), once."""
    global _models
    if _models is None:
        _models = SQLAlchemyModels(bases)
        register_model_codec(_models)


_models: SQLAlchemyModels | None = None
