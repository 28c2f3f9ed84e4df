"""String senders for SQLAlchemy models: ``sender="blog.Post"`` names ``Post``.

SQLAlchemy has no app labels, so a label is matched by its last part, the
way ``loaddata`` matches fixture models: ``"<app_label>.<Model>"`` names the
class ``Model`` mapped under an installed base, ``"<app_label>.<Model>_<attr>"``
the association table of ``Model.attr`` (the ``m2m_changed`` sender), both
case-insensitively. Once ``install()`` ran, a string sender of a model signal
has to name one of them (or be a label another integration registered, or,
with the Tortoise integration imported, one Tortoise's rules judge);
anything else (``"User"`` with no ``User`` model, ``"blog.Post.tags.through"``)
is a ``LookupError`` listing the labels there are, because such a receiver
would never run. A label that matches classes of two bases is refused as
ambiguous: pass the class itself.
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


def _known(relation: bool, bases: list[type]) -> dict[str, list[tuple[str, Any]]]:
    """Folded name -> (its spelling, the class or association table) it can name."""
    known: dict[str, list[tuple[str, Any]]] = {}
    for base in bases:
        for mapper in mappers_under(base):
            cls = mapper.class_
            if not relation:
                known.setdefault(cls.__name__.casefold(), []).append((cls.__name__, cls))
                continue
            for prop in mapper.relationships:
                if prop.secondary is not None:
                    name = f"{cls.__name__}_{prop.key}"
                    known.setdefault(name.casefold(), []).append((name, prop.secondary))
    return known


def _tortoise_decides() -> bool:
    """True when the Tortoise integration is in use: its own rules judge other labels.

    Its labels may be connected before ``Tortoise.init()`` names them, and it
    refuses the ones that name nothing once it is initialised.
    """
    return "fastdjango.contrib.tortoise" in sys.modules


def _check(sender: object, *, relation: bool, bases: list[type]) -> None:
    if not isinstance(sender, str) or resolve_alias(sender) is not None:
        return  # objects are senders as they are; a registered label stands for its target
    known = _known(relation, bases)
    matches = known.get(sender.rpartition(".")[2].casefold(), [])
    itself = "relation's through itself (Post.tags.through)" if relation else "class itself"
    if len(matches) == 1:
        alias_sender(sender, matches[0][1])  # this spelling stands for it from now on
        return
    if len(matches) > 1:
        raise LookupError(
            f"Sender {sender!r} is ambiguous: it names {len(matches)} SQLAlchemy "
            f"{'association tables' if relation else 'models'} of different bases. "
            f"Pass the {itself}."
        )
    if _tortoise_decides():
        return
    listing = ", ".join(sorted(f"<app_label>.{name}" for ms in known.values() for name, _ in ms))
    what = "many-to-many relation" if relation else "model"
    form = "<app_label>.<Model>_<attribute>" if relation else "<app_label>.<Model>"
    raise LookupError(
        f"Sender {sender!r} names no SQLAlchemy {what} under an installed base, so a receiver "
        f"connected with it would never run. Use {form!r} (known: {listing or 'none'}), or "
        f"pass the {itself}."
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
