"""The save and delete signals, sent inline from Tortoise's own hooks.

Tortoise's ``save()`` and ``delete()`` call ``Model._pre_save``,
``_post_save``, ``_pre_delete`` and ``_post_delete``, which run the listeners
registered with Tortoise through ``asyncio.gather``: a Task per listener, and
the save suspends until the event loop has run them. That costs more than the
save's own Python work, so the signals are not sent from a Tortoise listener.
Instead those four methods are replaced once, process-wide
(:func:`patch_model_hooks`): for a model connected here they send the signal
in the save's own task and context (receivers run one after another, sync or
async, with the error rules of ``Signal.send``: a ``pre_save`` receiver that
raises stops the save), then hand over to Tortoise's own ``_wait_for_listeners``
only if listeners were registered with Tortoise for that model. A model
nobody connected behaves exactly as Tortoise's.

``delete()`` is wrapped too, so the objects collected for a cascade in
``pre_delete`` are dropped when the delete ends, whether it succeeded or not.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, Final

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.models import Model
from tortoise.signals import Signals

from fastdjango.core.signals import Signal, post_delete, post_save, pre_delete, pre_save

from ._cascades import collect_cascade
from ._labels import register_model

__all__ = ["CONNECTED", "connect_model", "loading_raw", "patch_model_hooks", "pending_cascades"]

_RAW: ContextVar[bool] = ContextVar("fastdjango_tortoise_raw", default=False)

#: In a connected model's own ``__dict__``: False until its label is registered.
CONNECTED: Final = "__fastdjango_signals__"
_MARK: Final = "__fastdjango_model_hook__"

#: Objects found by a pre_delete, by id of the deleted instance, for its
#: post_delete; the ``delete()`` call removes its entry when it ends.
_cascades: dict[int, tuple[Model, list[Model]]] = {}

#: Tortoise's own listeners, per exact model class, for each signal.
_LISTENING_PRE_SAVE: Final = Model._listeners[Signals.pre_save]
_LISTENING_POST_SAVE: Final = Model._listeners[Signals.post_save]
_LISTENING_PRE_DELETE: Final = Model._listeners[Signals.pre_delete]
_LISTENING_POST_DELETE: Final = Model._listeners[Signals.post_delete]


@contextmanager
def loading_raw() -> Iterator[None]:
    """Saves made inside the block send ``raw=True`` (fixture loading)."""
    token = _RAW.set(True)
    try:
        yield
    finally:
        _RAW.reset(token)


def pending_cascades() -> int:
    """How many deletes are between their ``pre_delete`` and ``post_delete`` now."""
    return len(_cascades)


def connect_model(model: type[Model]) -> None:
    """Make ``model`` send the four save and delete signals (idempotent)."""
    patch_model_hooks()
    if CONNECTED not in model.__dict__:
        setattr(model, CONNECTED, False)
    _label(model)


def _label(model: type[Model]) -> None:
    # Models defined after install() get their label once their app is known.
    if not model.__dict__[CONNECTED] and register_model(model):
        setattr(model, CONNECTED, True)


def _frozen(update_fields: Iterable[str] | None) -> frozenset[str] | None:
    return frozenset(update_fields) if update_fields else None


async def _pre_save(
    self: Model,
    using_db: BaseDBAsyncClient | None = None,
    update_fields: Iterable[str] | None = None,
) -> None:
    model = type(self)
    labelled = model.__dict__.get(CONNECTED)
    if labelled is not None:
        if not labelled:
            _label(model)
        await pre_save.send(
            model,
            instance=self,
            raw=_RAW.get(),
            using=(using_db or model._meta.db).connection_name,
            update_fields=_frozen(update_fields),
        )
    if _LISTENING_PRE_SAVE.get(model):
        await self._wait_for_listeners(Signals.pre_save, using_db, update_fields)


async def _post_save(
    self: Model,
    using_db: BaseDBAsyncClient | None = None,
    created: bool = False,
    update_fields: Iterable[str] | None = None,
) -> None:
    model = type(self)
    if CONNECTED in model.__dict__:
        await post_save.send(
            model,
            instance=self,
            created=created,
            raw=_RAW.get(),
            using=(using_db or model._meta.db).connection_name,
            update_fields=_frozen(update_fields),
        )
    if _LISTENING_POST_SAVE.get(model):
        await self._wait_for_listeners(Signals.post_save, created, using_db, update_fields)


async def _pre_delete(self: Model, using_db: BaseDBAsyncClient | None = None) -> None:
    model = type(self)
    labelled = model.__dict__.get(CONNECTED)
    if labelled is not None:
        if not labelled:
            _label(model)
        db = using_db or model._meta.db
        using = db.connection_name
        cascaded = await collect_cascade(self, db)
        if cascaded:
            await _send_each(pre_delete, cascaded, self, using)
        await pre_delete.send(model, instance=self, using=using, origin=self)
        if cascaded:
            _cascades[id(self)] = (self, cascaded)
    if _LISTENING_PRE_DELETE.get(model):
        await self._wait_for_listeners(Signals.pre_delete, using_db)


async def _post_delete(self: Model, using_db: BaseDBAsyncClient | None = None) -> None:
    model = type(self)
    if CONNECTED in model.__dict__:
        using = (using_db or model._meta.db).connection_name
        found = _cascades.pop(id(self), None) if _cascades else None
        if found is not None and found[0] is self:
            await _send_each(post_delete, found[1], self, using)
        await post_delete.send(model, instance=self, using=using, origin=self)
    if _LISTENING_POST_DELETE.get(model):
        await self._wait_for_listeners(Signals.post_delete, using_db)


async def _send_each(signal: Signal, objects: list[Model], origin: Model, using: str) -> None:
    for obj in objects:
        model = type(obj)
        if model.__dict__.get(CONNECTED) is False:
            _label(model)
        await signal.send(model, instance=obj, using=using, origin=origin)


def _wrap_delete(delete: Callable[..., Any]) -> Callable[..., Any]:
    async def delete_and_forget(self: Model, using_db: BaseDBAsyncClient | None = None) -> None:
        try:
            await delete(self, using_db)
        finally:
            # A delete that failed after pre_delete (a RESTRICT foreign key, a
            # raising receiver) never reached post_delete: forget its cascade.
            if _cascades:
                found = _cascades.get(id(self))
                if found is not None and found[0] is self:
                    del _cascades[id(self)]

    return delete_and_forget


_HOOKS: Final[dict[str, Callable[..., Any]]] = {
    "_pre_save": _pre_save,
    "_post_save": _post_save,
    "_pre_delete": _pre_delete,
    "_post_delete": _post_delete,
}


def patch_model_hooks() -> None:
    """Replace Tortoise's four signal hooks and wrap ``delete()`` (idempotent)."""
    if getattr(Model.__dict__["_pre_save"], _MARK, False):
        return
    for name, hook in _HOOKS.items():
        hook.__doc__ = Model.__dict__[name].__doc__
        setattr(hook, _MARK, True)
        setattr(Model, name, hook)
    original = Model.__dict__["delete"]
    wrapped = _wrap_delete(original)
    wrapped.__doc__ = original.__doc__
    wrapped.__name__ = wrapped.__qualname__ = "delete"
    Model.delete = wrapped  # type: ignore[method-assign]
