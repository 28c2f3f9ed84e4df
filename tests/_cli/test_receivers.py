"""Describing receivers: module:qualname, kind and file:line."""

from __future__ import annotations

import functools
import inspect
import operator
from collections.abc import Callable
from typing import Any

import pytest

from fastdjango._cli._receivers import Origin, origin


def plain(sender: object, **kwargs: Any) -> None:
    """A module-level function."""


def logged(func: Callable[..., Any]) -> Callable[..., Any]:
    """A decorator that keeps the wrapped function reachable (functools.wraps)."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        return func(*args, **kwargs)

    return wrapper


@logged
def decorated(sender: object, **kwargs: Any) -> None:
    """Located at itself, not at the wrapper."""


class Handler:
    """Methods of every kind, and callable instances."""

    def method(self, sender: object, **kwargs: Any) -> None:
        """A bound method once accessed on an instance."""

    @classmethod
    def klass(cls, sender: object, **kwargs: Any) -> None:
        """Bound to the class."""

    @staticmethod
    def static(sender: object, **kwargs: Any) -> None:
        """A plain function in a class."""

    async def __call__(self, sender: object, **kwargs: Any) -> None:
        """Instances are receivers."""


class Subclass(Handler):
    """Inherits ``__call__``: described where the code is."""


def line(func: Any) -> int:
    return int(func.__code__.co_firstlineno)


HERE = __file__
MOD = __name__


@pytest.mark.parametrize(
    ("receiver", "expected"),
    [
        (plain, Origin(f"{MOD}:plain", "function", HERE, line(plain))),
        (decorated, Origin(f"{MOD}:decorated", "function", HERE, line(inspect.unwrap(decorated)))),
        (
            Handler().method,
            Origin(f"{MOD}:Handler.method", "bound method", HERE, line(Handler.method)),
        ),
        (Handler.klass, Origin(f"{MOD}:Handler.klass", "bound method", HERE, line(Handler.klass))),
        (Handler.static, Origin(f"{MOD}:Handler.static", "function", HERE, line(Handler.static))),
        (
            Handler(),
            Origin(f"{MOD}:Handler.__call__", "callable object", HERE, line(Handler.__call__)),
        ),
        (
            Subclass(),
            Origin(f"{MOD}:Handler.__call__", "callable object", HERE, line(Handler.__call__)),
        ),
        (functools.partial(plain, 1), Origin(f"{MOD}:plain", "partial", HERE, line(plain))),
        (
            functools.partial(functools.partial(Handler().method), 1),
            Origin(f"{MOD}:Handler.method", "partial", HERE, line(Handler.method)),
        ),
    ],
    ids=lambda value: "" if isinstance(value, Origin) else repr(value)[:40],
)
def test_origin(receiver: Callable[..., Any], expected: Origin) -> None:
    assert origin(receiver) == expected


def test_a_class_is_located_by_its_source() -> None:
    described = origin(Handler)
    assert described.name == f"{MOD}:Handler"
    assert described.kind == "class"
    with open(HERE) as source:
        assert (described.file, described.line) == (
            HERE,
            source.readlines().index("class Handler:\n") + 1,
        )


def test_builtins_have_no_location() -> None:
    assert origin(print) == Origin("builtins:print", "function", None, None)


def test_callable_objects_of_builtin_types_are_named_by_their_type() -> None:
    described = origin(operator.attrgetter("x"))
    assert (described.name, described.kind) == ("operator:attrgetter", "callable object")
