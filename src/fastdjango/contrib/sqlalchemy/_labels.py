"""String senders for SQLAlchemy models: ``sender="blog.Post"`` names ``Post``.

SQLAlchemy has no app labels, so the app part of ``"<app_label>.<Model>"``
is read the way Django derives one: a part of the module path of the class
(``"blog.Post"`` names a class ``Post`` defined in ``blog.models``, say,
and so does ``"models.Post"``). ``"<app_label>.<Model>_<attr>"`` names the
association table of ``Model.attr`` (the ``m2m_changed`` sender). Both
match case-insensitively. Once ``install()`` ran, a string sender of a model
signal has to name one of them, or a label another integration registered;
anything else (``"User"``, ``"blog.Post.tags.through"``) is a
``LookupError`` listing the labels there are, because such a receiver would
never run. A label that names classes of two bases is refused as ambiguous.

In a process that uses the Tortoise integration too, a label Tortoise
knows is Tortoise's, and one that names no SQLAlchemy class is left to
Tortoise's rules (its labels may be connected before ``Tortoise.init()``).
"""

from __future__ import annotations

import sys
from typing import Any

from sqlalchemy import inspect
from sqlalchemy.orm import Mapper

from fastdjango.core.signals import MODEL_SIGNALS, alias_sender, m2m_changed, resolve_alias

from ._session import installed_bases

__all__ = ["check_existing", "check_label", "check_relation_label", "mappers_under"]


def mappers_under(base: type) -> list[Mapper[Any]]:
    """The mappers of ``base`` and of every class under it, each once."""
    found: list[Mapper[Any]] = []
    seen: set[type] = set()
    stack = [base]
    while stack:
        cls = stack.pop()
        if cls in seen:
            continue
        seen.add(cls)
        mapper: object = inspect(cls, raiseerr=False)
        if isinstance(mapper, Mapper) and mapper not in found:
            found.append(mapper)
        stack.extend(cls.__subclasses__())
    return found


def _known(relation: bool, bases: list[type]) -> list[tuple[str, Any, str]]:
    """``(label, class or association table, how to show it)`` for every label."""
    known: list[tuple[str, Any, str]] = []
    for base in bases:
        for mapper in mappers_under(base):
            cls = mapper.class_
            named: list[tuple[str, Any]] = (
                [
                    (f"{cls.__name__}_{p.key}", p.secondary)
                    for p in mapper.relationships
                    if p.secondary is not None
                ]
                if relation
                else [(cls.__name__, cls)]
            )
            for name, target in named:
                shown = f"{name} ({cls.__module__})"
                known.extend(
                    (f"{app}.{name}", target, shown)
                    for app in dict.fromkeys(cls.__module__.split("."))
                )
    return known


def _tortoise_labels() -> Any:
    """The Tortoise integration's label rules, when it is in use (never imported here)."""
    return sys.modules.get("fastdjango.contrib.tortoise._labels")


def _check(sender: object, *, relation: bool, bases: list[type]) -> None:
    if not isinstance(sender, str) or resolve_alias(sender) is not None:
        return  # objects are senders as they are; a registered label stands for its target
    tortoise = _tortoise_labels()
    if tortoise is not None and tortoise.knows_label(sender, relation=relation):
        return  # Tortoise's check names it
    known = _known(relation, bases)
    folded = sender.casefold()
    matches = list({id(t): t for label, t, _ in known if label.casefold() == folded}.values())
    itself = "relation's through itself (Post.tags.through)" if relation else "class itself"
    if len(matches) == 1:
        alias_sender(sender, matches[0])  # this spelling stands for it from now on
        return
    if len(matches) > 1:
        raise LookupError(
            f"Sender {sender!r} is ambiguous: it names {len(matches)} SQLAlchemy "
            f"{'association tables' if relation else 'models'}. Pass the {itself}."
        )
    if tortoise is not None:
        return  # maybe a Tortoise label connected before Tortoise.init(): its rules decide
    listing = ", ".join(sorted({shown for _, _, shown in known})) or "none"
    what = "many-to-many relation" if relation else "model"
    form = "<app_label>.<Model>_<attribute>" if relation else "<app_label>.<Model>"
    raise LookupError(
        f"Sender {sender!r} names no SQLAlchemy {what} under an installed base, so a receiver "
        f"connected with it would never run. Use {form!r}, the app label being a part of the "
        f"class's module path (known: {listing}), or pass the {itself}."
    )


def check_label(sender: object) -> None:
    """Refuse a string sender of a save, delete or init signal that names no model.

    Raises:
        LookupError: the label names no mapped class, or two.
    """
    _check(sender, relation=False, bases=installed_bases())


def check_relation_label(sender: object) -> None:
    """:func:`check_label` for ``m2m_changed``: a string must name a relation.

    Raises:
        LookupError: the label names no association table, or two.
    """
    _check(sender, relation=True, bases=installed_bases())


def check_existing(base: type) -> None:
    """Check the string senders connected so far as if ``base`` were installed.

    ``install()`` calls it before it changes anything, so a refused label
    leaves nothing half-installed.

    Raises:
        LookupError: a connected label names no model (no relation, for
            ``m2m_changed``).
    """
    bases = [*installed_bases(), base]
    for signal in MODEL_SIGNALS:
        for connection in signal.connections():
            _check(connection.sender.sender(), relation=signal is m2m_changed, bases=bases)
