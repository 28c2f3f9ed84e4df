"""Lazy senders: ``sender="models.Post"`` names a model by Tortoise's label.

Every model known to Tortoise is registered with the dispatcher under
``"<app_label>.<ModelName>"``, and each many-to-many relation's through object
under ``"<app_label>.<ModelName>_<field>"`` (Django's name for it). Once
``install()`` ran, a string sender of a model signal has to be one of them —
a model label for the save, delete and init signals, a relation label for
``m2m_changed`` — matched case-insensitively, as Django's lazy references
are; anything else (``"User"``, ``"models.Post.tags.through"``) is refused
with a ``LookupError`` that lists the known labels.
"""

from __future__ import annotations

from typing import Any, cast

from tortoise import Tortoise
from tortoise.fields.relational import ManyToManyFieldInstance
from tortoise.models import Model

from fastdjango.core.signals import Signal, alias_sender, resolve_alias

from ._through import Through, relation_label, through_of

__all__ = [
    "check_existing",
    "check_label",
    "check_relation_label",
    "knows_label",
    "label_of",
    "register_model",
    "wanted",
]


def label_of(model: type[Model]) -> str | None:
    """``"<app_label>.<ModelName>"``, or None before Tortoise knows the model."""
    app = model._meta.app
    return f"{app}.{model.__name__}" if app else None


def register_model(model: type[Model]) -> bool:
    """Let the model's label stand for it; False while it has no app yet."""
    label = label_of(model)
    if label is None:
        return False
    alias_sender(label, model)
    return True


def _known() -> tuple[dict[str, type[Model]], dict[str, Through]]:
    """The labels of the initialised apps: models, and many-to-many relations."""
    models: dict[str, type[Model]] = {}
    relations: dict[str, Through] = {}
    apps = Tortoise.apps
    for model in apps.get_models_iterable() if apps is not None else ():
        label = label_of(model)
        if label is None:
            continue
        models[label] = model
        for name in sorted(model._meta.m2m_fields):
            field = cast(ManyToManyFieldInstance[Any], model._meta.fields_map[name])
            if not field._generated:
                relations[relation_label(model, name)] = through_of(field)
    return models, relations


def _is_model(target: object) -> bool:
    return isinstance(target, type) and issubclass(target, Model)


def _named(
    label: str, models: dict[str, type[Model]], relations: dict[str, Through], *, relation: bool
) -> Any:
    """What ``label`` names among the known models (relations), in any case; or None."""
    folded = label.casefold()
    candidates: dict[str, Any] = relations if relation else models
    return next((found for known, found in candidates.items() if known.casefold() == folded), None)


def _check(sender: object, *, relation: bool) -> None:
    if not isinstance(sender, str) or Tortoise.apps is None:
        return  # objects are senders as they are; labels wait for init
    models, relations = _known()
    found = _named(sender, models, relations, relation=relation)
    if found is not None:
        # This spelling stands for it from now on (also when it stood for a
        # model of apps initialised before).
        alias_sender(sender, found)
        return
    target = resolve_alias(sender)
    if target is not None and not (isinstance(target, Through) or _is_model(target)):
        return  # another integration's label
    listing = (
        f"models: {', '.join(sorted(models)) or 'none'}; many-to-many relations "
        f"(senders of m2m_changed): {', '.join(sorted(relations)) or 'none'}"
    )
    if relation:
        raise LookupError(
            f"Sender {sender!r} names no Tortoise many-to-many relation: m2m_changed is sent "
            f"by a relation's through, named '<app_label>.<ModelName>_<field>' (known {listing}). "
            f"Pass the label of one, or the relation's through itself (Post.tags.through)."
        )
    raise LookupError(
        f"Sender {sender!r} names no Tortoise model. Use '<app_label>.<ModelName>' with an "
        f"app label given to Tortoise.init() (known {listing}), or pass the model class itself."
    )


def knows_label(label: str, *, relation: bool) -> bool:
    """Does ``label`` name a model (a relation) of the initialised apps, in any case?"""
    if Tortoise.apps is None:
        return False
    return _named(label, *_known(), relation=relation) is not None


def check_label(sender: object) -> None:
    """Refuse a string sender of a model signal that names no model (after init).

    A label in another case names the same model (``"models.post"``).

    Raises:
        LookupError: the label names no model of the initialised apps.
    """
    _check(sender, relation=False)


def check_relation_label(sender: object) -> None:
    """:func:`check_label` for ``m2m_changed``: a string must name a relation.

    Raises:
        LookupError: the label names no many-to-many relation.
    """
    _check(sender, relation=True)


def check_existing(signal: Signal, check: Any) -> None:
    """Run ``check`` over the senders already connected to ``signal``."""
    for connection in signal.connections():
        check(connection.sender.sender())


def wanted(signal: Signal, sender: object = None) -> bool:
    """Would a send reach anyone: a receiver, or a ``testing.capture`` block?

    Used to skip the extra queries that only serve receivers.
    """
    if sender is None:
        listened = signal.has_listeners()
    else:
        listened = signal.has_listeners(sender)
    return listened or signal.is_watched
