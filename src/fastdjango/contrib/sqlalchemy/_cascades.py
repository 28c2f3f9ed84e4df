"""``origin`` for deletes: the object whose ``session.delete()`` started them.

``session.delete(parent)`` with ``cascade="all"`` (or ``"delete"``) marks
the children deleted too; each gets ``pre_delete`` / ``post_delete`` from
the mapper events like any deleted object, and here, at ``before_flush``,
each is mapped to the object it was cascaded from. Objects removed from a
``delete-orphan`` collection are deleted by the flush itself (they are not
in ``session.deleted`` before it): they get their signals, with themselves
as ``origin``. Relationships with ``passive_deletes=True`` leave the
children to the database's ``ON DELETE CASCADE``: no object is loaded, so
nothing is signalled for them.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm.attributes import instance_state

__all__ = ["cascade_origins"]


def cascade_origins(deleted: list[Any]) -> dict[int, object]:
    """For each object a delete of ``deleted`` cascades to (by ``id``), its origin.

    An object reached from another deleted object belongs to the outermost
    one; objects nobody cascades to are their own origin (not listed).
    """
    reached: dict[int, list[object]] = {}
    for obj in deleted:
        state = instance_state(obj)
        reached[id(obj)] = [
            child for child, *_ in state.manager.mapper.cascade_iterator("delete", state)
        ]
    cascaded = {id(child) for children in reached.values() for child in children}
    origins: dict[int, object] = {}
    for obj in deleted:
        if id(obj) in cascaded:
            continue
        for child in reached[id(obj)]:
            origins.setdefault(id(child), obj)
    return origins
