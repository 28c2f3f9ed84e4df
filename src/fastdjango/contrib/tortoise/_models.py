"""The project base model and its Django-style ``objects`` manager."""

from __future__ import annotations

import inspect
from typing import Any, ClassVar, Generic, TypeVar, overload

from tortoise import models
from tortoise.manager import Manager as TortoiseManager
from tortoise.queryset import QuerySet, QuerySetSingle
from tortoise.signals import Signals

from ._bridge import connect_model
from ._hooks import install_hooks
from ._through import declare_throughs

__all__ = ["Manager", "Model"]

M = TypeVar("M", bound=models.Model)
_M = TypeVar("_M", bound=models.Model)


class Manager(TortoiseManager, Generic[M]):
    """``Model.objects``: Django's manager API over Tortoise's queryset.

    The write methods are coroutines going through ``Model.save()``, so they
    send the model signals; the query methods return Tortoise querysets,
    which are awaited (``await Post.objects.all()`` gives a list). Any other
    queryset method is reached through the manager as well.
    """

    @overload
    def __get__(self, instance: None, owner: type[_M]) -> Manager[_M]: ...

    @overload
    def __get__(self, instance: object, owner: type[_M]) -> Manager[_M]: ...

    def __get__(self, instance: object, owner: type[_M]) -> Manager[_M]:
        if instance is not None:
            raise AttributeError(
                f"Manager isn't accessible via {owner.__name__} instances; "
                f"use {owner.__name__}.objects."
            )
        return self  # type: ignore[return-value]

    @property
    def model(self) -> type[M]:
        """The model class this manager belongs to."""
        return self._model  # type: ignore[no-any-return]

    def get_queryset(self) -> QuerySet[M]:
        """A fresh queryset over all rows of the model."""
        return QuerySet(self.model)

    async def create(self, **kwargs: Any) -> M:
        """Insert a new row (``post_save`` says ``created=True``) and return it."""
        return await self.model.create(**kwargs)

    async def get_or_create(
        self, defaults: dict[str, Any] | None = None, **kwargs: Any
    ) -> tuple[M, bool]:
        """``(obj, created)``: the row matching ``kwargs``, or a new one.

        Fetching an existing row saves nothing and sends nothing; a new row
        is created from ``kwargs`` plus ``defaults``.
        """
        return await self.model.get_or_create(defaults, **kwargs)

    async def update_or_create(
        self, defaults: dict[str, Any] | None = None, **kwargs: Any
    ) -> tuple[M, bool]:
        """``(obj, created)``: update the row matching ``kwargs``, else create it."""
        return await self.model.update_or_create(defaults, **kwargs)

    def all(self) -> QuerySet[M]:
        """Every row (await it for a list)."""
        return self.get_queryset()

    def filter(self, *args: Any, **kwargs: Any) -> QuerySet[M]:
        """Rows matching the lookups."""
        return self.get_queryset().filter(*args, **kwargs)

    def exclude(self, *args: Any, **kwargs: Any) -> QuerySet[M]:
        """Rows not matching the lookups."""
        return self.get_queryset().exclude(*args, **kwargs)

    def get(self, *args: Any, **kwargs: Any) -> QuerySetSingle[M]:
        """The one row matching the lookups; raises ``DoesNotExist`` if none."""
        return self.get_queryset().get(*args, **kwargs)

    def get_or_none(self, *args: Any, **kwargs: Any) -> QuerySetSingle[M | None]:
        """The one row matching the lookups, or None."""
        return self.get_queryset().get_or_none(*args, **kwargs)

    def first(self) -> QuerySetSingle[M | None]:
        """The first row, or None."""
        return self.get_queryset().first()

    async def count(self) -> int:
        """The number of rows."""
        return await self.get_queryset().count()

    async def exists(self) -> bool:
        """Is there any row?"""
        return await self.get_queryset().exists()


class Model(models.Model):
    """Abstract base model: subclasses send the model signals and have ``objects``.

    ::

        class Post(Model):
            id = fields.IntField(primary_key=True)
            title = fields.CharField(max_length=200)

        post = await Post.objects.create(title="Hello")   # pre_save, post_save

    Subclasses are wired when the class is created, so models defined at any
    time send signals, and ``Post.tags.through`` (the ``m2m_changed``
    sender) exists from then on, before ``Tortoise.init``; call
    :func:`install` after ``Tortoise.init`` for lazy ``"app.Model"`` senders.
    """

    objects: ClassVar[Manager[Any]] = Manager()

    class Meta:
        abstract = True

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        install_hooks()
        connect_model(cls)
        declare_throughs(cls)

    async def _wait_for_listeners(self, signal: Signals, *listener_args: Any) -> None:
        # Only listeners registered with Tortoise itself get here (the model
        # signals are sent before, inline). Tortoise runs them as concurrent
        # tasks; here they run one after another in the caller's context, and
        # may be plain functions.
        model = type(self)
        for listener in self._listeners.get(signal, {}).get(model, []):
            result = listener(model, self, *listener_args)
            if inspect.isawaitable(result):
                await result
