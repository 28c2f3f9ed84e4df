"""Finding the module attributes a signal is bound to.

A signal created without ``name=`` is still usually bound to a module
attribute (``order_placed = Signal(...)`` in ``myapp/signals.py``). Every
imported module's namespace is searched for the signal object itself. When
several modules bind it (``from .signals import order_placed`` re-exports
it), the module whose source assigns it at top level comes first: that is
where it is defined.
"""

from __future__ import annotations

import ast
import inspect
import sys
import types
from collections.abc import Iterable

__all__ = ["bindings"]


def bindings(objects: Iterable[object]) -> dict[int, list[tuple[str, str]]]:
    """``{id(obj): [(module, attribute), ...]}`` for each object bound in a module.

    The defining module comes first, then the others in name order. Objects
    bound nowhere (created inside a function, kept in a class) are absent.
    """
    wanted = {id(obj): obj for obj in objects}
    found: dict[int, list[tuple[str, str]]] = {}
    for module_name, module in list(sys.modules.items()):
        for attribute, value in _namespace(module):
            if wanted.get(id(value), _NOTHING) is value:
                found.setdefault(id(value), []).append((module_name, attribute))
    trees: dict[str, ast.Module | None] = {}
    for places in found.values():
        places.sort(key=lambda place: (not _assigns(trees, *place), place))
    return found


_NOTHING = object()


def _namespace(module: object) -> list[tuple[str, object]]:
    if not isinstance(module, types.ModuleType):
        return []
    try:
        # Bypass __getattribute__: a lazily loaded module must not load here.
        namespace = object.__getattribute__(module, "__dict__")
    except AttributeError:
        return []
    return list(namespace.items()) if isinstance(namespace, dict) else []


def _assigns(trees: dict[str, ast.Module | None], module_name: str, attribute: str) -> bool:
    """Does the module's source assign ``attribute`` at top level?"""
    if module_name not in trees:
        trees[module_name] = _parse(sys.modules.get(module_name))
    tree = trees[module_name]
    if tree is None:
        return False
    for node in tree.body:
        targets: list[ast.expr] = []
        if isinstance(node, ast.Assign):
            targets = node.targets
        elif isinstance(node, ast.AnnAssign):
            targets = [node.target]
        if any(isinstance(t, ast.Name) and t.id == attribute for t in targets):
            return True
    return False


def _parse(module: object) -> ast.Module | None:
    if not isinstance(module, types.ModuleType):
        return None
    try:
        return ast.parse(inspect.getsource(module))
    except (OSError, TypeError, SyntaxError, ValueError):
        return None
