"""The sender of ``m2m_changed``: one :class:`Through` per relation.

Tortoise's ``through`` is only a table name, and its relation attributes
(``Post.tags``) exist only after ``Tortoise.init``. Here each relation gets
one :class:`Through` object, made when the declaring model is defined, kept
on its field (so re-inits keep it) and shared by both sides
(``Post.tags.through is Tag.posts.through``). Subclasses of the base
``Model`` get ``Post.tags.through`` at class definition time, so seed 003's
module-level ``@m2m_changed.connect(sender=Post.tags.through)`` works in a
receivers module imported before init; after init the relation properties
Tortoise installs carry the same object (``finalise_model`` is wrapped).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final, cast

from tortoise.fields.relational import ManyToManyFieldInstance
from tortoise.models import MetaInfo, Model

from fastdjango.core.signals import alias_sender

__all__ = [
    "Through",
    "attach_through",
    "declare_throughs",
    "patch_finalise",
    "relation_label",
    "through_of",
]

_MARK: Final = "__fastdjango_through__"


class Through:
    """The sender of ``m2m_changed`` for one many-to-many relation.

    One object per relation, shared by both sides and kept across
    ``Tortoise.init`` calls; it exists from the moment the model declaring
    the ``ManyToManyField`` is defined, so ``Post.tags.through`` can be a
    sender before Tortoise is initialised (for subclasses of the base
    ``Model``; for plain Tortoise models, once ``install()`` ran).

    Attributes:
        table: the through table's name (``schema`` its schema, if any);
            None until Tortoise is initialised.
        model: the model declaring the ``ManyToManyField``; ``field`` its name.
        related_model: the other side (None until Tortoise is initialised);
            ``related_name`` the reverse name.
    """

    def __init__(self, declared: ManyToManyFieldInstance[Any]) -> None:
        self._declared = declared

    @property
    def table(self) -> str | None:
        return self._declared.through

    @property
    def schema(self) -> str | None:
        return self._declared.through_schema

    @property
    def model(self) -> type[Model] | None:
        return cast("type[Model] | None", self._declared.model)

    @property
    def field(self) -> str:
        return self._declared.model_field_name

    @property
    def related_model(self) -> type[Model] | None:
        return cast("type[Model] | None", getattr(self._declared, "related_model", None))

    @property
    def related_name(self) -> str:
        return self._declared.related_name or ""

    def __repr__(self) -> str:
        owner = self.model.__name__ if self.model is not None else "?"
        if self.table is None:
            return f"<Through {owner}.{self.field}>"
        return f"<Through {self.table!r}: {owner}.{self.field}>"


_THROUGH: Final = "_fastdjango_through"


def through_of(field: ManyToManyFieldInstance[Any]) -> Through:
    """The one :class:`Through` of the relation ``field`` belongs to (either side)."""
    through: Through | None = field.__dict__.get(_THROUGH)
    if through is None:
        declared = field
        if field._generated:  # the reverse side: find the declaring field
            declared = field.related_model._meta.fields_map[field.related_name]
        # setdefault: racing first uses agree on one object.
        through = declared.__dict__.setdefault(_THROUGH, Through(declared))
        field.__dict__[_THROUGH] = through
    return through


class _DeclaredRelation:
    """``Post.tags`` before ``Tortoise.init``: only its ``.through`` works."""

    def __init__(self, through: Through, name: str) -> None:
        self.through = through
        self._name = name

    def __get__(self, instance: object, owner: type[Any] | None = None) -> Any:
        if instance is None:
            return self
        raise AttributeError(
            f"{type(instance).__name__}.{self._name} is a many-to-many relation, usable "
            f"once Tortoise.init() has run."
        )


def declare_throughs(model: type[Model]) -> None:
    """Give the m2m attributes of a model being defined their ``.through`` now.

    Tortoise removes field attributes from the class and puts its relation
    properties back at init (when :func:`attach_through` takes over); until
    then ``Post.tags`` is a stand-in whose ``through`` is the relation's
    sender.
    """
    for name in model._meta.m2m_fields:
        field = cast(ManyToManyFieldInstance[Any], model._meta.fields_map[name])
        if not field._generated and name not in model.__dict__:
            setattr(model, name, _DeclaredRelation(through_of(field), name))


class _RelationDescriptor(property):
    """Tortoise's relation property, plus ``.through`` on the class attribute."""

    through: Through


def attach_through(model: type[Model]) -> None:
    """Give each m2m attribute of ``model`` its ``.through`` (after every init)."""
    for name in model._meta.m2m_fields:
        field = cast(ManyToManyFieldInstance[Any], model._meta.fields_map[name])
        through = through_of(field)
        if not field._generated and model._meta.app:
            alias_sender(relation_label(model, name), through)
        current = model.__dict__.get(name)
        if isinstance(current, property) and getattr(current, "through", None) is not through:
            descriptor = _RelationDescriptor(current.fget, current.fset, current.fdel)
            descriptor.through = through
            setattr(model, name, descriptor)


def relation_label(model: type[Model], name: str) -> str:
    """Django's name for the through model of ``model.<name>``: ``"app.Post_tags"``."""
    return f"{model._meta.app}.{model.__name__}_{name}"


def patch_finalise() -> None:
    """Attach ``.through`` whenever Tortoise finalises a model (idempotent)."""
    original: Callable[[MetaInfo], None] = MetaInfo.finalise_model
    if getattr(original, _MARK, False):
        return

    def finalise_model(self: MetaInfo) -> None:
        original(self)
        attach_through(self._model)

    finalise_model.__doc__ = original.__doc__
    setattr(finalise_model, _MARK, True)
    MetaInfo.finalise_model = finalise_model  # type: ignore[method-assign]
