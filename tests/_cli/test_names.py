"""Naming signals after the module attributes bound to them."""

from __future__ import annotations

import sys
import types

from fastdjango._cli._names import bindings
from fastdjango.core.signals import Signal, post_save


def test_a_built_in_signal_is_defined_in_builtin_and_re_exported() -> None:
    places = bindings([post_save])[id(post_save)]

    assert places[0] == ("fastdjango.core.signals.builtin", "post_save")
    assert ("fastdjango.core.signals", "post_save") in places


def test_the_assigning_module_comes_first_whatever_the_names() -> None:
    # "a_reexport" sorts before "z_defines"; only the source tells them apart.
    import tests.fixtures.cli_app.signals as defining

    reexport = types.ModuleType("tests.fixtures.a_reexport")
    reexport.order_placed = defining.order_placed  # type: ignore[attr-defined]
    sys.modules[reexport.__name__] = reexport
    try:
        places = bindings([defining.order_placed])[id(defining.order_placed)]
    finally:
        del sys.modules[reexport.__name__]

    assert places == [
        ("tests.fixtures.cli_app.signals", "order_placed"),
        ("tests.fixtures.a_reexport", "order_placed"),
    ]


def test_a_signal_bound_nowhere_has_no_place() -> None:
    local = Signal()
    assert id(local) not in bindings([local])


def test_lazy_modules_are_not_loaded() -> None:
    class Lazy(types.ModuleType):
        def __getattribute__(self, name: str) -> object:
            raise AssertionError(f"{name} was looked up")

    sys.modules["tests.fixtures.lazy"] = Lazy("tests.fixtures.lazy")
    try:
        bindings([post_save])
    finally:
        del sys.modules["tests.fixtures.lazy"]
