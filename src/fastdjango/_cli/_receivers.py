"""Where a receiver comes from: its ``module:qualname``, kind and ``file:line``."""

from __future__ import annotations

import functools
import inspect
import types
from collections.abc import Callable
from typing import Any, NamedTuple

__all__ = ["Origin", "origin"]


class Origin(NamedTuple):
    """What a listing shows of a receiver."""

    #: ``module:qualname`` of the code that runs.
    name: str
    #: function, bound method, partial, callable object or class.
    kind: str
    #: the source file and first line, or None when Python does not know them.
    file: str | None
    line: int | None


def origin(receiver: Callable[..., Any]) -> Origin:
    """Describe a receiver, looking through partials, bound methods and ``__call__``.

    A partial is described by the function it wraps, a bound method by its
    function (``Class.method``), a callable object by its class's
    ``__call__``. Decorated functions (``functools.wraps``) are located at
    the function they wrap.
    """
    target: Any = receiver
    kind = "function"
    while isinstance(target, functools.partial):
        target, kind = target.func, "partial"
    if isinstance(target, types.MethodType):
        target = target.__func__
        kind = "bound method" if kind == "function" else kind
    elif isinstance(target, type):
        kind = "class" if kind == "function" else kind
    elif not isinstance(target, types.FunctionType | types.BuiltinFunctionType):
        cls = type(target)
        call = getattr(cls, "__call__", None)  # noqa: B004 - the method, not callable()
        target = call if isinstance(call, types.FunctionType) else cls
        kind = "callable object" if kind == "function" else kind
    return Origin(_name(target), kind, *_location(target))


def _name(target: Any) -> str:
    module = getattr(target, "__module__", None) or "?"
    qualname = getattr(target, "__qualname__", None) or getattr(target, "__name__", None)
    return f"{module}:{qualname or type(target).__qualname__}"


def _location(target: Any) -> tuple[str | None, int | None]:
    try:
        unwrapped = inspect.unwrap(target)
    except ValueError:  # a __wrapped__ cycle
        unwrapped = target
    code = getattr(unwrapped, "__code__", None)
    if isinstance(code, types.CodeType):
        return code.co_filename, code.co_firstlineno
    try:
        return inspect.getsourcefile(unwrapped), inspect.getsourcelines(unwrapped)[1]
    except (OSError, TypeError):
        return None, None
