"""``m2m_changed`` for ``relationship(secondary=...)``: net changes, once per pair.

At ``before_flush`` each new or dirty object's many-to-many collections are
read through their attribute history (no ``SELECT``: unloaded collections are
not loaded). The history is net: append t1, append t2, remove t2 is an add of
t1 alone. For each relationship, ``pre_remove`` / ``pre_add`` (or
``pre_clear``) are sent before the flush writes, with the keys known then (a
new member that has no key yet is missing); ``post_*`` after it, with the
exact keys. A collection the flush leaves empty that had members (``clear()``,
assigning ``[]``, removing the last member) sends ``pre_clear`` /
``post_clear`` with ``pk_set=None``.

One change, one signal. With a backref, ``tag.posts`` mirrors ``post.tags``;
the side the code changed sends (``instance`` is its object), the mirror
stays quiet. When the history alone decides (objects built with their
collections), the *forward* side sends: ``reverse`` is False on the side
that declares ``backref=``; with ``back_populates=`` on both sides, on the
side whose key comes first among the association table's columns (declare
``post_id`` before ``tag_id`` and ``Post.tags`` is forward).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, Final

from sqlalchemy import event
from sqlalchemy.orm import Mapper, RelationshipProperty, Session
from sqlalchemy.orm.attributes import instance_state
from sqlalchemy.orm.state import InstanceState

from fastdjango.core.signals import m2m_changed

from ._bridge import engine_name, send, wanted
from ._changes import identity

__all__ = ["collect_m2m", "track_m2m"]

_CLAIMS: Final = "fastdjango_m2m_claims"
_TRACKED: Final = "fastdjango_m2m_tracked"

Rel = RelationshipProperty[Any]

_props: dict[Mapper[Any], tuple[Rel, ...]] = {}


def _m2m_props(mapper: Mapper[Any]) -> tuple[Rel, ...]:
    props = _props.get(mapper)
    if props is None:
        props = _props[mapper] = tuple(
            prop
            for prop in mapper.relationships
            if prop.secondary is not None and not prop.viewonly
        )
    return props


def _mirror(prop: Rel) -> Rel | None:
    name = prop.back_populates
    if not name:
        return None
    relationships = prop.mapper.relationships
    return relationships[name] if name in relationships else None


def _column_position(prop: Rel) -> int:
    assert prop.secondary is not None
    keys = [column.key for column in prop.secondary.columns]
    _, secondary_column = prop.synchronize_pairs[0]
    key = getattr(secondary_column, "key", None)
    return keys.index(key) if key in keys else len(keys)


def is_forward(prop: Rel) -> bool:
    """Is ``prop`` the side whose sends carry ``reverse=False``?"""
    mirror = _mirror(prop)
    if mirror is None or prop.backref:
        return True
    if mirror.backref:
        return False
    return (_column_position(prop), prop.key) < (_column_position(mirror), mirror.key)


def _claims(state: InstanceState[Any]) -> set[tuple[str, int]]:
    claims: set[tuple[str, int]] | None = state.info.get(_CLAIMS)
    if claims is None:
        claims = state.info[_CLAIMS] = set()
    return claims


def track_m2m(mapper: Mapper[Any]) -> None:
    """Remember which side code changes, for each m2m relationship (idempotent)."""
    for prop in _m2m_props(mapper):
        if prop.info.get(_TRACKED):
            continue
        prop.info[_TRACKED] = True
        listener = _claimer(prop)
        event.listen(prop.class_attribute, "append", listener, propagate=True)
        event.listen(prop.class_attribute, "remove", listener, propagate=True)


def _claimer(prop: Rel) -> Callable[[object, object, Any], None]:
    def claim(target: object, value: object, initiator: Any) -> None:
        impl = getattr(initiator, "impl", None)
        if impl is not None and impl.parent_token is not prop:
            return  # the backref mirror of a change made on the other side
        _claims(instance_state(target)).add((prop.key, id(value)))
        mirror = _mirror(prop)
        if mirror is not None and value is not None:
            other = instance_state(value).info.get(_CLAIMS)
            if other:
                other.discard((mirror.key, id(target)))

    return claim


def _sends_here(prop: Rel, state: InstanceState[Any], member: object) -> bool:
    if (prop.key, id(member)) in state.info.get(_CLAIMS, ()):
        return True
    mirror = _mirror(prop)
    if mirror is None:
        return True
    if (mirror.key, id(state.obj())) in instance_state(member).info.get(_CLAIMS, ()):
        return False
    return is_forward(prop)


def _keys(members: Iterable[object]) -> set[Any]:
    return {key for m in members if (key := identity(instance_state(m))) is not None}


def collect_m2m(session: Session, objects: Iterable[object], after: list[Any]) -> None:
    """Send the ``pre_*`` of every changed m2m collection; queue the ``post_*``."""
    objects = list(objects)
    for obj in objects:
        state = instance_state(obj)
        mapper = state.mapper
        for prop in _m2m_props(mapper):
            through = prop.secondary
            if not wanted(m2m_changed, through):
                continue
            history = state.attrs[prop.key].history
            if not history.has_changes():
                continue
            added = [m for m in history.added if _sends_here(prop, state, m)]
            removed = [m for m in history.deleted if _sends_here(prop, state, m)]
            if not added and not removed:
                continue
            cleared = (
                bool(removed)
                and not added
                and not history.unchanged
                and len(removed) == len(history.deleted)
                and prop.key in state.dict
            )
            _send_change(session, obj, prop, added, removed, cleared, after)
    for obj in objects:
        instance_state(obj).info.pop(_CLAIMS, None)


def _send_change(
    session: Session,
    obj: object,
    prop: Rel,
    added: list[object],
    removed: list[object],
    cleared: bool,
    after: list[Any],
) -> None:
    connection = session.connection(bind_arguments={"mapper": instance_state(obj).mapper})
    common = {
        "instance": obj,
        "reverse": not is_forward(prop),
        "model": prop.mapper.class_,
        "using": engine_name(connection),
    }
    through = prop.secondary
    steps: list[tuple[str, list[object] | None]] = []
    if cleared:
        steps.append(("clear", None))
    elif removed:
        steps.append(("remove", removed))
    if added:
        steps.append(("add", added))

    def send_steps(when: str) -> None:
        for action, members in steps:
            pk_set = None if members is None else _keys(members)
            named = {**common, "action": f"{when}_{action}", "pk_set": pk_set}
            send(m2m_changed, through, session, connection, **named)

    send_steps("pre")
    after.append(lambda: send_steps("post"))
