"""One Tortoise listener per model and signal, forwarding to the dispatcher.

Tortoise keeps listeners per exact model class and awaits them all with
``asyncio.gather``: several listeners would interleave, and a plain function
listener breaks the save after the row is written. So each model gets exactly
one listener per signal from here (registering is idempotent), and our
dispatcher calls the receivers in their order, sync or async, with the error
rules of ``Signal.send``: a ``pre_save`` receiver that raises stops the save.
"""

from __future__ import annotations

import weakref
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.models import Model
from tortoise.signals import Signals

from fastdjango.core.signals import post_delete, post_save, pre_delete, pre_save

from ._cascades import collect_cascade
from ._labels import register_model

__all__ = ["connect_model", "loading_raw"]

_RAW: ContextVar[bool] = ContextVar("fastdjango_tortoise_raw", default=False)

#: Models whose label is registered (their app is known).
_labelled: weakref.WeakSet[type[Model]] = weakref.WeakSet()

#: Objects found by a pre_delete, by id of the deleted instance, for its post_delete.
_cascades: dict[int, tuple[Model, list[Model]]] = {}


@contextmanager
def loading_raw() -> Iterator[None]:
    """Saves made inside the block send ``raw=True`` (fixture loading)."""
    token = _RAW.set(True)
    try:
        yield
    finally:
        _RAW.reset(token)


def _using(db: BaseDBAsyncClient | None, model: type[Model]) -> str:
    return (db or model._meta.db).connection_name


def _label(model: type[Model]) -> None:
    # Models defined after install() get their label on first use.
    if model not in _labelled and register_model(model):
        _labelled.add(model)


async def _pre_save(
    sender: type[Model],
    instance: Model,
    using_db: BaseDBAsyncClient | None,
    update_fields: Iterable[str] | None,
) -> None:
    _label(sender)
    await pre_save.send(
        sender,
        instance=instance,
        raw=_RAW.get(),
        using=_using(using_db, sender),
        update_fields=frozenset(update_fields) if update_fields else None,
    )


async def _post_save(
    sender: type[Model],
    instance: Model,
    created: bool,
    using_db: BaseDBAsyncClient | None,
    update_fields: Iterable[str] | None,
) -> None:
    await post_save.send(
        sender,
        instance=instance,
        created=created,
        raw=_RAW.get(),
        using=_using(using_db, sender),
        update_fields=frozenset(update_fields) if update_fields else None,
    )


async def _pre_delete(
    sender: type[Model], instance: Model, using_db: BaseDBAsyncClient | None
) -> None:
    _label(sender)
    db = using_db or sender._meta.db
    cascaded = await collect_cascade(instance, db)
    await _send_each(pre_delete, cascaded, instance, db.connection_name)
    await pre_delete.send(sender, instance=instance, using=db.connection_name, origin=instance)
    if cascaded:
        _cascades[id(instance)] = (instance, cascaded)


async def _post_delete(
    sender: type[Model], instance: Model, using_db: BaseDBAsyncClient | None
) -> None:
    using = _using(using_db, sender)
    found = _cascades.pop(id(instance), None)
    if found is not None and found[0] is instance:
        await _send_each(post_delete, found[1], instance, using)
    await post_delete.send(sender, instance=instance, using=using, origin=instance)


async def _send_each(signal: Any, objects: list[Model], origin: Model, using: str) -> None:
    for obj in objects:
        _label(type(obj))
        await signal.send(type(obj), instance=obj, using=using, origin=origin)


_LISTENERS: tuple[tuple[Signals, Any], ...] = (
    (Signals.pre_save, _pre_save),
    (Signals.post_save, _post_save),
    (Signals.pre_delete, _pre_delete),
    (Signals.post_delete, _post_delete),
)


def connect_model(model: type[Model]) -> None:
    """Make ``model`` send the four save and delete signals (idempotent)."""
    for signal, listener in _LISTENERS:
        model.register_listener(signal, listener)
