"""``pre_init`` / ``post_init`` for objects built in code and rows loaded from the database.

Django sends both from ``Model.__init__``, which also builds the rows a query
loads (``Model.from_db``). SQLAlchemy builds loaded rows without calling
``__init__``, so for the classes mapped under an installed base:

* ``Post(title=...)``: ``pre_init(sender, args, kwargs)`` with the
  constructor's arguments, before ``__init__`` runs (a receiver may change
  ``kwargs``, as in Django), ``post_init(sender, instance)`` after it;
* a row a query loads into a new instance (the mapper's ``load`` event,
  once its columns are filled): ``pre_init`` with ``args=()`` and
  ``kwargs`` the loaded column values by attribute, then ``post_init``.

A row already in the session's identity map is not built again, and a
refresh (``session.refresh()``, reloading expired attributes,
``populate_existing``) builds nothing: they send nothing, as Django's
``refresh_from_db`` sends nothing for the refreshed instance.

Loading and building are the hot paths, so nothing is hooked while nobody
listens: the first ``connect`` to either signal hooks them (the class
managers' ``original_init``, which SQLAlchemy's generated ``__init__``
calls, and a ``load`` listener on each installed base); at the next
session transaction after the last receiver left they are unhooked, and a
``testing.capture`` of either signal hooks them there too. Receivers are
called with ``send_sync``: connect plain functions.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from typing import Any, Final

from sqlalchemy import event
from sqlalchemy.orm import Mapper
from sqlalchemy.orm.attributes import instance_state

from fastdjango.core.signals import post_init, pre_init

from ._bridge import any_wanted, wanted

__all__ = ["hook_base", "hook_mapper", "on_transaction_create", "watch_init_connections"]

_ORIGINAL: Final = "_fastdjango_original_init"


class _State:
    __slots__ = ("bases", "hooked")

    def __init__(self) -> None:
        self.hooked = False
        self.bases: list[type] = []


_STATE: Final = _State()
#: The mapped classes whose manager calls our ``original_init``.
_wrapped: weakref.WeakSet[type] = weakref.WeakSet()


def _listened() -> bool:
    return any_wanted(pre_init) or any_wanted(post_init)


def _wrap(original: Callable[..., Any]) -> Callable[..., Any]:
    def __init__(instance: object, *args: Any, **kwargs: Any) -> Any:
        sender = type(instance)
        pre_init.send_sync(sender, args=args, kwargs=kwargs)
        result = original(instance, *args, **kwargs)
        post_init.send_sync(sender, instance=instance)
        return result

    __init__.__doc__ = original.__doc__
    setattr(__init__, _ORIGINAL, original)
    return __init__


def _loaded(target: object, _context: object) -> None:
    """``load``: a new instance was filled from a row."""
    sender = type(target)
    if wanted(pre_init, sender):
        state = instance_state(target)
        loaded = state.dict
        columns = {
            prop.key: loaded[prop.key] for prop in state.mapper.column_attrs if prop.key in loaded
        }
        pre_init.send_sync(sender, args=(), kwargs=columns)
    post_init.send_sync(sender, instance=target)


def hook_mapper(mapper: Mapper[Any]) -> None:
    """Send the init signals for objects of ``mapper``'s class built in code (if hooked)."""
    if not _STATE.hooked:
        return
    manager = mapper.class_manager
    original = manager.original_init
    if original is not None and getattr(original, _ORIGINAL, None) is None:
        manager.original_init = _wrap(original)
        _wrapped.add(mapper.class_)


def _unhook_mapper(cls: type) -> None:
    manager: Any = getattr(cls, "_sa_class_manager", None)
    original = getattr(manager.original_init, _ORIGINAL, None) if manager is not None else None
    if original is not None:
        manager.original_init = original


def _mappers(base: type) -> list[Mapper[Any]]:
    found: list[Mapper[Any]] = []
    stack, seen = [base], set()
    while stack:
        cls = stack.pop()
        if cls in seen:
            continue
        seen.add(cls)
        manager = cls.__dict__.get("_sa_class_manager")
        mapper = getattr(manager, "mapper", None) if manager is not None else None
        if isinstance(mapper, Mapper):
            found.append(mapper)
        stack.extend(cls.__subclasses__())
    return found


def hook_base(base: type) -> None:
    """Track ``base`` (an installed declarative base); hook it now if in use."""
    if base in _STATE.bases:
        return
    _STATE.bases.append(base)
    if _STATE.hooked:
        _hook_one(base)


def _hook_one(base: type) -> None:
    event.listen(base, "load", _loaded, propagate=True)
    for mapper in _mappers(base):
        hook_mapper(mapper)


def _hook() -> None:
    if _STATE.hooked:
        return
    _STATE.hooked = True
    for base in _STATE.bases:
        _hook_one(base)


def _unhook() -> None:
    if not _STATE.hooked:
        return
    _STATE.hooked = False
    for base in _STATE.bases:
        event.remove(base, "load", _loaded)
    for cls in list(_wrapped):
        _unhook_mapper(cls)
    _wrapped.clear()


def on_transaction_create(_session: object, _transaction: object) -> None:
    """``after_transaction_create``: hook for a capture, unhook once nobody listens."""
    if _STATE.hooked:
        if not _listened():
            _unhook()
    elif pre_init.is_watched or post_init.is_watched:
        _hook()


def _on_connect(_sender: object) -> None:
    # A sender check sees every connect to an init signal.
    _hook()


def watch_init_connections() -> None:
    """Hook at the first connect to an init signal (or now, if one is connected)."""
    for signal in (pre_init, post_init):
        signal.add_sender_check(_on_connect)
