"""``pre_init`` / ``post_init`` for instances built in code and rows loaded from the database.

Django sends both from ``Model.__init__``, which also builds the rows a query
loads. Tortoise builds loaded rows with ``Model._init_from_db`` instead,
skipping ``__init__``, so both are hooked, for the models that send signals
(subclasses of the base ``Model``, and every model once ``install()`` ran):
``pre_init(sender, args, kwargs)`` before the instance is filled,
``post_init(sender, instance)`` after. For a loaded row ``args`` is empty and
``kwargs`` holds the row's values by column, as read.

Loading rows is the hot path of most services, so rows are hooked only
while the signals are in use. The executor's ``execute_select`` /
``execute_union`` are gated: once per query the gate hooks the rows if a
``testing.capture`` watches an init signal, and puts Tortoise's own
``_init_from_db`` back at the first query after the last receiver left.
The first ``connect`` to either signal hooks rows (and wraps ``__init__``)
at once. So while nobody listens, rows cost nothing extra. Receivers are called
synchronously, since an instance is built synchronously: connect plain
functions.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any, Final

from tortoise.backends.base.executor import BaseExecutor
from tortoise.models import Model

from fastdjango.core.signals import post_init, pre_init

from ._bridge import CONNECTED
from ._labels import wanted

__all__ = ["enable_init_signals", "gate_queries", "watch_init_connections"]

_MARK: Final = "__fastdjango_init_signals__"

#: Tortoise's own ``_init_from_db`` and ours, once enabled.
_from_db: dict[str, Any] = {}


def _wrap_init(init: Callable[..., None]) -> Callable[..., None]:
    def __init__(self: Model, **kwargs: Any) -> None:
        model = type(self)
        if CONNECTED not in model.__dict__:
            init(self, **kwargs)
            return
        pre_init.send_sync(model, args=(), kwargs=kwargs)
        init(self, **kwargs)
        post_init.send_sync(model, instance=self)

    __init__.__doc__ = init.__doc__
    return __init__


def _wrap_from_db(from_db: Callable[..., Model]) -> Callable[..., Model]:
    def _init_from_db(cls: type[Model], **kwargs: Any) -> Model:
        if CONNECTED not in cls.__dict__:
            return from_db(cls, **kwargs)
        pre_init.send_sync(cls, args=(), kwargs=kwargs)
        instance = from_db(cls, **kwargs)
        post_init.send_sync(cls, instance=instance)
        return instance

    _init_from_db.__doc__ = from_db.__doc__
    return _init_from_db


def _hook_rows(on: bool) -> None:
    """Build loaded rows with our ``_init_from_db`` (``on``) or Tortoise's."""
    wanted_hook = _from_db["ours" if on else "tortoise"]
    if Model.__dict__["_init_from_db"] is not wanted_hook:
        Model._init_from_db = wanted_hook  # type: ignore[method-assign]


def _listened() -> bool:
    return wanted(pre_init) or wanted(post_init)


Select = Callable[..., Coroutine[Any, Any, list[Any]]]


def _gate(select: Select) -> Select:
    async def gated(self: BaseExecutor, *args: Any, **kwargs: Any) -> list[Any]:
        # The rows are built after the query returns, without awaiting in
        # between. While they are unhooked only a capture can want them (a
        # connect hooks them at once, see _on_connect), and asking that is
        # cheap; while hooked, ask whether anybody still listens.
        if _from_db and Model.__dict__["_init_from_db"] is _from_db["ours"]:
            if not _listened():
                _hook_rows(False)
        elif pre_init.is_watched or post_init.is_watched:
            enable_init_signals()
            _hook_rows(True)
        return await select(self, *args, **kwargs)

    gated.__name__ = gated.__qualname__ = select.__name__
    gated.__doc__ = select.__doc__
    setattr(gated, _MARK, True)
    return gated


def gate_queries() -> None:
    """Let every select decide whether its rows are hooked (idempotent)."""
    for name in ("execute_select", "execute_union"):
        select = BaseExecutor.__dict__[name]
        if not getattr(select, _MARK, False):
            setattr(BaseExecutor, name, _gate(select))


def enable_init_signals() -> None:
    """Hook instance construction and row loading (idempotent)."""
    if _from_db:
        return
    gate_queries()
    tortoise_from_db = Model.__dict__["_init_from_db"]
    _from_db["tortoise"] = tortoise_from_db
    _from_db["ours"] = classmethod(_wrap_from_db(tortoise_from_db.__func__))
    Model.__init__ = _wrap_init(Model.__dict__["__init__"])  # type: ignore[method-assign]
    _hook_rows(True)


def _on_connect(sender: object) -> None:
    # A sender check sees every connect to an init signal.
    enable_init_signals()
    _hook_rows(True)


def watch_init_connections() -> None:
    """Turn the init signals on at their first connect or capture (or now, if in use)."""
    gate_queries()
    if _listened():
        enable_init_signals()
    for signal in (pre_init, post_init):
        signal.add_sender_check(_on_connect)
